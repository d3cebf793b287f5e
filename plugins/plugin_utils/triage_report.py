# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The triage JSON report: what the plan decided and what the writes did.

``build_report(plan, steps, check_mode)`` takes the plan (``held``, ``rules``, ``release_ids``, ``reject_groups``,
``kept``) and one ``(action name, ids, task result)`` per write the plan asked for, in order; a task result
holds the action's done key (``released``, ``rejected``: ``write_actions.ACTIONS``), ``not_held`` and
``failures``, or is a skipped or failed task result. Every count is read through the action table, so a
rule action gets its counts by its entry there. ``report_from_tasks`` adapts the results the composed
playbook registers (one release task, a loop of reject tasks).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import ACTIONS
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import SENDER_POLICY_TOTALS, WRITE_RULE_ACTIONS, plan_steps


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

    A task registered with ``failed_when: false`` (as a composed playbook may do) has ``failed`` cleared:
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


def _absorb(result, action, ids, done, not_held, failures, failed_ids):
    """Fold one write task result into the per-id outcome maps, for the ``ids`` that task was given."""
    done_key = action.result_key
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
            code, message = 'not_attempted', 'the %s task did not run' % action.name
        elif error is None:
            code, message = 'no_outcome', 'the task reported no outcome for this id'
        else:
            code, message = error
        failed_ids.add(rid)
        failures.append({'id': rid, 'code': code, 'message': message, 'retryable': True})


def report_from_tasks(plan, release_result=None, reject_results=None, check_mode=False, now=None):
    """The report from the composed playbook's registered results: one release task, a loop of reject tasks.

    A reject result names its group in ``item``; a result without one is taken for the group at its index.
    """
    plan = plan or {}
    steps = []
    if isinstance(reject_results, dict):
        reject_results = reject_results.get('results')
    results = _as_list(reject_results)
    index = 0
    for name, dummy, ids, group in plan_steps(dict({'release_ids': [], 'reject_groups': []}, **plan)):
        if name == 'release':
            steps.append((name, ids, release_result))
            continue
        result = results[index] if index < len(results) else None
        index += 1
        item = result.get('item') if isinstance(result, dict) else None
        steps.append((name, _as_list(item.get('ids')) if isinstance(item, dict) else _as_list(ids), result))
    return build_report(plan, steps, check_mode, now)


def build_report(plan, steps=(), check_mode=False, now=None):
    """The triage report of CONTRACT.md (``totals``, ``rules``, ``failures``, ``check_mode``, ``generated_at``)."""
    plan = plan or {}
    done = dict((name, set()) for name in WRITE_RULE_ACTIONS)
    not_held, failed_ids = set(), set()
    failures = []
    for name, ids, result in steps:
        _absorb(result, ACTIONS[name], _as_list(ids), done[name], not_held, failures, failed_ids)

    result_keys = [ACTIONS[name].result_key for name in WRITE_RULE_ACTIONS]
    rule_of = {}
    rules = []
    for rule in _as_list(plan.get('rules')):
        ids = _as_list(rule.get('ids'))
        action = rule.get('action')
        entry = {'name': rule.get('name'), 'action': action, 'matched': rule.get('matched', len(ids)), 'ids': ids}
        entry.update((key, 0) for key in result_keys)
        entry.update(not_held=0, failed=0)
        for key in ('reason_type', 'message', 'notify', 'sender_policy'):
            if key in rule:
                entry[key] = rule[key]
        if action in done:
            done_here, done_key = done[action], ACTIONS[action].result_key
            for rid in ids:
                rule_of.setdefault(rid, entry['name'])
                if rid in done_here:
                    entry[done_key] += 1
                elif rid in failed_ids:
                    entry['failed'] += 1
                elif rid in not_held:
                    entry['not_held'] += 1
        rules.append(entry)

    for failure in failures:
        failure['rule'] = rule_of.get(failure['id'])

    held = int(plan.get('held', 0) or 0)
    totals = {'held': held}
    counted = set(failed_ids)
    for name in WRITE_RULE_ACTIONS:
        totals[ACTIONS[name].result_key] = len(done[name] - counted)
        counted |= done[name]
    totals['failed'] = len(failed_ids)
    totals['kept'] = held - sum(totals[key] for key in result_keys) - totals['failed']
    totals['not_held'] = len(not_held - counted)
    return {
        'totals': totals,
        'rules': rules,
        'failures': failures,
        'check_mode': bool(check_mode),
        'generated_at': _now_iso(now),
    }


# ---------------------------------------------------------------------------------------- sender_policy
SENDER_KEY = ACTIONS['managed_sender'].result_key


def _pair_text(action, pair):
    return '%s %s -> %s' % (action, pair[0], pair[1])


def held_back(senders, outcome):
    """``{id: failure}`` of the messages to leave held because their managed-sender entries were not set.

    ``senders`` is ``triage_rules.sender_plan``'s result; ``outcome`` the managed-sender write's task result
    (``entries``: the (sender, to, action) keys set, ``failures``: ``{id: {sender, to, action}, code, message,
    retryable}``), or a failed task result. A failure is ``{id, code, message, retryable}``, the code of the
    first entry that failed.
    """
    outcome = outcome if isinstance(outcome, dict) else {}
    done = set((key[0], key[1]) for key in _as_list(outcome.get(SENDER_KEY)))
    failed = {}
    for failure in _as_list(outcome.get('failures')):
        entry = failure.get('id') if isinstance(failure, dict) else None
        if isinstance(entry, dict):
            failed[(entry.get('sender'), entry.get('to'))] = (failure.get('code'), failure.get('message'), bool(failure.get('retryable')))
    error = _task_error(outcome, SENDER_KEY)
    unknown = (error[0], error[1], True) if error else ('no_outcome', 'the managed-sender write reported nothing for it', True)
    out = {}
    for rid, problem in senders.get('problems', {}).items():
        out[rid] = {'id': rid, 'code': problem['code'], 'retryable': False,
                    'message': 'left held, its managed-sender entries cannot be set: %s' % problem['message']}
    for rid, pairs in senders.get('by_id', {}).items():
        bad = [(pair,) + failed.get(pair, unknown) for pair in pairs if pair not in done]
        if not bad:
            continue
        pair, code, message, dummy = bad[0]
        out[rid] = {'id': rid, 'code': code, 'retryable': all(b[3] for b in bad),
                    'message': 'left held, its managed-sender entr%s %s not set: %s' % (
                        'y was' if len(bad) == 1 else 'ies were', ', '.join('%s -> %s (%s)' % (b[0][0], b[0][1], b[1]) for b in bad), message)}
    return out


