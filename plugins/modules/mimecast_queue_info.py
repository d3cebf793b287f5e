#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_queue_info
short_description: List the messages Mimecast is processing now
version_added: 1.0.0
description:
  - Lists the messages in Mimecast's processing queue (or its bulk processing queue) with
    C(POST /api/gateway/find-processing-messages), following the API's cursor pagination to the end or
    until O(max_results) records are in hand.
  - Messages usually pass through the queue in seconds, so an empty list is a normal answer.
  - Records are returned with their keys in snake_case (C(fromEnv.emailAddress) becomes
    C(from_env.email_address), C(nextAttempt) becomes C(next_attempt)); values are unchanged.
  - Never changes anything. Needs the C(Monitoring | Processing | Read) permission.
author:
  - secops.mimecast maintainers (!UNKNOWN)
extends_documentation_fragment:
  - secops.mimecast.connection
  - secops.mimecast.attributes
  - secops.mimecast.attributes.INFO_MODULE
  - secops.mimecast.attributes.ACTIONGROUP_MIMECAST
options:
  type:
    description:
      - The queue to list.
    type: str
    choices: [processing, bulk_processing]
    default: processing
  start:
    description:
      - Earliest creation time of the queue entries to return. The API's default is seven days ago.
      - ISO 8601 with C(Z) or an offset (V(2026-11-20T08:00:00Z), V(2026-11-20T08:00:00+0100)), a plain date
        (V(2026-11-20), midnight UTC), or a relative time (V(-24h), V(-30m), V(-7d), V(now)).
    type: str
  end:
    description:
      - Latest creation time of the queue entries to return, in the same forms as O(start). The API's default is now.
    type: str
  sort_order:
    description:
      - Order of the results by date. The API's default is V(descending).
    type: str
    choices: [ascending, descending]
  search_by:
    description:
      - Text search on one field.
    type: dict
    suboptions:
      field_name:
        description:
          - The field searched; V(ALL) searches every field.
        type: str
        choices: [ALL, fromAddress, toAddress, subject, info, remoteIp]
        default: ALL
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
      attachments:
        description: Only messages with (V(true)) or without (V(false)) attachments.
        type: bool
  page_size:
    description:
      - Records asked for per page (1 to 500).
    type: int
    default: 100
  max_results:
    description:
      - Stop reading once this many records are in hand. Default is every message in the queue.
    type: int
seealso:
  - module: secops.mimecast.mimecast_message_info
  - module: secops.mimecast.mimecast_held_info
'''

EXAMPLES = r'''
- name: List the messages being processed now
  secops.mimecast.mimecast_queue_info:
  register: queue

- name: Inbound messages with attachments stuck in the queue in the last hour, oldest first
  secops.mimecast.mimecast_queue_info:
    start: -1h
    sort_order: ascending
    filter_by:
      route: inbound
      attachments: true
  register: stuck

- name: The bulk processing queue, searched by connecting IP, with the connection given explicitly
  secops.mimecast.mimecast_queue_info:
    base_url: https://eu-api.mimecast.com
    access_key: "{{ mimecast_access_key }}"
    secret_key: "{{ mimecast_secret_key }}"
    app_id: "{{ mimecast_app_id }}"
    app_key: "{{ mimecast_app_key }}"
    type: bulk_processing
    search_by:
      field_name: remoteIp
      value: 203.0.113.25
    max_results: 50
  register: bulk

- name: Show why the messages are still queued
  ansible.builtin.debug:
    msg: "{{ stuck.messages | map(attribute='info') | list }}"
'''

RETURN = r'''
messages:
  description: The queued messages, keys in snake_case.
  returned: success
  type: list
  elements: dict
  sample:
    - id: eNpNj1tPg0AQhf8Lr5RkL7AUoyYEKjTRaouG1heyLitQu9Ducmlr
      from_env:
        email_address: bruce@sender.example
      from_header:
        email_address: bruce@sender.example
      to:
        email_address: grant@example.com
      subject: Crestar confirmations
      attachment: true
      routing: inbound
      size: 7110
      remote_ip: 203.0.113.25
      attempts: 2
      next_attempt: "2026-11-20T10:46:54+0000"
      created: "2026-11-20T10:45:30+0000"
      info: Time out waiting for cached result to finish
  contains:
    id:
      description: The Mimecast secure id of the message, usable with M(secops.mimecast.mimecast_message_info).
      type: str
    from_env:
      description: Envelope sender, C(email_address) and C(displayable_name).
      type: dict
    from_header:
      description: Header sender.
      type: dict
    to:
      description: Recipient.
      type: dict
    subject:
      description: The subject.
      type: str
    attachment:
      description: Whether the message has attachments.
      type: bool
    routing:
      description: C(internal), C(outbound), C(inbound) or C(external).
      type: str
    size:
      description: Size in bytes.
      type: int
    remote_ip:
      description: The connecting IP address.
      type: str
    attempts:
      description: How many times processing was attempted.
      type: int
    next_attempt:
      description: When processing will be attempted next, C(2026-11-20T10:46:54+0000).
      type: str
    created:
      description: When the processing request was created.
      type: str
    locked_until:
      description: Until when the message is locked for system synchronisation.
      type: str
    info:
      description: The current processing status of the message.
      type: str
total:
  description: How many records RV(messages) holds.
  returned: success
  type: int
  sample: 1
'''

from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import PROCESSING_QUEUE
from ansible_collections.secops.mimecast.plugins.module_utils.module import run_read_module


def main():
    run_read_module(PROCESSING_QUEUE, 'messages', page_size=100)


if __name__ == '__main__':
    main()
