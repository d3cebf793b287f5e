#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_message_info
short_description: Get the full tracking record of Mimecast messages
version_added: 1.0.0
description:
  - Returns the tracking record of each message id (recipient and delivery information, policies applied, spam
    scoring, retention) with C(POST /api/message-finder/get-message-info).
  - With API 2.0 credentials one request is sent per id (the API 2.0 reference accepts exactly one); with API 1.0
    up to 50 ids are sent per request.
  - Ids the API does not know are listed in RV(not_found) and do not fail the task. Any other error reported for an
    id fails the task, naming the id, the API's error code and its message.
  - Records are returned with their keys in snake_case (C(recipientInfo.messageInfo.fromHeader) becomes
    C(recipient_info.message_info.from_header)); values are unchanged, and so are keys that are not names, such as
    the recipient addresses that key C(delivered_message).
  - Never changes anything. Needs the C(Gateway | Tracking | Read) permission.
author:
  - secops.mimecast maintainers (!UNKNOWN)
extends_documentation_fragment:
  - secops.mimecast.connection
  - secops.mimecast.attributes
  - secops.mimecast.attributes.INFO_MODULE
  - secops.mimecast.attributes.ACTIONGROUP_MIMECAST
options:
  ids:
    description:
      - Mimecast secure ids of the messages, as returned by M(secops.mimecast.mimecast_held_info),
        M(secops.mimecast.mimecast_queue_info) or a message-finder search.
      - Duplicates are looked up once. Leading and trailing spaces are removed; an empty id is an error, reported
        before any request is sent. An empty list returns empty results without calling the API.
    type: list
    elements: str
    required: true
    aliases: [id]
seealso:
  - module: secops.mimecast.mimecast_held_info
  - module: secops.mimecast.mimecast_queue_info
'''

EXAMPLES = r'''
- name: Get the tracking record of one message
  secops.mimecast.mimecast_message_info:
    id: eNpNj9tugkAQht9lryXuLgTEpBcoWompRsA0EBPCYQKbuqB7oNWm715om7Y3k0nm
  register: info

- name: Show its spam score and delivery events
  ansible.builtin.debug:
    msg:
      spam_score: "{{ info.messages[0].spam_info.spam_score }}"
      delivery: "{{ info.messages[0].delivered_message | dict2items | map(attribute='value.delivery_meta_info.delivery_event') | list }}"

- name: Look up every held message of the last hour
  secops.mimecast.mimecast_held_info:
    start: -1h
  register: held

- name: Get their tracking records, with the connection given explicitly (API 2.0)
  secops.mimecast.mimecast_message_info:
    base_url: https://api.services.mimecast.com
    client_id: "{{ mimecast_client_id }}"
    client_secret: "{{ mimecast_client_secret }}"
    ids: "{{ held.messages | map(attribute='id') | list }}"
  register: details

- name: Warn about ids Mimecast no longer knows
  ansible.builtin.debug:
    msg: "Unknown ids: {{ details.not_found }}"
  when: details.not_found | length > 0
'''

RETURN = r'''
messages:
  description:
    - One tracking record per id found, keys in snake_case, in the order of O(ids).
    - C(delivered_message) is keyed by recipient e-mail address; those keys are left as they are.
  returned: success
  type: list
  elements: dict
  sample:
    - id: eNpNj9tugkAQht9lryXuLgTEpBcoWompRsA0EBPCYQKbuqB7oNWm715om7Y3k0nm
      status: archived
      recipient_info:
        message_info:
          from_header: mark@sender.example
          from_envelope: mark@sender.example
          to: [test@example.com]
          cc: []
          subject: Quarterly results
          sent: "2026-11-18T13:25:21+0000"
          processed: "2026-11-18T13:25:21+0000"
        recipient_meta_info:
          receipt_event: Email Received - SPF check failed
          remote_ip: 198.51.100.184
      delivered_message:
        test@example.com:
          delivery_meta_info:
            delivery_event: Email Delivered via Routing Rule
            email_address: test@example.com
          policy_info:
            - policy_type: Spam Scanning
              policy_name: Relaxed Spam Detection
              inherited: false
      retention_info:
        current_purge_date: "2026-12-18T13:25:21+0000"
        purge_based_on: original
      spam_info:
        spam_score: 2
        detection_level: relaxed
  contains:
    id:
      description: The Mimecast secure id of the message.
      type: str
    status:
      description: The message's state, for example C(archived), C(held), C(released) or C(processing).
      type: str
    recipient_info:
      description: How the message was received, C(message_info) (headers, subject, dates) and C(recipient_meta_info)
        (receipt event, connecting server, TLS, sizes, components).
      type: dict
    delivered_message:
      description: Per recipient e-mail address, how the message was delivered (C(message_info), C(policy_info),
        C(delivery_meta_info)).
      type: dict
    retention_info:
      description: Purge dates, litigation holds, smart tags and audits.
      type: dict
    spam_info:
      description: Spam score, detection level and the detail of the spam checks (RBL, SPF, DKIM, DMARC, ...).
      type: dict
