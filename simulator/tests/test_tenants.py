import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml

from conftest import HOLD_LIST, RELEASE, Simulator
from mimecast_sim import DEFAULT_CREDENTIALS
from mimecast_sim.tenants import CREDENTIAL_KEYS, all_credentials, tenant_credentials

SUMMARY = '/api/gateway/get-hold-summary-list'
TENANTS = ['tenant1', 'tenant2', 'tenant3']


def codes(body):
    return [e['code'] for f in body['fail'] for e in f['errors']]


def listed(sim, **kw):
    status, dummy, body = sim.call(HOLD_LIST, [{'admin': True}], meta={'pagination': {'pageSize': 500}}, **kw)
    assert status == 200, body
    return [m['id'] for m in body['data']]


def control_error(sim, method, path):
    req = urllib.request.Request(sim.base_url + path, data=b'{}' if method == 'POST' else None, method=method)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)  # pylint: disable=consider-using-with
    return info.value.code, json.loads(info.value.read())


@pytest.fixture(scope='module')
def multi_session():
    with Simulator(tenants=3, held=40, seed=5) as sim:
        yield sim


@pytest.fixture
def multi(multi_session):
    multi_session.reset(tenant='*', held=40, seed=5)
    multi_session.config(binding_expired=False, rate_limit=0, latency_ms=0, token_ttl=1800, not_held_style='fail')
    yield multi_session


def test_derived_credentials_are_distinct_and_valid():
    base = DEFAULT_CREDENTIALS
    creds = all_credentials(base, 4)
    assert list(creds) == ['tenant1', 'tenant2', 'tenant3', 'tenant4']
    assert creds['tenant1'] == base
    assert creds['tenant2']['access_key'] == base['access_key'] + '-tenant2'
    for key in CREDENTIAL_KEYS:
        assert len({c[key] for c in creds.values()}) == 4
    for tenant in creds.values():
        base64.b64decode(tenant['secret_key'], validate=True)
    assert tenant_credentials(base, 'tenant3') == creds['tenant3']


def test_one_tenant_by_default(sim):
    assert sim.tenants() == ['tenant1']
    assert control_error(sim, 'GET', '/_sim/state?tenant=tenant2')[0] == 404
    # a second tenant's keys are simply unknown
    status, dummy, body = sim.raw('POST', SUMMARY, b'{"data": []}', sim.sign_headers(SUMMARY, tenant='tenant2'))
    assert status == 401 and codes(body) == ['err_xdk_invalid_access_key']


def test_each_tenant_sees_its_own_queue(multi):
    assert multi.tenants() == TENANTS
    held = {name: multi.state(tenant=name)['held'] for name in TENANTS}
    assert held['tenant1'] == multi.state()['held']
    assert not set(held['tenant1']) & set(held['tenant2']) and not set(held['tenant2']) & set(held['tenant3'])
    assert sorted(listed(multi)) == sorted(held['tenant1'])
    assert sorted(listed(multi, tenant='tenant2')) == sorted(held['tenant2'])
    assert sorted(listed(multi, tenant='tenant3', api='2.0')) == sorted(held['tenant3'])
    # tenant K seeds with seed + K - 1
    multi.reset(tenant='tenant1', held=40, seed=6)
    assert multi.state()['held'] == held['tenant2']


def test_release_through_tenant2_changes_only_tenant2(multi):
    before = {name: multi.state(tenant=name)['counts'] for name in TENANTS}
    mid = multi.state(tenant='tenant2')['held'][0]
    other = multi.state()['held'][0]
    status, dummy, body = multi.call(RELEASE, [{'id': mid}, {'id': other}], tenant='tenant2')
    assert status == 200 and body['data'] == [{'id': mid, 'release': True}]
    assert codes(body) == ['err_message_not_found']  # tenant1's message: tenant2 has no message with that id
    assert multi.state(tenant='tenant2')['released'] == [mid]
    assert [(a['action'], a['id'], a['auth']) for a in multi.audit(tenant='tenant2')] == [('release', mid, '1.0')]
    assert multi.audit() == [] and multi.audit(tenant='tenant3') == []
    assert multi.state()['counts'] == before['tenant1'] and multi.state(tenant='tenant3')['counts'] == before['tenant3']
    assert multi.stats(tenant='tenant2')['writes'] == 1 and multi.stats()['writes'] == 0
    assert multi.requests(tenant='tenant2')[-1]['path'] == RELEASE and multi.requests() == []


