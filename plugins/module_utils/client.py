# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Mimecast API client of the collection.

It owns API 1.0 signing and API 2.0 tokens, the HTTP transport (one keep-alive
``requests`` session), rate-limit waits, retries of reads, the response envelope,
cursor pagination, and the one error type, :class:`MimecastError`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import hmac
import json
import os
import random
import re
import threading
import time
import traceback
import uuid

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, but keep the import safe
    from urlparse import urlsplit  # type: ignore

from ansible.module_utils.basic import env_fallback

from ansible_collections.secops.mimecast.plugins.module_utils.errors import ConfigError, InputError, MimecastError  # noqa: F401 (re-exported)

try:
    import requests
    import requests.adapters
    import requests.exceptions
    import requests.utils
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

COLLECTION_VERSION = '1.0.0'
USER_AGENT = 'secops.mimecast/%s (Ansible collection)' % COLLECTION_VERSION
BODY_CHUNK_BYTES = 256 * 1024

V1_CREDENTIALS = ('access_key', 'secret_key', 'app_id', 'app_key')
V2_CREDENTIALS = ('client_id', 'client_secret')

# Permission each endpoint needs, for 403 messages (API-NOTES.md).
PERMISSIONS = {
    '/api/gateway/get-hold-message-list': 'Account | Dashboard | Read',
    '/api/gateway/get-hold-summary-list': 'Account | Dashboard | Read',
    '/api/gateway/hold-release': 'Account | Monitoring | Held | Edit',
    '/api/gateway/hold-reject': 'Account | Monitoring | Held | Edit',
    '/api/gateway/find-processing-messages': 'Monitoring | Processing | Read',
    '/api/message-finder/get-message-info': 'Gateway | Tracking | Read',
    '/api/gateway/get-held-release-logs': 'Monitoring | Held | Read',
    '/api/managedsender/permit-or-block-sender': 'Managed Senders (the vendor does not document its name)',
}

_DAYS = ('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')
_MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec')


def connection_argument_spec():
    """The connection options shared by every module and plugin (doc fragment ``connection``)."""
    return dict(
        base_url=dict(type='str', required=True, fallback=(env_fallback, ['MIMECAST_BASE_URL'])),
        access_key=dict(type='str', no_log=False, fallback=(env_fallback, ['MIMECAST_ACCESS_KEY'])),
        secret_key=dict(type='str', no_log=True, fallback=(env_fallback, ['MIMECAST_SECRET_KEY'])),
        app_id=dict(type='str', fallback=(env_fallback, ['MIMECAST_APP_ID'])),
        app_key=dict(type='str', no_log=True, fallback=(env_fallback, ['MIMECAST_APP_KEY'])),
        client_id=dict(type='str', fallback=(env_fallback, ['MIMECAST_CLIENT_ID'])),
        client_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['MIMECAST_CLIENT_SECRET'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['MIMECAST_VALIDATE_CERTS'])),
        timeout=dict(type='float', default=30, fallback=(env_fallback, ['MIMECAST_TIMEOUT'])),
        retries=dict(type='int', default=3, fallback=(env_fallback, ['MIMECAST_RETRIES'])),
        max_retry_wait=dict(type='float', default=300, fallback=(env_fallback, ['MIMECAST_MAX_RETRY_WAIT'])),
    )


def mc_date(now=None):
    """The ``x-mc-date`` header value, e.g. ``Tue, 24 Nov 2015 12:50:11 UTC`` (locale independent)."""
    t = time.gmtime(time.time() if now is None else now)
    return '%s, %02d %s %04d %02d:%02d:%02d UTC' % (
        _DAYS[t.tm_wday], t.tm_mday, _MONTHS[t.tm_mon - 1], t.tm_year, t.tm_hour, t.tm_min, t.tm_sec)


def decode_secret_key(secret_key):
    """Decode the base64 secret key as issued; a clear error (without the value) when it is not base64."""
    try:
        key = base64.b64decode(secret_key.strip().encode('ascii'), validate=True)
    except (binascii.Error, ValueError, UnicodeError):
        raise ConfigError('secret_key is not valid base64: use the secret key exactly as Mimecast issued it '
                          '(its value is not shown here)')
    if not key:
        raise ConfigError('secret_key is empty after base64 decoding: use the secret key exactly as Mimecast issued it')
    return key


