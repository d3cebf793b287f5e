# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mimecast_triage end to end in-process: the real client, engine and payloads over a fake held queue."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import re

import pytest

from ansible_collections.secops.mimecast.plugins.action import mimecast_triage as plugin
from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_date
from ansible_collections.secops.mimecast.plugins.plugin_utils import action_base
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import FakeResponse, envelope, make_action_plugin
from ansible_collections.secops.mimecast.tests.unit.plugins.module_utils.test_held import (
    LIST,
    REJECT,
    RELEASE,
    HeldQueue,
    api_date,
    held_record,
)

SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQ='
APP_KEY = 'app-key-0123456789'
CONN = {'base_url': 'https://eu-api.mimecast.com', 'access_key': 'AK', 'secret_key': SECRET, 'app_id': 'APP',
        'app_key': APP_KEY}
CONFIDENTIAL = 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'
INAPPROPRIATE = 'INAPPROPRIATE COMMUNICATION'
RULES = [
    {'name': 'news', 'match': {'sender': r'@news\.vendor\.example$'}, 'action': 'release'},
    {'name': 'dlp', 'match': {'route': 'outbound'}, 'action': 'reject', 'reason_type': CONFIDENTIAL,
     'message': 'Card numbers are not sent.', 'notify': True},
    {'name': 'phish', 'match': {'subject': 'invoice'}, 'action': 'reject', 'reason_type': INAPPROPRIATE},
    {'name': 'rest', 'match': {'subject': ''}, 'action': 'keep'},
]
NEWS = ['n%d' % i for i in range(1, 8)]
REPORT_KEYS = {'totals', 'rules', 'failures', 'check_mode', 'generated_at', 'rules_sha256', 'plan'}
PLAN_LINE = re.compile(r'^plan sha256:[0-9a-f]{64} \(held queue read at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$')


def queue_records():
    """12 held messages, listed by the API in this order (newest first): 7 news, 2 outbound, 1 invoice, 2 others."""
    now = datetime.datetime.now(datetime.timezone.utc)
    shapes = [(i, 'a@news.vendor.example', 'INBOUND', 'digest') for i in NEWS]
    shapes += [('d1', 'bob@corp.example', 'OUTBOUND', 'cards'), ('d2', 'eve@corp.example', 'OUTBOUND', 'more cards'),
               ('p1', 'x@evil.example', 'INBOUND', 'Your invoice'), ('k1', 'ceo@evil.example', 'INBOUND', 'wire'),
               ('k2', 'hr@partner.example', 'INBOUND', 'cv')]
    return [held_record(msg_id, api_date(now - datetime.timedelta(minutes=5 * (index + 1))),
                        route=route, subject=subject, **{'from': {'emailAddress': sender, 'displayableName': ''},
                                                         'fromHeader': {'emailAddress': sender, 'displayableName': ''}})
            for index, (msg_id, sender, route, subject) in enumerate(shapes)]


@pytest.fixture
def api(monkeypatch):
    """The held queue; the action's client is a real MimecastClient talking to it. ``api.built``: clients made."""
    queue = HeldQueue(queue_records())
    queue.built = []

    def client_from_params(params, warn=None, pool_size=8):
        keys = ('base_url', 'access_key', 'secret_key', 'app_id', 'app_key', 'client_id', 'client_secret',
                'validate_certs', 'timeout', 'retries', 'max_retry_wait')
        kwargs = dict((k, params[k]) for k in keys if params.get(k) is not None)
        queue.built.append(kwargs)
        return MimecastClient(warn=warn, pool_size=pool_size, session=queue.session, sleep=lambda s: None, **kwargs)

    monkeypatch.setattr(action_base, 'client_from_params', client_from_params)
    queue.displayed = []
    monkeypatch.setattr(action_base.display, 'display', lambda msg, *a, **kw: queue.displayed.append(msg))
    return queue


def run_action(args, check_mode=False, diff=False):
    return make_action_plugin(plugin, args, action='secops.mimecast.mimecast_triage', name='Triage',
                              check_mode=check_mode, diff=diff).run(task_vars={})


