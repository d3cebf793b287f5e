# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Signed-off plans against the simulator, with the real ``ansible-playbook``: a dry run's report is a plan with a
digest a person signs off; ``-e mimecast_triage_plan=dry-run.json`` applies exactly it.

Covered: the digest shown whole (summary, HTML, CSV) and computed here independently; the exact apply with a
message released and one rejected in the console in between and two newsletters held since (one listed late,
inside the dry run's window; one after it); the rerun that changes nothing; every refusal sending nothing (the
simulator's request count and audit); a fault mix and a run killed between its steps, finished by a rerun of the
same plan; several tenants, each applying its own plan (and refusing another's).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import csv
import datetime
import hashlib
import json
import math
import time

import pytest

from conftest import assert_rejections_follow_their_rules, demo_rules, run_playbook
from mimecast_sim.testing import Simulator
from test_faults import FAULT_ENV, FAULT_MIX, assert_at_most_once, fault_stats
from test_sender_policy_kill import entries, kill_between_the_steps, release_requests_answered, release_requests_arrived

RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'
SENDER = '/api/managedsender/permit-or-block-sender'
CONF = 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'
SPAM = 'message_hold_applied_spam_signature_policy'
API_FORMAT = '%Y-%m-%dT%H:%M:%S+0000'


# ------------------------------------------------------------------------------------------------- helpers
def read_json(path):
    with open(str(path), encoding='utf-8') as handle:
        return json.load(handle)


def dry_run(sim, tmp_path, rules, name='dry-run.json', options=('--check',), **kwargs):
    run = run_playbook(sim, 'secops.mimecast.triage', options=list(options), cwd=str(tmp_path),
                       extra_vars={'mimecast_triage_rules': rules, 'mimecast_triage_report': name}, **kwargs)
    assert run.rc == 0, run
    return run, read_json(tmp_path / name)


def apply(sim, tmp_path, plan, digest=None, report='apply.json', extra=None, **kwargs):
    extra_vars = {'mimecast_triage_plan': plan}
    if digest:
        extra_vars['mimecast_triage_plan_digest'] = digest
    if report:
        extra_vars['mimecast_triage_report'] = report
    extra_vars.update(extra or {})
    return run_playbook(sim, 'secops.mimecast.triage', cwd=str(tmp_path), extra_vars=extra_vars, **kwargs)


def canonical_digest(report):
    """The plan's digest as docs/reports.md defines it, computed from the report here (not by the collection)."""
    plan = report['plan']
    options = ('reason_type', 'message', 'notify')
    content = {
        'format': plan['format'], 'tenant': plan['tenant'], 'as_of': plan['as_of'], 'window': plan['window'], 'admin': plan['admin'],
        'rules_sha256': report['rules_sha256'],
        'rules': [{'name': r['name'], 'action': r['action'], 'options': dict((k, r[k]) for k in options if k in r),
                   'sender_policy': r.get('sender_policy'), 'ids': r['ids']} for r in report['rules']],
        'unmatched': plan['unmatched'], 'senders': plan['senders']}
    text = json.dumps(content, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
    return 'sha256:' + hashlib.sha256(text.encode('utf-8')).hexdigest()


def rule_ids(report, action):
    return [i for r in report['rules'] if r['action'] == action for i in r['ids']]


def pairs_of(report, ids):
    """The managed-sender entries the plan of ``report`` asks for its messages ``ids``: {(sender, to, Permit|Block)}."""
    kind = {'permit': 'Permit', 'block': 'Block'}
    out = set()
    for rule in report['rules']:
        if rule.get('sender_policy'):
            for rid in rule['ids']:
                if rid in ids:
                    out.update((s, t, kind[rule['sender_policy']]) for s, t in report['plan']['senders'][rid]['pairs'])
    return out


def items_sent(sim, path):
    """How many items the write requests to ``path`` carried (ids for release and reject, entries for managed senders)."""
    return sum(r['items'] for r in sim.requests() if r['path'] == path and r['status'] == 200)


def newsletter(received, subject):
    return {'reasonCode': SPAM, 'subject': subject, 'dateReceived': received.strftime(API_FORMAT),
            'from': {'emailAddress': 'news@news.vendor.example'}, 'to': {'emailAddress': 'alice@example.com'}}


# ------------------------------------------------------------------------- the digest and the exact apply
def test_the_signed_off_dry_run_is_applied_exactly_and_only_once(sim, tmp_path):
    sim.reset(held=200, seed=11, not_held_style='fail')
    rules = demo_rules()
    run, dry = dry_run(sim, tmp_path, rules, options=['--check', '--diff'])
    assert sim.stats()['write_requests'] == 0 and sim.audit() == []
    digest = dry['plan']['digest']

    # the digest: the one of docs/reports.md, shown whole in the summary, the HTML review and every CSV row
    assert digest == canonical_digest(dry) and len(digest) == 71
    assert 'plan %s (held queue read at %s)' % (digest, dry['plan']['as_of']) in run.output
    html = (tmp_path / 'dry-run.html').read_text(encoding='utf-8')
    assert '<code class="sum digest">%s</code>' % digest in html
    with open(str(tmp_path / 'dry-run.csv'), newline='', encoding='utf-8') as handle:
        rows = list(csv.reader(handle))
    assert rows[0][-1] == 'plan_digest' and set(row[-1] for row in rows[1:]) == {digest}
    # every held message is in the review, the kept ones too (action keep, the keep rule's name)
    kept_rows = [row for row in rows[1:] if row[1] == 'keep']
    assert len(rows) - 1 == dry['totals']['held'] and len(kept_rows) == dry['totals']['kept'] > 0
    assert set(row[0] for row in kept_rows) == set(r['name'] for r in dry['rules'] if r['action'] == 'keep')
    # --diff: the managed-sender entries, a bounded sample per rule
    permit = [r for r in dry['rules'] if r.get('sender_policy') == 'permit'][0]
    assert len(permit['senders']) > 10
    assert "managed senders (rule '%s'): would permit %d, first 10:" % (permit['name'], len(permit['senders'])) in run.output
    assert '  ... and %d more' % (len(permit['senders']) - 10) in run.output

    release, reject = rule_ids(dry, 'release'), rule_ids(dry, 'reject')
    # in between: a person releases three newsletters and rejects one DLP hit in the console; two newsletters are held,
    # one received before the dry run's read but listed after it (inside its window), one after it
    gone = set(release[:3] + reject[:1])
    assert sim.call(RELEASE, [{'id': i} for i in release[:3]])[0] == 200
    assert sim.call(REJECT, [{'ids': reject[:1], 'reasonType': CONF}])[0] == 200
    console = len(sim.audit())
    now = datetime.datetime.now(datetime.timezone.utc)
    late = sim.add_messages([newsletter(now - datetime.timedelta(hours=2), 'Listed late'),
                             newsletter(now + datetime.timedelta(seconds=1), 'Held after the dry run')])
    before = sim.stats()
    sent = (items_sent(sim, RELEASE), items_sent(sim, REJECT))  # the console's

    # the apply: exactly the plan's ids still held, each with its rule's action and options, entries first
    applied = apply(sim, tmp_path, 'dry-run.json', digest)
    assert applied.rc == 0, applied
    audit = sim.audit()[console:]
    assert sorted(a['id'] for a in audit if a['action'] == 'release') == sorted(set(release) - gone)
    assert sorted(a['id'] for a in audit if a['action'] == 'reject') == sorted(set(reject) - gone)
    assert_rejections_follow_their_rules(audit, rules, CONF)
    assert set(late) <= set(sim.state()['held'])
    # nothing sent for what is gone or new: the items of the write requests are the plan's held ids, once each
    assert items_sent(sim, RELEASE) - sent[0] == len(set(release) - gone) and items_sent(sim, REJECT) - sent[1] == len(set(reject) - gone)
    wanted = pairs_of(dry, (set(release) | set(reject)) - gone)
    assert set((e['sender'], e['to'], e['type']) for e in sim.state()['managed_senders']) == wanted
    assert sim.state()['managed_sender_sets'] == len(wanted)
    after = sim.stats()
    assert int(after['by_path'][RELEASE]['200']) - int(before['by_path'][RELEASE]['200']) == math.ceil(len(set(release) - gone) / 100.0)
    # the report: the plan's ids, gone ones not held, the new holds counted and left alone, plan.applied
    report = read_json(tmp_path / 'apply.json')
    assert report['plan']['applied'] == report['plan']['digest'] == digest and report['check_mode'] is False
    assert [r['ids'] for r in report['rules']] == [r['ids'] for r in dry['rules']]
    totals = report['totals']
    assert (totals['released'], totals['rejected'], totals['not_held'], totals['not_in_plan'], totals['failed']) == (
        len(release) - 3, len(reject) - 1, 4, 2, 0)
    assert 'applied the plan %s' % digest in applied.output and 'not in the plan (left held) 2' in applied.output
    assert 'applied without plan_digest' not in applied.output
    html = (tmp_path / 'apply.html').read_text(encoding='utf-8')
    assert 'Applied the plan <code class="sum digest">%s</code>' % digest in html
    assert 'Listed late' in html and 'Held after the dry run' in html
    assert before['by_path'].get(SENDER) is None and sim.stats()['write_requests'] > 0

    # applied again: one read, nothing sent, nothing changed
    writes = sim.stats()['write_requests']
    again = apply(sim, tmp_path, 'dry-run.json', digest, report='again.json')
    assert again.rc == 0, again
    assert sim.stats()['write_requests'] == writes and len(sim.audit()) == console + len(audit)
    result = again.result('Triage the held messages (validate the rules, read the held queue once, release, reject, report)')
    assert result['changed'] is False
    again_totals = read_json(tmp_path / 'again.json')['totals']
    assert (again_totals['released'], again_totals['rejected'], again_totals['not_held'], again_totals['not_in_plan']) == (
        0, 0, len(release) + len(reject), 2)


# ------------------------------------------------------------------------------------------------ refusals
@pytest.fixture(scope='module')
def refusals(tmp_path_factory):
    """A simulator of two tenants, and a dry run of tenant1 (the plan every refusal is about); a real run's report."""
    folder = tmp_path_factory.mktemp('refusals')
    with Simulator(held=60, seed=17, tenants=2) as server:
        dry_run(server, folder, demo_rules())
        real = run_playbook(server, 'secops.mimecast.triage', api=None, env=server.credentials('1.0', tenant='tenant2'),
                            cwd=str(folder), extra_vars={'mimecast_triage_rules': demo_rules(), 'mimecast_triage_report': 'real.json'})
        assert real.rc == 0, real
        (folder / 'not-json.json').write_text('{"plan": {"digest": ')
        edited = read_json(folder / 'dry-run.json')
        release = [r for r in edited['rules'] if r['action'] == 'release'][0]
        release['ids'].append(edited['plan']['unmatched'].pop() if edited['plan']['unmatched'] else
                              [r for r in edited['rules'] if r['action'] == 'keep'][0]['ids'].pop())
        (folder / 'edited.json').write_text(json.dumps(edited))
        yield server, folder


def _other_rules():
    rules = demo_rules()
    rules[1]['match']['sender'] = r'@news\.vendor\.example$'
    return rules


REFUSALS = [
    ('missing file', {'mimecast_triage_plan': 'no-such-plan.json'}, None, 'plan_unreadable',
     'it cannot be read: No such file or directory'),
    ('a directory', {'mimecast_triage_plan': '.'}, None, 'plan_unreadable', 'it cannot be read: Is a directory'),
    ('not JSON', {'mimecast_triage_plan': 'not-json.json'}, None, 'plan_unreadable', 'it is not a JSON triage report'),
    ('a real run', {'mimecast_triage_plan': 'real.json'}, 'tenant2', 'plan_not_dry_run',
     'it is the report of a real run (check_mode: false), not of a dry run'),
    ('edited', {'mimecast_triage_plan': 'edited.json'}, None, 'plan_edited', 'it was edited: its content gives the digest'),
    ('another digest', {'mimecast_triage_plan': 'dry-run.json', 'mimecast_triage_plan_digest': 'sha256:' + 'ab' * 32}, None,
     'plan_digest_mismatch', 'is not the one signed off (plan_digest: sha256:%s)' % ('ab' * 32)),
    ('another tenant', {'mimecast_triage_plan': 'dry-run.json'}, 'tenant2', 'plan_other_tenant', 'it was made for another tenant'),
    ('too old', {'mimecast_triage_plan': 'dry-run.json', 'mimecast_triage_plan_max_age': '1s'}, None, 'plan_too_old',
     'old (the held queue was read at'),
    ('other rules', {'mimecast_triage_plan': 'dry-run.json', 'mimecast_triage_rules': _other_rules()}, None, 'plan_rules_mismatch',
     'are not the rules of the plan (rules_sha256'),
]


@pytest.mark.parametrize('case,extra,tenant,code,words', REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_plan_that_cannot_be_applied_as_signed_is_refused_and_nothing_is_sent(refusals, case, extra, tenant, code, words):
    server, folder = refusals
    if case == 'too old':
        time.sleep(1.5)
    tenants = ('tenant1', 'tenant2')
    before = dict((t, (server.stats(tenant=t)['total'], len(server.audit(tenant=t)), server.state(tenant=t)['managed_sender_sets']))
                  for t in tenants)
    run = run_playbook(server, 'secops.mimecast.triage', api=None, env=server.credentials('1.0', tenant=tenant or 'tenant1'),
                       cwd=str(folder), extra_vars=dict(extra, mimecast_triage_report='refused.json'))
    assert run.rc == 2, run
    task = [t for t in run.tasks() if t['action'] == 'secops.mimecast.mimecast_triage'][0]
    triage = task['result']
    assert task['status'] == 'failed' and triage['error']['code'] == code, task
    assert triage['msg'].startswith('Not applying the plan ') and '(nothing was sent): ' in triage['msg'], triage['msg']
    assert words in triage['msg'], triage['msg']
    assert words in ' '.join(run.output.split())
    # not a request, not a write, no report
    for t in tenants:
        assert (server.stats(tenant=t)['total'], len(server.audit(tenant=t)), server.state(tenant=t)['managed_sender_sets']) == before[t], t
    assert not (folder / 'refused.json').exists()


# ----------------------------------------------------------------------------------- faults and a killed run
def test_a_plan_applied_under_faults_is_finished_by_applying_it_again(sim, tmp_path):
    sim.reset(held=60, seed=202, not_held_style='false')
    rules = demo_rules()
    dummy, dry = dry_run(sim, tmp_path, rules, api='2.0')
    release, reject = set(rule_ids(dry, 'release')), set(rule_ids(dry, 'reject'))
    kept = set(rule_ids(dry, 'keep') + dry['plan']['unmatched'])
    sim.faults(FAULT_MIX, seed=202)
    run = apply(sim, tmp_path, 'dry-run.json', dry['plan']['digest'], api='2.0', env=FAULT_ENV,
                extra={'mimecast_triage_batch_size': 2, 'mimecast_triage_concurrency': 2})
    assert sum(fault_stats(sim).values()) > 0
    assert_at_most_once(sim)
    state = sim.state()
    assert set(state['released']) <= release and set(state['rejected']) <= reject and kept <= set(state['held'])
    assert run.rc in (0, 2), run
    sim.clear_faults()
    rerun = apply(sim, tmp_path, 'dry-run.json', dry['plan']['digest'], api='2.0')
    assert rerun.rc == 0, rerun
    state = sim.state()
    assert set(state['released']) == release and set(state['rejected']) == reject and set(state['held']) == kept
    assert set(assert_at_most_once(sim)) == release | reject
    assert read_json(tmp_path / 'apply.json')['totals']['failed'] == 0


def test_a_plan_applied_and_killed_between_its_steps_is_finished_by_applying_it_again(sim, tmp_path):
    rules = [rule for rule in demo_rules() if rule.get('sender_policy') == 'permit']
    dummy, dry = dry_run(sim, tmp_path, rules)
    to_release = set(rule_ids(dry, 'release'))
    pairs = sorted(pairs_of(dry, to_release))
    assert len(to_release) > 10 and pairs
    count = 1000
    sim.faults([{'kind': 'latency', 'path': RELEASE, 'ms': 6000, 'count': count}])
    kill_between_the_steps(sim, tmp_path, {'mimecast_triage_plan': str(tmp_path / 'dry-run.json'), 'mimecast_triage_batch_size': 5,
                                           'mimecast_triage_plan_digest': dry['plan']['digest'], 'mimecast_triage_concurrency': 1},
                           pairs, count)
    assert to_release <= set(sim.state()['held']) and entries(sim) == pairs
    settled = time.monotonic() + 21
    while release_requests_answered(sim) < release_requests_arrived(sim, count) and time.monotonic() < settled:
        time.sleep(0.2)
    first = [a['id'] for a in sim.audit()]
    assert len(first) <= 5 and set(first) <= to_release
    sim.clear_faults()
    rerun = apply(sim, tmp_path, 'dry-run.json', dry['plan']['digest'])
    assert rerun.rc == 0, rerun
    assert sorted(a['id'] for a in sim.audit()) == sorted(to_release), 'every message of the plan released exactly once'
    assert entries(sim) == pairs
    totals = read_json(tmp_path / 'apply.json')['totals']
    assert totals['released'] == len(to_release) - len(first) and totals['not_held'] == len(first) and totals['failed'] == 0


# ----------------------------------------------------------------------------------------- several tenants
@pytest.fixture(scope='module')
def three_tenants():
    with Simulator(held=60, seed=31, tenants=3) as server:
        yield server


def run_tenants(server, tmp_path, options=(), extra=None):
    inventory = server.inventory(str(tmp_path / 'tenants.yml'))
    extra_vars = {'mimecast_hosts': 'mimecast_tenants'}
    extra_vars.update(extra or {})
    return run_playbook(server, 'secops.mimecast.triage', api=None, inventory=inventory, cwd=str(tmp_path),
                        options=['--forks', '3'] + list(options), extra_vars=extra_vars)


def test_several_tenants_each_apply_their_own_plan(three_tenants, tmp_path):
    server = three_tenants
    server.reset(tenant='*', held=60, seed=31, not_held_style='fail')
    hosts = ('tenant1', 'tenant2', 'tenant3')
    (tmp_path / 'plans').mkdir()
    dry = run_tenants(server, tmp_path, options=['--check'],
                      extra={'mimecast_triage_rules': demo_rules(), 'mimecast_triage_report': 'plans/dry.json'})
    assert dry.rc == 0, dry
    plans = dict((h, read_json(tmp_path / 'plans' / ('dry-%s.json' % h))) for h in hosts)
    digests = dict((h, plans[h]['plan']['digest']) for h in hosts)
    assert len(set(digests.values())) == 3 and len(set(p['plan']['tenant'] for p in plans.values())) == 3
    server.add_messages([newsletter(datetime.datetime.now(datetime.timezone.utc), 'Held after the dry run')], tenant='tenant2')

    # each host handed another's plan (a mapping of hosts, as an AWX artifact): refused, nothing sent; tenant3's own applied
    swapped = {'tenant1': 'plans/dry-tenant2.json', 'tenant2': 'plans/dry-tenant1.json', 'tenant3': plans['tenant3']}
    run = run_tenants(server, tmp_path, extra={'mimecast_triage_plan': swapped,
                                               'mimecast_triage_plan_digest': '\n'.join(digests[h] for h in hosts)})
    assert run.rc == 2, run
    for host in ('tenant1', 'tenant2'):
        assert run.host_stats(host)['failures'] == 1 and server.audit(tenant=host) == [], host
        assert server.stats(tenant=host)['write_requests'] == 0
    assert 'it was made for another tenant' in run.output
    third = rule_ids(plans['tenant3'], 'release') + rule_ids(plans['tenant3'], 'reject')
    assert sorted(a['id'] for a in server.audit(tenant='tenant3')) == sorted(third)

    # each its own plan, by the one path of the dry run (per host as the reports); the three digests signed off
    run = run_tenants(server, tmp_path, extra={'mimecast_triage_plan': 'plans/dry.json', 'mimecast_triage_report': 'plans/apply.json',
                                               'mimecast_triage_plan_digest': list(digests.values()),
                                               'mimecast_triage_summary_report': 'plans/summary.json'})
    assert run.rc == 0, run
    for host in hosts:
        audit = server.audit(tenant=host)
        assert sorted(a['id'] for a in audit) == sorted(rule_ids(plans[host], 'release') + rule_ids(plans[host], 'reject')), host
        assert collections.Counter(a['id'] for a in audit).most_common(1)[0][1] == 1
        report = read_json(tmp_path / 'plans' / ('apply-%s.json' % host))
        assert report['plan']['applied'] == digests[host]
    summary = read_json(tmp_path / 'plans' / 'summary.json')
    assert summary['tenants']['tenant2']['totals']['not_in_plan'] == 1 and summary['totals']['not_in_plan'] == 1
    # tenant3 had applied its plan already: this time every message it acts on is not held any more, nothing is sent
    totals = summary['tenants']['tenant3']['totals']
    assert (totals['released'], totals['rejected'], totals['not_held']) == (0, 0, len(third))
