# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The table of the Mimecast API endpoints the collection calls: one :class:`Endpoint` each.

An entry says the endpoint's path and the permission a 403 names (every endpoint), and for a read
endpoint how its request is built from task options and where the records sit in the answer:

* ``fields``: top-level request fields taken from options (``admin``, ``type``, ``sort_order``), each an
  :class:`Option`;
* ``dates``: whether it takes ``start`` and ``end`` (date options, sent in the API's form);
* ``search``: the ``search_by`` shape (:class:`Search`: option value -> the API's ``fieldName``);
* ``filters``: the ``filter_by`` options in the order they are sent (:class:`Option`: the API's
  ``fieldName``, type, choices, normaliser);
* ``records``: the key of the list each ``data`` item holds (``data[].messages[]``), or None when the
  records are the ``data`` items themselves.

From that one entry come the request (:meth:`Endpoint.request`), the argument spec of the options
(:meth:`Endpoint.argument_spec`, the same for a module, an action plugin and the event source) and the
read across pages (:meth:`Endpoint.read`). A new read endpoint is one entry here and a module
(``module.run_read_module``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.dates import api_range
from ansible_collections.secops.mimecast.plugins.module_utils.records import route_filter


class Option(object):
    """One request option: ``name`` (the task's option), ``api_name`` (the request's key, or the filter's
    ``fieldName``; default ``name``), its argument spec (``type``, ``choices``, ``default``) and
    ``normalise(value, label)``: the value as the API takes it (raising :class:`InputError` naming ``label``)."""

    __slots__ = ('name', 'api_name', 'type', 'choices', 'default', 'normalise')

    def __init__(self, name, api_name=None, type='str', choices=None, default=None, normalise=None):
        self.name = name
        self.api_name = api_name or name
        self.type = type
        self.choices = tuple(choices) if choices else None
        self.default = default
        self.normalise = normalise

    def spec(self):
        spec = dict(type=self.type)
        if self.choices:
            spec['choices'] = list(self.choices)
        if self.default is not None:
            spec['default'] = self.default
        return spec

    def value(self, value, label):
        return self.normalise(value, label) if self.normalise is not None else value


class Search(object):
    """The ``search_by`` option: ``fields`` pairs each option value with the API's ``fieldName`` (in the order
    the choices are documented), ``default`` the field searched when none is named, ``renamed`` per API scheme
    the option values spelt otherwise there (``{'2.0': {'reason_code': 'reasonCode'}}``)."""

    __slots__ = ('fields', 'default', 'renamed')

    def __init__(self, fields, default, renamed=None):
        self.fields = tuple(fields)
        self.default = default
        self.renamed = renamed or {}

    def spec(self):
        return dict(type='dict', options=dict(
            field_name=dict(type='str', default=self.default, choices=[option for option, dummy in self.fields]),
            value=dict(type='str', required=True),
        ))

    def item(self, search_by, scheme):
        """The request's ``searchBy``, or None when no value is searched for."""
        if not search_by or search_by.get('value') in (None, ''):
            return None
        option = search_by.get('field_name') or self.default
        name = self.renamed.get(scheme, {}).get(option) or dict(self.fields).get(option, option)
        return {'fieldName': name, 'value': search_by['value']}


class Endpoint(object):
    """One API endpoint (see the module's docstring)."""

    __slots__ = ('name', 'path', 'permission', 'fields', 'dates', 'search', 'filters', 'records_key')

    def __init__(self, name, path, permission, fields=(), dates=False, search=None, filters=(), records=None):
        self.name = name
        self.path = path
        self.permission = permission
        self.fields = tuple(fields)
        self.dates = dates
        self.search = search
        self.filters = tuple(filters)
        self.records_key = records

    def __repr__(self):
        return 'Endpoint(%r)' % self.path

    def argument_spec(self):
        """The argument spec of the request's options (the task's ``page_size`` and ``max_results`` are not in it)."""
        spec = dict((option.name, option.spec()) for option in self.fields)
        if self.dates:
            spec.update(start=dict(type='str'), end=dict(type='str'))
        if self.search is not None:
            spec['search_by'] = self.search.spec()
        if self.filters:
            spec['filter_by'] = dict(type='dict', options=dict((option.name, option.spec()) for option in self.filters))
        return spec

    def request(self, scheme='1.0', now=None, **options):
        """The ``data[0]`` item of a request from task options (a field left out or None takes its default).

        Raises :class:`InputError` for a bad date or filter value (before any request), ``TypeError`` for an
        option the endpoint does not take.
        """
        unknown = sorted(set(options) - set(self.argument_spec()))
        if unknown:
            raise TypeError('%s takes no option %s' % (self.path, ', '.join(unknown)))
        item = {}
        for option in self.fields:
            value = options.get(option.name)
            value = option.default if value is None else value
            if value not in (None, ''):
                item[option.api_name] = option.value(value, option.name)
        if self.dates:
            item.update(api_range(options.get('start'), options.get('end'), now=now))
        search = self.search.item(options.get('search_by'), scheme) if self.search is not None else None
        if search is not None:
            item['searchBy'] = search
        filter_by = options.get('filter_by') or {}
        filters = [{'fieldName': option.api_name, 'value': option.value(filter_by[option.name], 'filter_by.' + option.name)}
                   for option in self.filters if filter_by.get(option.name) is not None]
        if filters:
            item['filterBy'] = filters
        return item

    def records(self, data):
        """The records of one page: the ``data`` items, or every item's list under ``records_key`` (a missing or
        null list, or an item that is not an object, holds none)."""
        if self.records_key is None:
            return data
        out = []
        for item in data or []:
            if isinstance(item, dict) and isinstance(item.get(self.records_key), list):
                out.extend(item[self.records_key])
        return out

    def read(self, client, page_size=100, max_results=None, progress=None, now=None, **options):
        """Yield the raw (camelCase) records matching ``options`` across every page (``client.paginate``)."""
        return client.paginate(self.path, self.request(client.scheme, now=now, **options), page_size=page_size,
                               max_results=max_results, records=self.records, progress=progress)


def _flag(value, label):
    return bool(value)


# ------------------------------------------------------------------------------------------ the table
HELD_GROUPS = ('administrator', 'moderator', 'user', 'cluster')
QUEUE_TYPES = ('processing', 'bulk_processing')
SORT_ORDERS = ('ascending', 'descending')
RELEASE_STATUSES = ('released', 'rejected')
_ROUTE = Option('route', normalise=route_filter)
_ATTACHMENTS = Option('attachments', type='bool')

HELD_LIST = Endpoint(
    'held_list', '/api/gateway/get-hold-message-list', 'Account | Dashboard | Read',
    fields=[Option('admin', type='bool', default=True, normalise=_flag)], dates=True,
    # the 1.0 docs list reason_code; the 2.0 reference and the vendor's samples spell it reasonCode
    search=Search([(name, name) for name in ('all', 'subject', 'sender', 'recipient', 'reason_code')], 'all',
                  renamed={'2.0': {'reason_code': 'reasonCode'}}),
    filters=[_ROUTE, Option('held_group', 'heldGroup', choices=HELD_GROUPS), _ATTACHMENTS])
HOLD_SUMMARY = Endpoint('hold_summary', '/api/gateway/get-hold-summary-list', 'Account | Dashboard | Read')
HOLD_RELEASE = Endpoint('hold_release', '/api/gateway/hold-release', 'Account | Monitoring | Held | Edit')
HOLD_REJECT = Endpoint('hold_reject', '/api/gateway/hold-reject', 'Account | Monitoring | Held | Edit')
PROCESSING_QUEUE = Endpoint(
    'processing_queue', '/api/gateway/find-processing-messages', 'Monitoring | Processing | Read',
    # type is always sent (it has a default), so the API's "at least one field" rule holds
    fields=[Option('type', default='processing', choices=QUEUE_TYPES), Option('sort_order', 'sortOrder', choices=SORT_ORDERS)],
    dates=True,
    search=Search([(name, name) for name in ('ALL', 'fromAddress', 'toAddress', 'subject', 'info', 'remoteIp')], 'ALL'),
    filters=[_ROUTE, _ATTACHMENTS], records='messages')
MESSAGE_INFO = Endpoint('message_info', '/api/message-finder/get-message-info', 'Gateway | Tracking | Read')
HELD_RELEASE_LOGS = Endpoint(
    'held_release_logs', '/api/gateway/get-held-release-logs', 'Monitoring | Held | Read', dates=True,
    search=Search([('all', 'all'), ('operator', 'operator'), ('from', 'from'), ('to', 'to'), ('subject', 'subject'),
                   ('info', 'info'), ('held_reason', 'heldReason')], 'all'),
    filters=[_ROUTE, Option('status', choices=RELEASE_STATUSES), _ATTACHMENTS], records='heldReleaseLogs')
MANAGED_SENDER = Endpoint('managed_sender', '/api/managedsender/permit-or-block-sender',
                          'Managed Senders (the vendor does not document its name)')

ENDPOINTS = dict((endpoint.path, endpoint) for endpoint in (
    HELD_LIST, HOLD_SUMMARY, HOLD_RELEASE, HOLD_REJECT, PROCESSING_QUEUE, MESSAGE_INFO, HELD_RELEASE_LOGS, MANAGED_SENDER))


def permission(path):
    """The permission the endpoint at ``path`` needs (for 403 messages); ``matching`` for a path not in the table."""
    endpoint = ENDPOINTS.get(path)
    return endpoint.permission if endpoint is not None else 'matching'
