# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mimecast_triage action on its own (ad hoc ``ansible -m`` and small playbooks) against the simulator.

No HTTP mocks: every run is a real ``ansible``/``ansible-playbook`` subprocess talking to the simulator.
Covered: rules applied exactly and a second run idle; check mode and diff; options refused before any
request; the held queue read in parallel time windows (a queue of several pages, and messages received
exactly on the boundaries of those windows); progress lines on a large queue; module_defaults through the
action group; failures reported with the report written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import datetime
import json
import math
import os
import random
import re

import pytest
import yaml

from conftest import (assert_rejections_follow_their_rules, demo_rules, expected_plan, expected_sender_totals, held_records, HOLD_LIST as LIST,
                      run_adhoc, run_playbook)

from ansible_collections.secops.mimecast.plugins.module_utils.held import split_window

RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'
CONF = 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'
UNDESIRABLE = 'MESSAGE CONTAINS UNDESIRABLE CONTENT'
API_FORMAT = '%Y-%m-%dT%H:%M:%S+0000'
# sender_failures: only when a rule has a sender_policy (the demo rules have)
REPORT_KEYS = ('totals', 'rules', 'failures', 'check_mode', 'generated_at', 'rules_sha256', 'sender_failures', 'plan')
PROGRESS_READ = re.compile(r"^triage \[localhost\]: read (\d+) of (\d+) held messages \((\d+) pages\)$", re.M)
PROGRESS_WRITE = re.compile(r"^triage \[localhost\]: (released|rejected|would release|would reject) (\d+) of (\d+)$", re.M)
RELEASE_ALL = [{'name': 'Release everything', 'match': {'reason_code': '.'}, 'action': 'release'}]


# ------------------------------------------------------------------ helpers
def triage(sim, args, api='1.0', options=(), env=None):
    return run_adhoc(sim, 'mimecast_triage', args, api=api, options=options, env=env)


def expectation(sim, rules):
    """What the rules engine makes of the held queue, read by the test itself (one cursor)."""
    records = held_records(sim)
    expected = expected_plan(rules, records, datetime.datetime.now(datetime.timezone.utc))
    expected['held_ids'] = set(r['id'] for r in records)
    expected['rejected'] = set(i for g in expected['reject_groups'] for i in g['ids'])
    return expected


def list_requests(sim):
    return sum(sim.stats()['by_path'].get(LIST, {}).values())


def read_json(path):
    with open(str(path)) as handle:
        return json.load(handle)


def rule_ids(result):
    return dict((r['name'], sorted(r['ids'])) for r in result['rules'])


def assert_planned_once(result, held_ids):
    """Every held id is in exactly one rule's ids, or in none (kept by no rule); nothing else is."""
    counts = collections.Counter(i for r in result['rules'] for i in r['ids'])
    twice = sorted(i for i, n in counts.items() if n > 1)
    assert twice == [], 'ids planned more than once: %s' % twice[:10]
    assert set(counts) <= set(held_ids), sorted(set(counts) - set(held_ids))[:10]
    assert result['totals']['held'] == len(held_ids)
    assert sum(r['matched'] for r in result['rules']) == len(counts)


def api_date(moment):
    return moment.strftime(API_FORMAT)


def at_second(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)


