#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_triage_plan
short_description: Plan the bulk triage of Mimecast held messages with ordered rules
version_added: 1.0.0
description:
  - Validates an ordered list of triage rules, reads the held queue once, and decides for every held message
    whether to release it, reject it or keep it held. The first rule whose O(rules[].match) holds decides;
    a message that no rule matches is kept.
  - Changes nothing. Feed RV(release_ids) to M(secops.mimecast.mimecast_hold_release) and each of
    RV(reject_groups) to M(secops.mimecast.mimecast_hold_reject), as the C(secops.mimecast.triage) playbook does.
  - Invalid rules (an unknown key, an unknown action, a bad regular expression, a reject rule without
    O(rules[].reason_type), a duplicate name, an empty match, ...) fail the task before any API call, with a
    message that names every problem and its rule.
  - Runs on the controller. The held records stay in the controller's worker process; the result holds
    ids and counts only.
  - Needs the C(Account | Dashboard | Read) permission.
  - The rules format is described in detail in the collection's C(docs/triage-rules.md).
author:
  - secops.mimecast maintainers (!UNKNOWN)
extends_documentation_fragment:
  - secops.mimecast.connection
  - secops.mimecast.attributes
  - secops.mimecast.attributes.ACTIONGROUP_MIMECAST
  - secops.mimecast.attributes.ACTION_PLUGIN
  - secops.mimecast.attributes.INFO_MODULE
  - secops.mimecast.triage
notes:
  - The held queue is read once, with as many pages as needed; for a large queue the progress is shown on the
    controller's output.
  - O(rules[].match.older_than) and O(rules[].match.newer_than) are measured from the moment the task starts.
seealso:
  - module: secops.mimecast.mimecast_hold_release
  - module: secops.mimecast.mimecast_hold_reject
  - module: secops.mimecast.mimecast_held_info
  - plugin: secops.mimecast.triage_report
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Plan the triage of the last week's held messages
  secops.mimecast.mimecast_triage_plan:
    start: -7d
    concurrency: 8  # a long queue is read in 8 time windows at once
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
  register: plan

- name: Release what the plan says
  secops.mimecast.mimecast_hold_release:
    ids: "{{ plan.release_ids }}"
    verify_held: false

- name: Reject what the plan says, one task run per reject group
  secops.mimecast.mimecast_hold_reject:
    ids: "{{ item.ids }}"
    reason_type: "{{ item.reason_type }}"
    message: "{{ item.message | default(omit, true) }}"
    notify: "{{ item.notify }}"
    verify_held: false
  loop: "{{ plan.reject_groups }}"
  loop_control:
    label: "{{ item.reason_type }} ({{ item.ids | length }} messages)"
'''

RETURN = r'''
held:
  description: How many distinct held messages the window holds.
  returned: success
  type: int
  sample: 120
rules:
  description: One entry per rule, in the rules' order, with the messages that rule decided.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The rule's name.
      type: str
      sample: Release the vendor's newsletters
    action:
      description: The rule's action.
      type: str
      sample: release
    matched:
      description: How many messages the rule decided (a message matched by an earlier rule is not counted).
      type: int
      sample: 72
    ids:
      description: The ids of those messages.
      type: list
      elements: str
    reason_type:
      description: The rejection reason, for reject rules.
      type: str
      returned: for reject rules
    message:
      description: The text returned to the sender, for reject rules (V(null) when not set).
      type: str
      returned: for reject rules
    notify:
      description: Whether the sender is notified, for reject rules.
      type: bool
      returned: for reject rules
release_ids:
  description: The ids to release, each once, in the order the held queue listed them.
  returned: success
  type: list
  elements: str
  sample: [eNpVzskOgjAABNB_6RUPpQUBEw8ILkiCuOByMpGWRW0RaKvR]
reject_groups:
  description:
    - The ids to reject, one group per distinct O(rules[].reason_type), O(rules[].message) and O(rules[].notify),
      in the order of the rules. Groups without ids are left out.
  returned: success
  type: list
  elements: dict
  contains:
    reason_type:
      description: The rejection reason.
      type: str
      sample: MESSAGE CONTAINS CONFIDENTIAL INFORMATION
    message:
      description: The text returned to the sender, or V(null).
      type: str
    notify:
      description: Whether the senders are notified.
      type: bool
    ids:
      description: The ids to reject.
      type: list
      elements: str
    rules:
      description: The names of the rules that make up the group.
      type: list
      elements: str
kept:
  description: How many held messages stay held (matched by a keep rule, or by no rule).
  returned: success
  type: int
  sample: 24
rule_errors:
  description: Every problem found in the rules, each naming its rule.
  returned: when the rules are invalid
  type: list
  elements: str
  sample: ["rule #2 'Reject DLP': a reject rule needs \"reason_type\" (one of: ...)"]
error:
  description: Details of an API error (HTTP status, API codes, whether it is retryable).
  returned: when the held queue could not be read
  type: dict
msg:
  description: A one-line summary of the plan, or what went wrong.
  returned: always
  type: str
  sample: "Planned 120 held messages: release 72, reject 24 (1 groups), keep 24"
'''
