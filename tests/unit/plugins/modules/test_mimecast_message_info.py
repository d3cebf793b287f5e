# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.secops.mimecast.plugins.modules import mimecast_message_info as module
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import (
    V1_PARAMS,
    V2_PARAMS,
    FakeResponse,
    envelope,
    load_fixture,
    run_module,
)

PATH = '/api/message-finder/get-message-info'
FIXTURE = load_fixture('get_message_info_response.json')
FIXTURE_ID = FIXTURE['data'][0]['id']


def record(message_id, status='held'):
    return {'id': message_id, 'status': status, 'spamInfo': {'spamScore': 1}}


def not_found(message_id, key_as_string=False):
    return {'key': message_id if key_as_string else {'id': message_id},
            'errors': [{'code': 'err_message_not_found', 'message': 'No message with this id', 'retryable': False, 'field': 'id'}]}


def known_ids_handler(known, token=False):
    """Answer get-message-info like the API: a record per known id, a not-found fail entry per other id."""
    def handler(call):
        if call['url'].endswith('/oauth/token'):
            return FakeResponse(body={'access_token': 'tok-1', 'token_type': 'Bearer', 'expires_in': 1800})
        data, fail = [], []
        for item in call['json']['data']:
            if item['id'] in known:
                data.append(record(item['id']))
            else:
                fail.append(not_found(item['id']))
        return FakeResponse(body=envelope(data, fail))
    return handler


def run(monkeypatch, session, params=None, **args):
    return run_module(monkeypatch, module.main, dict(params or V1_PARAMS, **args), session)


def test_one_id_from_fixture(monkeypatch, fake_session):
    fake_session.add(body=copy.deepcopy(FIXTURE))
    done = run(monkeypatch, fake_session, ids=[FIXTURE_ID])
    assert not done.failed
    assert len(fake_session.calls) == 1
    assert fake_session.calls[0]['url'] == V1_PARAMS['base_url'] + PATH
    assert fake_session.calls[0]['json'] == {'data': [{'id': FIXTURE_ID}]}
    result = done.result
    assert result['changed'] is False and result['not_found'] == []
    assert len(result['messages']) == 1
    message = result['messages'][0]
    assert message['id'] == FIXTURE_ID and message['status'] == 'archived'
    assert message['recipient_info']['message_info']['from_header'] == 'markrobertsny@pilot-meadow.b41.one'
    assert message['recipient_info']['recipient_meta_info']['remote_ip'] == '54.236.186.184'
    assert message['spam_info']['spam_processing_detail']['permitted_sender'] == {'allow': True, 'info': 'none'}
    # deliveredMessage is keyed by recipient address: that key is left alone, the record inside is converted
    delivered = message['delivered_message']
    assert list(delivered) == ['test@test.com']
    assert delivered['test@test.com']['delivery_meta_info']['delivery_event'] == 'Email Delivered via Routing Rule'
    assert delivered['test@test.com']['policy_info'][0] == {'policy_type': 'Auto Allow', 'policy_name': 'Apply Auto Allow', 'inherited': False}
    assert message['retention_info']['retention_adjustment_days'] == -1


def test_id_alias_accepts_a_string(monkeypatch, fake_session):
    fake_session.add(body=copy.deepcopy(FIXTURE))
    done = run(monkeypatch, fake_session, id=FIXTURE_ID)
    assert not done.failed and [m['id'] for m in done.result['messages']] == [FIXTURE_ID]


def test_not_found_from_fail_entries_and_dedup(monkeypatch, fake_session):
    fake_session.add(body=envelope([record('a1'), record('c3')], [not_found('nope'), not_found('gone', key_as_string=True)]))
    done = run(monkeypatch, fake_session, ids=['c3', 'nope', 'a1', 'c3', ' a1 ', 'gone'])
    assert not done.failed
    # API 1.0: one request, each id once
    assert [c['json'] for c in fake_session.calls] == [{'data': [{'id': 'c3'}, {'id': 'nope'}, {'id': 'a1'}, {'id': 'gone'}]}]
    assert [m['id'] for m in done.result['messages']] == ['c3', 'a1']
    assert done.result['messages'][0]['spam_info'] == {'spam_score': 1}
    assert done.result['not_found'] == ['nope', 'gone']


def test_not_found_when_missing_from_the_answer(monkeypatch, fake_session):
    fake_session.add(body=envelope([record('a1')]))
    done = run(monkeypatch, fake_session, ids=['a1', 'b2'])
    assert not done.failed
    assert [m['id'] for m in done.result['messages']] == ['a1']
    assert done.result['not_found'] == ['b2']


def test_empty_answer_means_not_found(monkeypatch, fake_session):
    fake_session.add(body={'meta': {'status': 200}, 'data': [], 'fail': []})
    done = run(monkeypatch, fake_session, ids=['a1'])
    assert not done.failed and done.result['messages'] == [] and done.result['not_found'] == ['a1']