def test_token_acts_on_the_tenant_that_got_it(multi):
    token = multi.token('tenant2')
    assert sorted(listed(multi, api='2.0', token=token)) == sorted(multi.state(tenant='tenant2')['held'])
    mid = multi.state(tenant='tenant2')['held'][0]
    status, dummy, body = multi.call(RELEASE, [{'id': mid}], api='2.0', token=token)
    assert status == 200 and body['data'] == [{'id': mid, 'release': True}]
    assert [a['auth'] for a in multi.audit(tenant='tenant2')] == ['2.0'] and multi.audit() == []
    # a client id with another tenant's secret gets no token
    one, two = multi.tenant_creds(), multi.tenant_creds('tenant2')
    form = urllib.parse.urlencode({'grant_type': 'client_credentials', 'client_id': one['client_id'], 'client_secret': two['client_secret']})
    status, dummy, body = multi.raw('POST', '/oauth/token', form.encode(), {'Content-Type': 'application/x-www-form-urlencoded'})
    assert status == 401 and body['error'] == 'invalid_client'


def test_signature_by_another_tenants_secret_is_refused(multi):
    two = multi.tenant_creds('tenant2')
    headers = multi.sign_headers(SUMMARY)  # tenant1's secret and app key
    headers['Authorization'] = 'MC %s:%s' % (two['access_key'], headers['Authorization'].split(':', 1)[1])
    headers['x-mc-app-id'] = two['app_id']
    status, dummy, body = multi.raw('POST', SUMMARY, b'{"data": []}', headers)
    assert status == 401 and codes(body) == ['err_xdk_invalid_signature']
    headers = multi.sign_headers(SUMMARY, tenant='tenant2')
    headers['x-mc-app-id'] = multi.creds['app_id']
    status, dummy, body = multi.raw('POST', SUMMARY, b'{"data": []}', headers)
    assert status == 401 and codes(body) == ['err_xdk_invalid_app_id']


def test_request_ids_are_per_tenant(multi):
    req_id = 'shared-request-id-1'
    assert multi.raw('POST', SUMMARY, b'{"data": []}', multi.sign_headers(SUMMARY, req_id=req_id))[0] == 200
    assert multi.raw('POST', SUMMARY, b'{"data": []}', multi.sign_headers(SUMMARY, req_id=req_id, tenant='tenant2'))[0] == 200
    status, dummy, body = multi.raw('POST', SUMMARY, b'{"data": []}', multi.sign_headers(SUMMARY, req_id=req_id, tenant='tenant2'))
    assert status == 401 and codes(body) == ['err_xdk_duplicate_request_id']


def test_rate_limit_per_tenant(multi):
    multi.config(tenant='tenant1', rate_limit=2, rate_window=60)
    assert [multi.call(SUMMARY, [])[0] for dummy in range(3)] == [200, 200, 429]
    status, headers, dummy = multi.call(SUMMARY, [], tenant='tenant2')
    assert status == 200 and headers['X-RateLimit-Limit'] == '10000'
    assert multi.call(SUMMARY, [], api='2.0', tenant='tenant3')[0] == 200
    assert multi._control('GET', '/_sim/config', tenant='tenant1')['rate_limit'] == 2  # pylint: disable=protected-access
    assert multi._control('GET', '/_sim/config')['rate_limit'] == 0  # pylint: disable=protected-access
    # a limit for every tenant applies to each on its own
    multi.reset(tenant='tenant1', held=40, seed=5)
    multi.config(rate_limit=1)
    assert [multi.call(SUMMARY, [], tenant=name)[0] for name in TENANTS] == [200, 200, 200]
    assert [multi.call(SUMMARY, [], tenant=name)[0] for name in TENANTS] == [429, 429, 429]


def test_binding_expired_per_tenant(multi):
    multi.config(tenant='tenant2', binding_expired=True)
    status, dummy, body = multi.call(SUMMARY, [], tenant='tenant2')
    assert status == 418 and codes(body) == ['err_xdk_binding_expired']
    assert multi.call(SUMMARY, [])[0] == 200 and multi.call(SUMMARY, [], tenant='tenant3')[0] == 200
    # the tenant's reset drops its overrides
    multi.reset(tenant='tenant2', held=40, seed=5)
    assert multi.call(SUMMARY, [], tenant='tenant2')[0] == 200


def test_faults_global_and_per_tenant(multi):
    multi.faults([{'kind': 'status_503', 'path': SUMMARY}], tenant='tenant3')
    assert multi.call(SUMMARY, [], tenant='tenant3')[0] == 503
    assert multi.call(SUMMARY, [])[0] == 200 and multi.call(SUMMARY, [], tenant='tenant2')[0] == 200
    assert multi._control('GET', '/_sim/faults') == []  # pylint: disable=protected-access
    multi.clear_faults(tenant='tenant3')
    multi.faults([{'kind': 'status_500', 'path': SUMMARY}])
    assert [multi.call(SUMMARY, [], tenant=name)[0] for name in TENANTS] == [500, 500, 500]


