# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration fixtures: one simulator per test session (reset before every test) and runners for
``ansible`` and ``ansible-playbook`` as real subprocesses. No HTTP is mocked here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import subprocess
import sys
import tempfile

import pytest
import yaml

from mimecast_sim.testing import Simulator

DEFAULT_HELD = 60
DEFAULT_CONFIG = dict(not_held_style='fail', unknown_id_style='not_found', binding_expired=False, clock_offset=0, rate_limit=0, latency_ms=0, token_ttl=1800,
                      release_log_forbidden=False)
BIN = os.path.dirname(sys.executable)


HERE = os.path.dirname(os.path.abspath(__file__))


EXAMPLES = os.path.join(HERE, '..', '..', 'docs', 'rules-examples')
HOLD_LIST = '/api/gateway/get-hold-message-list'


def demo_rules():
    """The rules of the demo (docs/rules-examples/demo-rules.yml)."""
    with open(os.path.join(EXAMPLES, 'demo-rules.yml')) as handle:
        return yaml.safe_load(handle)['mimecast_triage_rules']


def held_records(sim, api='1.0', tenant=None):
    """Every held record (raw camelCase), read straight from the simulator the way the triage plan reads it (of
    ``tenant``, with its credentials of ``api``; default: the simulator's first tenant)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    item = {'admin': True, 'start': (now - datetime.timedelta(days=14)).strftime('%Y-%m-%dT%H:%M:%S+0000'),
            'end': now.strftime('%Y-%m-%dT%H:%M:%S+0000')}
    records, token = [], None
    while True:
        pagination = {'pageSize': 500}
        if token:
            pagination['pageToken'] = token
        status, dummy, body = sim.call(HOLD_LIST, [item], meta={'pagination': pagination}, api=api,
                                       **({'tenant': tenant} if tenant else {}))
        assert status == 200 and not body.get('fail'), body
        records.extend(body['data'])
        token = body['meta'].get('pagination', {}).get('next')
        if not token:
            return records


def expected_plan(rules, records, now=None):
    """The plan of ``rules`` for held ``records`` (the test's oracle), as mimecast_triage_plan returns it, with
    ``senders``: per id of a rule with a sender_policy, ``{'pairs': [(sender, recipient)]}``."""
    from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_plan import Planner
    from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import Ruleset

    planner = Planner(Ruleset.load(rules), now or datetime.datetime.now(datetime.timezone.utc))
    plan = planner.plan(planner.decide(record) for record in records)
    out = plan.to_result()
    out['senders'] = dict((rid, {'pairs': found.pairs, 'problem': found.problem}) for rid, found in plan.senders.items())
    return out


def expected_outcome(sim, rules):
    """What the rules say for the simulator's held queue now: the sets of ids to release, to reject, to keep."""
    records = held_records(sim)
    outcome = expected_plan(rules, records)
    release = set(outcome['release_ids'])
    reject = set(i for group in outcome['reject_groups'] for i in group['ids'])
    return release, reject, set(r['id'] for r in records) - release - reject


def expected_sender_totals(outcome):
    """The managed-sender totals a triage run reports for a plan (expected_plan) that every entry succeeds for."""
    policies = {}
    for rule in outcome['rules']:
        if rule.get('sender_policy'):
            for rid in rule['ids']:
                for pair in outcome['senders'][rid]['pairs']:
                    policies.setdefault(tuple(pair), rule['sender_policy'])
    if not any(rule.get('sender_policy') for rule in outcome['rules']):
        return {}
    counted = list(policies.values())
    return {'permitted': counted.count('permit'), 'blocked': counted.count('block'), 'sender_failed': 0}


def assert_rejections_follow_their_rules(audit, rules, reason_type):
    """Every rejection in the simulator's ``audit`` carried the reason, message and notify of the reject rule of its
    reason type (the rules' reject rules have distinct reason types); ``reason_type`` is one of them."""
    reject_rules = dict((r['reason_type'], r) for r in rules if r['action'] == 'reject')
    assert reason_type in reject_rules
    for entry in audit:
        if entry['action'] == 'reject':
            rule = reject_rules[entry['reason_type']]
            assert (entry['message'] or None, entry['notify']) == (rule.get('message'), rule.get('notify', False)), entry


class Run(object):
    """The outcome of one ansible/ansible-playbook run: rc, output, and the recorded task results."""

    def __init__(self, proc, args, record_path):
        self.args = args
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.output = proc.stdout + proc.stderr
        try:
            with open(record_path) as handle:
                self.records = json.load(handle)
        except (OSError, ValueError):
            self.records = {'tasks': [], 'stats': {}}

    def tasks(self, name=None):
        return [t for t in self.records['tasks'] if name is None or t['name'] == name]

    def says(self, text):
        """Whether the output shows ``text``: as written, or JSON-escaped (ansible-core 2.15 prints a failed task's
        result as JSON, so ``missing "name"`` shows as ``missing \\"name\\"``)."""
        return text in self.output or json.dumps(text)[1:-1] in self.output

    def result(self, name=None):
        """The result of the (last) task called ``name``; of the only task for ad-hoc runs."""
        found = self.tasks(name)
        assert found, 'no task %r in %s\n%s' % (name, [t['name'] for t in self.tasks()], self.output[-3000:])
        return found[-1]['result']

    @property
    def stats(self):
        return self.records['stats'].get('localhost', {})

    def host_stats(self, host):
        """The recap of one host: {ok, changed, failures, rescued, ...}."""
        return self.records['stats'].get(host, {})

    def host_tasks(self, host, name=None):
        return [t for t in self.tasks(name) if t.get('host') == host]

    def __repr__(self):
        return 'Run(rc=%s)\n%s' % (self.rc, self.output[-4000:])


def ansible_env(sim, api='1.0', extra=None):
    env = dict(os.environ)
    for key in [k for k in env if k.startswith('MIMECAST_')]:
        del env[key]
    env.update(sim.credentials(api) if sim is not None and api else {})
    env.update({
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_HOST_KEY_CHECKING': 'False',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_DEPRECATION_WARNINGS': 'False',
        'ANSIBLE_LOCALHOST_WARNING': 'False',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
        'ANSIBLE_CALLBACK_PLUGINS': os.path.join(HERE, 'callback_plugins'),
        'ANSIBLE_CALLBACKS_ENABLED': 'result_recorder',
        'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1',
        'PATH': BIN + os.pathsep + env.get('PATH', ''),
    })
    env.update(extra or {})
    return env


def _run(sim, cmd, api, env, timeout, cwd=None):
    fd, record_path = tempfile.mkstemp(prefix='ansible-run-', suffix='.json')
    os.close(fd)
    try:
        full_env = ansible_env(sim, api, env)
        full_env['RESULT_RECORDER_FILE'] = record_path
        proc = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd)
        return Run(proc, cmd, record_path)
    finally:
        os.unlink(record_path)


