# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

import pytest
import requests

from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
from ansible_collections.secops.mimecast.plugins.module_utils.hold_actions import (
    HoldAction,
    InputError,
    check_tuning,
    clean_ids,
    summary_message,
)
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import V1_PARAMS, FakeResponse, FakeSession, envelope

LIST = '/api/gateway/get-hold-message-list'
RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'


class FakeApi(object):
    """A tiny in-memory held queue answering list, release and reject like the API."""

    def __init__(self, held, not_held_style='fail', write_faults=None, answers=None):
        self.held = list(held)
        self.style = not_held_style
        self.write_faults = list(write_faults or [])  # consumed in order for write calls: None or a callable
        self.answers = answers  # optional override: f(path, items) -> FakeResponse
        self.acted = []
        self.lock = threading.Lock()
        self.session = FakeSession(self.handle)

    def handle(self, call):
        path = '/' + call['url'].split('://', 1)[1].split('/', 1)[1]
        body = call['json']
        with self.lock:
            if path == LIST:
                return FakeResponse(200, envelope([{'id': i} for i in self.held], meta={'status': 200, 'pagination': {}}))
            fault = self.write_faults.pop(0) if self.write_faults else None
            if self.answers:
                return self.answers(path, body['data'])
            if fault == 'drop_before':
                return requests.exceptions.ConnectionError('NewConnectionError: Connection refused')
            if path == RELEASE:
                ids = [item['id'] for item in body['data']]
            else:
                ids = [i for item in body['data'] for i in item['ids']]
            data, fail = [], []
            flag = 'release' if path == RELEASE else 'reject'
            for msg_id in ids:
                if msg_id in self.held:
                    self.held.remove(msg_id)
                    self.acted.append((flag, msg_id))
                    data.append({'id': msg_id, flag: True})
                elif self.style == 'fail':
                    fail.append({'key': {'id': msg_id}, 'errors': [{'code': 'err_hold_message_not_found', 'message': 'not held',
                                                                   'retryable': False}]})
                else:
                    data.append({'id': msg_id, flag: False})
            if fault == 'drop_after':
                return requests.exceptions.ConnectionError('Connection aborted. RemoteDisconnected')
            if fault == '503_after':
                return FakeResponse(503, text='<html>busy</html>')
            return FakeResponse(200, envelope(data, fail))

    def client(self):
        return MimecastClient(session=self.session, sleep=lambda s: None, **V1_PARAMS)

    def writes(self):
        return [c for c in self.session.calls if not c['url'].endswith(LIST)]

    def reads(self):
        return [c for c in self.session.calls if c['url'].endswith(LIST)]


IDS = ['id-%02d' % i for i in range(10)]


@pytest.mark.parametrize('style', ['fail', 'false'])
def test_release_classifies_and_rerun_is_unchanged(style):
    api = FakeApi(IDS[:6], not_held_style=style)
    runner = HoldAction(api.client(), 'release', batch_size=4, concurrency=2)
    result = runner.run(IDS[3:9])
    assert sorted(result['done']) == IDS[3:6]
    assert sorted(result['not_held']) == IDS[6:9]
    assert result['failures'] == []
    # Only held ids were written, in batches of at most 4, each id once.
    written = [item['id'] for c in api.writes() for item in c['json']['data']]
    assert sorted(written) == IDS[3:6] and len(api.reads()) == 1
    again = HoldAction(api.client(), 'release').run(IDS[3:9])
    assert again['done'] == [] and sorted(again['not_held']) == IDS[3:9]
    assert list(api.acted) == [('release', i) for i in IDS[3:6]]


