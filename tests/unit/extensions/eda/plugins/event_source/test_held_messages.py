# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The held_messages event source, driven with an asyncio queue against the real simulator (HTTP on loopback)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import datetime
import json
import logging
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from mimecast_sim import DEFAULT_CREDENTIALS
from mimecast_sim.testing import Simulator

from ansible_collections.secops.mimecast.extensions.eda.plugins.event_source import held_messages as hm
from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_date

HOLD_LIST = '/api/gateway/get-hold-message-list'
SECRETS = (DEFAULT_CREDENTIALS['secret_key'], DEFAULT_CREDENTIALS['app_key'], DEFAULT_CREDENTIALS['client_secret'])


@pytest.fixture(scope='module')
def simulator():
    with Simulator(held=10, seed=11) as sim:
        yield sim


@pytest.fixture
def sim(simulator):
    simulator.reset(held=0, seed=11)
    simulator.config(binding_expired=False, clock_offset=0, rate_limit=0, latency_ms=0, token_ttl=1800)
    simulator.clear_faults()
    return simulator


@pytest.fixture(autouse=True)
def no_mimecast_env(monkeypatch):
    for key in [k for k in os.environ if k.startswith('MIMECAST_')]:
        monkeypatch.delenv(key)


def api_date(moment):
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S+0000')


def now_second(offset=0):
    return datetime.datetime.fromtimestamp(int(time.time()) + offset, datetime.timezone.utc)


def source_args(sim, api='1.0', **extra):
    args = dict((k[len('MIMECAST_'):].lower(), v) for k, v in sim.credentials(api).items())
    args.update(interval=0.2, start='-1h')
    args.update(extra)
    return args


def list_requests(sim):
    return sum(sim.stats()['by_path'].get(HOLD_LIST, {}).values())


def hold(subject, received, **fields):
    record = {'subject': subject, 'dateReceived': api_date(received)}
    record.update(fields)
    return record


class Run(object):
    """The source running as a task, with a consumer collecting its events."""

    def __init__(self, sim, args, maxsize=0):
        self.sim = sim
        self.queue = asyncio.Queue(maxsize=maxsize)
        self.events = []
        self.task = asyncio.ensure_future(hm.main(self.queue, args))
        self.consumer = asyncio.ensure_future(self._consume())

    async def _consume(self):
        while True:
            self.events.append(await self.queue.get())

    def ids(self):
        return [e['held_message']['id'] for e in self.events]

    async def polls(self, count, timeout=20):
        """Wait until the source has read the list ``count`` more times (complete polls of one page)."""
        target = await asyncio.to_thread(list_requests, self.sim) + count
        deadline = time.monotonic() + timeout
        while await asyncio.to_thread(list_requests, self.sim) < target:
            if self.task.done():
                self.task.result()
                raise AssertionError('the source ended')
            assert time.monotonic() < deadline, 'the source did not poll %d times in %s s' % (count, timeout)
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)  # the poll's events reach the consumer

    async def until(self, predicate, timeout=20):
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.task.done():
                self.task.result()
            assert time.monotonic() < deadline, 'timed out; events so far: %s' % self.ids()
            await asyncio.sleep(0.05)

    async def stop(self):
        for task in (self.task, self.consumer):
            task.cancel()
        for task in (self.task, self.consumer):
            try:
                await task
            except asyncio.CancelledError:
                pass


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 120))


def add(sim, *records):
    return sim.add_messages(list(records))


# ------------------------------------------------------------------------------------------ new holds, once each
def test_new_holds_emitted_once_with_the_contract_shape(sim):
    old = add(sim, hold('before the window', now_second(-7200)))
    early = add(sim, hold('in the start window', now_second(-600), reasonCode='message_hold_applied_spam_signature_policy',
                          **{'from': 'hello@news.vendor.example'}))

    async def scenario():
        src = Run(sim, source_args(sim))
        await src.polls(2)
        assert src.ids() == early
        later = add(sim, hold('new 1', now_second()), hold('new 2', now_second(-1)), hold('new 3', now_second(-30)))
        await src.until(lambda: len(src.events) >= 4)
        await src.polls(3)
        await src.stop()
        return src, later

    src, later = run(scenario())
    ids = src.ids()
    assert sorted(ids) == sorted(early + later)
    assert len(ids) == len(set(ids))
    assert old[0] not in ids
    event = src.events[0]
    assert set(event) == {'held_message', 'mimecast'}
    message = event['held_message']
    assert message['reason_code'] == 'message_hold_applied_spam_signature_policy'
    assert message['from']['email_address'] == 'hello@news.vendor.example'
    assert message['from_header']['email_address'] == 'hello@news.vendor.example'
    assert 'date_received' in message and 'dateReceived' not in message
    assert event['mimecast']['base_url'] == sim.base_url
    polled = parse_date(event['mimecast']['polled_at'])
    assert abs((datetime.datetime.now(datetime.timezone.utc) - polled).total_seconds()) < 60


