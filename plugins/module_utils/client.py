# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Mimecast API client of the collection: :class:`MimecastClient`.

It owns the HTTP transport (one keep-alive ``requests`` session), rate-limit waits, retries of reads, the
HTTP errors (a :class:`MimecastError` whose message says what to fix) and cursor pagination. How a request is
authenticated is a signer's (``signers.py``: API 1.0 signing, API 2.0 tokens); the response envelope is
``envelope.py``; the connection options are ``connection.py``; the endpoints and their permissions are
``endpoints.py``. Errors are those of ``errors.py``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import random
import re
import threading
import time
import traceback

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, but keep the import safe
    from urlparse import urlsplit  # type: ignore

from ansible_collections.secops.mimecast.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import permission
from ansible_collections.secops.mimecast.plugins.module_utils.envelope import Response, fail_text, iter_fail_errors, parse_envelope
from ansible_collections.secops.mimecast.plugins.module_utils.errors import ConfigError, InputError, MimecastError
from ansible_collections.secops.mimecast.plugins.module_utils.signers import select_signer

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
        credentials = dict(access_key=access_key, secret_key=secret_key, app_id=app_id, app_key=app_key,
                           client_id=client_id, client_secret=client_secret)
        signer = select_signer(credentials)
        self.scheme = signer.scheme
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
        self._signer = signer.from_credentials(self, credentials)

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

    def post_form(self, path, fields, what):
        """POST ``fields`` form-encoded to ``path``, unsigned (the API 2.0 token request): ``(HTTP status, body bytes)``.

        Retried as a read is (failures before an answer, 429, 5xx) within ``retries`` and ``max_retry_wait``;
        ``what`` names the request in the warnings. The last answer is returned, whatever its status.
        """
        url = self.base_url + path
        attempt = 0
        while True:
            attempt += 1
            try:
                resp, raw = self._post(url, {'Content-Type': 'application/x-www-form-urlencoded'}, data=fields)
            except requests.exceptions.RequestException as exc:
                err = self._transport_error(exc, path, None, write=False)
                if attempt <= self.retries and not isinstance(exc, requests.exceptions.SSLError) and \
                        self._wait(self._backoff(attempt), '%s failed (%s)' % (what, err.msg)):
                    continue
                raise err
            if resp.status_code == 429 or resp.status_code >= 500:
                if attempt <= self.retries and self._wait(self._retry_delay(resp, attempt),
                                                          '%s answered HTTP %s' % (what, resp.status_code)):
                    continue
            return resp.status_code, raw

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
            request_id, headers = self._signer.headers(uri)
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
            if self._signer.renews and (status == 401 or token_expired) and not reauthed:
                reauthed = True
                self._signer.invalidate(headers.get('Authorization'))
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
            msg = 'Mimecast refused the credentials (HTTP 401)%s: %s' % (detail, self._signer.refused_hint())
        elif status == 403:
            msg = ('Permission denied (HTTP 403) on %s%s: the API user\'s role needs the %s permission'
                   % (path, detail, permission(path)))
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
        return ' (%s)' % fail_text(iter_fail_errors(fail))
    if not parsed and text:
        return ' (body: %s)' % _body_excerpt(text, 120)
    return ''


def client_from_params(params, warn=None, pool_size=8):
    """Build a :class:`MimecastClient` from module/plugin parameters (the options of ``connection.py``)."""
    kwargs = dict((k, params.get(k)) for k in connection_argument_spec() if params.get(k) is not None)
    client = MimecastClient(warn=warn, pool_size=pool_size, **kwargs)
    if not client.validate_certs and warn is not None:
        # on every run, so that certificate checks are never off without anyone noticing
        warn('validate_certs is false: TLS certificates of %s are not checked' % urlsplit(client.base_url).netloc)
    return client
