# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rule cases: example messages with the decision each must get, checked like code (``rules_test``).

A case::

    - name: A vendor newsletter held as spam is released
      message: {sender: news@news.vendor.example, reason: 'Message Hold Applied - Spam Signature policy', age: 2h}
      expect: release
      rule: Release newsletters held as spam      # optional: the rule that must decide it

:func:`load_cases` validates every case (raising :class:`CasesError` naming each problem and its case) and makes
its message with ``module_utils/message.case_message``; :func:`run_cases` decides each with the triage's own
rules code (``Ruleset.decider``), no API and no credentials; :func:`junit_xml` writes the outcome as JUnit XML, one
test case per rule case, for CI systems to show.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time
import xml.etree.ElementTree as ET

from ansible_collections.secops.mimecast.plugins.module_utils.dates import utc_iso
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.message import case_message
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import RULE_ACTIONS

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - ansible-core requires PyYAML
    HAS_YAML = False

CASE_KEYS = ('name', 'message', 'expect', 'rule')
NO_ACTION = 'keep'  # what a message no rule matches gets
SUITE = 'secops.mimecast.rules_test'
FAILURES_IN_MSG = 20
# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile('[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')


class CasesError(InputError):
    """The rule cases are invalid. ``problems`` lists every problem found, each naming its case."""

    default_code = 'invalid_cases'

    def __init__(self, problems):
        self.problems = list(problems)
        msg = 'Invalid rule cases (%d problem%s):\n- %s' % (
            len(self.problems), '' if len(self.problems) == 1 else 's', '\n- '.join(self.problems))
        super(CasesError, self).__init__(msg)

    def task_result(self):
        result = super(CasesError, self).task_result()
        result['case_errors'] = self.problems
        return result


class Case(object):
    """One validated case: its name, its message (a ``Message``), the action it must get and, optionally, the rule."""

    __slots__ = ('name', 'message', 'expect', 'rule')

    def __init__(self, name, message, expect, rule):
        self.name = name
        self.message = message
        self.expect = expect
        self.rule = rule


class Outcome(object):
    """What one case got: ``action`` (``keep`` when no rule matched), ``rule`` (the deciding rule's name, or None)."""

    __slots__ = ('case', 'action', 'rule', 'seconds')

    def __init__(self, case, action, rule, seconds):
        self.case = case
        self.action = action
        self.rule = rule
        self.seconds = seconds

    @property
    def passed(self):
        return self.action == self.case.expect and (self.case.rule is None or self.rule == self.case.rule)

    def got(self):
        """``reject (rule 'Reject outbound DLP hits')`` or ``keep (no rule matched)``."""
        return '%s (%s)' % (self.action, "rule '%s'" % self.rule if self.rule is not None else 'no rule matched')

    def failure(self):
        """Why the case failed: ``case 'x': expected release, got reject (rule 'y')``."""
        wanted = self.case.expect + (" by rule '%s'" % self.case.rule if self.case.rule is not None else '')
        return "case '%s': expected %s, got %s" % (self.case.name, wanted, self.got())


def load_value(value, what):
    """A list given as it is, or parsed from YAML/JSON text (an AWX survey's text field)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        try:
            return yaml.safe_load(text) if HAS_YAML else json.loads(text)
        except Exception as exc:  # pylint: disable=broad-except
            raise CasesError(['the %s are a string that is not valid YAML or JSON: %s' % (what, exc)])
    if isinstance(value, tuple):
        return list(value)
    return value


def _label(index, case):
    name = case.get('name') if isinstance(case, dict) else None
    if isinstance(name, str) and name.strip():
        return "case #%d '%s'" % (index + 1, name)
    return 'case #%d (no name)' % (index + 1)


def _check_case(index, case, ruleset, seen, now):
    """``(Case or None, problems)`` of one case as given."""
    label = _label(index, case)
    if not isinstance(case, dict):
        return None, ['%s: a case must be a mapping with name, message and expect, not %s' % (label, type(case).__name__)]
    problems = ['%s: unknown key "%s" (allowed: %s)' % (label, key, ', '.join(CASE_KEYS)) for key in case if key not in CASE_KEYS]
    name = case.get('name')
    if name is None:
        problems.append('%s: missing "name"' % label)
    elif not isinstance(name, str) or not name.strip():
        problems.append('%s: "name" must be a non-empty string, not %r' % (label, name))
    elif name in seen:
        problems.append('%s: duplicate name (already used by case #%d)' % (label, seen[name] + 1))
    else:
        seen[name] = index
    expect = case.get('expect')
    if expect is None:
        problems.append('%s: missing "expect" (one of: %s)' % (label, ', '.join(RULE_ACTIONS)))
    elif not isinstance(expect, str) or expect not in RULE_ACTIONS:
        problems.append('%s: unknown expect %r (one of: %s)' % (label, expect, ', '.join(RULE_ACTIONS)))
    rule = case.get('rule')
    names = [r.name for r in ruleset.rules]
    if rule is not None and rule not in names:
        problems.append("%s: rule %r is not one of the rules (%s)" % (label, rule, ', '.join("'%s'" % n for n in names)))
    message = None
    if 'message' not in case or case['message'] is None:
        problems.append('%s: missing "message" (a mapping of the message\'s fields)' % label)
    else:
        try:
            message = case_message(case['message'], now, label='%s: message' % label, mid=name if isinstance(name, str) else '')
        except InputError as exc:
            problems.append(exc.msg)
    if problems:
        return None, problems
    return Case(name, message, expect, rule), []


def load_cases(value, ruleset, now=None):
    """The :class:`Case` list of ``value`` (a list, or YAML/JSON text), checked against ``ruleset``; raises
    :class:`CasesError` naming every problem and its case. ``now`` is the moment the cases' ``age`` counts back from."""
    cases = load_value(value, 'rule cases')
    if not isinstance(cases, list):
        raise CasesError(['the rule cases must be a list of cases, not %s' % ('nothing' if cases is None else type(cases).__name__)])
    if not cases:
        raise CasesError(['the rule cases list is empty: give at least one case'])
    out, problems, seen = [], [], {}
    for index, case in enumerate(cases):
        found, wrong = _check_case(index, case, ruleset, seen, now)
        problems.extend(wrong)
        if found is not None:
            out.append(found)
    if problems:
        raise CasesError(problems)
    return out


