# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the held queue (get-hold-message-list): request building shared by modules and plugins."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.dates import api_range

HOLD_LIST_PATH = '/api/gateway/get-hold-message-list'
SEARCH_FIELDS = ('all', 'subject', 'sender', 'recipient', 'reason_code')
HELD_GROUPS = ('administrator', 'moderator', 'user', 'cluster')
ROUTES = ('all', 'internal', 'outbound', 'inbound', 'external')


def held_list_request(scheme='1.0', admin=True, start=None, end=None, search_by=None, filter_by=None, now=None):
    """Build the ``data[0]`` item of get-hold-message-list from module-style options."""
    item = {'admin': bool(admin)}
    item.update(api_range(start, end, now=now))
    if search_by and search_by.get('value') not in (None, ''):
        field = search_by.get('field_name') or 'all'
        if field == 'reason_code' and scheme == '2.0':
            field = 'reasonCode'  # the 2.0 reference spells it in camelCase
        item['searchBy'] = {'fieldName': field, 'value': search_by['value']}
    filters = []
    for option, api_name in (('route', 'route'), ('held_group', 'heldGroup'), ('attachments', 'attachments')):
        value = (filter_by or {}).get(option)
        if value is not None:
            filters.append({'fieldName': api_name, 'value': value})
    if filters:
        item['filterBy'] = filters
    return item


def read_held(client, page_size=500, max_results=None, progress=None, **options):
    """Yield the raw (camelCase) held records matching ``options`` across all pages."""
    item = held_list_request(client.scheme, **options)
    return client.paginate(HOLD_LIST_PATH, item, page_size=page_size, max_results=max_results, progress=progress)


def held_ids(client, page_size=500):
    """The set of ids held now, for every recipient (one paginated read).

    The window is explicit and wider than the 14 days a message stays held, so that an API default
    window can never hide a held message from the check.
    """
    records = read_held(client, page_size=page_size, admin=True, start='-30d', end='+1d')
    return set(record.get('id') for record in records if record.get('id'))