# ------------------------------------------------------------------ exact, then idempotent
@pytest.mark.parametrize('api', ['1.0', '2.0'])
def test_applies_the_rules_exactly_then_changes_nothing(sim, tmp_path, api):
    sim.reset(held=200, seed=11, not_held_style='fail')
    rules = demo_rules()
    expected = expectation(sim, rules)
    assert expected['release_ids'] and expected['rejected'] and expected['kept']
    report_path = tmp_path / 'report.json'

    reads = list_requests(sim)
    run = triage(sim, {'rules': rules, 'report': str(report_path), 'batch_size': 7, 'concurrency': 2}, api=api)
    assert run.rc == 0, run
    result = run.result()
    assert result['changed'] is True and not result.get('failed')

    # the simulator holds exactly what the rules say
    state = sim.state()
    assert set(state['released']) == set(expected['release_ids'])
    assert set(state['rejected']) == expected['rejected']
    assert set(state['held']) == expected['held_ids'] - set(expected['release_ids']) - expected['rejected']
    # each id acted on once, each rejection with its rule's reason, message and notify
    audit = sim.audit()
    assert sorted(collections.Counter(a['id'] for a in audit).values()) == [1] * len(audit)
    assert len(audit) == len(expected['release_ids']) + len(expected['rejected'])
    assert_rejections_follow_their_rules(audit, rules, CONF)
    # one read of the queue (one page), no re-read before the writes; batches of 7 ids
    stats = sim.stats()
    assert list_requests(sim) - reads == 1
    assert sum(stats['by_path'][RELEASE].values()) == math.ceil(len(expected['release_ids']) / 7.0)
    assert sum(stats['by_path'][REJECT].values()) == math.ceil(len(expected['rejected']) / 7.0)

    # the result and the report say the same, and match the plan
    senders = expected_sender_totals(expected)
    assert senders['permitted'] and senders['blocked']
    totals = dict({'held': 200, 'released': len(expected['release_ids']), 'rejected': len(expected['rejected']),
                   'kept': expected['kept'], 'failed': 0, 'not_held': 0}, **senders)
    assert result['totals'] == totals
    # the managed senders of the permit and block rules, each (sender, recipient) set once
    entries = sim.state()['managed_senders']
    assert len(entries) == senders['permitted'] + senders['blocked']
    assert [e['type'].lower() for e in entries].count('permit') == senders['permitted']
    assert rule_ids(result) == dict((r['name'], sorted(r['ids'])) for r in expected['rules'])
    assert result['failures'] == [] and result['check_mode'] is False
    assert result['report_path'] == str(report_path)
    report = read_json(report_path)
    assert report == dict((key, result[key]) for key in REPORT_KEYS if key in result)
    assert result['msg'] == result['summary'][-1]
    assert result['summary'][-1] == 'totals: held 200, released %d, rejected %d, kept %d, failed 0, not held any more 0' % (
        len(expected['release_ids']), len(expected['rejected']), expected['kept'])
    # a small queue shows no progress lines
    assert not PROGRESS_READ.search(run.output) and not PROGRESS_WRITE.search(run.output), run

    # the second run finds nothing to do and writes nothing
    writes = sim.stats()['write_requests']
    again = triage(sim, {'rules': rules, 'report': str(report_path)}, api=api)
    assert again.rc == 0, again
    result = again.result()
    assert result['changed'] is False
    assert result['totals'] == dict({'held': expected['kept'], 'released': 0, 'rejected': 0, 'kept': expected['kept'],
                                     'failed': 0, 'not_held': 0}, **dict((key, 0) for key in senders))
    assert sim.stats()['write_requests'] == writes and len(sim.audit()) == len(audit)
    assert read_json(report_path)['totals'] == result['totals']


# ------------------------------------------------------------------ check mode and diff
def test_check_mode_with_diff_writes_nothing_and_shows_the_diff(sim, tmp_path):
    sim.reset(held=200, seed=11, not_held_style='fail')
    rules = demo_rules()
    expected = expectation(sim, rules)
    state_before = sim.state()
    report_path = tmp_path / 'dry-run.json'

    run = triage(sim, {'rules': rules, 'report': str(report_path)}, options=['--check', '--diff'])
    assert run.rc == 0, run
    stats = sim.stats()
    assert stats['writes'] == 0 and stats['write_requests'] == 0, stats
    assert set(stats['by_path']) == {LIST}, stats
    assert sim.audit() == [] and sim.state() == state_before

    result = run.result()
    n_release, n_reject = len(expected['release_ids']), len(expected['rejected'])
    assert result['check_mode'] is True
    assert result['totals'] == dict({'held': 200, 'released': n_release, 'rejected': n_reject, 'kept': expected['kept'],
                                     'failed': 0, 'not_held': 0}, **expected_sender_totals(expected))
    assert result['summary'][0].startswith('DRY RUN')
    assert 'would release %d' % n_release in result['msg']
    # the report is written in check mode too
    report = read_json(report_path)
    assert report['check_mode'] is True and report['totals'] == result['totals']

    # the diff: per rule, how many are held before and after
    before = ["rule '%s' (%s): %d held" % (r['name'], r['action'], r['matched']) for r in expected['rules']]
    after = ["rule '%s' (%s): %d held" % (r['name'], r['action'], r['matched'] if r['action'] == 'keep' else 0)
             for r in expected['rules']]
    diff = result['diff']
    assert diff['before'].splitlines()[:len(before) + 1] == before + ['held in the window: 200'], diff
    assert diff['after'].splitlines()[:len(after) + 1] == after + ['held in the window: %d' % expected['kept']], diff
    # then per permit or block rule the managed-sender entries it would set: how many, the first 10, how many more
    senders = expected_sender_totals(expected)
    lines = diff['after'].splitlines()[len(after) + 1:]
    assert senders['permitted'] > 10  # a sample, then "... and N more"
    want = []
    for rule in expected['rules']:
        policy = rule.get('sender_policy')
        if policy:
            total = senders['permitted' if policy == 'permit' else 'blocked']
            want.append("managed senders (rule '%s'): would %s %d, first %d:" % (rule['name'], policy, total, min(total, 10)))
            want += ['pair'] * min(total, 10) + (['  ... and %d more' % (total - 10)] if total > 10 else [])
    assert want == ['pair' if re.match(r'^  \S+@\S+ -> \S+@\S+$', line) else line for line in lines], diff
    # and it is shown on the output, as a unified diff
    rule = [r for r in expected['rules'] if r['action'] == 'release'][0]
    assert "-rule '%s' (release): %d held" % (rule['name'], rule['matched']) in run.output, run
    assert "+rule '%s' (release): 0 held" % rule['name'] in run.output, run
    assert '+held in the window: %d' % expected['kept'] in run.output, run

    # without --diff, no diff
    quiet = triage(sim, {'rules': rules}, options=['--check'])
    assert quiet.rc == 0 and 'diff' not in quiet.result(), quiet
    assert sim.stats()['write_requests'] == 0


