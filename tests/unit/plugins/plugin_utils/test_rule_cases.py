# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rule cases: validation naming each case, decisions by the triage's rules code, failures, JUnit XML; and the starter
cases of the example rules files pass."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import xml.etree.ElementTree as ET

import pytest
import yaml

from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import RULE_ACTIONS, RuleAction
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_cases import (
    CasesError,
    junit_error_xml,
    junit_xml,
    load_cases,
    result_of,
    run_cases,
)
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import Ruleset

NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.timezone.utc)
RULES = Ruleset.load([
    {'name': 'spoofing', 'match': {'reason_code': 'anti_spoofing'}, 'action': 'keep'},
    {'name': 'news', 'match': {'reason_code': 'spam', 'sender': r'@news\.vendor\.example$'}, 'action': 'release'},
    {'name': 'old dlp', 'match': {'reason': 'content examination', 'route': 'OUTBOUND', 'older_than': '1h'}, 'action': 'reject',
     'reason_type': 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'},
])
NEWS = {'sender': 'news@news.vendor.example', 'reason': 'Message Hold Applied - Spam Signature policy'}
DLP = {'sender': 'bob@example.com', 'recipients': 'ap@partner.example', 'reason': 'Message Hold Applied - Content Examination policy',
       'route': 'outbound'}
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'docs', 'rules-examples')


def case(name, message, expect, **extra):
    return dict(name=name, message=message, expect=expect, **extra)


def outcomes(cases, rules=RULES):
    return run_cases(load_cases(cases, rules, NOW), rules, NOW)


def problems(cases, rules=RULES):
    with pytest.raises(CasesError) as info:
        load_cases(cases, rules, NOW)
    return info.value.problems


def test_cases_pass_and_fail_naming_what_they_got_and_the_rule():
    done = outcomes([
        case('news released', NEWS, 'release', rule='news'),
        case('old dlp rejected', dict(DLP, age='2h'), 'reject'),
        case('young dlp kept', dict(DLP, age='10m'), 'keep'),
        case('dlp of unknown age kept', DLP, 'keep'),
        case('news wrongly expected kept', NEWS, 'keep'),
        case('spoof expected by the wrong rule', dict(NEWS, reason='Message Hold Applied - Anti-Spoofing policy'), 'keep', rule='news'),
        case('nothing matches but a release is expected', {'sender': 'x@example.org'}, 'release'),
    ])
    assert [o.passed for o in done] == [True, True, True, True, False, False, False]
    result = result_of(done, RULES)
    assert (result['cases'], result['passed'], result['failed_cases'], result['failed']) == (7, 4, 3, True)
    assert [f['msg'] for f in result['failures']] == [
        "case 'news wrongly expected kept': expected keep, got release (rule 'news')",
        "case 'spoof expected by the wrong rule': expected keep by rule 'news', got keep (rule 'spoofing')",
        "case 'nothing matches but a release is expected': expected release, got keep (no rule matched)"]
    assert result['failures'][2] == {'name': 'nothing matches but a release is expected', 'expect': 'release', 'expect_rule': None,
                                     'got': 'keep', 'rule': None, 'msg': result['failures'][2]['msg']}
    assert result['msg'].startswith('3 of 7 rule cases failed: ') and result['summary'][-1] == '7 rule cases: 4 passed, 3 failed'
    assert result['rules_sha256'] == RULES.sha256


def test_all_passing():
    result = result_of(outcomes([case('one', NEWS, 'release')]), RULES)
    assert result['msg'] == 'all 1 rule cases passed' and 'failed' not in result and result['failures'] == []


def test_reason_code_is_derived_from_the_reason_unless_given():
    assert outcomes([case('derived', NEWS, 'release')])[0].rule == 'news'
    assert outcomes([case('given', dict(NEWS, reason_code='other'), 'keep')])[0].passed


