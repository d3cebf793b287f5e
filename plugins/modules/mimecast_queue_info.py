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

from ansible_collections.secops.mimecast.plugins.module_utils.dates import api_range
from ansible_collections.secops.mimecast.plugins.module_utils.module import MimecastModule
from ansible_collections.secops.mimecast.plugins.module_utils.records import route_filter, snake_case

QUEUE_PATH = '/api/gateway/find-processing-messages'
QUEUE_TYPES = ('processing', 'bulk_processing')
SORT_ORDERS = ('ascending', 'descending')
SEARCH_FIELDS = ('ALL', 'fromAddress', 'toAddress', 'subject', 'info', 'remoteIp')


def queue_request(params):
    """The ``data[0]`` item; ``type`` is always sent, so the API's "at least one field" rule holds."""
    item = {'type': params['type']}
    item.update(api_range(params['start'], params['end']))
    if params['sort_order']:
        item['sortOrder'] = params['sort_order']
    search_by = params['search_by']
    if search_by and search_by.get('value') not in (None, ''):
        item['searchBy'] = {'fieldName': search_by.get('field_name') or 'ALL', 'value': search_by['value']}
    filter_by = params['filter_by'] or {}
    filters = []
    if filter_by.get('route') is not None:
        filters.append({'fieldName': 'route', 'value': route_filter(filter_by['route'], 'filter_by.route')})
    if filter_by.get('attachments') is not None:
        filters.append({'fieldName': 'attachments', 'value': filter_by['attachments']})
    if filters:
        item['filterBy'] = filters
    return item


def queue_records(data):
    """The records of one page: ``data[].messages[]``, whatever is missing or null."""
    records = []
    for entry in data or []:
        if isinstance(entry, dict) and isinstance(entry.get('messages'), list):
            records.extend(entry['messages'])
    return records


def list_queue(mm):
    params = mm.params
    if params['max_results'] is not None and params['max_results'] < 1:
        mm.fail('max_results must be 1 or more; got %d' % params['max_results'])
    records = mm.client.paginate(QUEUE_PATH, queue_request(params), page_size=params['page_size'],
                                 max_results=params['max_results'], records=queue_records)
    messages = [snake_case(record) for record in records]
    return dict(changed=False, messages=messages, total=len(messages))


def main():
    argument_spec = dict(
        type=dict(type='str', default='processing', choices=list(QUEUE_TYPES)),
        start=dict(type='str'),
        end=dict(type='str'),
        sort_order=dict(type='str', choices=list(SORT_ORDERS)),
        search_by=dict(type='dict', options=dict(
            field_name=dict(type='str', default='ALL', choices=list(SEARCH_FIELDS)),
            value=dict(type='str', required=True),
        )),
        filter_by=dict(type='dict', options=dict(
            route=dict(type='str'),
            attachments=dict(type='bool'),
        )),
        page_size=dict(type='int', default=100),
        max_results=dict(type='int'),
    )
    MimecastModule(argument_spec).run(list_queue)


if __name__ == '__main__':
    main()
