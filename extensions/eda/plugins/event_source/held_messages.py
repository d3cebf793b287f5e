# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-Driven Ansible source plugin: every newly held Mimecast message, once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
short_description: Put each newly held Mimecast message on the event queue, once
description:
  - Polls C(POST /api/gateway/get-hold-message-list) every O(interval) seconds and puts every held message it has not
    emitted before on the queue, as an event with two keys, C(held_message) (the record) and C(mimecast)
    (C(base_url) and C(polled_at), the ISO time of the poll). The record is the one
    M(secops.mimecast.mimecast_held_info) returns, keys in snake_case (C(reason_code), C(from.email_address),
    C(date_received)).
  - Holds can appear in the list minutes after their C(dateReceived), so each poll reads from O(lookback) before the
    newest C(dateReceived) seen so far, and drops the ids already emitted in that window. Ids older than the window
    are forgotten, so memory stays bounded by the holds of one window.
  - With O(state_file), the bookmark and the ids emitted in the window are written to that file (atomically) before
    each page of events is put on the queue, so a restarted source emits nothing twice and misses nothing that was
    held while it was stopped.
  - Transient API errors (HTTP 5xx, timeouts, dropped connections, rate limits beyond O(max_retry_wait)) are logged
    and the poll is tried again at the next interval; no event is emitted twice. Authentication and permission errors
    (HTTP 401, 403, 418) and other errors that retrying cannot cure end the source with the API's message.
  - Uses the collection's client (API 1.0 signing or API 2.0 tokens, retries, rate limits, pagination), run off the
    event loop. Needs the C(Account | Dashboard | Read) permission and the Python library C(requests).
  - Does not need the C(ansible.eda) collection.
author:
  - secops.mimecast maintainers (!UNKNOWN)
options:
  base_url:
    description:
      - Base URL of the Mimecast API, for example V(https://api.services.mimecast.com) (API 2.0) or
        V(https://eu-api.mimecast.com) (API 1.0). C(http://) is accepted for a local simulator.
      - If not set, the value of the E(MIMECAST_BASE_URL) environment variable is used.
    type: str
    required: true
  access_key:
    description:
      - API 1.0 access key. API 1.0 is used when O(access_key), O(secret_key), O(app_id) and O(app_key) are all given.
      - If not set, the value of the E(MIMECAST_ACCESS_KEY) environment variable is used.
    type: str
  secret_key:
    description:
      - API 1.0 secret key, base64 as issued by Mimecast. Never logged.
      - If not set, the value of the E(MIMECAST_SECRET_KEY) environment variable is used.
    type: str
  app_id:
    description:
      - API 1.0 application ID.
      - If not set, the value of the E(MIMECAST_APP_ID) environment variable is used.
    type: str
  app_key:
    description:
      - API 1.0 application key. Never logged.
      - If not set, the value of the E(MIMECAST_APP_KEY) environment variable is used.
    type: str
  client_id:
    description:
      - API 2.0 client ID. API 2.0 is used when O(client_id) and O(client_secret) are given; a mix of 1.0 and 2.0
        credentials, or an incomplete set, is an error naming what is missing.
      - If not set, the value of the E(MIMECAST_CLIENT_ID) environment variable is used.
    type: str
  client_secret:
    description:
      - API 2.0 client secret. Never logged.
      - If not set, the value of the E(MIMECAST_CLIENT_SECRET) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(base_url).
      - If not set, the value of the E(MIMECAST_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP request.
      - If not set, the value of the E(MIMECAST_TIMEOUT) environment variable is used.
    type: float
    default: 30
  retries:
    description:
      - How many times a request of one poll is retried after an HTTP 5xx answer, a timeout or a dropped connection.
      - If not set, the value of the E(MIMECAST_RETRIES) environment variable is used.
    type: int
    default: 3
  max_retry_wait:
    description:
      - Seconds one poll may spend waiting on rate limits and retry back-offs; past it the poll is given up and tried
        again at the next interval.
      - If not set, the value of the E(MIMECAST_MAX_RETRY_WAIT) environment variable is used.
    type: float
    default: 300
  interval:
    description:
      - Seconds between the starts of two polls. Each poll costs one request per page of holds in the window
        (one request when nothing is new), plus a token request now and then with API 2.0.
    type: float
    default: 60
  admin:
    description:
      - Watch the held messages of every recipient. V(false) watches only the API user's own mailbox.
    type: bool
    default: true
  start:
    description:
      - How far back the first poll looks, in the date forms of the modules (V(-1h), V(-30m), V(-7d),
        V(2026-11-20T08:00:00Z)).
      - Ignored when O(state_file) holds a bookmark from an earlier run.
    type: str
    default: -1h
  lookback:
    description:
      - How far before the newest C(dateReceived) seen each poll reads again, as a number with a unit
        (V(15m), V(900s), V(1h)) or a number of seconds. A hold that appears in the list more than this long after
        its C(dateReceived) (and after a newer hold was seen) is not emitted.
    type: str
    default: 15m
  search_by:
    description:
      - Text search on one field, as in M(secops.mimecast.mimecast_held_info).
    type: dict
    suboptions:
      field_name:
        description: The field searched.
        type: str
        choices: [all, subject, sender, recipient, reason_code]
        default: all
      value:
        description: The text searched for.
        type: str
        required: true
  filter_by:
    description:
      - Filters applied by the API, as in M(secops.mimecast.mimecast_held_info).
    type: dict
    suboptions:
      route:
        description:
          - Direction of the held message, one of V(all), V(inbound), V(outbound), V(internal), V(external), in any
            case (records show it in capitals, V(INBOUND)).
        type: str
      held_group:
        description: Who may release the message.
        type: str
        choices: [administrator, moderator, user, cluster]
      attachments:
        description: Only messages with (V(true)) or without (V(false)) attachments.
        type: bool
  page_size:
    description:
      - Records asked for per request (1 to 500). A burst of new holds is put on the queue page by page.
    type: int
    default: 500
  state_file:
    description:
      - A path where the bookmark and the ids emitted in the current window are kept (JSON, written atomically), so
        that a restarted source emits nothing twice. Its directory must exist and be writable. One file per source.
    type: path
notes:
  - 'An event: C({"held_message": {"id": ..., "reason_code": ..., ...}, "mimecast": {"base_url": ...,
    "polled_at": "2026-12-01T09:00:05+0000"}}); ansible-rulebook adds its own C(meta) key.'
  - Log lines and error messages never hold O(secret_key), O(app_key) or O(client_secret).
