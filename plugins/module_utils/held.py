# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the held queue (get-hold-message-list, ``endpoints.HELD_LIST``): one cursor, or several time windows at once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import math
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.secops.mimecast.plugins.module_utils.dates import format_api, parse_date
from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import HELD_LIST


def split_window(start, end, parts):
    """``parts`` consecutive windows covering ``start``..``end`` (API date strings), as (start, end) pairs.

    Each window but the last ends one second after the next one starts: whether the API compares
    ``start`` and ``end`` inclusively or not, and whatever precision it keeps, every moment of the
    whole window lies inside at least one of them (a message on a boundary may come twice; callers
    drop repeated ids). Returns ``[]`` when the window is too short to split.
    """
    first, last = parse_date(start, name='start'), parse_date(end, name='end')
    span = int((last - first).total_seconds())
    if parts < 2 or span < 2 * parts:
        return []
    bounds = [first + datetime.timedelta(seconds=span * k // parts) for k in range(parts)] + [last]
    overlap = datetime.timedelta(seconds=1)
    return [(format_api(bounds[k]), format_api(bounds[k + 1] + overlap) if k < parts - 1 else end)
            for k in range(parts)]


class _Progress(object):
    """Pages and distinct records read so far by one or more cursors, reported as ``progress(pages, count, total)``.

    A record is counted once per id: the windows read the first page's records again, and a message on
    the boundary of two windows twice.
    """

    def __init__(self, progress, total):
        self.progress = progress
        self.total = total
        self.pages = 0
        self.count = 0
        self._seen = set()
        self._lock = threading.Lock()

    def record(self, record):
        rid = record.get('id') if isinstance(record, dict) else None
        with self._lock:
            if rid is None or rid not in self._seen:
                self._seen.add(rid)
                self.count += 1

    def page(self, *dummy):
        with self._lock:
            self.pages += 1
            if self.progress is not None:
                self.progress(self.pages, self.count, self.total)

    def read(self, records, keep=None):
        """Count and collect ``records`` (an iterator over pages that calls :meth:`page` after each): the records
        themselves, or with ``keep``, ``(id, keep(record))`` pairs (the record itself is then let go)."""
        out = []
        for record in records:
            self.record(record)
            out.append(record if keep is None else (_record_id(record), keep(record)))
        return out


def _record_id(record):
    return record.get('id') if isinstance(record, dict) else None


def read_held_all(client, page_size=500, concurrency=1, progress=None, keep=None, **options):
    """Every held record matching ``options`` (a list), reading up to ``concurrency`` time windows at once.

    The first page is read over the whole window. When at least two more pages follow, the window is cut
    into ``concurrency`` consecutive time windows, each read by its own cursor in its own thread, and the
    answers are merged newest window first, each id once. A queue that fits one page costs one
    request, as before; a queue of 20 pages costs about 24 requests, read in about a quarter of the
    time. Windows are equal spans of time: a queue whose messages all arrived in one window is read
    as fast as one cursor can go, never slower.

    ``keep``: a function of a record; the list returned then holds ``keep(record)`` for each record, in the same
    order, instead of the records, which are let go as they are read (so only what is kept of a large queue is
    ever in memory).
    """
    item = HELD_LIST.request(client.scheme, **options)
    first = client.page(HELD_LIST.path, item, page_size)
    tracker = _Progress(progress, first.total_count)
    records = tracker.read(first.data, keep)
    tracker.page()
    if not first.next_token:
        return _kept(records, keep)
    windows = []
    pages_left = math.ceil((tracker.total - len(records)) / float(page_size)) if tracker.total else None
    if concurrency > 1 and item.get('start') and item.get('end') and (pages_left is None or pages_left > 1):
        windows = split_window(item['start'], item['end'], int(concurrency))
    if not windows:
        return _kept(records + tracker.read(client.paginate(HELD_LIST.path, item, page_size=page_size, token=first.next_token,
                                                            progress=tracker.page), keep), keep)
    del records  # the windows read them again

    def read_window(bounds):
        window = dict(item, start=bounds[0], end=bounds[1])
        return tracker.read(client.paginate(HELD_LIST.path, window, page_size=page_size, progress=tracker.page), keep)

    with ThreadPoolExecutor(max_workers=len(windows)) as pool:
        parts = list(pool.map(read_window, windows))
    merged, seen = [], set()
    for part in reversed(parts):  # newest window first, as the API lists them
        for record in part:
            rid = _record_id(record) if keep is None else record[0]
            if rid is not None:
                if rid in seen:
                    continue
                seen.add(rid)
            merged.append(record)
    return _kept(merged, keep)


def _kept(items, keep):
    return items if keep is None else [kept for dummy, kept in items]


def held_ids(client, page_size=500, concurrency=1):
    """The set of ids held now, for every recipient (one read of the whole queue).

    The window is explicit and wider than the 14 days a message stays held, so that an API default
    window can never hide a held message from the check.
    """
    records = read_held_all(client, page_size=page_size, concurrency=concurrency, admin=True, start='-30d', end='+1d')
    return set(record.get('id') for record in records if isinstance(record, dict) and record.get('id'))