def add_sender_outcome(report, senders, outcome, kept_back):
    """Add what ``sender_policy`` did to a triage report (from :func:`build_report`).

    ``totals.permitted``, ``totals.blocked`` (entries set, or in check mode to be set), ``totals.sender_failed``
    (messages left held because their entries were not set); per rule ``senders: [{sender, to}]`` (each pair
    under the first rule that needed it); ``sender_failures: [{sender, to, action, code, message, ids, rule}]``.
    """
    outcome = outcome if isinstance(outcome, dict) else {}
    keys = _as_list(outcome.get(SENDER_KEY))
    done = set((key[0], key[1]) for key in keys)
    totals = report['totals']
    for policy, total in SENDER_POLICY_TOTALS.items():
        totals[total] = sum(1 for key in keys if key[2] == policy)
    totals['sender_failed'] = len(kept_back)
    per_rule = dict((rule['name'], rule) for rule in report['rules'])
    for rule in report['rules']:
        rule['senders'] = []
    for entry in senders.get('entries', []):
        pair = (entry['sender'], entry['to'])
        rule = per_rule.get(senders['rule_of'].get(pair))
        if pair in done and rule is not None:
            rule['senders'].append({'sender': pair[0], 'to': pair[1]})
    # one line per failed pair, naming the messages it kept held
    failures, index = [], {}
    detail = {}
    for failure in _as_list(outcome.get('failures')):
        entry = failure.get('id') if isinstance(failure, dict) else None
        if isinstance(entry, dict):
            detail[(entry.get('sender'), entry.get('to'))] = (failure.get('code'), failure.get('message'))
    error = _task_error(outcome, SENDER_KEY)
    rules_of_id = {}
    for rule in report['rules']:
        for rid in rule.get('ids', []):
            rules_of_id.setdefault(rid, rule['name'])

    def add(pair, action, code, message, rid, rule):
        key = (pair, action, code)
        if key not in index:
            index[key] = {'sender': pair[0], 'to': pair[1], 'action': action, 'code': code, 'message': message, 'ids': [], 'rule': rule}
            failures.append(index[key])
        index[key]['ids'].append(rid)

    for rid, problem in senders.get('problems', {}).items():
        for pair in problem['pairs']:
            add(pair, problem['action'], problem['code'], problem['message'], rid, problem['rule'])
    action_of = dict(((e['sender'], e['to']), e['action']) for e in senders.get('entries', []))
    for rid, pairs in senders.get('by_id', {}).items():
        for pair in pairs:
            if pair in done:
                continue
            code, message = detail.get(pair) or ((error[0], error[1]) if error else ('no_outcome', 'the managed-sender write reported nothing for it'))
            add(pair, action_of.get(pair), code, message, rid, rules_of_id.get(rid))
    report['sender_failures'] = failures
    return report


def summary_lines(report):
    """A short human summary of a triage report: one line per rule, then the totals."""
    report = report or {}
    dry = bool(report.get('check_mode'))
    verb = dict((name, 'would %s' % name if dry else ACTIONS[name].verb) for name in WRITE_RULE_ACTIONS)
    lines = []
    if dry:
        lines.append('DRY RUN (check mode): nothing was changed; counts are what would happen.')
    for rule in report.get('rules', []):
        action = rule.get('action')
        line = "rule '%s' (%s): matched %d" % (rule.get('name'), action, rule.get('matched', 0))
        if action in verb:
            line += ', %s %d' % (verb[action], rule.get(ACTIONS[action].result_key, 0))
            if rule.get('sender_policy'):
                policy = rule['sender_policy']
                count = len(rule.get('senders', []))
                done = 'would %s' % policy if dry else SENDER_POLICY_TOTALS[policy]
                line += ', %s %d sender%s' % (done, count, '' if count == 1 else 's')
            if rule.get('not_held'):
                line += ', not held any more %d' % rule['not_held']
            line += ', failed %d' % rule.get('failed', 0)
        else:
            line += ', kept held'
        lines.append(line)
    totals = report.get('totals', {})
    if 'sender_failed' in totals:
        done = ', '.join('%s %d' % ('would %s' % policy if dry else total, totals.get(total, 0)) for policy, total in SENDER_POLICY_TOTALS.items())
        lines.append('managed senders: %s; messages left held because their entries were not set: %d' % (done, totals.get('sender_failed', 0)))
    done = ', '.join('%s %d' % (verb[name], totals.get(ACTIONS[name].result_key, 0)) for name in WRITE_RULE_ACTIONS)
    lines.append('totals: held %d, %s, kept %d, failed %d, not held any more %d' % (
        totals.get('held', 0), done, totals.get('kept', 0), totals.get('failed', 0), totals.get('not_held', 0)))
    return lines
