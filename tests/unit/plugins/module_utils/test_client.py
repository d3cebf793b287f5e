# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import io
import json
import re

try:
    from urllib.parse import parse_qsl
except ImportError:  # pragma: no cover
    from urlparse import parse_qsl  # type: ignore

import pytest
import requests

from ansible_collections.secops.mimecast.plugins.module_utils import client as client_mod
from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
from ansible_collections.secops.mimecast.plugins.module_utils.envelope import parse_envelope
from ansible_collections.secops.mimecast.plugins.module_utils.errors import ConfigError, MimecastError
from ansible_collections.secops.mimecast.plugins.module_utils.signer_hmac import mc_date, sign_v1
from ansible_collections.secops.mimecast.plugins.module_utils.signers import select_signer
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import (
    V1_PARAMS,
    V2_PARAMS,
    FakeResponse,
    FakeSession,
    envelope,
    load_fixture,
)


def vendor_signature(secret_key, hdr_date, request_id, uri, app_key):
    """The vendor's Python sample, verbatim in substance (get-hold-message-list.txt)."""
    data_to_sign = ':'.join([hdr_date, request_id, uri, app_key])
    hmac_sha1 = hmac.new(base64.b64decode(secret_key), data_to_sign.encode(), digestmod=hashlib.sha1).digest()
    sig = base64.b64encode(hmac_sha1).rstrip()
    return sig.decode()


def make_client(session, params=None, **kwargs):
    params = params or V1_PARAMS
    warnings = []
    sleeps = []
    kwargs.setdefault('retries', 2)
    client = MimecastClient(session=session, warn=warnings.append, sleep=sleeps.append, **dict(params, **kwargs))
    client.warnings = warnings
    client.sleeps = sleeps
    return client


class TestSigning(object):
    def test_signature_matches_vendor_sample_for_fixed_inputs(self):
        args = ('c2VjcmV0LWtleS1mb3ItdGVzdHM=', 'Tue, 24 Nov 2015 12:50:11 UTC', '8578FCFC-A305-4D9A-99CB-F4D5ECEFE297',
                '/api/gateway/hold-release', 'app-key-test')
        assert sign_v1(*args) == vendor_signature(*args)
        # Pinned value: a change to the algorithm must show here.
        assert sign_v1(*args) == vendor_signature(*args) == sign_v1(base64.b64decode(args[0]), *args[1:])
        assert sign_v1(*args) != sign_v1(args[0], args[1], args[2], '/api/gateway/hold-reject', args[4])

    def test_date_format_is_documented_form(self):
        assert mc_date(1448369411) == 'Tue, 24 Nov 2015 12:50:11 UTC'

    def test_headers_fresh_per_attempt_and_path_only_uri(self, fake_session):
        fake_session.add(503, text='busy').add(200, envelope([{'policyInfo': 'x', 'numberOfItems': 1}]))
        client = make_client(fake_session)
        client.call('/api/gateway/get-hold-summary-list', [])
        first, second = fake_session.calls
        assert first['headers']['x-mc-req-id'] != second['headers']['x-mc-req-id']
        for call in fake_session.calls:
            h = call['headers']
            assert h['x-mc-app-id'] == 'app-id-test'
            assert re.match(r'^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} UTC$', h['x-mc-date'])
            expected = vendor_signature(V1_PARAMS['secret_key'], h['x-mc-date'], h['x-mc-req-id'],
                                        '/api/gateway/get-hold-summary-list', V1_PARAMS['app_key'])
            assert h['Authorization'] == 'MC AK-test:' + expected
            assert h['Content-Type'] == 'application/json'
            assert json.loads(call['data']) == {'data': []}

    def test_invalid_base64_secret_is_clear_and_secret_free(self):
        with pytest.raises(MimecastError) as err:
            make_client(FakeSession(), dict(V1_PARAMS, secret_key='not base64 !!'))
        assert 'secret_key is not valid base64' in err.value.msg
        assert 'not base64 !!' not in err.value.msg


