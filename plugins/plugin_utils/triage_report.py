# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The triage JSON report of an outcome (``triage_outcome.Outcome``), its human summary and its ``--diff``.

``build_report(outcome)`` is the report of CONTRACT.md: ``totals``, ``rules`` (with each rule's ids and counts),
``failures``, ``check_mode``, ``generated_at``, ``rules_sha256``, with a ``sender_policy`` the managed-sender
entries, and the ``plan`` section (``Plan.to_report``: its digest, the time of the read, the tenant, what applying it
needs beside the rules' ids; ``applied`` when the run applied a signed-off plan). Every count is named by the rule
action table (``rule_actions``): a new rule action is counted by its entry there.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.dates import report_date
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import RULE_ACTIONS, SENDER_POLICY_TOTALS, acting
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_plan import NO_REVIEW

DIFF_SAMPLE = 10
DIFF_SUBJECT = 80


def build_report(outcome):
    """The JSON report of ``outcome``."""
    plan = outcome.plan
    totals, counts = outcome.counts()
    rules, rule_of = [], {}
    for rule, count in zip(plan.rules, counts):
        entry = {'name': rule.name, 'action': rule.action.name, 'matched': len(rule.ids), 'ids': list(rule.ids)}
        entry.update(count)
        entry.update(rule.options)
        if rule.sender_policy is not None:
            entry['sender_policy'] = rule.sender_policy
        if rule.action.acts:
            rule_of.update((rid, rule.name) for rid in rule.ids)
        rules.append(entry)
    report = {
        'totals': totals,
        'rules': rules,
        'failures': [dict(failure, rule=rule_of.get(failure['id'])) for failure in outcome.failures],
        'check_mode': outcome.check_mode,
        'generated_at': outcome.generated_at,
    }
    if plan.rules_sha256:
        report['rules_sha256'] = plan.rules_sha256
    if outcome.senders is not None:
        _add_senders(report, outcome, rule_of)
    if plan.as_of is not None:  # a plan made by a triage task (a composed playbook's has no time nor tenant)
        report['plan'] = plan.to_report()
        if outcome.applied and not outcome.check_mode:
            report['plan']['applied'] = outcome.applied
    return report


def _add_senders(report, outcome, rule_of):
    """Per rule ``senders: [{sender, to}]`` (each pair under the first rule that needed it) and ``sender_failures:
    [{sender, to, action, code, message, ids, rule}]`` (one per pair that was not set, naming the messages it held)."""
    senders = outcome.senders
    set_pairs = set((key[0], key[1]) for key in outcome.sender_keys)
    per_rule = dict((rule['name'], rule) for rule in report['rules'])
    for rule in report['rules']:
        rule['senders'] = []
    for entry in senders['entries']:
        pair = (entry['sender'], entry['to'])
        rule = per_rule.get(senders['rule_of'].get(pair))
        if pair in set_pairs and rule is not None:
            rule['senders'].append({'sender': pair[0], 'to': pair[1]})
    failures, index = [], {}

    def add(pair, action, code, message, rid, rule):
        key = (pair, action, code)
        if key not in index:
            index[key] = {'sender': pair[0], 'to': pair[1], 'action': action, 'code': code, 'message': message, 'ids': [], 'rule': rule}
            failures.append(index[key])
        index[key]['ids'].append(rid)

    for rid, problem in senders['problems'].items():
        for pair in problem['pairs']:
            add(pair, problem['action'], problem['code'], problem['message'], rid, problem['rule'])
    action_of = dict(((e['sender'], e['to']), e['action']) for e in senders['entries'])
    for rid, pairs in senders['by_id'].items():
        for pair in pairs:
            if pair not in set_pairs:
                code, message = outcome.sender_errors[pair][:2]
                add(pair, action_of.get(pair), code, message, rid, rule_of.get(rid))
    report['sender_failures'] = failures


def summary_lines(report):
    """A short human summary of a triage report: one line per rule, then the totals."""
    report = report or {}
    dry = bool(report.get('check_mode'))
    lines = []
    if dry:
        lines.append('DRY RUN (check mode): nothing was changed; counts are what would happen.')
    line = plan_line(report)
    if line:
        lines.append(line)
    for rule in report.get('rules', []):
        action = RULE_ACTIONS.get(rule.get('action'))
        line = "rule '%s' (%s): matched %d" % (rule.get('name'), rule.get('action'), rule.get('matched', 0))
        if action is not None and action.acts:
            line += ', %s %d' % (action.verb(dry), rule.get(action.result_key, 0))
            if rule.get('sender_policy'):
                policy = rule['sender_policy']
                count = len(rule.get('senders', []))
                line += ', %s %d sender%s' % (policy_verb(policy, dry), count, '' if count == 1 else 's')
            if rule.get('not_held'):
                line += ', not held any more %d' % rule['not_held']
            line += ', failed %d' % rule.get('failed', 0)
        else:
            line += ', kept held'
        lines.append(line)
    totals = report.get('totals', {})
    if 'sender_failed' in totals:
        done = ', '.join('%s %d' % (policy_verb(policy, dry), totals.get(total, 0)) for policy, total in SENDER_POLICY_TOTALS.items())
        lines.append('managed senders: %s; messages left held because their entries were not set: %d' % (done, totals.get('sender_failed', 0)))
    done = ', '.join('%s %d' % (action.verb(dry), totals.get(action.result_key, 0)) for action in acting())
    lines.append('totals: held %d, %s, kept %d, failed %d, not held any more %d%s' % (
        totals.get('held', 0), done, totals.get('kept', 0), totals.get('failed', 0), totals.get('not_held', 0),
        ', not in the plan (left held) %d' % totals['not_in_plan'] if 'not_in_plan' in totals else ''))
    return lines


def plan_line(report):
    """``plan sha256:... (held queue read at ...)``, ``applied the plan sha256:... (...)``; '' without a plan."""
    plan = report.get('plan') if isinstance(report.get('plan'), dict) else {}
    if not plan.get('digest'):
        return ''
    read = '(held queue read at %s)' % plan.get('as_of')
    if plan.get('applied'):
        return 'applied the plan %s %s' % (plan['applied'], read)
    if 'not_in_plan' in (report.get('totals') or {}):
        return 'would apply the plan %s %s' % (plan['digest'], read)
    return 'plan %s %s' % (plan['digest'], read)


def policy_verb(policy, dry):
    """``permitted`` (``would permit`` in a dry run)."""
    return 'would %s' % policy if dry else SENDER_POLICY_TOTALS[policy]


# ------------------------------------------------------------------------------------------------- --diff
def state_lines(report, after):
    """A text view of the held state per rule: what each rule holds before and after."""
    lines = []
    for rule in report['rules']:
        action = RULE_ACTIONS[rule['action']]
        held = rule['matched']
        if action.acts and after:
            held -= rule[action.result_key] + rule['not_held']
        lines.append("rule '%s' (%s): %d held" % (rule['name'], rule['action'], held))
    totals = report['totals']
    acted = sum(totals[action.result_key] for action in acting()) + totals['not_held']
    lines.append('held in the window: %d' % (totals['held'] - (acted if after else 0)))
    return '\n'.join(lines) + '\n'


def _more(lines, count, limit):
    if count > limit:
        lines.append('  ... and %d more' % (count - limit))


def sender_lines(report, limit=DIFF_SAMPLE):
    """Per rule the managed-sender entries it set (or, in check mode, would set): their count and the first ``limit``,
    then ``... and N more``; the same of the entries that were not set."""
    dry = bool(report.get('check_mode'))
    lines = []
    for rule in report['rules']:
        pairs = rule.get('senders') or []
        if pairs:
            lines.append("managed senders (rule '%s'): %s %d, first %d:" % (
                rule['name'], policy_verb(rule['sender_policy'], dry), len(pairs), min(limit, len(pairs))))
            lines.extend('  %s -> %s' % (pair['sender'], pair['to']) for pair in pairs[:limit])
            _more(lines, len(pairs), limit)
    failures = report.get('sender_failures') or []
    if failures:
        lines.append('managed senders not set: %d, first %d:' % (len(failures), min(limit, len(failures))))
        lines.extend('  %s %s -> %s (%s)' % (f.get('action'), f.get('sender'), f.get('to'), f.get('code')) for f in failures[:limit])
        _more(lines, len(failures), limit)
    return ''.join(line + '\n' for line in lines)


def short_subject(text, limit=DIFF_SUBJECT):
    text = ' '.join((text or '').split())
    return text if len(text) <= limit else text[:limit - 1] + '\u2026'


def diff_sample(report, review, limit=DIFF_SAMPLE):
    """Per release/reject rule its first ``limit`` messages (received, sender, subject), then ``... and M more``."""
    dry = bool(report.get('check_mode'))
    lines = []
    for rule in report.get('rules', []):
        action = RULE_ACTIONS[rule['action']]
        if not action.acts:
            continue
        ids = rule.get('ids') or []
        first = ', first %d:' % min(limit, len(ids)) if ids else ''
        lines.append("rule '%s' (%s): %s %d%s" % (rule['name'], action.name, action.verb(dry), rule.get(action.result_key, 0), first))
        for rid in ids[:limit]:
            received, sender, dummy, subject, dummy2 = review.get(rid) or NO_REVIEW
            lines.append('  %s  %s  %s' % (report_date(received) or '-', sender or '-', short_subject(subject) or '-'))
        _more(lines, len(ids), limit)
    return '\n'.join(lines) + '\n' if lines else ''


def diff(report, review):
    """The ``--diff`` of a triage run: the held state per rule before and after, the managed-sender entries, and a
    sample of the messages each rule acts on."""
    out = {'before': state_lines(report, False), 'after': state_lines(report, True),
           'before_header': 'held messages', 'after_header': 'held messages'}
    if 'sender_failures' in report:
        out['after'] += sender_lines(report)
    sample = diff_sample(report, review)
    if sample:
        out['prepared'] = sample
    return out