def test_every_bad_case_is_named():
    found = problems([
        {'message': NEWS, 'expect': 'release'},
        case('dup', NEWS, 'release'),
        case('dup', NEWS, 'release'),
        {'name': 'no expect', 'message': NEWS},
        case('odd key', NEWS, 'release', priority=1),
        case('bad expect', NEWS, 'relase'),
        case('unknown rule', NEWS, 'release', rule='newz'),
        case('bad message', {'sender': ['a@b.example'], 'route': 5, 'has_attachments': 'maybe', 'age': 'soon', 'colour': 'red'}, 'keep'),
        {'name': 'no message', 'expect': 'keep'},
        'not a mapping',
    ])
    text = '\n'.join(found)
    assert 'case #1 (no name): missing "name"' in found
    assert "case #3 'dup': duplicate name (already used by case #2)" in found
    assert "case #4 'no expect': missing \"expect\" (one of: %s)" % ', '.join(RULE_ACTIONS) in found
    assert "case #5 'odd key': unknown key \"priority\" (allowed: name, message, expect, rule)" in found
    assert "case #6 'bad expect': unknown expect 'relase'" in text
    assert "case #7 'unknown rule': rule 'newz' is not one of the rules ('spoofing', 'news', 'old dlp')" in found
    for bit in ('unknown key "colour"', 'sender must be an address', 'route must be', 'has_attachments must be a boolean', 'age'):
        assert "case #8 'bad message': message: " in text and bit in text, bit
    assert "case #9 'no message': missing \"message\"" in text
    assert 'case #10 (no name): a case must be a mapping' in text
    assert CasesError(found).task_result()['case_errors'] == found


@pytest.mark.parametrize('value, why', [
    (None, 'must be a list of cases, not nothing'), ({'name': 'x'}, 'must be a list of cases, not dict'), ([], 'list is empty'),
    ('- name: [unclosed', 'not valid YAML or JSON'), ('', 'list is empty'),
])
def test_not_a_list_of_cases(value, why):
    assert why in problems(value)[0]


def test_cases_as_yaml_text():
    text = yaml.safe_dump([case('text', NEWS, 'release')])
    assert outcomes(text)[0].passed


def test_expect_comes_from_the_action_table(monkeypatch):
    monkeypatch.setitem(RULE_ACTIONS, 'tag', RuleAction('tag'))
    rules = Ruleset.load([{'name': 'tag news', 'match': {'reason': 'spam'}, 'action': 'tag'}])
    assert outcomes([case('tagged', NEWS, 'tag')], rules)[0].passed


def test_junit_xml():
    done = outcomes([case('passes', NEWS, 'release'), case('fails <&> "quoted"\x01', NEWS, 'reject')])
    root = ET.fromstring(junit_xml(done, RULES))
    suite = root.find('testsuite')
    assert (root.tag, suite.get('tests'), suite.get('failures'), suite.get('errors')) == ('testsuites', '2', '1', '0')
    assert suite.find('properties/property').get('value') == RULES.sha256
    first, second = suite.findall('testcase')
    assert first.get('name') == 'passes' and first.find('failure') is None
    assert second.get('name') == 'fails <&> "quoted"\ufffd'
    failure = second.find('failure')
    assert failure.get('message') == "case 'fails <&> \"quoted\"\ufffd': expected reject, got release (rule 'news')"
    assert failure.text == "expected: reject\ngot: release (rule 'news')\n"


def test_junit_error_xml():
    root = ET.fromstring(junit_error_xml(['rule #1: missing "match"', 'rule #2: bad']))
    suite = root.find('testsuite')
    assert (suite.get('tests'), suite.get('errors'), suite.get('failures')) == ('1', '1', '0')
    assert suite.find('testcase/error').text == 'rule #1: missing "match"\nrule #2: bad\n'


@pytest.mark.parametrize('name', sorted(f for f in os.listdir(os.path.join(EXAMPLES, 'cases')) if f.endswith('.yml')))
def test_the_starter_cases_of_the_example_rules_pass(name):
    """Every example rules file has its cases, and they pass (every rule of the file decides at least one of them)."""
    with open(os.path.join(EXAMPLES, name)) as handle:
        rules = Ruleset.load(yaml.safe_load(handle)['mimecast_triage_rules'])
    with open(os.path.join(EXAMPLES, 'cases', name)) as handle:
        cases = yaml.safe_load(handle)['mimecast_rule_cases']
    done = run_cases(load_cases(cases, rules), rules)
    assert [o.failure() for o in done if not o.passed] == []
    assert set(o.rule for o in done) >= set(rule.name for rule in rules.rules)


def test_every_example_rules_file_has_cases():
    rules = sorted(f for f in os.listdir(EXAMPLES) if f.endswith('.yml'))
    assert rules and rules == sorted(f for f in os.listdir(os.path.join(EXAMPLES, 'cases')) if f.endswith('.yml'))