def test_reject_sends_ids_array_with_options():
    api = FakeApi(IDS)
    runner = HoldAction(api.client(), 'reject', batch_size=3, concurrency=1, reason_type='INAPPROPRIATE COMMUNICATION',
                        message='No thanks', notify=True)
    result = runner.run(IDS[:7])
    assert result['done'] == IDS[:7]
    bodies = [c['json']['data'] for c in api.writes()]
    assert bodies[0] == [{'ids': IDS[:3], 'notify': True, 'reasonType': 'INAPPROPRIATE COMMUNICATION', 'message': 'No thanks'}]
    assert [len(b[0]['ids']) for b in bodies] == [3, 3, 1]


def test_check_mode_makes_no_write():
    api = FakeApi(IDS[:3])
    result = HoldAction(api.client(), 'release').run(IDS[:5], check_mode=True)
    assert result['done'] == IDS[:3] and result['not_held'] == IDS[3:5] and api.writes() == []
    assert result['before'] == dict((i, i in IDS[:3]) for i in IDS[:5])
    assert result['after'] == dict((i, False) for i in IDS[:5])


@pytest.mark.parametrize('style', ['fail', 'false'])
def test_unverified_not_held_recognised_from_answer(style):
    api = FakeApi(IDS[:2], not_held_style=style)
    result = HoldAction(api.client(), 'release', verify_held=False).run(IDS[:4])
    assert result['done'] == IDS[:2] and sorted(result['not_held']) == IDS[2:4] and result['failures'] == []
    # one write, then one re-check read for the refused ids
    assert len(api.writes()) == 1 and len(api.reads()) == 1


@pytest.mark.parametrize('fault', ['drop_after', '503_after'])
def test_lost_answer_after_execution_counts_as_done_without_resend(fault):
    api = FakeApi(IDS[:4], write_faults=[fault])
    result = HoldAction(api.client(), 'release', batch_size=10).run(IDS[:4])
    assert result['done'] == IDS[:4] and result['failures'] == []
    assert len(api.writes()) == 1  # never sent again
    assert api.acted == [('release', i) for i in IDS[:4]]


def test_lost_answer_before_execution_is_resent_once_after_recheck():
    api = FakeApi(IDS[:4])

    def answers(path, items):
        api.answers = None  # the first write is lost before the server acts
        return FakeResponse(502, text='<html>gateway</html>')
    api.answers = answers
    result = HoldAction(api.client(), 'release', batch_size=10).run(IDS[:4])
    assert sorted(result['done']) == IDS[:4] and result['failures'] == []
    assert len(api.writes()) == 2 and api.acted == [('release', i) for i in IDS[:4]]


def test_still_unknown_after_resend_is_a_retryable_failure():
    api = FakeApi(IDS[:2])
    api.answers = lambda path, items: FakeResponse(503, text='down')
    result = HoldAction(api.client(), 'release').run(IDS[:2])
    assert result['done'] == []
    assert [(f['id'], f['code'], f['retryable']) for f in result['failures']] == [(i, 'http_503', True) for i in IDS[:2]]
    assert len(api.writes()) == 2  # first try + one informed resend


def test_refused_but_still_held_is_failure_with_api_code():
    api = FakeApi(IDS[:2])
    fail = [{'key': {'id': IDS[0]}, 'errors': [{'code': 'err_hold_locked', 'message': 'locked', 'retryable': True}]}]
    api.answers = lambda path, items: FakeResponse(200, envelope([{'id': IDS[1], 'release': True}], fail))
    result = HoldAction(api.client(), 'release').run(IDS[:2])
    assert result['done'] == [IDS[1]]
    assert result['failures'] == [{'id': IDS[0], 'code': 'err_hold_locked', 'message': 'locked', 'retryable': True}]


def test_reject_fail_entry_keyed_by_whole_item():
    api = FakeApi(IDS[:3])
    fail = [{'key': {'ids': IDS[:3], 'reasonType': 'BAD'}, 'errors': [{'code': 'err_validation', 'message': 'reasonType'}]}]
    api.answers = lambda path, items: FakeResponse(200, envelope([], fail))
    result = HoldAction(api.client(), 'reject').run(IDS[:3])
    assert [f['code'] for f in result['failures']] == ['err_validation'] * 3


