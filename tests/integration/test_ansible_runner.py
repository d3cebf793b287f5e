# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The triage playbook as an AWX job: run by the real ``ansible-runner`` (the library AWX and EDA Controller run every
job with) from an AWX-shaped private data directory:

- ``env/envvars``: the *Mimecast API* credential of the job template, rendered exactly as AWX renders the credential
  type's injectors (every injector, the unused ones empty);
- ``env/extravars``: the survey's answers, every one a string;
- ``inventory/``: the tenants, one taking its connection from the job's credential (the environment), one from its
  own host variables (API 2.0);
- ``project/``: a one-line playbook importing ``secops.mimecast.triage``, as docs/awx.md shows;
- ``env/cmdline``: ``--check`` for the dry-run job template.

The runner's artifacts are checked: status, rc, and that no secret is in the job events or the stdout. A workflow of
two jobs (dry run, then apply after an approval) hands the plans on as AWX does: the first job's ``set_stats``
artifact (the ``artifact_data`` of its ``playbook_on_stats`` event) becomes the second job's extra variables."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import glob
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import BIN, demo_rules, expected_plan, held_records
from mimecast_sim.testing import Simulator
from test_awx_credential import load_type, render_env


SECRETS = ('MIMECAST_SECRET_KEY', 'MIMECAST_APP_KEY', 'MIMECAST_CLIENT_SECRET')
HELD = 60


@pytest.fixture(scope='module')
def awx_server():
    with Simulator(held=HELD, seed=5, tenants=2) as server:
        yield server


@pytest.fixture
def awx_sim(awx_server):
    awx_server.reset(tenant='*', held=HELD, seed=5, not_held_style='fail')
    awx_server.clear_faults()
    return awx_server


def private_data_dir(sim, root, cmdline=None):
    """An AWX job's private data directory; returns it and every secret in it."""
    for sub in ('env', 'inventory', 'project'):
        os.makedirs(os.path.join(root, sub))
    # the job template's credential: tenant1's API 1.0 keys
    v1 = sim.credentials('1.0', tenant='tenant1')
    inputs = dict((name, v1['MIMECAST_' + name.upper()]) for name in ('access_key', 'secret_key', 'app_id', 'app_key'))
    inputs.update(base_url=sim.base_url, validate_certs=True)
    envvars = render_env(load_type(), inputs)
    assert envvars['MIMECAST_CLIENT_ID'] == '' and envvars['MIMECAST_CLIENT_SECRET'] == ''
    # how the execution environment finds the collection and its Python (AWX sets these in the EE image)
    envvars.update(ANSIBLE_COLLECTIONS_PATH=os.environ['ANSIBLE_COLLECTIONS_PATH'], ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                   ANSIBLE_NOCOLOR='1', PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    with open(os.path.join(root, 'env', 'envvars'), 'w') as handle:
        yaml.safe_dump(envvars, handle)
    # the survey: strings only (rules as a YAML textarea)
    reports = os.path.join(root, 'reports')
    os.makedirs(reports)
    extravars = {'mimecast_hosts': 'mimecast_tenants', 'mimecast_triage_start': '-14d', 'mimecast_triage_admin': 'true',
                 'mimecast_triage_batch_size': '25', 'mimecast_triage_rules': yaml.safe_dump(demo_rules()),
                 'mimecast_triage_report': os.path.join(reports, '{{ inventory_hostname }}.json'),
                 'mimecast_triage_summary_report': os.path.join(reports, 'summary.json')}
    with open(os.path.join(root, 'env', 'extravars'), 'w') as handle:
        yaml.safe_dump(extravars, handle)
    if cmdline:
        with open(os.path.join(root, 'env', 'cmdline'), 'w') as handle:
            handle.write(cmdline)
    # the inventory: 'primary' from the job's credential, 'subsidiary' (tenant2, API 2.0) from its host variables
    v2 = sim.credentials('2.0', tenant='tenant2')
    inventory = {'mimecast_tenants': {'vars': {'ansible_connection': 'local'}, 'hosts': {
        'primary': {},
        'subsidiary': {'mimecast_base_url': sim.base_url, 'mimecast_client_id': v2['MIMECAST_CLIENT_ID'],
                       'mimecast_client_secret': v2['MIMECAST_CLIENT_SECRET']}}}}
    with open(os.path.join(root, 'inventory', 'hosts.yml'), 'w') as handle:
        yaml.safe_dump(inventory, handle)
    with open(os.path.join(root, 'project', 'triage.yml'), 'w') as handle:
        handle.write('---\n- name: Triage\n  ansible.builtin.import_playbook: secops.mimecast.triage\n')
    secrets = [envvars[name] for name in SECRETS if envvars[name]] + [v2['MIMECAST_CLIENT_SECRET']]
    return root, reports, secrets


def run_job(root, ident):
    cmd = [os.path.join(BIN, 'ansible-runner'), 'run', root, '-p', 'triage.yml', '--ident', ident]
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('MIMECAST_'))
    env['PATH'] = BIN + os.pathsep + env.get('PATH', '')
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, env=env)
    artifacts = os.path.join(root, 'artifacts', ident)
    with open(os.path.join(artifacts, 'status')) as handle:
        status = handle.read().strip()
    with open(os.path.join(artifacts, 'rc')) as handle:
        rc = int(handle.read().strip())
    events = []
    for path in sorted(glob.glob(os.path.join(artifacts, 'job_events', '*.json'))):
        with open(path) as handle:
            events.append((path, handle.read()))
    with open(os.path.join(artifacts, 'stdout')) as handle:
        stdout = handle.read()
    return proc, status, rc, events, stdout


