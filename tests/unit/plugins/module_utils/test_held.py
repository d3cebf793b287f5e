# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the whole held queue: time windows (split_window) and read_held_all, over a thread-safe fake API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import threading

import pytest

from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
from ansible_collections.secops.mimecast.plugins.module_utils.errors import MimecastError
from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_date
from ansible_collections.secops.mimecast.plugins.module_utils.held import held_ids, read_held_all, split_window
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import V1_PARAMS, FakeResponse, FakeSession, envelope, load_fixture

LIST = '/api/gateway/get-hold-message-list'
RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'
API_FORMAT = '%Y-%m-%dT%H:%M:%S%z'


def api_date(moment):
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S+0000')


def held_record(msg_id, received, **fields):
    """A held record shaped like the API's (the first item of the captured get-hold-message-list answer)."""
    record = copy.deepcopy(load_fixture('list_hold_messages_response.json')['data'][0])
    record.update(id=msg_id, dateReceived=received)
    record.update(fields)
    return record


def page_token(offset, start, end):
    """The token the fake issues for the page starting at ``offset`` of the window ``start``..``end``."""
    return '%d@%s..%s' % (offset, start, end)


class HeldQueue(object):
    """A thread-safe in-memory held queue that answers like the API, by the request's body only.

    * list: the records whose ``dateReceived`` lies in the request's ``start``..``end`` (``bounds`` says which ends
      count: ``both``, ``start`` or ``neither``), newest first, ``pageSize`` at a time; a ``pageToken`` must be one
      issued for the same window. ``meta.pagination.totalCount`` unless ``total_count`` is False.
    * release/reject: removes the held ids and confirms them; ids not held get a ``fail`` entry; ids in ``refuse``
      get the given (code, message) ``fail`` entry and stay held; a batch with an id in ``down`` answers HTTP 503
      and does nothing.
    """

    def __init__(self, records, bounds='both', total_count=True):
        self.lock = threading.Lock()
        self.held = dict((r['id'], r) for r in records)
        self.bounds = bounds
        self.total_count = total_count
        self.requests = []  # (path, parsed body), in arrival order
        self.acted = []  # (release|reject, id)
        self.issued = {}  # token -> (start, end, offset)
        self.list_fail = None  # f(item, token) -> fail list or None
        self.list_error = None  # f(item, token) -> FakeResponse or None
        self.refuse = {}
        self.down = set()
        self.session = FakeSession(self.handle)

    def client(self, **kwargs):
        return MimecastClient(session=self.session, sleep=lambda s: None, **dict(V1_PARAMS, **kwargs))

    # ----------------------------------------------------------------- views
    def calls(self, path=None):
        with self.lock:
            return [body for p, body in self.requests if path is None or p == path]

    def list_requests(self):
        """(start, end, pageToken) of every list request."""
        out = []
        for body in self.calls(LIST):
            item = body['data'][0]
            out.append((item.get('start'), item.get('end'), body['meta']['pagination'].get('pageToken')))
        return out

    def writes(self):
        with self.lock:
            return [(p, body) for p, body in self.requests if p != LIST]

    # --------------------------------------------------------------- answers
    def _inside(self, received, start, end):
        moment = datetime.datetime.strptime(received, API_FORMAT)
        low = datetime.datetime.strptime(start, API_FORMAT) if start else None
        high = datetime.datetime.strptime(end, API_FORMAT) if end else None
        if low is not None and (moment < low or (moment == low and self.bounds == 'neither')):
            return False
        if high is not None and (moment > high or (moment == high and self.bounds in ('start', 'neither'))):
            return False
        return True

    def handle(self, call):
        path = '/' + call['url'].split('://', 1)[1].split('/', 1)[1]
        body = call['json']
        with self.lock:
            self.requests.append((path, body))
            if path == LIST:
                return self._list(body)
            return self._write(path, body)

    def _list(self, body):
        item = body['data'][0]
        pagination = body['meta']['pagination']
        size = pagination['pageSize']
        token = pagination.get('pageToken')
        start, end = item.get('start'), item.get('end')
        for hook in (self.list_error, self.list_fail):
            answer = hook(item, token) if hook else None
            if answer is not None:
                return answer if hook is self.list_error else FakeResponse(200, envelope(fail=answer))
        offset = 0
        if token is not None:
            if self.issued.get(token, (None, None, None))[:2] != (start, end):
                return FakeResponse(200, envelope(fail=[{'errors': [{'code': 'err_invalid_page_token', 'message': 'bad token'}]}]))
            offset = self.issued[token][2]
        matching = sorted((r for r in self.held.values() if self._inside(r['dateReceived'], start, end)),
                          key=lambda r: (r['dateReceived'], r['id']), reverse=True)
        meta = {'pageSize': size}
        if self.total_count:
            meta['totalCount'] = len(matching)
        if offset + size < len(matching):
            meta['next'] = page_token(offset + size, start, end)
            self.issued[meta['next']] = (start, end, offset + size)
        return FakeResponse(200, envelope(matching[offset:offset + size], meta={'status': 200, 'pagination': meta}))

    def _write(self, path, body):
        flag = 'release' if path == RELEASE else 'reject'
        if flag == 'release':
            ids = [entry['id'] for entry in body['data']]
        else:
            ids = [i for entry in body['data'] for i in entry['ids']]
        if self.down.intersection(ids):
            return FakeResponse(503, text='<html>503 Service Unavailable</html>')
        data, fail = [], []
        for msg_id in ids:
            if msg_id in self.refuse:
                code, message = self.refuse[msg_id]
                fail.append({'key': {'id': msg_id}, 'errors': [{'code': code, 'message': message, 'retryable': False}]})
            elif msg_id in self.held:
                del self.held[msg_id]
                self.acted.append((flag, msg_id))
                data.append({'id': msg_id, flag: True})
            else:
                fail.append({'key': {'id': msg_id}, 'errors': [{'code': 'err_hold_message_not_found',
                                                               'message': 'held message not found', 'retryable': False}]})
        return FakeResponse(200, envelope(data, fail))