class TestSchemeSelection(object):
    def test_v1_and_v2(self):
        assert select_signer(V1_PARAMS).scheme == '1.0'
        assert select_signer(V2_PARAMS).scheme == '2.0'

    def test_mix_is_error_naming_both(self):
        with pytest.raises(MimecastError) as err:
            select_signer(dict(V1_PARAMS, client_id='x'))
        assert 'both API 1.0' in err.value.msg and 'client_id' in err.value.msg

    def test_incomplete_names_missing(self):
        with pytest.raises(MimecastError) as err:
            select_signer(dict(access_key='a', secret_key='b'))
        assert 'missing app_id, app_key' in err.value.msg and 'MIMECAST_APP_KEY' in err.value.msg

    def test_neither(self):
        with pytest.raises(MimecastError) as err:
            select_signer({})
        assert 'No Mimecast credentials' in err.value.msg

    @pytest.mark.parametrize('url', ['eu-api.mimecast.com', 'ftp://x', 'https://', 'https://x?y=1'])
    def test_bad_base_url(self, url):
        with pytest.raises(MimecastError) as err:
            make_client(FakeSession(), dict(V1_PARAMS, base_url=url))
        assert 'base_url' in err.value.msg


class TestEnvelope(object):
    def test_fixture_list(self):
        data, fail, meta = parse_envelope(json.dumps(load_fixture('list_hold_messages_response.json')))
        assert len(data) == 2 and fail == [] and meta['pagination']['totalCount'] == 479

    @pytest.mark.parametrize('text', ['', '<html>oops</html>', '[1,2]', '{"data": {"a": 1}}', '{"x": 1}', '{"data": [1', 'null'])
    def test_not_an_envelope(self, text):
        with pytest.raises(ValueError):
            parse_envelope(text)

    def test_200_with_fail_is_returned_and_raise_for_fail(self, fake_session):
        fail = [{'key': {'id': 'X'}, 'errors': [{'code': 'err_validation', 'message': 'bad', 'retryable': False}]}]
        fake_session.add(200, envelope([], fail))
        resp = make_client(fake_session).call('/api/gateway/hold-release', [{'id': 'X'}], write=True)
        assert resp.fail == fail
        with pytest.raises(MimecastError) as err:
            resp.raise_for_fail()
        assert err.value.codes == ['err_validation'] and 'bad' in err.value.msg

    def test_malformed_read_retried_then_error(self, fake_session):
        for dummy in range(3):
            fake_session.add(200, text='{"data": [')
        client = make_client(fake_session)
        with pytest.raises(MimecastError) as err:
            client.call('/api/gateway/get-hold-summary-list', [])
        assert len(fake_session.calls) == 3 and 'not a Mimecast envelope' in err.value.msg
        assert len(client.warnings) == 2

    def test_malformed_write_not_resent_and_unknown(self, fake_session):
        fake_session.add(200, text='<html>proxy</html>')
        with pytest.raises(MimecastError) as err:
            make_client(fake_session).call('/api/gateway/hold-release', [{'id': 'a'}], write=True)
        assert err.value.outcome_unknown and len(fake_session.calls) == 1


