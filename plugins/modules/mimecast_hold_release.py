#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_hold_release
short_description: Release Mimecast held messages, idempotently and in bulk
version_added: 1.0.0
description:
  - Releases held messages by id with C(POST /api/gateway/hold-release), many ids per request and several
    requests at once.
  - Before writing, reads the held queue once (unless O(verify_held=false)) and releases the ids that are held
    now. An id that is not held any more is neither a change nor a failure, so running the same task twice is safe
    and reports RV(ignore:changed=false) the second time.
  - Outside check mode the ids that are not held are then sent once too, in requests of their own, so that the
    API says which ones it does not know (RV(not_found), a typo for instance); they are never a failure.
  - When an answer is lost (HTTP 5xx, timeout, dropped connection) the release is not sent blindly again; the
    held queue is read again, ids no longer held count as released, and ids still held are sent again, with back-off,
    for up to O(retries) more rounds; an id still held after every round is a failure saying so.
  - Every id ends in exactly one of RV(released), RV(not_held), RV(not_found) or RV(failures). The task fails after
    processing every other id when RV(failures) is not empty.
  - Needs the C(Account | Monitoring | Held | Edit) and C(Account | Dashboard | Read) permissions.
notes:
  - With a local connection (the usual case, a play on localhost) the action plugin of the collection runs this in the
    controller's process, without starting a module, so large id lists are not copied into module arguments
    and back. With another connection, C(become), a task C(environment) or C(async) the module runs as usual.
    Both ways behave the same.
author:
  - secops.mimecast maintainers (!UNKNOWN)
extends_documentation_fragment:
  - secops.mimecast.connection
  - secops.mimecast.hold_action
  - secops.mimecast.attributes
  - secops.mimecast.attributes.ACTIONGROUP_MIMECAST
  - secops.mimecast.attributes.ACTION_PLUGIN
attributes:
  check_mode:
    support: full
    details:
      - No write call is made; RV(released) lists exactly the ids that would be released.
  diff_mode:
    support: full
    details:
      - Shows the ids that are held before and after.
  idempotent:
    support: full
options: {}
seealso:
  - module: secops.mimecast.mimecast_held_info
  - module: secops.mimecast.mimecast_hold_reject
'''

EXAMPLES = r'''
- name: Release two held messages
  secops.mimecast.mimecast_hold_release:
    ids:
      - eNpVzskOgjAABNB_6RUPpQUBEw8ILkiCuOByMpGWRW0RaKvR
      - eNpVzrEOgjAABNB_6aoDtNaCiQMKGkKCGAXiZKKtAtIKpQXE

- name: Find the held newsletters of one sender
  secops.mimecast.mimecast_held_info:
    search_by:
      field_name: sender
      value: news.vendor.example
  register: newsletters

- name: Release them all (a dry run with --check shows what would be released)
  secops.mimecast.mimecast_hold_release:
    ids: "{{ newsletters.messages | map(attribute='id') | list }}"
  register: release

- name: Show what happened
  ansible.builtin.debug:
    msg: "{{ release.released | length }} released, {{ release.not_held | length }} were not held"
'''

RETURN = r'''
released:
  description:
    - Ids released by this run, including any whose answer was lost but whose release a re-check confirmed.
    - In check mode, the ids that would be released.
  returned: always
  type: list
  elements: str
  sample: [eNpVzskOgjAABNB_6RUPpQUBEw8ILkiCuOByMpGWRW0RaKvR]
not_held:
  description: Ids not held (any more) - released, rejected, expired; or unknown where the API does not say so (check mode, C(release=false)). Not a failure.
  returned: always
  type: list
  elements: str
  sample: [eNpVzrEOgjAABNB_6aoDtNaCiQMKGkKCGAXiZKKtAtIKpQXE]
not_found:
  description: Ids the API said it does not know (C(err_message_not_found)), a typo or another tenant's. Not a change, not a failure; not in RV(not_held).
  returned: always
  type: list
  elements: str
  sample: [eNpVzrEOgjAABNB_6aoDtNaCiQMKGkKCGAXiZKKtAtIKpQXT]
failures:
  description: Ids that could not be released, with the API's error code and message.
  returned: always
  type: list
  elements: dict
  sample:
    - id: eNpVzskOgjAABNB_6RUPpQUBEw8ILkiCuOByMpGWRW0RaKvR
      code: err_xdk_internal_error
      message: Internal error
      retryable: true
  contains:
    id:
      description: The message id.
      type: str
    code:
      description: The API error code, C(http_<status>), C(transport_error) or C(outcome_unknown).
      type: str
    message:
      description: What went wrong.
      type: str
    retryable:
      description: Whether running the task again may succeed.
      type: bool
msg:
  description: Counts of each outcome (not found only when there are any), and the first failed ids with their codes.
  returned: always
  type: str
  sample: Released 2, not held 1, not found 1, failed 0 (of 4 ids)
'''

from ansible_collections.secops.mimecast.plugins.module_utils.module import run_write_module


def main():
    run_write_module('release')


if __name__ == '__main__':
    main()
