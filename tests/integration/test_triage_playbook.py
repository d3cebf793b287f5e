# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secops.mimecast.triage playbook against the simulator (ansible-playbook as a subprocess, no HTTP mocks)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import re

import pytest
import yaml

from conftest import assert_rejections_follow_their_rules, demo_rules, expected_plan, expected_sender_totals, held_records, HOLD_LIST as LIST, run_playbook


HELD = 200
CONF = 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'


def recap_changed(run):
    found = re.findall(r'localhost\s*:\s*ok=\d+\s+changed=(\d+)', run.output)
    assert found, run
    return int(found[-1])


def triage(sim, rules, tmp_path, options=(), report=True, extra=None):
    extra_vars = {'mimecast_triage_rules': rules}
    if report:
        extra_vars['mimecast_triage_report'] = str(tmp_path / 'report.json')
    extra_vars.update(extra or {})
    return run_playbook(sim, 'secops.mimecast.triage', options=options, extra_vars=extra_vars)


TRIAGE = 'secops.mimecast.mimecast_triage'


def task_of(run, action):
    """The one recorded task of ``action`` (the playbook's task names are free to change)."""
    found = [t for t in run.tasks() if t['action'] == action]
    if len(found) > 1:  # the tasks for several tenants are skipped on one
        found = [t for t in found if t['status'] != 'skipped']
    assert len(found) == 1, (action, [(t['name'], t['action']) for t in run.tasks()], run)
    return found[0]


def read_report(tmp_path):
    with open(str(tmp_path / 'report.json')) as handle:
        return json.load(handle)


@pytest.fixture
def big(sim):
    sim.reset(held=HELD, seed=11, not_held_style='fail')
    return sim


def test_demo_rules_split(big):
    """The demo policy matches the simulator's seed: about 60 % released, 20 % rejected."""
    expected = expected_plan(demo_rules(), held_records(big), datetime.datetime.now(datetime.timezone.utc))
    assert expected['held'] == HELD
    released = len(expected['release_ids']) / float(HELD)
    rejected = sum(len(g['ids']) for g in expected['reject_groups']) / float(HELD)
    assert 0.5 <= released <= 0.7, released
    assert 0.12 <= rejected <= 0.28, rejected


def test_triage_applies_the_rules_exactly_then_changes_nothing(big, tmp_path):
    rules = demo_rules()
    records = held_records(big)
    expected = expected_plan(rules, records, datetime.datetime.now(datetime.timezone.utc))
    expected_rejected = set(i for g in expected['reject_groups'] for i in g['ids'])
    assert expected['release_ids'] and expected_rejected

    list_reads = sum(big.stats()['by_path'][LIST].values())
    run = triage(big, rules, tmp_path)
    assert run.rc == 0, run
    state = big.state()
    assert set(state['released']) == set(expected['release_ids'])
    assert set(state['rejected']) == expected_rejected
    assert set(state['held']) == set(r['id'] for r in records) - set(expected['release_ids']) - expected_rejected

    # every rejection carried the rule's reason, message and notify
    audit = big.audit()
    assert len(audit) == len(expected['release_ids']) + len(expected_rejected)
    assert_rejections_follow_their_rules(audit, rules, CONF)

    # one list read (the plan), no re-read before the writes (verify_held: false)
    assert sum(big.stats()['by_path'][LIST].values()) == list_reads + 1

    report = read_report(tmp_path)
    assert report['check_mode'] is False
    assert report['totals'] == dict({'held': HELD, 'released': len(expected['release_ids']), 'rejected': len(expected_rejected),
                                     'kept': expected['kept'], 'failed': 0, 'not_held': 0}, **expected_sender_totals(expected))
    assert [(r['name'], r['action'], r['matched'], sorted(r['ids'])) for r in report['rules']] == \
        [(r['name'], r['action'], r['matched'], sorted(r['ids'])) for r in expected['rules']]
    assert 'totals: held %d, released %d' % (HELD, len(expected['release_ids'])) in run.output
    # one triage task did it all, its result is the report without the ids (they are in the report file:
    # return_ids false), and the outcome is shown; nothing failed
    result = task_of(run, TRIAGE)['result']
    assert result['changed'] is True and result['totals'] == report['totals']
    assert result['rules'] == [dict((k, v) for k, v in rule.items() if k != 'ids') for rule in report['rules']]
    assert report['rules'][0]['ids'] and all('ids' not in rule for rule in result['rules'])
    assert task_of(run, 'ansible.builtin.debug')['result']['msg'] == result['summary']
    assert task_of(run, 'ansible.builtin.fail')['status'] == 'skipped'

    # the second run finds nothing to do
    audit_before = len(big.audit())
    again = triage(big, rules, tmp_path)
    assert again.rc == 0, again
    assert recap_changed(again) == 0
    assert len(big.audit()) == audit_before
    report = read_report(tmp_path)
    assert report['totals']['released'] == report['totals']['rejected'] == report['totals']['failed'] == 0
    assert report['totals']['held'] == report['totals']['kept'] == expected['kept']