def release_batches(api):
    return [body for path, body in api.writes() if path == RELEASE]


def reject_bodies(api):
    return [body for path, body in api.writes() if path == REJECT]


def read_report(path):
    with open(path) as handle:
        text = handle.read()
    report = json.loads(text)
    # sorted keys, indent 2, one trailing newline
    assert text == json.dumps(report, indent=2, sort_keys=True) + '\n'
    return report


# ------------------------------------------------------------------ the happy path

def test_releases_and_rejects_with_exact_payloads(api):
    result = run_action(dict(CONN, rules=RULES, batch_size=3, concurrency=1))
    assert not result.get('failed'), result
    paths = [path for path, body in api.requests]
    assert paths == [LIST, RELEASE, RELEASE, RELEASE, REJECT, REJECT]
    # the read: the whole default window (-14d .. now), camelCase page size
    read = api.calls(LIST)[0]
    assert read['meta'] == {'pagination': {'pageSize': 500}}
    item = read['data'][0]
    assert set(item) == {'admin', 'start', 'end'} and item['admin'] is True
    assert parse_date(item['end']) - parse_date(item['start']) == datetime.timedelta(days=14)
    # releases in batches of 3, in the queue's order
    assert release_batches(api) == [{'data': [{'id': 'n1'}, {'id': 'n2'}, {'id': 'n3'}]},
                                    {'data': [{'id': 'n4'}, {'id': 'n5'}, {'id': 'n6'}]},
                                    {'data': [{'id': 'n7'}]}]
    # one reject request per group, with the group's reason, notification and message
    assert reject_bodies(api) == [
        {'data': [{'ids': ['d1', 'd2'], 'reasonType': CONFIDENTIAL, 'notify': True, 'message': 'Card numbers are not sent.'}]},
        {'data': [{'ids': ['p1'], 'reasonType': INAPPROPRIATE, 'notify': False}]},
    ]
    rejected = [('reject', 'd1'), ('reject', 'd2'), ('reject', 'p1')]
    assert sorted(api.acted) == sorted([('release', i) for i in NEWS] + rejected)
    assert sorted(api.held) == ['k1', 'k2']

    assert result['changed'] is True
    assert result['totals'] == {'held': 12, 'released': 7, 'rejected': 3, 'kept': 2, 'failed': 0, 'not_held': 0}
    assert [(r['name'], r['action'], r['matched'], r['released'], r['rejected'], r['failed'], r['not_held'])
            for r in result['rules']] == [('news', 'release', 7, 7, 0, 0, 0), ('dlp', 'reject', 2, 0, 2, 0, 0),
                                          ('phish', 'reject', 1, 0, 1, 0, 0), ('rest', 'keep', 2, 0, 0, 0, 0)]
    assert result['rules'][0]['ids'] == NEWS and result['rules'][3]['ids'] == ['k1', 'k2']
    assert result['failures'] == [] and result['check_mode'] is False
    # the plan's digest first (signed-off plans: the digest a person names), then a line per rule, then the totals
    assert PLAN_LINE.match(result['summary'][0]) and result['plan']['digest'] in result['summary'][0]
    assert result['summary'][1:] == [
        "rule 'news' (release): matched 7, released 7, failed 0",
        "rule 'dlp' (reject): matched 2, rejected 2, failed 0",
        "rule 'phish' (reject): matched 1, rejected 1, failed 0",
        "rule 'rest' (keep): matched 2, kept held",
        'totals: held 12, released 7, rejected 3, kept 2, failed 0, not held any more 0',
    ]
    assert result['msg'] == 'totals: held 12, released 7, rejected 3, kept 2, failed 0, not held any more 0'
    assert 'diff' not in result and 'report_path' not in result
    assert api.displayed == []  # no progress lines for a small queue
    # the held records themselves never reach the result (the subjects: 'digest', 'more cards', ...)
    assert 'vendor.example' not in json.dumps(result) and 'more cards' not in json.dumps(result)
    assert '"digest"' not in json.dumps(dict(result, plan=None))


