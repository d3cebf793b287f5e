# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many tenants in one run: the example inventory of docs/examples/tenants (three tenants in two groups, API 1.0 and
2.0 side by side, credentials in ansible-vault files) plus a broken tenant, against one simulator serving four
tenants told apart by their credentials. The real ``ansible-playbook`` with forks; no HTTP is mocked."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import datetime
import json
import os
import re
import shutil
import subprocess
import threading
import time

import pytest
import yaml

from conftest import BIN, expected_plan, held_records, run_playbook
from mimecast_sim.testing import Simulator


HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, '..', '..', 'docs', 'examples', 'tenants')
VAULT_PASSWORD = 'tenants-test-vault-password'
# inventory host -> (simulator tenant, API version of its credentials); 'umbrella' is the broken tenant
TENANTS = collections.OrderedDict([('acme', ('tenant1', '1.0')), ('globex', ('tenant2', '2.0')),
                                   ('initech', ('tenant3', '2.0')), ('umbrella', ('tenant4', '1.0'))])
GROUP_OF = {'acme': 'eu_customers', 'globex': 'eu_customers', 'initech': 'us_customers', 'umbrella': 'eu_customers'}
HELD = 80
V1 = ('access_key', 'secret_key', 'app_id', 'app_key')
V2 = ('client_id', 'client_secret')
SECRET_NAMES = ('secret_key', 'app_key', 'client_secret')


@pytest.fixture(scope='module')
def tenants_server():
    with Simulator(held=HELD, seed=21, tenants=len(TENANTS)) as server:
        yield server


@pytest.fixture
def tenants_sim(tenants_server):
    tenants_server.reset(tenant='*', held=HELD, seed=21, not_held_style='fail')
    for name, (tenant, dummy) in TENANTS.items():
        tenants_server.config(tenant=tenant, binding_expired=(name == 'umbrella'))
    tenants_server.clear_faults()
    return tenants_server


def credentials(sim, host):
    """``{field: value}`` of one inventory host's simulator tenant, in the fields of its API version."""
    tenant, api = TENANTS[host]
    env = sim.credentials(api, tenant=tenant)
    return dict((field, env['MIMECAST_' + field.upper()]) for field in (V1 if api == '1.0' else V2))


def secrets_of(sim):
    return [value for host in TENANTS for field, value in credentials(sim, host).items() if field in SECRET_NAMES]


def vault_encrypt(path, password_file):
    subprocess.run([os.path.join(BIN, 'ansible-vault'), 'encrypt', '--vault-password-file', password_file, path],
                   check=True, capture_output=True, text=True)


def inventory_dir(sim, tmp_path):
    """The example inventory, copied, plus the broken tenant; every tenant's secrets in its own vault-encrypted file."""
    root = tmp_path / 'inventory'
    password_file = tmp_path / 'vault-password'
    if root.exists():  # a rerun in the same test
        return root, password_file
    shutil.copytree(EXAMPLE, str(root))
    password_file.write_text(VAULT_PASSWORD)
    inventory_path = root / 'inventory.yml'
    inventory = yaml.safe_load(inventory_path.read_text())
    inventory['mimecast_tenants']['children']['eu_customers']['hosts']['umbrella'] = dict(
        mimecast_base_url='https://eu-api.mimecast.com',
        **dict(('mimecast_' + f, '{{ vault_mimecast_%s }}' % f) for f in V1))
    inventory_path.write_text(yaml.safe_dump(inventory))
    for host in TENANTS:
        vault = root / 'host_vars' / host / 'vault.yml'
        vault.parent.mkdir(parents=True)
        vault.write_text(yaml.safe_dump(dict(('vault_mimecast_' + f, v) for f, v in credentials(sim, host).items())))
        vault_encrypt(str(vault), str(password_file))
        assert VAULT_PASSWORD not in vault.read_text() and vault.read_text().startswith('$ANSIBLE_VAULT')
    return root, password_file


def group_rules(group):
    """The rules the example inventory gives a group's hosts."""
    path = os.path.join(EXAMPLE, 'group_vars', group, 'triage.yml')
    if not os.path.exists(path):
        path = os.path.join(EXAMPLE, 'group_vars', 'mimecast_tenants', 'triage.yml')
    with open(path) as handle:
        return yaml.safe_load(handle)['mimecast_triage_rules']


def tenant_plan(sim, host):
    tenant, api = TENANTS[host]
    return expected_plan(group_rules(GROUP_OF[host]), held_records(sim, api, tenant), datetime.datetime.now(datetime.timezone.utc))


def run_tenants(sim, tmp_path, playbook='secops.mimecast.triage', options=(), extra=None, env=None):
    """The playbook over the example inventory (``-e mimecast_hosts=mimecast_tenants`` unless ``extra`` gives it as
    None: the playbook's default). Without ``env``, no MIMECAST_* in the environment: every tenant's connection comes
    from its inventory variables."""
    root, password_file = inventory_dir(sim, tmp_path)
    extra_vars = {'mimecast_hosts': 'mimecast_tenants', 'mimecast_base_url': sim.base_url}
    extra_vars.update(extra or {})
    extra_vars = dict((key, value) for key, value in extra_vars.items() if value is not None)
    return run_playbook(sim, playbook, api=None, inventory=str(root / 'inventory.yml'), cwd=str(tmp_path), env=env,
                        options=['--vault-password-file', str(password_file), '--forks', '4'] + list(options), extra_vars=extra_vars)


