# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side triage planning: validate the rules, read the held queue once, decide per message.

The held records never leave this worker process: the result holds ids and counts only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_action import (
    TriageActionBase,
    plan_argument_spec,
    plan_message,
)


class ActionModule(TriageActionBase):

    _VALID_ARGS = frozenset(plan_argument_spec())

    def body(self, params):
        outcome, dummy = self.plan(params)
        # the review fields of every matched message stay on the controller (mimecast_triage's review report)
        outcome.pop('review', None)
        outcome['msg'] = plan_message(outcome)
        return outcome
