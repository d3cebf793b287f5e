# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench helper (not shipped): per-task wall times, written as JSON to $BENCH_TIMER_OUT at the end of the run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: bench_timer
type: aggregate
short_description: per-task wall times for bench/run_bench.py
description: Writes the start of the run, the start and end of every task, as JSON, to $BENCH_TIMER_OUT.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._created = time.time()
        self._tasks = []
        self._current = None

    def _end_current(self):
        if self._current is not None:
            self._current['end'] = time.time()
            self._tasks.append(self._current)
            self._current = None

    def v2_playbook_on_start(self, playbook):
        self._play_start = time.time()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._end_current()
        self._current = {'name': task.get_name(), 'start': time.time()}

    def v2_playbook_on_stats(self, stats):
        self._end_current()
        path = os.environ.get('BENCH_TIMER_OUT')
        if path:
            with open(path, 'w') as fh:
                json.dump({'callback_loaded': self._created, 'playbook_start': getattr(self, '_play_start', None),
                           'stats_at': time.time(), 'tasks': self._tasks}, fh)
