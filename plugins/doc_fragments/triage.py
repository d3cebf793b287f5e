# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The rules and the window of held messages: mimecast_triage_plan and mimecast_triage.
    DOCUMENTATION = r'''
options:
  rules:
    description:
      - The ordered triage rules. The first rule whose O(rules[].match) holds for a held message decides what
        happens to it.
      - A string holding the rules as YAML or JSON is accepted too (for example from an AWX survey text field).
      - Required, except by M(secops.mimecast.mimecast_triage) when O(secops.mimecast.mimecast_triage#module:plan) is
        given - a signed-off plan holds its rules; given with it, they must be the plan's (their checksum its
        C(rules_sha256)), else the plan is refused.
    type: list
    elements: dict
    suboptions:
      name:
        description: A unique name for the rule, used in the plan, the report and error messages.
        type: str
        required: true
      match:
        description:
          - The conditions, all of which must hold (AND). At least one key.
          - Regular expressions are searched (not anchored) case-insensitively; a field missing from a record
            never matches.
        type: dict
        required: true
        suboptions:
          reason_code:
            description: Regular expression on the hold reason code, for example V(^message_hold_applied_spam).
            type: str
          sender:
            description: Regular expression on the envelope sender address or the header sender address.
            type: str
          recipient:
            description: Regular expression on any envelope or header recipient address.
            type: str
          subject:
            description: Regular expression on the subject.
            type: str
          reason:
            description: Regular expression on the human-readable hold reason.
            type: str
          policy_info:
            description: Regular expression on the policy information of the hold.
            type: str
          route:
            description: The route, compared exactly but case-insensitively, for example V(INBOUND), V(OUTBOUND), V(INTERNAL).
            type: str
          has_attachments:
            description: Whether the message has attachments. The strings V(true) and V(false) are accepted too.
            type: bool
          older_than:
            description:
              - The message was received at least this long ago. A number and a unit (V(s), V(m), V(h), V(d)),
                for example V(2h) or V(7d), or an integer of seconds.
            type: raw
          newer_than:
            description:
              - The message was received less than this long ago. Same format as O(rules[].match.older_than).
            type: raw
      action:
        description: What to do with the messages the rule matches.
        type: str
        required: true
        choices: [release, reject, keep]
      reason_type:
        description: Why the messages are rejected. Required for, and allowed only on, reject rules.
        type: str
        choices:
          - MESSAGE CONTAINS UNDESIRABLE CONTENT
          - MESSAGE CONTAINS CONFIDENTIAL INFORMATION
          - REVIEWER DISAPPROVES OF CONTENT
          - INAPPROPRIATE COMMUNICATION
          - MESSAGE GOES AGAINST EMAIL POLICIES
      message:
        description: Text returned to the sender of a rejected message. Reject rules only.
        type: str
      notify:
        description: Whether the sender is notified of the rejection. Reject rules only.
        type: bool
        default: false
      sender_policy:
        description:
          - Also set a managed-sender entry for the envelope sender and each recipient of every message the rule acts on,
            before it acts (see the rules reference, C(docs/triage-rules.md)).
          - V(permit) on release rules only, V(block) on reject rules only.
        type: str
        choices: [permit, block]
  start:
    description:
      - Start of the window of held messages considered (by date received).
      - ISO 8601 with an offset (V(2026-11-20T08:00:00Z)) or a relative time (V(-24h), V(-7d)).
    type: str
    default: -14d
  end:
    description: End of the window of held messages considered; same formats as O(start), or V(now).
    type: str
    default: now
  admin:
    description:
      - Consider the held messages of every recipient. With V(false), only the API user's own held messages.
    type: bool
    default: true
  page_size:
    description: Records per page when reading the held queue (1 to 500).
    type: int
    default: 500
  concurrency:
    description:
      - Requests in flight at once (1 to 16), over one keep-alive session.
      - A held queue longer than two pages is read in this many consecutive time windows at once, each with its own
        cursor; every id is kept once. Where the task also writes, this many release or reject requests are in flight
        at once.
    type: int
    default: 4
'''
