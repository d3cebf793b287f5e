"""The console's held-queue extras: managed senders (permit or block) and the held release log.

Functions here work on one :class:`~mimecast_sim.state.State` (all the data they keep lives in it) and on
the simulator's configuration for the record shapes; the server's handlers call them.
"""

import bisect
import hashlib
import re
import time

from .data import fmt_date, parse_api_date
from .state import ApiError, _date, _search, decode_token, encode_token, fingerprint, normalise_filter_by, page_size_of, walk

MANAGED_SENDER = '/api/managedsender/permit-or-block-sender'
RELEASE_LOGS = '/api/gateway/get-held-release-logs'

SENDER_ACTIONS = {'permit': 'Permit', 'block': 'Block'}
# local@domain.tld, no spaces, one @: what the console accepts for a managed sender
EMAIL = re.compile(r'^[^@\s<>(),;:"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$')

LOG_SEARCH_FIELDS = {'all': 'all', 'operator': 'operator', 'from': 'from', 'to': 'to', 'subject': 'subject', 'info': 'info',
                     'heldreason': 'heldReason'}
LOG_FILTER_FIELDS = {'route': 'route', 'status': 'status', 'attachments': 'attachments'}
LOG_STATUSES = ('released', 'rejected')
LOG_DEFAULT_DAYS = 30
# 'mixed': each record takes one shape or the other (by its id), as a log written by two generations of the API might
OPERATOR_SHAPES = ('string', 'object', 'mixed')
ADDRESS_SHAPES = ('email', 'address', 'mixed')
RELEASE_LOG_PERMISSION = 'Monitoring | Held | Read'


def fail_item(code, message, key, field=None, retryable=False):
    return {'key': key, 'errors': [{'code': code, 'message': message, 'retryable': retryable, 'field': field}]}


# ---- managed senders -----------------------------------------------------------
def _sender_error(item):
    """The fail entry of one permit-or-block-sender item, or None when it is valid."""
    if not isinstance(item, dict):
        return fail_item('err_validation_invalid_item', 'each data item must be an object', {})
    key = {'sender': item.get('sender'), 'to': item.get('to'), 'action': item.get('action')}
    for field in ('sender', 'to'):
        value = item.get(field)
        if value is None:
            return fail_item('err_validation_null', '%s is required' % field, key, field)
        if isinstance(value, str) and not value.strip():
            return fail_item('err_validation_blank', '%s must not be blank' % field, key, field)
        if not isinstance(value, str) or not EMAIL.match(value.strip()) or len(value.strip().split('@')[0]) > 64:
            # RFC 5321: a local part of at most 64 characters
            return fail_item('err_validation_invalid_email_address', 'Email address is not valid', key, field)
    action = item.get('action')
    if action is None:
        return fail_item('err_validation_null', 'action is required', key, 'action')
    if isinstance(action, str) and not action.strip():
        return fail_item('err_validation_blank', 'action must not be blank', key, 'action')
    if not isinstance(action, str) or action.strip().lower() not in SENDER_ACTIONS:
        return fail_item('err_validation_invalid_action', 'action must be permit or block', key, 'action')
    return None


def sender_id(state, sender, to):
    digest = hashlib.sha256(('%s|%s|%s' % (state.seed, sender, to)).encode()).hexdigest()
    return 'MTOKEN:' + digest[:48]


def set_managed_senders(state, data, auth):
    """Upsert every valid item as a managed sender of ``state``; return (data, fail) of the answer."""
    out, fail = [], []
    for item in data:
        error = _sender_error(item)
        if error is not None:
            fail.append(error)
            continue
        sender, to = item['sender'].strip(), item['to'].strip()
        kind = SENDER_ACTIONS[item['action'].strip().lower()]
        pair = (sender.lower(), to.lower())
        entry = state.managed_senders.get(pair)
        if entry is None:
            entry = {'id': sender_id(state, pair[0], pair[1]), 'sender': sender, 'to': to, 'type': kind}
            state.managed_senders[pair] = entry
        else:
            entry.update(sender=sender, to=to, type=kind)
        state.sender_log.append({'seq': len(state.sender_log) + 1, 'at': fmt_date(time.time()), 'sender': sender, 'to': to,
                                 'type': kind, 'auth': auth, 'operator': state.api_user})
        out.append(dict(entry))
    return out, fail


