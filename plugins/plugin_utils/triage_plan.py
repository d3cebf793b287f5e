# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The triage plan: what the rules decided for every held message, and the writes that carries out.

A :class:`Planner` decides each held record as it is read (``Planner.decide``, given to ``held.read_held_all`` as
``keep=``) and keeps only the decision, so a queue of 100,000 messages is never all in memory; ``Planner.plan``
then makes the :class:`Plan`: per rule its action, options, ``sender_policy`` and ids; the ids no rule matched;
the window and the time of the read; per message the few fields a person needs to review it; per message of a
rule with a ``sender_policy`` its managed-sender pairs. ``Plan.steps()`` are the writes, one per rule action and
set of options, in the action table's order; ``Plan.sender_entries()`` the managed-sender entries to set first.

A plan is also what a person signs off: ``Plan.content()`` is everything that decides what applying it does (the
tenant, the time of the read, the window, the rules' checksum, per rule its action, options, ``sender_policy`` and
ids, the ids no rule matched, the managed-sender pairs), ``Plan.digest()`` the sha256 of its canonical JSON, and
``Plan.to_report()`` / ``Plan.from_report(report)`` the ``plan`` section of a triage report and the plan it holds
(``PlanError`` names what is wrong with one that does not hold a plan). A plan's content does not change once it
is made or loaded.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_api_epoch, utc_iso
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.message import HeldMessage
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import is_address
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import RULE_ACTIONS, acting
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import canonical_sha256

# the version of a report's ``plan`` section (in the digest: a plan of another format is never read as this one)
PLAN_FORMAT = 1


class PlanError(InputError):
    """A plan that cannot be applied, refused before any request; ``code`` says why (``plan_edited``...)."""

    default_code = 'plan_refused'

    def __init__(self, msg, code=None):
        super(PlanError, self).__init__(msg, codes=[code] if code else None)


# What a person reads of a message to review a decision, as a plain tuple in this order (``received`` the API's
# text, ``recipients`` a tuple): kept for every held message of a plan, so it holds no more than it must.
REVIEW_FIELDS = ('received', 'sender', 'recipients', 'subject', 'reason_code')
NO_REVIEW = ('', '', (), '', '')


def review_of(message):
    """The :data:`REVIEW_FIELDS` of a message view."""
    return (message.received_at or '', message.sender, message.recipients, message.subject or '', message.reason_code or '')


class SenderPairs(object):
    """The managed-sender pairs of a message: (envelope sender, recipient) in lower case, or why there are none."""

    __slots__ = ('pairs', 'problem', 'sender', 'to')

    def __init__(self, pairs=(), problem=None, sender=None, to=None):
        self.pairs = list(pairs)
        self.problem = problem
        self.sender = sender
        self.to = to

    @classmethod
    def of(cls, message):
        """The recipients are the envelope ``to`` addresses, the header ``toHeader`` ones only when the envelope has none."""
        sender = (message.envelope_sender or '').strip().lower()
        rcpts = []
        for addr in message.envelope_recipients:
            addr = addr.strip().lower()
            if addr and addr not in rcpts:
                rcpts.append(addr)
        found = cls(sender=sender or None, to=', '.join(rcpts) or None)
        if not sender:
            found.problem = 'the message has no envelope sender address'
        elif not rcpts:
            found.problem = 'the message has no recipient address'
        else:
            bad = [a for a in [sender] + rcpts if not is_address(a)]
            if bad:
                found.problem = 'not an e-mail address a managed-sender entry can take: %s' % ', '.join(bad)
            else:
                found.pairs = [(sender, rcpt) for rcpt in rcpts]
        return found

    def to_dict(self):
        """The pairs as a plan holds them: ``{pairs: [[sender, recipient]]}``, or ``{problem, sender, to}``."""
        if self.problem:
            return {'problem': self.problem, 'sender': self.sender, 'to': self.to}
        return {'pairs': [[sender, rcpt] for sender, rcpt in self.pairs]}

    @classmethod
    def from_dict(cls, value):
        """The pairs of :meth:`to_dict`; raises ``ValueError`` for anything else."""
        if not isinstance(value, dict):
            raise ValueError('not a mapping')
        if value.get('problem'):
            return cls(problem=_text(value['problem']), sender=_text(value.get('sender'), True), to=_text(value.get('to'), True))
        pairs = value.get('pairs')
        if not isinstance(pairs, list) or not pairs:
            raise ValueError('neither pairs nor a problem')
        found = []
        for pair in pairs:
            if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(a, str) and is_address(a) for a in pair):
                raise ValueError('a pair must be [sender address, recipient address], not %r' % (pair,))
            found.append((pair[0], pair[1]))
        return cls(found, sender=found[0][0], to=', '.join(rcpt for dummy, rcpt in found))


