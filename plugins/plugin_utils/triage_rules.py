# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Triage rules: validation and evaluation against raw held-message records.

Pure Python (no Ansible imports), controller side. Compatible with Python 3.9+.

Rules format (see docs/triage-rules.md)::

    - name: Release the vendor's newsletters
      match:
        reason_code: '^spam'
        sender: '@news\\.vendor\\.example$'
      action: release

``validate_rules(rules)`` returns the compiled rules or raises ``RulesError`` listing every
problem; ``plan(compiled, records, now)`` returns what to do with each held message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_api_epoch, to_epoch
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.records import (
    ROUTES,
    address,
    envelope_recipients,
    parse_bool,
    recipients,
    route_key,
    sender,
    text,
)
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import REASON_TYPES, is_address

# the rule actions that write, each the name of its entry in module_utils/write_actions.ACTIONS; keep writes nothing
WRITE_RULE_ACTIONS = ('release', 'reject')
ACTIONS = WRITE_RULE_ACTIONS + ('keep',)


RULE_KEYS = ('name', 'match', 'action', 'reason_type', 'message', 'notify', 'sender_policy')
REJECT_ONLY_KEYS = ('reason_type', 'message', 'notify')
# sender_policy: the one value each rule action may take (the managed-sender entry set for its messages)
SENDER_POLICIES = {'release': 'permit', 'reject': 'block'}
# each policy's total in the report (totals.permitted, totals.blocked), also its past participle in the summary
SENDER_POLICY_TOTALS = {'permit': 'permitted', 'block': 'blocked'}

# match key -> record field (raw camelCase API record) for simple regex keys
REGEX_FIELDS = {
    'reason_code': 'reasonCode',
    'subject': 'subject',
    'reason': 'reason',
    'policy_info': 'policyInfo',
}
ADDRESS_KEYS = ('sender', 'recipient')
MATCH_KEYS = ('reason_code', 'sender', 'recipient', 'subject', 'reason', 'policy_info',
              'route', 'has_attachments', 'older_than', 'newer_than')

DURATION_UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400}
_DURATION_RE = re.compile(r'^\s*(\d+)\s*([smhd])?\s*$', re.IGNORECASE)


class RulesError(InputError):
    """The triage rules are invalid. ``problems`` lists every problem found."""

    default_code = 'invalid_rules'

    def __init__(self, problems):
        self.problems = list(problems)
        msg = 'Invalid triage rules (%d problem%s):\n- %s' % (
            len(self.problems), '' if len(self.problems) == 1 else 's', '\n- '.join(self.problems))
        super(RulesError, self).__init__(msg)

    def task_result(self):
        result = super(RulesError, self).task_result()
        result['rule_errors'] = self.problems
        return result


class CompiledRule:
    """One validated rule: ``matches(record, now_epoch)`` tells whether it applies."""

    __slots__ = ('name', 'action', 'reason_type', 'message', 'notify', 'tests', 'source', 'sender_policy')

    def __init__(self, name, action, tests, reason_type=None, message=None, notify=False, source=None, sender_policy=None):
        self.name = name
        self.sender_policy = sender_policy
        self.action = action
        self.tests = tuple(tests)
        self.reason_type = reason_type
        self.message = message
        self.notify = notify
        self.source = source

    @property
    def group_key(self):
        return (self.reason_type, self.message, self.notify)

    def matches(self, record, now_epoch):
        for kind, field, arg in self.tests:
            if not _TESTS[kind](record, field, arg, now_epoch):
                return False
        return True

    def __repr__(self):
        return 'CompiledRule(%r, %r)' % (self.name, self.action)


# ---------------------------------------------------------------------------
# value helpers

