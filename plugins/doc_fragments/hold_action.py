# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  ids:
    description:
      - Ids of held messages, as returned by M(secops.mimecast.mimecast_held_info). Duplicates are acted on once.
      - An empty list does nothing.
    type: list
    elements: str
    required: true
    aliases: [id]
  batch_size:
    description:
      - Ids sent per request (1 to 500).
      - Set V(1) if an API gateway accepts only one item per request.
    type: int
    default: 100
  concurrency:
    description:
      - Requests in flight at once (1 to 16), over one keep-alive session. All of them share the rate-limit
        budget of O(max_retry_wait).
    type: int
    default: 4
  verify_held:
    description:
      - Read the held queue before writing and act only on ids held now; outside check mode, the ids not held are
        then sent once, in requests of their own, for the API to say which ones it does not know (RV(not_found)).
      - Set V(false) only when the ids come from a read made just before, as the C(secops.mimecast.triage) playbook
        does; ids that are no longer held are then recognised from the API's answer (and a re-read of the held
        queue), and check mode reports every id as one that would be acted on.
    type: bool
    default: true
'''