# ---------------------------------------------------------------- split_window

HOUR_START = '2026-03-01T00:00:00+0000'
HOUR_END = '2026-03-01T01:00:00+0000'
QUARTERS = [
    ('2026-03-01T00:00:00+0000', '2026-03-01T00:15:01+0000'),
    ('2026-03-01T00:15:00+0000', '2026-03-01T00:30:01+0000'),
    ('2026-03-01T00:30:00+0000', '2026-03-01T00:45:01+0000'),
    ('2026-03-01T00:45:00+0000', '2026-03-01T01:00:00+0000'),
]


def test_split_window_quarters_overlap_one_second_and_end_exactly():
    assert split_window(HOUR_START, HOUR_END, 4) == QUARTERS


def test_split_window_uneven_span():
    # 10 s in 3: bounds at 0, 3, 6 (integer seconds) and the exact end
    assert split_window('2026-03-01T00:00:00+0000', '2026-03-01T00:00:10+0000', 3) == [
        ('2026-03-01T00:00:00+0000', '2026-03-01T00:00:04+0000'),
        ('2026-03-01T00:00:03+0000', '2026-03-01T00:00:07+0000'),
        ('2026-03-01T00:00:06+0000', '2026-03-01T00:00:10+0000'),
    ]


def test_split_window_last_end_is_the_end_given():
    windows = split_window('2026-03-01T00:00:00Z', '2026-03-01T06:00:00.750+02:00', 2)
    # the end as given, not re-formatted or rounded: not one moment of the window is lost
    assert windows[-1][1] == '2026-03-01T06:00:00.750+02:00'
    assert windows[0] == ('2026-03-01T00:00:00+0000', '2026-03-01T02:00:01+0000')
    assert windows[1][0] == '2026-03-01T02:00:00+0000'


@pytest.mark.parametrize('parts', [2, 3, 4, 7, 16])
def test_split_window_covers_the_window_contiguously(parts):
    start, end = '2026-03-01T00:00:00+0000', '2026-03-14T05:17:23+0000'
    windows = split_window(start, end, parts)
    assert len(windows) == parts
    assert windows[0][0] == start and windows[-1][1] == end
    for (s1, e1), (s2, e2) in zip(windows, windows[1:]):
        # each window but the last ends exactly one second after the next one starts
        assert parse_date(e1) - parse_date(s2) == datetime.timedelta(seconds=1)
        assert parse_date(s1) < parse_date(s2)
    for s, e in windows:
        assert parse_date(s) < parse_date(e)


