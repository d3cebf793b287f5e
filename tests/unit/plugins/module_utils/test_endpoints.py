# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The endpoint table: requests, argument specs and records of every read endpoint come from one entry."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.secops.mimecast.plugins.module_utils import endpoints
from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import (
    ENDPOINTS,
    HELD_LIST,
    HELD_RELEASE_LOGS,
    PROCESSING_QUEUE,
    Endpoint,
    Option,
    Search,
    permission,
)
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.module import run_read_module
from ansible_collections.secops.mimecast.plugins.module_utils.records import route_filter
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import V1_PARAMS, FakeResponse, FakeSession, envelope, run_module

NOW = datetime.datetime(2026, 11, 20, 12, 0, 0, tzinfo=datetime.timezone.utc)


def test_every_path_once_with_its_permission():
    assert len(ENDPOINTS) == 8 and all(path.startswith('/api/') for path in ENDPOINTS)
    assert permission('/api/gateway/get-hold-message-list') == 'Account | Dashboard | Read'
    assert permission('/api/gateway/hold-release') == 'Account | Monitoring | Held | Edit'
    assert permission('/api/gateway/get-held-release-logs') == 'Monitoring | Held | Read'
    assert permission('/api/nowhere') == 'matching'


@pytest.mark.parametrize('scheme, field', [('1.0', 'reason_code'), ('2.0', 'reasonCode')])
def test_held_list_request(scheme, field):
    item = HELD_LIST.request(scheme, admin=False, start='-1h', end='now', now=NOW,
                             search_by={'field_name': 'reason_code', 'value': 'spam'},
                             filter_by={'route': 'Inbound', 'held_group': 'user', 'attachments': False})
    assert item == {'admin': False, 'start': '2026-11-20T11:00:00+0000', 'end': '2026-11-20T12:00:00+0000',
                    'searchBy': {'fieldName': field, 'value': 'spam'},
                    'filterBy': [{'fieldName': 'route', 'value': 'inbound'}, {'fieldName': 'heldGroup', 'value': 'user'},
                                 {'fieldName': 'attachments', 'value': False}]}
    # defaults: admin is always sent; a search without a value is not
    assert HELD_LIST.request() == {'admin': True}
    assert HELD_LIST.request(search_by={'field_name': 'subject', 'value': ''}, filter_by={}) == {'admin': True}
    assert HELD_LIST.request(search_by={'value': 'x'})['searchBy'] == {'fieldName': 'all', 'value': 'x'}


def test_release_log_and_queue_requests():
    assert HELD_RELEASE_LOGS.request() == {}
    assert HELD_RELEASE_LOGS.request(search_by={'field_name': 'held_reason', 'value': 'Spam'},
                                     filter_by={'status': 'rejected', 'route': 'OUTBOUND'}) == {
        'searchBy': {'fieldName': 'heldReason', 'value': 'Spam'},
        'filterBy': [{'fieldName': 'route', 'value': 'outbound'}, {'fieldName': 'status', 'value': 'rejected'}]}
    assert PROCESSING_QUEUE.request() == {'type': 'processing'}
    assert PROCESSING_QUEUE.request(type='bulk_processing', sort_order='descending', search_by={'value': 'x'}) == {
        'type': 'bulk_processing', 'sortOrder': 'descending', 'searchBy': {'fieldName': 'ALL', 'value': 'x'}}


def test_bad_values_and_unknown_options():
    with pytest.raises(InputError, match='filter_by.route must be one of'):
        PROCESSING_QUEUE.request(filter_by={'route': 'sideways'})
    with pytest.raises(InputError, match="start 'yesterday' is not a date"):
        HELD_RELEASE_LOGS.request(start='yesterday')
    with pytest.raises(TypeError, match='held_group'):
        HELD_RELEASE_LOGS.request(held_group='user')


