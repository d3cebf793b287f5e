# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the controller-side triage actions share: options, rules loading, reading the held queue, planning.

``mimecast_triage_plan`` stops after the plan; ``mimecast_triage`` goes on to release, reject and report.
The held records never leave the controller's worker process.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

from ansible_collections.secops.mimecast.plugins.module_utils.client import check_page_size, connection_argument_spec
from ansible_collections.secops.mimecast.plugins.module_utils.write_engine import check_tuning
from ansible_collections.secops.mimecast.plugins.plugin_utils.action_base import MimecastActionBase
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import RulesError, classifier, plan_decided, validate_rules

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - ansible-core requires PyYAML
    HAS_YAML = False


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


def load_rules(value):
    """The rules as a list: a list as given, or parsed from a YAML/JSON string (AWX survey text fields)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        try:
            if HAS_YAML:
                return yaml.safe_load(text)
            return json.loads(text)
        except Exception as exc:  # pylint: disable=broad-except
            raise RulesError(['the rules are a string that is not valid YAML or JSON: %s' % exc])
    if isinstance(value, tuple):
        return list(value)
    return value


class TriageActionBase(MimecastActionBase):
    """Validates the options and rules, reads the held queue once and plans; subclasses act on the plan."""

    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def argument_spec(self):
        return plan_argument_spec()

    def run(self, tmp=None, task_vars=None):
        result = super(TriageActionBase, self).run(tmp, task_vars)
        del tmp
        result['changed'] = False
        result.update(self.execute(dict(self._task.args)))
        return result

    # ------------------------------------------------------------------ helpers
    def check_options(self, params):
        """Raise :class:`InputError` for options other than the rules that cannot work (before any API call)."""
        check_page_size(params['page_size'])
        check_tuning(params.get('batch_size'), params['concurrency'])

    def check_first(self, params):
        # the rules first, before anything else (and before any API call)
        self.compiled = validate_rules(load_rules(params.get('rules')))

    def plan(self, params):
        """Read the held queue once and plan with the rules :meth:`check_first` validated: ``(plan, client)``."""
        compiled = self.compiled
        self.check_options(params)
        now = datetime.datetime.now(datetime.timezone.utc)
        client = self.client(params, pool_size=params['concurrency'])
        # each record is decided as it is read and only the decision is kept (a large queue never is in memory)
        classify = classifier(compiled, now)
        decided = self.read_held(client, params, admin=params['admin'], start=params['start'], end=params['end'], now=now,
                                 keep=classify)
        return plan_decided(classify.rules, decided), client


def plan_message(outcome):
    return 'Planned %d held messages: release %d, reject %d (%d groups), keep %d' % (
        outcome['held'], len(outcome['release_ids']), sum(len(g['ids']) for g in outcome['reject_groups']),
        len(outcome['reject_groups']), outcome['kept'])
