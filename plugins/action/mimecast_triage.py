# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side bulk triage in one task: plan, release, reject, report.

The same steps as ``mimecast_triage_plan`` followed by ``mimecast_hold_release`` and one
``mimecast_hold_reject`` per reject group, with the same engine, but the ids never pass through
Ansible variables and templating between the steps (at 10,000 held messages that costs more than
the API calls themselves).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError, MimecastError
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import ACTIONS
from ansible_collections.secops.mimecast.plugins.module_utils.write_engine import WriteEngine
from ansible_collections.secops.mimecast.plugins.plugin_utils.action_base import PROGRESS_MIN_RECORDS
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_action import TriageActionBase, plan_argument_spec
from ansible_collections.secops.mimecast.plugins.plugin_utils.evidence import keep_evidence
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import caller_path, make_parent_dirs
from ansible_collections.secops.mimecast.plugins.plugin_utils.secrets import masked
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_action import load_rules
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_report import add_sender_outcome, build_report, held_back, summary_lines
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_review import Outcomes, diff_sample, review_paths, rules_checksum, write_review
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import WRITE_RULE_ACTIONS, plan_steps, sender_plan

FAILURES_IN_MSG = 20
# the keys of the task result that make the JSON report (sender_failures: when a rule has a sender_policy)
REPORT_KEYS = ('totals', 'rules', 'failures', 'check_mode', 'generated_at', 'rules_sha256', 'sender_failures')


def triage_argument_spec():
    spec = plan_argument_spec()
    spec.update(
        batch_size=dict(type='int', default=100),
        report=dict(type='path'),
        return_ids=dict(type='bool', default=True),
    )
    return spec


def report_path_problem(path):
    """Why the report cannot be written to ``path``, or None (checked before any API call)."""
    if os.path.isdir(path):
        return 'report %s is a directory: give the path of a file' % path
    for kind, other in sorted(review_paths(path).items()):
        if os.path.isdir(other):
            return 'report %s: its %s review %s is a directory' % (path, kind.upper(), other)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return 'report %s: directory %s does not exist' % (path, folder)
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        return 'report %s is not writable' % path
    return None