def test_reset_messages_and_stats_per_tenant(multi):
    multi.reset(tenant='tenant2', held=3)
    assert multi.state(tenant='tenant2')['counts']['held'] == 3 and multi.state()['counts']['held'] == 40
    added = multi.add_messages([{'subject': 'only here', 'from': 'a@news.vendor.example'}], tenant='tenant3')
    assert added[0] in multi.state(tenant='tenant3')['held'] and added[0] not in multi.state()['held']
    multi.call(SUMMARY, [])
    multi.call(SUMMARY, [])
    multi.call(SUMMARY, [], tenant='tenant2')
    everyone = multi.stats(tenant='*')
    assert [everyone['tenants'][name]['total'] for name in TENANTS] == [2, 1, 0]
    assert everyone['total'] == 3 and everyone['by_path'][SUMMARY] == {'200': 3}
    assert multi.reset(tenant='*', held=4) == {name: multi.state(tenant=name)['counts'] for name in TENANTS}
    assert [multi.state(tenant=name)['counts']['held'] for name in TENANTS] == [4, 4, 4]
    assert multi.stats(tenant='*')['total'] == 0


def test_unknown_tenant_is_404(multi):
    for method, path in (('GET', '/_sim/state'), ('GET', '/_sim/audit'), ('GET', '/_sim/stats'), ('GET', '/_sim/requests'),
                         ('POST', '/_sim/reset'), ('POST', '/_sim/config'), ('GET', '/_sim/faults'), ('POST', '/_sim/messages')):
        status, body = control_error(multi, method, path + '?tenant=tenant9')
        assert status == 404 and 'tenant9' in body['error'], path
    status, body = control_error(multi, 'GET', '/_sim/state?tenant=*')
    assert status == 400 and 'tenant=*' in body['error']


def test_inventory_file_holds_working_credentials(tmp_path):
    path = tmp_path / 'inventory.yml'
    with Simulator(tenants=2, held=6, seed=3, inventory_file=str(path)) as sim:
        assert os.stat(path).st_mode & 0o777 == 0o600
        hosts = yaml.safe_load(path.read_text())['all']['children']['mimecast_tenants']['hosts']
        assert sorted(hosts) == ['tenant1', 'tenant2']
        one, two = hosts['tenant1'], hosts['tenant2']
        assert one['ansible_connection'] == 'local' and one['mimecast_base_url'] == sim.base_url and 'mimecast_validate_certs' not in one
        assert 'mimecast_client_id' not in one and 'mimecast_access_key' not in two
        # tenant1 signs with the inventory's API 1.0 keys (a harness that is given them, not started)
        signer = Simulator(**{key: one['mimecast_' + key] for key in ('access_key', 'secret_key', 'app_id', 'app_key')})
        signer.base_url = sim.base_url
        assert sorted(listed(signer)) == sorted(sim.state()['held'])
        # tenant2 gets a token with the inventory's API 2.0 client
        form = urllib.parse.urlencode({'grant_type': 'client_credentials', 'client_id': two['mimecast_client_id'],
                                       'client_secret': two['mimecast_client_secret']})
        status, dummy, body = sim.raw('POST', '/oauth/token', form.encode(), {'Content-Type': 'application/x-www-form-urlencoded'})
        assert status == 200
        assert sorted(listed(sim, api='2.0', token=body['access_token'])) == sorted(sim.state(tenant='tenant2')['held'])
        tls_copy = sim.inventory(str(tmp_path / 'tls.yml'), tls=True)
        tls_hosts = yaml.safe_load(open(tls_copy, encoding='utf-8'))['all']['children']['mimecast_tenants']['hosts']  # pylint: disable=consider-using-with
        assert tls_hosts['tenant2']['mimecast_validate_certs'] is False
        assert dict(tls_hosts['tenant2'], mimecast_validate_certs=None) == dict(two, mimecast_validate_certs=None)


def test_log_names_the_tenant_and_no_secret(multi):
    multi.call(SUMMARY, [])
    multi.call(SUMMARY, [], tenant='tenant2')
    tokens = [multi.token(name) for name in TENANTS]
    multi.call(SUMMARY, [], api='2.0', token=tokens[2])
    signatures = []
    for name in TENANTS:
        headers = multi.sign_headers(SUMMARY, tenant=name)
        signatures.append(headers['Authorization'].split(':', 1)[1])
        multi.raw('POST', SUMMARY, b'{"data": []}', headers)
    multi.raw('POST', SUMMARY, b'{"data": []}', {'Authorization': 'MC nobody:c2ln'})
    log = multi.log_text()
    lines = log.splitlines()
    assert any(SUMMARY in line and 'tenant=tenant2 ' in line for line in lines)
    assert any('/oauth/token' in line and 'tenant=tenant3 ' in line for line in lines)
    assert any(line.endswith('tenant=- auth:err_xdk_invalid_access_key') for line in lines)
    secrets = tokens + signatures
    for name in TENANTS:
        creds = multi.tenant_creds(name)
        secrets += [creds['secret_key'], creds['app_key'], creds['client_secret']]
    for secret in secrets:
        assert secret not in log