# ------------------------------------------------------------------ refused before any request
@pytest.mark.parametrize('case', ['a file in the way', 'a directory', 'bad rules', 'batch_size', 'concurrency'])
def test_bad_options_fail_before_any_request(sim, tmp_path, case):
    (tmp_path / 'blocker').write_text('a file where a directory of the report should be')
    args = {'rules': demo_rules(), 'report': str(tmp_path / 'blocker' / 'no-such-dir' / 'report.json')}
    expect = '%s is not a directory' % (tmp_path / 'blocker')
    if case == 'a directory':
        args['report'], expect = str(tmp_path), 'is a directory'
    elif case == 'bad rules':
        args.update(report=str(tmp_path / 'report.json'),
                    rules=[{'name': 'Broken', 'match': {'sender': '(news'}, 'action': 'release'}])
        expect = "rule #1 'Broken': match.sender: bad regular expression"
    elif case == 'batch_size':
        args.update(report=str(tmp_path / 'report.json'), batch_size=501)
        expect = 'batch_size must be between 1 and 500'
    elif case == 'concurrency':
        args.update(report=str(tmp_path / 'report.json'), concurrency=17)
        expect = 'concurrency must be between 1 and 16'
    for options in ([], ['--check']):
        run = triage(sim, args, options=options)
        assert run.rc != 0, run
        result = run.result()
        assert expect in result['msg'], result['msg']
        assert 'totals' not in result
        assert sim.stats()['total'] == 0, sim.stats()
    assert not os.path.exists(str(tmp_path / 'report.json'))
    assert sorted(os.listdir(str(tmp_path))) == ['blocker']


# ------------------------------------------------------------------ the held queue read in time windows
def test_queue_of_several_pages_is_read_in_windows_each_message_planned_once(sim, tmp_path):
    sim.reset(held=1300, seed=23, not_held_style='fail')
    rules = demo_rules()
    expected = expectation(sim, rules)
    assert len(expected['held_ids']) == 1300
    pages = math.ceil(1300 / 500.0)

    # one cursor: exactly one request per page
    baseline = list_requests(sim)
    one = triage(sim, {'rules': rules, 'concurrency': 1}, options=['--check'])
    assert one.rc == 0, one
    assert list_requests(sim) - baseline == pages
    assert_planned_once(one.result(), expected['held_ids'])

    # four windows at once: page 1, then at least one request per window
    baseline = list_requests(sim)
    run = triage(sim, {'rules': rules, 'concurrency': 4, 'report': str(tmp_path / 'report.json')})
    assert run.rc == 0, run
    reads = list_requests(sim) - baseline
    assert reads >= 1 + 4 and reads > pages, reads
    result = run.result()
    assert_planned_once(result, expected['held_ids'])
    assert result['totals']['held'] == 1300
    assert rule_ids(result) == rule_ids(one.result()) == dict((r['name'], sorted(r['ids'])) for r in expected['rules'])
    planned = set(i for r in result['rules'] for i in r['ids'])
    assert result['totals']['kept'] == 1300 - len(expected['release_ids']) - len(expected['rejected'])
    assert len(planned) == sum(r['matched'] for r in result['rules'])

    # and the writes followed the plan exactly, each id once
    state = sim.state()
    assert set(state['released']) == set(expected['release_ids'])
    assert set(state['rejected']) == expected['rejected']
    assert len(sim.audit()) == len(set(a['id'] for a in sim.audit())) == len(expected['release_ids']) + len(expected['rejected'])


