# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Evidence is kept and nothing is acted on before a run can finish: the triage playbook against the simulator.

A real run's report is never overwritten (a later dry run or real run moves it aside, with its review reports);
the directories of the report and the summary are created; a summary path that cannot be written fails the run
before its first request.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from conftest import demo_rules, run_playbook


HELD = 60


def kept_stamp(report):
    """How a kept report is named (the contract's YYYYMMDDTHHMMSSZ), from its generated_at (2026-12-07T10:11:12Z)."""
    return report['generated_at'].replace('-', '').replace(':', '')


def triage(sim, tmp_path, options=(), **extra):
    """The triage playbook with the demo rules, started from ``tmp_path`` (relative paths are relative to it)."""
    extra_vars = dict({'mimecast_triage_rules': demo_rules(), 'mimecast_triage_report': 'reports/t.json'}, **extra)
    return run_playbook(sim, 'secops.mimecast.triage', options=options, extra_vars=extra_vars, cwd=str(tmp_path))


def load(path):
    with open(str(path)) as handle:
        return json.load(handle)


def files(folder):
    return sorted(os.listdir(str(folder)))


def kept(report):
    """The stem of the name a report is kept under: ``t.<generated_at as YYYYMMDDTHHMMSSZ>``."""
    return 't.%s' % kept_stamp(report)


def test_a_dry_run_after_a_real_run_keeps_the_real_runs_report(sim, tmp_path):
    reports = tmp_path / 'reports'
    assert not reports.exists()
    real = triage(sim, tmp_path)
    assert real.rc == 0, real
    # the directory was created, and the real run wrote its three files there
    assert files(reports) == ['t.csv', 't.html', 't.json']
    first = load(reports / 't.json')
    assert first['check_mode'] is False and first['totals']['released'] > 0
    first_html, first_csv = (reports / 't.html').read_text(), (reports / 't.csv').read_text()

    dry = triage(sim, tmp_path, options=['--check'])
    assert dry.rc == 0, dry
    stem = kept(first)
    assert files(reports) == sorted(['t.csv', 't.html', 't.json', stem + '.csv', stem + '.html', stem + '.json'])
    # the real run's files, unchanged, under the kept name; the dry run's at the path
    assert load(reports / (stem + '.json')) == first
    assert (reports / (stem + '.html')).read_text() == first_html and (reports / (stem + '.csv')).read_text() == first_csv
    assert load(reports / 't.json')['check_mode'] is True
    assert 'kept the report of a real run: %s.json, %s.html, %s.csv' % (stem, stem, stem) in dry.output

    # a second dry run simply replaces the first one
    again = triage(sim, tmp_path, options=['--check'])
    assert again.rc == 0, again
    assert len(files(reports)) == 6 and load(reports / 't.json')['check_mode'] is True
    assert 'kept the report' not in again.output


def test_two_real_runs_keep_both_reports(sim, tmp_path):
    first = triage(sim, tmp_path)
    assert first.rc == 0, first
    first_report = load(tmp_path / 'reports' / 't.json')
    second = triage(sim, tmp_path)
    assert second.rc == 0, second
    second_report = load(tmp_path / 'reports' / 't.json')
    assert second_report['check_mode'] is False and second_report['totals']['released'] == 0
    stem = kept(first_report)
    assert load(tmp_path / 'reports' / (stem + '.json')) == first_report
    third = triage(sim, tmp_path)
    assert third.rc == 0, third
    # both earlier real runs are kept, under two names (a counter when they share a second)
    kept_reports = [load(tmp_path / 'reports' / name) for name in files(tmp_path / 'reports')
                    if name.endswith('.json') and name != 't.json']
    assert sorted(r['generated_at'] for r in kept_reports) == sorted([first_report['generated_at'], second_report['generated_at']])
    assert len(files(tmp_path / 'reports')) == 9


def test_the_summary_directory_is_created(sim, tmp_path):
    run = triage(sim, tmp_path, options=['--check'], mimecast_triage_summary_report='out/run/summary.json')
    assert run.rc == 0, run
    summary = load(tmp_path / 'out' / 'run' / 'summary.json')
    assert summary['check_mode'] is True and list(summary['tenants']) == ['localhost']


@pytest.mark.parametrize('where, expect', [
    ('blocker/summary.json', 'blocker is not a directory'),
    ('blocker/deeper/summary.json', 'blocker is not a directory'),
    ('adir', 'is a directory: give the path of a file'),
])
def test_an_unwritable_summary_fails_the_run_before_any_request(sim, tmp_path, where, expect):
    (tmp_path / 'blocker').write_text('a file where a directory should be')
    (tmp_path / 'adir').mkdir()
    run = triage(sim, tmp_path, mimecast_triage_summary_report=where)
    assert run.rc != 0, run
    assert 'mimecast_triage_summary_report %s' % (tmp_path / where) in run.output and expect in run.output, run
    assert sim.stats()['total'] == 0 and sim.audit() == []
    assert not (tmp_path / 'reports').exists()


def test_an_unwritable_report_fails_the_run_before_any_request(sim, tmp_path):
    (tmp_path / 'reports').write_text('a file where a directory should be')
    run = triage(sim, tmp_path)
    assert run.rc != 0, run
    assert 'reports is not a directory' in run.output, run
    assert sim.stats()['total'] == 0 and sim.audit() == []