def sign_v1(secret, date, request_id, uri, app_key):
    """API 1.0 signature: base64(HMAC-SHA1(base64decode(secretKey), date:req-id:uri:appKey)).

    ``secret`` is the decoded key (bytes) or the base64 text as issued.
    """
    key = secret if isinstance(secret, bytes) else decode_secret_key(secret)
    data = ':'.join([date, request_id, uri, app_key]).encode('utf-8')
    return base64.b64encode(hmac.new(key, data, digestmod=hashlib.sha1).digest()).decode('ascii')


def select_scheme(params):
    """Return '1.0' or '2.0' from the credentials given, or raise naming what is missing."""
    v1 = [name for name in V1_CREDENTIALS if params.get(name)]
    v2 = [name for name in V2_CREDENTIALS if params.get(name)]
    env = dict((n, 'MIMECAST_' + n.upper()) for n in V1_CREDENTIALS + V2_CREDENTIALS)
    if v1 and v2:
        raise ConfigError('Credentials for both API 1.0 (%s) and API 2.0 (%s) were given; give only one set: '
                          'access_key, secret_key, app_id and app_key for API 1.0, or client_id and client_secret '
                          'for API 2.0 (check the MIMECAST_* environment variables and module_defaults too)'
                          % (', '.join(v1), ', '.join(v2)))
    if len(v1) == len(V1_CREDENTIALS):
        return '1.0'
    if len(v2) == len(V2_CREDENTIALS):
        return '2.0'
    if v1 or v2:
        wanted = V1_CREDENTIALS if v1 else V2_CREDENTIALS
        missing = [n for n in wanted if not params.get(n)]
        raise ConfigError('Incomplete API %s credentials: missing %s (options, or environment variables %s)'
                          % ('1.0' if v1 else '2.0', ', '.join(missing), ', '.join(env[n] for n in missing)))
    raise ConfigError('No Mimecast credentials given: set access_key, secret_key, app_id and app_key (API 1.0) or '
                      'client_id and client_secret (API 2.0), as options, module_defaults or MIMECAST_* '
                      'environment variables')


def normalize_base_url(base_url):
    """Check and normalise ``base_url`` (scheme and host required); return it without a trailing slash."""
    value = (base_url or '').strip()
    parts = urlsplit(value)
    if parts.scheme not in ('https', 'http') or not parts.netloc:
        raise ConfigError("base_url must be a URL with scheme and host, such as https://eu-api.mimecast.com "
                          "(or http://127.0.0.1:8080 for a local simulator); got %r" % value)
    if parts.query or parts.fragment:
        raise ConfigError('base_url must not have a query or fragment; got %r' % value)
    if parts.path.strip('/'):
        raise ConfigError('base_url must be the API host only, without a path (the collection adds /api/...): use %s://%s, '
                          'not %r' % (parts.scheme, parts.netloc, value))
    return value.rstrip('/')


class Response(object):
    """A parsed API envelope: ``data`` list, ``fail`` list, ``meta`` dict."""

    __slots__ = ('path', 'status', 'data', 'fail', 'meta', 'headers', 'request_id')

    def __init__(self, path, status, data, fail, meta, headers, request_id):
        self.path = path
        self.status = status
        self.data = data
        self.fail = fail
        self.meta = meta
        self.headers = headers
        self.request_id = request_id

    @property
    def next_token(self):
        pagination = self.meta.get('pagination') if isinstance(self.meta, dict) else None
        if isinstance(pagination, dict):
            return pagination.get('next') or None
        return None

    @property
    def total_count(self):
        """``meta.pagination.totalCount`` when the API gave an integer, else None."""
        pagination = self.meta.get('pagination') if isinstance(self.meta, dict) else None
        total = pagination.get('totalCount') if isinstance(pagination, dict) else None
        return total if isinstance(total, int) and not isinstance(total, bool) else None

    def fail_codes(self):
        return [e['code'] for e in iter_fail_errors(self.fail) if e.get('code')]

    def raise_for_fail(self):
        """Raise a :class:`MimecastError` built from the ``fail`` entries, if any."""
        if self.fail:
            raise error_from_fail(self.fail, self.path, status=self.status, request_id=self.request_id)


