"""Simulator state: held messages, processing queue, filters, cursors, audit."""

import base64
import bisect
import hashlib
import json
import random
import time
import zlib

from . import DEFAULT_API_USER
from .data import HISTORY_DAYS, make_held, make_processing, make_release_history, message_from_fields, parse_api_date


class ApiError(Exception):
    """A request-level validation error: HTTP 400 with one fail entry."""

    def __init__(self, code, message, field=None, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status


def fingerprint(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(',', ':')).encode()).hexdigest()[:16]


def encode_token(payload):
    raw = zlib.compress(json.dumps(payload, separators=(',', ':')).encode(), 9)
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def decode_token(token, fp):
    try:
        raw = base64.urlsafe_b64decode(token + '=' * (-len(token) % 4))
        payload = json.loads(zlib.decompress(raw))
        key = (int(payload['k'][0]), str(payload['k'][1]))
        direction = payload['d']
        if payload['v'] != 1 or direction not in ('n', 'p'):
            raise ValueError('bad token')
        token_fp = payload['f']
    except (ValueError, TypeError, KeyError, IndexError, zlib.error, UnicodeDecodeError, AttributeError) as exc:
        raise ApiError('err_invalid_page_token', 'The page token could not be decoded', 'pageToken') from exc
    if token_fp != fp:
        raise ApiError('err_invalid_page_token', 'The page token belongs to a different search (filter changed)', 'pageToken')
    return key, direction


def _bool(value, field):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    raise ApiError('err_validation_invalid_boolean', '%s must be true or false' % field, field)


def _date(value, field):
    if value in (None, ''):
        return None
    if not isinstance(value, str):
        raise ApiError('err_validation_invalid_date', '%s must be a date string like 2011-12-03T10:15:30+0000' % field, field)
    try:
        return parse_api_date(value)
    except ValueError as exc:
        raise ApiError('err_validation_invalid_date', '%s must be a date string like 2011-12-03T10:15:30+0000' % field, field) from exc


def page_size_of(meta):
    pag = (meta or {}).get('pagination') or {}
    if not isinstance(pag, dict):
        raise ApiError('err_validation_invalid_pagination', 'meta.pagination must be an object', 'pagination')
    size = pag.get('pageSize', 100)
    if isinstance(size, str) and size.isdigit():
        size = int(size)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 500:
        raise ApiError('err_validation_invalid_page_size', 'pageSize must be an integer between 1 and 500', 'pageSize')
    token = pag.get('pageToken')
    if token is not None and not isinstance(token, str):
        raise ApiError('err_invalid_page_token', 'pageToken must be a string', 'pageToken')
    return size, token or None


def normalise_filter_by(value, allowed):
    """Accept [{fieldName, value}] and {field: value}; return {field: [values]}."""
    out = {}
    if value in (None, '', [], {}):
        return out
    if isinstance(value, dict):
        items = [{'fieldName': k, 'value': v} for k, v in value.items()]
    elif isinstance(value, list):
        items = value
    else:
        raise ApiError('err_validation_invalid_filter', 'filterBy must be a list or an object', 'filterBy')
    for item in items:
        if not isinstance(item, dict):
            raise ApiError('err_validation_invalid_filter', 'filterBy entries must be objects', 'filterBy')
        name = str(item.get('fieldName', '')).replace('_', '').lower()
        if name not in allowed:
            raise ApiError('err_validation_invalid_filter', 'Unknown filterBy fieldName %r' % item.get('fieldName'), 'filterBy.fieldName')
        field = allowed[name]
        val = item.get('value')
        if field == 'attachments':
            val = _bool(val, 'filterBy.attachments')
        else:
            val = str(val if val is not None else '').lower()
            if val in ('', 'all'):
                continue
        out.setdefault(field, [])
        if val not in out[field]:
            out[field].append(val)
    return {k: sorted(v, key=str) for k, v in out.items()}


HOLD_SEARCH_FIELDS = {'all': 'all', 'subject': 'subject', 'sender': 'sender', 'recipient': 'recipient', 'reasoncode': 'reasoncode',
                      'senderip': 'senderip'}