def test_api_2_0_credentials_and_search_filter(sim):
    add(sim, hold('Weekly digest 12', now_second(-60)), hold('Payroll', now_second(-50)))

    async def scenario():
        src = Run(sim, source_args(sim, api='2.0', search_by={'field_name': 'subject', 'value': 'digest'}))
        await src.polls(2)
        await src.stop()
        return src

    src = run(scenario())
    assert [e['held_message']['subject'] for e in src.events] == ['Weekly digest 12']


# ---------------------------------------------------------------------------------- bookmark boundary
def test_nothing_missed_when_holds_share_the_bookmark_second(sim):
    moment = now_second(-20)
    first = add(sim, hold('A', moment))

    async def scenario():
        # lookback 0: the window starts exactly at the newest dateReceived seen; page_size 1 splits that second
        src = Run(sim, source_args(sim, lookback='0s', page_size=1))
        await src.polls(2)
        assert src.ids() == first
        same_second = add(sim, hold('B', moment), hold('C', moment), hold('D', moment))
        await src.until(lambda: len(src.events) >= 4)
        late = add(sim, hold('older than the window', moment - datetime.timedelta(seconds=1)))
        await src.polls(6)
        await src.stop()
        return src, same_second, late

    src, same_second, late = run(scenario())
    ids = src.ids()
    assert sorted(ids) == sorted(first + same_second)
    assert len(ids) == len(set(ids))
    assert late[0] not in ids  # lookback 0: a hold received before the newest one seen is not read again


def test_a_late_hold_within_lookback_is_emitted(sim):
    add(sim, hold('newest', now_second(-5)))

    async def scenario():
        src = Run(sim, source_args(sim, lookback='15m'))
        await src.polls(2)
        late = add(sim, hold('held ten minutes after receipt', now_second(-600)))
        await src.until(lambda: len(src.events) >= 2)
        await src.polls(2)
        await src.stop()
        return src, late

    src, late = run(scenario())
    assert src.ids()[1:] == late


# ---------------------------------------------------------------------------------- state file and restart
def test_restart_with_state_file_emits_nothing_twice(sim, tmp_path):
    state = tmp_path / 'held.json'
    first = add(sim, hold('one', now_second(-100)), hold('two', now_second(-90)))

    async def first_run():
        src = Run(sim, source_args(sim, state_file=str(state), start='-1d'))
        await src.until(lambda: len(src.events) >= 2)
        await src.polls(2)
        await src.stop()
        return src

    src1 = run(first_run())
    assert sorted(src1.ids()) == sorted(first)
    saved = json.loads(state.read_text())
    assert sorted(saved['emitted']) == sorted(first)
    assert saved['base_url'] == sim.base_url and saved['newest']
    assert [p.name for p in tmp_path.iterdir()] == ['held.json']  # no temporary file left behind

    while_stopped = add(sim, hold('held while the source was stopped', now_second(-80)))

    async def second_run():
        # start is ignored now: the bookmark of the state file decides
        src = Run(sim, source_args(sim, state_file=str(state), start='-1d'))
        await src.until(lambda: len(src.events) >= 1)
        after = add(sim, hold('after the restart', now_second()))
        await src.until(lambda: len(src.events) >= 2)
        await src.polls(3)
        await src.stop()
        return src, after

    src2, after = run(second_run())
    assert src2.ids() == while_stopped + after
    saved = json.loads(state.read_text())
    assert sorted(saved['emitted']) == sorted(first + while_stopped + after)