def parse_duration(value):
    """Seconds for ``<int><s|m|h|d>`` or an int of seconds; None when invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str):
        m = _DURATION_RE.match(value)
        if m:
            return int(m.group(1)) * DURATION_UNITS[(m.group(2) or 's').lower()]
    return None


# ---------------------------------------------------------------------------
# tests: each is f(record, field, arg, now_epoch) -> bool

def _t_regex(record, field, rx, now_epoch):
    value = record.get(field)
    if value is None:
        return False
    if not isinstance(value, str):
        value = text(value)
        if value is None:
            return False
    return rx.search(value) is not None


def _t_sender(record, field, rx, now_epoch):
    search = rx.search
    addr = address(record.get('from'))
    if addr is not None and search(addr) is not None:
        return True
    addr = address(record.get('fromHeader'))
    return addr is not None and search(addr) is not None


def _t_recipient(record, field, rx, now_epoch):
    search = rx.search
    for key in ('to', 'toHeader'):
        value = record.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            for item in value:
                addr = address(item)
                if addr is not None and search(addr) is not None:
                    return True
        else:
            addr = address(value)
            if addr is not None and search(addr) is not None:
                return True
    return False


def _t_route(record, field, route, now_epoch):
    return route_key(record.get('route')) == route


def _t_attachments(record, field, wanted, now_epoch):
    value = parse_bool(record.get('hasAttachments'))
    return value is not None and value is wanted


def _t_older(record, field, seconds, now_epoch):
    received = parse_api_epoch(record.get('dateReceived'))
    return received is not None and now_epoch - received >= seconds


def _t_newer(record, field, seconds, now_epoch):
    received = parse_api_epoch(record.get('dateReceived'))
    return received is not None and now_epoch - received < seconds


_TESTS = {
    'regex': _t_regex,
    'sender': _t_sender,
    'recipient': _t_recipient,
    'route': _t_route,
    'has_attachments': _t_attachments,
    'older_than': _t_older,
    'newer_than': _t_newer,
}


# ---------------------------------------------------------------------------
# validation

def _label(index, rule):
    name = rule.get('name') if isinstance(rule, dict) else None
    if isinstance(name, str) and name.strip():
        return "rule #%d '%s'" % (index + 1, name)
    return 'rule #%d (no name)' % (index + 1)


def _compile_match(label, match, problems):
    tests = []
    if match is None:
        problems.append('%s: missing "match" (a mapping of at least one of: %s)' % (label, ', '.join(MATCH_KEYS)))
        return tests
    if not isinstance(match, dict):
        problems.append('%s: "match" must be a mapping, not %s' % (label, type(match).__name__))
        return tests
    if not match:
        problems.append('%s: "match" is empty; give at least one of: %s' % (label, ', '.join(MATCH_KEYS)))
        return tests
    for key in match:
        if key not in MATCH_KEYS:
            problems.append('%s: unknown match key "%s" (allowed: %s)' % (label, key, ', '.join(MATCH_KEYS)))
    for key in MATCH_KEYS:
        if key not in match:
            continue
        value = match[key]
        if key in REGEX_FIELDS or key in ADDRESS_KEYS:
            if not isinstance(value, str):
                problems.append('%s: match.%s must be a string (a regular expression), not %s' % (label, key, type(value).__name__))
                continue
            try:
                rx = re.compile(value, re.IGNORECASE)
            except re.error as exc:
                problems.append('%s: match.%s: bad regular expression %r: %s' % (label, key, value, exc))
                continue
            if key in ADDRESS_KEYS:
                tests.append((key, None, rx))
            else:
                tests.append(('regex', REGEX_FIELDS[key], rx))
        elif key == 'route':
            if not isinstance(value, str) or not value.strip():
                problems.append('%s: match.route must be a non-empty string (e.g. INBOUND, OUTBOUND, INTERNAL), not %r' % (label, value))
                continue
            if route_key(value) not in ROUTES:
                problems.append('%s: match.route must be one of %s (in any case), not %r'
                                % (label, ', '.join(r.upper() for r in ROUTES), value))
                continue
            tests.append(('route', None, route_key(value)))
        elif key == 'has_attachments':
            flag = parse_bool(value)
            if flag is None:
                problems.append('%s: match.has_attachments must be a boolean (true or false), not %r' % (label, value))
                continue
            tests.append(('has_attachments', None, flag))
        else:  # older_than / newer_than
            seconds = parse_duration(value)
            if seconds is None:
                problems.append('%s: match.%s must be a duration like 30m, 2h, 7d (units s, m, h, d) or an integer of seconds, not %r'
                                % (label, key, value))
                continue
            tests.append((key, None, seconds))
    return tests


def validate_rules(rules):
    """Validate and compile triage rules; raise ``RulesError`` naming every problem."""
    if not isinstance(rules, (list, tuple)):
        raise RulesError(['the rules must be a list of rules, not %s' % ('nothing' if rules is None else type(rules).__name__)])
    if not rules:
        raise RulesError(['the rules list is empty: give at least one rule'])
    problems = []
    compiled = []
    seen_names = {}
    for index, rule in enumerate(rules):
        label = _label(index, rule)
        if not isinstance(rule, dict):
            problems.append('%s: a rule must be a mapping with name, match and action, not %s' % (label, type(rule).__name__))
            continue
        rule_problems = []
        unknown = [key for key in rule if key not in RULE_KEYS]
        for key in unknown:
            rule_problems.append('%s: unknown key "%s" (allowed: %s)' % (label, key, ', '.join(RULE_KEYS)))

        name = rule.get('name')
        if 'name' not in rule or name is None:
            rule_problems.append('%s: missing "name"' % label)
        elif not isinstance(name, str) or not name.strip():
            rule_problems.append('%s: "name" must be a non-empty string, not %r' % (label, name))
        elif name in seen_names:
            rule_problems.append('%s: duplicate name (already used by rule #%d)' % (label, seen_names[name] + 1))
        else:
            seen_names[name] = index

        action = rule.get('action')
        if action is None:
            rule_problems.append('%s: missing "action" (one of: %s)' % (label, ', '.join(ACTIONS)))
        elif not isinstance(action, str) or action not in ACTIONS:
            rule_problems.append('%s: unknown action %r (one of: %s)' % (label, action, ', '.join(ACTIONS)))

        tests = _compile_match(label, rule.get('match'), rule_problems)

        reason_type = rule.get('reason_type')
        message = rule.get('message')
        notify = False
        if action == 'reject':
            if reason_type is None:
                rule_problems.append('%s: a reject rule needs "reason_type" (one of: %s)' % (label, ', '.join(REASON_TYPES)))
            elif not isinstance(reason_type, str) or reason_type not in REASON_TYPES:
                rule_problems.append('%s: unknown reason_type %r (one of: %s)' % (label, reason_type, ', '.join(REASON_TYPES)))
            if message is not None and not isinstance(message, str):
                rule_problems.append('%s: "message" must be a string, not %s' % (label, type(message).__name__))
            if 'notify' in rule:
                notify = parse_bool(rule['notify'])
                if notify is None:
                    rule_problems.append('%s: "notify" must be a boolean (true or false), not %r' % (label, rule['notify']))
                    notify = False
        elif isinstance(action, str) and action in ACTIONS:
            for key in REJECT_ONLY_KEYS:
                if key in rule:
                    rule_problems.append('%s: "%s" applies to reject rules only (this rule\'s action is %s)' % (label, key, action))

        sender_policy = rule.get('sender_policy')
        if 'sender_policy' in rule and isinstance(action, str) and action in ACTIONS:
            allowed = SENDER_POLICIES.get(action)
            if allowed is None:
                rule_problems.append('%s: "sender_policy" applies to release rules (permit) and reject rules (block) only '
                                     '(this rule\'s action is %s)' % (label, action))
            elif sender_policy != allowed:
                rule_problems.append('%s: sender_policy of a %s rule must be %s, not %r' % (label, action, allowed, sender_policy))

        if rule_problems:
            problems.extend(rule_problems)
            continue
        if action == 'reject':
            compiled.append(CompiledRule(name, action, tests, reason_type=reason_type,
                                         message=message if message else None, notify=notify, source=rule,
                                         sender_policy=sender_policy))
        else:
            compiled.append(CompiledRule(name, action, tests, source=rule, sender_policy=sender_policy))
    if problems:
        raise RulesError(problems)
    return compiled


# ---------------------------------------------------------------------------
# evaluation

REVIEW_FIELDS = ('received', 'sender', 'recipients', 'subject', 'reason_code')


def review_fields(record):
    """The few fields of a record a person needs to review a decision, as a tuple in ``REVIEW_FIELDS`` order:
    the date received, the sender (envelope, else header), the recipients (a tuple), the subject and the reason code.
    The strings are the record's own (nothing is copied)."""
    return (text(record.get('dateReceived')) or '', sender(record) or '', tuple(recipients(record)),
            text(record.get('subject')) or '', text(record.get('reasonCode')) or '')