HOLD_FILTER_FIELDS = {'route': 'route', 'heldgroup': 'heldGroup', 'attachments': 'attachments'}
QUEUE_SEARCH_FIELDS = {'all': 'all', 'fromaddress': 'fromAddress', 'toaddress': 'toAddress', 'subject': 'subject', 'info': 'info',
                       'remoteip': 'remoteIp'}
QUEUE_FILTER_FIELDS = {'route': 'route', 'attachments': 'attachments'}


def _search(value, allowed):
    if value in (None, {}, ''):
        return None
    if not isinstance(value, dict):
        raise ApiError('err_validation_invalid_search', 'searchBy must be an object', 'searchBy')
    text = value.get('value')
    name = value.get('fieldName') or 'all'
    key = str(name).replace('_', '').lower()
    if key not in allowed:
        raise ApiError('err_validation_invalid_search_field', 'Unknown searchBy fieldName %r' % name, 'searchBy.fieldName')
    if text in (None, ''):
        return None
    return [allowed[key], str(text).lower()]


def walk(keys, items, desc, start_key, direction, size, pred):
    """Collect up to size+1 items from the sorted (ascending) list, in output order."""
    step = -1 if desc != (direction == 'p') else 1
    if start_key is None:
        idx = len(keys) - 1 if step == -1 else 0
    elif step == -1:
        idx = bisect.bisect_left(keys, start_key) - 1
    else:
        idx = bisect.bisect_right(keys, start_key)
    out = []
    while 0 <= idx < len(keys) and len(out) <= size:
        item = items[idx]
        if pred(item):
            out.append(item)
        idx += step
    more = len(out) > size
    out = out[:size]
    if direction == 'p':
        out.reverse()
    return out, more


