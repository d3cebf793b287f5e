import json
import os
import ssl
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import HOLD_LIST, RELEASE, Simulator
from mimecast_sim.server import Lateness

SUMMARY = '/api/gateway/get-hold-summary-list'


def codes(body):
    return [e['code'] for f in body['fail'] for e in f['errors']]


def test_rate_limit_429(sim):
    sim.config(rate_limit=3, rate_window=60, retry_after=True)
    results = [sim.call(SUMMARY, []) for dummy in range(4)]
    assert [r[0] for r in results[:3]] == [200, 200, 200]
    assert [r[1]['X-RateLimit-Remaining'] for r in results[:3]] == ['2', '1', '0']
    status, headers, body = results[3]
    assert status == 429
    assert headers['X-RateLimit-Limit'] == '3' and headers['X-RateLimit-Remaining'] == '0'
    assert 0 < int(headers['X-RateLimit-Reset']) <= 60000
    assert int(headers['Retry-After']) >= 1
    assert codes(body) == ['err_rate_limit_exceeded']
    # a limited write is not executed
    mid = sim.state()['held'][0]
    assert sim.call(RELEASE, [{'id': mid}])[0] == 429
    assert mid in sim.state()['held'] and sim.audit() == []
    # control endpoints are never limited
    assert sim.stats()['total'] >= 5


def test_rate_limit_window_refills(sim):
    sim.config(rate_limit=1, rate_window=0.5)
    assert sim.call(SUMMARY, [])[0] == 200
    assert sim.call(SUMMARY, [])[0] == 429
    time.sleep(0.6)
    assert sim.call(SUMMARY, [])[0] == 200


@pytest.mark.parametrize('kind,status,code', [('status_503', 503, 'err_service_unavailable'), ('status_500', 500, 'err_internal_server_error'),
                                              ('status_418', 418, 'err_xdk_binding_expired'), ('status_429', 429, 'err_rate_limit_exceeded')])
def test_status_faults_do_not_execute(sim, kind, status, code):
    sim.faults([{'kind': kind, 'path': RELEASE, 'count': 1}])
    mid = sim.state()['held'][0]
    got, headers, body = sim.call(RELEASE, [{'id': mid}])
    assert got == status and codes(body) == [code]
    assert 'X-RateLimit-Reset' in headers
    assert mid in sim.state()['held']
    # count exhausted: next call goes through
    assert sim.call(RELEASE, [{'id': mid}])[2]['data'] == [{'id': mid, 'release': True}]


def test_drop_before_and_after(sim):
    held = sim.state()['held']
    sim.faults([{'kind': 'drop_before', 'path': RELEASE, 'count': 1}])
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        sim.call(RELEASE, [{'id': held[0]}])
    assert held[0] in sim.state()['held']
    sim.faults([{'kind': 'drop_after', 'path': RELEASE, 'count': 1}])
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        sim.call(RELEASE, [{'id': held[1]}])
    assert held[1] in sim.state()['released']
    assert [r['outcome'] for r in sim.requests() if r['path'] == RELEASE] == ['dropped', 'dropped']


def test_slow_fault_executes_then_waits(sim):
    sim.faults([{'kind': 'slow', 'path': RELEASE, 'count': 1, 'seconds': 2}])
    mid = sim.state()['held'][0]
    with pytest.raises((TimeoutError, urllib.error.URLError, OSError)):
        sim.call(RELEASE, [{'id': mid}], timeout=0.5)
    assert mid in sim.state()['released']


def test_body_faults(sim):
    sim.faults([{'kind': 'malformed', 'path': SUMMARY, 'count': 1}])
    status, dummy, body = sim.call(SUMMARY, [])
    assert status == 200 and isinstance(body, str)
    with pytest.raises(ValueError):
        json.loads(body)
    sim.faults([{'kind': 'html', 'path': SUMMARY, 'count': 1}])
    status, headers, body = sim.call(SUMMARY, [])
    assert status == 502 and headers['Content-Type'].startswith('text/html') and '<html>' in body
    sim.faults([{'kind': 'truncated', 'path': '*', 'count': 1}])
    status, dummy, body = sim.call(SUMMARY, [])
    assert status == 200 and isinstance(body, str) and body.startswith('{"meta":{"status":200}')
    with pytest.raises(ValueError):
        json.loads(body)


