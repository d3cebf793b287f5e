# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.secops.mimecast.plugins.filter.triage import FilterModule
from ansible_collections.secops.mimecast.plugins.plugin_utils import tenants

FILTERS = FilterModule().filters()
HOSTS = ['acme', 'globex', 'initech']


@pytest.mark.parametrize('path, host, hosts, expected', [
    ('/r/triage.json', 'acme', HOSTS, '/r/triage-acme.json'),
    ('/r/triage.json', 'acme', ['acme'], '/r/triage.json'),           # one host: kept
    ('/r/acme.json', 'acme', HOSTS, '/r/acme.json'),                  # names the host already
    ('/r/acme/triage.json', 'acme', HOSTS, '/r/acme/triage.json'),
    ('/r/held', 'globex', HOSTS, '/r/held-globex'),                   # a directory
    ('/r/held/', 'globex', HOSTS, '/r/held-globex'),
    ('/r/archive.tar.gz', 'acme', HOSTS, '/r/archive.tar-acme.gz'),
    ('/r/.report', 'acme', HOSTS, '/r/.report-acme'),
    ('/r/triage.json', None, HOSTS, '/r/triage.json'),                # no host: only made absolute
    ('/r/europe.json', 'eu', ['eu', 'us'], '/r/europe-eu.json'),      # a part of a word does not name the host
    ('/r/eu.json', 'eu', ['eu', 'us'], '/r/eu.json'),
])
def test_tenant_path(path, host, hosts, expected):
    assert tenants.tenant_path(path, host, hosts) == expected


REPORT = {'plan': {'digest': 'sha256:' + '0' * 64}, 'rules': [], 'check_mode': True}


def test_tenant_plan_picks_each_hosts_plan(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plan = FILTERS['tenant_plan']
    # a path: per host as the reports are
    assert plan('plans/dry.json', 'acme', HOSTS) == os.path.join(str(tmp_path), 'plans', 'dry-acme.json')
    assert plan('plans/{0}.json'.format('globex'), 'globex', HOSTS) == os.path.join(str(tmp_path), 'plans', 'globex.json')
    assert plan('/p/dry.json', 'acme', ['acme']) == '/p/dry.json'
    # a report: every host's (another tenant's plan is refused by the triage, not here)
    assert plan(REPORT, 'acme', HOSTS) is REPORT
    # a mapping of hosts (an AWX artifact): the host's entry, a report or a path (made absolute, no host added)
    handed = {'acme': REPORT, 'globex': 'plans/dry-globex.json'}
    assert plan(handed, 'acme', HOSTS) is REPORT
    assert plan(handed, 'globex', HOSTS) == os.path.join(str(tmp_path), 'plans', 'dry-globex.json')
    with pytest.raises(AnsibleFilterError, match='mimecast_triage_plan has no plan for initech .it has plans for: acme, globex.'):
        plan(handed, 'initech', HOSTS)
    # no plan
    assert plan('', 'acme', HOSTS) == '' and plan(None, 'acme', HOSTS) is None
    with pytest.raises(AnsibleFilterError, match='hosts must be a list'):
        plan('p.json', 'acme', 'acme')


def test_tenant_path_is_absolute_from_the_start_directory_and_keeps_no_report(tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    assert tenants.tenant_path('reports/t.json', 'acme', HOSTS) == os.path.join(str(tmp_path), 'reports', 't-acme.json')
    assert tenants.tenant_path('', 'acme', HOSTS) == ''
    assert tenants.tenant_path(None, 'acme', HOSTS) is None
    # every host of a play gets its own file
    paths = [tenants.tenant_path('reports/t.json', host, HOSTS) for host in HOSTS]
    assert len(set(paths)) == len(HOSTS)


def test_tenant_path_filter_refuses_hosts_that_are_not_a_list():
    with pytest.raises(AnsibleFilterError, match='hosts must be a list'):
        FILTERS['tenant_path']('/r/t.json', 'acme', 'acme,globex')


def totals(**values):
    base = dict(held=10, released=4, rejected=3, kept=3, failed=0, not_held=0)
    base.update(values)
    return base


def test_summary_sums_the_tenants_and_names_the_failed_ones():
    results = {
        'acme': {'totals': totals(), 'msg': 'ok', 'report_path': '/r/acme.json', 'failed': False},
        'globex': {'totals': totals(held=5, released=1, rejected=2, kept=1, failed=1), 'msg': '1 could not be released or rejected'},
        'initech': {'failed': True, 'msg': 'Mimecast refused the credentials (HTTP 401)'},
    }
    summary = tenants.tenants_summary(results, HOSTS + ['umbrella'])
    assert list(summary['tenants']) == HOSTS + ['umbrella']
    assert summary['failed'] == ['globex', 'initech', 'umbrella']
    assert summary['totals'] == {'held': 15, 'released': 5, 'rejected': 5, 'kept': 4, 'failed': 1, 'not_held': 0}
    assert summary['tenants']['acme'] == {'totals': totals(), 'failed': False, 'msg': 'ok', 'report': '/r/acme.json'}
    assert summary['tenants']['initech']['totals'] == {} and 'HTTP 401' in summary['tenants']['initech']['msg']
    assert summary['tenants']['umbrella']['msg'] == tenants.NO_RESULT
    lines = summary['summary']
    assert lines[0] == 'acme: held 10, released 4, rejected 3, kept 3, failed 0, not held 0'
    assert lines[2] == 'initech: FAILED: Mimecast refused the credentials (HTTP 401)'
    assert lines[-2] == 'all 4 tenants: held 15, released 5, rejected 5, kept 4, failed 1, not held 0'
    assert lines[-1] == 'failed tenants: globex, initech, umbrella'
    assert summary['check_mode'] is False


def test_summary_of_a_dry_run_and_sender_failures():
    results = {'acme': {'totals': totals(permitted=2, blocked=1, sender_failed=1), 'check_mode': True}}
    summary = tenants.tenants_summary(results, ['acme'])
    assert summary['check_mode'] is True and summary['summary'][0].startswith('DRY RUN')
    assert summary['failed'] == ['acme']  # a message left held because its sender entry failed
    assert summary['totals']['permitted'] == 2 and summary['totals']['sender_failed'] == 1


def test_summary_filter_reads_hostvars():
    class HostVars(dict):
        pass

    hostvars = HostVars(acme={'mimecast_triage_result': {'totals': totals()}}, globex={'other': 1})
    summary = FILTERS['tenants_summary'](hostvars, ['acme', 'globex', 'gone'])
    assert summary['failed'] == ['globex', 'gone'] and summary['totals']['held'] == 10
    summary = FILTERS['tenants_summary']({'acme': {'mine': {'totals': totals(held=3)}}}, ['acme'], result='mine')
    assert summary['totals']['held'] == 3
    with pytest.raises(AnsibleFilterError, match='hosts must be a list'):
        FILTERS['tenants_summary'](hostvars, 'acme')
