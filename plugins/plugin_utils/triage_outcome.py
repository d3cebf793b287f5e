# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a triage run did with its plan: the :class:`Outcome`, and the two ways one is made.

``run_plan`` carries a plan out through the write engine (the managed-sender entries first, then each write of
``Plan.steps()``); ``outcome_from_tasks`` reads the results a composed playbook registered (one task per write),
the only place task results are parsed. The JSON report, the summary, the review and the task result all read
the outcome: per message done, not held any more, failed (with the API's code) or held back (its managed-sender
entries were not set); the managed-sender entries set and those that were not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.dates import utc_iso
from ansible_collections.secops.mimecast.plugins.module_utils.errors import MimecastError
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import ACTIONS as WRITE_ACTIONS
from ansible_collections.secops.mimecast.plugins.module_utils.write_engine import WriteEngine
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import SENDER_POLICY_TOTALS, acting
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_plan import as_list

SENDERS = WRITE_ACTIONS['managed_sender']
NO_SENDER_OUTCOME = ('no_outcome', 'the managed-sender write reported nothing for it')


def error_detail(exc):
    """``(code, message)`` of a write that failed as a whole."""
    return (exc.codes[0] if exc.codes else exc.code) or 'task_failed', exc.msg


class Outcome(object):
    """Per message of a plan, what the run did; the managed-sender entries set and not set.

    ``done``, ``not_held``: sets of ids; ``failures``: ``[{id, code, message, retryable}]`` in the order they came
    (``failed`` indexes them by id); ``held_back``: ``{id: failure}`` of the messages left held because their
    entries were not set (they are failures too); ``senders``: the plan's ``sender_entries()`` (None without a
    ``sender_policy``), ``sender_keys``: the entries set, as ``(sender, to, action)``; ``sender_errors``: ``{(sender,
    to): (code, message)}`` of those not set. When the run applied a signed-off plan: ``applied``, its digest, and
    ``not_in_plan``, ``{id: review fields}`` of the messages held now in its window that it does not hold (left alone).
    """

    def __init__(self, plan, check_mode=False, generated_at=None):
        self.plan = plan
        self.check_mode = bool(check_mode)
        self.generated_at = generated_at or utc_iso()
        self.done = set()
        self.not_held = set()
        self.failures = []
        self.failed = {}
        self.held_back = {}
        self.senders = None
        self.sender_keys = []
        self.sender_errors = {}
        self.applied = None
        self.not_in_plan = None

    def fail(self, rid, code, message, retryable):
        if rid not in self.failed and rid not in self.done:
            failure = {'id': rid, 'code': code, 'message': message, 'retryable': bool(retryable)}
            self.failed[rid] = failure
            self.failures.append(failure)

    def add(self, ids, done=(), absent=(), failures=(), error=None, missing=None):
        """What one write did for ``ids``: ``done`` and ``absent`` ids, per-id ``failures``; ``error`` ``(code,
        message)`` when the write failed as a whole; every other id of ``ids`` fails with ``missing`` ``(code,
        message)`` (default: the error, else ``no_outcome``)."""
        self.done.update(done)
        self.not_held.update(absent)
        for failure in failures:
            self.fail(failure.get('id'), failure.get('code'), failure.get('message'), failure.get('retryable', False))
        code, message = error or missing or ('no_outcome', 'the task reported no outcome for this id')
        for rid in ids:
            if rid not in self.done and rid not in self.not_held and rid not in self.failed:
                self.fail(rid, code, message, True)

    def hold_back(self, sender_outcome=None, error=None):
        """The managed-sender write's outcome (its engine result), or ``error`` when it failed as a whole: which
        entries were set, and which messages stay held because theirs were not."""
        senders = self.senders
        outcome = sender_outcome or {}
        self.sender_keys = list(outcome.get('done') or [])
        set_pairs = set((key[0], key[1]) for key in self.sender_keys)
        for failure in outcome.get('failures') or []:
            entry = failure.get('id')
            if isinstance(entry, dict):
                self.sender_errors[(entry.get('sender'), entry.get('to'))] = (failure.get('code'), failure.get('message'),
                                                                              bool(failure.get('retryable')))
        unknown = (error[0], error[1], True) if error else NO_SENDER_OUTCOME + (True,)
        for rid, problem in senders['problems'].items():
            self.held_back[rid] = {'id': rid, 'code': problem['code'], 'retryable': False,
                                   'message': 'left held, its managed-sender entries cannot be set: %s' % problem['message']}
        for rid, pairs in senders['by_id'].items():
            bad = [(pair,) + self.sender_errors.get(pair, unknown) for pair in pairs if pair not in set_pairs]
            for pair, code, message, dummy in bad:
                self.sender_errors.setdefault(pair, (code, message, True))
            if bad:
                self.held_back[rid] = {
                    'id': rid, 'code': bad[0][1], 'retryable': all(b[3] for b in bad),
                    'message': 'left held, its managed-sender entr%s %s not set: %s' % (
                        'y was' if len(bad) == 1 else 'ies were', ', '.join('%s -> %s (%s)' % (b[0][0], b[0][1], b[1]) for b in bad), bad[0][2])}

    def status(self, rid):
        """``done``, ``failed``, ``not_held``, or None (no write was asked for it)."""
        if rid in self.failed:
            return 'failed'
        if rid in self.done:
            return 'done'
        if rid in self.not_held:
            return 'not_held'
        return None

    def counts(self):
        """``(totals, per rule)``: the report's counts. ``totals``: held, each acting action's done count (its
        ``result_key``), failed, kept (held - done - failed) and not_held; per rule (a list in the plan's order) the
        same counts of its own ids."""
        plan = self.plan
        totals = {'held': plan.held, 'failed': len(self.failed)}
        per_rule = []
        keys = [action.result_key for action in acting()]
        acted = 0
        for rule in plan.rules:
            counts = dict((key, 0) for key in keys)
            counts.update(not_held=0, failed=0)
            if rule.action.acts:
                key = rule.action.result_key
                for rid in rule.ids:
                    status = self.status(rid)
                    if status == 'done':
                        counts[key] += 1
                    elif status == 'failed':
                        counts['failed'] += 1
                    elif status == 'not_held':
                        counts['not_held'] += 1
                acted += counts[key]
            per_rule.append(counts)
        for key in keys:
            totals[key] = sum(counts[key] for counts in per_rule)
        totals['kept'] = plan.held - acted - totals['failed']
        totals['not_held'] = len(set(self.not_held) - self.done - set(self.failed))
        if self.not_in_plan is not None:
            totals['not_in_plan'] = len(self.not_in_plan)
        if self.senders is not None:
            for policy, total in SENDER_POLICY_TOTALS.items():
                totals[total] = sum(1 for key in self.sender_keys if key[2] == policy)
            totals['sender_failed'] = len(self.held_back)
        return totals, per_rule

    @property
    def changed(self):
        return bool(self.done) or bool(self.sender_keys)


