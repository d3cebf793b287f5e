#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_held_release_logs_info
short_description: Read the Mimecast held release log (who released or rejected what)
version_added: 1.1.0
description:
  - Reads the held release log with C(POST /api/gateway/get-held-release-logs), one record per held message that was
    released or rejected, by whom and when, as the administration console's release log shows it.
  - Follows the API's cursor pagination (the records sit in C(data[0].heldReleaseLogs)) to the end or until
    O(max_results) records are in hand.
  - Records are returned with their keys in snake_case (C(fromEnv) becomes C(from_env), C(heldReason) becomes
    C(held_reason)); values are unchanged, except for two fields whose shape public sources disagree on, which are
    always returned in one shape. C(operator) is the operator's address as a string, whether the API sends
    a plain string or an object with an C(email) key. The addresses C(from_env), C(from_hdr) and each item of
    the C(to) list are C({email_address, displayable_name}), whether the API sends C({emailAddress, displayableName}) or
    C({address, domain}).
  - Never changes anything. Needs the C(Monitoring | Held | Read) permission; without it the API answers HTTP 403 and the
    task fails with a message naming that permission.
author:
  - secops.mimecast maintainers (!UNKNOWN)
extends_documentation_fragment:
  - secops.mimecast.connection
  - secops.mimecast.attributes
  - secops.mimecast.attributes.INFO_MODULE
  - secops.mimecast.attributes.ACTIONGROUP_MIMECAST
options:
  start:
    description:
      - Earliest release or rejection to return.
      - ISO 8601 with C(Z) or an offset (V(2026-11-20T08:00:00Z), V(2026-11-20T08:00:00+0100)), a plain date
        (V(2026-11-20), midnight UTC), or a relative time (V(-24h), V(-30m), V(-7d), V(now)).
      - When not given the API's own default applies, a month back.
    type: str
  end:
    description:
      - Latest release or rejection to return, in the same forms as O(start). Default is now.
    type: str
  search_by:
    description:
      - Text search on one field.
    type: dict
    suboptions:
      field_name:
        description:
          - The field searched. V(operator) is the administrator or API user who released or rejected the message,
            V(from) and V(to) the sender and recipient addresses, V(info) the reject note, V(held_reason) why the
            message was held (sent as C(heldReason)).
        type: str
        choices: [all, operator, from, to, subject, info, held_reason]
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
          - Direction of the message, one of V(all), V(inbound), V(outbound), V(internal), V(external), in any case
            (records show it in capitals, V(INBOUND)); sent in lower case, as the API documents filter values.
        type: str
      status:
        description: Only released or only rejected messages.
        type: str
        choices: [released, rejected]
      attachments:
        description: Only messages with (V(true)) or without (V(false)) attachments.
        type: bool
  page_size:
    description:
      - Records asked for per page (1 to 500). Larger pages mean fewer requests.
    type: int
    default: 100
  max_results:
    description:
      - Stop reading once this many records are in hand (the newest first). Default is every record of the window.
    type: int
seealso:
  - module: secops.mimecast.mimecast_held_info
  - module: secops.mimecast.mimecast_hold_release
  - module: secops.mimecast.mimecast_hold_reject
'''

EXAMPLES = r'''
- name: Everything released or rejected in the last day
  secops.mimecast.mimecast_held_release_logs_info:
    start: -24h
  register: release_log

- name: Who released or rejected them
  ansible.builtin.debug:
    msg: "{{ release_log.logs | map(attribute='operator') | unique | list }}"
  when: release_log.total > 0

- name: The 20 latest rejections of the week, with the connection given explicitly (API 2.0)
  secops.mimecast.mimecast_held_release_logs_info:
    base_url: https://api.services.mimecast.com
    client_id: "{{ mimecast_client_id }}"
    client_secret: "{{ mimecast_client_secret }}"
    start: -7d
    filter_by:
      status: rejected
    max_results: 20
  register: rejections

- name: What one administrator released from one sender domain
  secops.mimecast.mimecast_held_release_logs_info:
    start: 2026-11-01T00:00:00Z
    end: 2026-12-01T00:00:00Z
    search_by:
      field_name: operator
      value: helpdesk@example.com
    filter_by:
      status: released
  register: helpdesk

- name: Show the subjects and senders
  ansible.builtin.debug:
    msg: "{{ helpdesk.logs | map(attribute='from_env.email_address') | zip(helpdesk.logs | map(attribute='subject')) | list }}"
'''

RETURN = r'''
logs:
  description: The release-log records, newest first, keys in snake_case.
  returned: success
  type: list
  elements: dict
  sample:
    - id: eNpVjk1PwzAMhv9Lrl0lp1lh5YYEt4GQEB_
      status: released
      released: "2026-11-30T14:02:11+0000"
      operator: helpdesk@example.com
      reject_reason: ""
      message_info: ""
      held_reason: Message Hold Applied - Spam Signature policy
      held_group: administrator
      policy: Relaxed Spam Detection
      route: INBOUND
      size: 48211
      attachments: false
      subject: "Your weekly digest: 12 stories you missed"
      from_env:
        email_address: news@news.vendor.example
        displayable_name: ""
      from_hdr:
        email_address: news@news.vendor.example
        displayable_name: Vendor News
      to:
        - email_address: alice.smith@example.com
          displayable_name: ""
      spam_score: 8
      detection_level: relaxed
  contains:
    id:
      description: The id of the held message.
      type: str
    status:
      description: V(released) or V(rejected).
      type: str
    released:
      description: When the message was released or rejected, C(2026-11-30T14:02:11+0000).
      type: str
    operator:
      description: Who released or rejected it (an administrator, or the API user of an API call), always the address string.
      type: str
    reject_reason:
      description: The reason given for a rejection.
      type: str
    message_info:
      description: The note sent with a rejection, or other information the API gives.
      type: str
    held_reason:
      description: Why the message was held.
      type: str
    held_group:
      description: Who could release it (C(administrator), C(moderator), C(user), C(cluster)).
      type: str
    policy:
      description: The policy or definition that held the message.
      type: str
    route:
      description: C(INBOUND), C(OUTBOUND), C(INTERNAL) or C(EXTERNAL).
      type: str
    subject:
      description: The subject.
      type: str
    from_env:
      description: Envelope sender, C(email_address) and C(displayable_name) (empty when the API gives none).
      type: dict
    from_hdr:
      description: Header sender, as RV(logs[].from_env).
      type: dict
    to:
      description: Recipients, each as RV(logs[].from_env).
      type: list
      elements: dict
    attachments:
      description: Whether the message had attachments.
      type: bool
    size:
      description: Size in bytes.
      type: int
total:
  description: How many records RV(logs) holds.
  returned: success
  type: int
  sample: 42
'''

from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import HELD_RELEASE_LOGS
from ansible_collections.secops.mimecast.plugins.module_utils.module import run_read_module
from ansible_collections.secops.mimecast.plugins.module_utils.release_logs import log_record


def main():
    run_read_module(HELD_RELEASE_LOGS, 'logs', page_size=100, record=log_record)


if __name__ == '__main__':
    main()
