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


# ------------------------------------------------------------------ the release log section
RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'
LOGS = '/api/gateway/get-held-release-logs'
PERMISSION = 'Monitoring | Held | Read'
TASK = 'Report on the held queue'


def direct_log(sim):
    """Every record of the simulator's release log of the last 30 days, read with plain API calls."""
    out, token = [], None
    while True:
        pagination = {'pageSize': 500}
        if token:
            pagination['pageToken'] = token
        status, dummy, body = sim.call(LOGS, [{}], meta={'pagination': pagination})
        assert status == 200, body
        out += body['data'][0]['heldReleaseLogs']
        token = body['meta']['pagination'].get('next')
        if not token:
            return out


def read_reports(out):
    with open(str(out / 'held-report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    with open(str(out / 'held-report.html'), encoding='utf-8') as handle:
        page = handle.read()
    with open(str(out / 'held-report.md'), encoding='utf-8') as handle:
        markdown = handle.read()
    return report, page, markdown


def log_requests(sim):
    return sum(sim.stats()['by_path'].get(LOGS, {}).values())


def test_report_has_the_recent_releases_and_rejections(sim, tmp_path):
    sim.reset(held=60, seed=7, release_history=30)
    held = sim.state()['held']
    assert sim.call(RELEASE, [{'id': i} for i in held[:3]])[0] == 200
    assert sim.call(REJECT, [{'ids': held[3:5], 'reasonType': 'MESSAGE GOES AGAINST EMAIL POLICIES'}])[0] == 200
    logged = direct_log(sim)
    counts = sim.state()['release_log']
    assert counts['entries'] == len(logged) == 35
    operators = {}
    for record in logged:
        row = operators.setdefault(record['operator'].lower(), {'released': 0, 'rejected': 0})
        row[record['status']] += 1

    before = log_requests(sim)
    out = tmp_path / 'report'
    run = run_playbook(sim, 'secops.mimecast.report', extra_vars={
        'mimecast_report_dir': str(out), 'mimecast_report_release_log_start': '-30d', 'mimecast_report_release_log_latest': '4'})
    assert run.rc == 0, run
    assert not run.result(TASK).get('warnings'), run.result(TASK)
    report, page, markdown = read_reports(out)
    section = report['recent_releases']
    assert section['available'] is True and section['total'] == counts['entries']
    assert section['by_status'] == [{'name': 'released', 'count': counts['released']}, {'name': 'rejected', 'count': counts['rejected']}]
    assert dict((row['name'], {'released': row['released'], 'rejected': row['rejected']}) for row in section['by_operator']) == operators
    assert sum(row['count'] for row in section['by_operator']) == len(logged)
    # the latest: what the API user just released or rejected (the seeded history is older)
    assert len(section['latest']) == 4 and set(item['id'] for item in section['latest']) <= set(held[:5])
    assert report['total'] == 55 and log_requests(sim) == before + 1 and sim.stats()['write_requests'] == 2  # the two set up above

    assert '<section class="mc-rl" id="recent_releases">' in page and 'Recent releases and rejections' in page
    assert '<b>%d</b>released' % counts['released'] in page and '<b>%d</b>rejected' % counts['rejected'] in page
    assert '<h3>Latest 4</h3>' in page
    assert '## Recent releases and rejections' in markdown
    assert '| released | %d |' % counts['released'] in markdown and '| rejected | %d |' % counts['rejected'] in markdown
    assert '%d in all.' % counts['entries'] in markdown


def test_report_without_the_release_log_permission_is_still_written(sim, tmp_path):
    sim.reset(held=60, seed=7, release_history=10)
    sim.config(release_log_forbidden=True)
    try:
        run = run_playbook(sim, 'secops.mimecast.report', extra_vars={'mimecast_report_dir': str(tmp_path)})
    finally:
        sim.config(release_log_forbidden=False)
    assert run.rc == 0, run
    result = run.result(TASK)
    assert result.get('failed') is not True and result['total'] == 60
    warnings = [w for w in result.get('warnings', []) if LOGS in w]
    assert len(warnings) == 1 and PERMISSION in warnings[0] and 'HTTP 403' in warnings[0], result
    assert PERMISSION in ' '.join(run.output.split())  # shown on the controller's output too
    assert log_requests(sim) == 1
    report, page, markdown = read_reports(tmp_path)
    assert report['total'] == 60 and sum(i['count'] for i in report['by_reason_code']) == 60 and report['oldest']
    assert report['recent_releases']['available'] is False and report['recent_releases']['warning'] == warnings[0]
    assert 'Recent releases and rejections' in page and PERMISSION in page and 'Oldest held messages' in page
    assert '> **Warning:** The release log was not read' in markdown and '## Oldest held messages' in markdown


def test_report_with_release_log_false_reads_no_log(sim, tmp_path):
    sim.reset(held=60, seed=7, release_history=10)
    # as an AWX survey gives it: a string
    run = run_playbook(sim, 'secops.mimecast.report', extra_vars={'mimecast_report_dir': str(tmp_path), 'mimecast_report_release_log': 'false'})
    assert run.rc == 0, run
    assert log_requests(sim) == 0
    report, page, markdown = read_reports(tmp_path)
    assert 'recent_releases' not in report and report['total'] == 60
    assert 'Recent releases' not in page and 'Recent releases' not in markdown
