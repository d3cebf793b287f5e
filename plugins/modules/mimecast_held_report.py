#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_held_report
short_description: Report on the Mimecast held queue in one task (JSON, HTML and Markdown files)
version_added: 1.0.0
description:
  - Reads the held queue once (in parallel time windows, as M(secops.mimecast.mimecast_triage) does), summarises it
    in one pass and writes three reports into the directory O(dest) - C(held-report.json), C(held-report.html)
    (self-contained, with bar charts, readable from a phone to a wide screen) and C(held-report.md).
  - The summary holds the counts by reason code, by age, by route and by sender domain, the top senders and
    recipients and the oldest messages, and (O(release_log)) the section "Recent releases and rejections" from the
    held release log - by operator, by status and the latest O(release_log_latest), as
    M(secops.mimecast.mimecast_held_release_logs_info) reads the log. The held records never pass through Ansible variables, so a queue of
    tens of thousands of messages costs about what a triage dry run of it costs. This is what the
    C(secops.mimecast.report) playbook runs.
  - The reports are an output of the run, not managed state; they are written in check mode too, and the task
    never reports a change.
  - Invalid options and a directory that cannot be written fail the task before any API call.
  - Runs on the controller. Needs the C(Account | Dashboard | Read) permission, and C(Monitoring | Held | Read) for
    the release-log section. Without the latter the API answers HTTP 403 on the release log; the task then warns,
    naming the permission, the section says the log could not be read and the rest of the report is written.
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
      - Reads the held queue and writes the reports, as outside check mode (the reports are not managed state).
  diff_mode:
    support: N/A
    details:
      - Changes nothing in Mimecast.
  idempotent:
    support: full
    details:
      - Changes nothing in Mimecast; the reports are rewritten with what is held at the time of the run.
options:
  dest:
    description:
      - The directory the reports are written into (created if missing, with its parents).
      - A relative path is relative to the directory C(ansible-playbook) was started from (never to the
        playbook's directory or the collection's).
      - C(held-report.json), C(held-report.html) and C(held-report.md) in it are replaced (atomically), with mode C(0600)
        since they hold message data (addresses, subjects).
    type: path
    required: true
  start:
    description:
      - Start of the window of held messages (by date received). ISO 8601 with an offset (V(2026-11-20T08:00:00Z))
        or a relative time (V(-24h), V(-7d)).
      - When neither O(start) nor O(end) is given, every message held now is read (a window from 30 days back to
        one day ahead; a message stays held for 14 days).
    type: str
  end:
    description: End of the window; same formats as O(start), or V(now).
    type: str
  admin:
    description: Report on the held messages of every recipient. With V(false), only the API user's own.
    type: bool
    default: true
  top:
    description: How many top senders, top recipients, sender domains and oldest messages to list.
    type: int
    default: 10
  page_size:
    description: Records per page when reading the held queue (1 to 500).
    type: int
    default: 500
  concurrency:
    description:
      - Requests in flight at once (1 to 16). A held queue longer than two pages is read in this many consecutive
        time windows at once.
    type: int
    default: 4
  release_log:
    description:
      - Add the section "Recent releases and rejections" (RV(report.recent_releases)) read from the held release
        log (C(POST /api/gateway/get-held-release-logs)).
      - With V(false) the section is left out and the log is not requested.
    type: bool
    default: true
  release_log_start:
    description:
      - Earliest release or rejection the section counts, in the same forms as O(start) (V(-7d),
        V(2026-11-20T08:00:00Z), V(2026-11-20)); up to now.
    type: str
    default: -7d
  release_log_latest:
    description: How many of the latest releases and rejections the section lists (V(0) lists none; the counts are kept).
    type: int
    default: 10
notes:
  - For a large queue the progress of the read is shown on the controller's output.
seealso:
  - module: secops.mimecast.mimecast_held_info
  - module: secops.mimecast.mimecast_held_summary_info
  - module: secops.mimecast.mimecast_triage
