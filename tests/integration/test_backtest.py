# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``ansible-playbook secops.mimecast.backtest`` against the simulator's release log: every class against an oracle
written here in plain Python over the raw records, the window, both record shapes (and a log mixing them), the
gate, the 403 naming the permission, bad input sending nothing, secrets at -vvvv, read-only, and many tenants."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import datetime
import json
import re

import pytest

from conftest import DEFAULT_HELD, run_playbook
from mimecast_sim.testing import Simulator
from test_secrets import file_texts, leaks, run_texts, secret_values

LOGS = '/api/gateway/get-held-release-logs'
PERMISSION = 'Monitoring | Held | Read'
PLAYBOOK = 'secops.mimecast.backtest'
TASK = 'Back-test the rules (validate them, read the release log, decide and classify each record, report)'
SHAPES = dict(release_log_operator='string', release_log_address='email')
HISTORY = 300
RULES = [
    {'name': 'Keep spoofing for a person', 'match': {'reason_code': 'anti_spoofing|impersonation'}, 'action': 'keep'},
    {'name': 'Release newsletters', 'match': {'reason_code': '^message_hold_applied_spam_', 'sender': r'@(news\.vendor|digest\.saasweekly)\.example$'},
     'action': 'release'},
    {'name': 'Reject outbound DLP after an hour', 'match': {'reason': 'content examination', 'route': 'OUTBOUND', 'older_than': '1h'},
     'action': 'reject', 'reason_type': 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'},
]


def address(value):
    if 'emailAddress' in value:
        return value['emailAddress']
    return value['address'] if '@' in value['address'] else '%s@%s' % (value['address'], value['domain'])


def oracle(record):
    """(class, rule name) of a raw log record under RULES, written out by hand (the test's own reading of the contract)."""
    code = re.sub('[^0-9a-z]+', '_', record['heldReason'].lower())
    senders = [address(record['fromEnv']), address(record['fromHdr'])]
    status = record['status']
    if 'anti_spoofing' in code or 'impersonation' in code:
        return 'kept', RULES[0]['name']
    if code.startswith('message_hold_applied_spam_') and any(re.search(r'@(news\.vendor|digest\.saasweekly)\.example$', s) for s in senders):
        return ('agree' if status == 'released' else 'release_rejected'), RULES[1]['name']
    if 'content examination' in record['heldReason'].lower() and record['route'].upper() == 'OUTBOUND':
        return ('agree' if status == 'rejected' else 'reject_released'), RULES[2]['name']
    return 'kept', None


def read_log(sim, item, tenant=None):
    """Every record of the simulator's log for ``item`` (start/end), read with plain API calls."""
    out, token = [], None
    while True:
        pagination = {'pageSize': 500}
        if token:
            pagination['pageToken'] = token
        status, dummy, body = sim.call(LOGS, [item], meta={'pagination': pagination}, **({'tenant': tenant} if tenant else {}))
        assert status == 200, body
        out += body['data'][0]['heldReleaseLogs']
        token = body['meta']['pagination'].get('next')
        if not token:
            return out


def expected(records):
    totals = {'agree': 0, 'release_rejected': 0, 'reject_released': 0, 'kept': 0}
    disagreements = {}
    for rec in records:
        found, rule = oracle(rec)
        totals[found] += 1
        if found not in ('agree', 'kept'):
            disagreements[rec['id']] = (found, rule)
    return totals, disagreements


@pytest.fixture
def logsim(sim):
    """The simulator with HISTORY release-log entries over the last 45 days (some before the default window)."""
    sim.reset(held=DEFAULT_HELD, seed=11, release_history=HISTORY, release_history_days=45)
    sim.config(**SHAPES)
    yield sim
    sim.config(**SHAPES)


def backtest(sim, tmp_path, extra=None, **kw):
    extra_vars = {'mimecast_triage_rules': RULES, 'mimecast_backtest_report': str(tmp_path / 'bt.json')}
    extra_vars.update(extra or {})
    return run_playbook(sim, PLAYBOOK, extra_vars=extra_vars, **kw)


def log_requests(sim, tenant=None):
    return sum(sim.stats(tenant=tenant)['by_path'].get(LOGS, {}).values())


@pytest.mark.parametrize('operator, address_shape', [('string', 'email'), ('object', 'address'), ('mixed', 'mixed')])
def test_every_class_as_the_oracle_says_in_each_record_shape(logsim, tmp_path, operator, address_shape):
    logsim.config(release_log_operator=operator, release_log_address=address_shape)
    before = logsim.state()
    run = backtest(logsim, tmp_path, extra={'mimecast_backtest_start': '-60d'})
    assert run.rc == 0, run
    report = json.loads((tmp_path / 'bt.json').read_text())
    records = read_log(logsim, report['window'])
    assert len(records) == HISTORY
    totals, disagreements = expected(records)
    assert all(totals.values()), totals  # every class is there
    assert dict((k, report['totals'][k]) for k in totals) == totals and report['totals']['records'] == HISTORY
    decided = HISTORY - totals['kept']
    assert report['totals']['coverage'] == round(decided / float(HISTORY), 4)
    assert report['totals']['agreement'] == round(totals['agree'] / float(decided), 4)
    assert dict((d['id'], (d['class'], d['rule'])) for d in report['disagreements']) == disagreements
    classes = [d['class'] for d in report['disagreements']]
    assert classes == sorted(classes, key=('release_rejected', 'reject_released').index), 'the dangerous ones first'
    by_id = dict((r['id'], r) for r in records)
    for item in report['disagreements']:
        raw = by_id[item['id']]
        operator_address = raw['operator']['email'] if isinstance(raw['operator'], dict) else raw['operator']
        assert item['operator'] == operator_address and item['sender'] == address(raw['fromEnv']), item
        assert item['decision'] == raw['status'] and item['subject'] == raw['subject'] and item['held_reason'] == raw['heldReason']
    assert [r['assumed'] for r in report['rules']] == [[], [], ['older_than']]
    assert sum(r['agree'] + r['release_rejected'] + r['reject_released'] + r['kept'] for r in report['rules']) + report['totals']['no_rule'] \
        == HISTORY
    # the CSV lists every disagreement, in the report's order; the HTML is beside it
    with open(str(tmp_path / 'bt.csv'), newline='', encoding='utf-8-sig') as handle:
        rows = list(csv.DictReader(handle))
    assert [(r['class'], r['id'], r['rule']) for r in rows] == [(d['class'], d['id'], d['rule']) for d in report['disagreements']]
    assert (tmp_path / 'bt.html').stat().st_size > 1000
    # read-only, and the summary on the screen
    after = logsim.state()
    assert logsim.stats()['write_requests'] == 0 and after['counts'] == before['counts']
    assert 'records %d: agree %d, release_rejected %d' % (HISTORY, totals['agree'], totals['release_rejected']) in run.output


def test_the_window(logsim, tmp_path):
    """Default: the last 30 days (the history goes back 45); an explicit window is sent as given, and counted exactly."""
    before = log_requests(logsim)
    run = backtest(logsim, tmp_path)
    assert run.rc == 0, run
    assert log_requests(logsim) - before == 1  # 500 per page
    report = json.loads((tmp_path / 'bt.json').read_text())
    start, end = (datetime.datetime.strptime(report['window'][k], '%Y-%m-%dT%H:%M:%S%z') for k in ('start', 'end'))
    assert end - start == datetime.timedelta(days=30)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - end).total_seconds()) < 120
    month = read_log(logsim, report['window'])
    assert 0 < report['totals']['records'] == len(month) < HISTORY
    window = {'mimecast_backtest_start': '-20d', 'mimecast_backtest_end': '-10d'}
    run = backtest(logsim, tmp_path, extra=dict(window, mimecast_backtest_report=str(tmp_path / 'narrow.json')))
    assert run.rc == 0, run
    narrow = json.loads((tmp_path / 'narrow.json').read_text())
    records = read_log(logsim, narrow['window'])
    assert 0 < len(records) < len(month) and narrow['totals']['records'] == len(records)
    assert dict((k, narrow['totals'][k]) for k in ('agree', 'release_rejected', 'reject_released', 'kept')) == expected(records)[0]


