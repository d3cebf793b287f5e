# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mimecast_held_report in-process: the real client and report code over a fake held queue."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os

import pytest

from ansible_collections.secops.mimecast.plugins.action import mimecast_held_report as plugin
from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
from ansible_collections.secops.mimecast.plugins.plugin_utils import action_base, held_report
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import FakeResponse, envelope, make_action_plugin
from ansible_collections.secops.mimecast.tests.unit.plugins.module_utils.test_held import HeldQueue, api_date, held_record

CONN = {'base_url': 'https://eu-api.mimecast.com', 'access_key': 'AK', 'secret_key': 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=',
        'app_id': 'APP', 'app_key': 'app-key-0123456789'}
FILES = ['held-report.html', 'held-report.json', 'held-report.md']
RELEASE_LOGS = '/api/gateway/get-held-release-logs'
PERMISSION = 'Monitoring | Held | Read'


def log_entry(n, operator, status, minute):
    return {'id': 'r%d' % n, 'status': status, 'released': '2026-12-01T10:%02d:00+0000' % minute, 'operator': operator,
            'subject': 'Released %d' % n, 'heldReason': 'Spam', 'fromEnv': {'emailAddress': 's%d@vendor.example' % n},
            'to': [{'emailAddress': 'u%d@example.com' % n}]}


LOG = [log_entry(0, 'alice@example.com', 'released', 5), log_entry(1, 'bob@example.com', 'rejected', 9),
       log_entry(2, {'email': 'alice@example.com'}, 'released', 1), log_entry(3, 'alice@example.com', 'rejected', 7)]


def with_release_log(queue, records=(), status=200):
    """``queue`` also answers get-held-release-logs: ``records`` on one page, or HTTP ``status`` (403: permission denied).
    The bodies of those requests are in ``queue.log_requests``."""
    held_queue = queue.session.handler
    queue.log_requests = []

    def handler(call):
        if call['url'].endswith(RELEASE_LOGS):
            queue.log_requests.append(call['json'])
            if status != 200:
                return FakeResponse(status, envelope(fail=[{'key': {}, 'errors': [{'code': 'err_xdk_permission_denied',
                                                                                  'message': 'Permission denied'}]}]))
            return FakeResponse(200, envelope([{'heldReleaseLogs': list(records)}], meta={'status': 200, 'pagination': {'pageSize': 500}}))
        return held_queue(call)

    queue.session.handler = handler
    return queue


def queue_of(monkeypatch, count, spacing=60):
    now = datetime.datetime.now(datetime.timezone.utc)
    records = [held_record('m%05d' % i, api_date(now - datetime.timedelta(seconds=spacing * i + 60)), route='INBOUND',
                           subject='digest %d' % i, **{'from': {'emailAddress': 'a%d@news.example' % (i % 7)}})
               for i in range(count)]
    queue = HeldQueue(records)
    monkeypatch.setattr(action_base, 'client_from_params', lambda params, warn=None, pool_size=8: MimecastClient(
        session=queue.session, sleep=lambda s: None, **CONN))
    queue.displayed = []
    monkeypatch.setattr(action_base.display, 'display', lambda msg, *a, **kw: queue.displayed.append(msg))
    return with_release_log(queue)


def run_action(args, check_mode=False, sections=None):
    action = make_action_plugin(plugin, args, action='secops.mimecast.mimecast_held_report', name='A very long task name ' * 4,
                                check_mode=check_mode)
    if sections is not None:
        action.sections = sections
    return action.run(task_vars={})


@pytest.mark.parametrize('check_mode', [False, True])
def test_writes_the_three_reports_in_check_mode_too(monkeypatch, tmp_path, check_mode):
    queue = queue_of(monkeypatch, 30)
    result = run_action(dict(CONN, dest=str(tmp_path / 'a' / 'b')), check_mode=check_mode)
    assert not result.get('failed'), result
    assert result['changed'] is False and result['total'] == 30
    assert sorted(os.listdir(str(tmp_path / 'a' / 'b'))) == FILES
    # reports hold message data: 0600, as every file a run writes
    assert all(os.stat(path).st_mode & 0o777 == 0o600 for path in result['paths'].values())
    with open(result['paths']['json']) as handle:
        assert json.load(handle) == result['report']
    assert result['report']['by_route'] == [{'name': 'INBOUND', 'count': 30}]
    # every message held now: a window wider than the 14 days a message stays held, read once
    item = queue.calls()[0]['data'][0]
    assert item['admin'] is True and item['start'] < api_date(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=29))
    assert queue.displayed == []  # small queue: no progress lines


