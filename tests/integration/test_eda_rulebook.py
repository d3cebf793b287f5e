# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The example rulebooks under the real ansible-rulebook (its own venv, EDA_VENV; Java 17) with the collection
installed from the staged tree, against the simulator: holds seeded while it runs are released or rejected within
a few polls, each exactly once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import re
import signal
import subprocess
import time

import pytest
import yaml

from mimecast_sim import DEFAULT_CREDENTIALS

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
EDA = os.path.join(COLLECTION, 'extensions', 'eda')
HOLD_LIST = '/api/gateway/get-hold-message-list'
INTERVAL = 2
SPAM = 'message_hold_applied_spam_signature_policy'
DLP = 'message_hold_applied_content_examination_policy'
SPOOF = 'message_hold_applied_anti_spoofing_policy'
CONFIDENTIAL = 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'


def eda_bin(name):
    venv = os.environ.get('EDA_VENV')
    if not venv:
        pytest.fail('EDA_VENV is not set: run the integration tests with `make integration` (it makes .venv-eda with '
                    'ansible-rulebook, `make eda-venv`)')
    path = os.path.join(venv, 'bin', name)
    assert os.path.exists(path), '%s is missing: run `make eda-venv`' % path
    return path


def api_date(offset=0):
    return datetime.datetime.fromtimestamp(int(time.time()) + offset, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S+0000')


def list_requests(sim):
    return sum(sim.stats()['by_path'].get(HOLD_LIST, {}).values())


def wait_for(what, predicate, proc, log, timeout):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail('ansible-rulebook exited (%s) while waiting for %s:\n%s' % (proc.returncode, what, log()[-6000:]))
        if time.monotonic() > deadline:
            pytest.fail('timed out after %s s waiting for %s:\n%s' % (timeout, what, log()[-6000:]))
        time.sleep(0.2)


class Rulebook(object):
    """``ansible-rulebook -i inventory -r RULEBOOK --vars VARS`` as a real subprocess, output in a file."""

    def __init__(self, sim, tmp_path, rulebook, variables, verbosity='-v'):
        self.sim = sim
        self.output_path = tmp_path / 'ansible-rulebook.log'
        vars_path = tmp_path / 'vars.yml'
        vars_path.write_text(yaml.safe_dump(variables))
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith('MIMECAST_'))
        env.update(sim.credentials('1.0'))
        env.update({
            # ansible-runner runs the ansible-playbook of the rulebook's venv (ANSIBLE_COLLECTIONS_PATH: the staged tree)
            'PATH': os.path.join(os.environ['EDA_VENV'], 'bin') + os.pathsep + env.get('PATH', ''),
            'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_FORCE_COLOR': '0', 'ANSIBLE_LOCALHOST_WARNING': 'False',
            'ANSIBLE_DEPRECATION_WARNINGS': 'False', 'ANSIBLE_HOST_KEY_CHECKING': 'False',
        })
        self.cmd = [eda_bin('ansible-rulebook'), '-i', os.path.join(EDA, 'inventory.yml'), '-r', rulebook,
                    '--vars', str(vars_path), verbosity]
        self._out = open(self.output_path, 'wb')  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(self.cmd, stdout=self._out, stderr=subprocess.STDOUT, env=env,  # pylint: disable=consider-using-with
                                     cwd=str(tmp_path))

    def log(self):
        self._out.flush()
        return self.output_path.read_text(errors='replace')

    def wait(self, what, predicate, timeout=60):
        return wait_for(what, predicate, self.proc, self.log, timeout)

    def polls(self, count, timeout=60):
        target = list_requests(self.sim) + count
        self.wait('%d polls' % count, lambda: list_requests(self.sim) >= target, timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._out.close()
        return self.output_path.read_text(errors='replace')


def seed(sim, *holds):
    return sim.add_messages(list(holds))


def newsletter(sender='hello@news.vendor.example', **extra):
    hold = {'from': sender, 'reasonCode': SPAM, 'route': 'INBOUND', 'subject': 'Weekly digest', 'dateReceived': api_date()}
    hold.update(extra)
    return hold


def outbound_dlp(**extra):
    hold = {'reasonCode': DLP, 'route': 'OUTBOUND', 'subject': 'Confidential: Q3 payroll', 'dateReceived': api_date(),
            'from': 'alice@example.com', 'to': 'someone@partner.example'}
    hold.update(extra)
    return hold


def spoofed_newsletter(**extra):
    hold = {'reasonCode': SPOOF, 'from': 'news@news.vendor.example', 'subject': 'CEO urgent wire', 'dateReceived': api_date()}
    hold.update(extra)
    return hold


def audit_by_id(sim):
    entries = {}
    for entry in sim.audit():
        entries.setdefault(entry['id'], []).append(entry)
    return entries


def assert_no_secret(text):
    for name in ('secret_key', 'app_key', 'client_secret'):
        assert DEFAULT_CREDENTIALS[name] not in text, '%s appears in the output' % name


def test_release_or_reject_acts_on_new_holds_within_a_few_polls_once_each(sim, tmp_path):
    sim.reset(held=0, seed=7)
    state_file = tmp_path / 'held-state.json'
    rulebook = Rulebook(sim, tmp_path, 'secops.mimecast.release_or_reject',
                        {'mimecast_eda_interval': INTERVAL, 'mimecast_eda_state_file': str(state_file)}, verbosity='-vv')
    try:
        rulebook.polls(1)  # the source is up
        moment = api_date()
        first = seed(sim, newsletter(dateReceived=moment), newsletter(sender='digest@digest.saasweekly.example', dateReceived=moment),
                     outbound_dlp(dateReceived=moment), spoofed_newsletter(dateReceived=moment),
                     {'reasonCode': 'message_hold_applied_attachment_policy', 'subject': 'invoice.exe', 'dateReceived': moment})
        release, reject, keep = first[:2], first[2:3], first[3:]
        started = time.monotonic()
        rulebook.wait('the first holds released and rejected',
                      lambda: set(audit_by_id(sim)) >= set(release + reject), timeout=90)
        first_latency = time.monotonic() - started
        rulebook.polls(3)
        second = seed(sim, newsletter(sender='updates@mail.cloudtools.example'), outbound_dlp(route='outbound'))
        started = time.monotonic()
        rulebook.wait('the second holds released and rejected', lambda: set(audit_by_id(sim)) >= set(second), timeout=90)
        second_latency = time.monotonic() - started
        rulebook.polls(3)
    finally:
        output = rulebook.stop()

    audit = audit_by_id(sim)
    assert sorted(audit) == sorted(release + reject + second), output[-4000:]
    assert all(len(entries) == 1 for entries in audit.values()), audit  # each exactly once
    for rid in release + second[:1]:
        assert audit[rid][0]['action'] == 'release'
    for rid in reject + second[1:]:
        assert audit[rid][0]['action'] == 'reject'
        assert audit[rid][0]['reason_type'] == CONFIDENTIAL and audit[rid][0]['notify'] is True
        assert audit[rid][0]['message'].startswith('Your message was stopped by the data loss prevention policy')
    held = set(sim.state()['held'])
    assert set(keep) <= held  # the spoofed "newsletter" and the attachment stay held
    # each action names the message it acts on, by subject and id (the module's own lines are "Module wrapper")
    assert 'Kept for review: CEO urgent wire (%s)' % keep[0] in output
    for rid in release + second[:1]:
        assert re.search(r'Releasing: [^\n]* \(%s\)' % re.escape(rid), output), rid
    for rid in reject + second[1:]:
        assert 'Rejecting: Confidential: Q3 payroll (%s)' % rid in output
    # within a few polls: the poll interval, then one ansible run per hold
    assert first_latency < 60 and second_latency < 45, (first_latency, second_latency)
    assert sorted(yaml.safe_load(state_file.read_text())['emitted']) == sorted(first + second)
    assert_no_secret(output)


def test_triage_throttled_runs_the_playbook_once_for_a_burst(sim, tmp_path):
    sim.reset(held=0, seed=7)
    with open(os.path.join(EDA, 'rulebooks', 'triage_throttled.yml')) as handle:
        text = handle.read()
    assert 'once_after: 2 minutes' in text
    fast = tmp_path / 'triage_throttled.yml'
    fast.write_text(text.replace('once_after: 2 minutes', 'once_after: 5 seconds'))  # the same rulebook, a shorter wait
    with open(os.path.join(COLLECTION, 'docs', 'rules-examples', 'demo-rules.yml')) as handle:
        variables = yaml.safe_load(handle)
    variables['mimecast_eda_interval'] = INTERVAL
    rulebook = Rulebook(sim, tmp_path, str(fast), variables)
    play = 'PLAY [Triage Mimecast held messages with rules]'
    try:
        rulebook.polls(1)
        burst = seed(sim, newsletter(), outbound_dlp(), spoofed_newsletter())
        rulebook.polls(1)
        burst += seed(sim, newsletter(sender='digest@digest.saasweekly.example'))  # inside the 5 s window
        rulebook.wait('the triage playbook run', lambda: rulebook.log().count(play) >= 1 and 'PLAY RECAP' in rulebook.log(),
                      timeout=90)
        rulebook.wait('its actions', lambda: len(sim.audit()) >= 3, timeout=30)
        rulebook.polls(2)
        assert rulebook.log().count(play) == 1  # four new holds, one run
        later = seed(sim, newsletter(sender='updates@mail.cloudtools.example'))
        rulebook.wait('a second run for a later hold', lambda: set(audit_by_id(sim)) >= set(later), timeout=90)
    finally:
        output = rulebook.stop()

    assert output.count(play) == 2
    audit = audit_by_id(sim)
    assert sorted(audit) == sorted([burst[0], burst[1], burst[3]] + later)
    assert all(len(entries) == 1 for entries in audit.values())
    assert audit[burst[1]][0]['action'] == 'reject' and audit[burst[1]][0]['reason_type'] == CONFIDENTIAL
    assert burst[2] in sim.state()['held']
    assert "rule 'Release newsletters held as spam' (release): matched 2, released 2, permitted 2 senders, failed 0" in output
    assert_no_secret(output)