def _text(value, optional=False):
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError('%r is not a text' % (value,))
    return value


class RulePlan(object):
    """One rule of a plan: its name, action (a ``RuleAction``), options, ``sender_policy`` and the ids it decided."""

    __slots__ = ('name', 'action', 'options', 'sender_policy', 'ids')

    def __init__(self, name, action, options=None, sender_policy=None, ids=None):
        self.name = name
        self.action = action
        self.options = dict(options or {})
        self.sender_policy = sender_policy
        self.ids = list(ids or [])

    def option_key(self):
        return tuple(self.options.get(option.key) for option in self.action.options)


class Step(object):
    """One write of a plan: a rule action with one set of options over the ids of the rules that share them."""

    __slots__ = ('action', 'options', 'ids', 'rules')

    def __init__(self, action, options, ids, rules):
        self.action = action
        self.options = options
        self.ids = ids
        self.rules = rules


class Plan(object):
    """What to do with every held message of a window (see the module's docstring)."""

    def __init__(self, rules, unmatched=(), held=None, window=None, as_of=None, review=None, senders=None,
                 rules_source=None, rules_sha256=None, tenant=None, admin=True, stated=None):
        self.rules = list(rules)
        self.unmatched = list(unmatched)
        self.held = held if held is not None else sum(len(rule.ids) for rule in self.rules) + len(self.unmatched)
        self.window = window or {}
        self.as_of = as_of
        self.review = review or {}
        self.senders = senders or {}
        self.rules_source = rules_source
        self.rules_sha256 = rules_sha256
        self.tenant = tenant
        self.admin = admin
        # a loaded plan: the digest its report states (its content must give it)
        self.stated = stated
        self._digest = None

    @property
    def kept(self):
        """How many held messages no rule acts on (a keep rule's and those no rule matched)."""
        return self.held - sum(len(rule.ids) for rule in self.rules if rule.action.acts)

    def steps(self):
        """The writes, in the action table's order; within an action one per set of options, in the rules' order."""
        out = []
        for action in acting():
            groups = {}
            for rule in self.rules:
                if rule.action is not action or not rule.ids:
                    continue
                key = rule.option_key()
                if key not in groups:
                    groups[key] = Step(action, dict(rule.options), [], [])
                    out.append(groups[key])
                groups[key].ids.extend(rule.ids)
                groups[key].rules.append(rule.name)
        return out

    def sender_entries(self, skip=()):
        """The managed-sender entries the plan asks for, each (sender, recipient) once across the run (the messages
        of ``skip``, a set of ids, left out: the entries of a message that is not held any more are not set).

        Returns ``{'entries': [{sender, to, action}], 'rule_of': {(sender, to): rule name}, 'by_id': {id: [(sender,
        to)]}, 'problems': {id: {code, message, rule, action, pairs}}}``. A message with no usable pair, or with a
        pair that one rule would permit and another block, has a problem instead: it is left held, and a
        conflicting pair is not sent (its other pairs are: a set is harmless).
        """
        action_of, rule_of, by_id, problems = {}, {}, {}, {}
        policy_of = {}  # id -> (rule name, sender_policy)
        conflicts = set()
        order = []
        for rule in self.rules:
            policy = rule.sender_policy
            if policy is None:
                continue
            for rid in rule.ids:
                if rid in skip:
                    continue
                found = self.senders.get(rid) or SenderPairs(problem='no sender information for this message')
                if found.problem:
                    problems[rid] = {'code': 'sender_address_invalid', 'message': found.problem, 'rule': rule.name,
                                     'action': policy, 'pairs': [(found.sender, found.to)]}
                    continue
                by_id[rid] = list(found.pairs)
                policy_of[rid] = (rule.name, policy)
                for pair in found.pairs:
                    if pair not in action_of:
                        action_of[pair] = policy
                        rule_of[pair] = rule.name
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

    @property
    def has_sender_policy(self):
        return any(rule.sender_policy for rule in self.rules)

    # ------------------------------------------------------------------------ what a person signs off
    def content(self):
        """Everything that decides what applying the plan does: what its digest is over."""
        return {
            'format': PLAN_FORMAT, 'tenant': self.tenant, 'as_of': self.as_of, 'window': self.window, 'admin': self.admin,
            'rules_sha256': self.rules_sha256,
            'rules': [{'name': rule.name, 'action': rule.action.name, 'options': rule.options, 'sender_policy': rule.sender_policy,
                       'ids': rule.ids} for rule in self.rules],
            'unmatched': self.unmatched,
            'senders': dict((rid, found.to_dict()) for rid, found in self.senders.items()),
        }

    def digest(self):
        """``sha256:<64 hex>`` of the canonical JSON of :meth:`content`: the same plan, the same digest."""
        if self._digest is None:
            self._digest = 'sha256:' + canonical_sha256(self.content())
        return self._digest

    def to_report(self):
        """The report's ``plan`` section: the digest, and what the report's ``rules`` and ``rules_sha256`` do not hold of
        the plan's content (with the rules as given, which ``rules_sha256`` is the checksum of)."""
        content = self.content()
        out = {'digest': self.digest(), 'rules_given': self.rules_source}
        out.update((key, content[key]) for key in ('format', 'as_of', 'tenant', 'window', 'admin', 'unmatched', 'senders'))
        return out

    @classmethod
    def from_report(cls, report):
        """The plan a triage report holds (its ``rules``, ``rules_sha256`` and ``plan`` section), as :meth:`to_report`
        wrote it; raises :class:`PlanError` (``plan_invalid``) naming what is missing or malformed. ``Plan.stated``
        is the digest the report states (compare it with :meth:`digest`)."""
        return _PlanReader(report).plan()

    # ------------------------------------------------------------------------ mimecast_triage_plan's result
    def to_result(self):
        """The plan as ``mimecast_triage_plan`` returns it: ``held``, ``rules`` (with ``ids``), ``release_ids``,
        ``reject_groups`` (each action's writes, keyed ``<action>_ids`` without options, ``<action>_groups`` with
        them) and ``kept``."""
        out = {'held': self.held, 'rules': [], 'kept': self.kept}
        for rule in self.rules:
            entry = {'name': rule.name, 'action': rule.action.name, 'matched': len(rule.ids), 'ids': list(rule.ids)}
            entry.update(rule.options)
            if rule.sender_policy is not None:
                entry['sender_policy'] = rule.sender_policy
            out['rules'].append(entry)
        steps = self.steps()
        for action in acting():
            mine = [step for step in steps if step.action is action]
            if action.options:
                out['%s_groups' % action.name] = [dict(step.options, ids=list(step.ids), rules=list(step.rules)) for step in mine]
            else:
                out['%s_ids' % action.name] = [rid for step in mine for rid in step.ids]
        return out

    @classmethod
    def from_result(cls, result):
        """The plan of a ``mimecast_triage_plan`` result (the composed playbook's registered plan): its rules and ids."""
        rules = []
        for entry in result.get('rules') or []:
            action = RULE_ACTIONS.get(entry.get('action')) if isinstance(entry, dict) else None
            if action is None:
                continue
            options = dict((option.key, entry.get(option.key, option.default)) for option in action.options)
            rules.append(RulePlan(entry.get('name'), action, options, entry.get('sender_policy'), as_list(entry.get('ids'))))
        return cls(rules, held=int(result.get('held', 0) or 0))


