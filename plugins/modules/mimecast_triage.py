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
  - Every report holds its plan (RV(plan)), with a digest a person can sign off. With O(plan) the task applies a
    dry run's plan instead of the rules - only the messages the dry run listed, each with its rule's action and
    options, the managed-sender entries first; a message of the plan no longer held is not held any more
    (RV(totals.not_held)), a message held since that the plan does not hold is left alone (RV(totals.not_in_plan)).
    A plan is refused before any API request when its file cannot be read, when it is not a dry run's, when its
    content does not give the digest it states (it was edited), when its digest is not O(plan_digest), when it was
    made for another tenant, when it is older than O(plan_max_age), or when O(rules) are given and are not its rules.
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
      - A second run of the same rules finds nothing to release or reject; applying the same plan again finds every
        message it acts on not held any more.
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
        RV(check_mode), RV(generated_at), RV(rules_sha256), RV(plan)). Missing directories are created; that the file
        can be written there is checked before the first API request. The report of a dry run is a plan O(plan) can
        apply.
      - The report of a real run is never overwritten - when the path holds one (its RV(check_mode) is false, or it is
        not a readable JSON report), it is moved aside with its C(.html) and C(.csv) first, to
        C(<stem>.<its generated_at as YYYYMMDDTHHMMSSZ><suffix>) (C(run.json) becomes C(run.20261207T101112Z.json)); a
        dry run's report is replaced.
      - A relative path is relative to the directory C(ansible-playbook) was started from (never to the playbook's
        directory or the collection's).
      - The review report is written beside it (C(run.json) gives C(run.html) and C(run.csv)) - per rule, every
        message it matched, then the messages no rule matched, with its received time, sender, recipients, subject
        and reason code and the action taken (or, in check mode, that would be taken; kept held for a keep rule's and
        the unmatched); the HTML also shows the counts, whether it was a dry run, the plan's digest whole and
        RV(rules_sha256). See RV(review_paths).
      - Written in check mode too, and when some messages failed.
    type: path
  plan:
    description:
      - Apply a signed-off plan instead of planning with O(rules) - the path of the JSON report of a dry run (a run in
        check mode with O(report)), or that report itself as a dictionary (as an AWX workflow hands it from job to
        job), or its JSON text.
      - A relative path is relative to the directory C(ansible-playbook) was started from.
      - The window, O(admin) and the rules are the plan's (O(start) and O(end) are not used). The held queue is read
        once over the plan's window (a window that ended at the dry run's read ends now), to tell which of the plan's
        messages are still held and which held messages the plan does not hold.
      - The plan's digest is a checksum of its content, not a signature - give O(plan_digest) to apply only the plan a
        person signed off.
    type: raw
    version_added: 1.1.0
  plan_digest:
    description:
      - The digest of the plan signed off (C(sha256:) and 64 hexadecimal digits, as the dry run's summary, HTML review
        and CSV show it); a plan with another digest is refused.
      - Several digests (one per tenant of a run over several tenants) may be given as a list, or as a text with
        one per line or separated by spaces or commas; the plan's digest must be one of them.
    type: raw
    version_added: 1.1.0
  plan_max_age:
    description:
      - A plan whose held queue was read longer ago than this is refused. A number and a unit (V(s), V(m), V(h),
        V(d), V(w)), or an integer of seconds.
    type: raw
    default: 24h
    version_added: 1.1.0
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

- name: Dry run, for a person to review (dry-run.html) and sign off (its digest)
  secops.mimecast.mimecast_triage:
    rules: "{{ mimecast_rules }}"
    report: dry-run.json
  check_mode: true

- name: Later, apply exactly what was signed off, or nothing
  secops.mimecast.mimecast_triage:
    plan: dry-run.json
    plan_digest: sha256:3f0a5e0d3c0e2f61c1b1b0b7d2f4c0a6e2b7f0b8a1c9d3e4f5a6b7c8d9e0f1a2
    report: applied.json

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
    not_in_plan:
      description:
        - Messages held now in the window of the plan applied (O(plan)) that the plan does not hold - held since the
          dry run, or listed after its read. They are left alone.
      type: int
      returned: when O(plan) is given
      sample: 1
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
        The CSV review - a header row, then one row per message of the plan, those a release or reject rule matched
        and those left held (action C(keep), the keep rule's name, or an empty rule when no rule matched)
        (C(rule, action, done, id, received, sender, recipients, subject, reason_code, plan_digest)).
      type: str
      sample: /home/me/run.csv
rules_sha256:
  description: The rules' checksum - sha256 (hex) of their canonical JSON (keys sorted, no spaces, UTF-8).
  returned: when the rules were applied
  type: str
  sample: f593a7b76a2b5d29bc07b207b67d97d0046a32189dfbe17b00ef21b23aeb5a5b
plan:
  description:
    - The plan of the run, as the report holds it - what a person signs off and what applying it needs besides the
      ids of RV(rules).
    - In the result of a task with O(return_ids=false), without C(rules_given), C(unmatched) and C(senders) (the report
      file holds them).
  returned: when the rules were applied
  type: dict
  version_added: 1.1.0
  contains:
    digest:
      description:
        - C(sha256:) and the sha256 (hex) of the canonical JSON (keys sorted, no spaces, UTF-8) of the plan's content -
          C(format), C(tenant), C(as_of), C(window), C(admin), C(rules_sha256), C(rules) (per rule its C(name),
          C(action), C(options), C(sender_policy) and C(ids)), C(unmatched) and C(senders). The same plan always
          gives the same digest.
      type: str
      sample: sha256:3f0a5e0d3c0e2f61c1b1b0b7d2f4c0a6e2b7f0b8a1c9d3e4f5a6b7c8d9e0f1a2
    as_of:
      description: When the held queue was read (UTC).
      type: str
      sample: '2026-12-07T09:00:00Z'
    tenant:
      description:
        - The fingerprint of the connection the plan was made with - C(sha256:) of the API version, the base URL and
          the application's public identifiers (API 1.0 - the app id and the access key; API 2.0 - the client id). No
          secret goes into it.
      type: str
    window:
      description: The window read (C(start), C(end) in the API's form).
      type: dict
    admin:
      description: Whether every recipient's held messages were read.
      type: bool
    format:
      description: The version of this section (1).
      type: int
    rules_given:
      description: The rules as given (their checksum is RV(rules_sha256)).
      type: list
      elements: dict
    unmatched:
      description: The ids of the held messages no rule matched (kept).
      type: list
      elements: str
    senders:
      description: >-
        Per id of a rule with a C(sender_policy), its managed-sender pairs (C(pairs), a list of [sender, recipient]),
        or why it has none (C(problem), C(sender), C(to)).
      type: dict
    applied:
      description: The digest of the signed-off plan this run applied.
      type: str
      returned: when O(plan) is given, not in check mode
rule_errors:
  description: Every problem found in the rules, each naming its rule.
  returned: when the rules are invalid
  type: list
  elements: str
error:
  description:
    - Details of an API error (HTTP status, API codes, whether it is retryable), or of a plan that was refused - its
      C(code) says why - C(plan_unreadable), C(plan_invalid), C(plan_not_dry_run), C(plan_edited),
      C(plan_digest_mismatch), C(plan_other_tenant), C(plan_too_old), C(plan_rules_mismatch).
  returned: when the held queue could not be read, or a plan was refused
  type: dict
msg:
  description: The totals line of RV(summary); when messages failed, the failures (the first 20); or what went wrong.
  returned: always
  type: str
'''
