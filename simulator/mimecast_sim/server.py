"""aiohttp application: API endpoints, authentication, rate limits, faults, control endpoints."""

import asyncio
import base64
import binascii
import collections
import datetime
import functools
import hashlib
import hmac
import json
import random
import secrets
import sys
import time

from aiohttp import web

from . import REJECT_REASON_TYPES, console
from .console import ADDRESS_SHAPES, MANAGED_SENDER, OPERATOR_SHAPES, RELEASE_LOGS
from .data import message_info
from .state import ApiError, State
from .tenants import CREDENTIAL_KEYS, DEFAULT_TENANT, tenant_credentials, tenant_index, tenant_names

HOLD_LIST = '/api/gateway/get-hold-message-list'
RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'
QUEUE = '/api/gateway/find-processing-messages'
INFO = '/api/message-finder/get-message-info'
SUMMARY = '/api/gateway/get-hold-summary-list'
TOKEN = '/oauth/token'
API_PATHS = (HOLD_LIST, RELEASE, REJECT, QUEUE, INFO, SUMMARY, MANAGED_SENDER, RELEASE_LOGS)
WRITE_PATHS = (RELEASE, REJECT)
# how release/reject answer an id no message ever had: a fail entry err_message_not_found, or as a message not held
UNKNOWN_ID_STYLES = ('not_found', 'not_held')
FAULT_KINDS = ('latency', 'status_503', 'status_500', 'status_429', 'status_418', 'drop_before', 'drop_after', 'slow', 'malformed', 'html',
               'truncated', 'token_expired')
NOMINAL_LIMIT = 10000
DATE_FORMATS = ('%a, %d %b %Y %H:%M:%S UTC', '%a, %d %b %Y %H:%M:%S GMT')


class Drop(Exception):
    """Close the connection without an answer."""


def fail_entry(code, message, key=None, field=None, retryable=False):
    return {'key': key if key is not None else {}, 'errors': [{'code': code, 'message': message, 'retryable': retryable, 'field': field}]}


def envelope(status, data=None, fail=None, meta_extra=None):
    meta = {'status': status}
    if meta_extra:
        meta.update(meta_extra)
    return {'meta': meta, 'data': data if data is not None else [], 'fail': fail or []}


class Fault:
    """One injected fault; fires with a probability or for the next `count` matching requests."""

    def __init__(self, kind, path='*', probability=None, count=None, ms=None, seconds=None):
        if kind not in FAULT_KINDS:
            raise ValueError('unknown fault kind %r (known: %s)' % (kind, ', '.join(FAULT_KINDS)))
        self.kind = kind
        self.path = path or '*'
        if count is None and probability is None and kind == 'token_expired':
            count = 1
        self.count = None if count is None else int(count)
        self.probability = 1.0 if probability is None else float(probability)
        if not 0 <= self.probability <= 1:
            raise ValueError('probability must be between 0 and 1')
        self.ms = float(ms if ms is not None else 100)
        self.seconds = float(seconds if seconds is not None else 10)

    @classmethod
    def parse(cls, text):
        """KIND[:PATH][:PROBABILITY][:key=value...] with keys ms, seconds, count, probability."""
        parts = text.split(':')
        kw = {'kind': parts[0]}
        positional = []
        for part in parts[1:]:
            if '=' in part:
                key, val = part.split('=', 1)
                if key not in ('ms', 'seconds', 'count', 'probability'):
                    raise ValueError('unknown fault option %r' % key)
                kw[key] = val
            else:
                positional.append(part)
        if positional:
            kw['path'] = positional[0] or '*'
        if len(positional) > 1:
            kw['probability'] = positional[1]
        return cls(**kw)

    def matches(self, path):
        if self.count is not None and self.count <= 0:
            return False
        if self.path == '*':
            return path.startswith('/api/')
        return self.path == path

    def to_dict(self):
        return {'kind': self.kind, 'path': self.path, 'probability': self.probability, 'count': self.count, 'ms': self.ms, 'seconds': self.seconds}


def _item_id(item, fail):
    """The ``id`` of a ``{"id": ...}`` data item; None, with a fail entry added, when it has none."""
    mid = item.get('id') if isinstance(item, dict) else None
    if not mid or not isinstance(mid, str):
        fail.append(fail_entry('err_validation_null', 'id is required', key=item if isinstance(item, dict) else {}, field='id'))
        return None
    return mid


