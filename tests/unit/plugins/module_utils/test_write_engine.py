# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The write engine over the action table: exact requests, outcomes, rounds under faults."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import ACTIONS, clean_ids
from ansible_collections.secops.mimecast.plugins.module_utils.write_engine import WriteAction, WriteEngine, check_tuning
from ansible_collections.secops.mimecast.plugins.module_utils.write_tasks import TASKS, summary_message
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import (
    LIST,
    RELEASE,
    V1_PARAMS,
    FakeApi,
    FakeResponse,
    FakeSession,
    envelope,
)

IDS = ['id-%02d' % i for i in range(10)]


def run(api, name, items, options=None, check_mode=False, client=None, **kwargs):
    """What a write task does: prepare the items (validation), then run the engine."""
    action = ACTIONS[name]
    options = options or {}
    engine = WriteEngine(client or api.client(), action, options, **kwargs)
    return engine.run(action.prepare(items, options), check_mode=check_mode)


@pytest.mark.parametrize('style', ['fail', 'false'])
def test_release_classifies_and_rerun_is_unchanged(style):
    api = FakeApi(IDS[:6], not_held_style=style)
    result = run(api, 'release', IDS[3:9], batch_size=4, concurrency=2)
    assert sorted(result['done']) == IDS[3:6]
    assert sorted(result['absent']) == IDS[6:9]
    assert result['failures'] == []
    # Only held ids were written, in batches of at most 4, each id once.
    written = [item['id'] for c in api.writes() for item in c['json']['data']]
    assert sorted(written) == IDS[3:6] and len(api.reads()) == 1
    again = run(api, 'release', IDS[3:9])
    assert again['done'] == [] and sorted(again['absent']) == IDS[3:9]
    assert list(api.acted) == [('release', i) for i in IDS[3:6]]


def test_reject_sends_ids_array_with_options():
    api = FakeApi(IDS)
    result = run(api, 'reject', IDS[:7], dict(reason_type='INAPPROPRIATE COMMUNICATION', message='No thanks', notify=True),
                 batch_size=3, concurrency=1)
    assert result['done'] == IDS[:7]
    bodies = [c['json']['data'] for c in api.writes()]
    assert bodies[0] == [{'ids': IDS[:3], 'notify': True, 'reasonType': 'INAPPROPRIATE COMMUNICATION', 'message': 'No thanks'}]
    assert [len(b[0]['ids']) for b in bodies] == [3, 3, 1]


def test_check_mode_makes_no_write():
    api = FakeApi(IDS[:3])
    result = run(api, 'release', IDS[:5], check_mode=True)
    assert result['done'] == IDS[:3] and result['absent'] == IDS[3:5] and api.writes() == []
    assert result['before'] == dict((i, i in IDS[:3]) for i in IDS[:5])
    assert result['after'] == dict((i, False) for i in IDS[:5])


@pytest.mark.parametrize('style', ['fail', 'false'])
def test_unverified_not_held_recognised_from_answer(style):
    api = FakeApi(IDS[:2], not_held_style=style)
    result = run(api, 'release', IDS[:4], verify=False)
    assert result['done'] == IDS[:2] and sorted(result['absent']) == IDS[2:4] and result['failures'] == []
    # one write, then one re-check read for the refused ids
    assert len(api.writes()) == 1 and len(api.reads()) == 1


@pytest.mark.parametrize('fault', ['drop_after', '503_after'])
def test_lost_answer_after_execution_counts_as_done_without_resend(fault):
    api = FakeApi(IDS[:4], write_faults=[fault])
    result = run(api, 'release', IDS[:4], batch_size=10)
    assert result['done'] == IDS[:4] and result['failures'] == []
    assert len(api.writes()) == 1  # never sent again
    assert api.acted == [('release', i) for i in IDS[:4]]


def lost_before(api, times):
    """The next ``times`` writes are lost before the server acts (a 502 from a gateway)."""
    left = {'n': times}

    def answers(path, items):
        left['n'] -= 1
        if left['n'] <= 0:
            api.answers = None
        return FakeResponse(502, text='<html>gateway</html>')
    api.answers = answers


