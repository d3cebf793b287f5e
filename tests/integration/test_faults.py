# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection against the simulator: nothing lost, nothing done twice, nothing outside the rules touched.

The triage playbook runs under a mix of faults (429 bursts, 503, connections dropped before and after the
server acted, answers slower than the timeout, malformed / HTML / truncated bodies, tokens expiring) over
several seeds. The expectation is computed with the rules engine on the records the simulator holds.
Then single faults on the modules that ``test_modules.py`` does not cover.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import datetime
import json
import os

import pytest

from conftest import demo_rules, expected_plan, held_records, HOLD_LIST as LIST, run_adhoc, run_playbook


RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'
HELD = 60

# (seed, API): API 2.0 seeds add expiring tokens to the mix
SEEDS = [(101, '1.0'), (202, '1.0'), (303, '2.0'), (404, '2.0')]

# probabilities are per request; the first fault that fires wins (README of the simulator)
FAULT_MIX = [
    {'kind': 'status_429', 'path': RELEASE, 'count': 3, 'ms': 300},       # a burst on the first release requests
    {'kind': 'drop_after', 'path': RELEASE, 'count': 1},                  # then one release executed, answer lost
    {'kind': 'drop_after', 'path': REJECT, 'count': 1},                   # and one reject
    {'kind': 'status_429', 'path': '*', 'probability': 0.04, 'ms': 200},  # scattered bursts, X-RateLimit-Reset 200 ms
    {'kind': 'status_503', 'path': '*', 'probability': 0.10},
    {'kind': 'drop_before', 'path': '*', 'probability': 0.05},
    {'kind': 'drop_after', 'path': RELEASE, 'probability': 0.02},
    {'kind': 'drop_after', 'path': REJECT, 'probability': 0.02},
    {'kind': 'slow', 'path': '*', 'probability': 0.02, 'seconds': 2},      # MIMECAST_TIMEOUT=1
    {'kind': 'malformed', 'path': '*', 'probability': 0.02},
    {'kind': 'html', 'path': '*', 'probability': 0.02},
    {'kind': 'truncated', 'path': '*', 'probability': 0.02},
    {'kind': 'token_expired', 'path': '*', 'probability': 0.03},         # 2.0 (Bearer) calls only
]
FAULT_ENV = {'MIMECAST_TIMEOUT': '1', 'MIMECAST_MAX_RETRY_WAIT': '60', 'MIMECAST_RETRIES': '3'}
# codes an honest report may give for an id whose write could not be confirmed
UNKNOWN_CODES = ('outcome_unknown', 'transport_error', 'http_503', 'err_service_unavailable', 'http_502', 'http_200',
                 'no_answer_for_id')


def expectation(sim, rules):
    records = held_records(sim)
    outcome = expected_plan(rules, records, datetime.datetime.now(datetime.timezone.utc))
    release = set(outcome['release_ids'])
    reject = set(i for group in outcome['reject_groups'] for i in group['ids'])
    held = set(r['id'] for r in records)
    assert release and reject and held - release - reject
    return held, release, reject


def triage(sim, rules, report, api='1.0', env=None, extra=None):
    extra_vars = {'mimecast_triage_rules': rules, 'mimecast_triage_report': str(report)}
    extra_vars.update(extra or {})
    return run_playbook(sim, 'secops.mimecast.triage', api=api, env=env, extra_vars=extra_vars)


def read_json(path):
    with open(str(path)) as handle:
        return json.load(handle)


def assert_at_most_once(sim):
    counts = collections.Counter(a['id'] for a in sim.audit())
    twice = sorted(i for i, n in counts.items() if n > 1)
    assert twice == [], 'ids acted on more than once: %s' % twice
    return counts


def assert_within_rules(sim, release, reject):
    for entry in sim.audit():
        wanted = release if entry['action'] == 'release' else reject
        assert entry['id'] in wanted, 'outside the rules: %r' % (entry,)


def fault_stats(sim):
    """{fault kind: times injected} from the simulator's request log."""
    counts = collections.Counter()
    for req in sim.requests():
        outcome = req.get('outcome') or ''
        if outcome.startswith('fault:'):
            counts[outcome[len('fault:'):]] += 1
        elif outcome == 'dropped':  # drop_before and drop_after look alike in the log
            counts['drop_%s' % ('write' if req.get('path') in (RELEASE, REJECT) else 'read')] += 1
    return counts


