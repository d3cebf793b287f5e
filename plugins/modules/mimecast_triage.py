#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_triage
short_description: Triage Mimecast held messages with ordered rules in one task, and report
version_added: 1.0.0
description:
  - Validates an ordered list of triage rules, reads the held queue once, releases and rejects what the rules
    say, and returns (and optionally writes) the triage report. The first rule whose O(rules[].match) holds for a
    held message decides; a message that no rule matches is kept.
  - The same steps as M(secops.mimecast.mimecast_triage_plan) followed by M(secops.mimecast.mimecast_hold_release)
    and M(secops.mimecast.mimecast_hold_reject), with the same engine, but in one task, so that thousands of ids
    never pass through Ansible variables and templating between the steps. This is what the
    C(secops.mimecast.triage) playbook runs.
  - Invalid rules (an unknown key, an unknown action, a bad regular expression, a reject rule without
    O(rules[].reason_type), a duplicate name, an empty match, ...), invalid options and a report path that
    cannot be written fail the task before any API call, with a message that names every problem.
  - Every message is classified as released or rejected, not held any more, or failed (with the API's code
    and message). The task fails when some failed, after every other message has been processed and the
    report has been written; running it again finishes the job and acts on nothing twice.
  - Runs on the controller. Needs the C(Account | Dashboard | Read) and C(Account | Monitoring | Held | Edit)
    permissions.
  - The rules format is described in detail in the collection's C(docs/triage-rules.md).
author:
  - secops.mimecast maintainers (!UNKNOWN)
extends_documentation_fragment:
  - secops.mimecast.connection
  - secops.mimecast.attributes
  - secops.mimecast.attributes.ACTIONGROUP_MIMECAST
  - secops.mimecast.attributes.ACTION_PLUGIN
  - secops.mimecast.triage
attributes:
  check_mode:
    support: full
    details:
      - Reads the held queue and plans, makes no write call, and reports what would be released and rejected.
        The report is written in check mode too.
  diff_mode:
    support: full
    details:
      - Shows, per rule, how many messages are held before and after, and for each release or reject rule its first
        10 messages (received, sender, subject) and how many more.
  idempotent:
    support: full
    details:
      - A second run of the same rules finds nothing to release or reject.