def test_lost_answer_before_execution_is_resent_after_recheck():
    api = FakeApi(IDS[:4])
    lost_before(api, 1)
    result = run(api, 'release', IDS[:4], batch_size=10)
    assert sorted(result['done']) == IDS[:4] and result['failures'] == []
    assert len(api.writes()) == 2 and api.acted == [('release', i) for i in IDS[:4]]
    # held state read before writing, then once after the lost answer
    assert len(api.reads()) == 2


def test_faults_in_a_row_converge_within_the_retries():
    api = FakeApi(IDS[:4])
    lost_before(api, 3)
    sleeps = []
    client = MimecastClient(session=api.session, sleep=sleeps.append, **dict(V1_PARAMS, retries=3))
    result = run(api, 'release', IDS[:4], client=client, batch_size=10)
    assert sorted(result['done']) == IDS[:4] and result['failures'] == []
    assert len(api.writes()) == 4 and api.acted == [('release', i) for i in IDS[:4]]
    # a back-off before each of the three rounds, growing
    assert len(sleeps) == 3 and sleeps[0] < sleeps[2]


def test_still_held_after_every_round_is_a_retryable_failure_that_says_so():
    api = FakeApi(IDS[:2])
    api.answers = lambda path, items: FakeResponse(503, text='down')
    client = MimecastClient(session=api.session, sleep=lambda s: None, **dict(V1_PARAMS, retries=2))
    result = run(api, 'release', IDS[:2], client=client)
    assert result['done'] == []
    assert [(f['id'], f['code'], f['retryable']) for f in result['failures']] == [(i, 'http_503', True) for i in IDS[:2]]
    assert result['failures'][0]['message'].startswith('still held after 3 attempts: last error Mimecast '
                                                       '/api/gateway/hold-release answered HTTP 503')
    assert len(api.writes()) == 3  # first try + one informed resend per retry


def test_refused_but_still_held_is_failure_with_api_code():
    api = FakeApi(IDS[:2])
    fail = [{'key': {'id': IDS[0]}, 'errors': [{'code': 'err_hold_locked', 'message': 'locked', 'retryable': True}]}]
    api.answers = lambda path, items: FakeResponse(200, envelope([{'id': IDS[1], 'release': True}], fail))
    result = run(api, 'release', IDS[:2])
    assert result['done'] == [IDS[1]]
    assert result['failures'] == [{'id': IDS[0], 'code': 'err_hold_locked', 'message': 'locked', 'retryable': True}]
    assert len(api.writes()) == 1  # a refusal is not sent again


def test_reject_fail_entry_keyed_by_whole_item():
    api = FakeApi(IDS[:3])
    fail = [{'key': {'ids': IDS[:3], 'reasonType': 'BAD'}, 'errors': [{'code': 'err_validation', 'message': 'reasonType'}]}]
    api.answers = lambda path, items: FakeResponse(200, envelope([], fail))
    result = run(api, 'reject', IDS[:3])
    assert [f['code'] for f in result['failures']] == ['err_validation'] * 3


def test_answer_missing_an_id_is_rechecked():
    api = FakeApi(IDS[:2])

    def answers(path, items):
        api.held.remove(IDS[0])
        api.held.remove(IDS[1])
        return FakeResponse(200, envelope([{'id': IDS[0], 'release': True}]))
    api.answers = answers
    result = run(api, 'release', IDS[:2])
    assert result['done'] == IDS[:2] and result['failures'] == []


def test_fatal_status_stops_sending():
    api = FakeApi(IDS)
    api.answers = lambda path, items: FakeResponse(418, envelope(fail=[{'errors': [{'code': 'err_xdk_binding_expired'}]}]))
    result = run(api, 'release', IDS, batch_size=2, concurrency=1)
    assert len(api.writes()) == 1
    assert len(result['failures']) == 10 and all(f['code'] == 'err_xdk_binding_expired' for f in result['failures'])


def test_concurrency_processes_each_id_once():
    many = ['m-%04d' % i for i in range(1000)]
    api = FakeApi(many)
    result = run(api, 'release', many, batch_size=37, concurrency=8)
    assert sorted(result['done']) == many and len(api.acted) == 1000 and len(set(api.acted)) == 1000
    assert len(api.writes()) == 28


