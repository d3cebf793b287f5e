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
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.secops.mimecast.plugins.module_utils.dates import utc_iso
from ansible_collections.secops.mimecast.plugins.module_utils.message import HeldMessage
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import is_address
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import RULE_ACTIONS, acting


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
                 rules_source=None, rules_sha256=None):
        self.rules = list(rules)
        self.unmatched = list(unmatched)
        self.held = held if held is not None else sum(len(rule.ids) for rule in self.rules) + len(self.unmatched)
        self.window = window or {}
        self.as_of = as_of
        self.review = review or {}
        self.senders = senders or {}
        self.rules_source = rules_source
        self.rules_sha256 = rules_sha256

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

    def sender_entries(self):
        """The managed-sender entries the plan asks for, each (sender, recipient) once across the run.

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

    def plan(self, decisions, window=None):
        """The :class:`Plan` of the decisions (in the order the records were read); each id planned once."""
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
                    rules_source=self.ruleset.source, rules_sha256=self.ruleset.sha256)