class State:
    """Everything the simulator knows; mutated only from the event loop."""

    def __init__(self, held=200, seed=1, api_user=DEFAULT_API_USER, processing=30, bulk=12, release_history=0,
                 release_history_days=HISTORY_DAYS):
        self.api_user = api_user
        self.reset(held, seed, processing, bulk, release_history, release_history_days)

    def reset(self, held=200, seed=1, processing=30, bulk=12, release_history=0, release_history_days=HISTORY_DAYS):
        self.seed = seed
        self.now = time.time()
        self.used_ids = set()
        self.messages = make_held(held, seed, self.now, self.api_user, self.used_ids)
        self.by_id = {m.id: m for m in self.messages}
        self.queue = make_processing(processing, bulk, seed, self.now)
        self.queue_by_id = {q['record']['id']: q for q in self.queue}
        self.rng = random.Random('added-%s' % seed)
        self.version = 0        # bumped on add (invalidates filtered lists)
        self.write_version = 0  # bumped on release/reject (invalidates counts)
        self.cache = {}
        self._order = None
        self.audit = []
        self._stamp = (None, '')
        # console extras (mimecast_sim.console): managed senders by (sender, to), every set, the release log's history
        self.managed_senders = {}
        self.sender_log = []
        self.release_history = make_release_history(release_history, seed, self.now, self.api_user, self.used_ids,
                                                    release_history_days)
        self.release_log_cache = None
        # sort the held list now, not in the first list request after a reset (20 ms at 10,000 messages,
        # which a client would see as latency)
        self._ordered()

    # ---- held list -------------------------------------------------------
    def add_messages(self, items):
        added = []
        for fields in items:
            if not isinstance(fields, dict):
                raise ApiError('err_validation_invalid_message', 'each message must be an object')
            try:
                msg = message_from_fields(fields, self.rng, self.used_ids, time.time(), self.api_user)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise ApiError('err_validation_invalid_message', str(exc)) from exc
            if fields.get('state') in ('released', 'rejected'):
                msg.state = fields['state']
            self.messages.append(msg)
            self.by_id[msg.id] = msg
            added.append(msg.id)
        self.version += 1
        self.write_version += 1
        self.cache.clear()
        return added

    def hold_filter(self, item):
        admin = _bool(item.get('admin', False), 'admin')
        flt = {
            'ep': 'hold',
            'admin': admin,
            'start': _date(item.get('start'), 'start'),
            'end': _date(item.get('end'), 'end'),
            'search': _search(item.get('searchBy'), HOLD_SEARCH_FIELDS),
            'filter': normalise_filter_by(item.get('filterBy'), HOLD_FILTER_FIELDS),
        }
        if not admin:
            flt['user'] = self.api_user.lower()
        return flt

    def _hold_match(self, flt):
        start, end, search, fil = flt['start'], flt['end'], flt['search'], flt['filter']
        user = flt.get('user')
        routes = fil.get('route')
        groups = fil.get('heldGroup')
        atts = fil.get('attachments')

        def match(m):
            if user is not None and user not in m.to_l:
                return False
            if start is not None and m.ts < start:
                return False
            if end is not None and m.ts > end:
                return False
            if routes and m.route.lower() not in routes:
                return False
            if groups and m.held_group.lower() not in groups:
                return False
            if atts and m.has_att not in atts:
                return False
            if search and search[1] not in m.search[search[0]]:
                return False
            return True
        return match

    def _ordered(self):
        """Every held-list message sorted by (date received, id), and their dates: built once per version."""
        if self._order is None or self._order[0] != self.version:
            items = sorted(self.messages, key=lambda m: (m.ts, m.id))
            self._order = (self.version, items, [m.ts for m in items], [(m.ts, m.id) for m in items])
        return self._order[1], self._order[2], self._order[3]

    def filtered(self, flt):
        fp = fingerprint(flt)
        entry = self.cache.get(fp)
        if entry is None or entry['version'] != self.version:
            ordered, dates, keys = self._ordered()
            # the date window by bisection; the other conditions (if any) message by message
            lo = 0 if flt['start'] is None else bisect.bisect_left(dates, flt['start'])
            hi = len(ordered) if flt['end'] is None else bisect.bisect_right(dates, flt['end'])
            items, keys = ordered[lo:hi], keys[lo:hi]
            if flt.get('user') is not None or flt['search'] or any(flt['filter'].values()):
                match = self._hold_match(flt)
                items = [m for m in items if match(m)]
                keys = [(m.ts, m.id) for m in items]
            entry = {'version': self.version, 'items': items, 'keys': keys, 'wv': -1, 'count': 0}
            if len(self.cache) > 256:
                self.cache.clear()
            self.cache[fp] = entry
        if entry['wv'] != self.write_version:
            entry['count'] = sum(1 for m in entry['items'] if m.state == 'held')
            entry['wv'] = self.write_version
        return fp, entry

    def hold_page(self, item, meta):
        size, token = page_size_of(meta)
        flt = self.hold_filter(item)
        fp, entry = self.filtered(flt)
        start_key, direction = (None, 'n') if token is None else decode_token(token, fp)
        page, more = walk(entry['keys'], entry['items'], True, start_key, direction, size, lambda m: m.state == 'held')
        pagination = {'pageSize': size, 'totalCount': entry['count']}
        has_next = more if direction == 'n' else True
        has_prev = token is not None if direction == 'n' else more
        if page and has_next:
            pagination['next'] = encode_token({'v': 1, 'f': fp, 'k': list(page[-1].key), 'd': 'n'})
        if page and has_prev:
            pagination['previous'] = encode_token({'v': 1, 'f': fp, 'k': list(page[0].key), 'd': 'p'})
        return page, pagination

    # ---- processing queue -------------------------------------------------
    def queue_page(self, item, meta):
        if not isinstance(item, dict) or not item:
            raise ApiError('err_validation_null', 'At least one field must be sent in data[0]', 'data')
        size, token = page_size_of(meta)
        qtype = str(item.get('type') or 'processing').lower()
        if qtype not in ('processing', 'bulk_processing'):
            raise ApiError('err_validation_invalid_type', 'type must be processing or bulk_processing', 'type')
        order = str(item.get('sortOrder') or 'descending').lower()
        if order not in ('ascending', 'descending', 'asc', 'desc'):
            raise ApiError('err_validation_invalid_sort_order', 'sortOrder must be ascending or descending', 'sortOrder')
        desc = order.startswith('desc')
        flt = {
            'ep': 'queue', 'type': qtype, 'desc': desc,
            'start': _date(item.get('start'), 'start'), 'end': _date(item.get('end'), 'end'),
            'search': _search(item.get('searchBy'), QUEUE_SEARCH_FIELDS),
            'filter': normalise_filter_by(item.get('filterBy'), QUEUE_FILTER_FIELDS),
        }
        fp = fingerprint(flt)
        items = sorted((q for q in self.queue if self._queue_match(q, flt)), key=lambda q: (q['ts'], q['record']['id']))
        keys = [(q['ts'], q['record']['id']) for q in items]
        start_key, direction = (None, 'n') if token is None else decode_token(token, fp)
        page, more = walk(keys, items, desc, start_key, direction, size, lambda q: True)
        pagination = {'pageSize': size, 'totalCount': len(items)}
        has_next = more if direction == 'n' else True
        has_prev = token is not None if direction == 'n' else more
        if page and has_next:
            last = page[-1]
            pagination['next'] = encode_token({'v': 1, 'f': fp, 'k': [last['ts'], last['record']['id']], 'd': 'n'})
        if page and has_prev:
            first = page[0]
            pagination['previous'] = encode_token({'v': 1, 'f': fp, 'k': [first['ts'], first['record']['id']], 'd': 'p'})
        return page, pagination

    @staticmethod
    def _queue_match(q, flt):
        rec = q['record']
        if q['type'] != flt['type']:
            return False
        if flt['start'] is not None and q['ts'] < flt['start']:
            return False
        if flt['end'] is not None and q['ts'] > flt['end']:
            return False
        fil = flt['filter']
        if fil.get('route') and rec['routing'] not in fil['route']:
            return False
        if fil.get('attachments') and rec['attachment'] not in fil['attachments']:
            return False
        search = flt['search']
        if search:
            fields = {
                'fromAddress': rec['fromEnv']['emailAddress'] + ' ' + rec['fromHeader']['emailAddress'],
                'toAddress': rec['to']['emailAddress'],
                'subject': rec['subject'],
                'info': rec['info'],
                'remoteIp': rec['remoteIp'],
            }
            text = ' '.join(fields.values()) if search[0] == 'all' else fields[search[0]]
            if search[1] not in text.lower():
                return False
        return True

    # ---- writes -------------------------------------------------------------
    def knows(self, mid):
        """Whether ``mid`` is the id of a message this tenant has (had): held, released, rejected, in the release log's
        history or in a processing queue."""
        return mid in self.by_id or mid in self.used_ids or mid in self.queue_by_id

    def act(self, action, mid, auth, reason_type=None, message=None, notify=None):
        msg = self.by_id.get(mid)
        if msg is None or msg.state != 'held':
            return False
        msg.state = 'released' if action == 'release' else 'rejected'
        self.write_version += 1
        self.audit.append({'seq': len(self.audit) + 1, 'action': action, 'id': mid, 'at': self._now_text(),
                           'reason_type': reason_type, 'message': message, 'notify': notify, 'auth': auth, 'operator': self.api_user})
        return True

    def _now_text(self):
        second = int(time.time())
        if self._stamp[0] != second:
            self._stamp = (second, time.strftime('%Y-%m-%dT%H:%M:%S+0000', time.gmtime(second)))
        return self._stamp[1]

    def summary(self):
        counts = {}
        for m in self.messages:
            if m.state == 'held':
                counts[m.policy] = counts.get(m.policy, 0) + 1
        return [{'policyInfo': k, 'numberOfItems': v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    def snapshot(self):
        out = {'held': [], 'released': [], 'rejected': []}
        for m in self.messages:
            out[m.state].append(m.id)
        out['counts'] = {k: len(v) for k, v in out.items()}
        out['counts']['processing'] = sum(1 for q in self.queue if q['type'] == 'processing')
        out['counts']['bulk_processing'] = sum(1 for q in self.queue if q['type'] == 'bulk_processing')
        return out