@pytest.mark.parametrize('concurrency', [1, 3])
def test_progress_after_every_answered_batch(concurrency):
    api = FakeApi(IDS)
    api.write_faults = [None, '503_after']  # an answer lost after execution still counts as answered
    progress = []
    result = run(api, 'release', IDS, batch_size=4, concurrency=concurrency, verify=False,
                 progress=lambda answered, total: progress.append((answered, total)))
    assert sorted(result['done']) == IDS
    assert progress == [(4, 10), (8, 10), (10, 10)]


def test_progress_not_called_in_check_mode_or_without_ids():
    api = FakeApi(IDS[:3])
    progress = []
    run(api, 'release', IDS[:3], check_mode=True, progress=lambda *a: progress.append(a))
    run(api, 'release', [], progress=lambda *a: progress.append(a))
    assert progress == [] and api.writes() == []


# ------------------------------------------------------ an action the engine has never heard of
UPSERT = '/api/example/set-thing'


def upsert_action():
    """A safe-to-repeat write keyed by (name, value) pairs: no re-check, a lost answer is sent again."""
    return WriteAction(
        name='set', path=UPSERT, result_key='set', module='example.set', verb='set',
        body=lambda batch, options: [dict(item) for item in batch],
        key=lambda item: (item['name'], item['value']),
        answer_key=lambda entry: (entry.get('name'), entry.get('value')),
        confirmed=lambda entry: bool(entry.get('id')),
        fail_keys=lambda key, batch: [(key.get('name'), key.get('value'))] if isinstance(key, dict) else [],
        prepare=lambda items, options: items, recheck=None, report=lambda k: '%s=%s' % k)


def test_an_action_entry_without_recheck_is_resent_after_a_lost_answer():
    answers = [FakeResponse(503, text='down'),
               FakeResponse(200, envelope([{'id': 'T1', 'name': 'a', 'value': '1'}],
                                          [{'key': {'name': 'b', 'value': '2'},
                                            'errors': [{'code': 'err_validation_blank', 'message': 'blank'}]}]))]
    session = FakeSession(lambda call: answers.pop(0))
    client = MimecastClient(session=session, sleep=lambda s: None, **V1_PARAMS)
    items = [{'name': 'a', 'value': '1'}, {'name': 'b', 'value': '2'}]
    result = WriteEngine(client, upsert_action(), batch_size=10).run(items)
    assert result['done'] == [('a', '1')] and result['absent'] == []
    assert result['failures'] == [{'id': 'b=2', 'code': 'err_validation_blank', 'message': 'blank', 'retryable': False}]
    # no read at all: the same request twice
    assert [c['url'].rsplit('/', 1)[1] for c in session.calls] == ['set-thing', 'set-thing']
    assert session.calls[0]['json'] == session.calls[1]['json'] == {'data': [{'name': 'a', 'value': '1'},
                                                                             {'name': 'b', 'value': '2'}]}


# ------------------------------------------------------------------------- input and messages
def test_clean_ids():
    assert clean_ids([' a ', 'b', 'a']) == ['a', 'b']
    with pytest.raises(InputError) as err:
        clean_ids(['ok', '', 'has space', 5])
    assert 'ids[1] is empty' in str(err.value) and 'ids[2]' in str(err.value) and 'ids[3]' in str(err.value)
    assert err.value.code == 'invalid_input'


@pytest.mark.parametrize('kwargs', [dict(batch_size=0), dict(batch_size=501), dict(concurrency=0), dict(concurrency=17)])
def test_bad_tuning_rejected_before_any_call(kwargs):
    session = FakeSession()
    with pytest.raises(InputError):
        WriteEngine(MimecastClient(session=session, **V1_PARAMS), ACTIONS['reject'], **kwargs)
    assert session.calls == []


def test_bad_reason_type_rejected_before_any_call():
    api = FakeApi(IDS)
    with pytest.raises(InputError, match="reason_type must be one of: .*; got 'PLEASE GO AWAY'"):
        run(api, 'reject', IDS, dict(reason_type='PLEASE GO AWAY'))
    assert api.session.calls == []