def iter_fail_errors(fail):
    """Yield each error dict of a ``fail`` list, whatever shape each entry has."""
    for entry in fail or []:
        if not isinstance(entry, dict):
            yield {'code': None, 'message': str(entry), 'retryable': False}
            continue
        errors = entry.get('errors')
        if isinstance(errors, list) and errors:
            for err in errors:
                if isinstance(err, dict):
                    yield err
                else:
                    yield {'code': None, 'message': str(err), 'retryable': False}
        else:
            yield {'code': entry.get('code'), 'message': entry.get('message') or 'unspecified failure',
                   'retryable': entry.get('retryable', False)}


def error_from_fail(fail, path, status=None, request_id=None):
    errors = list(iter_fail_errors(fail))
    codes = [e.get('code') for e in errors if e.get('code')]
    messages = ['%s%s' % (('%s: ' % e['code']) if e.get('code') else '', e.get('message') or '') for e in errors]
    retryable = any(bool(e.get('retryable')) for e in errors)
    return MimecastError('Mimecast %s failed: %s' % (path, '; '.join(messages) or 'unspecified failure'),
                         status=status, codes=codes, retryable=retryable, request_id=request_id, path=path)


def parse_envelope(body):
    """Parse a response body (bytes or text) into (data, fail, meta); raise ValueError on anything that is not an envelope.

    JSON is UTF-8 (RFC 8259): bytes are decoded as such (json also detects UTF-16/32 and a BOM), whatever
    charset the Content-Type header names.
    """
    body = json.loads(body)
    if not isinstance(body, dict):
        raise ValueError('the body is JSON but not an object')
    data = body.get('data', [])
    fail = body.get('fail', [])
    meta = body.get('meta', {})
    if data is None:
        data = []
    if fail is None:
        fail = []
    if meta is None:
        meta = {}
    if not isinstance(data, list) or not isinstance(fail, list) or not isinstance(meta, dict):
        raise ValueError('the body is not a Mimecast envelope (data/fail must be lists, meta an object)')
    if 'data' not in body and 'fail' not in body and 'meta' not in body:
        raise ValueError('the body has none of data, fail or meta')
    return data, fail, meta


def _header_number(headers, name):
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _body_excerpt(text, limit=200):
    text = ' '.join((text or '').split())
    return text if len(text) <= limit else text[:limit] + '...'


class _V1Auth(object):
    scheme = '1.0'

    def __init__(self, access_key, secret_key, app_id, app_key):
        self._access_key = access_key
        self._key = decode_secret_key(secret_key)
        self._app_id = app_id
        self._app_key = app_key

    def headers(self, uri):
        date = mc_date()
        request_id = str(uuid.uuid4())
        signature = sign_v1(self._key, date, request_id, uri, self._app_key)
        return request_id, {
            'Authorization': 'MC %s:%s' % (self._access_key, signature),
            'x-mc-date': date,
            'x-mc-req-id': request_id,
            'x-mc-app-id': self._app_id,
        }

    def invalidate(self, used_header):
        """API 1.0 has no token to renew."""


class _V2Auth(object):
    scheme = '2.0'

    def __init__(self, client, client_id, client_secret):
        self._client = client
        self._client_id = client_id
        self._client_secret = client_secret
        self._token = None
        self._expires = 0
        self._lock = threading.Lock()
        self.fetches = 0

    def _ensure_token(self):
        with self._lock:
            if self._token is None or time.time() > self._expires - 30:
                self._token, lifetime = self._client.fetch_token(self._client_id, self._client_secret)
                self._expires = time.time() + lifetime
                self.fetches += 1
            return self._token

    def headers(self, uri):
        request_id = str(uuid.uuid4())
        return request_id, {'Authorization': 'Bearer %s' % self._ensure_token(), 'x-mc-req-id': request_id}

    def invalidate(self, used_header):
        """Forget the token the failed request used (unless another thread already replaced it)."""
        with self._lock:
            if self._token is not None and 'Bearer %s' % self._token == used_header:
                self._token = None