def test_other_fail_code_fails_the_task(monkeypatch, fake_session):
    fake_session.add(body=envelope([record('a1')], [
        {'key': {'id': 'b2'}, 'errors': [{'code': 'err_validation_invalid_id', 'message': 'The id is not valid', 'retryable': False}]},
        not_found('c3'),
    ]))
    done = run(monkeypatch, fake_session, ids=['a1', 'b2', 'c3'])
    assert done.failed
    assert 'err_validation_invalid_id' in done.result['msg'] and 'The id is not valid' in done.result['msg'] and 'b2' in done.result['msg']
    assert done.result['failures'] == [{'id': 'b2', 'code': 'err_validation_invalid_id', 'message': 'The id is not valid', 'retryable': False}]
    # what was learnt is still returned
    assert [m['id'] for m in done.result['messages']] == ['a1'] and done.result['not_found'] == ['c3']


def test_unkeyed_fail_entry_fails_the_task(monkeypatch, fake_session):
    fake_session.add(body=envelope(fail=[{'errors': [{'code': 'err_internal', 'message': 'Try later', 'retryable': True}]}]))
    done = run(monkeypatch, fake_session, ids=['a1', 'b2'])
    assert done.failed and 'err_internal' in done.result['msg']
    assert done.result['failures'][0]['retryable'] is True


def test_api_20_sends_one_id_per_request(monkeypatch, fake_session):
    fake_session.handler = known_ids_handler({'a1', 'c3'})
    done = run(monkeypatch, fake_session, params=V2_PARAMS, ids=['a1', 'b2', 'c3', 'a1'])
    assert not done.failed
    assert fake_session.paths() == ['oauth/token'] + [PATH.lstrip('/')] * 3
    assert [c['json'] for c in fake_session.calls[1:]] == [{'data': [{'id': 'a1'}]}, {'data': [{'id': 'b2'}]}, {'data': [{'id': 'c3'}]}]
    assert all(c['headers']['Authorization'] == 'Bearer tok-1' for c in fake_session.calls[1:])
    assert [m['id'] for m in done.result['messages']] == ['a1', 'c3']
    assert done.result['not_found'] == ['b2']


def test_api_20_fail_entry_without_key_is_the_one_id(monkeypatch, fake_session):
    fake_session.add(body={'access_token': 'tok-1', 'token_type': 'Bearer', 'expires_in': 1800})
    fake_session.add(body=envelope(fail=[{'errors': [{'code': 'err_message_not_found', 'message': 'Not found'}]}]))
    done = run(monkeypatch, fake_session, params=V2_PARAMS, ids=['zz'])
    assert not done.failed and done.result['not_found'] == ['zz']


def test_api_10_batches_of_50(monkeypatch, fake_session):
    ids = ['m%03d' % n for n in range(120)]
    fake_session.handler = known_ids_handler(set(ids[:110]))
    done = run(monkeypatch, fake_session, ids=ids)
    assert not done.failed
    assert [len(c['json']['data']) for c in fake_session.calls] == [50, 50, 20]
    assert [item['id'] for c in fake_session.calls for item in c['json']['data']] == ids
    assert [m['id'] for m in done.result['messages']] == ids[:110]
    assert done.result['not_found'] == ids[110:]


def test_record_with_a_differently_spelt_id_is_kept(monkeypatch, fake_session):
    fake_session.add(body=envelope([record('ENPNJ-canonical')]))
    done = run(monkeypatch, fake_session, ids=['enpnj-canonical'])
    assert not done.failed
    assert [m['id'] for m in done.result['messages']] == ['ENPNJ-canonical'] and done.result['not_found'] == []


def test_empty_list_makes_no_request(monkeypatch, fake_session):
    done = run(monkeypatch, fake_session, ids=[])
    assert not done.failed
    assert done.result['messages'] == [] and done.result['not_found'] == []
    assert fake_session.calls == []


@pytest.mark.parametrize('ids', [['a1', ''], ['   '], ['a1', None]], ids=['empty', 'blank', 'null'])
def test_invalid_ids_fail_before_any_request(monkeypatch, fake_session, ids):
    done = run(monkeypatch, fake_session, ids=ids)
    # a None element is refused by ansible-core's own type check on older cores, by the module on newer ones
    assert done.failed and ('empty' in done.result['msg'] or "option 'ids'" in done.result['msg'])
    assert fake_session.calls == []


def test_invalid_ids_fail_before_the_api_20_token(monkeypatch, fake_session):
    done = run(monkeypatch, fake_session, params=V2_PARAMS, ids=['a1', ''])
    assert done.failed and fake_session.calls == []


def test_ids_are_required(monkeypatch, fake_session):
    done = run(monkeypatch, fake_session)
    assert done.failed and 'ids' in done.result['msg']
    assert fake_session.calls == []
