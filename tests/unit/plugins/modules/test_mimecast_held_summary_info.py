# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.modules import mimecast_held_summary_info as module
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import V1_PARAMS, V2_PARAMS, envelope, load_fixture, run_module

PATH = '/api/gateway/get-hold-summary-list'


def test_summary_from_fixture(monkeypatch, fake_session):
    fake_session.add(body=load_fixture('hold_message_summary_response.json'))
    done = run_module(monkeypatch, module.main, dict(V1_PARAMS), fake_session)
    assert not done.failed
    assert done.result['changed'] is False
    assert done.result['summary'] == [
        {'policy_info': 'Default Outbound URL Protect Definition', 'number_of_items': 8},
        {'policy_info': 'Relaxed Spam Detection', 'number_of_items': 1473},
        {'policy_info': 'Default Attachment Management Definition - Block Dangerous File Types', 'number_of_items': 79},
    ]
    assert len(fake_session.calls) == 1
    call = fake_session.calls[0]
    assert call['url'] == V1_PARAMS['base_url'] + PATH
    assert call['json'] == {'data': []}
    assert call['headers']['Authorization'].startswith('MC AK-test:')


def test_empty_summary(monkeypatch, fake_session):
    fake_session.add(body=envelope([]))
    done = run_module(monkeypatch, module.main, dict(V1_PARAMS), fake_session)
    assert not done.failed and done.result['summary'] == []


def test_api_20_and_check_mode(monkeypatch, fake_session):
    fake_session.add(body={'access_token': 'tok-1', 'token_type': 'Bearer', 'expires_in': 1800})
    fake_session.add(body=load_fixture('hold_message_summary_response.json'))
    done = run_module(monkeypatch, module.main, dict(V2_PARAMS, _ansible_check_mode=True), fake_session)
    assert not done.failed
    assert len(done.result['summary']) == 3
    assert fake_session.paths() == ['oauth/token', PATH.lstrip('/')]
    assert fake_session.calls[1]['headers']['Authorization'] == 'Bearer tok-1'
    assert fake_session.calls[1]['json'] == {'data': []}


def test_fail_entry_fails_the_task(monkeypatch, fake_session):
    fake_session.add(body=envelope(fail=[{'errors': [{'code': 'err_xyz', 'message': 'Something broke', 'retryable': False}]}]))
    done = run_module(monkeypatch, module.main, dict(V1_PARAMS), fake_session)
    assert done.failed
    assert 'err_xyz' in done.result['msg'] and 'Something broke' in done.result['msg']
    assert done.result['error']['codes'] == ['err_xyz']


def test_permission_denied_names_the_permission(monkeypatch, fake_session):
    fake_session.add(status=403, body=envelope(meta={'status': 403}))
    done = run_module(monkeypatch, module.main, dict(V1_PARAMS), fake_session)
    assert done.failed
    assert 'Account | Dashboard | Read' in done.result['msg']
    assert len(fake_session.calls) == 1
