# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.secops.mimecast.plugins.modules import mimecast_queue_info as module
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import V1_PARAMS, V2_PARAMS, envelope, load_fixture, run_module

PATH = '/api/gateway/find-processing-messages'


def queue_page(messages, next_token=None, wrap=True):
    pagination = {'pageSize': len(messages), 'totalCount': 99}
    if next_token:
        pagination['next'] = next_token
    return envelope([{'messages': messages}] if wrap else [], meta={'status': 200, 'pagination': pagination})


def run(monkeypatch, session, **args):
    return run_module(monkeypatch, module.main, dict(V1_PARAMS, **args), session)


def test_default_request_and_fixture_records(monkeypatch, fake_session):
    fake_session.add(body=load_fixture('search_processing_message_response.json'))
    done = run(monkeypatch, fake_session)
    assert not done.failed
    assert len(fake_session.calls) == 1
    call = fake_session.calls[0]
    assert call['url'] == V1_PARAMS['base_url'] + PATH
    # type is always sent: the API needs at least one field
    assert call['json'] == {'data': [{'type': 'processing'}], 'meta': {'pagination': {'pageSize': 100}}}
    result = done.result
    assert result['changed'] is False and result['total'] == 1
    message = result['messages'][0]
    assert message['id'].startswith('eNpNj1tPg0AQhf8Lr5RkL7AUoyYEKjTRaouG1heyLitQu9Ducmlr')
    assert message['from_env'] == {'email_address': 'bruce_kohrs@evaluation-fuzz.b41.one'}
    assert message['from_header'] == {'email_address': 'bruce_kohrs@evaluation-fuzz.b41.one'}
    assert message['to'] == {'email_address': 'grant.oh@paloaltonetworks.mime.integration.com'}
    assert message['remote_ip'] == '34.235.45.235'
    assert message['next_attempt'] == '2022-07-28T10:46:54+0000'
    assert message['attachment'] is True and message['attempts'] == 2 and message['routing'] == 'inbound'
    assert not any(c.isupper() for key in message for c in key)


def test_options_are_mapped(monkeypatch, fake_session):
    fake_session.add(body=queue_page([]))
    done = run(monkeypatch, fake_session, type='bulk_processing', start='2026-11-20T08:00:00+0100', end='2026-11-20T10:00:00Z',
               sort_order='ascending', search_by=dict(field_name='remoteIp', value='203.0.113.25'),
               filter_by=dict(route='inbound', attachments=False), page_size=500)
    assert not done.failed
    assert done.result['messages'] == [] and done.result['total'] == 0
    assert fake_session.calls[0]['json'] == {
        'data': [{
            'type': 'bulk_processing',
            'start': '2026-11-20T07:00:00+0000',
            'end': '2026-11-20T10:00:00+0000',
            'sortOrder': 'ascending',
            'searchBy': {'fieldName': 'remoteIp', 'value': '203.0.113.25'},
            'filterBy': [{'fieldName': 'route', 'value': 'inbound'}, {'fieldName': 'attachments', 'value': False}],
        }],
        'meta': {'pagination': {'pageSize': 500}},
    }


def test_descending_search_all_and_one_filter(monkeypatch, fake_session):
    fake_session.add(body=queue_page([]))
    run(monkeypatch, fake_session, sort_order='descending', search_by=dict(value='invoice'), filter_by=dict(attachments=True))
    assert fake_session.calls[0]['json']['data'] == [{
        'type': 'processing',
        'sortOrder': 'descending',
        'searchBy': {'fieldName': 'ALL', 'value': 'invoice'},
        'filterBy': [{'fieldName': 'attachments', 'value': True}],
    }]


def test_relative_dates(monkeypatch, fake_session):
    fake_session.add(body=queue_page([]))
    run(monkeypatch, fake_session, start='-24h', end='now')
    item = fake_session.calls[0]['json']['data'][0]
    assert set(item) == {'type', 'start', 'end'}
    assert item['start'].endswith('+0000') and item['start'] < item['end']


