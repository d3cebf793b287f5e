# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side bulk triage in one task: plan, carry the plan out, report.

The same steps as ``mimecast_triage_plan`` followed by one write module per write of the plan, with the same
engine, but the ids never pass through Ansible variables and templating between the steps (at 10,000 held
messages that costs more than the API calls themselves).

With ``plan`` (a dry run's report) the plan is not made but loaded, checked before any request
(``signed_plan.SignedPlan``) and carried out by the same ``run_plan``: only its ids, each with its rule's action.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.files import write_atomic
from ansible_collections.secops.mimecast.plugins.plugin_utils.action_base import PROGRESS_MIN_RECORDS
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import caller_path, report_problem
from ansible_collections.secops.mimecast.plugins.plugin_utils.signed_plan import DEFAULT_MAX_AGE, SignedPlan
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_action import TriageActionBase, plan_argument_spec
from ansible_collections.secops.mimecast.plugins.plugin_utils.evidence import keep_evidence
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_outcome import run_plan
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_report import build_report, diff, summary_lines
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_review import write_review

FAILURES_IN_MSG = 20
# what a result without ids (return_ids: false) leaves out of the plan section (the report file holds it all)
PLAN_BULK = ('rules_given', 'unmatched', 'senders')


def triage_argument_spec():
    spec = plan_argument_spec()
    spec.update(
        rules=dict(type='raw'),  # required unless a plan is applied (check_first says so)
        batch_size=dict(type='int', default=100),
        report=dict(type='path'),
        return_ids=dict(type='bool', default=True),
        plan=dict(type='raw'),
        plan_digest=dict(type='raw'),
        plan_max_age=dict(type='raw', default=DEFAULT_MAX_AGE),
    )
    return spec


def given(value):
    return value not in (None, '', {})


def failure_message(report):
    failures = report['failures']
    shown = '; '.join("%s (%s: %s, rule '%s')" % (f['id'], f['code'], f['message'], f['rule']) for f in failures[:FAILURES_IN_MSG])
    more = len(failures) - FAILURES_IN_MSG
    return '%d held message(s) could not be released or rejected: %s%s' % (
        report['totals']['failed'], shown, '; and %d more (every one is in the report)' % more if more > 0 else '')


def write_progress(task):
    """Progress of the writes for ``run_plan``: about five lines for a large write, nothing for a small one."""
    def start(verb):
        shown = {}

        def step(answered, total):
            every = max(total // 5, 1)
            if total >= PROGRESS_MIN_RECORDS and answered >= shown.get('next', every):
                task.show('%s %d of %d' % (verb, answered, total))
                shown['next'] = (answered // every + 1) * every
        return step
    return start


class ActionModule(TriageActionBase):

    _VALID_ARGS = frozenset(triage_argument_spec())

    def argument_spec(self):
        return triage_argument_spec()

    def check_options(self, params):
        super(ActionModule, self).check_options(params)
        if params.get('report'):
            # relative to the directory ansible-playbook was started from, never to the playbook's
            params['report'] = caller_path(params['report'])
            problem = report_problem(params['report'])
            if problem:
                raise InputError(problem)

    def check_first(self, params):
        """The rules (a ``Ruleset``), or with ``plan`` the plan to apply (a ``SignedPlan``, every check that needs no
        request passed), before anything else."""
        if given(params.get('plan')):
            return SignedPlan.load(params)
        return super(ActionModule, self).check_first(params)

    def signed_plan(self, task, signed):
        """The signed-off plan as the held queue holds it now: ``(plan, client, gone, not_in_plan)``."""
        signed.check_tenant(task.params)
        if task.params.get('plan_digest') in (None, '', []):
            task.warn('%s is applied without plan_digest (mimecast_triage_plan_digest): nothing checked that it is the plan '
                      'a person signed off (its digest is %s)' % (signed.source, signed.plan.digest()))
        client = task.client(pool_size=task.params['concurrency'])
        signed.plan.review, gone, not_in_plan = signed.now(task, client, datetime.datetime.now(datetime.timezone.utc))
        return signed.plan, client, gone, not_in_plan

    def body(self, task, first):
        params = task.params
        self.check_options(params)
        if isinstance(first, SignedPlan):
            plan, client, gone, not_in_plan = self.signed_plan(task, first)
        else:
            (plan, client), gone, not_in_plan = self.plan(task, first), (), None
        outcome = run_plan(client, plan, task.check_mode, batch_size=params['batch_size'], concurrency=params['concurrency'],
                           progress=write_progress(task), gone=gone, not_in_plan=not_in_plan)
        # every text of the report may quote an API answer: masked before it is returned or written
        report = task.mask(build_report(outcome))
        result = dict(report, summary=summary_lines(report), changed=outcome.changed)
        if report['totals']['failed']:
            result.update(failed=True, msg=failure_message(report))
        else:
            result['msg'] = result['summary'][-1]
        if task.diff:
            result['diff'] = task.mask(diff(report, plan.review))
        if params.get('report'):
            self.write_reports(task, params['report'], report, outcome, result)
        if not params['return_ids']:
            result['rules'] = [dict((k, v) for k, v in rule.items() if k != 'ids') for rule in result['rules']]
            if 'plan' in result:
                result['plan'] = dict((k, v) for k, v in result['plan'].items() if k not in PLAN_BULK)
        return result

    def write_reports(self, task, path, report, outcome, result):
        """Write the JSON report and the reviews beside it, once the rules were applied, failures or not."""
        try:
            keep_evidence(path, note=task.show)  # a real run's report is moved aside, never overwritten
            write_atomic(path, json.dumps(report, indent=2, sort_keys=True) + '\n')
        except (IOError, OSError) as exc:
            result.update(failed=True, msg='%s; and the report could not be written to %s: %s' % (result['msg'], path, exc))
            return
        result['report_path'] = path
        try:
            result['review_paths'] = write_review(path, report, outcome, mask=task.mask)
        except (IOError, OSError) as exc:
            result.update(failed=True, msg='%s; and the review report could not be written beside %s: %s' % (result['msg'], path, exc))
            return
        # before the totals line, which stays the last
        result['summary'] = result['summary'][:-1] + ['reports: %s, %s, %s' % (
            path, result['review_paths']['html'], result['review_paths']['csv'])] + result['summary'][-1:]
