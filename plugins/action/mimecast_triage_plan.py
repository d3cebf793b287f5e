# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side triage planning: validate the rules, read the held queue once, decide per message.

The held records never leave this worker process: the result holds ids and counts only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import acting
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_action import TriageActionBase, plan_argument_spec


def plan_message(plan):
    """``Planned 200 held messages: release 120, reject 35 (2 groups), keep 45``."""
    steps = plan.steps()
    parts = []
    for action in acting():
        mine = [step for step in steps if step.action is action]
        text = '%s %d' % (action.name, sum(len(step.ids) for step in mine))
        if action.options:
            text += ' (%d groups)' % len(mine)
        parts.append(text)
    return 'Planned %d held messages: %s, keep %d' % (plan.held, ', '.join(parts), plan.kept)


class ActionModule(TriageActionBase):

    _VALID_ARGS = frozenset(plan_argument_spec())

    def body(self, task, first):
        self.check_options(task.params)
        plan, dummy = self.plan(task, first)
        result = plan.to_result()
        result['msg'] = plan_message(plan)
        return result