def test_pagination_across_pages(monkeypatch, fake_session):
    fake_session.add(body=queue_page([{'id': 'q1'}, {'id': 'q2'}], 'tok-2'))
    fake_session.add(body=queue_page([{'id': 'q3', 'remoteIp': '198.51.100.1'}, {'id': 'q4'}], 'tok-3'))
    fake_session.add(body=queue_page([{'id': 'q5'}]))
    done = run(monkeypatch, fake_session, page_size=2)
    assert [m['id'] for m in done.result['messages']] == ['q1', 'q2', 'q3', 'q4', 'q5']
    assert done.result['total'] == 5
    assert done.result['messages'][2]['remote_ip'] == '198.51.100.1'
    assert [c['json']['meta'] for c in fake_session.calls] == [
        {'pagination': {'pageSize': 2}},
        {'pagination': {'pageSize': 2, 'pageToken': 'tok-2'}},
        {'pagination': {'pageSize': 2, 'pageToken': 'tok-3'}},
    ]
    assert all(c['json']['data'] == [{'type': 'processing'}] for c in fake_session.calls)


def test_max_results_stops_reading(monkeypatch, fake_session):
    fake_session.add(body=queue_page([{'id': 'q1'}, {'id': 'q2'}], 'tok-2'))
    fake_session.add(body=queue_page([{'id': 'q3'}, {'id': 'q4'}], 'tok-3'))
    fake_session.add(body=queue_page([{'id': 'q5'}]))
    done = run(monkeypatch, fake_session, page_size=2, max_results=3)
    assert [m['id'] for m in done.result['messages']] == ['q1', 'q2', 'q3'] and done.result['total'] == 3
    assert len(fake_session.calls) == 2


@pytest.mark.parametrize('data', [
    [],
    [{}],
    [{'messages': None}],
    [{'messages': []}],
    [None],
], ids=['no-data', 'no-messages', 'null-messages', 'empty-messages', 'null-item'])
def test_empty_shapes(monkeypatch, fake_session, data):
    fake_session.add(body={'meta': {'status': 200}, 'data': data, 'fail': []})
    done = run(monkeypatch, fake_session)
    assert not done.failed
    assert done.result['messages'] == [] and done.result['total'] == 0
    assert len(fake_session.calls) == 1


def test_api_20(monkeypatch, fake_session):
    fake_session.add(body={'access_token': 'tok-1', 'token_type': 'Bearer', 'expires_in': 1800})
    fake_session.add(body=load_fixture('search_processing_message_response.json'))
    done = run_module(monkeypatch, module.main, dict(V2_PARAMS, type='processing'), fake_session)
    assert done.result['total'] == 1
    assert fake_session.paths() == ['oauth/token', PATH.lstrip('/')]
    assert fake_session.calls[1]['json']['data'] == [{'type': 'processing'}]


def test_check_mode_reads(monkeypatch, fake_session):
    fake_session.add(body=load_fixture('search_processing_message_response.json'))
    done = run(monkeypatch, fake_session, _ansible_check_mode=True)
    assert not done.failed and done.result['total'] == 1 and done.result['changed'] is False


def test_fail_entry_fails_the_task(monkeypatch, fake_session):
    fake_session.add(body=envelope(fail=[{'errors': [{'code': 'err_validation_null', 'message': 'at least one field', 'retryable': False}]}]))
    done = run(monkeypatch, fake_session)
    assert done.failed and 'err_validation_null' in done.result['msg']


@pytest.mark.parametrize('args, words', [
    (dict(page_size=0), 'page_size'),
    (dict(page_size=501), 'page_size'),
    (dict(max_results=0), 'max_results'),
    (dict(start='yesterday'), 'start'),
    (dict(start='2026-11-20T10:00:00Z', end='2026-11-20T08:00:00Z'), 'after'),
    (dict(type='deferred'), 'type'),
    (dict(sort_order='asc'), 'sort_order'),
    (dict(search_by=dict(field_name='sender', value='x')), 'field_name'),
    (dict(search_by=dict(field_name='ALL')), 'value'),
    (dict(filter_by=dict(route='sideways')), 'route'),
])
def test_invalid_options_fail_before_any_request(monkeypatch, fake_session, args, words):
    done = run(monkeypatch, fake_session, **args)
    assert done.failed and words in done.result['msg']
    assert fake_session.calls == []