def first_match(compiled_rules, record, now_epoch):
    """The first rule matching ``record``, or None."""
    for rule in compiled_rules:
        if rule.matches(record, now_epoch):
            return rule
    return None


def classifier(compiled_rules, now=None):
    """A function that decides one raw record: ``classify(record)`` returns ``(id, rule index, sender pairs,
    review fields)`` (the pairs only for a rule with a ``sender_policy``, the review fields only for a release or
    reject rule; ``None`` otherwise; the rule index is ``None`` when no rule matches), or ``None`` for a record
    without an id.

    What it returns is all the plan needs of a record, so a reader can decide each record as it arrives and let
    the record go (see :func:`plan_decided`): a queue of 100,000 messages is never all in memory at once.
    """
    if not all(isinstance(rule, CompiledRule) for rule in compiled_rules):
        compiled_rules = validate_rules(compiled_rules)
    now_epoch = to_epoch(now)
    rules = list(compiled_rules)
    # Flatten each rule's tests for speed: list of (function, field, arg)
    flat = [tuple((_TESTS[kind], field, arg) for kind, field, arg in rule.tests) for rule in rules]
    with_senders = [rule.sender_policy is not None for rule in rules]
    acting = [rule.action != 'keep' for rule in rules]
    indexes = range(len(rules))

    def classify(record):
        if not isinstance(record, dict):
            return None
        rid = record.get('id')
        if rid is None or rid == '':
            return None
        for index in indexes:
            for func, field, arg in flat[index]:
                if not func(record, field, arg, now_epoch):
                    break
            else:
                return (rid, index, sender_pairs(record) if with_senders[index] else None,
                        review_fields(record) if acting[index] else None)
        return (rid, None, None, None)

    classify.rules = rules
    return classify


