# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sender_policy: a triage killed between its two steps (entries set, messages not yet released) and its rerun.

The contract: a run killed between the steps leaves the message held and its entries set; the rerun sets them
again (harmless) and acts. The simulator makes every release slow (a latency fault), the test kills the whole
``ansible-playbook`` process group once the entries are set and a release is on its way, then reruns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import signal
import subprocess
import tempfile
import time

import psutil

from conftest import ansible_env, BIN, demo_rules, expected_plan, held_records, run_playbook


RELEASE = '/api/gateway/hold-release'
SENDER = '/api/managedsender/permit-or-block-sender'
# every release request waits this long before it is handled: the run is killed while the first one waits
RELEASE_LATENCY_MS = 6000
BATCH = 5
# how long the test waits for a state of the simulator before giving up (a hang guard, not a measurement)
PATIENCE = 180


def permit_rules():
    """The demo's release rule with ``sender_policy: permit`` (newsletters held as spam), alone."""
    rules = [rule for rule in demo_rules() if rule.get('sender_policy') == 'permit']
    assert len(rules) == 1 and rules[0]['action'] == 'release'
    return rules


def wait_for(condition, what):
    deadline = time.monotonic() + PATIENCE
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, 'gave up waiting for %s' % what
        time.sleep(0.05)


def release_requests_arrived(sim, count):
    """How many release requests reached the simulator (each one takes one of the latency fault's ``count``)."""
    status, dummy, faults = sim.raw('GET', '/_sim/faults')
    assert status == 200, faults
    return sum(count - f['count'] for f in faults if f['kind'] == 'latency' and f['path'] == RELEASE)


def release_requests_answered(sim):
    return sum(sim.stats()['by_path'].get(RELEASE, {}).values())


def kill_tree(proc):
    """SIGKILL ``proc`` and every process under it. Its process group is not enough: the workers of ansible-core 2.15
    start sessions of their own."""
    try:
        tree = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        tree = []
    os.killpg(proc.pid, signal.SIGKILL)
    for child in tree:
        try:
            child.kill()
        except psutil.Error:
            pass


def entries(sim):
    return sorted((e['sender'], e['to'], e['type']) for e in sim.state()['managed_senders'])


def kill_between_the_steps(sim, tmp_path, extra_vars, pairs, fault_count):
    """Run the triage playbook with ``extra_vars`` and kill it, with every process under it, once the managed-sender
    ``pairs`` are set and the first release request (slowed down by the simulator's latency fault) has arrived."""
    fd, record = tempfile.mkstemp(prefix='ansible-run-', suffix='.json', dir=str(tmp_path))
    os.close(fd)
    env = ansible_env(sim, extra={'RESULT_RECORDER_FILE': record})
    cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', 'secops.mimecast.triage', '-e', json.dumps(extra_vars)]
    with open(str(tmp_path / 'killed-run.log'), 'wb') as log:
        # a session of its own: ansible-playbook and every process under it are killed together (kill_tree)
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # pylint: disable=consider-using-with
        try:
            wait_for(lambda: entries(sim) == pairs and release_requests_arrived(sim, fault_count) >= 1 or proc.poll() is not None,
                     'the managed-sender entries and the first release request')
            assert proc.poll() is None, 'the run ended before it could be killed'
            kill_tree(proc)
        finally:
            if proc.poll() is None:
                kill_tree(proc)
            proc.wait(60)


def test_a_run_killed_between_the_steps_is_completed_by_the_rerun(sim, tmp_path):
    rules = permit_rules()
    outcome = expected_plan(rules, held_records(sim), datetime.datetime.now(datetime.timezone.utc))
    to_release = set(outcome['release_ids'])
    pairs = sorted(set((sender.lower(), to.lower(), 'Permit') for rid in to_release for sender, to in outcome['senders'][rid]['pairs']))
    assert len(to_release) > 2 * BATCH and pairs and sim.audit() == []

    fault_count = 1000
    sim.faults([{'kind': 'latency', 'path': RELEASE, 'ms': RELEASE_LATENCY_MS, 'count': fault_count}])
    kill_between_the_steps(sim, tmp_path, {'mimecast_triage_rules': rules, 'mimecast_triage_batch_size': BATCH,
                                           'mimecast_triage_concurrency': 1}, pairs, fault_count)

    # killed between the steps: every message held, every entry set, nothing released
    state = sim.state()
    assert to_release <= set(state['held']) and state['counts']['released'] == 0
    assert entries(sim) == pairs
    assert sim.audit() == []

    # the release that was on its way when the run was killed is either carried out when its wait is over, or dropped
    # with its client (the simulator's server cancels the request of a client that is gone; the API may do either):
    # at most one batch, and the rest stays held
    arrived = release_requests_arrived(sim, fault_count)
    assert arrived == 1, 'one request in flight at a time (concurrency 1)'
    settled = time.monotonic() + RELEASE_LATENCY_MS / 1000.0 + 15
    while release_requests_answered(sim) < arrived and time.monotonic() < settled:
        time.sleep(0.2)
    first = [a['id'] for a in sim.audit()]
    assert len(first) <= BATCH and set(first) <= to_release and len(set(first)) == len(first)
    still_held = to_release - set(first)
    assert still_held <= set(sim.state()['held'])
    sets_before = sim.state()['managed_sender_sets']

    # the rerun, without the fault: sets the entries of what is still held again (harmless) and releases it
    sim.clear_faults()
    report = tmp_path / 'rerun.json'
    rerun = run_playbook(sim, 'secops.mimecast.triage', extra_vars={'mimecast_triage_rules': rules, 'mimecast_triage_report': str(report)})
    assert rerun.rc == 0, rerun
    audit = sim.audit()
    assert sorted(a['id'] for a in audit) == sorted(to_release), 'every message released exactly once'
    assert set(a['action'] for a in audit) == {'release'}
    assert to_release.isdisjoint(sim.state()['held'])
    assert entries(sim) == pairs, 'the entries are there, once each (a set is an upsert)'
    assert sim.state()['managed_sender_sets'] > sets_before
    with open(str(report), encoding='utf-8') as handle:
        totals = json.load(handle)['totals']
    assert totals['released'] == len(still_held) and totals['failed'] == 0 and totals['sender_failed'] == 0
    assert totals['permitted'] >= 1

    # and a third run changes nothing: nothing matches any more
    third = run_playbook(sim, 'secops.mimecast.triage', extra_vars={'mimecast_triage_rules': rules})
    assert third.rc == 0, third
    assert len(sim.audit()) == len(to_release) and entries(sim) == pairs