class TestBody(object):
    def test_body_read_in_large_pieces_and_connection_released(self, fake_session):
        records = [{'id': 'id-%05d' % i, 'subject': 'x' * 900} for i in range(500)]  # about a page of held messages
        fake_session.add(200, envelope(records))
        resp = make_client(fake_session).call('/api/gateway/get-hold-message-list', [{'admin': True}])
        assert [r['id'] for r in resp.data] == [r['id'] for r in records]
        assert fake_session.calls[0]['stream'] is True
        sent = fake_session.last_response
        assert sent.chunk_sizes == [client_mod.BODY_CHUNK_BYTES] and client_mod.BODY_CHUNK_BYTES >= 256 * 1024
        assert sent.closed

    def test_utf8_body_whatever_the_declared_charset(self, fake_session):
        body = json.dumps({'meta': {'status': 200}, 'data': [{'id': 'a', 'subject': u'Caf\u00e9 \u2013 \u00fcber'}], 'fail': []},
                          ensure_ascii=False).encode('utf-8')
        fake_session.add(200, text=body, headers={'Content-Type': 'application/json; charset=ISO-8859-1'})
        resp = make_client(fake_session).call('/api/gateway/get-hold-message-list', [])
        assert resp.data[0]['subject'] == u'Caf\u00e9 \u2013 \u00fcber'

    def test_utf8_bom_is_accepted(self, fake_session):
        fake_session.add(200, text=b'\xef\xbb\xbf' + json.dumps(envelope([{'id': 'a'}])).encode('utf-8'))
        assert make_client(fake_session).call('/api/gateway/get-hold-message-list', []).data == [{'id': 'a'}]

    def test_body_that_is_not_utf8_is_not_an_envelope_and_is_quoted_safely(self, fake_session):
        fake_session.add(502, text=b'<html>\xff\xfe bad gateway</html>')
        with pytest.raises(MimecastError) as err:
            make_client(fake_session, retries=0).call('/api/gateway/hold-release', [{'id': 'a'}], write=True)
        assert 'HTTP 502' in err.value.msg and 'bad gateway' in err.value.msg and err.value.outcome_unknown


class RecordingAdapter(requests.adapters.BaseAdapter):
    """A transport adapter for a real ``requests.Session``: answers from a list, records what was sent."""

    def __init__(self, answers):
        super(RecordingAdapter, self).__init__()
        self.answers = list(answers)
        self.sent = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.sent.append({'request': request, 'stream': stream, 'timeout': timeout, 'verify': verify})
        status, headers, body = self.answers.pop(0)
        resp = requests.Response()
        resp.status_code = status
        resp.headers = requests.structures.CaseInsensitiveDict(headers)
        resp.raw = RawBody(body, headers)
        resp.url = request.url
        resp.request = request
        return resp

    def close(self):
        pass


class RawBody(io.BytesIO):
    """A response body with the headers where requests looks for cookies (``_original_response.msg``)."""

    def __init__(self, body, headers):
        super(RawBody, self).__init__(body)
        self._original_response = self
        self.msg = self
        self._headers = headers

    def get_all(self, name, default=None):
        return [v for k, v in self._headers.items() if k.lower() == name.lower()] or default


def test_real_session_sends_session_headers_cookies_and_the_exact_body():
    session = requests.Session()
    adapter = RecordingAdapter([(200, {'Content-Type': 'application/json', 'Set-Cookie': 'lb=node-2; Path=/'},
                                 json.dumps(envelope([{'id': 'a'}])).encode()),
                                (200, {'Content-Type': 'application/json'}, json.dumps(envelope()).encode())])
    session.mount('https://', adapter)
    client = make_client(session)
    assert client.call('/api/gateway/get-hold-message-list', [{'admin': True}]).data == [{'id': 'a'}]
    client.call('/api/gateway/hold-release', [{'id': 'a'}], write=True)
    first, second = (sent['request'] for sent in adapter.sent)
    assert first.method == 'POST' and first.url == V1_PARAMS['base_url'] + '/api/gateway/get-hold-message-list'
    assert json.loads(first.body) == {'data': [{'admin': True}]}
    assert first.headers['User-Agent'] == client_mod.USER_AGENT and first.headers['Accept'] == 'application/json'
    assert first.headers['Content-Type'] == 'application/json' and first.headers['x-mc-app-id'] == V1_PARAMS['app_id']
    assert first.headers['Authorization'].startswith('MC %s:' % V1_PARAMS['access_key'])
    assert 'Cookie' not in first.headers and second.headers['Cookie'] == 'lb=node-2'
    assert all(sent['stream'] is True and sent['timeout'] == 30 and sent['verify'] is True for sent in adapter.sent)