def test_relative_dest_is_relative_to_the_current_directory(monkeypatch, tmp_path):
    queue_of(monkeypatch, 3)
    monkeypatch.chdir(str(tmp_path))
    result = run_action(dict(CONN, dest='report'))
    assert not result.get('failed'), result
    assert result['paths']['html'] == str(tmp_path / 'report' / 'held-report.html')
    assert sorted(os.listdir(str(tmp_path / 'report'))) == FILES


def test_a_report_path_that_is_a_directory_fails_before_any_request(monkeypatch, tmp_path):
    queue = queue_of(monkeypatch, 3)
    (tmp_path / 'r' / 'held-report.html').mkdir(parents=True)
    result = run_action(dict(CONN, dest=str(tmp_path / 'r')))
    assert result['failed'] is True and 'held-report.html is a directory' in result['msg'], result
    assert queue.calls() == []


@pytest.mark.parametrize('case', ['dest is a file', 'top', 'page_size', 'start after end', 'release_log_start', 'release_log_latest'])
def test_bad_options_fail_before_any_request(monkeypatch, tmp_path, case):
    queue = queue_of(monkeypatch, 3)
    args = dict(CONN, dest=str(tmp_path / 'r'))
    if case == 'dest is a file':
        (tmp_path / 'r').write_text('x')
        expect = 'is not a directory'
    elif case == 'top':
        args['top'] = 0
        expect = 'top must be at least 1'
    elif case == 'page_size':
        args['page_size'] = 501
        expect = 'page_size'
    elif case == 'release_log_start':
        args['release_log_start'] = 'last week'
        expect = 'release_log_start'
    elif case == 'release_log_latest':
        args['release_log_latest'] = -1
        expect = 'release_log_latest must be at least 0'
    else:
        args.update(start='-1d', end='-2d')
        expect = 'is after'
    result = run_action(args)
    assert result['failed'] is True and expect in result['msg'], result
    assert queue.calls() == [] and queue.log_requests == []


def test_progress_lines_have_a_short_prefix(monkeypatch, tmp_path):
    queue = queue_of(monkeypatch, 2100, spacing=300)
    result = run_action(dict(CONN, dest=str(tmp_path)))
    assert not result.get('failed'), result and result['total'] == 2100
    reads = [m for m in queue.displayed if 'held messages' in m]
    assert reads[0] == 'held_report: read 500 of 2100 held messages (1 pages)'
    assert reads[-1].startswith('held_report: read 2100 of 2100 held messages')
    assert queue.displayed[-1].startswith('held_report: wrote ')
    assert all(len(m.split(':')[0]) < 20 for m in queue.displayed)


def test_a_collected_section_is_in_every_report(monkeypatch, tmp_path):
    queue_of(monkeypatch, 5)
    seen = []

    def collect(context):
        seen.append(sorted(context.params))
        return {'latest': 3}

    extra = held_report.Section('recent', 'Recent releases', lambda s, d, r: '<h2>%s: %d</h2>' % (s.title, d['latest']),
                                lambda s, d, r: ['## %s: %d' % (s.title, d['latest']), ''], collect=collect)
    result = run_action(dict(CONN, dest=str(tmp_path)), sections=held_report.SECTIONS + [extra])
    assert not result.get('failed'), result
    assert seen and 'dest' in seen[0] and result['report']['recent'] == {'latest': 3}
    with open(result['paths']['html']) as handle:
        assert '<h2>Recent releases: 3</h2>' in handle.read()
    with open(result['paths']['markdown']) as handle:
        assert '## Recent releases: 3' in handle.read()


def read_reports(result):
    texts = {}
    for kind in ('json', 'html', 'markdown'):
        with open(result['paths'][kind], encoding='utf-8') as handle:
            texts[kind] = handle.read()
    texts['json'] = json.loads(texts['json'])
    return texts