# --------------------------------------------------------------- the fault mix
@pytest.mark.parametrize('seed,api', SEEDS, ids=['seed%d-api%s' % s for s in SEEDS])
def test_triage_under_fault_mix(sim, tmp_path, seed, api):
    sim.reset(held=HELD, seed=seed, not_held_style='fail' if seed % 2 else 'false')
    rules = demo_rules()
    held, release, reject = expectation(sim, rules)
    kept = held - release - reject
    sim.faults(FAULT_MIX, seed=seed)

    report_path = tmp_path / 'report.json'
    run = triage(sim, rules, report_path, api=api, env=FAULT_ENV,
                 extra={'mimecast_triage_batch_size': 2, 'mimecast_triage_concurrency': 2})
    injected = fault_stats(sim)
    print('seed %d api %s: faults injected %s' % (seed, api, dict(injected)))
    assert sum(injected.values()) > 0

    # nothing done twice, nothing outside the rules, nothing kept was touched
    assert_at_most_once(sim)
    assert_within_rules(sim, release, reject)
    state = sim.state()
    assert kept <= set(state['held'])
    assert set(state['released']) <= release and set(state['rejected']) <= reject

    # a clear outcome: success, or a failure naming every failed id with its code
    if not os.path.exists(str(report_path)):
        # the plan itself could not read the queue: a clear error, and nothing was written
        assert run.rc != 0, run
        triage_task = [t for t in run.tasks() if t['action'] == 'secops.mimecast.mimecast_triage']
        assert [t['status'] for t in triage_task] == ['failed'], run
        assert 'Mimecast' in triage_task[0]['result']['msg'] and 'totals' not in triage_task[0]['result'], run
        assert sim.audit() == []
    else:
        report = read_json(report_path)
        totals = report['totals']
        failed = dict((f['id'], f['code']) for f in report['failures'])
        assert totals['held'] == len(held)
        assert totals['failed'] == len(failed)
        assert totals['released'] + totals['rejected'] + totals['failed'] + totals['kept'] == len(held)
        if failed:
            assert run.rc != 0, run
            assert 'could not be released or rejected' in run.output
            for rid, code in failed.items():
                assert rid in run.output and code in run.output, (rid, code)
        else:
            assert run.rc == 0, run
        # the report is honest: each id it calls done is done, each planned id is done or failed
        done_state = set(state['released']) | set(state['rejected'])
        assert totals['released'] <= len(state['released']) and totals['rejected'] <= len(state['rejected'])
        assert (release | reject) - done_state <= set(failed)
        # an id done but reported as failed is only one whose write could not be confirmed
        reported_done = totals['released'] + totals['rejected']
        for rid in done_state & set(failed):
            assert failed[rid] in UNKNOWN_CODES or 'unknown' in failed[rid], (rid, failed[rid])
        assert reported_done + len(done_state & set(failed)) == len(done_state)

    # a rerun converges to exactly what the rules say, still nothing twice
    sim.clear_faults()
    rerun = triage(sim, rules, report_path, api=api)
    assert rerun.rc == 0, rerun
    state = sim.state()
    assert set(state['released']) == release
    assert set(state['rejected']) == reject
    assert set(state['held']) == kept
    counts = assert_at_most_once(sim)
    assert set(counts) == release | reject
    assert_within_rules(sim, release, reject)
    assert read_json(report_path)['totals']['failed'] == 0


# -------------------------------------------------------- single faults, modules
def actions(sim):
    return sorted((a['action'], a['id']) for a in sim.audit())


def test_slow_answer_beyond_timeout_is_rechecked_not_resent(sim):
    held = sim.state()['held']
    sim.faults([{'kind': 'slow', 'path': RELEASE, 'count': 1, 'seconds': 3}])
    run = run_adhoc(sim, 'mimecast_hold_release', {'ids': held[:4], 'batch_size': 2, 'concurrency': 1},
                    env={'MIMECAST_TIMEOUT': '1'})
    assert run.rc == 0, run
    assert sorted(run.result()['released']) == sorted(held[:4])
    assert actions(sim) == sorted(('release', i) for i in held[:4])