class MimecastClient(object):
    """Signed, rate-limit aware Mimecast API client over one keep-alive session."""

    def __init__(self, base_url, access_key=None, secret_key=None, app_id=None, app_key=None, client_id=None,
                 client_secret=None, validate_certs=True, timeout=30, retries=3, max_retry_wait=300, warn=None,
                 pool_size=8, session=None, sleep=None):
        if not HAS_REQUESTS and session is None:
            raise ConfigError('The Python library requests is required (pip install requests)')
        self.base_url = normalize_base_url(base_url)
        if timeout is None or float(timeout) <= 0:
            raise ConfigError('timeout must be a positive number of seconds; got %r' % (timeout,))
        if retries is None or int(retries) < 0:
            raise ConfigError('retries must be zero or more; got %r' % (retries,))
        if max_retry_wait is None or float(max_retry_wait) < 0:
            raise ConfigError('max_retry_wait must be zero or more seconds; got %r' % (max_retry_wait,))
        creds = dict(access_key=access_key, secret_key=secret_key, app_id=app_id, app_key=app_key,
                     client_id=client_id, client_secret=client_secret)
        self.scheme = select_scheme(creds)
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.max_retry_wait = float(max_retry_wait)
        self.validate_certs = bool(validate_certs)
        self._warn = warn or (lambda msg: None)
        self._sleep = sleep or _sleep
        self._lock = threading.Lock()
        self._waited = 0.0
        self._not_before = 0.0
        self.request_count = 0
        self._verify = self.validate_certs
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=max(int(pool_size), 1))
            session.mount('https://', adapter)
            session.mount('http://', adapter)
            # Every request goes to base_url: resolve the environment's proxy and CA bundle settings once
            # here, instead of requests scanning os.environ twice per request (trust_env), which was about
            # a sixth of the client's CPU time per request in the benchmark (bench/, docs/performance.md).
            proxies = getattr(session, 'proxies', None)
            if isinstance(proxies, dict):
                proxies.update(requests.utils.get_environ_proxies(self.base_url))
            if self.validate_certs:
                self._verify = os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or True
            session.trust_env = False
        session.headers.update({'User-Agent': USER_AGENT, 'Accept': 'application/json'})
        self._session = session
        if self.scheme == '1.0':
            self._auth = _V1Auth(access_key, secret_key, app_id, app_key)
        else:
            self._auth = _V2Auth(self, client_id, client_secret)

    # ----------------------------------------------------------------- waits
    def _wait(self, seconds, why):
        """Sleep ``seconds`` within the ``max_retry_wait`` budget, warning each time; False if over budget."""
        seconds = max(0.0, float(seconds))
        with self._lock:
            if self._waited + seconds > self.max_retry_wait:
                return False
            self._waited += seconds
            waited = self._waited
        self._warn('%s; waiting %.1f s before retrying (%.1f s of max_retry_wait=%.0f s used)'
                   % (why, seconds, waited, self.max_retry_wait))
        self._sleep(seconds)
        return True

    def _backoff(self, attempt):
        return min(30.0, 0.5 * (2 ** (attempt - 1))) * random.uniform(0.5, 1.5)

    def back_off(self, attempt, why):
        """Wait before attempt ``attempt + 1`` of something (exponential, jittered, within ``max_retry_wait``).

        Returns False, without waiting, when the wait would exceed the ``max_retry_wait`` budget.
        """
        return self._wait(self._backoff(attempt), why)

    def _pace(self):
        """Honour a known empty rate-limit window before sending (shared by all threads)."""
        with self._lock:
            delay = self._not_before - time.time()
        if delay > 0:
            self._sleep(min(delay, self.max_retry_wait))

    def _note_rate_headers(self, headers):
        remaining = _header_number(headers, 'X-RateLimit-Remaining')
        reset_ms = _header_number(headers, 'X-RateLimit-Reset')
        if remaining is not None and remaining < 1 and reset_ms is not None:
            with self._lock:
                self._not_before = max(self._not_before, time.time() + reset_ms / 1000.0)

    # ------------------------------------------------------------- transport
    def _post(self, url, headers, data):
        """POST ``data`` and read the whole answer: ``(response, body bytes)``; the connection goes back to the pool.

        The request is prepared here with the session's headers and cookies and handed to ``Session.send``:
        ``Session.request`` would merge every session setting and copy the cookie jar on each call, about
        a third of the client's CPU time per request in the benchmark (bench/, docs/performance.md).
        """
        self.request_count += 1
        prepared = requests.PreparedRequest()
        merged = dict(self._session.headers)
        merged.update(headers)
        prepared.prepare(method='POST', url=url, headers=merged, data=data, cookies=self._session.cookies)
        resp = self._session.send(prepared, stream=True, timeout=self.timeout, verify=self._verify)
        try:
            # requests reads a body in 10 kB pieces: a 450 kB page of held messages took ~45 reads and joins
            body = b''.join(resp.iter_content(BODY_CHUNK_BYTES))
        finally:
            resp.close()
        return resp, body

    def _transport_error(self, exc, path, request_id, write):
        host = urlsplit(self.base_url).netloc
        if isinstance(exc, requests.exceptions.SSLError):
            return MimecastError('TLS certificate verification failed for %s: %s. Use a trusted certificate, or set '
                                 'validate_certs=false only for a test endpoint' % (host, _exc_text(exc)),
                                 request_id=request_id, path=path)
        not_sent = _not_sent(exc)
        if isinstance(exc, requests.exceptions.Timeout):
            what = 'no answer within timeout=%s s' % self.timeout
        elif not_sent:
            what = 'cannot connect to %s (%s)' % (host, _exc_text(exc))
        else:
            what = 'the connection was dropped before an answer (%s)' % _exc_text(exc)
        unknown = write and not not_sent
        msg = 'Mimecast %s: %s' % (path, what)
        if unknown:
            msg += '; the outcome of this write is unknown'
        return MimecastError(msg, retryable=True, request_id=request_id, outcome_unknown=unknown, path=path)

    def fetch_token(self, client_id, client_secret):
        """API 2.0: client-credentials token; returns (token, lifetime seconds)."""
        url = self.base_url + '/oauth/token'
        attempt = 0
        while True:
            attempt += 1
            try:
                resp, raw = self._post(url, {'Content-Type': 'application/x-www-form-urlencoded'},
                                       data={'grant_type': 'client_credentials', 'client_id': client_id,
                                             'client_secret': client_secret})
            except requests.exceptions.RequestException as exc:
                err = self._transport_error(exc, '/oauth/token', None, write=False)
                if attempt <= self.retries and not isinstance(exc, requests.exceptions.SSLError) and \
                        self._wait(self._backoff(attempt), 'Mimecast token request failed (%s)' % err.msg):
                    continue
                raise err
            if resp.status_code == 429 or resp.status_code >= 500:
                if attempt <= self.retries and self._wait(self._retry_delay(resp, attempt),
                                                          'Mimecast token request answered HTTP %s' % resp.status_code):
                    continue
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if resp.status_code == 200 and isinstance(body, dict) and body.get('access_token'):
                try:
                    lifetime = float(body.get('expires_in') or 1800)
                except (TypeError, ValueError):
                    lifetime = 1800.0
                return body['access_token'], lifetime
            code = body.get('error') if isinstance(body, dict) else None
            raise MimecastError('The API 2.0 token request was refused (HTTP %s%s): check client_id and client_secret, '
                                'and that base_url is an API 2.0 gateway such as https://api.services.mimecast.com'
                                % (resp.status_code, ', %s' % code if code else ''),
                                status=resp.status_code, codes=[code] if code else [], path='/oauth/token')

    def _retry_delay(self, resp, attempt):
        reset_ms = _header_number(resp.headers, 'X-RateLimit-Reset')
        if reset_ms is not None:
            return reset_ms / 1000.0 + random.uniform(0, 0.05)
        retry_after = _header_number(resp.headers, 'Retry-After')
        if retry_after is not None:
            return retry_after
        return self._backoff(attempt)

    def call(self, path, data=None, meta=None, write=False):
        """POST ``{"meta": meta, "data": data}`` to ``path`` and return a :class:`Response`.

        Raises :class:`MimecastError` for transport errors, HTTP errors and bodies that are not an
        envelope. Reads are retried on 5xx, timeouts, dropped connections and unparseable bodies;
        writes only on 429 (the API did not act) and on failures before the request was sent.
        """
        body = {'data': data if data is not None else []}
        if meta:
            body['meta'] = meta
        payload = json.dumps(body, separators=(',', ':'))
        url = self.base_url + path
        uri = urlsplit(url).path
        attempt = 0
        reauthed = False
        while True:
            attempt += 1
            self._pace()
            request_id, headers = self._auth.headers(uri)
            headers['Content-Type'] = 'application/json'
            try:
                resp, raw = self._post(url, headers, data=payload)
            except requests.exceptions.RequestException as exc:
                err = self._transport_error(exc, path, request_id, write)
                if not isinstance(exc, requests.exceptions.SSLError) and not err.outcome_unknown \
                        and attempt <= self.retries and self._wait(self._backoff(attempt), err.msg):
                    continue
                raise err
            status = resp.status_code
            self._note_rate_headers(resp.headers)
            if status == 429:
                if self._wait(self._retry_delay(resp, attempt),
                              'Mimecast rate limit reached (HTTP 429) on %s' % path):
                    continue
                raise MimecastError('Mimecast rate limit reached (HTTP 429) on %s and waiting longer would exceed '
                                    'max_retry_wait=%.0f s; nothing was done by this request, run again later'
                                    % (path, self.max_retry_wait), status=429, retryable=True,
                                    request_id=request_id, path=path)
            try:
                rdata, rfail, rmeta = parse_envelope(raw)
                parsed = True
            except ValueError:
                rdata, rfail, rmeta = [], [], {}
                parsed = False
            # only error messages quote the body
            text = raw.decode('utf-8', 'replace') if not parsed or status >= 300 else ''
            codes = [e.get('code') for e in iter_fail_errors(rfail) if e.get('code')]
            token_expired = 'token_expired' in codes
            if self._auth.scheme == '2.0' and (status == 401 or token_expired) and not reauthed:
                reauthed = True
                self._auth.invalidate(headers.get('Authorization'))
                continue
            if 200 <= status < 300:
                if parsed:
                    return Response(path, status, rdata, rfail, rmeta, resp.headers, request_id)
                err = MimecastError('Mimecast %s answered HTTP %s with a body that is not a Mimecast envelope: %s'
                                    % (path, status, _body_excerpt(text)), status=status, retryable=True,
                                    request_id=request_id, path=path, outcome_unknown=write)
                if not write and attempt <= self.retries and self._wait(self._backoff(attempt), err.msg):
                    continue
                if write:
                    err.msg += '; the outcome of this write is unknown'
                raise err
            if status >= 500:
                err = MimecastError('Mimecast %s answered HTTP %s%s' % (path, status, _fail_suffix(rfail, text, parsed)),
                                    status=status, codes=codes, retryable=True, request_id=request_id, path=path,
                                    outcome_unknown=write)
                if not write and attempt <= self.retries and self._wait(self._backoff(attempt), err.msg):
                    continue
                if write:
                    err.msg += '; the outcome of this write is unknown'
                raise err
            raise self._http_error(path, status, codes, rfail, text, parsed, request_id)

    def _http_error(self, path, status, codes, fail, text, parsed, request_id):
        detail = _fail_suffix(fail, text, parsed)
        if status == 401:
            if self._auth.scheme == '1.0':
                hint = ('check access_key, secret_key, app_id and app_key, and that this machine\'s clock is right '
                        '(x-mc-date must be close to Mimecast\'s time; local UTC time is %s)' % mc_date())
            else:
                hint = 'check client_id and client_secret; a fresh token was already tried'
            msg = 'Mimecast refused the credentials (HTTP 401)%s: %s' % (detail, hint)
        elif status == 403:
            msg = ('Permission denied (HTTP 403) on %s%s: the API user\'s role needs the %s permission'
                   % (path, detail, PERMISSIONS.get(path, 'matching')))
        elif status == 418:
            msg = ('The API 1.0 access/secret key binding has expired (HTTP 418%s): create new access and secret keys '
                   'for the application in the Mimecast administration console; retrying will not help'
                   % (', ' + ', '.join(codes) if codes else ''))
        elif status == 404:
            msg = 'Mimecast %s was not found (HTTP 404)%s: check base_url (the regional host or API gateway)' % (path, detail)
        elif status == 405:
            msg = 'Mimecast %s refused the method (HTTP 405)%s' % (path, detail)
        else:
            msg = 'Mimecast %s answered HTTP %s%s' % (path, status, detail)
        return MimecastError(msg, status=status, codes=codes, retryable=False, request_id=request_id, path=path)

    # ------------------------------------------------------------ pagination
    def page(self, path, item=None, page_size=100, token=None):
        """One page: the :class:`Response` to ``item`` with ``meta.pagination`` (``pageToken`` after the first).

        Raises :class:`MimecastError` for a page size outside 1-500 (before any request) and for a ``fail`` entry.
        """
        check_page_size(page_size)
        pagination = {'pageSize': int(page_size)}
        if token:
            pagination['pageToken'] = token
        resp = self.call(path, [item] if item is not None else [], meta={'pagination': pagination})
        resp.raise_for_fail()
        return resp

    def paginate(self, path, item=None, page_size=100, max_results=None, records=None, progress=None, token=None):
        """Yield records across pages, following ``meta.pagination.next``.

        ``item`` is the single ``data`` entry sent with every page; ``records(data)`` extracts the
        records of a page (default: the ``data`` list itself). Stops on a missing ``next``, a
        repeated token, ``max_results`` records, or raises on a ``fail`` entry. ``token`` starts
        from a page other than the first (the ``next`` of a page already read).
        """
        extract = records or (lambda data: data)
        seen = set([token]) if token else set()
        count = 0
        pages = 0
        while True:
            resp = self.page(path, item, page_size, token)
            pages += 1
            for record in extract(resp.data):
                yield record
                count += 1
                if max_results is not None and count >= max_results:
                    return
            if progress is not None:
                progress(pages, count, resp.total_count)
            token = resp.next_token
            if not token:
                return
            if token in seen:
                self._warn('Mimecast %s returned a page token already seen; stopping after %d records' % (path, count))
                return
            seen.add(token)