# ---- the release log --------------------------------------------------------------
def _entries(state):
    """Every release-log entry of ``state`` sorted by (time, id): the seeded history and what was released or rejected."""
    version = (len(state.audit), len(state.release_history), state.version)
    cached = state.release_log_cache
    if cached is not None and cached[0] == version:
        return cached[1], cached[2]
    entries = list(state.release_history)
    for act in state.audit:
        if act.get('action') not in ('release', 'reject'):
            continue
        msg = state.by_id.get(act['id'])
        if msg is None:
            continue
        rejected = act['action'] == 'reject'
        entries.append({
            'ts': parse_api_date(act['at']), 'id': act['id'], 'status': 'rejected' if rejected else 'released',
            'operator': act.get('operator') or state.api_user, 'rejectReason': (act.get('reason_type') or '') if rejected else '',
            'messageInfo': (act.get('message') or '') if rejected else '', 'record': msg.record, 'heldGroup': msg.held_group,
        })
    entries.sort(key=lambda e: (e['ts'], e['id']))
    keys = [(e['ts'], e['id']) for e in entries]
    state.release_log_cache = (version, entries, keys, {})
    return entries, keys


def _address(value, shape):
    value = value or {}
    email = value.get('emailAddress', '')
    if shape == 'address':
        return {'address': email, 'domain': email.rsplit('@', 1)[-1] if '@' in email else ''}
    return {'emailAddress': email, 'displayableName': value.get('displayableName', '')}


def _shape(shape, shapes, mid):
    """The shape of one record: as configured, or for ``mixed`` one of the two by the record's id (always the same)."""
    return shapes[ord(mid[-1]) % 2] if shape == 'mixed' and mid else shape


def log_record(entry, operator_shape='string', address_shape='email'):
    """One ``heldReleaseLogs`` record in the configured shapes."""
    rec = entry['record']
    operator_shape = _shape(operator_shape, OPERATOR_SHAPES, entry['id'])
    address_shape = _shape(address_shape, ADDRESS_SHAPES, entry['id'])
    spam = 'spam' in (rec.get('reasonCode') or '')
    return {
        'id': entry['id'],
        'status': entry['status'],
        'released': fmt_date(entry['ts']),
        'operator': entry['operator'] if operator_shape == 'string' else {'email': entry['operator']},
        'rejectReason': entry['rejectReason'],
        'messageInfo': entry['messageInfo'],
        'heldReason': rec.get('reason', ''),
        'heldGroup': entry['heldGroup'],
        'policy': rec.get('policyInfo', ''),
        'route': rec.get('route', ''),
        'size': rec.get('size', 0),
        'attachments': bool(rec.get('hasAttachments')),
        'subject': rec.get('subject', ''),
        'fromEnv': _address(rec.get('from'), address_shape),
        'fromHdr': _address(rec.get('fromHeader'), address_shape),
        'to': [_address(rec.get('to'), address_shape)],
        'spamScore': 8 if spam else 0,
        'detectionLevel': 'relaxed',
    }


def _search_text(entry, field):
    rec = entry['record']
    texts = {
        'operator': entry['operator'],
        'from': ' '.join([(rec.get('from') or {}).get('emailAddress', ''), (rec.get('fromHeader') or {}).get('emailAddress', ''),
                          (rec.get('fromHeader') or {}).get('displayableName', '')]),
        'to': ' '.join([(rec.get('to') or {}).get('emailAddress', ''), (rec.get('to') or {}).get('displayableName', '')]),
        'subject': rec.get('subject', ''),
        'info': ' '.join([entry['messageInfo'], entry['rejectReason']]),
        'heldReason': ' '.join([rec.get('reason', ''), rec.get('policyInfo', '')]),
    }
    return (' '.join(texts.values()) if field == 'all' else texts[field]).lower()