def test_slow_read_is_retried(sim):
    sim.faults([{'kind': 'slow', 'path': LIST, 'count': 1, 'seconds': 3}])
    run = run_adhoc(sim, 'mimecast_held_info', {}, env={'MIMECAST_TIMEOUT': '1'})
    assert run.rc == 0, run
    assert run.result()['total'] == len(sim.state()['held'])
    assert 'no answer within timeout=1.0 s' in ' '.join(run.output.split())  # warnings are wrapped on some cores


@pytest.mark.parametrize('kind', ['malformed', 'html', 'truncated'])
def test_bad_bodies_on_reads_are_retried(sim, kind):
    sim.faults([{'kind': kind, 'path': LIST, 'count': 2}])
    held = len(sim.state()['held'])
    run = run_adhoc(sim, 'mimecast_held_info', {'page_size': 25})
    assert run.rc == 0, run
    assert run.result()['total'] == held
    # the two bad answers were read again, every page was read
    outcomes = collections.Counter(r['outcome'] for r in sim.requests() if r['path'] == LIST)
    assert outcomes['fault:' + kind] == 2 and outcomes['ok'] >= -(-held // 25), outcomes


@pytest.mark.parametrize('kind', ['malformed', 'html', 'truncated'])
def test_bad_bodies_on_writes_nothing_twice(sim, kind):
    held = sim.state()['held']
    sim.faults([{'kind': kind, 'path': REJECT, 'count': 1}])
    run = run_adhoc(sim, 'mimecast_hold_reject', {'ids': held[:6], 'batch_size': 3, 'concurrency': 1,
                                                  'reason_type': 'INAPPROPRIATE COMMUNICATION'})
    assert run.rc == 0, run
    assert sorted(run.result()['rejected']) == sorted(held[:6])
    assert actions(sim) == sorted(('reject', i) for i in held[:6])


def test_bad_bodies_every_time_end_in_a_clear_error(sim):
    sim.faults([{'kind': 'html', 'path': LIST}])
    run = run_adhoc(sim, 'mimecast_held_info', {}, env={'MIMECAST_RETRIES': '1'})
    assert run.rc != 0, run
    msg = run.result()['msg']
    assert 'answered HTTP 502' in msg and LIST in msg, msg
    assert 'Traceback' not in run.output


def test_token_expiring_mid_run_is_renewed_once(sim):
    sim.config(token_ttl=2)  # the client renews 30 s before expiry: every call fetches a fresh token
    sim.faults([{'kind': 'token_expired', 'path': RELEASE, 'count': 1}])
    held = sim.state()['held']
    run = run_adhoc(sim, 'mimecast_hold_release', {'ids': held[:6], 'batch_size': 2, 'concurrency': 1}, api='2.0')
    assert run.rc == 0, run
    assert sorted(run.result()['released']) == sorted(held[:6])
    assert actions(sim) == sorted(('release', i) for i in held[:6])
    assert sim.stats()['by_path'][RELEASE].get('401') == 1


def test_token_expired_twice_in_a_row_fails_clearly(sim):
    sim.faults([{'kind': 'token_expired', 'path': LIST, 'count': 2}])
    run = run_adhoc(sim, 'mimecast_held_info', {}, api='2.0')
    assert run.rc != 0, run
    assert 'a fresh token was already tried' in run.result()['msg']
    assert sim.stats()['write_requests'] == 0


def test_binding_expired_mid_run_stops_and_lists_each_id(sim):
    held = sim.state()['held']
    sim.faults([{'kind': 'status_418', 'path': RELEASE}])
    run = run_adhoc(sim, 'mimecast_hold_release', {'ids': held[:6], 'batch_size': 2, 'concurrency': 1})
    assert run.rc != 0, run
    result = run.result()
    assert sorted(f['id'] for f in result['failures']) == sorted(held[:6])
    assert all(f['code'] == 'err_xdk_binding_expired' and not f['retryable'] for f in result['failures'])
    assert 'create new access and secret keys' in result['failures'][0]['message']
    # the first 418 stops the run: no further write is sent
    assert sum(sim.stats()['by_path'][RELEASE].values()) == 1
    assert sim.audit() == []


def test_stale_clock_on_a_read_is_a_clear_error(sim):
    sim.config(clock_offset=-3600)
    run = run_adhoc(sim, 'mimecast_queue_info', {}, env={'MIMECAST_RETRIES': '0'})
    assert run.rc != 0, run
    assert 'err_xdk_request_date_out_of_range' in run.result()['msg']
    assert "clock is right" in run.result()['msg']