def test_every_tenant_is_triaged_by_its_own_rules_and_the_broken_one_fails_alone(tenants_sim, tmp_path):
    sim = tenants_sim
    healthy = [host for host in TENANTS if host != 'umbrella']
    expected = dict((host, tenant_plan(sim, host)) for host in healthy)
    assert expected['initech']['reject_groups'] == []  # the us_customers group's own rules keep DLP hits
    assert all(expected[host]['reject_groups'] for host in ('acme', 'globex'))

    run = run_tenants(sim, tmp_path, extra={'mimecast_triage_summary_report': 'reports/summary.json'})
    assert run.rc != 0, run

    # each healthy tenant: exactly its plan, on its own queue, through its own credentials
    for host in healthy:
        tenant, dummy = TENANTS[host]
        audit = sim.audit(tenant=tenant)
        released = set(a['id'] for a in audit if a['action'] == 'release')
        rejected = set(a['id'] for a in audit if a['action'] == 'reject')
        assert released == set(expected[host]['release_ids']), host
        assert rejected == set(i for g in expected[host]['reject_groups'] for i in g['ids']), host
        assert len(audit) == len(released) + len(rejected)  # each id once
        report = json.loads((tmp_path / 'reports' / ('%s.json' % host)).read_text())
        assert report['totals']['released'] == len(released) and report['totals']['rejected'] == len(rejected), host
        assert run.host_stats(host)['failures'] == 0, (host, run.host_stats(host))
    # the broken tenant: refused before any write, named in the recap and the summary
    assert sim.audit(tenant='tenant4') == [] and sim.stats(tenant='tenant4')['write_requests'] == 0
    assert run.host_stats('umbrella')['failures'] == 1, run.records['stats']
    # as the recap shows it (docs/tenants.md: "the recap shows it as failed=1")
    assert re.search(r'^umbrella\s*:\s*ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=1\s', run.output, re.M), run
    for host in healthy:
        assert re.search(r'^%s\s*:\s*ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0\s' % host, run.output, re.M), run
    assert not (tmp_path / 'reports' / 'umbrella.json').exists()

    summary = json.loads((tmp_path / 'reports' / 'summary.json').read_text())
    assert sorted(summary['tenants']) == sorted(TENANTS)
    assert summary['failed'] == ['umbrella']
    assert summary['tenants']['umbrella']['failed'] is True and 'err_xdk_binding_expired' in summary['tenants']['umbrella']['msg']
    for host in healthy:
        entry = summary['tenants'][host]
        report = json.loads((tmp_path / 'reports' / ('%s.json' % host)).read_text())
        assert entry['failed'] is False and entry['totals'] == report['totals'], host
        assert entry['report'] == str(tmp_path / 'reports' / ('%s.json' % host))
    for key in ('held', 'released', 'rejected', 'kept', 'failed'):
        assert summary['totals'][key] == sum(summary['tenants'][h]['totals'][key] for h in healthy), key
    assert summary['totals']['held'] == HELD * len(healthy)
    assert 'failed tenants: umbrella' in run.output

    # no secret of any tenant on the screen, in a report or the summary, or in the simulator's log
    written = [p.read_text() for p in (tmp_path / 'reports').iterdir() if p.is_file()]
    for secret in secrets_of(sim):
        assert secret not in run.output
        assert all(secret not in text for text in written)
        assert secret not in sim.log_text()

    # the rerun finishes nothing twice: the healthy tenants have nothing left to do
    writes = dict((host, sim.stats(tenant=TENANTS[host][0])['write_requests']) for host in healthy)
    again = run_tenants(sim, tmp_path, extra={'mimecast_triage_summary_report': 'reports/summary.json'})
    assert again.rc != 0  # umbrella still broken
    for host in healthy:
        assert sim.stats(tenant=TENANTS[host][0])['write_requests'] == writes[host], host
    summary = json.loads((tmp_path / 'reports' / 'summary.json').read_text())
    assert summary['totals']['released'] == 0 and summary['totals']['rejected'] == 0


def test_a_dry_run_over_tenants_and_one_report_path_for_all_becomes_one_per_tenant(tenants_sim, tmp_path):
    sim = tenants_sim
    sim.config(tenant='tenant4', binding_expired=False)
    run = run_tenants(sim, tmp_path, options=['--check', '-vvvv'], extra={'mimecast_triage_report': 'reports/triage.json',
                                                                          'mimecast_triage_summary_report': 'reports/summary.json'})
    assert run.rc == 0, run
    assert all(sim.stats(tenant=t)['write_requests'] == 0 for t, dummy in TENANTS.values())
    for host in TENANTS:
        report = json.loads((tmp_path / 'reports' / ('triage-%s.json' % host)).read_text())
        assert report['check_mode'] is True and report['totals']['held'] == HELD, host
    assert not (tmp_path / 'reports' / 'triage.json').exists()
    summary = json.loads((tmp_path / 'reports' / 'summary.json').read_text())
    assert summary['check_mode'] is True and summary['failed'] == [] and summary['totals']['held'] == HELD * len(TENANTS)
    assert summary['summary'][0].startswith('DRY RUN')
    # -vvvv shows the module arguments' structure, never a tenant's secret
    for secret in secrets_of(sim):
        assert secret not in run.output