def plan(compiled_rules, records, now=None):
    """Decide what to do with every held record.

    ``compiled_rules``: the result of ``validate_rules`` (a raw rules list is validated first).
    ``records``: raw API records (camelCase). ``now``: the reference time (UTC) of ``older_than``/``newer_than``.

    Returns ``{held, rules: [{name, action, matched, ids, (reason_type, message, notify), (sender_policy)}],
    release_ids, reject_groups: [{reason_type, message, notify, ids}], kept}``, and when a rule has a
    ``sender_policy``, ``senders``: ``{id: {'pairs': [(sender, recipient)], 'problem': None or text}}`` for each
    id such a rule matched (see :func:`sender_pairs`).
    Every id is planned at most once (the first record with an id decides); records without an id are ignored.
    ``review`` maps every id a release or reject rule decided to its :func:`review_fields` (for the review report).
    """
    classify = classifier(compiled_rules, now)
    return plan_decided(classify.rules, (classify(record) for record in records))


def plan_decided(rules, decided):
    """The plan (see :func:`plan`) from records already decided by a :func:`classifier` of ``rules``, in order."""
    nrules = len(rules)
    per_rule = [[] for dummy in range(nrules)]
    seen = set()
    held = 0
    with_senders = [rule.sender_policy is not None for rule in rules]
    senders = {}
    review = {}
    for entry in decided:
        if entry is None:
            continue
        rid, index, pairs, fields = entry
        if rid in seen:
            continue
        seen.add(rid)
        held += 1
        if index is None:
            continue
        per_rule[index].append(rid)
        if pairs is not None:
            senders[rid] = pairs
        if fields is not None:
            review[rid] = fields

    release_ids = []
    groups = {}
    group_order = []
    out_rules = []
    acted = 0
    for rule, ids in zip(rules, per_rule):
        entry = {'name': rule.name, 'action': rule.action, 'matched': len(ids), 'ids': ids}
        if rule.sender_policy is not None:
            entry['sender_policy'] = rule.sender_policy
        if rule.action == 'release':
            release_ids.extend(ids)
            acted += len(ids)
        elif rule.action == 'reject':
            entry['reason_type'] = rule.reason_type
            entry['message'] = rule.message
            entry['notify'] = rule.notify
            key = rule.group_key
            if key not in groups:
                groups[key] = {'reason_type': rule.reason_type, 'message': rule.message, 'notify': rule.notify,
                               'rules': [], 'ids': []}
                group_order.append(key)
            groups[key]['ids'].extend(ids)
            groups[key]['rules'].append(rule.name)
            acted += len(ids)
        out_rules.append(entry)
    reject_groups = [groups[key] for key in group_order if groups[key]['ids']]
    out = {
        'held': held,
        'rules': out_rules,
        'release_ids': release_ids,
        'reject_groups': reject_groups,
        'kept': held - acted,
        'review': review,
    }
    if any(with_senders):
        out['senders'] = senders
    return out