# --------------------------------------------------------------------------------------------- carrying it out
def run_plan(client, plan, check_mode=False, batch_size=100, concurrency=4, progress=None, gone=(), not_in_plan=None):
    """Carry ``plan`` out and return its :class:`Outcome`.

    The managed-sender entries of rules with a ``sender_policy`` are set first (a set is safe to repeat); a message
    whose entries could not be set is left held (a failure of its rule), so that a rerun does both. Then each write
    of ``plan.steps()``, without reading the queue again (the plan has just read it). ``progress(verb)``, when given,
    returns the ``progress(answered, total)`` of one write (called as its answers come). ``gone``: ids of the plan
    that a read just made found no longer held (a signed-off plan applied later): not held, nothing sent for them;
    ``not_in_plan``: with a signed-off plan, ``{id: review fields}`` of the messages that read found held that the
    plan does not hold (the outcome then says the plan was applied).
    """
    outcome = Outcome(plan, check_mode)
    if not_in_plan is not None:
        outcome.applied, outcome.not_in_plan = plan.digest(), not_in_plan
    gone = frozenset(gone)
    if gone:
        outcome.not_held.update(rid for rule in plan.rules if rule.action.acts for rid in rule.ids if rid in gone)
    if plan.has_sender_policy:
        outcome.senders = plan.sender_entries(skip=gone)
        result, error = _write(client, SENDERS, {}, outcome.senders['entries'], check_mode, batch_size, concurrency, progress)
        outcome.hold_back(result, error)
    for step in plan.steps():
        todo = [rid for rid in step.ids if rid not in outcome.held_back and rid not in gone]
        result, error = _write(client, step.action.write_action, step.options, todo, check_mode, batch_size, concurrency, progress)
        result = result or {}
        failures = list(result.get('failures', ())) + [outcome.held_back[rid] for rid in step.ids if rid in outcome.held_back]
        outcome.add(todo, result.get('done', ()), list(result.get('absent', ())) + list(result.get('not_found', ())), failures, error)
    return outcome