class TestRetries(object):
    def test_read_retries_5xx_then_succeeds_with_warning(self, fake_session):
        fake_session.add(500, text='<html>err</html>').add(502, text='').add(200, envelope([{'a': 1}]))
        client = make_client(fake_session)
        assert client.call('/api/gateway/get-hold-summary-list', []).data == [{'a': 1}]
        assert len(fake_session.calls) == 3 and len(client.warnings) == 2 and len(client.sleeps) == 2

    def test_write_5xx_never_resent(self, fake_session):
        fake_session.add(503, text='busy')
        with pytest.raises(MimecastError) as err:
            make_client(fake_session).call('/api/gateway/hold-release', [{'id': 'a'}], write=True)
        assert err.value.outcome_unknown and err.value.status == 503 and len(fake_session.calls) == 1
        assert 'outcome of this write is unknown' in err.value.msg

    def test_write_timeout_never_resent(self, fake_session):
        fake_session.add(exc=requests.exceptions.ReadTimeout('read timed out'))
        with pytest.raises(MimecastError) as err:
            make_client(fake_session).call('/api/gateway/hold-reject', [{'ids': ['a']}], write=True)
        assert err.value.outcome_unknown and len(fake_session.calls) == 1

    def test_write_dropped_connection_unknown(self, fake_session):
        fake_session.add(exc=requests.exceptions.ConnectionError('Connection aborted. RemoteDisconnected'))
        with pytest.raises(MimecastError) as err:
            make_client(fake_session).call('/api/gateway/hold-release', [{'id': 'a'}], write=True)
        assert err.value.outcome_unknown

    def test_write_connection_refused_is_retried(self, fake_session):
        fake_session.add(exc=requests.exceptions.ConnectionError('NewConnectionError: Connection refused'))
        fake_session.add(200, envelope([{'id': 'a', 'release': True}]))
        resp = make_client(fake_session).call('/api/gateway/hold-release', [{'id': 'a'}], write=True)
        assert resp.data[0]['release'] is True and len(fake_session.calls) == 2

    def test_429_waits_reset_ms_for_writes_too(self, fake_session):
        fake_session.add(429, text='', headers={'X-RateLimit-Reset': '1500', 'X-RateLimit-Remaining': '0'})
        fake_session.add(200, envelope([{'id': 'a', 'release': True}]))
        client = make_client(fake_session)
        client.call('/api/gateway/hold-release', [{'id': 'a'}], write=True)
        assert len(fake_session.calls) == 2
        assert 1.5 <= client.sleeps[0] <= 1.6
        assert 'HTTP 429' in client.warnings[0]

    def test_429_retry_after_seconds(self, fake_session):
        fake_session.add(429, headers={'Retry-After': '2'}).add(200, envelope())
        client = make_client(fake_session)
        client.call('/api/gateway/get-hold-summary-list', [])
        assert client.sleeps == [2.0]

    def test_429_total_wait_capped(self, fake_session):
        fake_session.handler = lambda call: FakeResponse(429, headers={'X-RateLimit-Reset': '4000'})
        client = make_client(fake_session, max_retry_wait=10)
        with pytest.raises(MimecastError) as err:
            client.call('/api/gateway/get-hold-summary-list', [])
        assert err.value.status == 429 and err.value.retryable and 'max_retry_wait' in err.value.msg
        assert sum(client.sleeps) <= 10 and len(fake_session.calls) == 3