def test_token_expired_fault_once(sim):
    token = sim.token()
    sim.faults([{'kind': 'token_expired', 'path': '*'}])
    assert sim.call(SUMMARY, [])[0] == 200  # 1.0 is not affected
    status, dummy, body = sim.call(SUMMARY, [], api='2.0', token=token)
    assert status == 401 and codes(body) == ['token_expired']
    assert sim.call(SUMMARY, [], api='2.0', token=token)[0] == 200


def test_latency_fault_and_probability_reproducible(sim):
    sim.faults([{'kind': 'latency', 'path': SUMMARY, 'ms': 300}])
    started = time.monotonic()
    assert sim.call(SUMMARY, [])[0] == 200
    assert time.monotonic() - started >= 0.3
    outcomes = []
    for dummy in range(2):
        sim.faults([{'kind': 'status_503', 'path': SUMMARY, 'probability': 0.5}], seed=42)
        outcomes.append([sim.call(SUMMARY, [])[0] for dummy in range(12)])
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {200, 503}
    sim.clear_faults()
    assert all(sim.call(SUMMARY, [])[0] == 200 for dummy in range(5))


def test_latency_is_counted_in_stats(sim):
    sim.reset(held=120, seed=7)
    sim.config(latency_ms=20)
    for dummy in range(3):
        assert sim.call(SUMMARY, [])[0] == 200
    latency = sim.stats()['latency']
    assert latency['requests'] == 3 and latency['asked_ms'] == 60.0
    assert latency['injected_ms'] >= 0.9 * 60.0  # shortened by the estimated lateness at most
    sim.config(latency_ms=0)
    sim.call(SUMMARY, [])
    assert sim.stats()['latency']['requests'] == 3
    sim.reset(held=120, seed=7)
    assert sim.stats()['latency'] == {'requests': 0, 'asked_ms': 0.0, 'injected_ms': 0.0}


def test_a_request_that_outlives_a_reset_is_not_counted_after_it(sim):
    sim.faults([{'kind': 'slow', 'path': SUMMARY, 'count': 1, 'seconds': 1}])
    with pytest.raises(OSError):  # the client gives up (a timeout), the simulator's handler goes on
        sim.call(SUMMARY, [], timeout=0.3)
    sim.reset(held=120, seed=7)
    time.sleep(1.2)  # the slow answer is sent after the reset
    assert sim.stats()['total'] == 0 and sim.requests() == []
    assert sim.call(SUMMARY, [])[0] == 200
    assert sim.stats()['total'] == 1 and [r['path'] for r in sim.requests()] == [SUMMARY]


def test_a_request_decided_after_a_reset_counts_in_the_new_stats(sim):
    sim.config(latency_ms=600)
    answers = []
    caller = threading.Thread(target=lambda: answers.append(sim.call(SUMMARY, [])[0]))
    caller.start()
    time.sleep(0.2)  # the request is waiting out its latency
    sim.reset(held=120, seed=7)
    caller.join()
    sim.config(latency_ms=0)
    assert answers == [200]
    assert sim.stats()['total'] == 1 and [r['path'] for r in sim.requests()] == [SUMMARY]
    assert sim.stats()['latency']['requests'] == 1


def test_lateness_estimate_shortens_sleeps_to_the_configured_mean():
    lateness = Lateness(weight=0.5)
    assert lateness.sleep_for(0.010) == 0.010 and lateness.sleep_for(0) == 0.0
    lateness.observe(0.010, 0.010, 0.012)  # woke 2 ms late
    assert lateness.seconds == pytest.approx(0.001)
    assert lateness.sleep_for(0.010) == pytest.approx(0.009)
    for dummy in range(30):  # sleeps that always wake 2 ms late: the estimate converges to 2 ms
        asked = lateness.sleep_for(0.010)
        lateness.observe(0.010, asked, asked + 0.002)
    assert lateness.seconds == pytest.approx(0.002, abs=1e-6)
    assert lateness.sleep_for(0.010) + 0.002 == pytest.approx(0.010)  # what a client sees: the configured 10 ms
    lateness.observe(0.010, 0.008, 0.5)  # one stall: the estimate is capped at the latency, never a negative sleep
    assert lateness.seconds <= 0.010 and lateness.sleep_for(0.010) == 0.0
    lateness.observe(0.010, 0.0, 0.0)  # on time again: the estimate comes back down
    assert lateness.seconds < 0.010
    lateness.observe(0.010, 0.010, 0.009)  # a sleep cannot be early by much; the estimate stays >= 0
    assert lateness.seconds >= 0.0


