# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

import pytest

from ansible_collections.secops.mimecast.plugins.modules import mimecast_held_info
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import (
    V1_PARAMS,
    V2_PARAMS,
    FakeResponse,
    FakeSession,
    envelope,
    load_fixture,
    run_module,
)

PAGE = load_fixture('list_hold_messages_response.json')


def pages_session(count):
    """Serve ``count`` pages of the fixture, the last without ``next``."""
    state = {'n': 0}

    def handler(call):
        if call['url'].endswith('/oauth/token'):
            return FakeResponse(200, {'access_token': 'tok', 'expires_in': 1800})
        state['n'] += 1
        body = copy.deepcopy(PAGE)
        for index, record in enumerate(body['data']):
            record['id'] = 'p%d-%d' % (state['n'], index)
        if state['n'] >= count:
            del body['meta']['pagination']['next']
        else:
            body['meta']['pagination']['next'] = 'token-%d' % state['n']
        return FakeResponse(200, body)
    return FakeSession(handler)


def test_reads_all_pages_snake_cased(monkeypatch):
    session = pages_session(3)
    done = run_module(monkeypatch, mimecast_held_info.main, dict(V1_PARAMS), session)
    assert not done.failed and done.result['changed'] is False
    assert done.result['total'] == 6 and [m['id'] for m in done.result['messages']][:3] == ['p1-0', 'p1-1', 'p2-0']
    first = done.result['messages'][0]
    assert first['reason_code'] == 'message_hold_applied_spam_signature_policy'
    assert first['from_header']['email_address'] == 'dbnotes@innovation-asylum.b41.one'
    assert first['has_attachments'] is False and first['date_received'] == '2022-08-01T13:10:54+0000'
    assert [c['json']['data'] for c in session.calls] == [[{'admin': True}]] * 3
    assert [c['json']['meta']['pagination'] for c in session.calls] == [
        {'pageSize': 500}, {'pageSize': 500, 'pageToken': 'token-1'}, {'pageSize': 500, 'pageToken': 'token-2'}]


def test_filters_dates_and_max_results(monkeypatch):
    session = pages_session(5)
    args = dict(V1_PARAMS, admin=False, start='2026-11-20T08:00:00+0100', end='2026-11-21', page_size=2, max_results=3,
                search_by={'field_name': 'reason_code', 'value': 'spam'},
                filter_by={'route': 'inbound', 'held_group': 'administrator', 'attachments': True})
    done = run_module(monkeypatch, mimecast_held_info.main, args, session)
    assert done.result['total'] == 3 and len(session.calls) == 2
    assert session.calls[0]['json']['data'] == [{
        'admin': False, 'start': '2026-11-20T07:00:00+0000', 'end': '2026-11-21T00:00:00+0000',
        'searchBy': {'fieldName': 'reason_code', 'value': 'spam'},
        'filterBy': [{'fieldName': 'route', 'value': 'inbound'}, {'fieldName': 'heldGroup', 'value': 'administrator'},
                     {'fieldName': 'attachments', 'value': True}]}]


def test_relative_dates_and_api2_reason_code(monkeypatch):
    session = pages_session(1)
    args = dict(V2_PARAMS, start='-24h', end='now', search_by={'field_name': 'reason_code', 'value': 'spam'})
    done = run_module(monkeypatch, mimecast_held_info.main, args, session)
    item = session.calls[1]['json']['data'][0]
    assert item['searchBy']['fieldName'] == 'reasonCode'
    assert re.match(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$', item['start'])
    assert done.result['total'] == 2


@pytest.mark.parametrize('args,expect', [
    (dict(start='yesterday'), 'is not a date'),
    (dict(start='2026-11-20T08:00:00'), 'ambiguous'),
    (dict(start='7d'), 'needs a sign'),
    (dict(start='now', end='-1d'), 'is after'),
    (dict(page_size=501), 'page_size must be between 1 and 500'),
    (dict(max_results=0), 'max_results must be 1 or more'),
])
def test_bad_input_fails_before_any_call(monkeypatch, args, expect):
    session = FakeSession()
    done = run_module(monkeypatch, mimecast_held_info.main, dict(V1_PARAMS, **args), session)
    assert done.failed and expect in done.result['msg'] and session.calls == []


def test_credentials_problems(monkeypatch):
    session = FakeSession()
    done = run_module(monkeypatch, mimecast_held_info.main, dict(V1_PARAMS, client_id='x'), session)
    assert done.failed and 'give only one set' in done.result['msg'] and session.calls == []


def test_api_error_becomes_failed_result(monkeypatch):
    session = FakeSession().add(403, envelope(fail=[{'errors': [{'code': 'err_permission', 'message': 'denied'}]}]))
    done = run_module(monkeypatch, mimecast_held_info.main, dict(V1_PARAMS), session)
    assert done.failed and 'Account | Dashboard | Read' in done.result['msg']
    assert done.result['error']['status'] == 403 and done.result['error']['codes'] == ['err_permission']