class _PlanReader(object):
    """Reads the plan of a report, naming the first thing that is not what a triage report holds."""

    def __init__(self, report):
        self.report = report

    def fail(self, what):
        raise PlanError('it does not hold a plan that can be applied: %s' % what, 'plan_invalid')

    def section(self):
        report = self.report
        if not isinstance(report, dict):
            self.fail('a triage report is a JSON object, not %s' % type(report).__name__)
        section = report.get('plan')
        if not isinstance(section, dict) or not isinstance(section.get('digest'), str):
            self.fail('it has no "plan" with a "digest" (every triage report of secops.mimecast 1.1.0 or later has one)')
        if section.get('format') != PLAN_FORMAT:
            self.fail('its plan has format %r; this version reads format %d' % (section.get('format'), PLAN_FORMAT))
        for key, kinds in (('as_of', str), ('tenant', str), ('window', dict), ('admin', bool), ('unmatched', list), ('senders', dict)):
            if not isinstance(section.get(key), kinds):
                self.fail('plan.%s is missing or malformed' % key)
        if parse_api_epoch(section['as_of']) is None:
            self.fail('plan.as_of %r is not a time' % (section['as_of'],))
        if not all(isinstance(key, str) and isinstance(value, str) for key, value in section['window'].items()):
            self.fail('plan.window must map start and end to dates')
        if not isinstance(report.get('rules_sha256'), str) or not isinstance(report.get('rules'), list):
            self.fail('"rules" and "rules_sha256" are missing or malformed')
        return section

    def rule(self, index, entry):
        label = 'rule #%d' % (index + 1)
        if not isinstance(entry, dict) or not isinstance(entry.get('name'), str):
            self.fail('%s has no name' % label)
        label = "rule #%d '%s'" % (index + 1, entry['name'])
        action = RULE_ACTIONS.get(entry.get('action')) if isinstance(entry.get('action'), str) else None
        if action is None:
            self.fail('%s: unknown action %r' % (label, entry.get('action')))
        options = {}
        for option in action.options:
            value = entry.get(option.key, option.default)
            if value is None and not option.required:
                options[option.key] = None
                continue
            checked, problem = option.check(option.key, value)
            if problem or checked != value or isinstance(checked, bool) != isinstance(value, bool):
                self.fail('%s: %s' % (label, problem or '"%s" is %r, not as a triage report writes it' % (option.key, value)))
            options[option.key] = checked
        policy = entry.get('sender_policy')
        if policy is not None and policy != action.sender_policy:
            self.fail('%s: sender_policy %r does not go with action %s' % (label, policy, action.name))
        return RulePlan(entry['name'], action, options, policy, self.ids(entry.get('ids'), '%s: ids' % label))

    def ids(self, value, what):
        if not isinstance(value, list) or not all(isinstance(rid, str) and rid for rid in value):
            self.fail('%s must be a list of message ids' % what)
        return value

    def plan(self):
        section = self.section()
        report = self.report
        rules = [self.rule(index, entry) for index, entry in enumerate(report['rules'])]
        unmatched = self.ids(section['unmatched'], 'plan.unmatched')
        seen = set(unmatched)
        count = len(unmatched)
        for rule in rules:
            seen.update(rule.ids)
            count += len(rule.ids)
        if len(seen) != count:
            self.fail('a message id is planned more than once')
        senders = {}
        for rid, value in section['senders'].items():
            try:
                senders[rid] = SenderPairs.from_dict(value)
            except ValueError as exc:
                self.fail('plan.senders of %s: %s' % (rid, exc))
        plan = Plan(rules, unmatched, window=section['window'], as_of=section['as_of'], senders=senders,
                    rules_source=section.get('rules_given'), rules_sha256=report['rules_sha256'], tenant=section['tenant'],
                    admin=section['admin'], stated=section['digest'])
        return plan