def test_concurrent_batches_each_id_once(api):
    result = run_action(dict(CONN, rules=RULES, batch_size=2))
    assert not result.get('failed'), result
    batches = release_batches(api)
    assert sorted(len(b['data']) for b in batches) == [1, 2, 2, 2]
    assert sorted(entry['id'] for b in batches for entry in b['data']) == NEWS
    assert sorted(len(b['data'][0]['ids']) for b in reject_bodies(api)) == [1, 2]
    assert result['totals']['released'] == 7 and result['totals']['rejected'] == 3


def test_second_run_changes_nothing(api):
    first = run_action(dict(CONN, rules=RULES))
    assert first['changed'] is True
    writes = len(api.writes())
    second = run_action(dict(CONN, rules=RULES))
    assert not second.get('failed'), second
    assert second['changed'] is False
    assert len(api.writes()) == writes  # no write at all
    assert second['totals'] == {'held': 2, 'released': 0, 'rejected': 0, 'kept': 2, 'failed': 0, 'not_held': 0}
    assert second['msg'] == 'totals: held 2, released 0, rejected 0, kept 2, failed 0, not held any more 0'


def test_gone_before_the_write_is_not_held(api):
    # another admin releases n2 between the read and the write: the API refuses it, the re-read shows it gone
    original = api._list

    def list_then_gone(body):
        answer = original(body)
        api.held.pop('n2', None)
        return answer
    api._list = list_then_gone
    result = run_action(dict(CONN, rules=RULES), diff=True)
    assert not result.get('failed'), result
    assert result['totals'] == {'held': 12, 'released': 6, 'rejected': 3, 'kept': 3, 'failed': 0, 'not_held': 1}
    assert result['rules'][0]['not_held'] == 1 and result['rules'][0]['released'] == 6
    assert result['summary'][1] == "rule 'news' (release): matched 7, released 6, not held any more 1, failed 0"
    assert result['changed'] is True and [body['data'] for body in release_batches(api)] == [[{'id': i} for i in NEWS]]
    # n2 is not held any more: the diff counts it out of the held messages after the run
    assert result['diff']['after'].startswith("rule 'news' (release): 0 held\n")
    assert result['diff']['after'].endswith('held in the window: 2\n')


# --------------------------------------------------------------------- check mode

def test_check_mode_writes_nothing_and_counts_what_would_happen(api, tmp_path):
    report = tmp_path / 'triage.json'
    result = run_action(dict(CONN, rules=RULES, report=str(report)), check_mode=True)
    assert not result.get('failed'), result
    assert api.writes() == [] and all(path == LIST for path, body in api.requests)
    assert len(api.held) == 12
    assert result['check_mode'] is True
    assert result['totals'] == {'held': 12, 'released': 7, 'rejected': 3, 'kept': 2, 'failed': 0, 'not_held': 0}
    assert result['summary'][0].startswith('DRY RUN')
    assert "rule 'news' (release): matched 7, would release 7, failed 0" in result['summary']
    assert result['msg'] == 'totals: held 12, would release 7, would reject 3, kept 2, failed 0, not held any more 0'
    written = read_report(str(report))
    assert set(written) == REPORT_KEYS and written['check_mode'] is True
    assert written['totals'] == result['totals']


# ------------------------------------------------------------------------ report

