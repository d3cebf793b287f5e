# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``ansible-playbook secops.mimecast.rules_test`` as CI runs it: the starter cases of every example rules file pass,
a failing case fails the play naming what it got and which rule decided it, the JUnit file is read by junitparser (the
reader CI systems' JUnit support is modelled on), bad cases and bad rules are errors naming them; no API request and no
credentials, even with a tenant's connection around it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import junitparser
import pytest
import yaml

from conftest import EXAMPLES, run_playbook

PLAYBOOK = 'secops.mimecast.rules_test'
SPAM = 'Message Hold Applied - Spam Signature policy'


def load(path, key):
    with open(path) as handle:
        return yaml.safe_load(handle)[key]


def example(name):
    return os.path.join(EXAMPLES, name), os.path.join(EXAMPLES, 'cases', name)


def rules_test(sim, tmp_path, rules, cases, junit=True, options=(), env=None, api=None):
    """The playbook with ``-e @rules -e @cases`` (paths) or the values themselves, run from ``tmp_path``."""
    opts = list(options)
    extra = {}
    for key, value in (('mimecast_triage_rules', rules), ('mimecast_rule_cases', cases)):
        if isinstance(value, str):
            opts += ['-e', '@' + value]
        else:
            extra[key] = value
    if junit:
        extra['mimecast_rules_test_junit'] = 'out/rules-test.xml'
    (tmp_path / 'out').mkdir(exist_ok=True)
    return run_playbook(sim, PLAYBOOK, api=api, options=opts, extra_vars=extra, cwd=str(tmp_path), env=env)


def junit_of(tmp_path):
    xml = junitparser.JUnitXml.fromfile(str(tmp_path / 'out' / 'rules-test.xml'))
    suites = list(xml) if isinstance(xml, junitparser.JUnitXml) else [xml]
    assert len(suites) == 1
    return suites[0]


@pytest.mark.parametrize('name', sorted(f for f in os.listdir(EXAMPLES) if f.endswith('.yml')))
def test_the_starter_cases_of_each_example_pass(sim, tmp_path, name):
    rules, cases = example(name)
    run = rules_test(sim, tmp_path, rules, cases)
    assert run.rc == 0, run
    count = len(load(cases, 'mimecast_rule_cases'))
    assert '%d rule cases: %d passed, 0 failed' % (count, count) in run.output
    suite = junit_of(tmp_path)
    assert (suite.tests, suite.failures, suite.errors) == (count, 0, 0)
    assert [case.name for case in suite] == [c['name'] for c in load(cases, 'mimecast_rule_cases')]
    assert all(case.is_passed for case in suite)
    assert sim.stats()['total'] == 0


def test_a_changed_rule_fails_its_cases_naming_what_they_got(sim, tmp_path):
    """The demo rules with the newsletter rule's sender no longer anchored at the end: a look-alike domain is released."""
    rules = load(example('demo-rules.yml')[0], 'mimecast_triage_rules')
    assert rules[1]['match']['sender'].endswith('$')
    rules[1]['match']['sender'] = rules[1]['match']['sender'][:-1]
    cases = example('demo-rules.yml')[1]
    run = rules_test(sim, tmp_path, rules, cases)
    assert run.rc != 0, run
    wrong = ("case 'A look-alike newsletter domain is not released': expected keep by rule 'Keep everything else', "
             "got release (rule 'Release newsletters held as spam')")
    assert wrong in run.output
    assert 'rule cases: 9 passed, 1 failed' in run.output and run.stats['failures'] == 1
    result = run.result('Decide every case with the rules (no API request)')
    assert result['failed_cases'] == 1 and result['failures'][0]['rule'] == 'Release newsletters held as spam'
    suite = junit_of(tmp_path)
    assert (suite.tests, suite.failures, suite.errors) == (10, 1, 0)
    failed = [case for case in suite if not case.is_passed]
    assert [case.name for case in failed] == ['A look-alike newsletter domain is not released']
    assert failed[0].result[0].message == wrong and isinstance(failed[0].result[0], junitparser.Failure)
    assert sim.stats()['total'] == 0


def test_ages_and_a_case_that_names_no_rule(sim, tmp_path):
    rules, dummy = example('newsletters-release.yml')
    cases = [{'name': 'old digest', 'expect': 'release', 'rule': 'Release weekly digests after an hour',
              'message': {'sender': 'a@mail.cloudtools.example', 'subject': 'weekly digest', 'reason': SPAM, 'route': 'inbound', 'age': '3h'}},
             {'name': 'young digest', 'expect': 'release',
              'message': {'sender': 'a@mail.cloudtools.example', 'subject': 'weekly digest', 'reason': SPAM, 'route': 'inbound', 'age': '5m'}}]
    run = rules_test(sim, tmp_path, rules, cases)
    assert run.rc != 0, run
    assert "case 'young digest': expected release, got keep (no rule matched)" in run.output
    suite = junit_of(tmp_path)
    assert [case.is_passed for case in suite] == [True, False]


@pytest.mark.parametrize('cases, named', [
    ([{'name': 'a', 'message': {'sender': 'x@y.example'}, 'expect': 'keep'}, {'name': 'a', 'message': {}, 'expect': 'keep'}],
     "case #2 'a': duplicate name (already used by case #1)"),
    ([{'message': {'sender': 'x@y.example'}, 'expect': 'keep'}], 'case #1 (no name): missing "name"'),
    ([{'name': 'no expect', 'message': {'sender': 'x@y.example'}}], "case #1 'no expect': missing \"expect\""),
    ([{'name': 'extra', 'message': {'sender': 'x@y.example'}, 'expect': 'keep', 'because': 'x'}],
     "case #1 'extra': unknown key \"because\""),
    ([{'name': 'odd field', 'message': {'from': 'x@y.example'}, 'expect': 'keep'}], "case #1 'odd field': message: unknown key \"from\""),
    ([{'name': 'typo', 'message': {}, 'expect': 'keep', 'rule': 'Keep evrything else'}], "rule 'Keep evrything else' is not one of the rules"),
])
def test_bad_cases_name_the_case(sim, tmp_path, cases, named):
    run = rules_test(sim, tmp_path, example('demo-rules.yml')[0], cases)
    assert run.rc != 0 and run.says(named), run
    suite = junit_of(tmp_path)
    assert (suite.tests, suite.errors, suite.failures) == (1, 1, 0)
    assert named in list(suite)[0].result[0].text


def test_bad_rules_fail_as_in_triage(sim, tmp_path):
    rules = [{'name': 'Bad', 'match': {'sender': '(x'}, 'action': 'release'}, {'name': 'Odd', 'match': {'route': 'in'}, 'action': 'keep'}]
    run = rules_test(sim, tmp_path, rules, example('demo-rules.yml')[1])
    assert run.rc != 0, run
    assert "rule #1 'Bad': match.sender: bad regular expression" in run.output and "rule #2 'Odd': match.route" in run.output
    assert list(junit_of(tmp_path))[0].result[0].type == 'invalid_input'


def test_no_credentials_no_request_whatever_the_connection_around_it(sim, tmp_path):
    """No MIMECAST_* at all; then a tenant's inventory with connection variables and the environment's credentials of an
    unreachable API: the play runs on localhost and never reads any of them."""
    rules, cases = example('demo-rules.yml')
    run = rules_test(sim, tmp_path, rules, cases, junit=False, api=None)
    assert run.rc == 0 and 'JUnit' not in run.output, run
    inventory = tmp_path / 'tenants.yml'
    sim.inventory(str(inventory))
    run = rules_test(sim, tmp_path, rules, cases, options=['-i', str(inventory), '-e', 'mimecast_hosts=mimecast_tenants'],
                     env={'MIMECAST_BASE_URL': 'http://127.0.0.1:9', 'MIMECAST_ACCESS_KEY': 'x'}, api='1.0')
    assert run.rc == 0, run
    assert list(run.records['stats']) == ['localhost']
    assert sim.stats()['total'] == 0