def test_stopped_in_the_middle_of_a_poll_the_restart_goes_on_where_it_stopped(sim, tmp_path):
    state = tmp_path / 'held.json'
    base = now_second(-300)
    ids = add(sim, *[hold('burst %d' % n, base + datetime.timedelta(seconds=n)) for n in range(9)])

    async def first_run():
        # queue of 2, nobody reading: the source puts 2 events of the first page and waits for room for the third
        src = Run(sim, source_args(sim, page_size=3, state_file=str(state)), maxsize=2)
        src.consumer.cancel()
        await asyncio.sleep(0.5)
        queued = [src.queue.get_nowait()['held_message']['id'] for dummy in range(2)]
        await src.stop()
        return queued

    queued = run(first_run())
    assert sorted(json.loads(state.read_text())['emitted']) == sorted(queued)

    async def second_run():
        src = Run(sim, source_args(sim, page_size=3, state_file=str(state)))
        await src.until(lambda: len(src.events) >= 7)
        await src.polls(2)
        await src.stop()
        return src

    src = run(second_run())
    assert sorted(src.ids() + queued) == sorted(ids)
    assert len(set(src.ids())) == 7


KILLED_SOURCE = """
import asyncio, json, sys
from ansible_collections.secops.mimecast.extensions.eda.plugins.event_source import held_messages
args = json.loads(sys.argv[1])
async def go():
    queue = asyncio.Queue(maxsize=2)  # nobody reads it: the source waits for room for its third event
    task = asyncio.ensure_future(held_messages.main(queue, args))
    while queue.qsize() < 2:
        await asyncio.sleep(0.05)
    print('blocked', flush=True)
    await task
asyncio.run(go())
"""


def test_killed_in_the_middle_of_a_poll_a_restart_emits_nothing_twice(sim, tmp_path):
    state = tmp_path / 'held.json'
    base = now_second(-300)
    ids = add(sim, *[hold('burst %d' % n, base + datetime.timedelta(seconds=n)) for n in range(9)])
    args = source_args(sim, page_size=3, state_file=str(state))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    with subprocess.Popen([sys.executable, '-c', KILLED_SOURCE, json.dumps(args)], stdout=subprocess.PIPE, env=env,
                          text=True) as proc:
        try:
            assert proc.stdout.readline().strip() == 'blocked'
        finally:
            proc.send_signal(signal.SIGKILL)
    page = json.loads(state.read_text())['emitted']
    assert len(page) == 3  # the first page was saved before its events went on the queue

    async def restarted():
        src = Run(sim, source_args(sim, page_size=3, state_file=str(state)))
        await src.until(lambda: len(src.events) >= 6)
        await src.polls(2)
        await src.stop()
        return src

    src = run(restarted())
    assert sorted(src.ids()) == sorted(set(ids) - set(page))
    assert len(set(src.ids())) == 6


def test_ids_older_than_the_window_are_forgotten(sim, tmp_path):
    state = tmp_path / 'held.json'
    old = add(sim, hold('old', now_second(-3000)), hold('older', now_second(-3100)))

    async def scenario():
        src = Run(sim, source_args(sim, state_file=str(state), lookback='10m'))
        await src.until(lambda: len(src.events) >= 2)
        new = add(sim, hold('new', now_second()))
        await src.until(lambda: len(src.events) >= 3)
        await src.polls(2)
        await src.stop()
        return src, new

    src, new = run(scenario())
    assert sorted(src.ids()) == sorted(old + new)
    saved = json.loads(state.read_text())
    assert list(saved['emitted']) == new  # the old ones are 50 minutes before the newest, outside the window
    assert parse_date(saved['since']) == parse_date(saved['newest']) - datetime.timedelta(minutes=10)


def test_bad_state_files_are_clear_errors(sim, tmp_path):
    state = tmp_path / 'held.json'
    state.write_text('{not json')
    with pytest.raises(hm.HeldMessagesError, match='cannot be read'):
        run(hm.main(asyncio.Queue(), source_args(sim, state_file=str(state))))
    state.write_text(json.dumps({'version': 1, 'base_url': 'https://eu-api.mimecast.com', 'start': '2026-01-01T00:00:00+0000',
                                 'newest': None, 'emitted': {}}))
    with pytest.raises(hm.HeldMessagesError, match='belongs to a source of https://eu-api.mimecast.com'):
        run(hm.main(asyncio.Queue(), source_args(sim, state_file=str(state))))
    assert list_requests(sim) == 0