def test_an_awx_job_triages_every_tenant_and_its_events_hold_no_secret(awx_sim, tmp_path):
    sim = awx_sim
    now = datetime.datetime.now(datetime.timezone.utc)
    expected = dict((tenant, expected_plan(demo_rules(), held_records(sim, api, tenant), now))
                    for tenant, api in (('tenant1', '1.0'), ('tenant2', '2.0')))

    # the dry-run job template first (job type Check): nothing changes, the reports say what would
    root, reports, secrets = private_data_dir(sim, str(tmp_path / 'dry'), cmdline='--check')
    proc, status, rc, events, stdout = run_job(root, 'dry-run')
    assert (status, rc) == ('successful', 0), (proc.stdout[-3000:], proc.stderr[-2000:])
    assert sim.stats(tenant='tenant1')['write_requests'] == 0 and sim.stats(tenant='tenant2')['write_requests'] == 0
    with open(os.path.join(reports, 'summary.json')) as handle:
        summary = json.load(handle)
    assert summary['check_mode'] is True and sorted(summary['tenants']) == ['primary', 'subsidiary']

    # then the acting job
    root, reports, secrets = private_data_dir(sim, str(tmp_path / 'job'))
    proc, status, rc, events, stdout = run_job(root, 'triage')
    assert (status, rc) == ('successful', 0), (proc.stdout[-3000:], proc.stderr[-2000:])
    for host, tenant in (('primary', 'tenant1'), ('subsidiary', 'tenant2')):
        audit = sim.audit(tenant=tenant)
        assert set(a['id'] for a in audit if a['action'] == 'release') == set(expected[tenant]['release_ids']), host
        with open(os.path.join(reports, '%s.json' % host)) as handle:
            assert json.load(handle)['totals']['released'] == len(expected[tenant]['release_ids'])
    # the job events stream: the play's stats and each tenant's triage task are there; no secret anywhere
    kinds = [json.loads(text).get('event') for dummy, text in events]
    assert 'playbook_on_stats' in kinds and kinds.count('runner_on_ok') >= 2
    for secret in secrets:
        assert secret not in stdout
        assert all(secret not in text for dummy, text in events), secret
        for path in glob.glob(os.path.join(reports, '*')):
            with open(path) as handle:
                assert secret not in handle.read(), path


def test_an_awx_job_with_one_broken_tenant_fails_and_names_it(awx_sim, tmp_path):
    sim = awx_sim
    root, reports, secrets = private_data_dir(sim, str(tmp_path / 'job'))
    # the subsidiary's client secret was rotated in Mimecast but not in the inventory
    path = os.path.join(root, 'inventory', 'hosts.yml')
    with open(path) as handle:
        inventory = yaml.safe_load(handle)
    inventory['mimecast_tenants']['hosts']['subsidiary']['mimecast_client_secret'] = 'rotated-away'
    with open(path, 'w') as handle:
        yaml.safe_dump(inventory, handle)
    proc, status, rc, events, stdout = run_job(root, 'broken')
    assert status == 'failed' and rc != 0, proc.stdout[-3000:]
    with open(os.path.join(reports, 'summary.json')) as handle:
        summary = json.load(handle)
    assert summary['failed'] == ['subsidiary'] and summary['tenants']['primary']['failed'] is False
    assert sim.audit(tenant='tenant2') == [] and len(sim.audit(tenant='tenant1')) > 0
    stats = [json.loads(text) for dummy, text in events if json.loads(text).get('event') == 'playbook_on_stats'][0]
    assert stats['event_data']['failures'] == {'subsidiary': 1}
    assert all('rotated-away' not in text for dummy, text in events)


