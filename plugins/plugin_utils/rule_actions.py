# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The table of rule actions: what a triage rule's ``action`` may be, one :class:`RuleAction` per entry.

An entry says which write action (``module_utils/write_actions.ACTIONS``) runs the rule's messages, which rule
keys it takes (its options, with their validation: they become the write's options), the one ``sender_policy``
value its rules may take, and, through its write action, its report counts and labels (``result_key``,
``verb``). The rules' validation, the planner, the writes a plan asks for, the report, the summary, the review
and the ``--diff`` sample read this table, so a rule action that writes is its write action, its entry here,
its docs and its tests. Messages of rules with the same action and the same options go in the same writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.records import parse_bool
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import ACTIONS as WRITE_ACTIONS
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import REASON_TYPES


class RuleOption(object):
    """A rule key an action takes. ``check(key, value)`` returns ``(value, problem)``: the value to use, or why not."""

    def __init__(self, key, check, required=False, default=None, choices=None):
        self.key = key
        self.check = check
        self.required = required
        self.default = default
        self.choices = choices


class RuleAction(object):
    """One rule action: ``write`` names its write action (None: the action writes nothing, as ``keep``)."""

    def __init__(self, name, write=None, options=(), sender_policy=None):
        self.name = name
        self.write = write
        self.options = tuple(options)
        self.sender_policy = sender_policy

    @property
    def write_action(self):
        return WRITE_ACTIONS[self.write] if self.write else None

    @property
    def acts(self):
        return self.write is not None

    @property
    def result_key(self):
        """The key of its count in the report (``released``), or None."""
        return self.write_action.result_key if self.acts else None

    def verb(self, dry):
        """How the report says it: ``released`` (``would release`` in a dry run), ``kept held`` for keep."""
        if not self.acts:
            return 'kept held'
        return 'would %s' % self.name if dry else self.write_action.verb

    def __repr__(self):
        return 'RuleAction(%r)' % self.name


def _text(key, value):
    if value is None or isinstance(value, str):
        return (value or None), None
    return None, '"%s" must be a string, not %s' % (key, type(value).__name__)


def _bool(key, value):
    flag = parse_bool(value)
    if flag is None:
        return False, '"%s" must be a boolean (true or false), not %r' % (key, value)
    return flag, None


def _choice(choices):
    def check(key, value):
        if not isinstance(value, str) or value not in choices:
            return None, 'unknown %s %r (one of: %s)' % (key, value, ', '.join(choices))
        return value, None
    return check


RULE_ACTIONS = dict((action.name, action) for action in (
    RuleAction('release', write='release', sender_policy='permit'),
    RuleAction('reject', write='reject', sender_policy='block', options=(
        RuleOption('reason_type', _choice(REASON_TYPES), required=True, choices=REASON_TYPES),
        RuleOption('message', _text),
        RuleOption('notify', _bool, default=False),
    )),
    RuleAction('keep'),
))


def acting():
    """The rule actions that write, in the table's order (their writes run in this order)."""
    return [action for action in RULE_ACTIONS.values() if action.acts]


def option_keys():
    """Every rule key some action takes (``reason_type``, ``message``, ``notify``), in the table's order."""
    keys = []
    for action in RULE_ACTIONS.values():
        for option in action.options:
            if option.key not in keys:
                keys.append(option.key)
    return keys


# each policy's total in the report (totals.permitted, totals.blocked), also its past participle in the summary
SENDER_POLICY_TOTALS = {'permit': 'permitted', 'block': 'blocked'}
