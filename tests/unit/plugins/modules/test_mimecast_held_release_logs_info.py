# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import HELD_RELEASE_LOGS
from ansible_collections.secops.mimecast.plugins.module_utils.release_logs import address_object, log_record
from ansible_collections.secops.mimecast.plugins.modules import mimecast_held_release_logs_info
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import (
    V1_PARAMS,
    V2_PARAMS,
    FakeResponse,
    FakeSession,
    envelope,
    run_module,
)

PATH = '/api/gateway/get-held-release-logs'


def api_record(n, operator_shape='string', address_shape='email'):
    def addr(email, name=''):
        if address_shape == 'address':
            return {'address': email, 'domain': email.split('@')[1]}
        return {'emailAddress': email, 'displayableName': name}
    operator = 'admin%d@example.com' % (n % 2)
    return {
        'id': 'log-%d' % n, 'status': 'rejected' if n % 3 == 0 else 'released', 'released': '2026-11-30T10:%02d:00+0000' % n,
        'operator': operator if operator_shape == 'string' else {'email': operator},
        'rejectReason': '', 'messageInfo': '', 'heldReason': 'Message Hold Applied - Spam Signature policy', 'heldGroup': 'administrator',
        'policy': 'Relaxed Spam Detection', 'route': 'INBOUND', 'size': 1000 + n, 'attachments': False, 'subject': 'Digest %d' % n,
        'fromEnv': addr('news@news.vendor.example'), 'fromHdr': addr('news@news.vendor.example', 'Vendor News'),
        'to': [addr('alice@example.com', 'Alice')], 'spamScore': 8, 'detectionLevel': 'relaxed',
    }


def pages_session(pages, per_page=2, **shape):
    """Serve ``pages`` pages of ``per_page`` records in data[0].heldReleaseLogs, the last without ``next``."""
    state = {'n': 0, 'record': 0}

    def handler(call):
        if call['url'].endswith('/oauth/token'):
            return FakeResponse(200, {'access_token': 'tok', 'expires_in': 1800})
        state['n'] += 1
        records = []
        for dummy in range(per_page):
            records.append(api_record(state['record'], **shape))
            state['record'] += 1
        pagination = {'pageSize': per_page, 'totalCount': pages * per_page}
        if state['n'] < pages:
            pagination['next'] = 'cursor-%d' % state['n']
        return FakeResponse(200, envelope([{'heldReleaseLogs': records}], meta={'status': 200, 'pagination': pagination}))
    return FakeSession(handler)


def test_reads_every_page_into_snake_case(monkeypatch):
    session = pages_session(3)
    done = run_module(monkeypatch, mimecast_held_release_logs_info.main, dict(V1_PARAMS), session)
    assert not done.failed and done.result['changed'] is False
    assert done.result['total'] == 6 and [r['id'] for r in done.result['logs']] == ['log-%d' % n for n in range(6)]
    assert session.paths() == [PATH.lstrip('/')] * 3
    assert [c['json'] for c in session.calls] == [
        {'meta': {'pagination': {'pageSize': 100}}, 'data': [{}]},
        {'meta': {'pagination': {'pageSize': 100, 'pageToken': 'cursor-1'}}, 'data': [{}]},
        {'meta': {'pagination': {'pageSize': 100, 'pageToken': 'cursor-2'}}, 'data': [{}]},
    ]
    first = done.result['logs'][0]
    assert first['held_reason'] == 'Message Hold Applied - Spam Signature policy' and first['spam_score'] == 8
    assert first['operator'] == 'admin0@example.com'
    assert first['from_env'] == {'email_address': 'news@news.vendor.example', 'displayable_name': ''}
    assert first['from_hdr'] == {'email_address': 'news@news.vendor.example', 'displayable_name': 'Vendor News'}
    assert first['to'] == [{'email_address': 'alice@example.com', 'displayable_name': 'Alice'}]


@pytest.mark.parametrize('operator_shape, address_shape', [('object', 'address'), ('object', 'email'), ('string', 'address')])
def test_both_shapes_give_the_same_result(monkeypatch, operator_shape, address_shape):
    plain = run_module(monkeypatch, mimecast_held_release_logs_info.main, dict(V1_PARAMS), pages_session(1))
    other = run_module(monkeypatch, mimecast_held_release_logs_info.main, dict(V1_PARAMS),
                       pages_session(1, operator_shape=operator_shape, address_shape=address_shape))

    def strip(logs):
        return [dict(r, from_hdr=r['from_hdr']['email_address'], to=[t['email_address'] for t in r['to']]) for r in logs]

    assert [r['operator'] for r in other.result['logs']] == ['admin0@example.com', 'admin1@example.com']
    assert strip(other.result['logs']) == strip(plain.result['logs'])


