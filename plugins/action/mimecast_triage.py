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

from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastError
from ansible_collections.secops.mimecast.plugins.module_utils.hold_actions import ACTIONS, HoldAction, InputError
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_action import (
    PROGRESS_MIN_RECORDS,
    TriageActionBase,
    plan_argument_spec,
)
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import caller_path
from ansible_collections.secops.mimecast.plugins.plugin_utils.secrets import masked
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_action import load_rules
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_report import build_report, summary_lines
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_review import Outcomes, diff_sample, review_paths, rules_checksum, write_review

FAILURES_IN_MSG = 20
# the keys of the task result that make the JSON report
REPORT_KEYS = ('totals', 'rules', 'failures', 'check_mode', 'generated_at', 'rules_sha256')


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
            held -= rule['released'] + rule['rejected'] + rule['not_held']
        lines.append("rule '%s' (%s): %d held" % (rule['name'], rule['action'], held))
    totals = report['totals']
    held = totals['held'] - (totals['released'] + totals['rejected'] + totals['not_held'] if after else 0)
    lines.append('held in the window: %d' % held)
    return '\n'.join(lines) + '\n'


class ActionModule(TriageActionBase):

    _VALID_ARGS = frozenset(triage_argument_spec())

    @staticmethod
    def argument_spec():
        return triage_argument_spec()

    def check_options(self, params, validation):
        problem = super(ActionModule, self).check_options(params, validation)
        if problem is None and params.get('report'):
            # relative to the directory ansible-playbook was started from, never to the playbook's
            params['report'] = caller_path(params['report'])
            problem = report_path_problem(params['report'])
        return problem

    def triage(self, result, validation):
        params = validation.validated_parameters
        planned, client = self.plan(result, validation)
        if planned is not None:
            check_mode = bool(self._task.check_mode)
            release = self.act(client, params, 'release', planned['release_ids'], check_mode)
            rejects = []
            for group in planned['reject_groups']:
                outcome = self.act(client, params, 'reject', group['ids'], check_mode, group)
                outcome['item'] = group
                rejects.append(outcome)
            report = build_report(planned, release, rejects, check_mode)
            report['rules_sha256'] = rules_checksum(load_rules(params.get('rules')))
            result.update(report)
            # the review report's fields of the matched messages and their outcome, for finish()
            self.review = (planned.get('review') or {}, Outcomes([release] + rejects, report['failures'], check_mode),
                           validation._no_log_values)
            totals = report['totals']
            result['summary'] = summary_lines(report)
            result['changed'] = bool(totals['released'] or totals['rejected'])
            if totals['failed']:
                result['failed'] = True
                result['msg'] = failure_message(report)
            else:
                result['msg'] = result['summary'][-1]
            if self._task.diff:
                result['diff'] = {'before': state_lines(report, False), 'after': state_lines(report, True),
                                  'before_header': 'held messages', 'after_header': 'held messages'}
                sample = diff_sample(report, self.review[0])  # masked with the rest of the result
                if sample:
                    result['diff']['prepared'] = sample
        return result

    def finish(self, result, params):
        """Write the (masked) report when asked to, once the rules were applied, failures or not."""
        if params.get('report') and 'totals' in result:
            try:
                write_report(params['report'], dict((key, result[key]) for key in REPORT_KEYS))
            except (IOError, OSError) as exc:
                result.update(failed=True, msg='%s; and the report could not be written to %s: %s' % (
                    result['msg'], params['report'], exc))
            else:
                result['report_path'] = params['report']
                review = getattr(self, 'review', None)
                if review is not None:
                    try:
                        result['review_paths'] = write_review(params['report'], result, review[0], review[1], result['rules_sha256'],
                                                              mask=lambda text: masked(text, review[2]))
                        # before the totals line, which stays the last
                        result['summary'] = result['summary'][:-1] + ['reports: %s, %s, %s' % (
                            params['report'], result['review_paths']['html'], result['review_paths']['csv'])] + result['summary'][-1:]
                    except (IOError, OSError) as exc:
                        result.update(failed=True, msg='%s; and the review report could not be written beside %s: %s' % (
                            result['msg'], params['report'], exc))
        if not params.get('return_ids', True) and 'rules' in result:
            result['rules'] = [dict((k, v) for k, v in rule.items() if k != 'ids') for rule in result['rules']]
        return result

    def act(self, client, params, action, ids, check_mode, group=None):
        """Release or reject ``ids``: the result a mimecast_hold_release/reject task would have registered."""
        done_key = ACTIONS[action][0]
        if not ids:
            return {done_key: [], 'not_held': [], 'failures': []}
        verb = 'would %s' % action if check_mode else done_key
        step = max(len(ids) // 5, 1)
        shown = {'next': step}

        def progress(answered, total):
            # about five lines for a large run; nothing for a small one
            if total >= PROGRESS_MIN_RECORDS and answered >= shown['next']:
                self.show('%s %d of %d' % (verb, answered, total))
                shown['next'] = (answered // step + 1) * step

        options = {}
        if group is not None:
            options = dict(reason_type=group['reason_type'], message=group['message'], notify=group['notify'])
        try:
            # The plan has just read the held queue: no second read before writing (verify_held false).
            runner = HoldAction(client, action, batch_size=params['batch_size'], concurrency=params['concurrency'],
                                verify_held=False, progress=progress, **options)
            outcome = runner.run(list(ids), check_mode=check_mode)
        except InputError as exc:
            return {'failed': True, 'msg': str(exc), 'error': {}}
        except MimecastError as exc:
            return exc.task_result()
        return {done_key: outcome['done'], 'not_held': outcome['not_held'], 'failures': outcome['failures']}