def test_check_diff_is_a_faithful_dry_run(big, tmp_path):
    rules = demo_rules()
    expected = expected_plan(rules, held_records(big), datetime.datetime.now(datetime.timezone.utc))
    before = big.state()
    run = triage(big, rules, tmp_path, options=['--check', '--diff'])
    assert run.rc == 0, run
    assert big.audit() == []
    assert big.stats()['writes'] == 0 and big.stats()['write_requests'] == 0
    assert big.state()['counts'] == before['counts']
    assert 'DRY RUN' in run.output
    report = read_report(tmp_path)  # written in check mode too
    assert report['check_mode'] is True
    assert report['totals']['released'] == len(expected['release_ids'])
    assert report['totals']['rejected'] == sum(len(g['ids']) for g in expected['reject_groups'])
    assert report['totals']['kept'] == expected['kept']
    # --diff shows, per rule, how many are held before and after
    assert '-held in the window: %d' % HELD in run.output, run
    assert '+held in the window: %d' % expected['kept'] in run.output, run
    for rule in expected['rules']:
        if rule['action'] != 'keep':
            assert "+rule '%s' (%s): 0 held" % (rule['name'], rule['action']) in run.output, run
    after = task_of(run, TRIAGE)['result']['diff']['after'].splitlines()
    count = len(expected['rules']) + 1
    assert after[count - 1] == 'held in the window: %d' % expected['kept'], after
    # then the managed-sender entries the permit and block rules would set: per rule how many, the first 10 (one line
    # each) and how many more (signed-off plans: a bounded sample, not one line per entry)
    senders = expected_sender_totals(expected)
    assert senders['permitted'] + senders['blocked'] > 0
    shown = dict(permit=senders['permitted'], block=senders['blocked'])
    want = []
    for rule in expected['rules']:
        if rule.get('sender_policy'):
            total = shown[rule['sender_policy']]
            want += [1 + min(total, 10) + (1 if total > 10 else 0)]
    assert len(after[count:]) == sum(want), after
    assert after[count].startswith("managed senders (rule '") and ('  ... and %d more' % (senders['permitted'] - 10)) in after, after
    assert report['totals'] == dict(report['totals'], **senders)


BAD_RULES = [
    ('unknown key', [{'name': 'Typo rule', 'match': {'subject': 'x'}, 'action': 'release', 'acton': 'x'}],
     "rule #1 'Typo rule': unknown key \"acton\""),
    ('unknown action', [{'name': 'Nuke', 'match': {'subject': 'x'}, 'action': 'delete'}],
     "rule #1 'Nuke': unknown action 'delete'"),
    ('bad regex', [{'name': 'News', 'match': {'subject': 'x'}, 'action': 'keep'},
                   {'name': 'Broken', 'match': {'sender': '(news'}, 'action': 'release'}],
     "rule #2 'Broken': match.sender: bad regular expression"),
    ('reject without reason_type', [{'name': 'DLP', 'match': {'route': 'OUTBOUND'}, 'action': 'reject'}],
     "rule #1 'DLP': a reject rule needs \"reason_type\""),
    ('duplicate names', [{'name': 'Same', 'match': {'subject': 'a'}, 'action': 'release'},
                         {'name': 'Same', 'match': {'subject': 'b'}, 'action': 'keep'}],
     "rule #2 'Same': duplicate name"),
    ('empty match', [{'name': 'Everything', 'match': {}, 'action': 'release'}],
     "rule #1 'Everything': \"match\" is empty"),
]


@pytest.mark.parametrize('rules, expected', [(r, e) for dummy, r, e in BAD_RULES], ids=[c[0] for c in BAD_RULES])
def test_bad_rules_fail_naming_the_rule_and_touch_nothing(sim, tmp_path, rules, expected):
    run = triage(sim, rules, tmp_path)
    assert run.rc != 0, run
    # the task's own msg (the screen output JSON-escapes quotes on some ansible-core versions)
    assert expected in ' '.join(str(t['result'].get('msg', '')) for t in run.tasks()), run
    stats = sim.stats()
    assert stats['writes'] == 0 and stats['write_requests'] == 0
    assert stats['total'] == 0  # not even a read
    assert sim.audit() == []
    assert not os.path.exists(str(tmp_path / 'report.json'))


def test_missing_rules_fail_clearly(sim):
    run = run_playbook(sim, 'secops.mimecast.triage')
    assert run.rc != 0
    assert 'mimecast_triage_rules is required' in run.output
    assert sim.stats()['total'] == 0


