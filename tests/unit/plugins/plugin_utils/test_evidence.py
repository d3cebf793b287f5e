# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Evidence is kept: a real run's report (and its review reports) is moved aside, never overwritten."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import errno
import json
import os

import pytest

from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_api_epoch
from ansible_collections.secops.mimecast.plugins.plugin_utils import evidence


def write_run(folder, name='run', check_mode=False, generated_at='2026-12-07T10:11:12Z', siblings=('.html', '.csv')):
    path = folder / ('%s.json' % name)
    path.write_text(json.dumps({'check_mode': check_mode, 'generated_at': generated_at, 'totals': {'released': 304}}))
    for suffix in siblings:
        (folder / (name + suffix)).write_text('%s of %s' % (suffix, generated_at))
    return path


def names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_real_run_is_moved_with_its_review_reports(tmp_path):
    path = write_run(tmp_path)
    notes = []
    moved = evidence.keep_evidence(str(path), note=notes.append)
    assert names(tmp_path) == ['run.20261207T101112Z.csv', 'run.20261207T101112Z.html', 'run.20261207T101112Z.json']
    assert moved == [(str(tmp_path / n), str(tmp_path / k)) for n, k in (
        ('run.json', 'run.20261207T101112Z.json'), ('run.html', 'run.20261207T101112Z.html'),
        ('run.csv', 'run.20261207T101112Z.csv'))]
    assert json.loads((tmp_path / 'run.20261207T101112Z.json').read_text())['totals'] == {'released': 304}
    assert (tmp_path / 'run.20261207T101112Z.html').read_text() == '.html of 2026-12-07T10:11:12Z'
    assert notes == ['kept the report of a real run: run.20261207T101112Z.json, run.20261207T101112Z.html, run.20261207T101112Z.csv']


def test_a_dry_run_is_left_to_be_replaced(tmp_path):
    path = write_run(tmp_path, check_mode=True)
    before = names(tmp_path)
    assert evidence.keep_evidence(str(path), note=pytest.fail) == []
    assert names(tmp_path) == before


def test_nothing_there_nothing_moved(tmp_path):
    assert evidence.keep_evidence(str(tmp_path / 'run.json')) == []
    assert names(tmp_path) == []


def test_a_real_run_without_review_reports(tmp_path):
    path = write_run(tmp_path, siblings=())
    evidence.keep_evidence(str(path))
    assert names(tmp_path) == ['run.20261207T101112Z.json']


def test_a_taken_name_gets_a_counter_and_nothing_is_replaced(tmp_path):
    path = write_run(tmp_path)
    (tmp_path / 'run.20261207T101112Z.html').write_text('an older copy')  # only one of the three names is taken
    (tmp_path / 'run.20261207T101112Z-2.json').write_text('another')
    evidence.keep_evidence(str(path))
    assert (tmp_path / 'run.20261207T101112Z.html').read_text() == 'an older copy'
    assert (tmp_path / 'run.20261207T101112Z-2.json').read_text() == 'another'
    assert names(tmp_path) == ['run.20261207T101112Z-2.json', 'run.20261207T101112Z-3.csv', 'run.20261207T101112Z-3.html',
                               'run.20261207T101112Z-3.json', 'run.20261207T101112Z.html']


def test_two_real_runs_in_one_second_are_both_kept(tmp_path):
    first = write_run(tmp_path)
    evidence.keep_evidence(str(first))
    second = write_run(tmp_path)
    evidence.keep_evidence(str(second))
    assert names(tmp_path) == ['run.20261207T101112Z-2.csv', 'run.20261207T101112Z-2.html', 'run.20261207T101112Z-2.json',
                               'run.20261207T101112Z.csv', 'run.20261207T101112Z.html', 'run.20261207T101112Z.json']


@pytest.mark.parametrize('content', [b'{"check_mode": false, "tot', b'\xff\xfe not utf-8', b'[1, 2]', b'{"totals": {}}',
                                     b'{"check_mode": "true"}', b''])
