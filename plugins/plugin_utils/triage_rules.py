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

import datetime
import re

from ansible_collections.secops.mimecast.plugins.module_utils.hold_actions import REASON_TYPES

ACTIONS = ('release', 'reject', 'keep')


RULE_KEYS = ('name', 'match', 'action', 'reason_type', 'message', 'notify')
REJECT_ONLY_KEYS = ('reason_type', 'message', 'notify')

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

_DATE_RE = re.compile(
    r'^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?'
    r'\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*$'
)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class RulesError(ValueError):
    """The triage rules are invalid. ``problems`` lists every problem found."""

    def __init__(self, problems):
        self.problems = list(problems)
        msg = 'Invalid triage rules (%d problem%s):\n- %s' % (
            len(self.problems), '' if len(self.problems) == 1 else 's', '\n- '.join(self.problems))
        super(RulesError, self).__init__(msg)


class CompiledRule:
    """One validated rule: ``matches(record, now_epoch)`` tells whether it applies."""

    __slots__ = ('name', 'action', 'reason_type', 'message', 'notify', 'tests', 'source')

    def __init__(self, name, action, tests, reason_type=None, message=None, notify=False, source=None):
        self.name = name
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

def parse_bool(value):
    """Return True/False for a real bool or the strings 'true'/'false' (any case); else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered == 'true':
            return True
        if lowered == 'false':
            return False
    return None


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


def _days_from_civil(y, m, d):
    # Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_date_cache = {}


def parse_date_epoch(value):
    """Epoch seconds (UTC) of an API date (``2022-08-01T13:10:54+0000``, ``...Z``, ``...+00:00``).

    Returns None for anything that is not such a date. Naive dates are taken as UTC.
    """
    if not isinstance(value, str):
        return None
    cached = _date_cache.get(value)
    if cached is not None or value in _date_cache:
        return cached
    m = _DATE_RE.match(value)
    result = None
    if m:
        year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
        second = int(m.group(6) or 0)
        if 1 <= month <= 12 and 1 <= day <= 31 and hour <= 24 and minute <= 59 and second <= 60:
            result = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
            if m.group(7):
                result += float('0.' + m.group(7))
            tz = m.group(8)
            if tz and tz not in ('Z', 'z'):
                sign = -1 if tz[0] == '-' else 1
                digits = tz[1:].replace(':', '')
                offset = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) >= 4 else 0)
                result -= sign * offset
    if len(_date_cache) > 200000:
        _date_cache.clear()
    _date_cache[value] = result
    return result


def to_epoch(now):
    """Epoch seconds for ``now``: an aware or naive (UTC) datetime, a number, or None (current time)."""
    if now is None:
        now = datetime.datetime.now(datetime.timezone.utc)
    if isinstance(now, datetime.datetime):
        if now.tzinfo is None:
            now = now.replace(tzinfo=datetime.timezone.utc)
        return (now - _EPOCH).total_seconds()
    if isinstance(now, (int, float)) and not isinstance(now, bool):
        return float(now)
    raise TypeError('now must be a datetime or epoch seconds, not %r' % (now,))


def _text(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return None
    return str(value)


def _address(value):
    """Email address of an address object ({emailAddress}) or a plain string; else None."""
    if isinstance(value, dict):
        addr = value.get('emailAddress')
        if addr is None:
            addr = value.get('email_address')
        return addr if isinstance(addr, str) else None
    if isinstance(value, str):
        return value
    return None


def record_senders(record):
    """Envelope and header sender addresses of a record (strings; may be empty)."""
    out = []
    for key in ('from', 'fromHeader'):
        addr = _address(record.get(key))
        if addr and addr not in out:
            out.append(addr)
    return out


def record_recipients(record):
    """Every envelope and header recipient address of a record (each field an object or a list)."""
    out = []
    for key in ('to', 'toHeader'):
        value = record.get(key)
        items = value if isinstance(value, list) else (value,)
        for item in items:
            addr = _address(item)
            if addr and addr not in out:
                out.append(addr)
    return out


# ---------------------------------------------------------------------------
# tests: each is f(record, field, arg, now_epoch) -> bool

def _t_regex(record, field, rx, now_epoch):
    value = record.get(field)
    if value is None:
        return False
    if not isinstance(value, str):
        value = _text(value)
        if value is None:
            return False
    return rx.search(value) is not None


def _t_sender(record, field, rx, now_epoch):
    search = rx.search
    addr = _address(record.get('from'))
    if addr is not None and search(addr) is not None:
        return True
    addr = _address(record.get('fromHeader'))
    return addr is not None and search(addr) is not None


def _t_recipient(record, field, rx, now_epoch):
    search = rx.search
    for key in ('to', 'toHeader'):
        value = record.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            for item in value:
                addr = _address(item)
                if addr is not None and search(addr) is not None:
                    return True
        else:
            addr = _address(value)
            if addr is not None and search(addr) is not None:
                return True
    return False


ROUTES = ('INBOUND', 'OUTBOUND', 'INTERNAL', 'EXTERNAL')


def _t_route(record, field, route, now_epoch):
    value = record.get('route')
    return isinstance(value, str) and value.strip().lower() == route


def _t_attachments(record, field, wanted, now_epoch):
    value = parse_bool(record.get('hasAttachments'))
    return value is not None and value is wanted


def _t_older(record, field, seconds, now_epoch):
    received = parse_date_epoch(record.get('dateReceived'))
    return received is not None and now_epoch - received >= seconds


def _t_newer(record, field, seconds, now_epoch):
    received = parse_date_epoch(record.get('dateReceived'))
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
            if value.strip().upper() not in ROUTES:
                problems.append('%s: match.route must be one of %s, not %r' % (label, ', '.join(ROUTES), value))
                continue
            tests.append(('route', None, value.strip().lower()))
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

        if rule_problems:
            problems.extend(rule_problems)
            continue
        if action == 'reject':
            compiled.append(CompiledRule(name, action, tests, reason_type=reason_type,
                                         message=message if message else None, notify=notify, source=rule))
        else:
            compiled.append(CompiledRule(name, action, tests, source=rule))
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
    senders = record_senders(record)
    return (_text(record.get('dateReceived')) or '', senders[0] if senders else '', tuple(record_recipients(record)),
            _text(record.get('subject')) or '', _text(record.get('reasonCode')) or '')


def first_match(compiled_rules, record, now_epoch):
    """The first rule matching ``record``, or None."""
    for rule in compiled_rules:
        if rule.matches(record, now_epoch):
            return rule
    return None


def plan(compiled_rules, records, now=None):
    """Decide what to do with every held record.

    ``compiled_rules``: the result of ``validate_rules`` (a raw rules list is validated first).
    ``records``: raw API records (camelCase). ``now``: the reference time (UTC) of ``older_than``/``newer_than``.

    Returns ``{held, rules: [{name, action, matched, ids, (reason_type, message, notify)}],
    release_ids, reject_groups: [{reason_type, message, notify, ids}], kept}``.
    Every id is planned at most once (the first record with an id decides); records without an id are ignored.
    ``review`` maps every id a release or reject rule decided to its :func:`review_fields` (for the review report).
    """
    if not all(isinstance(rule, CompiledRule) for rule in compiled_rules):
        compiled_rules = validate_rules(compiled_rules)
    now_epoch = to_epoch(now)
    rules = list(compiled_rules)
    nrules = len(rules)
    per_rule = [[] for dummy in range(nrules)]
    # Flatten each rule's tests for speed: list of (function, field, arg)
    flat = [tuple((_TESTS[kind], field, arg) for kind, field, arg in rule.tests) for rule in rules]
    seen = set()
    held = 0
    acting = [rule.action != 'keep' for rule in rules]
    review = {}
    for record in records:
        if not isinstance(record, dict):
            continue
        rid = record.get('id')
        if rid is None or rid == '' or rid in seen:
            continue
        seen.add(rid)
        held += 1
        for index in range(nrules):
            for func, field, arg in flat[index]:
                if not func(record, field, arg, now_epoch):
                    break
            else:
                per_rule[index].append(rid)
                if acting[index]:
                    review[rid] = review_fields(record)
                break

    release_ids = []
    groups = {}
    group_order = []
    out_rules = []
    acted = 0
    for rule, ids in zip(rules, per_rule):
        entry = {'name': rule.name, 'action': rule.action, 'matched': len(ids), 'ids': ids}
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
    return {
        'held': held,
        'rules': out_rules,
        'release_ids': release_ids,
        'reject_groups': reject_groups,
        'kept': held - acted,
        'review': review,
    }
