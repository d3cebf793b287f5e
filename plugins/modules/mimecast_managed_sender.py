#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_managed_sender
short_description: Permit or block senders in Mimecast (managed senders), in bulk
version_added: 1.1.0
description:
  - Sets managed-sender entries with C(POST /api/managedsender/permit-or-block-sender), as the administration
    console's "release and permit sender" and "reject and block sender" do. A permitted sender's messages to that
    recipient are not held again, a blocked sender's are not let through.
  - Give a list of entries (O(entries)), or one entry (O(sender), O(to) and O(action)); many entries per request and
    several requests at once.
  - Every address is checked before any call; one bad entry is an error naming it, and nothing is sent.
  - Addresses are sent in lower case; the same (sender, recipient) given twice is sent once, and given once to permit
    and once to block is an error.
  - The API has no way to read an entry back, so the module cannot tell whether an entry already held the same
    value. Every entry sent counts as a change. Setting an entry again is harmless (the API replaces the entry of the
    same sender and recipient), so an entry whose answer was lost (HTTP 5xx, timeout, dropped connection) is sent again
    after a back-off, up to O(retries) more times.
  - Every entry ends in RV(entries) or in RV(failures). The task fails after every other entry was sent when
    RV(failures) is not empty.
  - The permission is not documented by the vendor; an HTTP 403 means the application may not manage senders.
notes:
  - With a local connection (the usual case, a play on localhost) the action plugin of the collection runs this in the
    controller's process, without starting a module. With another connection, C(become), a task C(environment) or
    C(async) the module runs as usual. Both ways behave the same.
  - The triage rules' C(sender_policy) (see the C(secops.mimecast.triage) playbook) sets the same entries for the
    messages a rule releases or rejects.
author:
  - secops.mimecast maintainers (!UNKNOWN)
extends_documentation_fragment:
  - secops.mimecast.connection
  - secops.mimecast.attributes
  - secops.mimecast.attributes.ACTIONGROUP_MIMECAST
  - secops.mimecast.attributes.ACTION_PLUGIN
attributes:
  check_mode:
    support: full
    details:
      - Nothing is sent; RV(entries) lists the entries that would be set (with C(id) null).
  diff_mode:
    support: full
    details:
      - Lists the entries set, or in check mode the entries that would be set, one line each
        (C(permit sender -> recipient)). The entries' earlier values cannot be shown; the API cannot read them.
  idempotent:
    support: partial
    details:
      - The same task run twice sets the same entries again and reports a change each time, because the API cannot
        read an entry back to compare. The second run leaves Mimecast in the same state as the first.
options:
  entries:
    description:
      - The entries to set. Mutually exclusive with O(sender), O(to) and O(action).
    type: list
    elements: dict
    suboptions:
      sender:
        description: The sender's e-mail address (the envelope sender of the messages).
        type: str
        required: true
      to:
        description: The recipient's e-mail address.
        type: str
        required: true
      action:
        description: V(permit) lets this sender's messages to this recipient through, V(block) blocks them.
        type: str
        required: true
        choices: [permit, block]
  sender:
    description:
      - The sender of a single entry; give O(to) and O(action) with it. Mutually exclusive with O(entries).
    type: str
  to:
    description:
      - The recipient of a single entry.
    type: str
  action:
    description:
      - What a single entry does, V(permit) or V(block).
    type: str
    choices: [permit, block]
  batch_size:
    description:
      - Entries sent per request (1 to 500).
      - Set V(1) if an API gateway accepts only one item per request.
    type: int
    default: 100
  concurrency:
    description:
      - Requests in flight at once (1 to 16), over one keep-alive session.
    type: int
    default: 4
seealso:
  - module: secops.mimecast.mimecast_hold_release
  - module: secops.mimecast.mimecast_hold_reject
  - module: secops.mimecast.mimecast_held_release_logs_info
'''

EXAMPLES = r'''
- name: Permit a supplier's invoices to the accounts team
  secops.mimecast.mimecast_managed_sender:
    sender: billing@supplier-one.example
    to: accounts@example.com
    action: permit

- name: Block a spammer for several recipients, with the connection given explicitly (API 2.0)
  secops.mimecast.mimecast_managed_sender:
    base_url: https://api.services.mimecast.com
    client_id: "{{ mimecast_client_id }}"
    client_secret: "{{ mimecast_client_secret }}"
    entries:
      - sender: promo@cheap-deals.example
        to: alice@example.com
        action: block
      - sender: promo@cheap-deals.example
        to: bob@example.com
        action: block
  register: blocked

- name: Find the held newsletters of one vendor
  secops.mimecast.mimecast_held_info:
    search_by:
      field_name: sender
      value: news.vendor.example
  register: newsletters

- name: Permit the sender of the first one for its recipient ("release and permit sender"), before releasing it
  secops.mimecast.mimecast_managed_sender:
    sender: "{{ newsletters.messages[0].from.email_address }}"
    to: "{{ newsletters.messages[0].to.email_address }}"
    action: permit
  when: newsletters.total > 0

# For every message a triage rule releases or rejects, the triage playbook's rules do the same in bulk:
# sender_policy: permit on a release rule, sender_policy: block on a reject rule.
'''

RETURN = r'''
entries:
  description:
    - The entries set, as the API answered them (what it holds now for each sender and recipient).
    - In check mode, the entries that would be set, with C(id) null.
  returned: always
  type: list
  elements: dict
  sample:
    - id: MTOKEN:eNqrVipOTS4tSs1LTlWyUrJKzc3JL0pVslIyNDEzNDI3MTY2NTAwMTFTqgUAxTsJyQ
      sender: billing@supplier-one.example
      to: accounts@example.com
      type: Permit
  contains:
    id:
      description: The API's id of the entry.
      type: str
    sender:
      description: The sender's address.
      type: str
    to:
      description: The recipient's address.
      type: str
    type:
      description: C(Permit) or C(Block).
      type: str
failures:
  description: Entries that could not be set, with the API's error code and message.
  returned: always
  type: list
  elements: dict
  sample:
    - sender: billing@supplier-one.example
      to: accounts@example.com
      action: permit
      code: err_validation_invalid_email_address
      message: Email address is not valid
      retryable: false
  contains:
    sender:
      description: The sender of the entry sent.
      type: str
    to:
      description: The recipient of the entry sent.
      type: str
    action:
      description: V(permit) or V(block), as sent.
      type: str
    code:
      description: The API error code, C(http_<status>) or C(transport_error).
      type: str
    message:
      description: What went wrong.
      type: str
    retryable:
      description: Whether running the task again may succeed.
      type: bool
msg:
  description: Counts of the entries set and failed, and the first failed entries with their codes.
  returned: always
  type: str
  sample: Set 2 managed senders (permit 0, block 2), failed 0 (of 2 entries)
'''

from ansible_collections.secops.mimecast.plugins.module_utils.module import run_write_module


def main():
    run_write_module('managed_sender')


if __name__ == '__main__':
    main()