def run_adhoc(sim, module, args, api='1.0', env=None, options=(), timeout=300):
    """``ansible localhost -m secops.mimecast.<module> -a '<json args>'`` with the simulator's credentials."""
    cmd = [os.path.join(BIN, 'ansible'), 'localhost', '-c', 'local', '-i', 'localhost,', '-m', 'secops.mimecast.' + module]
    if args:
        cmd += ['-a', json.dumps(args)]
    cmd += list(options)
    return _run(sim, cmd, api, env, timeout)


def run_playbook(sim, playbook, api='1.0', env=None, options=(), extra_vars=None, timeout=600, inventory=None, cwd=None):
    """``ansible-playbook -i localhost, <playbook>`` with the simulator's credentials (in the environment; ``api=None``:
    none). With ``inventory``: ``-i <inventory>`` instead, the hosts' own connection variables."""
    cmd = [os.path.join(BIN, 'ansible-playbook')] + (['-i', inventory] if inventory else ['-i', 'localhost,', '-c', 'local'])
    cmd += [playbook] + list(options)
    if extra_vars is not None:
        cmd += ['-e', json.dumps(extra_vars)]
    return _run(sim, cmd, api, env, timeout, cwd=cwd)


@pytest.fixture(scope='session')
def simulator_server():
    with Simulator(held=DEFAULT_HELD, seed=7) as sim:
        yield sim


@pytest.fixture
def sim(simulator_server):
    """The shared simulator, re-seeded with its defaults (and no faults) for this test."""
    simulator_server.reset(held=DEFAULT_HELD, seed=7, not_held_style='fail')
    simulator_server.config(**DEFAULT_CONFIG)
    simulator_server.clear_faults()
    return simulator_server