def test_filters_search_dates_and_max_results(monkeypatch):
    session = pages_session(5)
    args = dict(V1_PARAMS, start='2026-11-20T08:00:00+0100', end='2026-11-21', page_size=2, max_results=3,
                search_by={'field_name': 'held_reason', 'value': 'spam'},
                filter_by={'route': 'INBOUND', 'status': 'rejected', 'attachments': False})
    done = run_module(monkeypatch, mimecast_held_release_logs_info.main, args, session)
    assert not done.failed and done.result['total'] == 3 and len(session.calls) == 2
    assert session.calls[0]['json'] == {'meta': {'pagination': {'pageSize': 2}}, 'data': [{
        'start': '2026-11-20T07:00:00+0000', 'end': '2026-11-21T00:00:00+0000',
        'searchBy': {'fieldName': 'heldReason', 'value': 'spam'},
        'filterBy': [{'fieldName': 'route', 'value': 'inbound'}, {'fieldName': 'status', 'value': 'rejected'},
                     {'fieldName': 'attachments', 'value': False}]}]}
    assert session.calls[1]['json']['meta'] == {'pagination': {'pageSize': 2, 'pageToken': 'cursor-1'}}


def test_api2_and_relative_dates(monkeypatch):
    session = pages_session(1)
    args = dict(V2_PARAMS, start='-7d', search_by={'field_name': 'operator', 'value': 'admin0'})
    done = run_module(monkeypatch, mimecast_held_release_logs_info.main, args, session)
    assert not done.failed and done.result['total'] == 2
    assert session.paths() == ['oauth/token', PATH.lstrip('/')]
    item = session.calls[1]['json']['data'][0]
    assert session.calls[1]['headers']['Authorization'] == 'Bearer tok'
    assert re.match(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$', item['start']) and 'end' not in item
    assert item['searchBy'] == {'fieldName': 'operator', 'value': 'admin0'}


@pytest.mark.parametrize('args,expect', [
    (dict(start='yesterday'), 'is not a date'),
    (dict(start='now', end='-1d'), 'is after'),
    (dict(page_size=0), 'page_size must be between 1 and 500'),
    (dict(max_results=0), 'max_results must be 1 or more'),
    (dict(filter_by={'route': 'sideways'}), 'filter_by.route must be one of'),
    (dict(filter_by={'status': 'held'}), 'value of status must be one of'),
    (dict(search_by={'field_name': 'sender', 'value': 'x'}), 'value of field_name must be one of'),
])
def test_bad_input_fails_before_any_call(monkeypatch, args, expect):
    session = FakeSession()
    done = run_module(monkeypatch, mimecast_held_release_logs_info.main, dict(V1_PARAMS, **args), session)
    assert done.failed and expect in done.result['msg'] and session.calls == []


def test_forbidden_names_the_permission(monkeypatch):
    session = FakeSession().add(403, envelope(fail=[{'key': {}, 'errors': [{'code': 'err_xdk_permission_denied', 'message': 'no'}]}]))
    done = run_module(monkeypatch, mimecast_held_release_logs_info.main, dict(V1_PARAMS), session)
    assert done.failed and 'Monitoring | Held | Read' in done.result['msg']
    assert done.result['error']['status'] == 403 and done.result['error']['codes'] == ['err_xdk_permission_denied']
    assert len(session.calls) == 1


def test_fail_entry_on_a_page_fails_the_task(monkeypatch):
    session = FakeSession().add(200, envelope(fail=[{'key': {}, 'errors': [{'code': 'err_validation_invalid_date', 'message': 'bad'}]}]))
    done = run_module(monkeypatch, mimecast_held_release_logs_info.main, dict(V1_PARAMS), session)
    assert done.failed and 'err_validation_invalid_date' in done.result['msg']


def test_record_helpers():
    assert HELD_RELEASE_LOGS.records([{'heldReleaseLogs': [{'id': 'a'}]}, {'heldReleaseLogs': [{'id': 'b'}]}, 'junk', {}]) == [{'id': 'a'}, {'id': 'b'}]
    assert HELD_RELEASE_LOGS.records([]) == [] and HELD_RELEASE_LOGS.records(None) == []
    assert address_object({'address': 'bob', 'domain': 'example.com'}) == {'email_address': 'bob@example.com', 'displayable_name': ''}
    assert address_object('carol@example.com') == {'email_address': 'carol@example.com', 'displayable_name': ''}
    assert address_object(None) == {'email_address': '', 'displayable_name': ''}
    rec = log_record({'id': 'x', 'operator': {'email': 'op@example.com'}, 'to': {'address': 'u@example.com', 'domain': 'example.com'},
                      'rejectReason': 'R'})
    assert rec == {'id': 'x', 'operator': 'op@example.com', 'to': [{'email_address': 'u@example.com', 'displayable_name': ''}],
                   'reject_reason': 'R'}
    assert log_record({'id': 'y'})['operator'] == ''
