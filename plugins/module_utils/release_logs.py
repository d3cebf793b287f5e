# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the held release log (get-held-release-logs): who released or rejected which held message.

Public sources disagree on two shapes of a record: ``operator`` as ``"admin@domain.tld"`` or
``{"email": ...}``, and addresses as ``{emailAddress, displayableName}`` or ``{address, domain}``.
:func:`log_record` accepts every one of them and returns one shape.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.dates import api_range
from ansible_collections.secops.mimecast.plugins.module_utils.records import address as address_of
from ansible_collections.secops.mimecast.plugins.module_utils.records import route_filter, snake_case

RELEASE_LOGS_PATH = '/api/gateway/get-held-release-logs'
RELEASE_LOG_PERMISSION = 'Monitoring | Held | Read'
# option value -> the API's fieldName
SEARCH_FIELDS = {'all': 'all', 'operator': 'operator', 'from': 'from', 'to': 'to', 'subject': 'subject', 'info': 'info',
                 'held_reason': 'heldReason'}
STATUSES = ('released', 'rejected')
ADDRESS_FIELDS = ('from_env', 'from_hdr', 'to')


def release_log_request(start=None, end=None, search_by=None, filter_by=None, now=None):
    """The ``data[0]`` item of get-held-release-logs from module-style options."""
    item = api_range(start, end, now=now)
    if search_by and search_by.get('value') not in (None, ''):
        field = search_by.get('field_name') or 'all'
        item['searchBy'] = {'fieldName': SEARCH_FIELDS[field], 'value': search_by['value']}
    filters = []
    for option in ('route', 'status', 'attachments'):
        value = (filter_by or {}).get(option)
        if value is not None:
            if option == 'route':
                value = route_filter(value, 'filter_by.route')
            filters.append({'fieldName': option, 'value': value})
    if filters:
        item['filterBy'] = filters
    return item


def page_records(data):
    """The records of one page: ``data[0].heldReleaseLogs`` (every item's, should the API send several)."""
    out = []
    for item in data or []:
        if isinstance(item, dict):
            out.extend(item.get('heldReleaseLogs') or [])
    return out


def operator_address(value):
    """The operator's address whether the API sends a string or ``{email}`` (or ``{emailAddress}``); '' when none."""
    return address_of(value) or ''


def address(value):
    """``{emailAddress, displayableName}``, ``{address, domain}`` or a plain string as ``{email_address, displayable_name}``."""
    email = address_of(value) or ''
    if isinstance(value, dict) and email and '@' not in email and isinstance(value.get('domain'), str) and value['domain']:
        email = '%s@%s' % (email, value['domain'])  # {address: local part, domain}
    name = (value.get('displayableName') or value.get('displayable_name') or '') if isinstance(value, dict) else ''
    return {'email_address': email, 'displayable_name': name}


def log_record(record):
    """One release-log record as the modules return it: snake_case keys, ``operator`` the address string,
    ``from_env`` and ``from_hdr`` as ``{email_address, displayable_name}``, ``to`` a list of those."""
    out = snake_case(record) if isinstance(record, dict) else {}
    if isinstance(record, dict):
        out['operator'] = operator_address(record.get('operator'))
        for api_key, key in (('fromEnv', 'from_env'), ('fromHdr', 'from_hdr')):
            if api_key in record:
                out[key] = address(record[api_key])
        if 'to' in record:
            recipients = record['to'] if isinstance(record['to'], list) else [record['to']]
            out['to'] = [address(r) for r in recipients if r]
    return out


def read_release_logs(client, page_size=100, max_results=None, **options):
    """Yield the release-log records matching ``options`` across all pages, as :func:`log_record` returns them."""
    item = release_log_request(**options)
    for record in client.paginate(RELEASE_LOGS_PATH, item, page_size=page_size, max_results=max_results, records=page_records):
        yield log_record(record)