def check_page_size(page_size):
    """Raise :class:`MimecastError` for a page size the API does not take (1 to 500)."""
    if not 1 <= int(page_size) <= 500:
        raise InputError('page_size must be between 1 and 500; got %r' % (page_size,))


def _sleep(seconds):
    """``time.sleep`` looked up at call time (so tests can patch it)."""
    time.sleep(seconds)


_ERRNO_TEXT = re.compile(r'\[Errno -?\d+\] ([^\)\]"\']+)')
_REASONS = ('timed out', 'Connection refused', 'Connection reset by peer', 'Remote end closed connection without response',
            'Connection aborted', 'Network is unreachable', 'No route to host', 'Name or service not known',
            'Temporary failure in name resolution', 'IncompleteRead', 'Read timed out')


def _exc_text(exc):
    """A short reason for a transport error (``Connection refused``), not urllib3's nested reprs."""
    text = str(exc)
    found = _ERRNO_TEXT.search(text)
    if found:
        return found.group(1).strip()
    for reason in _REASONS:
        if reason in text:
            return reason
    # urllib3 wraps the real reason; keep the message short and free of object reprs.
    for marker in ('Caused by ', 'reason: '):
        if marker in text:
            text = text.split(marker, 1)[1]
    return _body_excerpt(text.strip('()'), 120)