def log_filter(item, now):
    if not isinstance(item, dict):
        raise ApiError('err_validation_invalid_item', 'data[0] must be an object', 'data')
    start = _date(item.get('start'), 'start')
    end = _date(item.get('end'), 'end')
    flt = {
        'ep': 'release_log',
        'start': int(now - LOG_DEFAULT_DAYS * 86400) if start is None else start,
        'end': int(now) if end is None else end,
        'search': _search(item.get('searchBy'), LOG_SEARCH_FIELDS),
        'filter': normalise_filter_by(item.get('filterBy'), LOG_FILTER_FIELDS),
    }
    for status in flt['filter'].get('status', []):
        if status not in LOG_STATUSES:
            raise ApiError('err_validation_invalid_filter', 'filterBy status must be released or rejected', 'filterBy.value')
    return flt


def _log_match(flt):
    search, fil = flt['search'], flt['filter']

    def match(entry):
        if fil.get('status') and entry['status'] not in fil['status']:
            return False
        if fil.get('route') and (entry['record'].get('route') or '').lower() not in fil['route']:
            return False
        if fil.get('attachments') and bool(entry['record'].get('hasAttachments')) not in fil['attachments']:
            return False
        if search and search[1] not in _search_text(entry, search[0]):
            return False
        return True
    return match


def _filtered(state, flt):
    """The entries in ``flt``'s window that match its search and filters, and their keys: the window by bisection,
    the rest entry by entry, kept for the pages that follow (until the log changes)."""
    entries, keys = _entries(state)
    found = state.release_log_cache[3]
    key = fingerprint(flt)
    if key not in found:
        lo = bisect.bisect_left(keys, (flt['start'], ''))
        hi = bisect.bisect_left(keys, (flt['end'] + 1, ''))
        items = entries[lo:hi]
        if flt['search'] or any(flt['filter'].values()):
            match = _log_match(flt)
            items = [e for e in items if match(e)]
        if len(found) > 64:
            found.clear()
        found[key] = (items, [(e['ts'], e['id']) for e in items])
    return found[key]


def release_log_page(state, item, meta, config, now=None):
    """One page of ``state``'s release log, newest first: (records in the configured shapes, pagination)."""
    if config.get('release_log_forbidden'):
        raise ApiError('err_xdk_permission_denied', 'The application role does not have the %s permission' % RELEASE_LOG_PERMISSION,
                       status=403)
    size, token = page_size_of(meta)
    flt = log_filter(item, time.time() if now is None else now)
    # a page token belongs to the search as sent: without start/end the window moves with the clock between pages
    fp = fingerprint(item if isinstance(item, dict) else {})
    items, keys = _filtered(state, flt)
    start_key, direction = (None, 'n') if token is None else decode_token(token, fp)
    page, more = walk(keys, items, True, start_key, direction, size, lambda e: True)
    pagination = {'pageSize': size, 'totalCount': len(items)}
    has_next = more if direction == 'n' else True
    has_prev = token is not None if direction == 'n' else more
    if page and has_next:
        pagination['next'] = encode_token({'v': 1, 'f': fp, 'k': [page[-1]['ts'], page[-1]['id']], 'd': 'n'})
    if page and has_prev:
        pagination['previous'] = encode_token({'v': 1, 'f': fp, 'k': [page[0]['ts'], page[0]['id']], 'd': 'p'})
    shapes = (config.get('release_log_operator', 'string'), config.get('release_log_address', 'email'))
    return [log_record(e, *shapes) for e in page], pagination


def snapshot(state):
    """What ``/_sim/state`` shows of managed senders and the release log."""
    entries, dummy = _entries(state)
    return {
        'managed_senders': sorted((dict(e) for e in state.managed_senders.values()), key=lambda e: (e['sender'].lower(), e['to'].lower())),
        'managed_sender_sets': len(state.sender_log),
        'release_log': {'entries': len(entries), 'released': sum(1 for e in entries if e['status'] == 'released'),
                        'rejected': sum(1 for e in entries if e['status'] == 'rejected'), 'seeded': len(state.release_history)},
    }
