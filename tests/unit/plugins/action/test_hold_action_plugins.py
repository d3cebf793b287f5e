# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release/reject action plugins: in-process with a local connection, the module otherwise."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import pytest

from ansible_collections.secops.mimecast.plugins.action import mimecast_hold_reject, mimecast_hold_release
from ansible_collections.secops.mimecast.plugins.module_utils import client as client_mod
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import V1_PARAMS, FakeResponse, FakeSession, envelope, make_action_plugin
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import FakeApi


def make_action(plugin, args, transport='local', become=False, environment=None, check_mode=False, diff=False):
    action = make_action_plugin(plugin, args, check_mode=check_mode, diff=diff, transport=transport, become=become,
                                environment=environment)
    modules = []

    def execute_module(module_name=None, module_args=None, task_vars=None, wrap_async=False):
        modules.append((module_name, module_args))
        return {'changed': False, 'via': 'module'}
    action._execute_module = execute_module
    return action, modules


@pytest.fixture
def api(monkeypatch):
    fake = FakeApi(['h1', 'h2', 'h3'])
    monkeypatch.setattr(client_mod.requests, 'Session', lambda: fake.session)
    return fake


def test_release_in_process(api):
    action, modules = make_action(mimecast_hold_release, dict(V1_PARAMS, ids=['h1', 'h2', 'gone']))
    result = action.run(task_vars={})
    assert modules == [] and not result.get('failed'), result
    assert result['changed'] is True and result['released'] == ['h1', 'h2'] and result['not_held'] == ['gone']
    assert result['msg'] == 'Released 2, not held 1, failed 0 (of 3 ids)'
    assert api.acted == [('release', 'h1'), ('release', 'h2')]


def test_check_mode_and_diff_in_process(api):
    action, dummy = make_action(mimecast_hold_release, dict(V1_PARAMS, ids=['h1']), check_mode=True, diff=True)
    result = action.run(task_vars={})
    assert result['released'] == ['h1'] and result['diff'] == {'before': {'held': ['h1']}, 'after': {'held': []}}
    assert api.writes() == []


def test_reject_message_in_process(api):
    action, dummy = make_action(mimecast_hold_reject, dict(V1_PARAMS, ids=['h3'], reason_type='INAPPROPRIATE COMMUNICATION',
                                                           message='No', notify=True))
    result = action.run(task_vars={})
    assert result['rejected'] == ['h3'], result
    assert api.writes()[0]['json']['data'] == [{'ids': ['h3'], 'notify': True, 'reasonType': 'INAPPROPRIATE COMMUNICATION',
                                                'message': 'No'}]


@pytest.mark.parametrize('args,expect', [
    ({'ids': ['h1'], 'batch_size': 0}, 'batch_size must be between 1 and 500'),
    ({'ids': ['h1'], 'bogus': 1}, 'Unsupported parameters for (secops.mimecast.mimecast_hold_release) module: bogus'),
    ({'ids': ['h1'], 'concurrency': 'lots'}, 'concurrency'),
    ({'ids': ['']}, 'ids[0] is empty'),
])
def test_bad_input_in_process_touches_nothing(api, args, expect):
    action, dummy = make_action(mimecast_hold_release, dict(V1_PARAMS, **args))
    result = action.run(task_vars={})
    assert result['failed'] and expect in result['msg'] and api.session.calls == []


def test_failures_fail_the_task_and_secrets_are_masked(monkeypatch):
    session = FakeSession(lambda call: FakeResponse(401, envelope(fail=[{'errors': [{
        'code': 'err_x', 'message': 'echo %s' % V1_PARAMS['app_key']}]}])))
    monkeypatch.setattr(client_mod.requests, 'Session', lambda: session)
    action, dummy = make_action(mimecast_hold_release, dict(V1_PARAMS, ids=['h1']))
    result = action.run(task_vars={})
    assert result['failed'] and 'clock' in result['msg']
    assert V1_PARAMS['app_key'] not in repr(result) and V1_PARAMS['secret_key'] not in repr(result)


@pytest.mark.parametrize('kwargs', [dict(transport='ssh'), dict(become=True), dict(environment=[{'HTTPS_PROXY': 'http://p'}])])
def test_module_runs_when_not_local(api, kwargs):
    action, modules = make_action(mimecast_hold_reject, dict(V1_PARAMS, ids=['h1'], message='m'), **kwargs)
    result = action.run(task_vars={})
    assert result['via'] == 'module' and api.session.calls == []
    assert modules == [('secops.mimecast.mimecast_hold_reject', dict(V1_PARAMS, ids=['h1'], rejection_message='m'))]
