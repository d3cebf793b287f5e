#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_held_summary_info
short_description: Count Mimecast held messages by policy
version_added: 1.0.0
description:
  - Returns how many messages Mimecast holds now for each policy or definition that held them, with
    C(POST /api/gateway/get-hold-summary-list).
  - One request, whatever the size of the held queue; use M(secops.mimecast.mimecast_held_info) to list the messages.
  - Records are returned with their keys in snake_case (C(policyInfo) becomes C(policy_info)); values are unchanged.
  - Never changes anything. Needs the C(Account | Dashboard | Read) permission.
author:
  - secops.mimecast maintainers (!UNKNOWN)
extends_documentation_fragment:
  - secops.mimecast.connection
  - secops.mimecast.attributes
  - secops.mimecast.attributes.INFO_MODULE
  - secops.mimecast.attributes.ACTIONGROUP_MIMECAST
options: {}
seealso:
  - module: secops.mimecast.mimecast_held_info
  - module: secops.mimecast.mimecast_hold_release
'''

EXAMPLES = r'''
- name: Count held messages by policy
  secops.mimecast.mimecast_held_summary_info:
  register: held_summary

- name: Same, with the connection given explicitly (API 2.0)
  secops.mimecast.mimecast_held_summary_info:
    base_url: https://api.services.mimecast.com
    client_id: "{{ mimecast_client_id }}"
    client_secret: "{{ mimecast_client_secret }}"
  register: held_summary

- name: Show the total number of held messages
  ansible.builtin.debug:
    msg: "{{ held_summary.summary | map(attribute='number_of_items') | sum }} messages are held"

- name: Fail when the spam policy holds too many messages
  ansible.builtin.assert:
    that: >-
      (held_summary.summary | selectattr('policy_info', 'equalto', 'Relaxed Spam Detection')
       | map(attribute='number_of_items') | sum) < 5000
'''

RETURN = r'''
summary:
  description: One entry per policy or definition that holds messages now, keys in snake_case.
  returned: success
  type: list
  elements: dict
  sample:
    - policy_info: Default Outbound URL Protect Definition
      number_of_items: 8
    - policy_info: Relaxed Spam Detection
      number_of_items: 1473
  contains:
    policy_info:
      description: The policy or definition that held the messages.
      type: str
      sample: Relaxed Spam Detection
    number_of_items:
      description: How many messages it holds now.
      type: int
      sample: 1473
'''

from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import HOLD_SUMMARY
from ansible_collections.secops.mimecast.plugins.module_utils.module import MimecastModule
from ansible_collections.secops.mimecast.plugins.module_utils.records import snake_case


def held_summary(mm):
    resp = mm.client.call(HOLD_SUMMARY.path, data=[])
    resp.raise_for_fail()
    summary = [snake_case(record) for record in resp.data if isinstance(record, dict)]
    return dict(changed=False, summary=summary)


def main():
    MimecastModule(dict()).run(held_summary)


if __name__ == '__main__':
    main()