def write_report(path, report):
    """Write the JSON report atomically (a temporary file in the same directory, then a rename)."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(prefix='.mimecast-triage-', suffix='.json', dir=folder)
    try:
        with os.fdopen(handle, 'w') as out:
            json.dump(report, out, indent=2, sort_keys=True)
            out.write('\n')
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except Exception:
        os.unlink(temp)
        raise


def failure_message(report):
    failures = report['failures']
    shown = '; '.join("%s (%s: %s, rule '%s')" % (f['id'], f['code'], f['message'], f['rule']) for f in failures[:FAILURES_IN_MSG])
    more = len(failures) - FAILURES_IN_MSG
    return '%d held message(s) could not be released or rejected: %s%s' % (
        report['totals']['failed'], shown, '; and %d more (every one is in the report)' % more if more > 0 else '')


def state_lines(report, after):
    """A text view of the held state per rule, for ``--diff``: what each rule holds before and after."""
    lines = []
    for rule in report['rules']:
        if rule['action'] == 'keep':
            lines.append("rule '%s' (keep): %d held" % (rule['name'], rule['matched']))
            continue
        held = rule['matched']
        if after:
            held -= sum(rule[ACTIONS[name].result_key] for name in WRITE_RULE_ACTIONS) + rule['not_held']
        lines.append("rule '%s' (%s): %d held" % (rule['name'], rule['action'], held))
    totals = report['totals']
    acted = sum(totals[ACTIONS[name].result_key] for name in WRITE_RULE_ACTIONS) + totals['not_held']
    held = totals['held'] - (acted if after else 0)
    lines.append('held in the window: %d' % held)
    return '\n'.join(lines) + '\n'


class ActionModule(TriageActionBase):

    _VALID_ARGS = frozenset(triage_argument_spec())

    def argument_spec(self):
        return triage_argument_spec()

    def check_options(self, params):
        super(ActionModule, self).check_options(params)
        problem = None
        if params.get('report'):
            # relative to the directory ansible-playbook was started from, never to the playbook's
            params['report'] = caller_path(params['report'])
            problem = make_parent_dirs(params['report']) or report_path_problem(params['report'])
        if problem:
            raise InputError(problem)

    def body(self, params):
        planned, client = self.plan(params)
        # the review fields of the matched messages stay here, for the review report (finish)
        review_fields = planned.pop('review', None) or {}
        check_mode = bool(self._task.check_mode)
        # sender_policy: the managed-sender entries first (a set is safe to repeat), then the release/reject; a
        # message whose entries could not be set is left held (a failure of its rule), so that a rerun does both
        senders = sender_plan(planned) if 'senders' in planned else None
        sender_outcome, kept_back = None, {}
        if senders is not None:
            sender_outcome = self.act(client, params, 'managed_sender', {}, senders['entries'], check_mode)
            kept_back = held_back(senders, sender_outcome)
        steps = []
        for name, options, ids, dummy in plan_steps(planned):
            todo = [rid for rid in ids if rid not in kept_back]
            outcome = self.act(client, params, name, options, todo, check_mode)
            outcome.setdefault('failures', [])
            outcome['failures'] = list(outcome['failures']) + [kept_back[rid] for rid in ids if rid in kept_back]
            steps.append((name, ids, outcome))
        result = build_report(planned, steps, check_mode)
        if senders is not None:
            add_sender_outcome(result, senders, sender_outcome, kept_back)
        result['rules_sha256'] = rules_checksum(load_rules(params.get('rules')))
        self.review = (review_fields, Outcomes([outcome for dummy, dummy2, outcome in steps], result['failures'], check_mode))
        totals = result['totals']
        result['summary'] = summary_lines(result)
        result['changed'] = any(totals[ACTIONS[name].result_key] for name in WRITE_RULE_ACTIONS) or bool(
            totals.get('permitted') or totals.get('blocked'))
        if totals['failed']:
            result['failed'] = True
            result['msg'] = failure_message(result)
        else:
            result['msg'] = result['summary'][-1]
        if self._task.diff:
            result['diff'] = {'before': state_lines(result, False), 'after': state_lines(result, True),
                              'before_header': 'held messages', 'after_header': 'held messages'}
            if senders is not None:
                result['diff']['after'] += sender_lines(result)
            sample = diff_sample(result, review_fields)  # masked with the rest of the result
            if sample:
                result['diff']['prepared'] = sample
        return result

    def finish(self, result, params):
        """Write the (masked) report when asked to, once the rules were applied, failures or not."""
        if params.get('report') and 'totals' in result:
            try:
                keep_evidence(params['report'], note=self.show)  # a real run's report is moved aside, never overwritten
                write_report(params['report'], dict((key, result[key]) for key in REPORT_KEYS if key in result))
            except (IOError, OSError) as exc:
                result.update(failed=True, msg='%s; and the report could not be written to %s: %s' % (
                    result['msg'], params['report'], exc))
            else:
                result['report_path'] = params['report']
                review = getattr(self, 'review', None)
                if review is not None:
                    try:
                        result['review_paths'] = write_review(params['report'], result, review[0], review[1], result['rules_sha256'],
                                                              mask=lambda text: masked(text, self.no_log_values))
                        # before the totals line, which stays the last
                        result['summary'] = result['summary'][:-1] + ['reports: %s, %s, %s' % (
                            params['report'], result['review_paths']['html'], result['review_paths']['csv'])] + result['summary'][-1:]
                    except (IOError, OSError) as exc:
                        result.update(failed=True, msg='%s; and the review report could not be written beside %s: %s' % (
                            result['msg'], params['report'], exc))
        if not params.get('return_ids', True) and 'rules' in result:
            result['rules'] = [dict((k, v) for k, v in rule.items() if k != 'ids') for rule in result['rules']]
        return result

    def act(self, client, params, name, options, ids, check_mode):
        """Run the write ``name`` over ``ids``: the result its module's task would have registered."""
        action = ACTIONS[name]
        if not ids:
            return {action.result_key: [], 'not_held': [], 'failures': []}
        verb = action.dry_label if check_mode else action.label
        step = max(len(ids) // 5, 1)
        shown = {'next': step}

        def progress(answered, total):
            # about five lines for a large run; nothing for a small one
            if total >= PROGRESS_MIN_RECORDS and answered >= shown['next']:
                self.show('%s %d of %d' % (verb, answered, total))
                shown['next'] = (answered // step + 1) * step

        try:
            # The plan has just read the held queue: no second read before writing (verify false).
            engine = WriteEngine(client, action, options, batch_size=params['batch_size'], concurrency=params['concurrency'],
                                 verify=False, progress=progress)
            outcome = engine.run(list(ids), check_mode=check_mode)
        except MimecastError as exc:
            return exc.task_result()
        return {action.result_key: outcome['done'], 'not_held': outcome['absent'], 'failures': outcome['failures']}


def sender_lines(report):
    """For ``--diff``: the managed-sender entries set (or, in check mode, to be set) and those that failed."""
    lines = []
    for rule in report['rules']:
        for pair in rule.get('senders', []):
            lines.append('managed sender (rule \'%s\'): %s %s -> %s' % (rule['name'], rule.get('sender_policy'), pair['sender'], pair['to']))
    for failure in report.get('sender_failures', []):
        lines.append('managed sender not set: %s %s -> %s (%s)' % (
            failure.get('action'), failure.get('sender'), failure.get('to'), failure.get('code')))
    return ''.join(line + '\n' for line in lines)
