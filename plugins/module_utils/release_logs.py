# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the held release log (get-held-release-logs, ``endpoints.HELD_RELEASE_LOGS``): who released or
rejected which held message.

Public sources disagree on two shapes of a record: ``operator`` as ``"admin@domain.tld"`` or
``{"email": ...}``, and addresses as ``{emailAddress, displayableName}`` or ``{address, domain}``.
:func:`log_record` accepts every one of them (through ``message.address``) and returns one shape.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import HELD_RELEASE_LOGS
from ansible_collections.secops.mimecast.plugins.module_utils.message import address
from ansible_collections.secops.mimecast.plugins.module_utils.records import snake_case


def address_object(value):
    """An address of any shape the API sends (``{emailAddress, displayableName}``, ``{address, domain}``, a plain
    string) as the modules return it: ``{email_address, displayable_name}``."""
    name = (value.get('displayableName') or value.get('displayable_name') or '') if isinstance(value, dict) else ''
    return {'email_address': address(value) or '', 'displayable_name': name}


def log_record(record):
    """One release-log record as the modules return it: snake_case keys, ``operator`` the address string,
    ``from_env`` and ``from_hdr`` as ``{email_address, displayable_name}``, ``to`` a list of those."""
    out = snake_case(record) if isinstance(record, dict) else {}
    if isinstance(record, dict):
        out['operator'] = address(record.get('operator')) or ''
        for api_key, key in (('fromEnv', 'from_env'), ('fromHdr', 'from_hdr')):
            if api_key in record:
                out[key] = address_object(record[api_key])
        if 'to' in record:
            recipients = record['to'] if isinstance(record['to'], list) else [record['to']]
            out['to'] = [address_object(r) for r in recipients if r]
    return out


def read_release_logs(client, page_size=100, max_results=None, **options):
    """Yield the release-log records matching ``options`` across all pages, as :func:`log_record` returns them."""
    for record in HELD_RELEASE_LOGS.read(client, page_size=page_size, max_results=max_results, **options):
        yield log_record(record)