def test_report_written_atomically(api, tmp_path):
    report = tmp_path / 'triage.json'
    report.write_text('{"check_mode": true, "totals": {}}')  # a dry run's report is replaced (a real run's is kept: test_evidence)
    result = run_action(dict(CONN, rules=RULES, report=str(report)))
    assert not result.get('failed'), result
    assert result['report_path'] == str(report)
    written = read_report(str(report))
    assert set(written) == REPORT_KEYS
    assert dict((k, result[k]) for k in REPORT_KEYS) == written
    assert written['check_mode'] is False and written['totals']['released'] == 7
    parsed = datetime.datetime.strptime(written['generated_at'], '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - parsed).total_seconds()) < 120
    # the review reports beside it, and no temporary file left behind
    assert sorted(os.listdir(str(tmp_path))) == ['triage.csv', 'triage.html', 'triage.json']
    assert result['review_paths'] == {'html': str(tmp_path / 'triage.html'), 'csv': str(tmp_path / 'triage.csv')}


def test_return_ids_false_keeps_the_ids_in_the_report_only(api, tmp_path):
    report = tmp_path / 'triage.json'
    result = run_action(dict(CONN, rules=RULES, report=str(report), return_ids=False))
    assert not result.get('failed'), result
    written = read_report(str(report))
    assert sum(len(rule['ids']) for rule in written['rules']) == written['totals']['held'] > 0
    # the same rules and counts in the result, without the ids
    assert result['rules'] == [dict((k, v) for k, v in rule.items() if k != 'ids') for rule in written['rules']]
    assert result['totals'] == written['totals']


@pytest.mark.parametrize('where,expect', [
    ('a file in the way', 'is not a directory'),
    ('directory', 'is a directory'),
])
def test_unwritable_report_fails_before_any_request(api, tmp_path, where, expect):
    (tmp_path / 'afile').write_text('x')
    path = str(tmp_path / 'afile' / 'triage.json') if where == 'a file in the way' else str(tmp_path)
    result = run_action(dict(CONN, rules=RULES, report=path))
    assert result['failed'] is True and expect in result['msg'] and path in result['msg']
    assert api.requests == [] and api.built == []
    assert 'totals' not in result


def test_missing_directories_of_the_report_are_created(api, tmp_path):
    report = tmp_path / 'reports' / 'eu' / 'triage.json'
    result = run_action(dict(CONN, rules=RULES, report=str(report)), check_mode=True)
    assert not result.get('failed'), result
    assert sorted(os.listdir(str(report.parent))) == ['triage.csv', 'triage.html', 'triage.json']


# ------------------------------------------------------------ invalid input, no API call

@pytest.mark.parametrize('args,expect', [
    (dict(batch_size=0), 'batch_size must be between 1 and 500'),
    (dict(batch_size=501), 'batch_size must be between 1 and 500'),
    (dict(concurrency=99), 'concurrency must be between 1 and 16'),
    (dict(concurrency=0), 'concurrency must be between 1 and 16'),
    (dict(page_size=501), 'page_size must be between 1 and 500'),
    (dict(page_size=0), 'page_size must be between 1 and 500'),
    (dict(batch_size='lots'), 'batch_size'),
    (dict(rules=[{'name': 'x', 'match': {'subject': '('}, 'action': 'release'}]), 'bad regular expression'),
    (dict(rules=[{'name': 'x', 'match': {'route': 'outbound'}, 'action': 'reject'}]), 'needs "reason_type"'),
    (dict(rules=[]), 'the rules list is empty'),
    (dict(start='yesterday'), 'is not a date'),
])
def test_invalid_input_fails_before_any_request(api, tmp_path, args, expect):
    report = tmp_path / 'triage.json'
    result = run_action(dict(dict(CONN, rules=RULES, report=str(report)), **args))
    assert result['failed'] is True and expect in result['msg'], result
    assert api.requests == []
    assert not report.exists()
    assert result['changed'] is False


# ---------------------------------------------------------------------- failures

def test_failed_ids_fail_the_task_and_others_are_done(api, tmp_path):
    report = tmp_path / 'triage.json'
    api.refuse['n2'] = ('err_hold_locked', 'locked')
    api.down.add('d1')
    result = run_action(dict(CONN, rules=RULES, batch_size=1, report=str(report)), diff=True)
    assert result['failed'] is True
    assert result['msg'].startswith('2 held message(s) could not be released or rejected: ')
    assert "n2 (err_hold_locked: locked, rule 'news')" in result['msg']
    assert "d1 (http_503: still held after 4 attempts: last error Mimecast /api/gateway/hold-reject answered HTTP 503" in result["msg"]
    assert result['msg'].endswith("rule 'dlp')")
    failures = dict((f['id'], f) for f in result['failures'])
    assert sorted(failures) == ['d1', 'n2']
    assert (failures['n2']['code'], failures['n2']['rule'], failures['n2']['retryable']) == ('err_hold_locked', 'news', False)
    assert (failures['d1']['code'], failures['d1']['rule'], failures['d1']['retryable']) == ('http_503', 'dlp', True)
    # every other id was done, and the failed ones were sent no more than the engine allows
    assert sorted(api.held) == ['d1', 'k1', 'k2', 'n2']
    assert result['totals'] == {'held': 12, 'released': 6, 'rejected': 2, 'kept': 2, 'failed': 2, 'not_held': 0}
    assert [(r['name'], r['failed']) for r in result['rules']] == [('news', 1), ('dlp', 1), ('phish', 0), ('rest', 0)]
    sent = [body['data'][0].get('id') or body['data'][0]['ids'][0] for path, body in api.writes()]
    assert sent.count('n2') == 1  # refused: never resent
    assert sent.count('d1') == 4  # no answer, still held on each re-read: sent again for each of the 3 retries, then given up
    assert result['changed'] is True
    # the failed ids are still held after the run
    assert result['diff']['after'] == ("rule 'news' (release): 1 held\nrule 'dlp' (reject): 1 held\n"
                                       "rule 'phish' (reject): 0 held\nrule 'rest' (keep): 2 held\nheld in the window: 4\n")
    written = read_report(str(report))
    assert sorted(f['id'] for f in written['failures']) == ['d1', 'n2'] and written['totals']['failed'] == 2
    assert result['report_path'] == str(report)


def test_queue_unreadable_is_a_failed_task_without_report(api, tmp_path):
    report = tmp_path / 'triage.json'
    api.list_error = lambda item, token: FakeResponse(403, envelope(fail=[{'errors': [{'code': 'err_forbidden',
                                                                                       'message': 'no role'}]}]))
    result = run_action(dict(CONN, rules=RULES, report=str(report)))
    assert result['failed'] is True and 'HTTP 403' in result['msg'] and 'Account | Dashboard | Read' in result['msg']
    assert result['error']['status'] == 403 and result['error']['codes'] == ['err_forbidden']
    assert api.writes() == [] and not report.exists()


# -------------------------------------------------------------------------- diff

def test_diff_shows_held_counts_per_rule(api):
    result = run_action(dict(CONN, rules=RULES), diff=True)
    sample = result['diff'].pop('prepared').splitlines()
    # a readable sample of each release/reject rule's messages: received, sender, subject
    assert sample[0] == "rule 'news' (release): released 7, first 7:"
    assert re.match(r'^  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  a@news\.vendor\.example  digest$', sample[1]), sample
    assert sample[8] == "rule 'dlp' (reject): rejected 2, first 2:" and 'bob@corp.example  cards' in sample[9]
    assert sample[11:] == ["rule 'phish' (reject): rejected 1, first 1:", sample[12]] and 'Your invoice' in sample[12]
    assert result['diff'] == {
        'before': ("rule 'news' (release): 7 held\nrule 'dlp' (reject): 2 held\nrule 'phish' (reject): 1 held\n"
                   "rule 'rest' (keep): 2 held\nheld in the window: 12\n"),
        'after': ("rule 'news' (release): 0 held\nrule 'dlp' (reject): 0 held\nrule 'phish' (reject): 0 held\n"
                  "rule 'rest' (keep): 2 held\nheld in the window: 2\n"),
        'before_header': 'held messages',
        'after_header': 'held messages',
    }


def test_diff_in_check_mode_shows_what_would_be(api):
    result = run_action(dict(CONN, rules=RULES), check_mode=True, diff=True)
    assert 'held in the window: 12\n' in result['diff']['before']
    assert result['diff']['after'].endswith("rule 'rest' (keep): 2 held\nheld in the window: 2\n")
    assert api.writes() == []


# ---------------------------------------------------------------------- progress

def big_queue(monkeypatch, count, prefix, spacing):
    """``count`` held newsletters ``spacing`` seconds apart behind a HeldQueue, and the list of displayed lines."""
    now = datetime.datetime.now(datetime.timezone.utc)
    records = [held_record('%s-%05d' % (prefix, i), api_date(now - datetime.timedelta(seconds=spacing * i + 60)), route='INBOUND',
                           subject='digest', **{'from': {'emailAddress': 'a@news.vendor.example'}}) for i in range(count)]
    queue = HeldQueue(records)
    monkeypatch.setattr(action_base, 'client_from_params', lambda params, warn=None, pool_size=8: MimecastClient(
        session=queue.session, sleep=lambda s: None, **CONN))
    displayed = []
    monkeypatch.setattr(action_base.display, 'display', lambda msg, *a, **kw: displayed.append(msg))
    return queue, displayed


def test_progress_lines_for_a_large_queue(monkeypatch):
    queue, displayed = big_queue(monkeypatch, 2100, 'big', 300)
    result = run_action(dict(CONN, rules=RULES))
    assert not result.get('failed'), result
    assert result['totals']['released'] == 2100 and len(queue.acted) == 2100
    reads = [m for m in displayed if 'held messages' in m]
    writes = [m for m in displayed if 'held messages' not in m]
    assert reads[0] == 'triage: read 500 of 2100 held messages (1 pages)'
    assert reads[-1].startswith('triage: read 2100 of 2100 held messages')
    # about five lines for the writes, every 420 ids (a fifth), at the batches of 100 that reach them
    assert writes == ['triage: released %d of 2100' % n for n in (500, 900, 1300, 1700, 2100)]


def test_read_progress_says_all_read_once_at_the_end(monkeypatch):
    queue, displayed = big_queue(monkeypatch, 2100, 'big', 300)
    run_action(dict(CONN, rules=RULES), check_mode=True)
    complete = [m for m in displayed if m.startswith('triage: read 2100 of 2100 held messages')]
    assert complete == ['triage: read 2100 of 2100 held messages (%d pages)' % len(queue.list_requests())]


def test_no_write_progress_below_2000_ids(monkeypatch):
    queue, displayed = big_queue(monkeypatch, 1999, 'mid', 60)
    result = run_action(dict(CONN, rules=RULES))
    assert result['totals']['released'] == 1999 and len(queue.acted) == 1999
    assert displayed == []


# ----------------------------------------------------------------------- secrets

@pytest.mark.parametrize('app_key', [APP_KEY, 'app"key\\with-escapes'])
def test_secrets_never_leave_the_task(api, tmp_path, app_key):
    conn = dict(CONN, app_key=app_key)
    report = tmp_path / 'triage.json'
    echo = 'your key %s and secret %s are wrong' % (app_key, SECRET)
    # the first read answers 503 quoting the credentials (a warning when retried) ...
    state = {'list_503': 1}

    def list_error(item, token):
        if state['list_503']:
            state['list_503'] -= 1
            return FakeResponse(503, envelope(fail=[{'errors': [{'code': 'err_busy', 'message': echo}]}]))
        return None
    api.list_error = list_error
    # ... and a release is refused with a message quoting them (a failure, in msg and in the report)
    api.refuse['n3'] = ('err_echo', echo)
    result = run_action(dict(conn, rules=RULES, report=str(report)))
    assert result['failed'] is True
    assert any('err_busy' in w for w in result['warnings'])
    assert 'n3 (err_echo: your key ******** and secret ******** are wrong' in result['msg']
    with open(str(report)) as handle:
        written = handle.read()
    assert 'err_echo' in written
    for secret in (SECRET, app_key):
        assert secret not in json.dumps(result) and secret not in repr(result)
        assert secret not in result['msg'] and all(secret not in w for w in result['warnings'])
        assert secret not in written and json.dumps(secret)[1:-1] not in written


def test_secrets_never_reach_the_review_report_nor_the_diff(api, tmp_path):
    # a held message whose subject quotes the secret key: the review's HTML and CSV and the --diff sample mask it
    api.held['n1']['subject'] = 'digest %s' % SECRET
    report = tmp_path / 'triage.json'
    result = run_action(dict(CONN, rules=RULES, report=str(report)), check_mode=True, diff=True)
    assert not result.get('failed'), result
    for name in ('triage.csv', 'triage.html'):
        with open(str(tmp_path / name)) as handle:
            text = handle.read()
        assert SECRET not in text and 'digest ********' in text, name
    assert SECRET not in result['diff']['prepared'] and 'digest ********' in result['diff']['prepared']
