# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two triage runs at once on the same queue (two CI jobs): no id acted on twice, both reports honest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import json
import threading

import pytest

from conftest import demo_rules, expected_outcome, run_playbook


def read_json(path):
    with open(str(path)) as handle:
        return json.load(handle)


@pytest.mark.parametrize('style,api', [('fail', '1.0'), ('false', '2.0')])
def test_two_triage_runs_at_once(sim, tmp_path, style, api):
    sim.reset(held=80, seed=31 if style == 'fail' else 32, not_held_style=style)
    # a little latency so that the two runs really overlap: both plan the same ids, then race on the writes
    sim.config(latency_ms=30)
    rules = demo_rules()
    release, reject, kept = expected_outcome(sim, rules)

    runs = {}

    def job(name):
        runs[name] = run_playbook(sim, 'secops.mimecast.triage', api=api, extra_vars={
            'mimecast_triage_rules': rules, 'mimecast_triage_report': str(tmp_path / ('%s.json' % name)),
            'mimecast_triage_batch_size': 3, 'mimecast_triage_concurrency': 2})

    threads = [threading.Thread(target=job, args=(name,)) for name in ('ci-a', 'ci-b')]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)

    # the final state is exactly what the rules say, and no id was acted on twice
    state = sim.state()
    assert set(state['released']) == release and set(state['rejected']) == reject and set(state['held']) == kept
    counts = collections.Counter(a['id'] for a in sim.audit())
    assert [i for i, n in counts.items() if n > 1] == []
    assert set(counts) == release | reject

    # both finish, each with an honest report: together they account for every id exactly once
    reports = {}
    for name in ('ci-a', 'ci-b'):
        assert runs[name].rc == 0, runs[name]
        reports[name] = read_json(tmp_path / ('%s.json' % name))
        totals = reports[name]['totals']
        assert totals['failed'] == 0
        # a run that planned after the other had started writing sees fewer held messages
        assert 0 < totals['held'] <= len(release | reject | kept)
        # CONTRACT: kept = held - released - rejected - failed; ids the other run acted on first are not_held
        assert totals['released'] + totals['rejected'] + totals['kept'] == totals['held']
        assert totals['not_held'] <= totals['kept']
    # together they account for every acted-on id exactly once
    assert sum(r['totals']['released'] for r in reports.values()) == len(release)
    assert sum(r['totals']['rejected'] for r in reports.values()) == len(reject)