def test_the_report_playbook_over_tenants_writes_one_directory_per_tenant(tenants_sim, tmp_path):
    sim = tenants_sim
    run = run_tenants(sim, tmp_path, playbook='secops.mimecast.report', extra={'mimecast_report_dir': 'held'})
    assert run.rc != 0, run  # umbrella's keys are expired
    for host in TENANTS:
        path = tmp_path / ('held-%s' % host) / 'held-report.json'
        if host == 'umbrella':
            assert not path.exists()
            assert run.host_stats(host)['failures'] == 1
        else:
            assert json.loads(path.read_text())['total'] == HELD, host
    assert not (tmp_path / 'held').exists()


@pytest.mark.parametrize('playbook', ['secops.mimecast.triage', 'secops.mimecast.report', 'secops.mimecast.backtest'])
def test_an_inventory_of_tenants_without_mimecast_hosts_runs_on_its_tenants_not_the_environments(tenants_sim, sim, tmp_path,
                                                                                                 playbook):
    """``-i inventory`` and no ``-e mimecast_hosts``: the group mimecast_tenants, never the environment's one tenant."""
    tenants_sim.config(tenant='tenant4', binding_expired=False)
    # the environment names another tenant (the session's simulator): it must not be touched
    env = sim.credentials('1.0')
    extra = {'mimecast_hosts': None, 'mimecast_report_dir': 'held'} if playbook.endswith('report') else {'mimecast_hosts': None}
    run = run_tenants(tenants_sim, tmp_path, playbook=playbook, options=['--check'], extra=extra, env=env)
    assert run.rc == 0, run
    assert sorted(run.records['stats']) == sorted(TENANTS), run.records['stats']
    assert sim.stats()['total'] == 0
    for tenant, dummy in TENANTS.values():
        assert tenants_sim.stats(tenant=tenant)['total'] > 0, tenant
        assert tenants_sim.stats(tenant=tenant)['write_requests'] == 0, tenant


def test_an_inventory_without_the_group_runs_on_localhost(sim, tmp_path):
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {'ansible_connection': 'local'}}}}))
    run = run_playbook(sim, 'secops.mimecast.triage', inventory=str(inventory), cwd=str(tmp_path), options=['--check'],
                       extra_vars={'mimecast_triage_rules': group_rules('mimecast_tenants')})
    assert run.rc == 0, run
    assert list(run.records['stats']) == ['localhost'] and sim.stats()['total'] > 0


def test_an_unwritable_summary_fails_every_tenant_before_any_request(tenants_sim, tmp_path):
    sim = tenants_sim
    (tmp_path / 'reports').write_text('a file where the directory of the summary should be')
    run = run_tenants(sim, tmp_path, extra={'mimecast_triage_summary_report': 'reports/summary.json'})
    assert run.rc != 0, run
    problem = 'mimecast_triage_summary_report %s: %s is not a directory' % (tmp_path / 'reports' / 'summary.json', tmp_path / 'reports')
    assert problem in run.output, run
    for tenant, dummy in TENANTS.values():
        assert sim.stats(tenant=tenant)['total'] == 0 and sim.audit(tenant=tenant) == [], tenant
    # the recap names every tenant as failed
    for host in TENANTS:
        assert run.host_stats(host)['failures'] == 1, (host, run.records['stats'])
        assert re.search(r'^%s\s*:\s*ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=1\s' % host, run.output, re.M), run


def test_a_summary_that_cannot_be_written_at_the_end_fails_every_tenant_in_the_recap(tenants_sim, tmp_path):
    """The summary's path was fine before the first request, then (say, a full disk or another job) it cannot be
    written after the tenants were triaged: every tenant fails, each shown as failed=1, none left out of the recap."""
    sim = tenants_sim
    sim.config(tenant='tenant4', binding_expired=False)
    sim.config(latency_ms=150)
    blocker = tmp_path / 'out'

    def block_once_requests_start():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(sim.stats(tenant=t)['total'] for t, dummy in TENANTS.values()):
            time.sleep(0.05)
        blocker.write_text('a file where the directory of the summary should be')
    thread = threading.Thread(target=block_once_requests_start)
    thread.start()
    try:
        run = run_tenants(sim, tmp_path, options=['--check'], extra={'mimecast_triage_summary_report': 'out/summary.json'})
    finally:
        thread.join()
    assert run.rc != 0, run
    assert 'the summary could not be written' in run.output, run
    for host in TENANTS:
        assert run.host_stats(host)['failures'] == 1, (host, run.records['stats'])