@functools.lru_cache(maxsize=512)
def _mc_date(date):
    """The x-mc-date header as a timestamp, or None (clients send the same second many times)."""
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(date, fmt).replace(tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            continue
    return None


# where a request's answer was decided: the statistics it counts in (see Tenant.record)
DECIDED_IN = 'mimecast_sim.decided_in'
# the tenant a request's credentials name, or None
TENANT = 'mimecast_sim.tenant'
ALL_TENANTS = '*'


def sum_stats(many):
    """The statistics of several tenants added up (same shape as one tenant's)."""
    out = {}
    for stats in many:
        for key, val in stats.items():
            out[key] = sum_stats([out.get(key, {}), val]) if isinstance(val, dict) else out.get(key, 0) + val
    return out


class Lateness:
    """A running estimate of how late asyncio's sleeps wake up, to inject the configured latency on average.

    asyncio.sleep wakes up late: the epoll timeout is rounded up to a whole millisecond, and a timer that
    falls due while the loop is answering another request waits for it (about 1 ms per request with four
    clients on 2 cores). Each sleep is shortened by the estimate, so that clients see the configured
    latency on average, as they would a network's.
    """

    def __init__(self, weight=0.2):
        self.weight = weight
        self.seconds = 0.0

    def sleep_for(self, latency):
        """How long to sleep for ``latency`` seconds (never less than zero)."""
        return max(0.0, latency - self.seconds) if latency > 0 else 0.0

    def observe(self, latency, asked, took):
        """A sleep of ``asked`` seconds for ``latency`` took ``took``: update the estimate (0 to ``latency``)."""
        late = self.seconds + self.weight * ((took - asked) - self.seconds)
        self.seconds = min(latency, max(0.0, late))


class Tenant:
    """One tenant: its credentials, data, configuration overrides, own faults, statistics, rate limit and request ids.

    ``config`` reads the tenant's overrides first, then the simulator's configuration. The API functions
    (``handle`` and the handlers it calls) act on this tenant's state only.
    """

    def __init__(self, name, creds, opts, config):
        self.name = name
        self.creds = creds
        self.secret_bytes = base64.b64decode(creds['secret_key'])
        self.seed_offset = tenant_index(name) - 1
        self.state = State(opts.held, opts.seed + self.seed_offset, opts.api_user, opts.processing, opts.bulk, opts.release_history,
                           opts.release_history_days)
        self.overrides = {}
        self.config = collections.ChainMap(self.overrides, config)
        self.faults = []
        self.fault_rng = random.Random(opts.seed + self.seed_offset)
        self.req_ids = set()
        self.hits = collections.deque()
        self.reset_stats()

    def reset(self, held, seed, processing, bulk, release_history, release_history_days):
        """Re-seed (``seed`` is the base seed: this tenant adds its offset); clear stats, rate limit, own faults and overrides."""
        seed = int(seed) + self.seed_offset
        self.state.reset(held, seed, processing, bulk, release_history, release_history_days)
        self.faults = []
        self.fault_rng = random.Random(seed)
        self.hits.clear()
        self.overrides.clear()
        self.reset_stats()

    def reset_stats(self):
        self.stats = {'total': 0, 'by_path': {}, 'writes': 0, 'write_requests': 0, 'sender_sets': 0,
                      'latency': {'requests': 0, 'asked_ms': 0.0, 'injected_ms': 0.0}}
        self.recent = collections.deque(maxlen=1000)
        self.seq = 0

    def record(self, request, status, items, outcome, auth, stats):
        """Count a request in ``stats``, the statistics current when its answer was decided.

        A request answered before a reset but sent after it (a slow fault answering after the client gave
        up, for example) belongs to the run before it and is not counted in the new statistics.
        """
        if stats is not self.stats:
            return
        self.seq += 1
        path = request.path
        self.stats['total'] += 1
        per = self.stats['by_path'].setdefault(path, {})
        per[str(status)] = per.get(str(status), 0) + 1
        self.recent.append({'seq': self.seq, 'at': time.strftime('%Y-%m-%dT%H:%M:%S+0000', time.gmtime()), 'method': request.method,
                            'path': path, 'status': status, 'items': items, 'outcome': outcome, 'auth': auth})

    # ---- rate limit ------------------------------------------------------------
    def rate_headers(self, consume):
        limit = int(self.config['rate_limit'] or 0)
        if limit <= 0:
            return True, {'X-RateLimit-Limit': str(NOMINAL_LIMIT), 'X-RateLimit-Remaining': str(NOMINAL_LIMIT), 'X-RateLimit-Reset': '0'}
        window = float(self.config['rate_window'])
        now = time.monotonic()
        while self.hits and self.hits[0] <= now - window:
            self.hits.popleft()
        allowed = len(self.hits) < limit
        if allowed and consume:
            self.hits.append(now)
        reset_ms = int(max(0.0, (self.hits[0] + window - now)) * 1000) if self.hits else 0
        headers = {'X-RateLimit-Limit': str(limit), 'X-RateLimit-Remaining': str(max(0, limit - len(self.hits))), 'X-RateLimit-Reset': str(reset_ms)}
        if not allowed and self.config['retry_after']:
            headers['Retry-After'] = str(max(1, -(-reset_ms // 1000)))
        return allowed, headers

    # ---- clock -----------------------------------------------------------------
    def now(self):
        return time.time() + float(self.config['clock_offset'])

    # ---- API functions -------------------------------------------------------------
    def handle(self, path, body, data, auth):
        if not isinstance(data, list):
            raise ApiError('err_validation_null', 'data must be a list', 'data')
        if path == SUMMARY:
            return envelope(200, self.state.summary())
        if path == HOLD_LIST:
            item = data[0] if data else {}
            if not isinstance(item, dict):
                raise ApiError('err_validation_invalid_item', 'data[0] must be an object', 'data')
            page, pagination = self.state.hold_page(item, body.get('meta'))
            meta = json.dumps({'status': 200, 'pagination': pagination}, separators=(',', ':'))
            return '{"meta":%s,"data":[%s],"fail":[]}' % (meta, ','.join(m.json for m in page))
        if path == QUEUE:
            item = data[0] if data else {}
            page, pagination = self.state.queue_page(item, body.get('meta'))
            meta = json.dumps({'status': 200, 'pagination': pagination}, separators=(',', ':'))
            return '{"meta":%s,"data":[{"messages":[%s]}],"fail":[]}' % (meta, ','.join(q['json'] for q in page))
        if path == INFO:
            return self.get_info(data)
        if path == MANAGED_SENDER:
            return self.managed_sender(self.state, data, auth)
        if path == RELEASE_LOGS:
            return self.release_logs(self.state, body, data, auth)
        if path == RELEASE:
            return self.release(data, auth)
        return self.reject(data, auth)

    def get_info(self, data):
        out, fail = [], []
        for item in data:
            mid = _item_id(item, fail)
            if mid is None:
                continue
            msg = self.state.by_id.get(mid)
            if msg is not None:
                out.append(message_info(msg))
            elif mid in self.state.queue_by_id:
                q = self.state.queue_by_id[mid]['record']
                out.append({'id': mid, 'status': 'processing', 'recipientInfo': {'messageInfo': {
                    'fromHeader': q['fromHeader']['emailAddress'], 'fromEnvelope': q['fromEnv']['emailAddress'], 'to': [q['to']['emailAddress']],
                    'cc': [], 'subject': q['subject'], 'sent': q['created'], 'processed': q['created'], 'transmissionInfo': ''}}, 'deliveredMessage': {}})
            else:
                fail.append(fail_entry('err_message_not_found', 'No message with this id', key={'id': mid}, field='id'))
        return envelope(200, out, fail)

    def _not_held(self, mid, flag, out, fail):
        if self.config['unknown_id_style'] == 'not_found' and not self.state.knows(mid):
            # an id no message ever had (a typo, another tenant's): said so, whatever not_held_style is
            fail.append(fail_entry('err_message_not_found', 'No message with this id', key={'id': mid}, field='id'))
            return
        if self.config['not_held_style'] == 'false':
            out.append({'id': mid, flag: False})
        else:
            fail.append(fail_entry('err_hold_message_not_found', 'The message is not held (released, rejected, expired or unknown)',
                                   key={'id': mid}, field='id'))

    def _act(self, action, mid, auth, out, fail, *details):
        """Release or reject ``mid`` (``details``: a reject's reason type, message and notify); answer in ``out`` or ``fail``."""
        if self.state.act(action, mid, auth, *details):
            self.stats['writes'] += 1
            out.append({'id': mid, action: True})
        else:
            self._not_held(mid, action, out, fail)

    def release(self, data, auth):
        out, fail = [], []
        for item in data:
            mid = _item_id(item, fail)
            if mid is None:
                continue
            self._act('release', mid, auth, out, fail)
        self.stats['write_requests'] += 1
        return envelope(200, out, fail)

    def reject(self, data, auth):
        out, fail = [], []
        for item in data:
            if not isinstance(item, dict):
                fail.append(fail_entry('err_validation_invalid_item', 'each data item must be an object', key={}))
                continue
            ids = item.get('ids')
            if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
                fail.append(fail_entry('err_validation_null', 'ids must be a non-empty list of message ids', key=item, field='ids'))
                continue
            reason_type = item.get('reasonType')
            if reason_type is not None and reason_type not in REJECT_REASON_TYPES:
                fail.append(fail_entry('err_validation_invalid_reason_type', 'reasonType must be one of: ' + ', '.join(REJECT_REASON_TYPES),
                                       key=item, field='reasonType'))
                continue
            notify = item.get('notify', False)
            if isinstance(notify, str) and notify.lower() in ('true', 'false'):
                notify = notify.lower() == 'true'
            if not isinstance(notify, bool):
                fail.append(fail_entry('err_validation_invalid_boolean', 'notify must be true or false', key=item, field='notify'))
                continue
            message = item.get('message')
            for mid in ids:
                self._act('reject', mid, auth, out, fail, reason_type, message, notify)
        self.stats['write_requests'] += 1
        return envelope(200, out, fail)

    def managed_sender(self, state, data, auth):
        """permit-or-block-sender: each valid item upserts the (sender, to) entry of ``state``; bad items get a fail entry."""
        out, fail = console.set_managed_senders(state, data, auth)
        self.stats['sender_sets'] += len(out)
        return envelope(200, out, fail)

    def release_logs(self, state, body, data, auth):
        """get-held-release-logs: one page of ``state``'s log (what it released or rejected, and its seeded history)."""
        del auth
        item = data[0] if data else {}
        records, pagination = console.release_log_page(state, item, body.get('meta'), self.config, now=self.now())
        return envelope(200, [{'heldReleaseLogs': records}], meta_extra={'pagination': pagination})


class Simulator:
    """Holds the configuration and the tenants; `app()` builds the aiohttp application."""

    def __init__(self, opts):
        self.opts = opts
        self.config = {
            'not_held_style': opts.not_held_style, 'unknown_id_style': opts.unknown_id_style,
            'binding_expired': opts.binding_expired, 'clock_offset': opts.clock_offset,
            'rate_limit': opts.rate_limit, 'rate_window': opts.rate_window, 'latency_ms': opts.latency_ms, 'token_ttl': opts.token_ttl,
            'retry_after': opts.retry_after, 'date_window': opts.date_window,
            'release_log_operator': opts.release_log_operator,
            'release_log_address': opts.release_log_address,
            'release_log_forbidden': opts.release_log_forbidden,
        }
        base = {key: getattr(opts, key) for key in CREDENTIAL_KEYS}
        self.tenants = {name: Tenant(name, tenant_credentials(base, name), opts, self.config)
                        for name in tenant_names(getattr(opts, 'tenants', 1))}
        self.default = self.tenants[DEFAULT_TENANT]
        # who is calling is a dict lookup: by access key (1.0), client id (token endpoint) or bearer token (2.0)
        self.by_access_key = {t.creds['access_key']: t for t in self.tenants.values()}
        self.by_client_id = {t.creds['client_id']: t for t in self.tenants.values()}
        if len(self.by_access_key) != len(self.tenants) or len(self.by_client_id) != len(self.tenants):
            raise ValueError('every tenant needs its own access key and client id')
        self.tokens = {}  # bearer token: (tenant, expiry)
        self.faults = [Fault.parse(f) for f in (opts.fault or [])]  # every tenant's; a tenant's own are in Tenant.faults
        self.fault_rng = random.Random(opts.seed)
        self.lateness = Lateness()
        self.log_stream = open(opts.log_file, 'a', encoding='utf-8') if opts.log_file else sys.stderr  # pylint: disable=consider-using-with

    # ---- latency ---------------------------------------------------------------
    async def inject_latency(self, tenant, seconds, fault_seconds=0.0):
        """Delay an answer to ``tenant`` by the configured latency ``seconds``, on average exactly, plus ``fault_seconds``.

        A latency fault is never shortened (see :class:`Lateness`). /_sim/stats counts what was asked and
        what the sleeps took.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        asked = self.lateness.sleep_for(seconds) + fault_seconds
        await asyncio.sleep(asked)
        took = loop.time() - started
        if seconds > 0:
            self.lateness.observe(seconds, asked, took)
        # counted with the request, in the statistics current when it goes on (see Tenant.record)
        counted = tenant.stats['latency']
        counted['requests'] += 1
        counted['asked_ms'] += (seconds + fault_seconds) * 1000.0
        counted['injected_ms'] += took * 1000.0

    # ---- logging ---------------------------------------------------------------
    def log(self, request, status, started, outcome, tenant):
        """One access-log line; ``tenant`` is the one the credentials name (None: ``tenant=-``). Never a secret."""
        req_id = request.headers.get('x-mc-req-id', '-')
        if len(req_id) > 64 or not all(c.isalnum() or c in '-_' for c in req_id):
            req_id = '(invalid)'
        line = '%s %s %s %s %d %.1fms req_id=%s tenant=%s %s\n' % (
            time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime()), request.remote, request.method, request.path, status,
            (time.monotonic() - started) * 1000, req_id, tenant.name if tenant is not None else '-', outcome)
        self.log_stream.write(line)
        self.log_stream.flush()

    # ---- auth ------------------------------------------------------------------
    def identify(self, header):
        """The tenant an Authorization header names, by access key or bearer token, or None (no signature checked)."""
        if header.startswith('Bearer '):
            entry = self.tokens.get(header[7:].strip())
            return entry[0] if entry is not None else None
        if header.startswith('MC '):
            return self.by_access_key.get(header[3:].split(':', 1)[0])
        return None

    def check_auth(self, request, tenant):
        """Check the request against the credentials of ``tenant`` (the one it names, or None).

        Return ('1.0'|'2.0', None) or (auth, (status, code, message)).
        """
        header = request.headers.get('Authorization')
        if not header:
            return None, (401, 'err_xdk_missing_authorization', 'Authorization header missing')
        if header.startswith('Bearer '):
            entry = self.tokens.get(header[7:].strip())
            if entry is None:
                return '2.0', (401, 'token_invalid', 'The bearer token is not known (never issued or revoked)')
            if time.time() >= entry[1]:
                return '2.0', (401, 'token_expired', 'The bearer token has expired; request a new one')
            return '2.0', None
        if not header.startswith('MC ') or ':' not in header[3:]:
            return '1.0', (401, 'err_xdk_invalid_authorization_header', "Authorization header must be 'MC accessKey:signature'")
        access_key, signature = header[3:].split(':', 1)
        if not access_key or not signature:
            return '1.0', (401, 'err_xdk_invalid_authorization_header', "Authorization header must be 'MC accessKey:signature'")
        if tenant is None:
            return '1.0', (401, 'err_xdk_invalid_access_key', 'The access key is not known')
        creds, config = tenant.creds, tenant.config
        if config['binding_expired']:
            return '1.0', (418, 'err_xdk_binding_expired', 'The access key binding has expired: create new access and secret keys')
        if request.headers.get('x-mc-app-id') != creds['app_id']:
            return '1.0', (401, 'err_xdk_invalid_app_id', 'x-mc-app-id is missing or does not match the application')
        date = request.headers.get('x-mc-date', '')
        parsed = _mc_date(date)
        if parsed is None:
            return '1.0', (401, 'err_xdk_invalid_date', "x-mc-date is missing or not in the form 'Tue, 24 Nov 2015 12:50:11 UTC'")
        skew = parsed - tenant.now()
        if abs(skew) > float(config['date_window']):
            where = 'ahead of' if skew > 0 else 'behind'
            message = 'x-mc-date is %d seconds %s the server clock (allowed %d)' % (abs(skew), where, config['date_window'])
            return '1.0', (401, 'err_xdk_request_date_out_of_range', message)
        req_id = request.headers.get('x-mc-req-id', '')
        if not req_id:
            return '1.0', (401, 'err_xdk_missing_request_id', 'x-mc-req-id header missing')
        if req_id in tenant.req_ids:
            return '1.0', (401, 'err_xdk_duplicate_request_id', 'x-mc-req-id has been used before: use a fresh id for every request, retries included')
        data = ':'.join([date, req_id, request.path, creds['app_key']])
        expected = base64.b64encode(hmac.new(tenant.secret_bytes, data.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
            return '1.0', (401, 'err_xdk_invalid_signature', '0004 Invalid Signature')
        tenant.req_ids.add(req_id)
        return '1.0', None

    # ---- faults ----------------------------------------------------------------
    def pick_faults(self, tenant, path, auth_header):
        """Return (extra latency ms, the first other fault that fires or None): every tenant's faults, then ``tenant``'s own."""
        extra = 0.0
        chosen = None
        for faults, rng in ((self.faults, self.fault_rng), (tenant.faults, tenant.fault_rng)):
            for fault in faults:
                if not fault.matches(path):
                    continue
                if fault.kind == 'token_expired' and not auth_header.startswith('Bearer '):
                    continue
                if fault.kind != 'latency' and chosen is not None:
                    continue
                if fault.count is None and rng.random() >= fault.probability:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                if fault.kind == 'latency':
                    extra += fault.ms
                else:
                    chosen = fault
        return extra, chosen

    # ---- main dispatch ---------------------------------------------------------
    async def dispatch(self, request):
        started = time.monotonic()
        path = request.path
        if path.startswith('/_sim/'):
            return await self.control(request)
        auth = None
        items = 0
        try:
            resp, auth, items, outcome = await self._api(request, path)
            status = resp.status
        except Drop:
            resp, status, outcome = None, 0, 'dropped'
        named = request.get(TENANT)
        tenant = named or self.default  # credentials naming no tenant count as the default tenant's
        tenant.record(request, status, items, outcome, auth, request.get(DECIDED_IN, tenant.stats))
        self.log(request, status, started, outcome, named)
        if resp is None:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError() from None
        return resp

    def _json(self, status, body, headers):
        return web.Response(status=status, text=json.dumps(body, separators=(',', ':')), content_type='application/json', headers=headers)

    async def _api(self, request, path):
        auth_header = request.headers.get('Authorization', '')
        request[TENANT] = self.identify(auth_header)
        if path != TOKEN and path not in API_PATHS:
            return self._json(404, envelope(404, fail=[fail_entry('err_not_found', 'Unknown endpoint %s' % path)]), {}), None, 0, 'not_found'
        if request.method != 'POST':
            return self._json(405, envelope(405, fail=[fail_entry('err_method_not_allowed', 'Use POST')]), {'Allow': 'POST'}), None, 0, 'bad_method'
        client = None
        if path == TOKEN:
            client = await self.client_credentials(request)
            request[TENANT] = self.by_client_id.get(client[1])
        tenant = request[TENANT] or self.default
        allowed, rl_headers = tenant.rate_headers(consume=True)
        if not allowed:
            body = envelope(429, fail=[fail_entry('err_rate_limit_exceeded', 'Rate limit exceeded; retry after X-RateLimit-Reset ms', retryable=True)])
            return self._json(429, body, rl_headers), None, 0, 'rate_limited'
        extra_ms, fault = self.pick_faults(tenant, path, auth_header)
        latency_ms = float(tenant.config['latency_ms'])
        if latency_ms > 0 or extra_ms > 0:
            await self.inject_latency(tenant, latency_ms / 1000.0, extra_ms / 1000.0)
        if path == TOKEN:
            resp = self.token(request[TENANT], client, rl_headers)
            return resp, '2.0', 0, 'token' if resp.status == 200 else 'token_refused'
        raw = await request.read()
        try:
            body = json.loads(raw or b'{}')
            if not isinstance(body, dict):
                raise ValueError('not an object')
        except ValueError:
            bad = envelope(400, fail=[fail_entry('err_invalid_json', 'The request body is not a JSON object')])
            return self._json(400, bad, rl_headers), None, 0, 'bad_json'
        data = body.get('data')
        items = len(data) if isinstance(data, list) else 0
        if path == REJECT and isinstance(data, list):
            items = sum(len(d.get('ids') or []) for d in data if isinstance(d, dict) and isinstance(d.get('ids'), list))
        auth, err = self.check_auth(request, request[TENANT])
        if err:
            status, code, message = err
            return self._json(status, envelope(status, fail=[fail_entry(code, message)]), rl_headers), auth, items, 'auth:' + code
        if fault is not None:
            early = self.fault_before(tenant, fault, rl_headers)
            if early is not None:
                return early, auth, items, 'fault:' + fault.kind
        try:
            result = tenant.handle(path, body, data, auth)
        except ApiError as exc:
            key = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
            if exc.field in ('pageSize', 'pageToken', 'pagination'):
                key = (body.get('meta') or {}).get('pagination') or {}
            result = envelope(exc.status, fail=[fail_entry(exc.code, exc.message, key=key, field=exc.field)])
            return self._json(exc.status, result, rl_headers), auth, items, 'invalid:' + exc.code
        text = result if isinstance(result, str) else json.dumps(result, separators=(',', ':'))
        if fault is not None:
            request[DECIDED_IN] = tenant.stats  # a slow answer may be sent after a reset
            return await self.fault_after(fault, text, rl_headers), auth, items, 'fault:' + fault.kind
        return web.Response(status=200, text=text, content_type='application/json', headers=rl_headers), auth, items, 'ok'

    def fault_before(self, tenant, fault, headers):
        kind = fault.kind
        if kind in ('status_503', 'status_500'):
            status = int(kind[-3:])
            code = 'err_service_unavailable' if status == 503 else 'err_internal_server_error'
            return self._json(status, envelope(status, fail=[fail_entry(code, 'Injected %d' % status, retryable=True)]), headers)
        if kind == 'status_418':
            return self._json(418, envelope(418, fail=[fail_entry('err_xdk_binding_expired', 'The access key binding has expired')]), headers)
        if kind == 'status_429':
            hdrs = dict(headers, **{'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': str(int(fault.ms if fault.ms != 100 else 1000))})
            if tenant.config['retry_after']:
                hdrs['Retry-After'] = str(max(1, -(-int(hdrs['X-RateLimit-Reset']) // 1000)))
            return self._json(429, envelope(429, fail=[fail_entry('err_rate_limit_exceeded', 'Rate limit exceeded (burst)', retryable=True)]), hdrs)
        if kind == 'token_expired':
            return self._json(401, envelope(401, fail=[fail_entry('token_expired', 'The bearer token has expired; request a new one')]), headers)
        if kind == 'drop_before':
            raise Drop()
        if kind == 'html':
            page = '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>'
            return web.Response(status=502, text=page, content_type='text/html', headers=headers)
        if kind == 'malformed':
            return web.Response(status=200, text='{"meta": {"status": 200}, "data": [{"id": oops', content_type='application/json', headers=headers)
        return None

    async def fault_after(self, fault, text, headers):
        kind = fault.kind
        if kind == 'drop_after':
            raise Drop()
        if kind == 'slow':
            await asyncio.sleep(fault.seconds)
        if kind == 'truncated':
            text = text[:max(1, len(text) // 2)]
        return web.Response(status=200, text=text, content_type='application/json', headers=headers)

    # ---- token endpoint ----------------------------------------------------------
    @staticmethod
    async def client_credentials(request):
        """(form, client id, client secret) of a token request: from the form, else from HTTP Basic."""
        form = await request.post()
        client_id = form.get('client_id', '')
        client_secret = form.get('client_secret', '')
        basic = request.headers.get('Authorization', '')
        if basic.startswith('Basic ') and not client_id:
            try:
                client_id, client_secret = base64.b64decode(basic[6:]).decode().split(':', 1)
            except (ValueError, binascii.Error, UnicodeDecodeError):
                client_id = client_secret = ''
        return form, str(client_id), str(client_secret)

    def token(self, tenant, client, headers):
        """Issue a bearer token bound to ``tenant`` (the one the client id names, or None) if the client secret is its own."""
        form, dummy, client_secret = client
        if form.get('grant_type') != 'client_credentials':
            return self._json(400, {'error': 'unsupported_grant_type', 'error_description': 'grant_type must be client_credentials'}, headers)
        if tenant is None or not hmac.compare_digest(client_secret.encode(), tenant.creds['client_secret'].encode()):
            return self._json(401, {'error': 'invalid_client', 'error_description': 'Client authentication failed'}, headers)
        token = secrets.token_urlsafe(32)
        ttl = float(tenant.config['token_ttl'])
        self.tokens[token] = (tenant, time.time() + ttl)
        return self._json(200, {'access_token': token, 'token_type': 'Bearer', 'expires_in': int(ttl) if ttl == int(ttl) else ttl}, headers)

    # ---- control endpoints -------------------------------------------------------------
    async def control(self, request):
        remote = request.remote or ''
        if remote not in ('127.0.0.1', '::1') and not remote.startswith('127.'):
            return web.json_response({'error': 'control endpoints answer loopback clients only'}, status=403)
        path, method = request.path, request.method
        name = request.query.get('tenant')
        if name is not None and name != ALL_TENANTS and name not in self.tenants:
            return web.json_response({'error': 'unknown tenant %r (tenants: %s)' % (name, ', '.join(self.tenants))}, status=404)
        body = {}
        if method in ('POST', 'PUT'):
            try:
                raw = await request.read()
                body = json.loads(raw) if raw else {}
            except ValueError:
                return web.json_response({'error': 'body must be JSON'}, status=400)
            if not isinstance(body, dict):
                return web.json_response({'error': 'body must be a JSON object'}, status=400)
        try:
            return self._control(path, method, body, name)
        except (ValueError, TypeError, KeyError) as exc:
            return web.json_response({'error': str(exc)}, status=400)
        except ApiError as exc:
            return web.json_response({'error': exc.message}, status=400)

    def tenant(self, name):
        """The tenant a control request names (None: the default tenant)."""
        if name == ALL_TENANTS:
            raise ValueError('tenant=%s is accepted by /_sim/reset and /_sim/stats only' % ALL_TENANTS)
        return self.default if name is None else self.tenants[name]

    def _control(self, path, method, body, name):
        """Answer a control request about tenant ``name`` (None: the default one; config and faults: every tenant's)."""
        get = method == 'GET'
        if path == '/_sim/tenants' and get:
            return web.json_response(list(self.tenants))
        if path == '/_sim/state' and get:
            state = self.tenant(name).state
            snap = state.snapshot()
            snap.update(console.snapshot(state))
            return web.json_response(snap)
        if path == '/_sim/audit' and get:
            return web.json_response(self.tenant(name).state.audit)
        if path == '/_sim/stats' and get:
            if name == ALL_TENANTS:
                per = {t.name: t.stats for t in self.tenants.values()}
                return web.json_response(dict(sum_stats(per.values()), tenants=per))
            return web.json_response(self.tenant(name).stats)
        if path == '/_sim/requests' and get:
            return web.json_response(list(self.tenant(name).recent))
        if path == '/_sim/config':
            tenant = None if name is None else self.tenant(name)
            if method == 'POST':
                self.set_config(body, tenant)
            return web.json_response(self.config if tenant is None else dict(tenant.config))
        if path == '/_sim/faults':
            owner = self if name is None else self.tenant(name)  # both keep .faults and .fault_rng
            if method == 'POST':
                owner.faults = [Fault(**f) for f in body.get('faults', [])]
                if body.get('seed') is not None:
                    owner.fault_rng = random.Random(body['seed'])
            elif method == 'DELETE':
                owner.faults = []
            return web.json_response([f.to_dict() for f in owner.faults])
        if path == '/_sim/reset' and method == 'POST':
            return self.reset(body, name)
        if path == '/_sim/messages' and method == 'POST':
            items = body.get('messages', body.get('data'))
            if not isinstance(items, list):
                raise ValueError('send {"messages": [ {...API record fields...} ]}')
            return web.json_response({'added': self.tenant(name).state.add_messages(items)})
        return web.json_response({'error': 'unknown control endpoint or method'}, status=404)

    def reset(self, body, name):
        """Re-seed tenant ``name`` (None: the default one, ``*``: all); without a tenant or with ``*`` also clear every tenant's faults."""
        seed = int(body.get('seed', self.opts.seed))
        args = (int(body.get('held', self.opts.held)), seed, int(body.get('processing', self.opts.processing)),
                int(body.get('bulk', self.opts.bulk)), int(body.get('release_history', self.opts.release_history)),
                float(body.get('release_history_days', self.opts.release_history_days)))
        targets = list(self.tenants.values()) if name == ALL_TENANTS else [self.tenant(name)]
        for tenant in targets:
            tenant.reset(*args)
        if name is None or name == ALL_TENANTS:
            self.faults = []
            self.fault_rng = random.Random(seed)
        if 'not_held_style' in body:
            self.set_config({'not_held_style': body['not_held_style']}, None if name in (None, ALL_TENANTS) else targets[0])
        if name == ALL_TENANTS:
            return web.json_response({t.name: t.state.snapshot()['counts'] for t in targets})
        return web.json_response(targets[0].state.snapshot()['counts'])

    def set_config(self, body, tenant=None):
        """Set configuration keys for every tenant, or override them for ``tenant`` only."""
        target = self.config if tenant is None else tenant.overrides
        for key, val in body.items():
            target[key] = self._config_value(key, val)
            if key == 'rate_limit':
                for limited in ([tenant] if tenant is not None else self.tenants.values()):
                    limited.hits.clear()

    def _config_value(self, key, val):
        """``val`` checked and converted for configuration key ``key``."""
        if key not in self.config:
            raise ValueError('unknown config key %r' % key)
        if key == 'not_held_style' and val not in ('fail', 'false'):
            raise ValueError('not_held_style must be fail or false')
        if key == 'unknown_id_style' and val not in UNKNOWN_ID_STYLES:
            raise ValueError('unknown_id_style must be one of: ' + ', '.join(UNKNOWN_ID_STYLES))
        if key == 'release_log_operator' and val not in OPERATOR_SHAPES:
            raise ValueError('release_log_operator must be one of: ' + ', '.join(OPERATOR_SHAPES))
        if key == 'release_log_address' and val not in ADDRESS_SHAPES:
            raise ValueError('release_log_address must be one of: ' + ', '.join(ADDRESS_SHAPES))
        if key in ('binding_expired', 'retry_after', 'release_log_forbidden'):
            return bool(val)
        if key in ('clock_offset', 'rate_window', 'latency_ms', 'token_ttl', 'date_window'):
            return float(val)
        if key == 'rate_limit':
            return int(val)
        return val

    def app(self):
        application = web.Application(client_max_size=32 * 1024 * 1024)
        application.router.add_route('*', '/{tail:.*}', self.dispatch)
        return application