def _not_sent(exc):
    """True when the request certainly did not reach the server (connect failures)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = repr(exc)
        return any(marker in text for marker in ('NewConnectionError', 'ConnectTimeoutError', 'Failed to resolve',
                                                 'NameResolutionError', 'Connection refused'))
    return False


def _fail_suffix(fail, text, parsed):
    if parsed and fail:
        parts = ['%s%s' % (('%s: ' % e['code']) if e.get('code') else '', e.get('message') or '') for e in iter_fail_errors(fail)]
        return ' (%s)' % '; '.join(parts)
    if not parsed and text:
        return ' (body: %s)' % _body_excerpt(text, 120)
    return ''


def client_from_params(params, warn=None, pool_size=8):
    """Build a :class:`MimecastClient` from module/plugin parameters."""
    keys = ('base_url', 'access_key', 'secret_key', 'app_id', 'app_key', 'client_id', 'client_secret',
            'validate_certs', 'timeout', 'retries', 'max_retry_wait')
    kwargs = dict((k, params.get(k)) for k in keys if params.get(k) is not None)
    client = MimecastClient(warn=warn, pool_size=pool_size, **kwargs)
    if not client.validate_certs and warn is not None:
        # on every run, so that certificate checks are never off without anyone noticing
        warn('validate_certs is false: TLS certificates of %s are not checked' % urlsplit(client.base_url).netloc)
    return client