@pytest.mark.parametrize('start,end,parts', [
    ('2026-03-01T00:00:00+0000', '2026-03-01T00:00:07+0000', 4),  # 7 s < 2 * 4
    ('2026-03-01T00:00:00+0000', '2026-03-01T00:00:00+0000', 2),
    ('2026-03-01T00:00:00+0000', '2026-03-01T01:00:00+0000', 1),
    ('2026-03-01T00:00:00+0000', '2026-03-01T00:00:31+0000', 16),
])
def test_split_window_too_short_or_one_part(start, end, parts):
    assert split_window(start, end, parts) == []


def test_split_window_shortest_split():
    # exactly 2 s per part is enough
    assert split_window('2026-03-01T00:00:00+0000', '2026-03-01T00:00:04+0000', 2) == [
        ('2026-03-01T00:00:00+0000', '2026-03-01T00:00:03+0000'),
        ('2026-03-01T00:00:02+0000', '2026-03-01T00:00:04+0000'),
    ]


# --------------------------------------------------------------- read_held_all

# seconds after HOUR_START; on and around the quarter boundaries 900, 1800, 2700, and both ends of the hour
OFFSETS = (0, 60, 120, 300, 600, 899, 900, 901, 1200, 1500, 1799, 1800, 2000, 2400, 2700, 2701, 3000, 3300, 3599, 3600)
ITEM = {'admin': True, 'start': HOUR_START, 'end': HOUR_END}


def hour_records(offsets=OFFSETS):
    base = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)
    return [held_record('m%04d' % s, api_date(base + datetime.timedelta(seconds=s))) for s in offsets]


def ids_of(records):
    return [r['id'] for r in records]


def test_single_page_is_one_request():
    queue = HeldQueue(hour_records())
    records = read_held_all(queue.client(), page_size=100, concurrency=4, start=HOUR_START, end=HOUR_END)
    assert ids_of(records) == sorted(ids_of(hour_records()), reverse=True)
    assert queue.calls() == [{'data': [ITEM], 'meta': {'pagination': {'pageSize': 100}}}]


def test_sequential_continues_from_the_probe_token():
    queue = HeldQueue(hour_records())
    records = read_held_all(queue.client(), page_size=6, concurrency=1, start=HOUR_START, end=HOUR_END)
    assert ids_of(records) == sorted(ids_of(hour_records()), reverse=True)
    assert queue.calls() == [
        {'data': [ITEM], 'meta': {'pagination': {'pageSize': 6}}},
        {'data': [ITEM], 'meta': {'pagination': {'pageSize': 6, 'pageToken': page_token(6, HOUR_START, HOUR_END)}}},
        {'data': [ITEM], 'meta': {'pagination': {'pageSize': 6, 'pageToken': page_token(12, HOUR_START, HOUR_END)}}},
        {'data': [ITEM], 'meta': {'pagination': {'pageSize': 6, 'pageToken': page_token(18, HOUR_START, HOUR_END)}}},
    ]


def test_windows_read_in_parallel_each_record_once_newest_first():
    queue = HeldQueue(hour_records())
    records = read_held_all(queue.client(), page_size=3, concurrency=4, start=HOUR_START, end=HOUR_END)
    # every record once (the copies on the boundaries 900, 901, 1800, 2700 and 2701 dropped), newest first
    assert ids_of(records) == sorted(ids_of(hour_records()), reverse=True)
    requests = queue.calls()
    assert requests[0] == {'data': [ITEM], 'meta': {'pagination': {'pageSize': 3}}}  # the probe, first
    assert all(body['meta']['pagination']['pageSize'] == 3 for body in requests)
    assert all(body['data'][0]['admin'] is True and set(body['data'][0]) == {'admin', 'start', 'end'} for body in requests)
    # records per window (both ends inclusive): 8, 6, 5 and 6, so 3, 2, 2 and 2 pages of 3
    (s0, e0), (s1, e1), (s2, e2), (s3, e3) = QUARTERS
    expected = [
        (s0, e0, None), (s0, e0, page_token(3, s0, e0)), (s0, e0, page_token(6, s0, e0)),
        (s1, e1, None), (s1, e1, page_token(3, s1, e1)),
        (s2, e2, None), (s2, e2, page_token(3, s2, e2)),
        (s3, e3, None), (s3, e3, page_token(3, s3, e3)),
    ]
    sent = queue.list_requests()
    assert sent[0] == (HOUR_START, HOUR_END, None)
    assert sorted(sent[1:], key=lambda r: (r[0], r[2] or '')) == expected