# ---------------------------------------------------------------------------------- faults
@pytest.mark.parametrize('kind', ['status_503', 'drop_before', 'malformed', 'status_429'])
def test_transient_faults_are_retried_at_the_next_poll(sim, kind, caplog):
    caplog.set_level(logging.WARNING, logger=hm.PLUGIN)
    first = add(sim, hold('before the fault', now_second(-30)))

    async def scenario():
        # no retries inside a poll, so each fault fails a whole poll
        src = Run(sim, source_args(sim, retries=0, max_retry_wait=0))
        await src.until(lambda: len(src.events) >= 1)
        await asyncio.to_thread(sim.faults, [{'kind': kind, 'path': HOLD_LIST, 'count': 3}])
        during = add(sim, hold('during the fault', now_second()))
        await src.until(lambda: len(src.events) >= 2)
        await src.polls(3)
        await src.stop()
        return src, during

    src, during = run(scenario())
    assert src.ids() == first + during
    failed = [r for r in caplog.records if 'failed, trying again' in r.getMessage()]
    assert len(failed) == 3, [r.getMessage() for r in caplog.records]
    for record in caplog.records:
        assert not any(secret in record.getMessage() for secret in SECRETS)


def test_a_fault_between_pages_emits_nothing_twice(sim, tmp_path):
    base = now_second(-300)
    ids = add(sim, *[hold('burst %d' % n, base + datetime.timedelta(seconds=n)) for n in range(9)])

    async def scenario():
        # queue of 2: the source reads the first page (3 records), puts 2 and waits for the consumer
        src = Run(sim, source_args(sim, page_size=3, retries=0, max_retry_wait=0, state_file=str(tmp_path / 's.json')),
                  maxsize=2)
        src.consumer.cancel()
        await asyncio.sleep(0.5)
        assert await asyncio.to_thread(list_requests, sim) == 1
        # the second page of this poll fails: the first page's events are out, the poll is tried again
        await asyncio.to_thread(sim.faults, [{'kind': 'status_503', 'path': HOLD_LIST, 'count': 1}])
        src.consumer = asyncio.ensure_future(src._consume())  # pylint: disable=protected-access
        await src.until(lambda: len(src.events) >= 9)
        await src.polls(3)
        await src.stop()
        return src

    src = run(scenario())
    assert sorted(src.ids()) == sorted(ids)
    assert len(src.ids()) == len(set(src.ids()))
    statuses = sim.stats()['by_path'][HOLD_LIST]
    assert statuses.get('503') == 1, statuses


@pytest.mark.parametrize('case', ['bad_secret', 'binding_expired', 'unknown_client'])
def test_auth_errors_end_the_source_with_the_clear_message(sim, case):
    if case == 'bad_secret':
        args = source_args(sim, secret_key='d3Jvbmctc2VjcmV0LWtleS1mb3ItdGhlLXNpbXVsYXRvcg==')
        expected = 'refused the credentials (HTTP 401)'
    elif case == 'binding_expired':
        sim.config(binding_expired=True)
        args = source_args(sim)
        expected = 'binding has expired (HTTP 418'
    else:
        args = source_args(sim, api='2.0', client_secret='not-the-secret-of-this-client')
        expected = 'token request was refused'

    async def scenario():
        src = Run(sim, args)
        try:
            await asyncio.wait_for(asyncio.shield(src.task), 20)
        finally:
            src.consumer.cancel()

    with pytest.raises(hm.HeldMessagesError) as info:
        run(scenario())
    message = str(info.value)
    assert expected in message
    for secret in SECRETS + (args.get('secret_key'), args.get('client_secret')):
        assert not secret or secret not in message


# ---------------------------------------------------------------------------------- bursts, page by page
def test_a_burst_is_emitted_page_by_page(sim):
    base = now_second(-600)
    ids = add(sim, *[hold('burst %d' % n, base + datetime.timedelta(milliseconds=300 * n)) for n in range(1200)])

    async def scenario():
        # a bounded queue: the source waits for the consumer before it reads the next page
        src = Run(sim, source_args(sim, page_size=100, interval=5), maxsize=100)
        src.consumer.cancel()
        await asyncio.sleep(0.5)
        requests_while_blocked = await asyncio.to_thread(list_requests, sim)
        src.consumer = asyncio.ensure_future(src._consume())  # pylint: disable=protected-access
        await src.until(lambda: len(src.events) >= 1200, timeout=60)
        await src.stop()
        return src, requests_while_blocked

    src, requests_while_blocked = run(scenario())
    assert requests_while_blocked <= 2  # one or two pages read, not the twelve of the burst
    assert sorted(src.ids()) == sorted(ids)
    assert list_requests(sim) >= 12