not_found:
  description: The ids (of O(ids)) that the API does not know, in the order given.
  returned: always
  type: list
  elements: str
  sample: [eNpNope]
failures:
  description:
    - The ids for which the API reported an error other than not found; when not empty the task fails.
  returned: failed
  type: list
  elements: dict
  sample:
    - id: eNpNj9tugkAQht9lryXuLgTEpBcoWompRsA0EBPCYQKbuqB7oNWm715om7Y3k0nm
      code: err_validation_invalid_id
      message: The id is not valid
      retryable: false
  contains:
    id:
      description: The id, or V(null) when the API did not say which id failed.
      type: str
    code:
      description: The API's error code.
      type: str
    message:
      description: The API's error message.
      type: str
    retryable:
      description: Whether the API says that trying again may succeed.
      type: bool
'''

from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import MESSAGE_INFO
from ansible_collections.secops.mimecast.plugins.module_utils.envelope import iter_fail_errors
from ansible_collections.secops.mimecast.plugins.module_utils.module import MimecastModule
from ansible_collections.secops.mimecast.plugins.module_utils.records import snake_case
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import clean_ids

V1_BATCH = 50


def is_not_found(error):
    """True when an error says the id is unknown (the API's code, e.g. ``err_message_not_found``, or its text)."""
    code = str(error.get('code') or '').lower().replace('-', '_')
    message = str(error.get('message') or '').lower()
    return 'not_found' in code or 'notfound' in code or 'not found' in message


def fail_id(entry):
    """The id a ``fail`` entry is about: its key is ``{"id": ...}`` or the id itself."""
    key = entry.get('key') if isinstance(entry, dict) else None
    if isinstance(key, dict):
        key = key.get('id')
    return key if isinstance(key, str) else None


def lookup(client, batch, found, extra, not_found, failures):
    """Look up one batch of ids; sort the answer into ``found`` (by id), ``extra``, ``not_found`` and ``failures``."""
    resp = client.call(MESSAGE_INFO.path, data=[{'id': message_id} for message_id in batch])
    failed = set()
    for entry in resp.fail:
        message_id = fail_id(entry)
        if message_id is None and len(batch) == 1:
            message_id = batch[0]
        errors = list(iter_fail_errors([entry]))
        if message_id in batch and all(is_not_found(error) for error in errors):
            not_found.append(message_id)
        else:
            failures.extend(dict(id=message_id, code=error.get('code'), message=error.get('message'),
                                 retryable=bool(error.get('retryable'))) for error in errors)
        failed.add(message_id)
    unmatched = []
    for record in resp.data:
        if not isinstance(record, dict):
            continue
        if record.get('id') in batch and record['id'] not in found:
            found[record['id']] = record
        else:
            unmatched.append(record)
    missing = [message_id for message_id in batch if message_id not in found and message_id not in failed]
    if unmatched and len(unmatched) == len(missing):
        # Records whose id is spelt differently from the one asked for: the API answers in request order.
        found.update(zip(missing, unmatched))
        return
    extra.extend(unmatched)
    not_found.extend(missing)


def message_info(mm):
    ids = clean_ids(mm.params['ids'])
    size = 1 if mm.client.scheme == '2.0' else V1_BATCH
    found, extra, not_found, failures = {}, [], [], []
    for offset in range(0, len(ids), size):
        lookup(mm.client, ids[offset:offset + size], found, extra, not_found, failures)
    messages = [snake_case(found[message_id]) for message_id in ids if message_id in found]
    messages.extend(snake_case(record) for record in extra)
    result = dict(changed=False, messages=messages, not_found=[message_id for message_id in ids if message_id in not_found])
    if failures:
        result['failures'] = failures
        result['failed'] = True
        result['msg'] = 'Mimecast %s failed for %d id(s): %s' % (
            MESSAGE_INFO.path, len(failures), '; '.join('%s: %s: %s' % (f['id'] or 'request', f['code'], f['message']) for f in failures))
    return result


def main():
    argument_spec = dict(
        ids=dict(type='list', elements='str', required=True, aliases=['id']),
    )
    MimecastModule(argument_spec).run(message_info)


if __name__ == '__main__':
    main()