def test_answer_missing_an_id_is_rechecked():
    api = FakeApi(IDS[:2])

    def answers(path, items):
        api.held.remove(IDS[0])
        api.held.remove(IDS[1])
        return FakeResponse(200, envelope([{'id': IDS[0], 'release': True}]))
    api.answers = answers
    result = HoldAction(api.client(), 'release').run(IDS[:2])
    assert result['done'] == IDS[:2] and result['failures'] == []


def test_fatal_status_stops_sending():
    api = FakeApi(IDS)
    api.answers = lambda path, items: FakeResponse(418, envelope(fail=[{'errors': [{'code': 'err_xdk_binding_expired'}]}]))
    result = HoldAction(api.client(), 'release', batch_size=2, concurrency=1).run(IDS)
    assert len(api.writes()) == 1
    assert len(result['failures']) == 10 and all(f['code'] == 'err_xdk_binding_expired' for f in result['failures'])


def test_concurrency_processes_each_id_once():
    many = ['m-%04d' % i for i in range(1000)]
    api = FakeApi(many)
    result = HoldAction(api.client(), 'release', batch_size=37, concurrency=8).run(many)
    assert sorted(result['done']) == many and len(api.acted) == 1000 and len(set(api.acted)) == 1000
    assert len(api.writes()) == 28


@pytest.mark.parametrize('concurrency', [1, 3])
def test_progress_after_every_answered_batch(concurrency):
    api = FakeApi(IDS)
    api.write_faults = [None, '503_after']  # an answer lost after execution still counts as answered
    progress = []
    result = HoldAction(api.client(), 'release', batch_size=4, concurrency=concurrency, verify_held=False,
                        progress=lambda answered, total: progress.append((answered, total))).run(IDS)
    assert sorted(result['done']) == IDS
    assert progress == [(4, 10), (8, 10), (10, 10)]


def test_progress_not_called_in_check_mode_or_without_ids():
    api = FakeApi(IDS[:3])
    progress = []
    runner = HoldAction(api.client(), 'release', progress=lambda *a: progress.append(a))
    runner.run(IDS[:3], check_mode=True)
    runner.run([])
    assert progress == [] and api.writes() == []


def test_clean_ids():
    assert clean_ids([' a ', 'b', 'a']) == ['a', 'b']
    with pytest.raises(InputError) as err:
        clean_ids(['ok', '', 'has space', 5])
    assert 'ids[1] is empty' in str(err.value) and 'ids[2]' in str(err.value) and 'ids[3]' in str(err.value)


@pytest.mark.parametrize('kwargs', [dict(batch_size=0), dict(batch_size=501), dict(concurrency=0), dict(concurrency=17),
                                    dict(reason_type='PLEASE GO AWAY')])
def test_bad_tuning_rejected_before_any_call(kwargs):
    session = FakeSession()
    with pytest.raises(InputError):
        HoldAction(MimecastClient(session=session, **V1_PARAMS), 'reject', **kwargs)
    assert session.calls == []


def test_summary_message_counts():
    result = {'done': ['a'], 'not_held': ['b', 'c'], 'failures': [{'id': 'd', 'code': 'http_503'}]}
    assert summary_message('release', result, False) == 'Released 1, not held 2, failed 1 (of 4 ids): d (http_503)'
    assert summary_message('reject', result, True).startswith('Would have rejected 1')


def test_check_tuning_checks_only_what_is_given():
    check_tuning(concurrency=16)  # no batch size: a plan reads, it does not write
    check_tuning(batch_size=500)
    with pytest.raises(InputError, match='concurrency must be between 1 and 16; got 17'):
        check_tuning(concurrency=17)
    with pytest.raises(InputError, match='batch_size must be between 1 and 500; got 0'):
        check_tuning(batch_size=0, concurrency=4)