def test_the_gate_fails_the_play_after_the_report_is_written(logsim, tmp_path):
    run = backtest(logsim, tmp_path, extra={'mimecast_backtest_max_disagreements': '2'})  # a string, as a survey gives it
    assert run.rc != 0, run
    report = json.loads((tmp_path / 'bt.json').read_text())
    count = report['totals']['disagreements']
    assert count > 2 and report['gate'] == {'max_disagreements': 2, 'passed': False}
    assert 'The rules disagree with what people did on %d records' % count in run.output
    assert 'FAILED: %d disagreements' % count in run.output and run.stats['failures'] == 1
    assert 'FAILED: %d disagreements' % count in (tmp_path / 'bt.html').read_text()
    run = backtest(logsim, tmp_path, extra={'mimecast_backtest_max_disagreements': count})
    assert run.rc == 0, run
    assert json.loads((tmp_path / 'bt.json').read_text())['gate']['passed'] is True


def test_a_403_names_the_permission_and_writes_nothing(logsim, tmp_path):
    logsim.config(release_log_forbidden=True)
    run = backtest(logsim, tmp_path)
    assert run.rc != 0, run
    assert PERMISSION in run.output and 'HTTP 403' in run.output and LOGS in run.output
    assert not (tmp_path / 'bt.json').exists() and log_requests(logsim) == 1


