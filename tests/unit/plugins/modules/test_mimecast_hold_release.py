# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.secops.mimecast.plugins.modules import mimecast_hold_reject, mimecast_hold_release
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import V1_PARAMS, FakeResponse, FakeSession, envelope, run_module
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import FakeApi

IDS = ['a1', 'a2', 'a3', 'a4']


def run(monkeypatch, main, api, **args):
    return run_module(monkeypatch, main, dict(V1_PARAMS, **args), api.session)


def test_release_then_rerun_unchanged(monkeypatch):
    api = FakeApi(IDS[:3])
    first = run(monkeypatch, mimecast_hold_release.main, api, ids=IDS)
    assert not first.failed and first.result['changed'] is True
    assert first.result['released'] == IDS[:3] and first.result['not_held'] == ['a4'] and first.result['failures'] == []
    assert first.result['msg'] == 'Released 3, not held 1, failed 0 (of 4 ids)'
    second = run(monkeypatch, mimecast_hold_release.main, api, ids=IDS)
    assert second.result['changed'] is False and second.result['released'] == [] and second.result['not_held'] == IDS


@pytest.mark.parametrize('main, name, args', [
    (mimecast_hold_release.main, 'released', {}),
    (mimecast_hold_reject.main, 'rejected', {'reason_type': 'INAPPROPRIATE COMMUNICATION'}),
])
def test_ids_the_api_does_not_know_are_not_found_not_in_not_held(monkeypatch, main, name, args):
    # a1-a2 held, a3 released before (known), a4 a typo
    api = FakeApi(IDS[:2], known=IDS[:3])
    first = run(monkeypatch, main, api, ids=IDS, **args)
    assert not first.failed and first.result[name] == IDS[:2]
    assert first.result['not_held'] == ['a3'] and first.result['not_found'] == ['a4'] and first.result['failures'] == []
    assert first.result['msg'] == '%s 2, not held 1, not found 1, failed 0 (of 4 ids)' % name.capitalize()
    # exactly: one read, the held ids, then the others once, in a request of their own
    write = 'gateway/hold-release' if name == 'released' else 'gateway/hold-reject'
    assert [c['url'].split('/api/')[1] for c in api.session.calls] == ['gateway/get-hold-message-list', write, write]
    bodies = [c['json']['data'] for c in api.writes()]
    if name == 'released':
        assert bodies == [[{'id': 'a1'}, {'id': 'a2'}], [{'id': 'a3'}, {'id': 'a4'}]]
    else:
        assert [b[0]['ids'] for b in bodies] == [['a1', 'a2'], ['a3', 'a4']]
    # check mode does not ask: every id not held is not_held
    dry = run(monkeypatch, main, FakeApi(IDS[:2], known=IDS[:3]), ids=IDS, _ansible_check_mode=True, **args)
    assert dry.result['not_held'] == ['a3', 'a4'] and dry.result['not_found'] == []


def test_check_mode_and_diff(monkeypatch):
    api = FakeApi(IDS[:2])
    done = run(monkeypatch, mimecast_hold_release.main, api, ids=IDS[:3], _ansible_check_mode=True, _ansible_diff=True)
    assert done.result['changed'] is True and done.result['released'] == IDS[:2]
    assert done.result['diff'] == {'before': {'held': ['a1', 'a2']}, 'after': {'held': []}}
    assert done.result['msg'].startswith('Would have released 2')
    assert api.writes() == [] and api.held == IDS[:2]


def test_partial_failure_fails_task_after_processing_everything(monkeypatch):
    api = FakeApi(IDS)
    fail = [{'key': {'id': 'a2'}, 'errors': [{'code': 'err_locked', 'message': 'locked', 'retryable': True}]}]

    def answers(path, items):
        for item in items:
            if item['id'] != 'a2':
                api.held.remove(item['id'])
        return FakeResponse(200, envelope([{'id': i['id'], 'release': True} for i in items if i['id'] != 'a2'], fail))
    api.answers = answers
    done = run(monkeypatch, mimecast_hold_release.main, api, ids=IDS, batch_size=2)
    assert done.failed and done.result['changed'] is True
    assert sorted(done.result['released']) == ['a1', 'a3', 'a4']
    assert done.result['failures'] == [{'id': 'a2', 'code': 'err_locked', 'message': 'locked', 'retryable': True}]
    assert 'failed 1' in done.result['msg'] and 'a2 (err_locked)' in done.result['msg']


@pytest.mark.parametrize('args,expect', [
    (dict(ids=['ok', '']), 'ids[1] is empty'),
    (dict(ids=['ok'], batch_size=0), 'batch_size must be between 1 and 500'),
    (dict(ids=['ok'], concurrency=99), 'concurrency must be between 1 and 16'),
])
def test_invalid_input_touches_nothing(monkeypatch, args, expect):
    api = FakeApi(IDS)
    done = run(monkeypatch, mimecast_hold_release.main, api, **args)
    assert done.failed and expect in done.result['msg'] and api.session.calls == []


def test_empty_list_does_nothing(monkeypatch):
    api = FakeApi(IDS)
    done = run(monkeypatch, mimecast_hold_release.main, api, ids=[])
    assert not done.failed and done.result['changed'] is False and api.session.calls == []


def test_reject_options_passed_and_invalid_reason_refused(monkeypatch):
    api = FakeApi(IDS)
    done = run(monkeypatch, mimecast_hold_reject.main, api, id=['a1'], reason_type='MESSAGE GOES AGAINST EMAIL POLICIES',
               rejection_message='Blocked by policy', notify=True)
    assert done.result['rejected'] == ['a1']
    assert api.writes()[0]['json']['data'] == [{'ids': ['a1'], 'notify': True, 'reasonType': 'MESSAGE GOES AGAINST EMAIL POLICIES',
                                                'message': 'Blocked by policy'}]
    api2 = FakeApi(IDS)
    bad = run(monkeypatch, mimecast_hold_reject.main, api2, ids=['a1'], reason_type='SPAM')
    assert bad.failed and 'reason_type' in bad.result['msg'] and api2.session.calls == []


def test_auth_failure_reported_without_secrets(monkeypatch):
    session = FakeSession().add(401, envelope(fail=[{'errors': [{'code': 'err_xdk_client_auth_failed', 'message': 'bad sig'}]}]))
    done = run_module(monkeypatch, mimecast_hold_release.main, dict(V1_PARAMS, ids=['a1']), session)
    assert done.failed and 'clock' in done.result['msg'] and len(session.calls) == 1
    text = repr(done.result)
    assert V1_PARAMS['secret_key'] not in text and V1_PARAMS['app_key'] not in text