@pytest.mark.parametrize('concurrency, page_size', [(1, 6), (4, 3), (4, 100)])
def test_keep_returns_what_is_kept_of_each_record_in_the_same_order(concurrency, page_size):
    """With ``keep``, the same records in the same order, each id once, but only what ``keep`` took of them."""
    whole = read_held_all(HeldQueue(hour_records()).client(), page_size=page_size, concurrency=concurrency,
                          start=HOUR_START, end=HOUR_END)
    seen = []

    def keep(record):
        seen.append(record['id'])
        return ('kept', record['id'])

    kept = read_held_all(HeldQueue(hour_records()).client(), page_size=page_size, concurrency=concurrency,
                         start=HOUR_START, end=HOUR_END, keep=keep)
    assert kept == [('kept', rid) for rid in ids_of(whole)]
    # every record read was handed to keep (the windows' copies on the boundaries included), nothing else
    assert set(seen) == set(ids_of(whole)) and len(seen) >= len(whole)


@pytest.mark.parametrize('bounds', ['both', 'start', 'neither'])
@pytest.mark.parametrize('concurrency', [2, 3, 4, 16])
def test_windows_find_what_one_cursor_finds(bounds, concurrency):
    """Whether the API counts the ends of a window in or not, the windows miss nothing and repeat nothing."""
    one = HeldQueue(hour_records(), bounds=bounds)
    expected = ids_of(read_held_all(one.client(), page_size=2, concurrency=1, start=HOUR_START, end=HOUR_END))
    many = HeldQueue(hour_records(), bounds=bounds)
    got = ids_of(read_held_all(many.client(), page_size=2, concurrency=concurrency, start=HOUR_START, end=HOUR_END))
    assert got == expected
    assert len(set(got)) == len(got)
    windows = set((s, e) for s, e, dummy in many.list_requests()[1:])
    assert windows == set(split_window(HOUR_START, HOUR_END, concurrency))


def test_window_fail_entry_raises():
    queue = HeldQueue(hour_records())
    third = QUARTERS[2]

    def fail(item, token):
        if (item.get('start'), item.get('end')) == third and token is not None:
            return [{'errors': [{'code': 'err_window_page', 'message': 'page unavailable', 'retryable': False}]}]
        return None
    queue.list_fail = fail
    with pytest.raises(MimecastError) as err:
        read_held_all(queue.client(), page_size=3, concurrency=4, start=HOUR_START, end=HOUR_END)
    assert err.value.codes == ['err_window_page'] and 'page unavailable' in err.value.msg


def test_probe_fail_entry_raises():
    queue = HeldQueue(hour_records())
    queue.list_fail = lambda item, token: [{'errors': [{'code': 'err_probe', 'message': 'no'}]}]
    with pytest.raises(MimecastError) as err:
        read_held_all(queue.client(), page_size=3, concurrency=4, start=HOUR_START, end=HOUR_END)
    assert err.value.codes == ['err_probe'] and len(queue.calls()) == 1


@pytest.mark.parametrize('count,windowed', [
    (5, False),   # 2 left of page size 3: one more page
    (6, False),   # 3 left: exactly one more page
    (7, True),    # 4 left: two more pages
])
def test_total_count_decides_windows(count, windowed):
    queue = HeldQueue(hour_records(OFFSETS[:count]))
    records = read_held_all(queue.client(), page_size=3, concurrency=4, start=HOUR_START, end=HOUR_END)
    assert sorted(ids_of(records)) == sorted(ids_of(hour_records(OFFSETS[:count])))
    sent = queue.list_requests()
    if windowed:
        assert set((s, e) for s, e, dummy in sent[1:]) == set(QUARTERS)
    else:
        assert sent == [(HOUR_START, HOUR_END, None), (HOUR_START, HOUR_END, page_token(3, HOUR_START, HOUR_END))]


