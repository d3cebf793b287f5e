# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Triage rules: loading, validation, and deciding a message (``module_utils/message.Message``).

Pure Python, controller side. Rules format (see docs/triage-rules.md)::

    - name: Release the vendor's newsletters
      match:
        reason_code: '^spam'
        sender: '@news\\.vendor\\.example$'
      action: release

``Ruleset.load(value)`` loads (a list, or YAML/JSON text) and validates the rules, or raises ``RulesError``
listing every problem; ``ruleset.decider(now)`` returns the function that gives the index of the rule deciding
a message (the first whose match holds), or None. The rules never see an API record: each match key reads one
attribute of the message view (:data:`MATCH_KEYS`), and each action is an entry of ``rule_actions.RULE_ACTIONS``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.secops.mimecast.plugins.module_utils.dates import DateError, parse_duration, to_epoch
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.records import ROUTES, parse_bool, route_key
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import RULE_ACTIONS, option_keys

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - ansible-core requires PyYAML
    HAS_YAML = False


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


# ---------------------------------------------------------------------------------------------- match keys
# Each match key compiles its value into a test ``test(message, now_epoch) -> bool`` of one attribute of the
# message view, or returns a problem. A field the message does not have (None) never matches.

def _regex(label, key, value):
    if not isinstance(value, str):
        return None, '%s: match.%s must be a string (a regular expression), not %s' % (label, key, type(value).__name__)
    try:
        return re.compile(value, re.IGNORECASE).search, None
    except re.error as exc:
        return None, '%s: match.%s: bad regular expression %r: %s' % (label, key, value, exc)


def _regex_test(attribute, many=False):
    """The test of a regular expression on a text attribute, or with ``many`` on any of a list of addresses."""
    def compile_(label, key, value):
        search, problem = _regex(label, key, value)
        if problem:
            return None, problem
        if many:
            return (lambda message, now: any(search(addr) is not None for addr in getattr(message, attribute))), None

        def test(message, now):
            found = getattr(message, attribute)
            return found is not None and search(found) is not None
        return test, None
    return compile_


def _route(label, key, value):
    if not isinstance(value, str) or not value.strip():
        return None, '%s: match.route must be a non-empty string (e.g. INBOUND, OUTBOUND, INTERNAL), not %r' % (label, value)
    wanted = route_key(value)
    if wanted not in ROUTES:
        return None, '%s: match.route must be one of %s (in any case), not %r' % (label, ', '.join(r.upper() for r in ROUTES), value)
    return (lambda message, now: message.route == wanted), None


def _attachments(label, key, value):
    wanted = parse_bool(value)
    if wanted is None:
        return None, '%s: match.has_attachments must be a boolean (true or false), not %r' % (label, value)
    return (lambda message, now: message.has_attachments is wanted), None


def _age_test(older):
    def compile_(label, key, value):
        try:
            seconds = parse_duration(value, name='match.%s' % key)
        except DateError:
            return None, ('%s: match.%s must be a duration like 30m, 2h, 7d (units s, m, h, d) or an integer of seconds, not %r'
                          % (label, key, value))
        if older:
            return (lambda message, now: message.received is not None and now - message.received >= seconds), None
        return (lambda message, now: message.received is not None and now - message.received < seconds), None
    return compile_


class MatchKey(object):
    """A rule's match key: the message attribute it reads, how its value compiles into a test, and whether it
    asks the message's age (a message of unknown age, a release-log record, may then be taken as matching)."""

    def __init__(self, attribute, compile_, timed=False):
        self.attribute = attribute
        self.compile = compile_
        self.timed = timed


MATCH_KEYS = {
    'reason_code': MatchKey('reason_code', _regex_test('reason_code')),
    'sender': MatchKey('senders', _regex_test('senders', many=True)),
    'recipient': MatchKey('recipients', _regex_test('recipients', many=True)),
    'subject': MatchKey('subject', _regex_test('subject')),
    'reason': MatchKey('reason', _regex_test('reason')),
    'policy_info': MatchKey('policy_info', _regex_test('policy_info')),
    'route': MatchKey('route', _route),
    'has_attachments': MatchKey('has_attachments', _attachments),
    'older_than': MatchKey('received', _age_test(True), timed=True),
    'newer_than': MatchKey('received', _age_test(False), timed=True),
}