def _write(client, action, options, items, check_mode, batch_size, concurrency, progress):
    """``(engine result, None)``, or ``(None, (code, message))`` when the write failed as a whole."""
    if not items:
        return {'done': [], 'absent': [], 'failures': []}, None
    verb = action.dry_label if check_mode else action.label
    try:
        engine = WriteEngine(client, action, options, batch_size=batch_size, concurrency=concurrency, verify=False,
                             progress=progress(verb) if progress else None)
        return engine.run(list(items), check_mode=check_mode), None
    except MimecastError as exc:
        return None, error_detail(exc)


# --------------------------------------------------------------------------------- a composed playbook's results
def task_error(result, done_key):
    """``(code, message)`` of a registered task that failed as a whole (no per-id outcome), or None.

    A task registered with ``failed_when: false`` has ``failed`` cleared: a result with a ``msg`` but without its
    per-id lists failed as a whole all the same.
    """
    if not isinstance(result, dict):
        return None
    if not result.get('failed') and not (result.get('msg') and done_key not in result):
        return None
    error = result.get('error') if isinstance(result.get('error'), dict) else {}
    codes = error.get('codes') or []
    code = codes[0] if codes else (error.get('code') or 'task_failed')
    return code, str(result.get('msg') or error.get('msg') or 'the task failed')


def outcome_from_tasks(plan, results, check_mode=False, now=None):
    """The :class:`Outcome` of ``plan`` from the results a composed playbook registered: ``results`` maps a rule
    action's name to its write tasks' results, in the order of its steps (``{'release': [result], 'reject': [one
    per group]}``); a loop result naming its group in ``item`` is taken for that group's ids."""
    outcome = Outcome(plan, check_mode, generated_at=utc_iso(now) if now is not None else None)
    index = {}
    for step in plan.steps():
        name = step.action.name
        position = index.get(name, 0)
        index[name] = position + 1
        found = as_list(results.get(name))
        result = found[position] if position < len(found) else None
        item = result.get('item') if isinstance(result, dict) else None
        ids = as_list(item.get('ids')) if isinstance(item, dict) and 'ids' in item else step.ids
        if not isinstance(result, dict) or result.get('skipped'):
            result = {}
        done_key = step.action.result_key
        missing = ('not_attempted', 'the %s task did not run' % name) if not result else None
        failures = [f for f in as_list(result.get('failures')) if isinstance(f, dict) and f.get('id') is not None]
        outcome.add(ids, as_list(result.get(done_key)), as_list(result.get('not_held')) + as_list(result.get('not_found')),
                    failures, task_error(result, done_key), missing)
    return outcome
