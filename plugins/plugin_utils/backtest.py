# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Back-testing triage rules against the held release log: would the rules have done what people did?

Each release-log record is read as the held message it was (``module_utils/message.LoggedMessage``) and decided by
the triage's own rules code (``Ruleset.decider`` with ``assume_timed``: a log record has no received time, so
``older_than`` / ``newer_than`` are taken as holding). Its class compares the deciding rule's action, through its
entry of the action table (``RuleAction.result_key``), with the person's ``status``:

==================  ===================================================================================
``agree``           the rule's action is what the person did (release and released, reject and rejected)
``release_rejected``  the rules would release what a person rejected (the dangerous disagreement)
``reject_released``   the rules would reject what a person released
``kept``            no rule, a keep rule, or an action that neither releases nor rejects: left to a person
==================  ===================================================================================

:class:`Backtest` takes the records one at a time as they are read and keeps only the counts, and the few fields of
each disagreement, so a log of any length is never in memory. :func:`build_report` makes the JSON report.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.dates import report_date, utc_iso
from ansible_collections.secops.mimecast.plugins.module_utils.message import LoggedMessage

CLASSES = ('agree', 'release_rejected', 'reject_released', 'kept')
# (what the rules would do, as its report key; what the person did) -> the class of a disagreement, the dangerous first
DISAGREEMENT = {('released', 'rejected'): 'release_rejected', ('rejected', 'released'): 'reject_released'}
DISAGREEMENTS = ('release_rejected', 'reject_released')
STATUSES = ('released', 'rejected')
DISAGREEMENT_FIELDS = ('id', 'rule', 'action', 'decision', 'operator', 'released', 'sender', 'recipients', 'subject',
                       'held_reason')


def classify(action, status):
    """The class of a record whose deciding rule has ``action`` (a ``RuleAction``, or None: no rule) when the person's
    decision was ``status`` (``released`` or ``rejected``)."""
    done = action.result_key if action is not None else None
    if done not in STATUSES:
        return 'kept'
    if done == status:
        return 'agree'
    return DISAGREEMENT[(done, status)]


def fraction(part, whole):
    """``part / whole`` rounded to 4 places; 0 when ``whole`` is 0."""
    return round(float(part) / whole, 4) if whole else 0


class Backtest(object):
    """The rules' decision on every record :meth:`add` is given, counted by class, in total and per rule.

    ``disagreements`` holds the fields of each record the rules would have decided otherwise than the person
    (:data:`DISAGREEMENT_FIELDS`, and its ``class``); ``unclassified`` counts records whose status is neither
    released nor rejected (not counted in ``records``).
    """

    def __init__(self, ruleset, now=None):
        self.ruleset = ruleset
        self.rules = ruleset.rules
        self.decide = ruleset.decider(now, assume_timed=True)
        self.per_rule = [dict.fromkeys(CLASSES, 0) for dummy in self.rules]
        self.totals = dict.fromkeys(CLASSES, 0)
        self.records = 0
        self.no_rule = 0
        self.unclassified = 0
        self.disagreements = []

    def add(self, record):
        """Decide one release-log record (camelCase as the API sends it, or snake_case) and count it; its class."""
        message = LoggedMessage(record)
        status = message.status
        if status not in STATUSES:
            self.unclassified += 1
            return None
        self.records += 1
        index = self.decide(message)
        if index is None:
            self.no_rule += 1
            self.totals['kept'] += 1
            return 'kept'
        rule = self.rules[index]
        found = classify(rule.action, status)
        self.totals[found] += 1
        self.per_rule[index][found] += 1
        if found in DISAGREEMENTS:
            self.disagreements.append(disagreement(message, rule, status, found))
        return found


def disagreement(message, rule, status, found):
    """The fields of a disagreement the report lists: the record's, the rule's and the person's."""
    released = message.released
    return {
        'class': found,
        'id': message.id,
        'rule': rule.name,
        'action': rule.action.name,
        'decision': status,
        'operator': message.operator,
        'released': utc_iso(released) if released is not None else (message.record.get('released') or ''),
        'epoch': released or 0,
        'sender': message.sender,
        'recipients': list(message.recipients),
        'subject': message.subject or '',
        'held_reason': message.reason or '',
    }


def ordered(disagreements):
    """The disagreements as the report lists them: the dangerous class first, then the newest first in each."""
    rank = dict((name, index) for index, name in enumerate(DISAGREEMENTS))
    out = sorted(disagreements, key=lambda d: (rank[d['class']], -d['epoch'], d['id']))
    return [dict((k, v) for k, v in d.items() if k != 'epoch') for d in out]


def build_report(backtest, window, generated_at=None, max_disagreements=None):
    """The JSON report of a back-test: totals, per rule, the disagreements (dangerous first), the window, the checksum.

    With ``max_disagreements`` (the CI gate), ``gate`` says whether the disagreements are within it.
    """
    totals = dict(backtest.totals)
    records = backtest.records
    decided = records - totals['kept']
    totals.update(records=records, coverage=fraction(decided, records), agreement=fraction(totals['agree'], decided),
                  disagreements=sum(totals[name] for name in DISAGREEMENTS), no_rule=backtest.no_rule,
                  unclassified=backtest.unclassified)
    rules = []
    for rule, counts in zip(backtest.rules, backtest.per_rule):
        entry = {'name': rule.name, 'action': rule.action.name, 'assumed': list(rule.timed)}
        entry.update(counts)
        entry['decided'] = sum(counts.values())
        rules.append(entry)
    report = {
        'totals': totals,
        'rules': rules,
        'disagreements': ordered(backtest.disagreements),
        'window': dict(window),
        'rules_sha256': backtest.ruleset.sha256,
        'generated_at': utc_iso(generated_at),
    }
    if max_disagreements is not None:
        report['gate'] = {'max_disagreements': max_disagreements, 'passed': totals['disagreements'] <= max_disagreements}
    return report


def percent(value):
    return '%.1f %%' % (100.0 * value)


def totals_line(totals):
    """``records 500: agree 400, release_rejected 10, reject_released 5, kept 85; coverage 83.0 %, agreement 96.4 %``."""
    return 'records %d: %s; coverage %s, agreement %s' % (
        totals['records'], ', '.join('%s %d' % (name, totals[name]) for name in CLASSES), percent(totals['coverage']),
        percent(totals['agreement']))


def summary_lines(report):
    """One line per rule, the window, the gate, then the totals (last)."""
    lines = []
    for rule in report['rules']:
        counts = ', '.join('%s %d' % (name, rule[name]) for name in CLASSES if rule[name])
        line = "rule '%s' (%s): %s" % (rule['name'], rule['action'], counts or 'decided no record')
        if rule['assumed']:
            line += ' (assumed to hold: %s)' % ', '.join(rule['assumed'])
        lines.append(line)
    totals = report['totals']
    window = report['window']
    lines.append('release log from %s to %s: %d records%s' % (
        report_date(window.get('start')) or '?', report_date(window.get('end')) or '?', totals['records'],
        ' (and %d with a status other than released or rejected, not counted)' % totals['unclassified'] if totals['unclassified'] else ''))
    if report.get('gate'):
        lines.append(gate_line(report))
    lines.append(totals_line(totals))
    return lines


def gate_line(report):
    """What the gate says: the disagreements against the most allowed."""
    totals, gate = report['totals'], report['gate']
    return '%s: %d disagreements (release_rejected %d, reject_released %d), at most %d allowed' % (
        'PASSED' if gate['passed'] else 'FAILED', totals['disagreements'], totals['release_rejected'], totals['reject_released'],
        gate['max_disagreements'])
