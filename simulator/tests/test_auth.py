import base64
import datetime
import email.utils
import hashlib
import hmac
import json
import time
import urllib.parse
import uuid

from conftest import HOLD_LIST

SUMMARY = '/api/gateway/get-hold-summary-list'


def vendor_headers(creds, uri, hdr_date=None, request_id=None):
    """The vendor's Python sample, verbatim in its algorithm (the body is sent as real JSON)."""
    request_id = request_id or str(uuid.uuid4())
    hdr_date = hdr_date or datetime.datetime.now(datetime.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S") + " UTC"
    data_to_sign = ':'.join([hdr_date, request_id, uri, creds['app_key']])
    hmac_sha1 = hmac.new(base64.b64decode(creds['secret_key']), data_to_sign.encode(), digestmod=hashlib.sha1).digest()
    sig = base64.b64encode(hmac_sha1).rstrip()
    return {
        'Authorization': 'MC ' + creds['access_key'] + ':' + sig.decode(),
        'x-mc-app-id': creds['app_id'],
        'x-mc-date': hdr_date,
        'x-mc-req-id': request_id,
        'Content-Type': 'application/json',
    }


def post(sim, path, headers, body=None):
    return sim.raw('POST', path, json.dumps(body if body is not None else {'data': []}).encode(), headers)


def codes(body):
    return [e['code'] for f in body['fail'] for e in f['errors']]


def test_vendor_signature_accepted(sim):
    status, headers, body = post(sim, HOLD_LIST, vendor_headers(sim.creds, HOLD_LIST), {'data': [{'admin': True}]})
    assert status == 200
    assert body['meta']['status'] == 200
    assert body['fail'] == []
    assert len(body['data']) == 100
    assert headers['X-RateLimit-Limit']


def test_rfc1123_gmt_date_accepted(sim):
    date = email.utils.formatdate(usegmt=True)
    status, dummy, body = post(sim, SUMMARY, vendor_headers(sim.creds, SUMMARY, hdr_date=date))
    assert status == 200, body
    assert sum(d['numberOfItems'] for d in body['data']) == 120


def test_bad_signature(sim):
    creds = dict(sim.creds, secret_key=base64.b64encode(b'wrong').decode())
    status, dummy, body = post(sim, SUMMARY, vendor_headers(creds, SUMMARY))
    assert status == 401
    assert codes(body) == ['err_xdk_invalid_signature']


def test_signature_over_other_path_rejected(sim):
    status, dummy, body = post(sim, SUMMARY, vendor_headers(sim.creds, HOLD_LIST))
    assert status == 401
    assert codes(body) == ['err_xdk_invalid_signature']


def test_stale_date(sim):
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)).strftime('%a, %d %b %Y %H:%M:%S UTC')
    status, dummy, body = post(sim, SUMMARY, vendor_headers(sim.creds, SUMMARY, hdr_date=old))
    assert status == 401
    assert codes(body) == ['err_xdk_request_date_out_of_range']


def test_clock_offset_makes_fresh_client_stale(sim):
    sim.config(clock_offset=3600)
    status, dummy, body = post(sim, SUMMARY, vendor_headers(sim.creds, SUMMARY))
    assert status == 401
    assert codes(body) == ['err_xdk_request_date_out_of_range']
    sim.config(clock_offset=0)
    assert post(sim, SUMMARY, vendor_headers(sim.creds, SUMMARY))[0] == 200


def test_unparseable_date(sim):
    status, dummy, body = post(sim, SUMMARY, vendor_headers(sim.creds, SUMMARY, hdr_date='2026-01-01T00:00:00Z'))
    assert status == 401
    assert codes(body) == ['err_xdk_invalid_date']


def test_reused_request_id(sim):
    req_id = str(uuid.uuid4())
    assert post(sim, SUMMARY, vendor_headers(sim.creds, SUMMARY, request_id=req_id))[0] == 200
    status, dummy, body = post(sim, SUMMARY, vendor_headers(sim.creds, SUMMARY, request_id=req_id))
    assert status == 401
    assert codes(body) == ['err_xdk_duplicate_request_id']


def test_wrong_app_id(sim):
    headers = vendor_headers(sim.creds, SUMMARY)
    headers['x-mc-app-id'] = 'another-app'
    status, dummy, body = post(sim, SUMMARY, headers)
    assert status == 401
    assert codes(body) == ['err_xdk_invalid_app_id']


def test_unknown_access_key(sim):
    creds = dict(sim.creds, access_key='nobody')
    status, dummy, body = post(sim, SUMMARY, vendor_headers(creds, SUMMARY))
    assert status == 401
    assert codes(body) == ['err_xdk_invalid_access_key']


def test_missing_and_malformed_header(sim):
    status, dummy, body = post(sim, SUMMARY, {'Content-Type': 'application/json'})
    assert (status, codes(body)) == (401, ['err_xdk_missing_authorization'])
    headers = vendor_headers(sim.creds, SUMMARY)
    headers['Authorization'] = 'MC no-colon-here'
    status, dummy, body = post(sim, SUMMARY, headers)
    assert (status, codes(body)) == (401, ['err_xdk_invalid_authorization_header'])


def test_binding_expired_418(sim):
    sim.config(binding_expired=True)
    status, dummy, body = post(sim, SUMMARY, vendor_headers(sim.creds, SUMMARY))
    assert status == 418
    assert codes(body) == ['err_xdk_binding_expired']
    # 2.0 is not affected
    assert sim.call(SUMMARY, [], api='2.0')[0] == 200


def test_auth_failure_messages_never_echo_secrets(sim):
    creds = dict(sim.creds, secret_key=base64.b64encode(b'wrong').decode())
    headers = vendor_headers(creds, SUMMARY)
    dummy, dummy, body = post(sim, SUMMARY, headers)
    text = json.dumps(body)
    for secret in (sim.creds['secret_key'], sim.creds['app_key'], headers['Authorization'].split(':', 1)[1]):
        assert secret not in text


def form(**kw):
    return urllib.parse.urlencode(kw).encode(), {'Content-Type': 'application/x-www-form-urlencoded'}


def test_token_issue_and_use(sim):
    data, headers = form(grant_type='client_credentials', client_id=sim.creds['client_id'], client_secret=sim.creds['client_secret'])
    status, dummy, body = sim.raw('POST', '/oauth/token', data, headers)
    assert status == 200
    assert body['token_type'] == 'Bearer'
    assert body['expires_in'] == 1800
    status, dummy, body = sim.call(SUMMARY, [], api='2.0', token=body['access_token'])
    assert status == 200
    assert body['data']


def test_token_wrong_credentials(sim):
    data, headers = form(grant_type='client_credentials', client_id=sim.creds['client_id'], client_secret='nope')
    status, dummy, body = sim.raw('POST', '/oauth/token', data, headers)
    assert status == 401
    assert body == {'error': 'invalid_client', 'error_description': 'Client authentication failed'}


def test_token_expiry(sim):
    sim.config(token_ttl=1)
    token = sim.token()
    assert sim.call(SUMMARY, [], api='2.0', token=token)[0] == 200
    time.sleep(1.2)
    status, dummy, body = sim.call(SUMMARY, [], api='2.0', token=token)
    assert status == 401
    assert codes(body) == ['token_expired']


def test_unknown_token(sim):
    status, dummy, body = sim.call(SUMMARY, [], api='2.0', token='made-up')
    assert status == 401
    assert codes(body) == ['token_invalid']