# ---------------------------------------------------------------------------------------------- the rules
class Rule(object):
    """One validated rule: its name, its action (a ``RuleAction``), its options (the rule keys the action takes,
    the write's options), its ``sender_policy``, its tests, the timed match keys it uses, and the rule as given."""

    __slots__ = ('name', 'action', 'options', 'sender_policy', 'tests', 'timed', 'source')

    def __init__(self, name, action, options, sender_policy, tests, timed, source):
        self.name = name
        self.action = action
        self.options = options
        self.sender_policy = sender_policy
        self.tests = tuple(tests)
        self.timed = tuple(timed)
        self.source = source

    def __repr__(self):
        return 'Rule(%r, %r)' % (self.name, self.action.name)


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


def canonical_sha256(value):
    """sha256 (hex) of the canonical JSON of ``value`` (keys sorted, no spaces, UTF-8): the same value, the same sum."""
    text = json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def rules_checksum(rules):
    """sha256 (hex) of the canonical JSON of the rules (keys sorted, no spaces, UTF-8): the same rules, the same sum."""
    return canonical_sha256(rules)


class Ruleset(object):
    """Validated rules: ``rules`` (:class:`Rule`, in order), ``source`` (the rules as given) and ``sha256``."""

    def __init__(self, rules, source):
        self.rules = list(rules)
        self.source = source
        self.sha256 = rules_checksum(source)

    @classmethod
    def load(cls, value):
        """Load and validate rules given as a list or as YAML/JSON text; raise :class:`RulesError` naming every problem."""
        source = load_rules(value)
        return cls(_validate(source), source)

    def decider(self, now=None, assume_timed=False):
        """``decide(message)``: the index of the first rule whose match holds for the message, or None.

        ``now`` (a datetime, epoch seconds, or None for the current time) is the reference of ``older_than`` and
        ``newer_than``; with ``assume_timed`` they hold for a message of unknown age.
        """
        now_epoch = to_epoch(now)
        flat = []
        for rule in self.rules:
            tests = list(rule.tests)
            if assume_timed:
                tests = [_assumed(test) if timed else test for test, timed in tests]
            else:
                tests = [test for test, dummy in tests]
            flat.append(tuple(tests))
        indexes = range(len(flat))

        def decide(message):
            for index in indexes:
                for test in flat[index]:
                    if not test(message, now_epoch):
                        break
                else:
                    return index
            return None
        return decide


def _assumed(test):
    return lambda message, now: message.received is None or test(message, now)


# ---------------------------------------------------------------------------------------------- validation
def _label(index, rule):
    name = rule.get('name') if isinstance(rule, dict) else None
    if isinstance(name, str) and name.strip():
        return "rule #%d '%s'" % (index + 1, name)
    return 'rule #%d (no name)' % (index + 1)


def _compile_match(label, match, problems):
    """``[(test, timed)]`` of a rule's ``match``; every problem is added to ``problems``."""
    names = ', '.join(MATCH_KEYS)
    if match is None:
        problems.append('%s: missing "match" (a mapping of at least one of: %s)' % (label, names))
        return []
    if not isinstance(match, dict):
        problems.append('%s: "match" must be a mapping, not %s' % (label, type(match).__name__))
        return []
    if not match:
        problems.append('%s: "match" is empty; give at least one of: %s' % (label, names))
        return []
    for key in match:
        if key not in MATCH_KEYS:
            problems.append('%s: unknown match key "%s" (allowed: %s)' % (label, key, names))
    tests = []
    for key, spec in MATCH_KEYS.items():
        if key in match:
            test, problem = spec.compile(label, key, match[key])
            if problem:
                problems.append(problem)
            else:
                tests.append((test, spec.timed))
    return tests