def test_control_endpoints(sim):
    state = sim.state()
    assert state['counts'] == {'held': 120, 'released': 0, 'rejected': 0, 'processing': 30, 'bulk_processing': 12}
    added = sim.add_messages([{'subject': 'Test weekly digest', 'from': 'news@news.vendor.example', 'to': 'bob@example.com',
                               'reasonCode': 'message_hold_applied_spam_signature_policy', 'route': 'INBOUND'}])
    assert len(added) == 1 and added[0] in sim.state()['held']
    status, dummy, body = sim.call(HOLD_LIST, [{'admin': True, 'searchBy': {'fieldName': 'subject', 'value': 'test weekly digest'}}])
    assert status == 200 and [r['id'] for r in body['data']] == added
    assert body['data'][0]['reasonId'] == 'MESSAGE_HOLD_APPLIED_SPAM_SIGNATURE_POLICY'
    sim.call(RELEASE, [{'id': added[0]}])
    stats = sim.stats()
    assert stats['by_path'][RELEASE] == {'200': 1} and stats['writes'] == 1
    reqs = sim.requests()
    assert reqs[-1]['path'] == RELEASE and reqs[-1]['items'] == 1 and reqs[-1]['status'] == 200
    assert 'headers' not in reqs[-1]
    counts = sim.reset(held=10, seed=3)
    assert counts['held'] == 10 and sim.audit() == [] and sim.stats()['total'] == 0
    again = sim.reset(held=10, seed=3)
    assert again == counts
    first = sim.state()['held']
    sim.reset(held=10, seed=3)
    assert sim.state()['held'] == first


def test_logs_never_contain_secrets(sim):
    sim.call(SUMMARY, [])
    sim.call(SUMMARY, [], api='2.0')
    sim.raw('POST', '/oauth/token', b'grant_type=client_credentials&client_id=sim-client-id&client_secret=oops',
            {'Content-Type': 'application/x-www-form-urlencoded'})
    headers = sim.sign_headers(SUMMARY)
    sim.raw('POST', SUMMARY, b'{"data": []}', headers)
    log = sim.log_text()
    assert SUMMARY in log and headers['x-mc-req-id'] in log
    for secret in list(sim.creds.values()) + ['oops', headers['Authorization'].split(':', 1)[1]]:
        if secret in (sim.creds['access_key'], sim.creds['app_id'], sim.creds['client_id']):
            continue
        assert secret not in log


def test_tls_and_env_file(tmp_path):
    env_file = tmp_path / 'sim.env'
    with Simulator(held=5, tls=True, env_file=str(env_file), env_api='2.0') as sim:
        assert sim.base_url.startswith('https://127.0.0.1:')
        assert sim.state()['counts']['held'] == 5
        assert sim.call(SUMMARY, [], api='2.0')[0] == 200
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(sim.base_url + '/_sim/state', context=ssl.create_default_context(), timeout=5)
        text = env_file.read_text()
        assert 'export MIMECAST_BASE_URL=%s' % sim.base_url in text and 'MIMECAST_CLIENT_SECRET=sim-client-secret' in text
        assert os.path.exists(sim.cert_path)


def test_refuses_non_loopback_host():
    with pytest.raises(RuntimeError):
        with Simulator(host='0.0.0.0'):
            pass


def test_fifty_thousand_start():
    # how fast is for the benchmark (simulator/bench_sim.py), not for a test
    with Simulator(held=50000) as sim:
        assert sim.state()['counts']['held'] == 50000