'''

EXAMPLES = r'''
- name: Report on everything held now, into ./report (relative to where ansible-playbook was started)
  secops.mimecast.mimecast_held_report:
    dest: report
  register: held

- name: Say how many are held and where the reports are
  ansible.builtin.debug:
    msg: "{{ held.total }} held; open {{ held.paths.html }}"

- name: The last day's holds for every recipient, top 20, with the connection given explicitly (API 2.0)
  secops.mimecast.mimecast_held_report:
    dest: /var/tmp/mimecast/{{ inventory_hostname }}
    start: -24h
    top: 20
    base_url: https://api.services.mimecast.com
    client_id: "{{ mimecast_client_id }}"
    client_secret: "{{ mimecast_client_secret }}"

- name: The held queue only, without the release-log section (an API user without Monitoring | Held | Read)
  secops.mimecast.mimecast_held_report:
    dest: report
    release_log: false

- name: Who released or rejected what in the last 30 days, the latest 25 listed
  secops.mimecast.mimecast_held_report:
    dest: report
    release_log_start: -30d
    release_log_latest: 25

- name: Fail the job when the spam policy holds too many messages
  ansible.builtin.assert:
    that: >-
      (held.report.by_reason_code | selectattr('name', 'equalto', 'message_hold_applied_spam_signature_policy')
       | map(attribute='count') | sum) < 5000
'''

RETURN = r'''
report:
  description: The summary written to C(held-report.json).
  returned: success
  type: dict
  contains:
    generated_at:
      description: The reference time of the ages, in UTC.
      type: str
      sample: '2026-11-20T08:00:00Z'
    total:
      description: How many held messages.
      type: int
      sample: 200
    with_attachments:
      description: How many of them have attachments.
      type: int
    by_reason_code:
      description: C({name, count}) per reason code, most frequent first.
      type: list
      elements: dict
    by_age:
      description: C({name, count}) per age bucket (V(<1h), V(1-6h), V(6-24h), V(1-3d), V(3-7d), V(7-14d), V(older)).
      type: list
      elements: dict
    by_route:
      description: C({name, count}) per route.
      type: list
      elements: dict
    by_sender_domain:
      description: C({name, count}) for the top sender domains; the rest is folded into V((other)).
      type: list
      elements: dict
    sender_domains:
      description: How many distinct sender domains.
      type: int
    top_senders:
      description: C({name, count}) for the top sender addresses.
      type: list
      elements: dict
    top_recipients:
      description: C({name, count}) for the top recipient addresses.
      type: list
      elements: dict
    oldest:
      description: The oldest held messages (C(id), C(date), C(age_hours), C(sender), C(subject), C(reason_code)).
      type: list
      elements: dict
    recent_releases:
      description:
        - The section "Recent releases and rejections" from the held release log.
        - C(available) (false when the log could not be read, C(warning) then says why, naming the permission),
          C(window) (C(start), C(end) as sent), C(total), C(by_status) (C({name, count}) for V(released) and
          V(rejected)), C(by_operator) (C({name, count, released, rejected}), the busiest first), C(latest) (the
          newest first - C(released), C(status), C(operator), C(sender), C(recipients), C(subject), C(held_reason),
          C(reject_reason), C(id)) and C(truncated).
      returned: when O(release_log) is true
      type: dict
paths:
  description: The absolute paths of the reports written.
  returned: success
  type: dict
  contains:
    json:
      description: The JSON report.
      type: str
      sample: /home/me/report/held-report.json
    html:
      description: The HTML report.
      type: str
      sample: /home/me/report/held-report.html
    markdown:
      description: The Markdown report.
      type: str
      sample: /home/me/report/held-report.md
total:
  description: How many held messages the report covers.
  returned: success
  type: int
  sample: 200
error:
  description: Details of an API error (HTTP status, API codes, whether it is retryable).
  returned: when the held queue could not be read
  type: dict
msg:
  description: How many are held and where the reports are, or what went wrong.
  returned: always
  type: str
'''
