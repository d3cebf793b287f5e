# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secops.mimecast.report playbook against the simulator (ansible-playbook as a subprocess, no HTTP mocks)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
from html.parser import HTMLParser

from conftest import run_playbook

HOSTILE = '<script>alert("held")</script><img src=x onerror=alert(1)> | `x` [y](http://evil.example)'


class _Tags(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self)
        self.tags = []
        self.attrs = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_report_playbook_writes_json_html_markdown(sim, tmp_path):
    sim.add_messages([{'subject': HOSTILE, 'reasonCode': 'message_hold_applied_spam_signature_policy'}])
    held = sim.state()['counts']['held']
    out = tmp_path / 'reports' / 'nested'
    run = run_playbook(sim, 'secops.mimecast.report', extra_vars={'mimecast_report_dir': str(out)})
    assert run.rc == 0, run
    assert str(out / 'held-report.html') in run.output

    with open(str(out / 'held-report.json')) as handle:
        report = json.load(handle)
    assert report['total'] == held
    for key in ('by_reason_code', 'by_route', 'by_age'):
        assert sum(i['count'] for i in report[key]) == held, key
    assert sum(i['count'] for i in report['by_sender_domain']) == held
    assert report['top_senders'] and report['top_recipients'] and report['oldest']
    assert [b['name'] for b in report['by_age']][:7] == ['<1h', '1-6h', '6-24h', '1-3d', '3-7d', '7-14d', 'older']
    assert report['oldest'] == sorted(report['oldest'], key=lambda m: m['age_hours'], reverse=True)
    # a single read of the held queue, nothing written
    assert sum(sim.stats()['by_path']['/api/gateway/get-hold-message-list'].values()) >= 1
    assert sim.stats()['writes'] == 0

    with open(str(out / 'held-report.html')) as handle:
        page = handle.read()
    tags = _Tags()
    tags.feed(page)
    assert 'svg' in tags.tags and 'script' not in tags.tags and 'img' not in tags.tags
    assert not [a for a in tags.attrs if a[0] in ('src', 'href')]
    assert '<script>alert' not in page

    with open(str(out / 'held-report.md')) as handle:
        markdown = handle.read()
    assert markdown.startswith('# Mimecast held queue report')
    assert '<script>' not in markdown


def test_report_playbook_needs_a_directory(sim):
    run = run_playbook(sim, 'secops.mimecast.report')
    assert run.rc != 0
    assert 'mimecast_report_dir is required' in run.output
    assert sim.stats()['total'] == 0


def test_report_playbook_in_check_mode_still_writes(sim, tmp_path):
    run = run_playbook(sim, 'secops.mimecast.report', options=['--check'], extra_vars={'mimecast_report_dir': str(tmp_path)})
    assert run.rc == 0, run
    assert os.path.exists(str(tmp_path / 'held-report.json'))
    assert sim.stats()['writes'] == 0