@pytest.mark.parametrize('extra, why', [
    ({'mimecast_triage_rules': [{'name': 'Bad', 'match': {'sender': '(x'}, 'action': 'release'}]}, "rule #1 'Bad': match.sender: bad regular expression"),
    ({'mimecast_triage_rules': [{'name': 'No reason', 'match': {'route': 'OUTBOUND'}, 'action': 'reject'}]}, 'needs "reason_type"'),
    ({'mimecast_backtest_report': '/dev/null/bt.json'}, '/dev/null is not a directory'),
    ({'mimecast_backtest_max_disagreements': 'many'}, 'max_disagreements'),
    ({'mimecast_backtest_start': 'last tuesday'}, 'start'),
    ({'mimecast_triage_rules': []}, 'mimecast_triage_rules is required'),
])
def test_bad_input_fails_before_any_request(logsim, tmp_path, extra, why):
    run = backtest(logsim, tmp_path, extra=extra)
    assert run.rc != 0 and run.says(why), run
    assert log_requests(logsim) == 0 and logsim.stats()['total'] == 0


def test_at_vvvv_no_secret_leaks(logsim, tmp_path):
    secrets = secret_values(logsim)
    texts = []
    for api in ('1.0', '2.0'):
        run = backtest(logsim, tmp_path, api=api, options=['-vvvv'], extra={'mimecast_backtest_max_disagreements': 0})
        assert run.rc != 0 and 'The rules disagree' in run.output, run
        texts += run_texts('backtest %s' % api, run)
    logsim.config(release_log_forbidden=True)
    run = backtest(logsim, tmp_path, options=['-vvvv'])
    assert run.rc != 0, run
    texts += run_texts('backtest 403', run)
    found = leaks(texts + file_texts(tmp_path) + [('simulator log', logsim.log_text())], secrets)
    assert found == [], found


# ------------------------------------------------------------------ many tenants
@pytest.fixture(scope='module')
def tenants_server():
    with Simulator(held=20, seed=5, tenants=3, release_history=120, release_history_days=20) as server:
        yield server


def test_many_tenants_each_its_own_log_and_report_and_the_forbidden_one_fails_alone(tenants_server, tmp_path):
    sim = tenants_server
    sim.reset(tenant='*', held=20, seed=5, release_history=120, release_history_days=20)
    sim.config(tenant='tenant3', release_log_forbidden=True)
    sim.config(tenant='tenant2', release_log_operator='object', release_log_address='address')
    inventory = str(tmp_path / 'tenants.yml')
    sim.inventory(inventory)
    (tmp_path / 'reports').mkdir()
    # no MIMECAST_* in the environment: each tenant's connection comes from its inventory variables; the report path
    # is relative to the directory ansible-playbook starts in, and one per tenant
    run = run_playbook(sim, PLAYBOOK, api=None, inventory=inventory, cwd=str(tmp_path), options=['--forks', '3'],
                       extra_vars={'mimecast_hosts': 'mimecast_tenants', 'mimecast_triage_rules': RULES,
                                   'mimecast_backtest_report': 'reports/backtest.json'})
    assert run.rc != 0, run
    for tenant in ('tenant1', 'tenant2'):
        report = json.loads((tmp_path / 'reports' / ('backtest-%s.json' % tenant)).read_text())
        records = read_log(sim, report['window'], tenant=tenant)
        totals, disagreements = expected(records)
        assert report['totals']['records'] == len(records) == 120, tenant
        assert dict((k, report['totals'][k]) for k in totals) == totals, tenant
        assert set(d['id'] for d in report['disagreements']) == set(disagreements), tenant
        assert run.host_stats(tenant)['failures'] == 0, tenant
    assert run.host_stats('tenant3')['failures'] == 1 and not (tmp_path / 'reports' / 'backtest-tenant3.json').exists()
    assert PERMISSION in run.output
    assert all(sim.stats(tenant=t)['write_requests'] == 0 for t in ('tenant1', 'tenant2', 'tenant3'))