def test_a_missing_rules_file_is_ansibles_own_message_as_troubleshooting_quotes_it(sim, tmp_path):
    """ansible-core reads ``-e @file`` before any code of the collection runs: its message (with an unrelated remote_src
    hint) is what docs/troubleshooting.md explains; it names the file it looked for, in the caller's directory."""
    run = run_playbook(sim, 'secops.mimecast.triage', options=['-e', '@rules.yml'], cwd=str(tmp_path))
    assert run.rc != 0
    # "... on the Ansible Controller." (2.15 to 2.20) or "... on the Ansible Controller: [Errno 2] ..." (2.21)
    assert "Could not find or access '%s' on the Ansible Controller" % (tmp_path / 'rules.yml') in run.output, run
    assert 'If you are using a module and expect the file to exist on the remote, see the remote_src option' in run.output
    assert sim.stats()['total'] == 0
    with open(os.path.join(os.path.dirname(__file__), '..', '..', 'docs', 'troubleshooting.md')) as handle:
        heading = [line for line in handle if line.startswith("## `Could not find or access '")]
    assert heading and "rules.yml' on the Ansible Controller" in heading[0] and \
        'If you are using a module and expect the file to exist on the remote, see the remote_src option' in heading[0]


@pytest.mark.parametrize('rules', [[], ''])
def test_empty_rules_are_named_empty_not_missing(sim, rules):
    run = run_playbook(sim, 'secops.mimecast.triage', extra_vars={'mimecast_triage_rules': rules})
    assert run.rc != 0
    assert 'mimecast_triage_rules is empty: give at least one rule' in run.output, run
    assert 'is required' not in run.output
    assert sim.stats()['total'] == 0


def test_rules_as_a_survey_string_and_bool_ish_variables(big, tmp_path):
    text = yaml.safe_dump([{'name': 'Release newsletters', 'match': {'sender': r'@news\.vendor\.example$', 'has_attachments': 'false'},
                            'action': 'release'}])
    records = held_records(big)
    expected = expected_plan(yaml.safe_load(text), records, datetime.datetime.now(datetime.timezone.utc))
    run = triage(big, text, tmp_path, extra={'mimecast_triage_admin': 'true', 'mimecast_triage_start': '-14d',
                                             'mimecast_triage_end': 'now', 'mimecast_triage_batch_size': '7',
                                             'mimecast_triage_concurrency': '2'})
    assert run.rc == 0, run
    assert set(big.state()['released']) == set(expected['release_ids'])
    # batches of 7 ids
    assert big.stats()['by_path']['/api/gateway/hold-release']['200'] == -(-len(expected['release_ids']) // 7)


def test_failures_are_reported_after_the_report_is_written(big, tmp_path):
    rules = demo_rules()
    expected = expected_plan(rules, held_records(big), datetime.datetime.now(datetime.timezone.utc))
    big.faults([{'kind': 'status_418', 'path': '/api/gateway/hold-reject'}])
    run = triage(big, rules, tmp_path)
    assert run.rc != 0, run
    report = read_report(tmp_path)
    n_reject = sum(len(g['ids']) for g in expected['reject_groups'])
    assert report['totals']['released'] == len(expected['release_ids'])
    assert report['totals']['failed'] == n_reject
    assert report['totals']['kept'] == HELD - len(expected['release_ids']) - n_reject
    assert len(report['failures']) == n_reject
    failed_id = report['failures'][0]['id']
    assert failed_id in run.output and 'could not be released or rejected' in run.output
    assert set(big.state()['released']) == set(expected['release_ids'])
    assert big.state()['rejected'] == []
    # the triage task itself succeeds (failed_when: no totals), the outcome is shown, then the play fails with its msg
    triage_task = task_of(run, TRIAGE)
    assert triage_task['status'] == 'ok' and triage_task['result']['totals'] == report['totals']
    assert task_of(run, 'ansible.builtin.debug')['result']['msg'] == triage_task['result']['summary']
    failing = task_of(run, 'ansible.builtin.fail')
    assert failing['status'] == 'failed' and failing['result']['msg'] == triage_task['result']['msg']
    assert failed_id in failing['result']['msg']


def test_an_unreadable_queue_fails_the_triage_task_with_no_write_and_no_report(big, tmp_path):
    big.faults([{'kind': 'html', 'path': LIST}])
    run = run_playbook(big, 'secops.mimecast.triage', env={'MIMECAST_RETRIES': '1'}, extra_vars={
        'mimecast_triage_rules': demo_rules(), 'mimecast_triage_report': str(tmp_path / 'report.json')})
    assert run.rc != 0, run
    triage_task = task_of(run, TRIAGE)
    assert triage_task['status'] == 'failed'
    assert 'answered HTTP 502' in triage_task['result']['msg'] and LIST in triage_task['result']['msg'], triage_task
    assert 'totals' not in triage_task['result']
    # the host failed there: its failure is kept (for a summary over several tenants), then raised again at the end
    ran = [(t['action'], t['status']) for t in run.tasks() if t['status'] != 'skipped']
    assert ran == [('ansible.builtin.assert', 'ok'), (TRIAGE, 'failed'), ('ansible.builtin.set_fact', 'ok'), ('ansible.builtin.fail', 'failed')], ran
    assert task_of(run, 'ansible.builtin.fail')['result']['msg'] == triage_task['result']['msg']
    assert big.stats()['write_requests'] == 0 and big.audit() == []
    assert not os.path.exists(str(tmp_path / 'report.json'))