seealso:
  - module: secops.mimecast.mimecast_held_info
  - module: secops.mimecast.mimecast_hold_release
  - module: secops.mimecast.mimecast_hold_reject
'''

EXAMPLES = r'''
# Credentials from the MIMECAST_* environment variables (the "Mimecast API" credential type injects them)
- name: Triage new Mimecast holds
  hosts: localhost
  sources:
    - secops.mimecast.held_messages:
        interval: 60
        lookback: 15m
        state_file: /var/lib/eda/mimecast-held.json
  rules:
    - name: Release held newsletters
      condition: >-
        event.held_message.reason_code is search("spam", ignorecase=true)
        and event.held_message.from.email_address is search("@news[.]vendor[.]example$", ignorecase=true)
      action:
        run_module:
          name: secops.mimecast.mimecast_hold_release
          module_args:
            ids: ["{{ event.held_message.id }}"]

# Only inbound holds with attachments, API 2.0 credentials given explicitly
- name: Watch inbound holds with attachments
  hosts: localhost
  sources:
    - secops.mimecast.held_messages:
        base_url: https://api.services.mimecast.com
        client_id: "{{ mimecast_client_id }}"
        client_secret: "{{ mimecast_client_secret }}"
        interval: 120
        filter_by:
          route: inbound
          attachments: true
  rules:
    - name: Show them
      condition: event.held_message is defined
      action:
        print_event:
          pretty: true
