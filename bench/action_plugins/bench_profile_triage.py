# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bench helper (not shipped): ``secops.mimecast.mimecast_triage`` itself, run under a profiler.

bench/scale.py hands the triage task to this plugin when a scale target is missed, to print where the time (or the
memory) goes inside the worker process that runs the task. $BENCH_PROFILE says what to record: ``cpu`` (cProfile,
the statistics written to $BENCH_PROFILE_OUT) or ``memory`` (tracemalloc: the peak and the 15 largest allocation
sites at the end of the task, as JSON in $BENCH_PROFILE_OUT).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import cProfile
import json
import os
import resource
import tracemalloc

from ansible_collections.secops.mimecast.plugins.action.mimecast_triage import ActionModule as TriageAction


class ActionModule(TriageAction):

    def run(self, tmp=None, task_vars=None):
        what = os.environ.get('BENCH_PROFILE', 'cpu')
        out = os.environ['BENCH_PROFILE_OUT']
        if what == 'memory':
            tracemalloc.start(8)
            try:
                return super(ActionModule, self).run(tmp, task_vars)
            finally:
                snapshot = tracemalloc.take_snapshot()
                current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                top = snapshot.statistics('traceback')[:15]
                with open(out, 'w', encoding='utf-8') as handle:
                    json.dump({'peak_traced_mb': peak / 1e6, 'current_traced_mb': current / 1e6,
                               'worker_max_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
                               'top': [{'mb': stat.size / 1e6, 'count': stat.count,
                                        'where': ['%s:%d' % (frame.filename, frame.lineno) for frame in stat.traceback][-4:]}
                                       for stat in top]}, handle)
        profile = cProfile.Profile()
        profile.enable()
        try:
            return super(ActionModule, self).run(tmp, task_vars)
        finally:
            profile.disable()
            profile.dump_stats(out)