# ---------------------------------------------------------------------------------- arguments
@pytest.mark.parametrize('extra, message', [
    (dict(interval=0), 'interval must be more than 0'),
    (dict(interval='often'), "interval"),
    (dict(lookback='a while'), 'lookback'),
    (dict(start='yesterday'), "start 'yesterday' is not a date"),
    (dict(page_size=1000), 'page_size must be between 1 and 500'),
    (dict(polling=5), 'polling'),
    (dict(filter_by={'route': 'sideways'}), 'sideways'),
    (dict(search_by={'field_name': 'subject'}), 'value'),
    (dict(state_file='/nonexistent/dir/held.json'), 'does not exist or is not writable'),
    (dict(app_key=None, app_id=None), 'Incomplete API 1.0 credentials: missing app_id, app_key'),
    (dict(base_url='eu-api.mimecast.com'), 'base_url must be a URL'),
    (dict(secret_key='not base64!'), 'secret_key is not valid base64'),
])
def test_bad_arguments_fail_before_any_api_call(sim, extra, message):
    args = source_args(sim)
    args.update(extra)
    with pytest.raises(hm.HeldMessagesError) as info:
        run(hm.main(asyncio.Queue(), args))
    assert message in str(info.value)
    assert str(info.value).startswith('secops.mimecast.held_messages: ')
    assert not any(secret in str(info.value) for secret in SECRETS)
    assert list_requests(sim) == 0


def test_connection_from_the_mimecast_environment(sim, monkeypatch):
    for key, value in sim.credentials('1.0').items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv('MIMECAST_VALIDATE_CERTS', 'false')
    params = hm.validate_args({'interval': 5})
    assert params['base_url'] == sim.base_url
    assert params['secret_key'] == DEFAULT_CREDENTIALS['secret_key']
    assert params['validate_certs'] is False
    assert params['lookback_seconds'] == 900
    add(sim, hold('via env', now_second(-10)))

    async def scenario():
        src = Run(sim, {'interval': 0.2})
        await src.until(lambda: len(src.events) >= 1)
        await src.stop()
        return src

    assert [e['held_message']['subject'] for e in run(scenario()).events] == ['via env']


def test_certificate_checks_off_are_a_warning_naming_the_host(sim, caplog):
    caplog.set_level(logging.WARNING, logger=hm.PLUGIN)
    add(sim, hold('checked or not', now_second(-30)))

    async def scenario():
        src = Run(sim, source_args(sim, validate_certs=False))
        await src.until(lambda: len(src.events) >= 1)
        await src.stop()
        return src

    assert [e['held_message']['subject'] for e in run(scenario()).events] == ['checked or not']
    host = sim.base_url.split('://', 1)[1]
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and r.getMessage() ==
              'validate_certs is false: TLS certificates of %s are not checked' % host]
    assert len(warned) == 1, [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize('text, seconds', [('15m', 900), ('900s', 900), ('1h', 3600), ('0', 0), (30, 30), ('2.5m', 150)])
def test_lookback_forms(monkeypatch, text, seconds):
    # the one duration grammar (dates.parse_duration)
    for key, value in (('BASE_URL', 'https://api.services.mimecast.com'), ('CLIENT_ID', 'id'), ('CLIENT_SECRET', 'secret')):
        monkeypatch.setenv('MIMECAST_' + key, value)
    assert hm.validate_args({'lookback': text})['lookback_seconds'] == seconds


def test_documentation_matches_the_argument_spec(monkeypatch):
    doc = yaml.safe_load(hm.DOCUMENTATION)
    spec = hm.argument_spec()
    assert sorted(doc['options']) == sorted(spec)
    for name, option in spec.items():
        documented = doc['options'][name]
        assert documented['type'] == option['type'], name
        assert documented.get('default') == option.get('default'), name
        assert documented.get('required', False) == option.get('required', False), name
        for sub, sub_option in option.get('options', {}).items():
            assert documented['suboptions'][sub]['type'] == sub_option['type']
            assert documented['suboptions'][sub].get('choices') == sub_option.get('choices')
            assert documented['suboptions'][sub].get('default') == sub_option.get('default')
    # the examples' source arguments are valid ones
    monkeypatch.setenv('MIMECAST_BASE_URL', 'https://api.services.mimecast.com')
    monkeypatch.setenv('MIMECAST_CLIENT_ID', 'id')
    monkeypatch.setenv('MIMECAST_CLIENT_SECRET', 'secret')
    for ruleset in yaml.safe_load(hm.EXAMPLES):
        args = dict(ruleset['sources'][0]['secops.mimecast.held_messages'])
        args = dict((k, v) for k, v in args.items() if k not in ('state_file', 'client_id', 'client_secret'))
        assert hm.validate_args(args)['interval'] > 0