def test_summary_message_counts():
    outcome = {'done': ['a'], 'absent': ['b', 'c'], 'failures': [{'id': 'd', 'code': 'http_503'}]}
    assert summary_message(TASKS['release'], outcome, False) == 'Released 1, not held 2, failed 1 (of 4 ids): d (http_503)'
    assert summary_message(TASKS['reject'], outcome, True).startswith('Would have rejected 1')
    # what the API said it does not know is counted apart, when there is any
    outcome['absent_by'] = {'not_found': ['c']}
    assert summary_message(TASKS['release'], outcome, False) == 'Released 1, not held 1, not found 1, failed 1 (of 4 ids): d (http_503)'
    outcome['absent_by'] = {'not_found': []}
    assert summary_message(TASKS['release'], outcome, False) == 'Released 1, not held 2, failed 1 (of 4 ids): d (http_503)'


# ---------------------------------------------------------------- not found: the ids the API does not know
def sent_ids(api):
    """The ids of each write request, in order."""
    return [[i for item in c['json']['data'] for i in ([item['id']] if 'id' in item else item['ids'])] for c in api.writes()]


@pytest.mark.parametrize('name', ['release', 'reject'])
def test_probe_sends_the_ids_not_held_after_the_work_and_the_api_says_which_it_does_not_know(name):
    # held: 0-2; released or rejected before: 3-4 (known); never known: 5-6
    api = FakeApi(IDS[:3], known=IDS[:5])
    options = {'reason_type': 'INAPPROPRIATE COMMUNICATION'} if name == 'reject' else {}
    result = run(api, name, IDS[:7], options, batch_size=2, concurrency=1, probe=True)
    assert result['done'] == IDS[:3] and result['failures'] == []
    assert result['absent'] == IDS[3:7] and result['absent_by'] == {'not_found': IDS[5:7]}
    # one read; the held ids first, in batches of 2; then the others, in batches of their own, once
    assert len(api.reads()) == 1
    assert sent_ids(api) == [IDS[0:2], IDS[2:3], IDS[3:5], IDS[5:7]]
    assert api.acted == [(name, i) for i in IDS[:3]]
    assert result['before'] == dict((i, i in IDS[:3]) for i in IDS[:7])
    # the rerun: nothing to do, and still the same ids unknown
    again = run(api, name, IDS[:7], options, probe=True)
    assert again['done'] == [] and again['absent'] == IDS[:7] and again['absent_by'] == {'not_found': IDS[5:7]}


def test_without_probe_or_in_check_mode_unknown_ids_stay_not_held():
    api = FakeApi(IDS[:3], known=IDS[:5])
    plain = run(api, 'release', IDS[:7], check_mode=False)
    assert plain['absent'] == IDS[3:7] and plain['absent_by'] == {'not_found': []}
    assert sent_ids(api) == [IDS[:3]]
    api = FakeApi(IDS[:3], known=IDS[:5])
    dry = run(api, 'release', IDS[:7], check_mode=True, probe=True)
    assert dry['done'] == IDS[:3] and dry['absent'] == IDS[3:7] and dry['absent_by'] == {'not_found': []}
    assert api.writes() == []


def test_unverified_the_api_says_not_found_in_the_first_answer():
    api = FakeApi(IDS[:2], known=IDS[:3])
    result = run(api, 'release', IDS[:4], verify=False, probe=True)
    assert result['done'] == IDS[:2] and sorted(result['absent']) == IDS[2:4] and result['failures'] == []
    assert result['absent_by'] == {'not_found': [IDS[3]]}
    # one write, then the re-check read of the refused ids (no probe: every id was sent)
    assert sent_ids(api) == [IDS[:4]] and len(api.reads()) == 1


def test_release_false_does_not_say_why_so_unknown_ids_stay_not_held():
    api = FakeApi(IDS[:2], not_held_style='false')
    result = run(api, 'release', IDS[:4], probe=True)
    assert result['done'] == IDS[:2] and result['absent'] == IDS[2:4] and result['absent_by'] == {'not_found': []}
    assert sent_ids(api) == [IDS[:2], IDS[2:4]]