def boundary_scenario(sim):
    """A window of 4 h 3 s three days ago, split in 4, with messages on and around every boundary.

    Returns (start, end, windows, {kind: [ids]}, {id: epoch}); kinds: ``edge`` (on or next to a boundary,
    or at the window's own start/end), ``filler`` (elsewhere inside), ``outside`` (one second out).
    """
    start_dt = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    span = 4 * 3600 + 3  # not a multiple of 4: the integer division of split_window shows
    start, end = api_date(start_dt), api_date(start_dt + datetime.timedelta(seconds=span))
    windows = split_window(start, end, 4)
    first = int(start_dt.timestamp())
    # the documented split: equal spans (integer seconds), each window but the last ending 1 s after the next starts
    bounds = [first + span * k // 4 for k in range(4)] + [first + span]
    assert windows == [(api_date(at_second(bounds[k])), api_date(at_second(bounds[k + 1] + 1)) if k < 3 else end)
                       for k in range(4)], windows

    edge_seconds = [first, first + 1, first + span - 1, first + span]
    for boundary in bounds[1:4]:
        # three at the boundary itself (same second: the cursor orders them by id), and the seconds around it
        edge_seconds += [boundary] * 3 + [boundary - 1, boundary + 1, boundary + 2]
    rng = random.Random(5)
    taken = set(edge_seconds)
    filler_seconds = []
    while len(filler_seconds) < 40:
        second = rng.randint(first + 3, first + span - 3)
        if all(abs(second - b) > 2 for b in bounds) and second not in taken:
            filler_seconds.append(second)
            taken.add(second)
    outside_seconds = [first - 1, first + span + 1]

    messages, kinds = [], []
    for kind, seconds, subject in (('edge', edge_seconds, 'Boundary %d'), ('filler', filler_seconds, 'Filler %d'),
                                   ('outside', outside_seconds, 'Outside %d')):
        for index, second in enumerate(seconds):
            messages.append({'subject': subject % index, 'dateReceived': api_date(at_second(second)),
                             'reasonCode': 'message_hold_applied_spam_signature_policy'})
            kinds.append((kind, second))
    ids = sim.add_messages(messages)
    by_kind = collections.defaultdict(list)
    when = {}
    for rid, (kind, second) in zip(ids, kinds):
        by_kind[kind].append(rid)
        when[rid] = second
    return start, end, windows, by_kind, when


BOUNDARY_RULES = [
    {'name': 'Release the boundary messages', 'match': {'subject': '^Boundary '}, 'action': 'release'},
    {'name': 'Reject the others', 'match': {'subject': '^(Filler|Outside) '}, 'action': 'reject', 'reason_type': UNDESIRABLE},
]


def test_messages_on_window_boundaries_are_neither_lost_nor_counted_twice(sim, tmp_path):
    sim.reset(held=0, seed=3, not_held_style='fail')
    start, end, windows, by_kind, when = boundary_scenario(sim)
    inside = set(by_kind['edge']) | set(by_kind['filler'])
    page_size = 10
    assert len(inside) > 2 * page_size + page_size  # page 1, then more than one page: the read is split
    args = {'rules': BOUNDARY_RULES, 'start': start, 'end': end, 'page_size': page_size}

    # one cursor first (dry run): the reference
    baseline = list_requests(sim)
    one = triage(sim, dict(args, concurrency=1), options=['--check'])
    assert one.rc == 0, one
    assert list_requests(sim) - baseline == math.ceil(len(inside) / float(page_size))
    assert one.result()['totals']['held'] == len(inside)

    # four windows, for real
    baseline = list_requests(sim)
    run = triage(sim, dict(args, concurrency=4, report=str(tmp_path / 'report.json')))
    assert run.rc == 0, run
    result = run.result()
    # page 1 over the whole window, then each window paged on its own (start and end inclusive)
    per_window = []
    for window in windows:
        low, high = [int(datetime.datetime.strptime(w, '%Y-%m-%dT%H:%M:%S%z').timestamp()) for w in window]
        per_window.append(sum(1 for rid in inside if low <= when[rid] <= high))
    assert list_requests(sim) - baseline == 1 + sum(max(1, math.ceil(n / float(page_size))) for n in per_window), per_window
    # some messages really were in two windows
    assert sum(per_window) > len(inside)

    assert_planned_once(result, inside)
    assert result['totals'] == {'held': len(inside), 'released': len(by_kind['edge']), 'rejected': len(by_kind['filler']),
                                'kept': 0, 'failed': 0, 'not_held': 0}
    assert rule_ids(result) == {'Release the boundary messages': sorted(by_kind['edge']), 'Reject the others': sorted(by_kind['filler'])}
    assert rule_ids(result) == rule_ids(one.result())

    # the simulator agrees: each inside message acted on once, the two outside the window untouched
    state = sim.state()
    assert set(state['released']) == set(by_kind['edge'])
    assert set(state['rejected']) == set(by_kind['filler'])
    assert set(state['held']) == set(by_kind['outside'])
    counts = collections.Counter(a['id'] for a in sim.audit())
    assert set(counts) == inside and set(counts.values()) == {1}


def test_a_window_too_short_to_split_is_read_with_one_cursor(sim):
    """Seven seconds cannot be cut in four windows of at least two seconds: one cursor reads every page."""
    sim.reset(held=0, seed=3, not_held_style='fail')
    first = int(datetime.datetime.now(datetime.timezone.utc).timestamp()) - 86400
    ids = sim.add_messages([{'subject': 'Short %d' % i, 'dateReceived': api_date(at_second(first + i % 8))} for i in range(35)])
    start, end = api_date(at_second(first)), api_date(at_second(first + 7))
    assert split_window(start, end, 4) == []
    run = triage(sim, {'rules': [{'name': 'All', 'match': {'subject': '^Short'}, 'action': 'release'}],
                       'start': start, 'end': end, 'page_size': 10, 'concurrency': 4}, options=['--check'])
    assert run.rc == 0, run
    assert list_requests(sim) == 4  # the test read nothing itself
    assert_planned_once(run.result(), ids)
    assert rule_ids(run.result()) == {'All': sorted(ids)}


# ------------------------------------------------------------------ progress on a large queue
def test_progress_lines_on_a_large_queue(sim):
    sim.reset(held=2100, seed=29, not_held_style='fail')
    run = triage(sim, {'rules': RELEASE_ALL})
    assert run.rc == 0, run
    assert run.result()['totals']['released'] == 2100
    assert sim.state()['counts']['released'] == 2100

    reads = [tuple(int(n) for n in m) for m in PROGRESS_READ.findall(run.output)]
    assert reads, run
    assert reads[0] == (500, 2100, 1)
    assert reads[-1][:2] == (2100, 2100)
    assert all(total == 2100 for dummy, total, dummy_pages in reads)
    writes = [(verb, int(done), int(total)) for verb, done, total in PROGRESS_WRITE.findall(run.output)]
    assert 3 <= len(writes) <= 6, writes  # about five lines
    assert all(verb == 'released' and total == 2100 for verb, dummy, total in writes), writes
    assert [done for dummy, done, dummy_total in writes] == sorted(done for dummy, done, dummy_total in writes)
    assert writes[-1][1] == 2100


def test_read_progress_reaches_the_total_once_when_every_page_is_in(sim):
    """Page 1 (read over the whole window) is read again by the time windows: it must not count twice."""
    sim.reset(held=2100, seed=29, not_held_style='fail')
    run = triage(sim, {'rules': RELEASE_ALL}, options=['--check'])
    assert run.rc == 0, run
    reads = [tuple(int(n) for n in m) for m in PROGRESS_READ.findall(run.output)]
    assert reads and reads[0] == (500, 2100, 1), reads
    pages = [p for dummy, dummy_total, p in reads]
    assert pages == sorted(set(pages)), reads
    # "read 2100 of 2100" is shown once, as the last line, once every distinct id is in
    assert [r for r in reads if r[0] >= r[1]] == [reads[-1]], reads
    assert reads[-1][:2] == (2100, 2100)
    assert 1 < reads[-1][2] <= list_requests(sim), (reads, list_requests(sim))


# ------------------------------------------------------------------ module_defaults through the action group
def test_module_defaults_through_the_action_group(sim, tmp_path):
    sim.reset(held=200, seed=11, not_held_style='fail')
    rules = demo_rules()
    expected = expectation(sim, rules)
    creds = sim.credentials('1.0')
    connection = dict((name.lower()[len('MIMECAST_'):], value) for name, value in creds.items())
    plays = [
        {'name': 'Triage with module_defaults', 'hosts': 'localhost', 'gather_facts': False,
         'module_defaults': {'group/secops.mimecast.mimecast': connection,
                             'secops.mimecast.mimecast_triage': {'batch_size': 9}},
         'tasks': [{'name': 'Triage', 'secops.mimecast.mimecast_triage': {'rules': rules, 'report': str(tmp_path / 'r.json')}}]},
        {'name': 'Without them', 'hosts': 'localhost', 'gather_facts': False,
         'tasks': [{'name': 'Triage without a connection', 'secops.mimecast.mimecast_triage': {'rules': rules},
                    'ignore_errors': True}]},
    ]
    playbook = tmp_path / 'defaults.yml'
    playbook.write_text(yaml.safe_dump(plays))
    # no MIMECAST_* variable in the environment: the connection can only come from module_defaults
    run = run_playbook(sim, str(playbook), api=None)
    assert run.rc == 0, run
    result = run.result('Triage')
    assert result['totals']['released'] == len(expected['release_ids'])
    assert result['totals']['rejected'] == len(expected['rejected'])
    assert set(sim.state()['released']) == set(expected['release_ids'])
    # the action's own default (batch_size) applied too
    assert sum(sim.stats()['by_path'][RELEASE].values()) == math.ceil(len(expected['release_ids']) / 9.0)
    without = run.tasks('Triage without a connection')[-1]
    assert without['status'] == 'ignored'
    assert 'base_url' in without['result']['msg'] or 'MIMECAST_BASE_URL' in without['result']['msg'], without


# ------------------------------------------------------------------ failures
def test_failed_ids_fail_the_task_after_the_report_is_written(sim, tmp_path):
    sim.reset(held=200, seed=11, not_held_style='fail')
    rules = demo_rules()
    expected = expectation(sim, rules)
    sim.faults([{'kind': 'status_418', 'path': REJECT}])
    report_path = tmp_path / 'report.json'
    run = triage(sim, {'rules': rules, 'report': str(report_path)})
    assert run.rc != 0, run
    assert [t['status'] for t in run.tasks()] == ['failed']
    result = run.result()
    assert result['totals']['released'] == len(expected['release_ids'])
    assert result['totals']['failed'] == len(expected['rejected'])
    assert set(f['id'] for f in result['failures']) == expected['rejected']
    reject_rules = set(r['name'] for r in rules if r['action'] == 'reject')
    assert all(f['code'] == 'err_xdk_binding_expired' and f['rule'] in reject_rules for f in result['failures'])
    assert 'could not be released or rejected' in result['msg'] and result['failures'][0]['id'] in result['msg']
    report = read_json(report_path)
    assert report == dict((key, result[key]) for key in REPORT_KEYS if key in result)
    assert set(sim.state()['released']) == set(expected['release_ids']) and sim.state()['rejected'] == []


def test_an_unreadable_queue_fails_clearly_with_no_write_and_no_report(sim, tmp_path):
    sim.faults([{'kind': 'html', 'path': LIST}])
    report_path = tmp_path / 'report.json'
    run = triage(sim, {'rules': demo_rules(), 'report': str(report_path)}, env={'MIMECAST_RETRIES': '1'})
    assert run.rc != 0, run
    result = run.result()
    assert 'totals' not in result and 'answered HTTP 502' in result['msg'], result
    assert result['error'], result
    assert sim.stats()['write_requests'] == 0 and sim.audit() == []
    assert not os.path.exists(str(report_path))