options:
  batch_size:
    description:
      - Ids sent per release or reject request (1 to 500).
      - Set V(1) if an API gateway accepts only one item per request.
    type: int
    default: 100
  report:
    description:
      - Path of a file on the controller to write the JSON triage report to (see RV(totals), RV(rules), RV(failures),
        RV(check_mode), RV(generated_at), RV(rules_sha256)). Missing directories are created; that the file can be
        written there is checked before the first API request.
      - The report of a real run is never overwritten - when the path holds one (its RV(check_mode) is false, or it is
        not a readable JSON report), it is moved aside with its C(.html) and C(.csv) first, to
        C(<stem>.<its generated_at as YYYYMMDDTHHMMSSZ><suffix>) (C(run.json) becomes C(run.20261207T101112Z.json)); a
        dry run's report is replaced.
      - A relative path is relative to the directory C(ansible-playbook) was started from (never to the playbook's
        directory or the collection's).
      - The review report is written beside it (C(run.json) gives C(run.html) and C(run.csv)) - per release or reject
        rule, every message it matched, with its received time, sender, recipients, subject and reason code and the
        action taken (or, in check mode, that would be taken); the HTML also shows the counts, whether it was a dry
        run and RV(rules_sha256). See RV(review_paths).
      - Written in check mode too, and when some messages failed.
    type: path
  return_ids:
    description:
      - Return the ids each rule decided (RV(rules[].ids)).
      - With V(false) the result holds the counts only (the report file still holds the ids), so that tens of thousands
        of ids are not carried through the result handling of Ansible, nor printed by C(-v). The
        C(secops.mimecast.triage) playbook sets it to V(false).
    type: bool
    default: true
notes:
  - For a large queue the progress of the read and of the writes is shown on the controller's output.
  - O(rules[].match.older_than) and O(rules[].match.newer_than) are measured from the moment the task starts.
seealso:
  - module: secops.mimecast.mimecast_triage_plan
  - module: secops.mimecast.mimecast_hold_release
  - module: secops.mimecast.mimecast_hold_reject
'''

EXAMPLES = r'''
- name: Triage the last week's held messages and keep a report
  secops.mimecast.mimecast_triage:
    start: -7d
    report: /var/tmp/mimecast-triage.json
    rules:
      - name: Release the vendor's newsletters
        match:
          reason_code: spam
          sender: '@news\.vendor\.example$'
        action: release
      - name: Reject outbound card numbers
        match:
          route: OUTBOUND
          policy_info: 'DLP'
        action: reject
        reason_type: MESSAGE CONTAINS CONFIDENTIAL INFORMATION
        message: This message contained card numbers and was not sent.
        notify: true
      - name: Keep impersonation attempts for a human
        match:
          reason_code: impersonation
        action: keep
  register: triage

- name: Show what happened, one line per rule
  ansible.builtin.debug:
    msg: "{{ triage.summary }}"

- name: Dry run of a rules file kept next to the playbook
  secops.mimecast.mimecast_triage:
    rules: "{{ lookup('ansible.builtin.file', 'rules.yml') | from_yaml }}"
  check_mode: true
  register: would

- name: A large queue in small requests (a gateway that takes one id per request), counts only in the result
  secops.mimecast.mimecast_triage:
    rules: "{{ mimecast_rules }}"
    batch_size: 1
    concurrency: 8
    report: "{{ playbook_dir }}/triage-report.json"
    return_ids: false
'''

RETURN = r'''
totals:
  description:
    - Counts over the window. RV(totals.kept) is RV(totals.held) minus released, rejected and failed.
    - In check mode, what would happen.
  returned: when the rules were applied
  type: dict
  contains:
    held:
      description: Distinct held messages in the window.
      type: int
      sample: 200
    released:
      description: Messages released by this run.
      type: int
      sample: 120
    rejected:
      description: Messages rejected by this run.
      type: int
      sample: 35
    kept:
      description: Messages left held (matched by a keep rule or by no rule, or not held any more).
      type: int
      sample: 45
    failed:
      description: Messages that could not be released or rejected (see RV(failures)).
      type: int
      sample: 0
    not_held:
      description: Messages the rules would have acted on but that were no longer held.
      type: int
      sample: 0
rules:
  description: One entry per rule, in the rules' order.
  returned: when the rules were applied
  type: list
  elements: dict
  contains:
    name:
      description: The rule's name.
      type: str
    action:
      description: The rule's action.
      type: str
    matched:
      description: How many messages the rule decided (a message matched by an earlier rule is not counted).
      type: int
    ids:
      description: The ids of those messages (with O(return_ids=true) only; always in the report file).
      type: list
      elements: str
    released:
      description: How many of them were released.
      type: int
    rejected:
      description: How many of them were rejected.
      type: int
    not_held:
      description: How many of them were no longer held.
      type: int
    failed:
      description: How many of them failed.
      type: int
failures:
  description: Every message that could not be released or rejected.
  returned: when the rules were applied
  type: list
  elements: dict
  contains:
    id:
      description: The message id.
      type: str
    code:
      description: The API's error code, or one of the collection's (for example V(outcome_unknown)).
      type: str
    message:
      description: What went wrong.
      type: str
    retryable:
      description: Whether running the task again may succeed for this message.
      type: bool
    rule:
      description: The rule that decided the message.
      type: str
check_mode:
  description: Whether this was a dry run.
  returned: when the rules were applied
  type: bool
generated_at:
  description: When the report was made (UTC).
  returned: when the rules were applied
  type: str
  sample: '2026-11-20T08:00:00Z'
summary:
  description: A short human summary, one line per rule, then the totals.
  returned: when the rules were applied
  type: list
  elements: str
  sample:
    - "rule 'Release the vendor's newsletters' (release): matched 120, released 120, failed 0"
    - "totals: held 200, released 120, rejected 35, kept 45, failed 0, not held any more 0"
report_path:
  description: Where the JSON report was written (an absolute path).
  returned: when O(report) is set and the rules were applied
  type: str
review_paths:
  description: Where the review report was written, beside the JSON report.
  returned: when O(report) is set and the rules were applied
  type: dict
  contains:
    html:
      description: The self-contained HTML review page.
      type: str
      sample: /home/me/run.html
    csv:
      description: >-
        The CSV review - a header row, then one row per message a release or reject rule matched
        (C(rule, action, done, id, received, sender, recipients, subject, reason_code)).
      type: str
      sample: /home/me/run.csv
rules_sha256:
  description: The rules' checksum - sha256 (hex) of their canonical JSON (keys sorted, no spaces, UTF-8).
  returned: when the rules were applied
  type: str
  sample: f593a7b76a2b5d29bc07b207b67d97d0046a32189dfbe17b00ef21b23aeb5a5b
rule_errors:
  description: Every problem found in the rules, each naming its rule.
  returned: when the rules are invalid
  type: list
  elements: str
error:
  description: Details of an API error (HTTP status, API codes, whether it is retryable).
  returned: when the held queue could not be read
  type: dict
msg:
  description: The totals line of RV(summary); when messages failed, the failures (the first 20); or what went wrong.
  returned: always
  type: str
'''