def test_the_release_log_section_by_default(monkeypatch, tmp_path):
    queue = with_release_log(queue_of(monkeypatch, 4), LOG)
    result = run_action(dict(CONN, dest=str(tmp_path)))
    assert not result.get('failed') and 'warnings' not in result, result
    # one request for the log: the last 7 days (to now), 500 a page, after the held queue was read
    assert len(queue.log_requests) == 1
    request = queue.log_requests[0]
    assert request['meta'] == {'pagination': {'pageSize': 500}} and list(request['data'][0]) == ['start']
    start = datetime.datetime.strptime(request['data'][0]['start'], '%Y-%m-%dT%H:%M:%S%z')
    week_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=7)
    assert abs((start - week_ago).total_seconds()) < 600
    section = result['report']['recent_releases']
    assert section['available'] is True and section['total'] == 4 and section['warning'] is None
    assert section['by_status'] == [{'name': 'released', 'count': 2}, {'name': 'rejected', 'count': 2}]
    assert section['by_operator'] == [{'name': 'alice@example.com', 'count': 3, 'released': 2, 'rejected': 1},
                                      {'name': 'bob@example.com', 'count': 1, 'released': 0, 'rejected': 1}]
    assert [item['id'] for item in section['latest']] == ['r1', 'r3', 'r0', 'r2']
    reports = read_reports(result)
    assert reports['json'] == result['report']
    assert '<section class="mc-rl" id="recent_releases">' in reports['html'] and '<h2>Recent releases and rejections</h2>' in reports['html']
    assert reports['html'].index('Oldest held messages') < reports['html'].index('Recent releases and rejections')
    markdown = reports['markdown']
    assert '## Recent releases and rejections' in markdown and '| alice@example.com | 2 | 1 | 3 |' in markdown
    assert markdown.endswith('s2@vendor.example \u2192 u2@example.com | Released 2 |\n')


def test_release_log_options_are_sent(monkeypatch, tmp_path):
    queue = with_release_log(queue_of(monkeypatch, 2), LOG)
    result = run_action(dict(CONN, dest=str(tmp_path), release_log_start='2026-11-20T08:00:00Z', release_log_latest=1, page_size=200))
    assert not result.get('failed'), result
    assert queue.log_requests == [{'meta': {'pagination': {'pageSize': 200}}, 'data': [{'start': '2026-11-20T08:00:00+0000'}]}]
    section = result['report']['recent_releases']
    assert section['window'] == {'start': '2026-11-20T08:00:00+0000'} and section['total'] == 4
    assert [item['id'] for item in section['latest']] == ['r1']


def test_release_log_false_sends_no_log_request(monkeypatch, tmp_path):
    queue = with_release_log(queue_of(monkeypatch, 3), LOG)
    result = run_action(dict(CONN, dest=str(tmp_path), release_log=False))
    assert not result.get('failed'), result
    assert queue.log_requests == [] and len(queue.calls()) == 1
    assert 'recent_releases' not in result['report']
    reports = read_reports(result)
    assert 'recent_releases' not in reports['json']
    assert 'Recent releases' not in reports['html'] and 'mc-rl' not in reports['html']
    assert 'Recent releases' not in reports['markdown']


@pytest.mark.parametrize('check_mode', [False, True])
def test_a_forbidden_release_log_is_a_warning_and_the_report_is_written(monkeypatch, tmp_path, check_mode):
    queue = with_release_log(queue_of(monkeypatch, 5), status=403)
    result = run_action(dict(CONN, dest=str(tmp_path)), check_mode=check_mode)
    assert not result.get('failed') and result['changed'] is False and result['total'] == 5, result
    assert len(queue.log_requests) == 1  # a 403 is not retried
    warnings = [w for w in result['warnings'] if RELEASE_LOGS in w]
    assert len(warnings) == 1 and PERMISSION in warnings[0] and 'HTTP 403 (err_xdk_permission_denied)' in warnings[0]
    section = result['report']['recent_releases']
    assert section['available'] is False and section['warning'] == warnings[0] and section['total'] == 0
    assert sorted(os.listdir(str(tmp_path))) == FILES
    reports = read_reports(result)
    assert reports['json']['total'] == 5 and reports['json']['by_route'] == [{'name': 'INBOUND', 'count': 5}]
    assert reports['json']['recent_releases']['available'] is False
    assert 'Recent releases and rejections' in reports['html'] and PERMISSION in reports['html']
    assert '> **Warning:** The release log was not read' in reports['markdown']