'''

import asyncio
import datetime
import itertools
import json
import logging
import os
import sys
import time


def _collections_root():
    """The directory holding ``ansible_collections`` that this file belongs to (ansible-rulebook runs it by path)."""
    path = os.path.dirname(os.path.abspath(__file__))
    while os.path.basename(path) != 'ansible_collections':
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    return os.path.dirname(path)


try:
    from ansible_collections.secops.mimecast.plugins.module_utils import client as mc_client
except ImportError:  # run by path (ansible-rulebook): make the collection's own tree importable
    if _collections_root() is None:
        raise
    sys.path.insert(0, _collections_root())
    from ansible_collections.secops.mimecast.plugins.module_utils import client as mc_client

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.secops.mimecast.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.secops.mimecast.plugins.module_utils.dates import UTC, DateError, format_api, parse_date, parse_duration, utcnow
from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import HELD_LIST
from ansible_collections.secops.mimecast.plugins.module_utils.errors import FATAL_STATUSES, MimecastError
from ansible_collections.secops.mimecast.plugins.module_utils.files import path_problem, write_atomic
from ansible_collections.secops.mimecast.plugins.module_utils.message import HeldMessage
from ansible_collections.secops.mimecast.plugins.module_utils.records import snake_case
from ansible_collections.secops.mimecast.plugins.module_utils.signers import env_name

PLUGIN = 'secops.mimecast.held_messages'
STATE_VERSION = 1
SECRET_OPTIONS = ('secret_key', 'app_key', 'client_secret')

logger = logging.getLogger(PLUGIN)


class HeldMessagesError(Exception):
    """The source cannot go on: bad arguments, refused credentials or permissions, an unusable state file."""


def argument_spec():
    """The source's arguments: the modules' connection options (same names, same MIMECAST_* fallbacks) and its own."""
    spec = connection_argument_spec()
    held = HELD_LIST.argument_spec()  # admin, search_by and filter_by as mimecast_held_info takes them
    spec.update(
        interval=dict(type='float', default=60),
        admin=held['admin'],
        start=dict(type='str', default='-1h'),
        lookback=dict(type='str', default='15m'),
        search_by=held['search_by'],
        filter_by=held['filter_by'],
        page_size=dict(type='int', default=500),
        state_file=dict(type='path'),
    )
    return spec


class _Masker(object):
    """Replaces every secret value in a text (log lines, error messages)."""

    def __init__(self, secrets):
        self._secrets = sorted(set(s for s in secrets if isinstance(s, str) and s), key=len, reverse=True)

    def __call__(self, text):
        text = str(text)
        for secret in self._secrets:
            text = text.replace(secret, '********')
        return text


def validate_args(args):
    """Validate and complete the source's arguments (env fallbacks, defaults, types); raise naming every problem."""
    if not isinstance(args, dict):
        raise HeldMessagesError('%s: the source arguments must be a mapping' % PLUGIN)
    given = dict((k, v) for k, v in args.items() if v is not None)
    result = ArgumentSpecValidator(argument_spec()).validate(given)
    masked = _Masker([given.get(k) for k in SECRET_OPTIONS] + [os.environ.get(env_name(k)) for k in SECRET_OPTIONS])
    if result.error_messages:
        raise HeldMessagesError('%s: %s' % (PLUGIN, masked('; '.join(result.error_messages))))
    params = result.validated_parameters
    if params['interval'] <= 0:
        raise HeldMessagesError('%s: interval must be more than 0 seconds; got %s' % (PLUGIN, params['interval']))
    try:
        params['lookback_seconds'] = parse_duration(params['lookback'], name='lookback')
        mc_client.check_page_size(params['page_size'])
        params['start_at'] = parse_date(params['start'], name='start')
    except (MimecastError, DateError) as exc:
        raise HeldMessagesError('%s: %s' % (PLUGIN, masked(exc)))
    state_file = params.get('state_file')
    problem = path_problem(state_file, 'state_file') if state_file else None
    if problem:
        raise HeldMessagesError('%s: %s (a state file is kept only in a directory that exists and is writable: one that '
                                'does not exist or is not writable is refused before any API call)' % (PLUGIN, problem))
    params['_masker'] = _Masker([params.get(k) for k in SECRET_OPTIONS])
    return params


def _epoch(moment):
    return int(moment.timestamp())


class Bookmark(object):
    """Where the next poll starts, and the ids already emitted from there on.

    ``since`` = the newest ``dateReceived`` seen minus ``lookback`` (never before ``start``, never moving back).
    ``emitted`` maps each id emitted at or after ``since`` to its ``dateReceived`` (epoch seconds); older ids are
    forgotten when ``since`` moves on, since no poll reads them again.
    """

    def __init__(self, start, lookback):
        self.start = start
        self.lookback = datetime.timedelta(seconds=lookback)
        self.newest = None
        self.emitted = {}

    @property
    def since(self):
        if self.newest is None:
            return self.start
        return max(self.start, self.newest - self.lookback)

    def advance(self, newest):
        """Commit the newest ``dateReceived`` (epoch seconds) of a complete poll; forget the ids before the new window."""
        if newest is not None:
            newest = datetime.datetime.fromtimestamp(newest, UTC)
            if self.newest is None or newest > self.newest:
                self.newest = newest
        floor = _epoch(self.since)
        for rid in [rid for rid, seen in self.emitted.items() if seen < floor]:
            del self.emitted[rid]

    def to_dict(self, base_url):
        return {'version': STATE_VERSION, 'base_url': base_url, 'start': format_api(self.start),
                'newest': format_api(self.newest) if self.newest else None, 'since': format_api(self.since),
                'emitted': self.emitted}

    @classmethod
    def from_dict(cls, data, lookback, base_url, path):
        def bad(why):
            return HeldMessagesError('%s: state_file %s %s; remove it to start afresh from the start option '
                                     '(messages held since then are emitted again)' % (PLUGIN, path, why))
        if not isinstance(data, dict) or data.get('version') != STATE_VERSION or not isinstance(data.get('emitted'), dict):
            raise bad('is not a state file of this source (version %s)' % STATE_VERSION)
        if data.get('base_url') != base_url:
            raise bad('belongs to a source of %s, not %s' % (data.get('base_url'), base_url))
        try:
            mark = cls(parse_date(data['start'], name='start'), lookback)
            mark.newest = parse_date(data['newest'], name='newest') if data.get('newest') else None
            mark.emitted = dict((str(rid), int(seen)) for rid, seen in data['emitted'].items())
        except (KeyError, TypeError, ValueError) as exc:
            raise bad('cannot be read (%s)' % exc)
        return mark


def load_state(path, lookback, base_url):
    """The bookmark kept in ``path``, or None when the file does not exist yet."""
    try:
        with open(path, encoding='utf-8') as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise HeldMessagesError('%s: state_file %s cannot be read (%s); remove it to start afresh' % (PLUGIN, path, exc))
    return Bookmark.from_dict(data, lookback, base_url, path)


def save_state(path, data):
    """Write ``data`` as JSON to ``path`` atomically, on disk before it returns."""
    write_atomic(path, json.dumps(data, separators=(',', ':')), fsync=True)


def _take(records, count):
    """The next ``count`` records of a reader: one page (the reader asks the API for the next page only when needed)."""
    return list(itertools.islice(records, count))


class HeldMessagesSource(object):
    """The poll loop of the ``held_messages`` source."""

    def __init__(self, params):
        self.params = params
        self.mask = params['_masker']
        self.interval = params['interval']
        self.page_size = params['page_size']
        self.state_file = params.get('state_file')
        self._waited = False
        try:
            self.client = self._new_client()
        except MimecastError as exc:
            raise HeldMessagesError('%s: %s' % (PLUGIN, self.mask(exc.msg)))
        self.base_url = self.client.base_url
        mark = load_state(self.state_file, params['lookback_seconds'], self.base_url) if self.state_file else None
        self.bookmark = mark or Bookmark(params['start_at'], params['lookback_seconds'])
        self.polls = 0
        self.emitted_total = 0

    # ------------------------------------------------------------------ helpers
    def _warn(self, msg):
        """The client's warnings (rate-limit and retry waits): logged, and the poll's wait budget is marked used."""
        self._waited = True
        logger.warning('%s', self.mask(msg))

    def _new_client(self):
        return mc_client.client_from_params(self.params, warn=self._warn, pool_size=2)

    async def _save(self):
        if self.state_file:
            data = self.bookmark.to_dict(self.base_url)
            try:
                await asyncio.to_thread(save_state, self.state_file, data)
            except OSError as exc:
                raise HeldMessagesError('%s: cannot write state_file %s (%s); stopping rather than emitting events '
                                        'a restart would emit again' % (PLUGIN, self.state_file, exc))

    # --------------------------------------------------------------------- poll
    async def poll(self, queue):
        """One poll: read the window page by page and put each message not emitted before on ``queue``.

        Returns the number of events emitted. The bookmark moves on only when the whole window was read; the ids of
        the pages already emitted are kept (and saved) at once, so a poll that fails half-way emits nothing twice.
        """
        polled_at = utcnow()
        since = self.bookmark.since
        floor = _epoch(since)
        emitted = self.bookmark.emitted
        mimecast = {'base_url': self.base_url, 'polled_at': format_api(polled_at)}
        records = HELD_LIST.read(self.client, page_size=self.page_size, admin=self.params['admin'], start=format_api(since),
                                 end='+1d', search_by=self.params['search_by'], filter_by=self.params['filter_by'])
        newest = None
        count = 0
        while True:
            page = await asyncio.to_thread(_take, records, self.page_size)
            if not page:
                break
            fresh = []
            for record in page:
                rid = record.get('id') if isinstance(record, dict) else None
                if not rid:
                    continue
                received = HeldMessage(record).received
                if received is not None and (newest is None or received > newest):
                    newest = received
                if rid in emitted:
                    continue
                seen = int(received) if received is not None else _epoch(polled_at)
                if seen < floor:  # before the window (an API that reads start loosely): emitted or forgotten already
                    continue
                emitted[rid] = seen
                fresh.append(record)
            if not fresh:
                continue
            await self._save()  # before the events: a restart never emits them again
            for done, record in enumerate(fresh):
                try:
                    await queue.put({'held_message': snake_case(record), 'mimecast': dict(mimecast)})
                except asyncio.CancelledError:
                    # stopped while the queue was full: the events not put are emitted by the next run
                    for rest in fresh[done:]:
                        emitted.pop(rest['id'], None)
                    if self.state_file:
                        save_state(self.state_file, self.bookmark.to_dict(self.base_url))
                    raise
            count += len(fresh)
            logger.info('%s: %d new held message(s) put on the queue', PLUGIN, len(fresh))
            del fresh, page
        before = (self.bookmark.since, len(emitted))
        self.bookmark.advance(newest)
        if count or (self.bookmark.since, len(emitted)) != before:
            await self._save()
        return count

    async def run(self, queue):
        """Poll every ``interval`` seconds until cancelled, or until an error retrying cannot cure."""
        logger.info('%s: watching %s every %s s from %s (lookback %s)', PLUGIN, self.base_url, self.interval,
                    format_api(self.bookmark.since), self.params['lookback'])
        while True:
            started = time.monotonic()
            self._waited = False
            self.polls += 1
            requests_before = self.client.request_count
            try:
                count = await self.poll(queue)
                self.emitted_total += count
                logger.debug('%s: poll %d: %d new, %d request(s), window from %s, %d id(s) remembered', PLUGIN,
                             self.polls, count, self.client.request_count - requests_before,
                             format_api(self.bookmark.since), len(self.bookmark.emitted))
            except MimecastError as exc:
                # errors retrying cannot cure end the source (the others are retried at the next poll)
                if not exc.retryable or exc.status in FATAL_STATUSES:
                    raise HeldMessagesError('%s: %s' % (PLUGIN, self.mask(exc.msg)))
                logger.warning('%s: poll %d failed, trying again in %s s: %s', PLUGIN, self.polls, self.interval,
                               self.mask(exc.msg))
                self._waited = True
            if self._waited:
                # the client's wait budget (max_retry_wait) is per poll: a fresh client for the next one
                self.client = self._new_client()
            await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))


async def main(queue, args):
    """ansible-rulebook's entry point: validate ``args`` (before any API call), then poll until cancelled."""
    source = HeldMessagesSource(validate_args(args))
    await source.run(queue)


if __name__ == '__main__':
    # Try it without ansible-rulebook: MIMECAST_* variables set, events printed as JSON lines.
    class _PrintQueue(object):
        async def put(self, event):
            print(json.dumps(event, sort_keys=True))

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_PrintQueue(), {'interval': 10, 'start': '-1h'}))