def test_unknown_total_reads_windows():
    queue = HeldQueue(hour_records(OFFSETS[:5]), total_count=False)
    records = read_held_all(queue.client(), page_size=3, concurrency=4, start=HOUR_START, end=HOUR_END)
    assert sorted(ids_of(records)) == sorted(ids_of(hour_records(OFFSETS[:5])))
    assert set((s, e) for s, e, dummy in queue.list_requests()[1:]) == set(QUARTERS)


@pytest.mark.parametrize('options', [
    dict(start='2026-03-01T00:00:00+0000', end='2026-03-01T00:00:07+0000'),  # too short for 4 windows
    dict(start='2026-03-01T00:00:00+0000'),  # no end: nothing to cut
    dict(),
])
def test_no_windows_possible_reads_sequentially(options):
    records = hour_records([0, 1, 2, 3, 4, 5, 6, 7])
    queue = HeldQueue(records)
    got = read_held_all(queue.client(), page_size=3, concurrency=4, **options)
    assert ids_of(got) == sorted(ids_of(records), reverse=True)
    sent = queue.list_requests()
    start, end = options.get('start'), options.get('end')
    assert sent == [(start, end, None), (start, end, page_token(3, start, end)), (start, end, page_token(6, start, end))]


def test_progress_sequential():
    calls = []
    queue = HeldQueue(hour_records(OFFSETS[:8]))
    read_held_all(queue.client(), page_size=3, concurrency=1, progress=lambda *a: calls.append(a),
                  start=HOUR_START, end=HOUR_END)
    assert calls == [(1, 3, 8), (2, 6, 8), (3, 8, 8)]


def test_progress_single_page():
    calls = []
    queue = HeldQueue(hour_records(OFFSETS[:2]))
    read_held_all(queue.client(), page_size=3, concurrency=4, progress=lambda *a: calls.append(a),
                  start=HOUR_START, end=HOUR_END)
    assert calls == [(1, 2, 2)]


def test_progress_windows_counts_every_page():
    calls = []
    queue = HeldQueue(hour_records())
    read_held_all(queue.client(), page_size=3, concurrency=4, progress=lambda *a: calls.append(a),
                  start=HOUR_START, end=HOUR_END)
    pages = [c[0] for c in calls]
    counts = [c[1] for c in calls]
    assert pages == list(range(1, len(queue.list_requests()) + 1))  # one call per page read, in order
    assert calls[0] == (1, 3, 20)
    assert counts == sorted(counts) and all(c[2] == 20 for c in calls)


def test_progress_windows_never_counts_more_than_the_total():
    calls = []
    queue = HeldQueue(hour_records())
    read_held_all(queue.client(), page_size=3, concurrency=4, progress=lambda *a: calls.append(a),
                  start=HOUR_START, end=HOUR_END)
    assert all(count <= total for dummy, count, total in calls)
    assert calls[-1][1] == 20


def test_held_ids_reads_the_whole_queue_in_windows():
    now = datetime.datetime.now(datetime.timezone.utc)
    records = [held_record('h%03d' % i, api_date(now - datetime.timedelta(hours=7 * i))) for i in range(40)]
    queue = HeldQueue(records)
    assert held_ids(queue.client(), page_size=10, concurrency=3) == set('h%03d' % i for i in range(40))
    sent = queue.list_requests()
    start, end = parse_date(sent[0][0]), parse_date(sent[0][1])
    # explicit window from 30 days ago to a day ahead, then three windows
    assert end - start == datetime.timedelta(days=31)
    assert abs((start - (now - datetime.timedelta(days=30))).total_seconds()) < 60
    assert len(set((s, e) for s, e, dummy in sent[1:])) == 3


@pytest.mark.parametrize('route', ['OUTBOUND', 'outbound', ' Outbound '])
def test_route_filter_in_any_case_is_sent_in_the_api_form(route):
    from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import HELD_LIST
    item = HELD_LIST.request(filter_by={'route': route, 'held_group': 'user'})
    assert item['filterBy'] == [{'fieldName': 'route', 'value': 'outbound'}, {'fieldName': 'heldGroup', 'value': 'user'}]


def test_unknown_route_is_an_input_error():
    from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
    from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import HELD_LIST
    with pytest.raises(InputError, match="filter_by.route must be one of all, inbound, outbound, internal, external"):
        HELD_LIST.request(filter_by={'route': 'sideways'})
