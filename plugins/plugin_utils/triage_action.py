# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the controller-side triage actions share: options, the rules checked first, reading the held queue, planning.

``mimecast_triage_plan`` stops after the plan; ``mimecast_triage`` goes on to carry it out and report.
The held records never leave the controller's worker process.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.secops.mimecast.plugins.module_utils.client import check_page_size
from ansible_collections.secops.mimecast.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.secops.mimecast.plugins.module_utils.dates import api_range
from ansible_collections.secops.mimecast.plugins.module_utils.write_engine import check_tuning
from ansible_collections.secops.mimecast.plugins.plugin_utils.action_base import ControllerActionBase
from ansible_collections.secops.mimecast.plugins.plugin_utils.signed_plan import tenant_fingerprint
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_plan import Planner
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import Ruleset


def plan_argument_spec():
    spec = connection_argument_spec()
    spec.update(
        rules=dict(type='raw', required=True),
        start=dict(type='str', default='-14d'),
        end=dict(type='str', default='now'),
        admin=dict(type='bool', default=True),
        page_size=dict(type='int', default=500),
        concurrency=dict(type='int', default=4),
    )
    return spec


class TriageActionBase(ControllerActionBase):
    """Validates the rules (first) and the options, reads the held queue once and plans; subclasses use the plan."""

    def argument_spec(self):
        return plan_argument_spec()

    def check_first(self, params):
        """The rules, loaded and validated before anything else (and before any API call): a ``Ruleset``."""
        return Ruleset.load(params.get('rules'))

    def check_options(self, params):
        """Raise :class:`InputError` for options other than the rules that cannot work (before any API call)."""
        check_page_size(params['page_size'])
        check_tuning(params.get('batch_size'), params['concurrency'])

    def plan(self, task, ruleset):
        """Read the held queue once and plan with ``ruleset``: ``(plan, client)``.

        Each record is decided as it is read and only the decision is kept (a large queue is never in memory). The
        plan names its tenant by the connection's fingerprint (no secret in it).
        """
        params = task.params
        now = datetime.datetime.now(datetime.timezone.utc)
        window = api_range(params['start'], params['end'], now=now)
        client = task.client(pool_size=params['concurrency'])
        planner = Planner(ruleset, now)
        decisions = task.read_held(client, keep=planner.decide, admin=params['admin'], start=params['start'],
                                   end=params['end'], now=now)
        return planner.plan(decisions, window, tenant=tenant_fingerprint(params), admin=params['admin']), client
