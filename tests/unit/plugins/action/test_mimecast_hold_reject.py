# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import pytest

from ansible_collections.secops.mimecast.plugins.action import mimecast_hold_reject as plugin
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import make_action_plugin


def run_action(args, monkeypatch):
    action = make_action_plugin(plugin, args, action='secops.mimecast.mimecast_hold_reject', transport='ssh')
    sent = []

    def execute_module(module_name=None, module_args=None, task_vars=None, wrap_async=False):
        sent.append((module_name, module_args))
        return {'changed': True, 'rejected': module_args['ids']}
    monkeypatch.setattr(action, '_execute_module', execute_module)
    return action.run(task_vars={}), sent


@pytest.mark.parametrize('args,expected', [
    ({'ids': ['a'], 'message': 'Blocked'}, {'ids': ['a'], 'rejection_message': 'Blocked'}),
    ({'ids': ['a'], 'rejection_message': 'Blocked'}, {'ids': ['a'], 'rejection_message': 'Blocked'}),
    ({'ids': ['a'], 'message': None}, {'ids': ['a']}),
    ({'ids': ['a'], 'reason_type': 'INAPPROPRIATE COMMUNICATION'}, {'ids': ['a'], 'reason_type': 'INAPPROPRIATE COMMUNICATION'}),
])
def test_message_becomes_rejection_message(monkeypatch, args, expected):
    result, sent = run_action(args, monkeypatch)
    assert sent == [('secops.mimecast.mimecast_hold_reject', expected)]
    assert result['rejected'] == ['a']


def test_both_names_is_an_error_before_the_module_runs(monkeypatch):
    result, sent = run_action({'ids': ['a'], 'message': 'x', 'rejection_message': 'y'}, monkeypatch)
    assert result['failed'] and 'not both' in result['msg'] and sent == []