def _rule_keys():
    return ('name', 'match', 'action') + tuple(option_keys()) + ('sender_policy',)


def _check_name(label, rule, seen, index, problems):
    name = rule.get('name')
    if 'name' not in rule or name is None:
        problems.append('%s: missing "name"' % label)
    elif not isinstance(name, str) or not name.strip():
        problems.append('%s: "name" must be a non-empty string, not %r' % (label, name))
    elif name in seen:
        problems.append('%s: duplicate name (already used by rule #%d)' % (label, seen[name] + 1))
    else:
        seen[name] = index


def _check_options(label, rule, action, problems):
    """The options of ``action`` the rule gives (checked), and problems for the keys its action does not take."""
    options = {}
    own = set(option.key for option in action.options)
    for key in option_keys():
        if key in rule and key not in own:
            problems.append('%s: "%s" applies to %s rules only (this rule\'s action is %s)' % (
                label, key, ' and '.join(a.name for a in RULE_ACTIONS.values() if key in [o.key for o in a.options]), action.name))
    for option in action.options:
        if option.key not in rule or (option.required and rule[option.key] is None):
            if option.required:
                problems.append('%s: a %s rule needs "%s"%s' % (
                    label, action.name, option.key, ' (one of: %s)' % ', '.join(option.choices) if option.choices else ''))
            options[option.key] = option.default
            continue
        value, problem = option.check(option.key, rule[option.key])
        if problem:
            problems.append('%s: %s' % (label, problem))
        options[option.key] = value
    return options


def _check_sender_policy(label, rule, action, problems):
    if 'sender_policy' not in rule:
        return None
    value = rule['sender_policy']
    if action.sender_policy is None:
        with_policy = [a for a in RULE_ACTIONS.values() if a.sender_policy]
        problems.append('%s: "sender_policy" applies to %s only (this rule\'s action is %s)' % (
            label, ' and '.join('%s rules (%s)' % (a.name, a.sender_policy) for a in with_policy), action.name))
    elif value != action.sender_policy:
        problems.append('%s: sender_policy of a %s rule must be %s, not %r' % (label, action.name, action.sender_policy, value))
    return value


def _validate(rules):
    """The :class:`Rule` list of ``rules`` (as given); raise :class:`RulesError` naming every problem."""
    if not isinstance(rules, (list, tuple)):
        raise RulesError(['the rules must be a list of rules, not %s' % ('nothing' if rules is None else type(rules).__name__)])
    if not rules:
        raise RulesError(['the rules list is empty: give at least one rule'])
    problems, compiled, seen = [], [], {}
    keys = _rule_keys()
    for index, rule in enumerate(rules):
        label = _label(index, rule)
        if not isinstance(rule, dict):
            problems.append('%s: a rule must be a mapping with name, match and action, not %s' % (label, type(rule).__name__))
            continue
        found = ['%s: unknown key "%s" (allowed: %s)' % (label, key, ', '.join(keys)) for key in rule if key not in keys]
        _check_name(label, rule, seen, index, found)
        name = rule.get('action')
        action = RULE_ACTIONS.get(name) if isinstance(name, str) else None
        if name is None:
            found.append('%s: missing "action" (one of: %s)' % (label, ', '.join(RULE_ACTIONS)))
        elif action is None:
            found.append('%s: unknown action %r (one of: %s)' % (label, name, ', '.join(RULE_ACTIONS)))
        tests = _compile_match(label, rule.get('match'), found)
        options, policy = {}, None
        if action is not None:
            options = _check_options(label, rule, action, found)
            policy = _check_sender_policy(label, rule, action, found)
        if found:
            problems.extend(found)
            continue
        timed = tuple(key for key in rule['match'] if MATCH_KEYS[key].timed)
        compiled.append(Rule(rule['name'], action, options, policy, tests, timed, rule))
    if problems:
        raise RulesError(problems)
    return compiled