class TestHttpErrors(object):
    @pytest.mark.parametrize('status,expect', [
        (401, 'clock'), (403, 'Account | Monitoring | Held | Edit'), (418, 'create new access and secret keys'),
        (404, 'check base_url'),
    ])
    def test_messages_say_what_to_fix(self, fake_session, status, expect):
        fake_session.add(status, envelope(fail=[{'errors': [{'code': 'err_x', 'message': 'no'}]}]))
        with pytest.raises(MimecastError) as err:
            make_client(fake_session).call('/api/gateway/hold-release', [{'id': 'a'}], write=True)
        assert expect in err.value.msg and err.value.status == status and not err.value.retryable
        assert len(fake_session.calls) == 1
        for secret in (V1_PARAMS['secret_key'], V1_PARAMS['app_key']):
            assert secret not in err.value.msg

    def test_tls_error_is_clear(self, fake_session):
        fake_session.add(exc=requests.exceptions.SSLError('CERTIFICATE_VERIFY_FAILED'))
        with pytest.raises(MimecastError) as err:
            make_client(fake_session).call('/api/gateway/get-hold-summary-list', [])
        assert 'TLS certificate verification failed' in err.value.msg and len(fake_session.calls) == 1


class TestApi2(object):
    def _token_then(self, session, *answers):
        session.add(200, {'access_token': 'tok-1', 'token_type': 'Bearer', 'expires_in': 1800})
        for answer in answers:
            session.queue.append(answer)

    def test_token_fetched_lazily_and_reused(self, fake_session):
        self._token_then(fake_session, FakeResponse(200, envelope()), FakeResponse(200, envelope()))
        client = make_client(fake_session, V2_PARAMS)
        assert fake_session.calls == []
        client.call('/api/gateway/get-hold-summary-list', [])
        client.call('/api/gateway/get-hold-summary-list', [])
        assert fake_session.paths() == ['oauth/token', 'api/gateway/get-hold-summary-list', 'api/gateway/get-hold-summary-list']
        token_call = fake_session.calls[0]
        assert token_call['headers']['Content-Type'] == 'application/x-www-form-urlencoded'
        assert dict(parse_qsl(token_call['data'])) == {'grant_type': 'client_credentials', 'client_id': 'cid-test',
                                                       'client_secret': 'csecret-test'}
        assert fake_session.calls[1]['headers']['Authorization'] == 'Bearer tok-1'

    @pytest.mark.parametrize('expired', [
        FakeResponse(401, envelope(fail=[{'errors': [{'code': 'token_expired', 'message': 'expired'}]}])),
        FakeResponse(200, envelope(fail=[{'errors': [{'code': 'token_expired', 'message': 'expired'}]}])),
    ])
    def test_token_refetched_once_on_expiry(self, fake_session, expired):
        self._token_then(fake_session, expired,
                         FakeResponse(200, {'access_token': 'tok-2', 'expires_in': 1800}),
                         FakeResponse(200, envelope([{'id': 'a', 'release': True}])))
        resp = make_client(fake_session, V2_PARAMS).call('/api/gateway/hold-release', [{'id': 'a'}], write=True)
        assert resp.data[0]['release'] is True
        assert fake_session.calls[-1]['headers']['Authorization'] == 'Bearer tok-2'

    def test_second_401_is_an_error(self, fake_session):
        self._token_then(fake_session, FakeResponse(401, envelope()),
                         FakeResponse(200, {'access_token': 'tok-2', 'expires_in': 1800}), FakeResponse(401, envelope()))
        with pytest.raises(MimecastError) as err:
            make_client(fake_session, V2_PARAMS).call('/api/gateway/get-hold-summary-list', [])
        assert err.value.status == 401 and 'client_id and client_secret' in err.value.msg

    def test_token_refused(self, fake_session):
        fake_session.add(401, {'error': 'invalid_client'})
        with pytest.raises(MimecastError) as err:
            make_client(fake_session, V2_PARAMS).call('/api/gateway/get-hold-summary-list', [])
        assert 'token request was refused' in err.value.msg and 'csecret-test' not in err.value.msg


