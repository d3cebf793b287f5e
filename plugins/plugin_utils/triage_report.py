# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The triage JSON report: what the plan decided and what the release/reject tasks did.

Inputs are what the triage playbook registers:

* ``plan``: the ``mimecast_triage_plan`` result (``held``, ``rules``, ``release_ids``, ``reject_groups``, ``kept``);
* ``release_result``: the ``mimecast_hold_release`` task result (``released``, ``not_held``, ``failures``),
  or a skipped/failed task result;
* ``reject_results``: the ``mimecast_hold_reject`` loop results, one per reject group (a registered loop
  result with ``results``, or the list itself); each holds ``rejected``, ``not_held``, ``failures`` and the
  group it came from in ``item``;
* ``check_mode``: whether this was a dry run (the modules then report would-be ids in ``released``/``rejected``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime


def _now_iso(now=None):
    if now is None:
        now = datetime.datetime.now(datetime.timezone.utc)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=datetime.timezone.utc)
    return now.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _task_error(result, done_key):
    """(code, message) of a task that failed as a whole (no per-id outcome), or None.

    The playbook registers the action tasks with ``failed_when: false``, which clears ``failed``:
    a result with a ``msg`` but without its per-id lists failed as a whole all the same.
    """
    if not isinstance(result, dict):
        return None
    if not result.get('failed') and not (result.get('msg') and done_key not in result):
        return None
    error = result.get('error') if isinstance(result.get('error'), dict) else {}
    codes = error.get('codes') or []
    code = codes[0] if codes else (error.get('code') or 'task_failed')
    message = result.get('msg') or error.get('msg') or 'the task failed'
    return code, str(message)


def _absorb(result, done_key, ids, done, not_held, failures, failed_ids):
    """Fold one action task result into the per-id outcome maps, for the ``ids`` that task was given."""
    if not isinstance(result, dict) or result.get('skipped'):
        result = {}
    for rid in _as_list(result.get(done_key)):
        done.add(rid)
    for rid in _as_list(result.get('not_held')):
        not_held.add(rid)
    for failure in _as_list(result.get('failures')):
        if not isinstance(failure, dict) or failure.get('id') is None:
            continue
        rid = failure['id']
        if rid in failed_ids:
            continue
        failed_ids.add(rid)
        failures.append({
            'id': rid,
            'code': failure.get('code'),
            'message': failure.get('message'),
            'retryable': bool(failure.get('retryable', False)),
        })
    error = _task_error(result, done_key)
    # ids the task was given but for which it reported nothing: failed (the task died, or said nothing of them)
    for rid in ids:
        if rid in done or rid in not_held or rid in failed_ids:
            continue
        if error is None and not result:
            code, message = 'not_attempted', 'the %s task did not run' % ('release' if done_key == 'released' else 'reject')
        elif error is None:
            code, message = 'no_outcome', 'the task reported no outcome for this id'
        else:
            code, message = error
        failed_ids.add(rid)
        failures.append({'id': rid, 'code': code, 'message': message, 'retryable': True})


def _reject_result_list(reject_results):
    if isinstance(reject_results, dict):
        return _as_list(reject_results.get('results'))
    return _as_list(reject_results)


def build_report(plan, release_result=None, reject_results=None, check_mode=False, now=None):
    """The triage report of CONTRACT.md (``totals``, ``rules``, ``failures``, ``check_mode``, ``generated_at``)."""
    plan = plan or {}
    released, rejected, not_held, failed_ids = set(), set(), set(), set()
    failures = []

    _absorb(release_result, 'released', _as_list(plan.get('release_ids')), released, not_held, failures, failed_ids)

    groups = _as_list(plan.get('reject_groups'))
    results = _reject_result_list(reject_results)
    matched_groups = set()
    for index, result in enumerate(results):
        group = result.get('item') if isinstance(result, dict) else None
        if not isinstance(group, dict) and index < len(groups):
            group = groups[index]
        ids = _as_list(group.get('ids')) if isinstance(group, dict) else []
        matched_groups.add(index)
        _absorb(result, 'rejected', ids, rejected, not_held, failures, failed_ids)
    for index, group in enumerate(groups):
        if index not in matched_groups and isinstance(group, dict):
            _absorb(None, 'rejected', _as_list(group.get('ids')), rejected, not_held, failures, failed_ids)

    rule_of = {}
    rules = []
    for rule in _as_list(plan.get('rules')):
        ids = _as_list(rule.get('ids'))
        action = rule.get('action')
        entry = {
            'name': rule.get('name'),
            'action': action,
            'matched': rule.get('matched', len(ids)),
            'ids': ids,
            'released': 0,
            'rejected': 0,
            'not_held': 0,
            'failed': 0,
        }
        for key in ('reason_type', 'message', 'notify'):
            if key in rule:
                entry[key] = rule[key]
        if action in ('release', 'reject'):
            for rid in ids:
                rule_of.setdefault(rid, entry['name'])
                if action == 'release' and rid in released:
                    entry['released'] += 1
                elif action == 'reject' and rid in rejected:
                    entry['rejected'] += 1
                elif rid in failed_ids:
                    entry['failed'] += 1
                elif rid in not_held:
                    entry['not_held'] += 1
        rules.append(entry)

    for failure in failures:
        failure['rule'] = rule_of.get(failure['id'])

    held = int(plan.get('held', 0) or 0)
    n_released = len(released - failed_ids)
    n_rejected = len(rejected - failed_ids - released)
    n_failed = len(failed_ids)
    n_not_held = len(not_held - released - rejected - failed_ids)
    return {
        'totals': {
            'held': held,
            'released': n_released,
            'rejected': n_rejected,
            'kept': held - n_released - n_rejected - n_failed,
            'failed': n_failed,
            'not_held': n_not_held,
        },
        'rules': rules,
        'failures': failures,
        'check_mode': bool(check_mode),
        'generated_at': _now_iso(now),
    }


def summary_lines(report):
    """A short human summary of a triage report: one line per rule, then the totals."""
    report = report or {}
    dry = bool(report.get('check_mode'))
    verb = {'release': 'would release' if dry else 'released', 'reject': 'would reject' if dry else 'rejected'}
    lines = []
    if dry:
        lines.append('DRY RUN (check mode): nothing was changed; counts are what would happen.')
    for rule in report.get('rules', []):
        action = rule.get('action')
        line = "rule '%s' (%s): matched %d" % (rule.get('name'), action, rule.get('matched', 0))
        if action == 'release':
            line += ', %s %d' % (verb['release'], rule.get('released', 0))
        elif action == 'reject':
            line += ', %s %d' % (verb['reject'], rule.get('rejected', 0))
        else:
            line += ', kept held'
        if action in ('release', 'reject'):
            if rule.get('not_held'):
                line += ', not held any more %d' % rule['not_held']
            line += ', failed %d' % rule.get('failed', 0)
        lines.append(line)
    totals = report.get('totals', {})
    lines.append('totals: held %d, %s %d, %s %d, kept %d, failed %d, not held any more %d' % (
        totals.get('held', 0), verb['release'], totals.get('released', 0), verb['reject'], totals.get('rejected', 0),
        totals.get('kept', 0), totals.get('failed', 0), totals.get('not_held', 0)))
    return lines
