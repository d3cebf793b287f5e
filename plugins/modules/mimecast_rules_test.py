#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_rules_test
short_description: Check triage rules against example messages with the decision each must get (rules as code)
version_added: 1.1.0
description:
  - Decides each rule case (an example message written by hand) with the triage rules, first match wins, by the same
    code as M(secops.mimecast.mimecast_triage), and compares the action (and, when the case names one, the rule) with
    what the case expects.
  - Makes no API request and needs no credentials. It is not in the C(secops.mimecast.mimecast) action group, so
    C(module_defaults) of the group give it nothing.
  - The task fails when any case gets another action or rule than expected, listing each such case with what it got and
    which rule decided it; otherwise it says how many cases passed.
  - Invalid rules fail as in triage. An unknown key in a case, a case without a name, a message or an expected action,
    a duplicate name, an unknown action or rule name, or a message field of the wrong kind fails the task before any
    case is decided, with a message naming every problem and its case.
  - With O(junit), a JUnit XML file (one test case per rule case, a failure for each that did not get what it expects)
    that CI systems show as test results; a run that cannot start writes a file with the error in it.
  - Runs on the controller. This is what the C(secops.mimecast.rules_test) playbook runs; the collection's
    C(docs/rules-as-code.md) shows it in a CI pipeline.
author:
  - secops.mimecast maintainers (!UNKNOWN)
extends_documentation_fragment:
  - secops.mimecast.attributes
  - secops.mimecast.attributes.INFO_MODULE
  - secops.mimecast.attributes.ACTION_PLUGIN
options:
  rules:
    description:
      - The ordered triage rules, in the format of the O(secops.mimecast.mimecast_triage#module:rules) option of
        M(secops.mimecast.mimecast_triage) (the collection's C(docs/triage-rules.md) describes it).
      - A string holding the rules as YAML or JSON is accepted too.
    type: list
    elements: dict
    required: true
  cases:
    description:
      - The rule cases. A string holding them as YAML or JSON is accepted too.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: A unique name for the case, used in the failures and as the JUnit test case's name.
        type: str
        required: true
      message:
        description:
          - The example message. Fields left out are fields the message does not have (a rule never matches them).
        type: dict
        required: true
        suboptions:
          sender:
            description: The sender's address.
            type: str
          recipients:
            description: The recipients' addresses (one address, or a list).
            type: list
            elements: str
          subject:
            description: The subject.
            type: str
          reason:
            description: The human-readable hold reason, for example V(Message Hold Applied - Spam Signature policy).
            type: str
          reason_code:
            description:
              - The hold reason code. Derived from O(cases[].message.reason) when left out, as the held list spells it
                (lower case, each run of other characters an C(_)).
            type: str
          policy_info:
            description: The policy information of the hold.
            type: str
          route:
            description: The route, for example V(INBOUND), V(OUTBOUND), V(INTERNAL).
            type: str
          has_attachments:
            description: Whether the message has attachments.
            type: bool
          age:
            description:
              - How long ago the message was received (a number and a unit, V(s), V(m), V(h), V(d), for example V(30m),
                V(3h), V(2d)), for the match keys O(secops.mimecast.mimecast_triage#module:rules[].match.older_than) and
                O(secops.mimecast.mimecast_triage#module:rules[].match.newer_than).
              - Without it the message's age is unknown and neither of those match keys holds.
            type: str
      expect:
        description: The action the message must get (V(keep) when no rule matches it).
        type: str
        required: true
        choices: [release, reject, keep]
      rule:
        description: The name of the rule that must decide the message (optional).
        type: str
  junit:
    description:
      - Path of a JUnit XML file to write on the controller (a relative path is relative to the directory
        C(ansible-playbook) was started from; the directory must exist).
    type: path
seealso:
  - module: secops.mimecast.mimecast_triage
  - module: secops.mimecast.mimecast_backtest
'''

EXAMPLES = r'''
- name: Check the rules against their cases, with a JUnit file for CI
  secops.mimecast.mimecast_rules_test:
    rules: "{{ mimecast_triage_rules }}"
    cases:
      - name: A vendor newsletter held as spam is released
        message:
          sender: news@news.vendor.example
          reason: Message Hold Applied - Spam Signature policy
          route: INBOUND
        expect: release
        rule: Release newsletters held as spam
      - name: A spoofed CEO is kept for a person, even from a newsletter domain
        message:
          sender: ceo@news.vendor.example
          reason_code: message_hold_applied_anti_spoofing_policy
        expect: keep
      - name: Outbound payroll is rejected
        message:
          sender: alice@example.com
          recipients: [ap@partner-corp.example]
          reason: Message Hold Applied - Content Examination policy
          route: OUTBOUND
          age: 2h
        expect: reject
    junit: rules-test.xml
  register: cases

- name: How many passed
  ansible.builtin.debug:
    msg: "{{ cases.summary }}"
'''

RETURN = r'''
cases:
  description: How many cases were decided.
  returned: when the rules and the cases are valid
  type: int
  sample: 12
passed:
  description: How many got what they expect.
  returned: when the rules and the cases are valid
  type: int
  sample: 11
failed_cases:
  description: How many did not.
  returned: when the rules and the cases are valid
  type: int
  sample: 1
failures:
  description: Every case that did not get what it expects.
  returned: when the rules and the cases are valid
  type: list
  elements: dict
  contains:
    name:
      description: The case's name.
      type: str
    expect:
      description: The action it expects.
      type: str
    expect_rule:
      description: The rule it expects to decide it, or null.
      type: str
    got:
      description: The action it got (V(keep) when no rule matched).
      type: str
    rule:
      description: The rule that decided it, or null when no rule matched.
      type: str
    msg:
      description: The failure in words.
      type: str
      sample: "case 'Outbound payroll is rejected': expected reject, got keep (rule 'Keep internal DLP hits')"
rules_sha256:
  description: The rules' checksum - sha256 (hex) of their canonical JSON, as the triage reports it.
  returned: when the rules and the cases are valid
  type: str
summary:
  description: One line per failure, then the counts (and where the JUnit file is).
  returned: when the rules and the cases are valid
  type: list
  elements: str
  sample: ["12 rule cases: 12 passed, 0 failed"]
junit_path:
  description: Where the JUnit XML file was written (an absolute path).
  returned: when O(junit) is set and the rules and the cases are valid
  type: str
rule_errors:
  description: Every problem found in the rules, each naming its rule.
  returned: when the rules are invalid
  type: list
  elements: str
case_errors:
  description: Every problem found in the cases, each naming its case.
  returned: when the cases are invalid
  type: list
  elements: str
msg:
  description: How many cases passed; the failures (the first 20); or what is wrong with the rules or the cases.
  returned: always
  type: str
'''