def test_what_is_not_a_dry_run_report_is_kept_named_by_its_mtime(tmp_path, content):
    path = tmp_path / 'run.json'
    path.write_bytes(content)
    mtime = datetime.datetime(2026, 11, 30, 23, 59, 58, tzinfo=datetime.timezone.utc).timestamp()
    os.utime(str(path), (mtime, mtime))
    notes = []
    evidence.keep_evidence(str(path), note=notes.append)
    assert names(tmp_path) == ['run.20261130T235958Z.json']
    assert (tmp_path / 'run.20261130T235958Z.json').read_bytes() == content
    assert notes == ["kept the report of a file that is not a dry run's report: run.20261130T235958Z.json"]


def test_a_real_run_without_a_readable_time_is_named_by_its_mtime(tmp_path):
    path = write_run(tmp_path, generated_at='yesterday', siblings=())
    mtime = datetime.datetime(2026, 12, 1, 8, 0, 0, tzinfo=datetime.timezone.utc).timestamp()
    os.utime(str(path), (mtime, mtime))
    evidence.keep_evidence(str(path))
    assert names(tmp_path) == ['run.20261201T080000Z.json']


def test_a_path_without_an_extension(tmp_path):
    path = tmp_path / 'run'
    path.write_text(json.dumps({'check_mode': False, 'generated_at': '2026-12-07T10:11:12Z'}))
    (tmp_path / 'run.html').write_text('html')
    evidence.keep_evidence(str(path))
    assert names(tmp_path) == ['run.20261207T101112Z', 'run.20261207T101112Z.html']


@pytest.mark.parametrize('text, expected', [
    ('2026-12-07T10:11:12Z', '20261207T101112Z'),
    ('2026-12-07T10:11:12+0100', '20261207T091112Z'),
    ('2026-12-07T00:11:12+01:00', '20261206T231112Z'),
    ('2026-12-07T23:11:12-0130', '20261208T004112Z'),
    ('2026-12-07T10:11:12.123456Z', '20261207T101112Z'),
    ('2026-12-07T10:11:12', '20261207T101112Z'),
])
def test_generated_at_in_any_iso_form(text, expected):
    assert evidence.stamp(parse_api_epoch(text)) == expected


@pytest.mark.parametrize('text', [None, 12, '', 'yesterday', '2026-13-07T10:11:12Z', '2026-12-07'])
def test_not_a_time_names_the_kept_report_by_its_modification_time(tmp_path, text):
    path = tmp_path / 'run.json'
    path.write_text(json.dumps({'check_mode': False, 'generated_at': text}))
    mtime = datetime.datetime(2026, 12, 2, 3, 4, 5, tzinfo=datetime.timezone.utc).timestamp()
    os.utime(str(path), (mtime, mtime))
    evidence.keep_evidence(str(path))
    assert names(tmp_path) == ['run.20261202T030405Z.json']


def test_a_file_that_cannot_be_moved_stops_everything(tmp_path, monkeypatch):
    path = write_run(tmp_path)
    real_link, real_rename = os.link, os.rename

    def refused(real):
        def call(source, target):
            if source.endswith('.csv'):
                raise OSError(errno.EACCES, 'Permission denied')
            return real(source, target)
        return call
    monkeypatch.setattr(os, 'link', refused(real_link))
    monkeypatch.setattr(os, 'rename', refused(real_rename))
    with pytest.raises(OSError) as raised:
        evidence.keep_evidence(str(path))
    assert raised.value.errno == errno.EACCES
    # the JSON and the HTML are put back: the report stays whole where it was, and the caller writes nothing over it
    assert names(tmp_path) == ['run.csv', 'run.html', 'run.json']
    assert json.loads(path.read_text())['totals'] == {'released': 304}


def test_without_hard_links_a_rename_that_looks_first(tmp_path, monkeypatch):
    path = write_run(tmp_path, siblings=())
    (tmp_path / 'run.20261207T101112Z.json').write_text('taken')

    def no_link(source, target):
        raise OSError(errno.EPERM, 'Operation not permitted')
    monkeypatch.setattr(os, 'link', no_link)
    evidence.keep_evidence(str(path))
    assert names(tmp_path) == ['run.20261207T101112Z-2.json', 'run.20261207T101112Z.json']
    assert (tmp_path / 'run.20261207T101112Z.json').read_text() == 'taken'
