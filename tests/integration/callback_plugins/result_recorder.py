# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: records every task result and the final stats as JSON in $RESULT_RECORDER_FILE,
leaving the normal output untouched (so tests can read both)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: result_recorder
type: aggregate
short_description: Record task results as JSON for the integration tests
description:
  - Writes every task result and the play recap to the file named by E(RESULT_RECORDER_FILE).
requirements:
  - enable in configuration
'''

import json
import os

from ansible.plugins.callback import CallbackBase


def _plain(value):
    """Turn Ansible's tagged/lazy containers into plain JSON-able values."""
    return json.loads(json.dumps(value, default=str))


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'result_recorder'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.records = {'tasks': [], 'stats': {}}

    def _record(self, result, status):
        self.records['tasks'].append({
            'name': result._task.get_name(),
            'action': result._task.action,
            'host': result._host.get_name(),
            'status': status,
            'result': _plain(result._result),
        })
        self._write()

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'ignored' if ignore_errors else 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        for host in sorted(stats.processed.keys()):
            self.records['stats'][host] = stats.summarize(host)
        self._write()

    def _write(self):
        path = os.environ.get('RESULT_RECORDER_FILE')
        if path:
            with open(path, 'w') as handle:
                json.dump(self.records, handle)