def test_argument_specs():
    assert sorted(HELD_LIST.argument_spec()) == ['admin', 'end', 'filter_by', 'search_by', 'start']
    assert HELD_LIST.argument_spec()['search_by']['options']['field_name'] == dict(
        type='str', default='all', choices=['all', 'subject', 'sender', 'recipient', 'reason_code'])
    assert HELD_LIST.argument_spec()['filter_by']['options'] == dict(
        route=dict(type='str'), held_group=dict(type='str', choices=['administrator', 'moderator', 'user', 'cluster']),
        attachments=dict(type='bool'))
    assert PROCESSING_QUEUE.argument_spec()['type'] == dict(type='str', choices=['processing', 'bulk_processing'], default='processing')
    assert HELD_RELEASE_LOGS.argument_spec()['search_by']['options']['field_name']['choices'] == [
        'all', 'operator', 'from', 'to', 'subject', 'info', 'held_reason']
    assert endpoints.HOLD_SUMMARY.argument_spec() == {}


@pytest.mark.parametrize('endpoint, data, records', [
    (HELD_LIST, [{'id': 'a'}, {'id': 'b'}], [{'id': 'a'}, {'id': 'b'}]),
    (PROCESSING_QUEUE, [{'messages': [{'id': 'a'}]}, {'messages': None}, None, {'messages': [{'id': 'b'}]}], [{'id': 'a'}, {'id': 'b'}]),
    (HELD_RELEASE_LOGS, [{'heldReleaseLogs': [{'id': 'a'}]}, 'junk', {}], [{'id': 'a'}]),
    (HELD_RELEASE_LOGS, None, []),
])
def test_where_the_records_sit(endpoint, data, records):
    assert endpoint.records(data) == records


# A read endpoint the collection does not have: one entry and a module body are all it takes.
THINGS = Endpoint('things', '/api/test/get-things', 'Test | Things | Read',
                  fields=[Option('kind', default='plain', choices=('plain', 'fancy'))], dates=True,
                  search=Search([('all', 'all'), ('name', 'thingName')], 'all'),
                  filters=[Option('route', normalise=route_filter), Option('shiny', type='bool')], records='things')


def test_a_new_read_endpoint_is_one_entry_and_a_module(monkeypatch):
    pages = [([{'thingName': 'one'}, {'thingName': 'two'}], 'next-1'), ([{'thingName': 'three'}], None)]

    def handler(call):
        things, token = pages[len(session.calls) - 1]
        pagination = {'next': token} if token else {}
        return FakeResponse(200, envelope([{'things': things}], meta={'status': 200, 'pagination': pagination}))

    session = FakeSession(handler)
    args = dict(V1_PARAMS, kind='fancy', search_by={'field_name': 'name', 'value': 'o'}, filter_by={'route': 'INBOUND', 'shiny': True},
                page_size=2)
    done = run_module(monkeypatch, lambda: run_read_module(THINGS, 'things', page_size=50), args, session)
    assert not done.failed, done.result
    assert done.result == {'changed': False, 'things': [{'thing_name': 'one'}, {'thing_name': 'two'}, {'thing_name': 'three'}], 'total': 3}
    item = {'kind': 'fancy', 'searchBy': {'fieldName': 'thingName', 'value': 'o'},
            'filterBy': [{'fieldName': 'route', 'value': 'inbound'}, {'fieldName': 'shiny', 'value': True}]}
    assert [c['json'] for c in session.calls] == [
        {'meta': {'pagination': {'pageSize': 2}}, 'data': [item]},
        {'meta': {'pagination': {'pageSize': 2, 'pageToken': 'next-1'}}, 'data': [item]},
    ]
    # its 403 names its permission
    session = FakeSession(lambda call: FakeResponse(403, envelope(fail=[{'errors': [{'code': 'err_forbidden', 'message': 'no'}]}])))
    monkeypatch.setitem(ENDPOINTS, THINGS.path, THINGS)
    done = run_module(monkeypatch, lambda: run_read_module(THINGS, 'things'), dict(V1_PARAMS, max_results=5), session)
    assert done.failed and 'needs the Test | Things | Read permission' in done.result['msg']
    done = run_module(monkeypatch, lambda: run_read_module(THINGS, 'things'), dict(V1_PARAMS, max_results=0), session)
    assert done.failed and done.result['msg'] == 'max_results must be 1 or more; got 0'