def as_list(value):
    """A registered result's list: None is empty, a single value a list of one."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


class Planner(object):
    """Decides held records with a ruleset, one at a time, and makes the plan from the decisions."""

    def __init__(self, ruleset, now=None):
        self.ruleset = ruleset
        self.now = now or datetime.datetime.now(datetime.timezone.utc)
        self._decide = ruleset.decider(self.now)
        self._with_senders = [rule.sender_policy is not None for rule in ruleset.rules]

    def decide(self, record):
        """``(id, rule index or None, SenderPairs or None, review fields)`` of a raw held record; None without an id."""
        message = HeldMessage(record)
        rid = message.id
        if not rid:
            return None
        index = self._decide(message)
        pairs = SenderPairs.of(message) if index is not None and self._with_senders[index] else None
        return (rid, index, pairs, review_of(message))

    def plan(self, decisions, window=None, tenant=None, admin=True):
        """The :class:`Plan` of the decisions (in the order the records were read); each id planned once. ``tenant``:
        the fingerprint of the connection (``signed_plan.tenant_fingerprint``); ``admin``: whose messages were read."""
        rules = [RulePlan(rule.name, rule.action, rule.options, rule.sender_policy) for rule in self.ruleset.rules]
        unmatched, review, senders, seen = [], {}, {}, set()
        for entry in decisions:
            if entry is None:
                continue
            rid, index, pairs, fields = entry
            if rid in seen:
                continue
            seen.add(rid)
            review[rid] = fields
            if index is None:
                unmatched.append(rid)
                continue
            rules[index].ids.append(rid)
            if pairs is not None:
                senders[rid] = pairs
        return Plan(rules, unmatched, held=len(seen), window=window, as_of=utc_iso(self.now), review=review, senders=senders,
                    rules_source=self.ruleset.source, rules_sha256=self.ruleset.sha256, tenant=tenant, admin=admin)