def sender_pairs(record):
    """The (envelope sender, recipient) pairs of a held record for its managed-sender entries, in lower case.

    The recipients are the envelope ``to`` addresses, the header ``toHeader`` ones only when the envelope
    has none. Returns ``{'pairs': [...], 'problem': None, 'sender', 'to'}``, or no pairs and the problem (no
    envelope sender, no recipient, an address a managed-sender entry cannot take); ``sender`` and ``to`` (the
    recipients joined with ", ") say what the message has.
    """
    env_sender = address(record.get('from'))
    env_sender = env_sender.strip().lower() if env_sender else ''
    rcpts = []
    for addr in envelope_recipients(record):
        addr = addr.strip().lower()
        if addr and addr not in rcpts:
            rcpts.append(addr)
    found = {'pairs': [], 'problem': None, 'sender': env_sender or None, 'to': ', '.join(rcpts) or None}
    if not env_sender:
        found['problem'] = 'the message has no envelope sender address'
    elif not rcpts:
        found['problem'] = 'the message has no recipient address'
    else:
        bad = [a for a in [env_sender] + rcpts if not is_address(a)]
        if bad:
            found['problem'] = 'not an e-mail address a managed-sender entry can take: %s' % ', '.join(bad)
        else:
            found['pairs'] = [(env_sender, rcpt) for rcpt in rcpts]
    return found


def sender_plan(planned):
    """The managed-sender entries a plan asks for, each (sender, recipient) once across the run.

    Returns ``{'entries': [{sender, to, action}], 'rule_of': {(sender, to): rule name}, 'by_id': {id: [(sender,
    to)]}, 'problems': {id: {code, message, rule, action, pairs}}}``. A message with no usable pair, or with a
    pair that one rule would permit and another block, has a problem instead: it is left held, and a
    conflicting pair is not sent (its other pairs are: a set is harmless).
    """
    senders = planned.get('senders') or {}
    action_of, rule_of, by_id, problems = {}, {}, {}, {}
    policy_of = {}  # id -> (rule name, sender_policy)
    conflicts = set()
    order = []
    for rule in planned.get('rules', []):
        policy = rule.get('sender_policy')
        if policy is None:
            continue
        for rid in rule.get('ids', []):
            found = senders.get(rid) or {'pairs': [], 'problem': 'no sender information for this message'}
            if found['problem']:
                problems[rid] = {'code': 'sender_address_invalid', 'message': found['problem'], 'rule': rule['name'],
                                 'action': policy, 'pairs': [(found.get('sender'), found.get('to'))]}
                continue
            by_id[rid] = list(found['pairs'])
            policy_of[rid] = (rule['name'], policy)
            for pair in found['pairs']:
                if pair not in action_of:
                    action_of[pair] = policy
                    rule_of[pair] = rule['name']
                    order.append(pair)
                elif action_of[pair] != policy:
                    conflicts.add(pair)
    for rid, pairs in list(by_id.items()):
        clash = [p for p in pairs if p in conflicts]
        if clash:
            name, policy = policy_of[rid]
            problems[rid] = {'code': 'sender_policy_conflict', 'rule': name, 'action': policy, 'pairs': clash,
                             'message': 'one rule would permit and another block %s' % ', '.join('%s -> %s' % pair for pair in clash)}
            del by_id[rid]
    entries = [{'sender': p[0], 'to': p[1], 'action': action_of[p]} for p in order if p not in conflicts]
    return {'entries': entries, 'rule_of': rule_of, 'by_id': by_id, 'problems': problems}


def plan_steps(planned):
    """The writes a plan asks for, in order: ``[(action name, engine options, ids, reject group or None)]``."""
    steps = [('release', {}, planned['release_ids'], None)]
    for group in planned['reject_groups']:
        options = dict(reason_type=group['reason_type'], message=group['message'], notify=group['notify'])
        steps.append(('reject', options, group['ids'], group))
    return steps
