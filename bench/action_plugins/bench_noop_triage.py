# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bench helper (not shipped): stands in for ``secops.mimecast.mimecast_triage`` in the floor's playbook.

It takes the triage task's arguments, which Ansible has templated exactly as for the real task, and returns a
result of the same shape (``totals``, ``summary``, ``msg``) with nothing done: no collection code, no API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

# the keys of the real task's totals (plugins/plugin_utils/triage_report.py, build_report)
TOTALS = ('held', 'released', 'rejected', 'kept', 'failed', 'not_held')


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        rules = self._task.args.get('rules') or []
        result.update(changed=False, totals=dict((key, 0) for key in TOTALS),
                      summary=['%d rules, nothing done (bench floor)' % len(rules)], msg='nothing done')
        return result