class TestPagination(object):
    def _pages(self, session, pages):
        for index, records in enumerate(pages):
            pagination = {'pageSize': 2, 'totalCount': sum(len(p) for p in pages)}
            if index < len(pages) - 1:
                pagination['next'] = 'tok-%d' % (index + 1)
            session.add(200, envelope(records, meta={'status': 200, 'pagination': pagination}))

    def test_follows_next_with_camel_case_keys(self, fake_session):
        self._pages(fake_session, [[{'id': 1}, {'id': 2}], [{'id': 3}, {'id': 4}], [{'id': 5}]])
        client = make_client(fake_session)
        out = list(client.paginate('/api/gateway/get-hold-message-list', {'admin': True}, page_size=2))
        assert [r['id'] for r in out] == [1, 2, 3, 4, 5]
        metas = [c['json']['meta']['pagination'] for c in fake_session.calls]
        assert metas == [{'pageSize': 2}, {'pageSize': 2, 'pageToken': 'tok-1'}, {'pageSize': 2, 'pageToken': 'tok-2'}]
        assert all(c['json']['data'] == [{'admin': True}] for c in fake_session.calls)

    def test_max_results_stops_reading(self, fake_session):
        self._pages(fake_session, [[{'id': 1}, {'id': 2}], [{'id': 3}, {'id': 4}], [{'id': 5}]])
        out = list(make_client(fake_session).paginate('/p', {}, page_size=2, max_results=3))
        assert [r['id'] for r in out] == [1, 2, 3] and len(fake_session.calls) == 2

    def test_repeated_token_stops_with_warning(self, fake_session):
        meta = {'status': 200, 'pagination': {'next': 'same'}}
        fake_session.handler = lambda call: FakeResponse(200, envelope([{'id': 1}], meta=meta))
        client = make_client(fake_session)
        out = list(client.paginate('/p', {}, page_size=1))
        assert len(out) == 2 and len(fake_session.calls) == 2 and 'already seen' in client.warnings[0]

    def test_fail_stops(self, fake_session):
        fake_session.add(200, envelope([], [{'errors': [{'code': 'err_page', 'message': 'bad token'}]}]))
        with pytest.raises(MimecastError) as err:
            list(make_client(fake_session).paginate('/p', {}))
        assert err.value.codes == ['err_page']

    def test_starts_from_a_given_token(self, fake_session):
        self._pages(fake_session, [[{'id': 3}, {'id': 4}], [{'id': 5}]])
        progress = []
        out = list(make_client(fake_session).paginate('/api/gateway/get-hold-message-list', {'admin': True}, page_size=2,
                                                      token='tok-from-probe', progress=lambda *a: progress.append(a)))
        assert [r['id'] for r in out] == [3, 4, 5]
        metas = [c['json']['meta']['pagination'] for c in fake_session.calls]
        assert metas == [{'pageSize': 2, 'pageToken': 'tok-from-probe'}, {'pageSize': 2, 'pageToken': 'tok-1'}]
        assert all(c['json']['data'] == [{'admin': True}] for c in fake_session.calls)
        assert progress == [(1, 2, 3), (2, 3, 3)]

    def test_given_token_counts_as_seen(self, fake_session):
        meta = {'status': 200, 'pagination': {'next': 'tok-from-probe'}}
        fake_session.handler = lambda call: FakeResponse(200, envelope([{'id': 7}], meta=meta))
        client = make_client(fake_session)
        out = list(client.paginate('/p', {}, page_size=1, token='tok-from-probe'))
        # the API sends back the token it was given: one page, not an endless loop or a page read twice
        assert out == [{'id': 7}] and len(fake_session.calls) == 1
        assert 'already seen' in client.warnings[0]

    @pytest.mark.parametrize('size', [0, 501])
    def test_page_size_bounds(self, fake_session, size):
        with pytest.raises(MimecastError):
            list(make_client(fake_session).paginate('/p', {}, page_size=size))
        assert fake_session.calls == []


