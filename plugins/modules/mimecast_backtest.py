#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_backtest
short_description: Back-test triage rules against what people released and rejected (the held release log)
version_added: 1.1.0
description:
  - Reads the held release log (C(POST /api/gateway/get-held-release-logs), every page) over a window and decides each
    record with the triage rules, first match wins, exactly as M(secops.mimecast.mimecast_triage) decides a held message.
    Read-only - it never releases, rejects or sets anything.
  - A record is read as the held message it was - sender the C(fromEnv) or the C(fromHdr) address, recipient any C(to)
    address, C(subject), reason C(heldReason), reason code C(heldReason) lower-cased with every run of other characters
    made C(_) (as the held list's C(reasonCode) is), policy info C(policy), C(route), attachments C(attachments). Both
    shapes of the operator and of the addresses that the API may send are read.
  - A log record has no received time, so the match keys
    O(secops.mimecast.mimecast_triage#module:rules[].match.older_than) and
    O(secops.mimecast.mimecast_triage#module:rules[].match.newer_than) are taken as holding; each rule that uses them
    lists them under RV(rules[].assumed).
  - Each record falls in one class - C(agree) (a release rule and the person released it, a reject rule and the person
    rejected it), C(release_rejected) (the rules would release what a person rejected), C(reject_released) (the rules
    would reject what a person released), or C(kept) (no rule, or a keep rule - left to a person).
  - Only the counts and the disagreements are kept while the log is read, page by page, so a log of any length fits
    in memory.
  - Invalid rules, invalid options and a report path that cannot be written fail the task before any API request.
  - Runs on the controller. Needs the C(Monitoring | Held | Read) permission; without it the API answers HTTP 403 and the
    task fails with a message naming that permission.
  - This is what the C(secops.mimecast.backtest) playbook runs; the collection's C(docs/rules-as-code.md) shows it in a
    CI pipeline.
author:
  - secops.mimecast maintainers (!UNKNOWN)
extends_documentation_fragment:
  - secops.mimecast.connection
  - secops.mimecast.attributes
  - secops.mimecast.attributes.INFO_MODULE
  - secops.mimecast.attributes.ACTIONGROUP_MIMECAST
  - secops.mimecast.attributes.ACTION_PLUGIN
options:
  rules:
    description:
      - The ordered triage rules, in the format of the O(secops.mimecast.mimecast_triage#module:rules) option of
        M(secops.mimecast.mimecast_triage) (the collection's C(docs/triage-rules.md) describes it).
      - A string holding the rules as YAML or JSON is accepted too (for example from an AWX survey text field).
    type: list
    elements: dict
    required: true
  start:
    description:
      - Start of the window, by the time of the release or rejection.
      - ISO 8601 with an offset (V(2026-11-20T08:00:00Z)) or a relative time (V(-24h), V(-7d)).
    type: str
    default: -30d
  end:
    description: End of the window; same formats as O(start), or V(now).
    type: str
    default: now
  page_size:
    description: Records per page when reading the release log (1 to 500).
    type: int
    default: 500
  report:
    description:
      - Path of a file on the controller to write the JSON report to (RV(totals), RV(rules), RV(disagreements),
        RV(window), RV(rules_sha256), RV(generated_at), RV(gate)).
      - Beside it (C(backtest.json) gives C(backtest.html) and C(backtest.csv)) a self-contained HTML page with the
        disagreements first (the dangerous ones, C(release_rejected), before the others) and the counts per rule, and a
        CSV of every disagreement (C(class, rule, action, decision, id, released, operator, sender, recipients, subject,
        held_reason)).
      - A relative path is relative to the directory C(ansible-playbook) was started from. The directory must exist.
        Checked before the first API request.
    type: path
  max_disagreements:
    description:
      - A gate for CI - after the report is written, the task fails when the disagreements (C(release_rejected) +
        C(reject_released)) are more than this.
    type: int
  return_disagreements:
    description:
      - Return RV(disagreements) in the result. With V(false) the result holds the counts only (the report file still
        lists every disagreement). The C(secops.mimecast.backtest) playbook sets it to V(false).
    type: bool
    default: true
notes:
  - For a long log the progress of the read is shown on the controller's output.
seealso:
  - module: secops.mimecast.mimecast_triage
  - module: secops.mimecast.mimecast_rules_test
  - module: secops.mimecast.mimecast_held_release_logs_info
'''

EXAMPLES = r'''
- name: How would these rules have decided the last 30 days of releases and rejections?
  secops.mimecast.mimecast_backtest:
    report: /var/tmp/backtest.json
    rules:
      - name: Release the vendor's newsletters
        match:
          reason_code: spam
          sender: '@news\.vendor\.example$'
        action: release
      - name: Reject outbound card numbers
        match:
          route: OUTBOUND
          policy_info: DLP
        action: reject
        reason_type: MESSAGE CONTAINS CONFIDENTIAL INFORMATION
  register: backtest

- name: Show the outcome, one line per rule
  ansible.builtin.debug:
    msg: "{{ backtest.summary }}"

- name: A gate in CI - fail when the rules would have released more than 2 messages people rejected, or rejected what they released
  secops.mimecast.mimecast_backtest:
    rules: "{{ lookup('ansible.builtin.file', 'rules.yml') | from_yaml }}"
    start: -14d
    max_disagreements: 2
    report: "{{ playbook_dir }}/backtest.json"
    return_disagreements: false
'''

RETURN = r'''
totals:
  description: Counts over the window.
  returned: when the log was read
  type: dict
  contains:
    records:
      description: Records read with a status of released or rejected.
      type: int
      sample: 500
    agree:
      description: Records where the rules would have done what the person did.
      type: int
      sample: 400
    release_rejected:
      description: Records the rules would release that a person rejected.
      type: int
      sample: 10
    reject_released:
      description: Records the rules would reject that a person released.
      type: int
      sample: 5
    kept:
      description: Records no rule, or a keep rule, decided (left to a person).
      type: int
      sample: 85
    coverage:
      description: (records - kept) / records, from 0 to 1 (0 when there is no record).
      type: float
      sample: 0.83
    agreement:
      description: agree / (records - kept), from 0 to 1 (0 when nothing is decided).
      type: float
      sample: 0.9639
    disagreements:
      description: release_rejected + reject_released.
      type: int
      sample: 15
    no_rule:
      description: Of the kept records, those that no rule matched.
      type: int
      sample: 60
    unclassified:
      description: Records with a status other than released or rejected (not counted in RV(totals.records)).
      type: int
      sample: 0
rules:
  description: One entry per rule, in the rules' order.
  returned: when the log was read
  type: list
  elements: dict
  contains:
    name:
      description: The rule's name.
      type: str
    action:
      description: The rule's action.
      type: str
    agree:
      description: Records the rule decided as the person did.
      type: int
    release_rejected:
      description: Records the rule would release that a person rejected.
      type: int
    reject_released:
      description: Records the rule would reject that a person released.
      type: int
    kept:
      description: Records the rule (a keep rule) left to a person.
      type: int
    decided:
      description: Every record the rule decided (the four counts added up).
      type: int
    assumed:
      description: The match keys of the rule that a log record cannot answer (C(older_than), C(newer_than)), taken as holding.
      type: list
      elements: str
disagreements:
  description:
    - Every record the rules would have decided otherwise than the person, the C(release_rejected) ones first, then the
      newest first (with O(return_disagreements=true) only; always in the report file).
  returned: when the log was read
  type: list
  elements: dict
  contains:
    class:
      description: V(release_rejected) or V(reject_released).
      type: str
    id:
      description: The message id.
      type: str
    rule:
      description: The rule that decided it.
      type: str
    action:
      description: The rule's action (V(release) or V(reject)).
      type: str
    decision:
      description: What the person did (V(released) or V(rejected)).
      type: str
    operator:
      description: Who did it (an address).
      type: str
    released:
      description: When (UTC, ISO 8601).
      type: str
    sender:
      description: The envelope sender, else the header sender.
      type: str
    recipients:
      description: The recipients.
      type: list
      elements: str
    subject:
      description: The subject.
      type: str
    held_reason:
      description: Why the message was held.
      type: str
window:
  description: The window read, as sent to the API.
  returned: when the log was read
  type: dict
  sample: {"start": "2026-11-07T08:00:00+0000", "end": "2026-12-07T08:00:00+0000"}
rules_sha256:
  description: The rules' checksum - sha256 (hex) of their canonical JSON (keys sorted, no spaces, UTF-8), as the triage reports it.
  returned: when the log was read
  type: str
  sample: f593a7b76a2b5d29bc07b207b67d97d0046a32189dfbe17b00ef21b23aeb5a5b
generated_at:
  description: When the back-test ran (UTC).
  returned: when the log was read
  type: str
  sample: '2026-12-07T08:00:00Z'
gate:
  description: With O(max_disagreements), the gate - C(max_disagreements) and whether the disagreements are within it (C(passed)).
  returned: when O(max_disagreements) is set and the log was read
  type: dict
  sample: {"max_disagreements": 5, "passed": false}
summary:
  description: A short human summary, one line per rule, the window, the gate, then the totals.
  returned: when the log was read
  type: list
  elements: str
  sample:
    - "rule 'Release newsletters held as spam' (release): agree 120, release_rejected 9"
    - "records 500: agree 400, release_rejected 10, reject_released 5, kept 85; coverage 83.0 %, agreement 96.4 %"
report_path:
  description: Where the JSON report was written (an absolute path).
  returned: when O(report) is set and the log was read
  type: str
page_paths:
  description: Where the HTML and CSV pages were written, beside the JSON report.
  returned: when O(report) is set and the log was read
  type: dict
  sample: {"html": "/home/me/backtest.html", "csv": "/home/me/backtest.csv"}
rule_errors:
  description: Every problem found in the rules, each naming its rule.
  returned: when the rules are invalid
  type: list
  elements: str
error:
  description: Details of an API error (HTTP status, API codes, whether it is retryable).
  returned: when the release log could not be read
  type: dict
msg:
  description: The totals line of RV(summary); when the gate failed, the disagreements against the gate; or what went wrong.
  returned: always
  type: str
'''