def test_not_found_said_of_several_ids_at_once_names_none_of_them():
    api = FakeApi([])
    fail = [{'key': {'ids': IDS[:2]}, 'errors': [{'code': 'err_message_not_found', 'message': 'not found'}]}]
    api.answers = lambda path, items: FakeResponse(200, envelope([], fail))
    result = run(api, 'reject', IDS[:2], {'reason_type': 'INAPPROPRIATE COMMUNICATION'}, probe=True)
    assert result['absent'] == IDS[:2] and result['absent_by'] == {'not_found': []} and result['failures'] == []


def test_not_found_but_still_held_is_a_failure_with_the_api_code():
    api = FakeApi(IDS[:1])
    fail = [{'key': {'id': IDS[0]}, 'errors': [{'code': 'err_message_not_found', 'message': 'No message with this id'}]}]
    api.answers = lambda path, items: FakeResponse(200, envelope([], fail))
    result = run(api, 'release', IDS[:1], probe=True)
    assert result['absent'] == [] and result['absent_by'] == {'not_found': []}
    assert result['failures'] == [{'id': IDS[0], 'code': 'err_message_not_found', 'message': 'No message with this id', 'retryable': False}]


def test_a_probe_held_after_all_is_done():
    # held, but not listed yet when read: the probe releases it, as asked
    api = FakeApi(IDS[:2], unlisted=IDS[1:2], known=IDS[:2])
    result = run(api, 'release', IDS[:3], probe=True)
    assert result['done'] == IDS[:2] and result['absent'] == IDS[2:3] and result['absent_by'] == {'not_found': IDS[2:3]}
    assert result['before'][IDS[1]] is True and result['after'][IDS[1]] is False
    assert sent_ids(api) == [IDS[:1], IDS[1:3]]


@pytest.mark.parametrize('answer', [
    FakeResponse(403, envelope(fail=[{'errors': [{'code': 'err_xdk_permission_denied'}]}])),
    FakeResponse(503, text='<html>busy</html>'),
])
def test_a_probe_that_fails_is_not_held_never_a_failure_nor_sent_again(answer):
    api = FakeApi(IDS[:2], known=IDS[:2])
    real = api.handle
    api.session.handler = lambda call: answer if IDS[2] in str(call['json']) else real(call)
    result = run(api, 'release', IDS[:4], probe=True)
    assert result['done'] == IDS[:2] and result['absent'] == IDS[2:4] and result['failures'] == []
    assert result['absent_by'] == {'not_found': []}
    assert sent_ids(api) == [IDS[:2], IDS[2:4]]


def test_an_action_without_absent_codes_never_probes():
    action = ACTIONS['release']
    plain = WriteAction(name='plain', path=action.path, result_key='released', module=action.module, verb='released',
                        body=action.body, key=action.key, answer_key=action.answer_key, confirmed=action.confirmed,
                        fail_keys=action.fail_keys, prepare=action.prepare, recheck=action.recheck)
    api = FakeApi(IDS[:1], known=IDS[:1])
    result = WriteEngine(api.client(), plain, probe=True).run(IDS[:3])
    assert result['done'] == IDS[:1] and result['absent'] == IDS[1:3] and result['absent_by'] == {}
    assert sent_ids(api) == [IDS[:1]]


def test_check_tuning_checks_only_what_is_given():
    check_tuning(concurrency=16)  # no batch size: a plan reads, it does not write
    check_tuning(batch_size=500)
    with pytest.raises(InputError, match='concurrency must be between 1 and 16; got 17'):
        check_tuning(concurrency=17)
    with pytest.raises(InputError, match='batch_size must be between 1 and 500; got 0'):
        check_tuning(batch_size=0, concurrency=4)


def test_every_write_module_has_its_action_entry():
    assert sorted(TASKS) == sorted(ACTIONS)
    for name, task in TASKS.items():
        assert task.action is ACTIONS[name] and task.action.path.startswith('/api/')
    assert LIST and RELEASE == ACTIONS['release'].path