def test_rate_headers_pace_next_request(fake_session, monkeypatch):
    fake_session.add(200, envelope(), headers={'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '800'})
    fake_session.add(200, envelope())
    client = make_client(fake_session)
    client.call('/p', [])
    client.call('/p', [])
    assert len(client.sleeps) == 1 and 0.5 < client.sleeps[0] <= 0.8


def test_requests_missing_is_reported(monkeypatch):
    monkeypatch.setattr(client_mod, 'HAS_REQUESTS', False)
    with pytest.raises(MimecastError) as err:
        MimecastClient(**V1_PARAMS)
    assert 'requests' in err.value.msg


# ------------------------------------------------------------------ configuration errors
def test_a_misspelt_keyword_is_refused_not_dropped():
    with pytest.raises(TypeError, match='retrys'):
        MimecastClient(session=FakeSession(), retrys=9, **V1_PARAMS)  # pylint: disable=unexpected-keyword-arg


@pytest.mark.parametrize('base_url,fix', [('https://eu-api.mimecast.com/api', 'https://eu-api.mimecast.com'),
                                          ('http://127.0.0.1:8025/api/gateway/', 'http://127.0.0.1:8025')])
def test_base_url_with_a_path_is_a_config_error_naming_the_fix(base_url, fix):
    session = FakeSession()
    with pytest.raises(ConfigError) as err:
        params = dict(V1_PARAMS)
        params['base_url'] = base_url
        MimecastClient(session=session, **params)
    assert 'without a path' in err.value.msg and 'use %s,' % fix in err.value.msg
    assert err.value.code == 'config_error' and session.calls == []


@pytest.mark.parametrize('params', [dict(V1_PARAMS, secret_key='not base64!'), dict(V1_PARAMS, client_id='x', client_secret='y'),
                                    dict(V1_PARAMS, base_url='eu-api.mimecast.com'), dict(V1_PARAMS, app_key=None)])
def test_configuration_problems_have_their_own_code(params):
    with pytest.raises(MimecastError) as err:
        MimecastClient(session=FakeSession(), **params)
    assert err.value.code == 'config_error' and err.value.task_result()['error']['code'] == 'config_error'


def test_unreachable_host_is_one_short_line():
    text = ('HTTPConnectionPool(host=\'127.0.0.1\', port=9): Max retries exceeded with url: /x (Caused by '
            'NewConnectionError("HTTPConnection(host=\'127.0.0.1\', port=9): Failed to establish a new connection: '
            '[Errno 111] Connection refused"))')
    assert client_mod._exc_text(requests.exceptions.ConnectionError(text)) == 'Connection refused'
    resolve = ('HTTPSConnectionPool(host=\'no-such-host.invalid\', port=443): Max retries exceeded (Caused by NameResolutionError('
               '"HTTPSConnection(host=\'no-such-host.invalid\', port=443): Failed to resolve \'no-such-host.invalid\' '
               '([Errno -2] Name or service not known)"))')
    assert client_mod._exc_text(requests.exceptions.ConnectionError(resolve)) == 'Name or service not known'


@pytest.mark.parametrize('base_url, validate_certs, host', [
    ('https://eu-api.mimecast.com', False, 'eu-api.mimecast.com'),
    ('https://api.services.mimecast.com:8443/', False, 'api.services.mimecast.com:8443'),
    ('http://127.0.0.1:8025', False, '127.0.0.1:8025'),
    ('https://eu-api.mimecast.com', True, None),
])
def test_certificate_checks_off_are_a_warning_naming_the_host(base_url, validate_certs, host):
    warnings = []
    params = dict(V1_PARAMS, base_url=base_url, validate_certs=validate_certs)
    client = client_mod.client_from_params(params, warn=warnings.append)
    assert client.validate_certs is validate_certs
    if host is None:
        assert warnings == []
    else:
        assert warnings == ['validate_certs is false: TLS certificates of %s are not checked' % host]
    # nothing secret in it
    assert not any(V1_PARAMS['secret_key'] in w or V1_PARAMS['app_key'] in w for w in warnings)
