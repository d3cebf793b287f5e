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
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import make_action_plugin
from ansible_collections.secops.mimecast.tests.unit.plugins.module_utils.test_held import HeldQueue, api_date, held_record

CONN = {'base_url': 'https://eu-api.mimecast.com', 'access_key': 'AK', 'secret_key': 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=',
        'app_id': 'APP', 'app_key': 'app-key-0123456789'}
FILES = ['held-report.html', 'held-report.json', 'held-report.md']


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
    return queue


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


@pytest.mark.parametrize('case', ['dest is a file', 'top', 'page_size', 'start after end'])
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
    else:
        args.update(start='-1d', end='-2d')
        expect = 'is after'
    result = run_action(args)
    assert result['failed'] is True and expect in result['msg'], result
    assert queue.calls() == []


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