# ------------------------------------------------------------------------- a workflow: dry run, approval, apply
def artifacts(events):
    """The artifacts of a job, as AWX takes them: the ``artifact_data`` of its ``playbook_on_stats`` event."""
    stats = [json.loads(text) for dummy, text in events if json.loads(text).get('event') == 'playbook_on_stats']
    assert len(stats) == 1
    return stats[0]['event_data']['artifact_data']


def rewrite_extravars(root, update):
    path = os.path.join(root, 'env', 'extravars')
    with open(path) as handle:
        extravars = yaml.safe_load(handle)
    extravars.update(update)
    with open(path, 'w') as handle:
        json.dump(extravars, handle)  # JSON, as AWX writes a job's extra variables (and YAML reads it)
    return extravars


@pytest.mark.parametrize('artifact', ['report', 'path'])
def test_an_awx_workflow_applies_the_dry_run_its_approver_signed_off(awx_sim, tmp_path, artifact):
    """Dry-run job template (check) -> approval node -> apply job template: the dry-run job hands its plans on as an
    artifact (set_stats; the reports themselves, or their paths on storage both jobs mount), the approver reads the
    digests in its output, the apply job takes them from its survey and applies exactly those plans."""
    sim = awx_sim
    # the dry-run job: its survey asks for the artifact
    root, reports, secrets = private_data_dir(sim, str(tmp_path / 'dry'), cmdline='--check')
    rewrite_extravars(root, {'mimecast_triage_plan_artifact': artifact})
    proc, status, rc, events, stdout = run_job(root, 'dry-run')
    assert (status, rc) == ('successful', 0), (proc.stdout[-3000:], proc.stderr[-2000:])
    assert sim.stats(tenant='tenant1')['write_requests'] == 0 and sim.stats(tenant='tenant2')['write_requests'] == 0
    plans = {}
    for host in ('primary', 'subsidiary'):
        with open(os.path.join(reports, '%s.json' % host)) as handle:
            plans[host] = json.load(handle)
    handed = artifacts(events)['mimecast_triage_plan']
    if artifact == 'report':
        assert handed == plans
    else:
        assert handed == dict((host, os.path.join(reports, '%s.json' % host)) for host in plans)
    # the approval node: the approver reads each tenant's digest in the dry run's output (and its HTML review)
    shown = re.findall(r'"plan (sha256:[0-9a-f]{64}) \(held queue read at ', stdout)
    assert sorted(shown) == sorted(plan['plan']['digest'] for plan in plans.values())
    # meanwhile a newsletter is held in the primary tenant: not in the plan, left alone
    added = sim.add_messages([{'reasonCode': 'message_hold_applied_spam_signature_policy', 'subject': 'Held while waiting for approval',
                               'from': {'emailAddress': 'news@news.vendor.example'}, 'to': {'emailAddress': 'alice@example.com'}}],
                             tenant='tenant1')

    # the apply job: the workflow's artifacts become its extra variables; its survey gives the digests signed off
    root, applied, secrets = private_data_dir(sim, str(tmp_path / 'apply'))
    extravars = rewrite_extravars(root, dict(artifacts(events), mimecast_triage_plan_digest='\n'.join(shown)))
    assert isinstance(extravars['mimecast_triage_plan'], dict)
    proc, status, rc, events, stdout = run_job(root, 'apply')
    assert (status, rc) == ('successful', 0), (proc.stdout[-3000:], proc.stderr[-2000:])
    for host, tenant in (('primary', 'tenant1'), ('subsidiary', 'tenant2')):
        plan = plans[host]
        wanted = [i for r in plan['rules'] if r['action'] in ('release', 'reject') for i in r['ids']]
        assert sorted(a['id'] for a in sim.audit(tenant=tenant)) == sorted(wanted), host
        with open(os.path.join(applied, '%s.json' % host)) as handle:
            report = json.load(handle)
        assert report['plan']['applied'] == plan['plan']['digest'], host
        assert report['totals']['not_in_plan'] == (1 if host == 'primary' else 0), host
    assert added[0] in sim.state(tenant='tenant1')['held']
    for secret in secrets:
        assert secret not in stdout and all(secret not in text for dummy, text in events)