def run_cases(cases, ruleset, now=None):
    """Decide every case with the rules (first match wins); an :class:`Outcome` per case, in order."""
    decide = ruleset.decider(now)
    rules = ruleset.rules
    out = []
    clock = time.perf_counter
    for case in cases:
        started = clock()
        index = decide(case.message)
        rule = rules[index] if index is not None else None
        out.append(Outcome(case, rule.action.name if rule is not None else NO_ACTION, rule.name if rule is not None else None,
                           clock() - started))
    return out


def result_of(outcomes, ruleset):
    """The task result of a run: counts, every failure (name, expect, expected rule, got, rule), the summary lines."""
    failures = [{'name': o.case.name, 'expect': o.case.expect, 'expect_rule': o.case.rule, 'got': o.action, 'rule': o.rule,
                 'msg': o.failure()} for o in outcomes if not o.passed]
    passed = len(outcomes) - len(failures)
    lines = [f['msg'] for f in failures]
    lines.append('%d rule cases: %d passed, %d failed' % (len(outcomes), passed, len(failures)))
    result = {'cases': len(outcomes), 'passed': passed, 'failed_cases': len(failures), 'failures': failures,
              'rules_sha256': ruleset.sha256, 'summary': lines}
    if failures:
        shown = '; '.join(f['msg'] for f in failures[:FAILURES_IN_MSG])
        more = len(failures) - FAILURES_IN_MSG
        result.update(failed=True, msg='%d of %d rule cases failed: %s%s' % (
            len(failures), len(outcomes), shown, '; and %d more' % more if more > 0 else ''))
    else:
        result['msg'] = 'all %d rule cases passed' % len(outcomes)
    return result


def _xml_text(value):
    return _NOT_XML.sub('\ufffd', '' if value is None else str(value))


def _suite(tests, failures, errors, seconds, sha256):
    suites = ET.Element('testsuites', name=SUITE, tests=str(tests), failures=str(failures), errors=str(errors), time='%.6f' % seconds)
    suite = ET.SubElement(suites, 'testsuite', name=SUITE, tests=str(tests), failures=str(failures), errors=str(errors), skipped='0',
                          time='%.6f' % seconds, timestamp=utc_iso())
    if sha256:
        properties = ET.SubElement(suite, 'properties')
        ET.SubElement(properties, 'property', name='rules_sha256', value=sha256)
    return suites, suite


def _text(suites):
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding='unicode') + '\n'


def junit_xml(outcomes, ruleset):
    """The JUnit XML of a run: one ``testcase`` per rule case (``classname`` the suite), a ``failure`` for each that got
    another action or rule than expected."""
    failed = [o for o in outcomes if not o.passed]
    suites, suite = _suite(len(outcomes), len(failed), 0, sum(o.seconds for o in outcomes), ruleset.sha256)
    for outcome in outcomes:
        case = ET.SubElement(suite, 'testcase', classname=SUITE, name=_xml_text(outcome.case.name), time='%.6f' % outcome.seconds)
        if not outcome.passed:
            failure = ET.SubElement(case, 'failure', message=_xml_text(outcome.failure()), type='wrong_decision')
            failure.text = _xml_text('expected: %s%s\ngot: %s\n' % (
                outcome.case.expect, " (rule '%s')" % outcome.case.rule if outcome.case.rule is not None else '', outcome.got()))
    return _text(suites)


def junit_error_xml(problems, sha256=None):
    """The JUnit XML of a run that could not start (bad rules or bad cases): one test case in error, naming each problem."""
    suites, suite = _suite(1, 0, 1, 0.0, sha256)
    case = ET.SubElement(suite, 'testcase', classname=SUITE, name='the rules and the rule cases are valid', time='0')
    error = ET.SubElement(case, 'error', message=_xml_text('%d problem(s) in the rules or the rule cases' % len(problems)),
                          type='invalid_input')
    error.text = _xml_text('\n'.join(problems) + '\n')
    return _text(suites)
