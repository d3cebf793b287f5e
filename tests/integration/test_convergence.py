# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A triage under transient faults ends, in its first run, exactly as the rules say (CONTRACT.md, "What a run
promises under faults").

The fault mix: a rate limit of 8 requests a second, 12 % of requests answered 503 and 6 % dropped before the
server acts (18 % of attempts fail before anything is done), and 30 % of the writes dropped after the server
acted. With batches of 5, every batch whose answer is lost is re-checked and, while still held, sent again.
A batch is left undone only when all of its attempts fail before the server acts: with ``retries`` 9 that is
0.18 ** 10, about 4e-8 per batch, so the test cannot flake (docs/reliability.md has the table).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import json

import pytest

from conftest import demo_rules, expected_outcome, run_playbook

RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'
HELD = 200
SEEDS = list(range(1, 11))

FAULT_MIX = [
    {'kind': 'status_503', 'path': '*', 'probability': 0.12},
    {'kind': 'drop_before', 'path': '*', 'probability': 0.06 / 0.88},  # 6 % of all requests (the first fault wins)
    {'kind': 'drop_after', 'path': RELEASE, 'probability': 0.30 / 0.82},
    {'kind': 'drop_after', 'path': REJECT, 'probability': 0.30 / 0.82},
]
ENV = {'MIMECAST_RETRIES': '9', 'MIMECAST_MAX_RETRY_WAIT': '900', 'MIMECAST_TIMEOUT': '10'}


@pytest.fixture
def limited(sim):
    sim.config(rate_limit=8, rate_window=1)
    yield sim
    sim.config(rate_limit=0, rate_window=60)


@pytest.mark.parametrize('seed', SEEDS, ids=['seed%d' % s for s in SEEDS])
def test_first_run_converges_under_the_fault_mix(limited, tmp_path, seed):
    sim = limited
    sim.reset(held=HELD, seed=seed, not_held_style='fail' if seed % 2 else 'false')
    rules = demo_rules()
    release, reject, kept = expected_outcome(sim, rules)
    assert release and reject and kept
    sim.faults(FAULT_MIX, seed=seed)

    report = tmp_path / 'run.json'
    run = run_playbook(sim, 'secops.mimecast.triage', env=ENV, api='1.0' if seed % 3 else '2.0',
                       extra_vars={'mimecast_triage_rules': rules, 'mimecast_triage_report': str(report),
                                   'mimecast_triage_batch_size': 5, 'mimecast_triage_concurrency': 4})
    outcomes = collections.Counter(r['outcome'] for r in sim.requests())
    print('seed %d: %s' % (seed, dict(outcomes)))
    assert outcomes['dropped'] > 0 and outcomes['fault:status_503'] > 0

    # the first run itself succeeds, and the state is exactly what the rules say
    assert run.rc == 0, run
    state = sim.state()
    assert set(state['released']) == release
    assert set(state['rejected']) == reject
    assert set(state['held']) == kept
    # no id actioned twice, none outside the rules
    counts = collections.Counter(a['id'] for a in sim.audit())
    assert [i for i, n in counts.items() if n > 1] == []
    assert set(counts) == release | reject
    # the report says so
    with open(str(report)) as handle:
        totals = json.load(handle)['totals']
    expected = {'held': HELD, 'released': len(release), 'rejected': len(reject), 'kept': len(kept), 'failed': 0, 'not_held': 0}
    assert dict((key, totals[key]) for key in expected) == expected
    # the rules' managed-sender entries (sender_policy) were all set too, under the same faults
    assert totals.get('sender_failed', 0) == 0
