#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_held_info
short_description: List Mimecast held messages
version_added: 1.0.0
description:
  - Lists the messages held by Mimecast (the quarantine) with C(POST /api/gateway/get-hold-message-list),
    following the API's cursor pagination to the end or until O(max_results) records are in hand.
  - Records are returned with their keys in snake_case (C(reasonCode) becomes C(reason_code),
    C(fromHeader.emailAddress) becomes C(from_header.email_address)); values are unchanged.
  - Never changes anything. Needs the C(Account | Dashboard | Read) permission.
author:
  - secops.mimecast maintainers (!UNKNOWN)
extends_documentation_fragment:
  - secops.mimecast.connection
  - secops.mimecast.attributes
  - secops.mimecast.attributes.INFO_MODULE
  - secops.mimecast.attributes.ACTIONGROUP_MIMECAST
options:
  admin:
    description:
      - Return the held messages of every recipient.
      - V(false) is the API's own default and returns only the API user's own mailbox, which is rarely what a
        triage job wants.
    type: bool
    default: true
  start:
    description:
      - Earliest C(dateReceived) to return.
      - ISO 8601 with C(Z) or an offset (V(2026-11-20T08:00:00Z), V(2026-11-20T08:00:00+0100)), a plain date
        (V(2026-11-20), midnight UTC), or a relative time (V(-24h), V(-30m), V(-7d), V(now)).
    type: str
  end:
    description:
      - Latest C(dateReceived) to return, in the same forms as O(start).
    type: str
  search_by:
    description:
      - Text search on one field.
    type: dict
    suboptions:
      field_name:
        description:
          - The field searched.
          - V(reason_code) is sent as C(reasonCode) with API 2.0 credentials.
        type: str
        choices: [all, subject, sender, recipient, reason_code]
        default: all
      value:
        description: The text searched for.
        type: str
        required: true
  filter_by:
    description:
      - Filters applied by the API.
    type: dict
    suboptions:
      route:
        description:
          - Direction of the held message, one of V(all), V(inbound), V(outbound), V(internal), V(external), in any case
            (records show it in capitals, V(INBOUND)); sent in lower case, as the API documents filter values.
        type: str
      held_group:
        description: Who may release the message.
        type: str
        choices: [administrator, moderator, user, cluster]
      attachments:
        description: Only messages with (V(true)) or without (V(false)) attachments.
        type: bool
  page_size:
    description:
      - Records asked for per page (1 to 500). Larger pages mean fewer requests.
    type: int
    default: 500
  max_results:
    description:
      - Stop reading once this many records are in hand. Default is every held message.
    type: int
seealso:
  - module: secops.mimecast.mimecast_hold_release
  - module: secops.mimecast.mimecast_hold_reject
  - module: secops.mimecast.mimecast_held_summary_info
'''

EXAMPLES = r'''
- name: List every held message of the last day
  secops.mimecast.mimecast_held_info:
    start: -24h
  register: held

- name: Held newsletters from one sender, with the connection given explicitly
  secops.mimecast.mimecast_held_info:
    base_url: https://eu-api.mimecast.com
    access_key: "{{ mimecast_access_key }}"
    secret_key: "{{ mimecast_secret_key }}"
    app_id: "{{ mimecast_app_id }}"
    app_key: "{{ mimecast_app_key }}"
    search_by:
      field_name: sender
      value: news.vendor.example
  register: newsletters

- name: The 50 most recent inbound held messages with attachments
  secops.mimecast.mimecast_held_info:
    start: -7d
    filter_by:
      route: inbound
      attachments: true
    max_results: 50
  register: with_attachments

- name: Show their ids and reasons
  ansible.builtin.debug:
    msg: "{{ with_attachments.messages | map(attribute='reason_code') | list }}"
'''

RETURN = r'''
messages:
  description: The held messages, keys in snake_case.
  returned: success
  type: list
  elements: dict
  sample:
    - id: eNpVzskOgjAABNB_6RUPpQUBEw8ILkiCuOByMpGWRW0RaKvR
      reason: Message Hold Applied - Spam Signature policy
      reason_id: MESSAGE_HOLD_APPLIED_SPAM_SIGNATURE_POLICY
      reason_code: message_hold_applied_spam_signature_policy
      from:
        email_address: dbnotes@innovation-asylum.example
        displayable_name: ""
      from_header:
        email_address: dbnotes@innovation-asylum.example
        displayable_name: ""
      to:
        email_address: caroline@example.com
        displayable_name: Caroline
      subject: "Weekly digest"
      route: INBOUND
      has_attachments: false
      size: 7543
      date_received: "2026-11-20T13:10:54+0000"
      policy_info: Relaxed Spam Detection
  contains:
    id:
      description: The Mimecast secure id, used by M(secops.mimecast.mimecast_hold_release) and M(secops.mimecast.mimecast_hold_reject).
      type: str
    reason:
      description: Why the message is held, human readable.
      type: str
    reason_code:
      description: Why the message is held, as a code.
      type: str
    from:
      description: Envelope sender, C(email_address) and C(displayable_name).
      type: dict
    from_header:
      description: Header sender.
      type: dict
    to:
      description: Envelope recipient.
      type: dict
    to_header:
      description: Header recipient.
      type: dict
    subject:
      description: The subject.
      type: str
    route:
      description: C(INBOUND), C(OUTBOUND), C(INTERNAL) or C(EXTERNAL).
      type: str
    has_attachments:
      description: Whether the message has attachments.
      type: bool
    size:
      description: Size in bytes.
      type: int
    date_received:
      description: When the message was received, C(2026-11-20T13:10:54+0000).
      type: str
    policy_info:
      description: The policy or definition that held the message.
      type: str
total:
  description: How many records RV(messages) holds.
  returned: success
  type: int
  sample: 479
'''

from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import HELD_LIST
from ansible_collections.secops.mimecast.plugins.module_utils.module import run_read_module


def main():
    run_read_module(HELD_LIST, 'messages', page_size=500)


if __name__ == '__main__':
    main()
