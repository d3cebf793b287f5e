# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules, run through ``ansible``/``ansible-playbook`` against the simulator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import textwrap

import pytest

from conftest import held_records, run_adhoc, run_playbook

RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'


def writes(sim):
    return sim.stats().get('write_requests', 0)


def actions(sim):
    return [(a['action'], a['id']) for a in sim.audit()]


# ------------------------------------------------------------------- held_info
@pytest.mark.parametrize('api', ['1.0', '2.0'])
def test_held_info_returns_every_held_message_across_pages(sim, api):
    held = sim.state()['held']
    run = run_adhoc(sim, 'mimecast_held_info', {'admin': True, 'page_size': 7}, api=api)
    assert run.rc == 0, run
    result = run.result()
    assert result['total'] == len(held) == len(result['messages'])
    assert sorted(m['id'] for m in result['messages']) == sorted(held)
    assert {'reason_code', 'from_header', 'date_received', 'has_attachments'} <= set(result['messages'][0])
    list_calls = sim.stats()['by_path']['/api/gateway/get-hold-message-list']
    assert sum(list_calls.values()) == -(-len(held) // 7)


def test_held_info_filters_and_max_results(sim):
    run = run_adhoc(sim, 'mimecast_held_info', {'start': '-3d', 'end': 'now', 'max_results': 5,
                                                'filter_by': {'route': 'outbound'}, 'page_size': 2})
    assert run.rc == 0, run
    result = run.result()
    assert result['total'] <= 5
    assert all(m['route'] == 'OUTBOUND' for m in result['messages'])


@pytest.mark.parametrize('module,route', [('mimecast_held_info', 'OUTBOUND'), ('mimecast_held_info', 'Outbound'),
                                          ('mimecast_queue_info', 'INBOUND')])
def test_route_filter_in_any_case(sim, module, route):
    # records show routes in capitals: the same spelling works as a filter (sent in lower case)
    window = {'start': '-15d', 'end': '+1h'}
    run = run_adhoc(sim, module, dict(window, filter_by={'route': route}))
    assert run.rc == 0, run
    messages = run.result()['messages']
    key = 'route' if module == 'mimecast_held_info' else 'routing'
    assert messages and all(str(m[key]).lower() == route.lower() for m in messages), messages[:3]
    if module == 'mimecast_held_info':
        assert len(messages) == len([r for r in held_records(sim) if r['route'] == route.upper()])


def test_module_defaults_group(sim, tmp_path):
    creds = sim.credentials('1.0')
    playbook = tmp_path / 'defaults.yml'
    playbook.write_text(textwrap.dedent('''\
        - name: Connection from module_defaults
          hosts: localhost
          gather_facts: false
          module_defaults:
            group/secops.mimecast.mimecast:
              base_url: "{base}"
              access_key: "{ak}"
              secret_key: "{sk}"
              app_id: "{ai}"
              app_key: "{apk}"
          tasks:
            - name: Read the held queue
              secops.mimecast.mimecast_held_info:
              register: held
            - name: Read the summary
              secops.mimecast.mimecast_held_summary_info:
        ''').format(base=creds['MIMECAST_BASE_URL'], ak=creds['MIMECAST_ACCESS_KEY'], sk=creds['MIMECAST_SECRET_KEY'],
                    ai=creds['MIMECAST_APP_ID'], apk=creds['MIMECAST_APP_KEY']))
    run = run_playbook(None, str(playbook), api=None)
    assert run.rc == 0, run
    assert run.result('Read the held queue')['total'] == len(sim.state()['held'])
    assert sum(s['number_of_items'] for s in run.result('Read the summary')['summary']) == len(sim.state()['held'])


# ------------------------------------------------------------- failure messages
def _assert_no_secret(run, sim):
    for secret in (sim.creds['secret_key'], sim.creds['app_key'], sim.creds['client_secret']):
        assert secret not in run.output
    assert 'Authorization' not in run.output and 'MC %s:' % sim.creds['access_key'] not in run.output


@pytest.mark.parametrize('case,env,config,expect', [
    ('wrong secret', {'MIMECAST_SECRET_KEY': 'd3Jvbmctc2VjcmV0LWtleQ=='}, {}, 'check access_key, secret_key, app_id and app_key'),
    ('stale clock', {}, {'clock_offset': 3600}, "clock is right"),
    ('expired binding', {}, {'binding_expired': True}, 'create new access and secret keys'),
    ('wrong client secret', {'MIMECAST_CLIENT_SECRET': 'nope'}, {}, 'check client_id and client_secret'),
    ('bad base64', {'MIMECAST_SECRET_KEY': 'not*base64'}, {}, 'secret_key is not valid base64'),
    ('mixed credentials', {'MIMECAST_CLIENT_ID': 'cid'}, {}, 'give only one set'),
    ('url without scheme', {'MIMECAST_BASE_URL': '127.0.0.1:9'}, {}, 'base_url must be a URL with scheme and host'),
    ('unreachable', {'MIMECAST_BASE_URL': 'http://127.0.0.1:9'}, {}, 'cannot connect to 127.0.0.1:9'),
])
def test_failures_say_what_to_fix_without_leaking(sim, case, env, config, expect):
    if config:
        sim.config(**config)
    api = '2.0' if 'client' in case else '1.0'
    env = dict(env, MIMECAST_RETRIES='0')
    run = run_adhoc(sim, 'mimecast_hold_release', {'ids': ['x1']}, api=api, env=env, options=['-vvvv'])
    assert run.rc != 0, run
    assert expect in run.result()['msg'], run
    _assert_no_secret(run, sim)
    assert writes(sim) == 0
    for secret in (sim.creds['secret_key'], sim.creds['app_key'], sim.creds['client_secret']):
        assert secret not in sim.log_text()


# ------------------------------------------------------------ release / reject
@pytest.mark.parametrize('style', ['fail', 'false'])
def test_release_exactly_once_however_often_run(sim, style):
    sim.config(not_held_style=style)
    held = sim.state()['held']
    ids = held[:5] + ['eNpUnknownId0001']
    first = run_adhoc(sim, 'mimecast_hold_release', {'ids': ids})
    assert first.rc == 0, first
    result = first.result()
    assert result['changed'] is True and sorted(result['released']) == sorted(held[:5])
    assert result['not_held'] == [] and result['not_found'] == ['eNpUnknownId0001'] and result['failures'] == []
    for dummy in range(2):
        again = run_adhoc(sim, 'mimecast_hold_release', {'ids': ids})
        assert again.rc == 0 and again.result()['changed'] is False, again
        assert sorted(again.result()['not_held']) == sorted(held[:5]) and again.result()['not_found'] == ['eNpUnknownId0001']
    assert sorted(actions(sim)) == sorted(('release', i) for i in held[:5])
    state = sim.state()
    assert set(held[:5]) <= set(state['released']) and not set(held[:5]) & set(state['held'])


@pytest.mark.parametrize('module, result_key, args', [
    ('mimecast_hold_release', 'released', {}),
    ('mimecast_hold_reject', 'rejected', {'reason_type': 'INAPPROPRIATE COMMUNICATION'}),
])
@pytest.mark.parametrize('verify_held', [True, False])
def test_a_typo_is_not_found_and_an_id_released_before_is_not_held(sim, module, result_key, args, verify_held):
    held = sim.state()['held']
    assert run_adhoc(sim, 'mimecast_hold_release', {'ids': held[:1]}).rc == 0
    typo = held[1][:-3] + 'xyz'
    run = run_adhoc(sim, module, dict(args, ids=[held[0], typo, held[2]], verify_held=verify_held), options=['--diff'])
    assert run.rc == 0, run
    result = run.result()
    assert (result[result_key], result['not_held'], result['not_found'], result['failures']) == ([held[2]], [held[0]], [typo], [])
    assert result['msg'] == '%s 1, not held 1, not found 1, failed 0 (of 3 ids)' % result_key.capitalize()
    if verify_held:
        assert result['diff'] == {'before': {'held': [held[2]]}, 'after': {'held': []}}
    assert sorted(a['id'] for a in sim.audit()) == sorted([held[0], held[2]])


@pytest.mark.parametrize('style', ['fail', 'false'])
def test_where_the_api_does_not_tell_an_unknown_id_stays_not_held(sim, style):
    # the simulator answers an unknown id as one not held; and check mode never asks
    sim.config(not_held_style=style, unknown_id_style='not_held')
    held = sim.state()['held']
    run = run_adhoc(sim, 'mimecast_hold_release', {'ids': [held[0], 'eNpTypo']})
    assert run.rc == 0, run
    assert (run.result()['released'], run.result()['not_held'], run.result()['not_found']) == ([held[0]], ['eNpTypo'], [])
    sim.config(unknown_id_style='not_found')
    dry = run_adhoc(sim, 'mimecast_hold_release', {'ids': [held[1], 'eNpTypo']}, options=['--check'])
    assert (dry.result()['released'], dry.result()['not_held'], dry.result()['not_found']) == ([held[1]], ['eNpTypo'], [])
    assert writes(sim) == 2


def test_check_mode_writes_nothing_and_diff(sim):
    held = sim.state()['held']
    run = run_adhoc(sim, 'mimecast_hold_reject', {'ids': held[:3] + ['eNpGone'], 'reason_type': 'INAPPROPRIATE COMMUNICATION'},
                    options=['--check', '--diff'])
    assert run.rc == 0, run
    result = run.result()
    assert result['changed'] is True and sorted(result['rejected']) == sorted(held[:3]) and result['not_held'] == ['eNpGone']
    assert sorted(result['diff']['before']['held']) == sorted(held[:3]) and result['diff']['after']['held'] == []
    assert sim.audit() == [] and writes(sim) == 0 and sim.state()['held'] == held


def test_reject_passes_options(sim):
    held = sim.state()['held']
    run = run_adhoc(sim, 'mimecast_hold_reject', {'ids': held[:2], 'reason_type': 'MESSAGE GOES AGAINST EMAIL POLICIES',
                                                  'message': 'Blocked by policy', 'notify': True})
    assert run.rc == 0, run
    audit = sim.audit()
    assert sorted(a['id'] for a in audit) == sorted(held[:2])
    assert all(a['action'] == 'reject' and a['reason_type'] == 'MESSAGE GOES AGAINST EMAIL POLICIES'
               and a['message'] == 'Blocked by policy' and a['notify'] is True for a in audit)


def test_partial_failure_is_reported_per_id(sim):
    held = sim.state()['held']
    # all four first writes, then the informed re-sends of the first two, answer 503 before acting
    sim.faults([{'kind': 'status_503', 'path': RELEASE, 'count': 6}])
    run = run_adhoc(sim, 'mimecast_hold_release', {'ids': held[:4], 'batch_size': 1, 'concurrency': 1},
                    env={'MIMECAST_RETRIES': '1'})
    assert run.rc != 0, run
    result = run.result()
    assert sorted(result['released']) == sorted(held[2:4])
    assert all(f['message'].startswith('still held after 2 attempts: last error ') for f in result['failures'])
    assert sorted(f['id'] for f in result['failures']) == sorted(held[:2])
    assert all(f['code'] in ('http_503', 'err_service_unavailable') and f['retryable'] for f in result['failures'])
    assert 'Released 2, not held 0, failed 2' in result['msg']
    # a rerun finishes the job, nothing is done twice
    rerun = run_adhoc(sim, 'mimecast_hold_release', {'ids': held[:4]})
    assert rerun.rc == 0 and sorted(rerun.result()['released']) == sorted(held[:2]), rerun
    assert sorted(actions(sim)) == sorted(('release', i) for i in held[:4])


@pytest.mark.parametrize('kind', ['drop_after', 'drop_before', 'status_503'])
def test_lost_answers_nothing_lost_nothing_twice(sim, kind):
    held = sim.state()['held']
    sim.faults([{'kind': kind, 'path': RELEASE, 'count': 1}])
    run = run_adhoc(sim, 'mimecast_hold_release', {'ids': held[:6], 'batch_size': 2}, env={'MIMECAST_RETRIES': '1'})
    assert run.rc == 0, run
    assert sorted(run.result()['released']) == sorted(held[:6])
    assert sorted(actions(sim)) == sorted(('release', i) for i in held[:6])


@pytest.mark.parametrize('args,expect', [
    ({'ids': ['ok', '']}, 'ids[1] is empty'),
    ({'ids': ['ok'], 'batch_size': 0}, 'batch_size must be between 1 and 500'),
    ({'ids': ['ok'], 'reason_type': 'SPAM'}, 'reason_type'),
    ({'ids': ['ok'], 'notify': 'perhaps'}, 'notify'),
    ({'ids': ['ok'], 'bogus': 1}, 'Unsupported parameters'),
])
def test_invalid_input_touches_nothing(sim, args, expect):
    run = run_adhoc(sim, 'mimecast_hold_reject', args)
    assert run.rc != 0 and expect in run.result()['msg'], run
    assert sim.stats()['total'] == 0


# ------------------------------------------------------------------ info modules
def test_queue_message_and_summary_info(sim):
    queue = run_adhoc(sim, 'mimecast_queue_info', {'type': 'processing', 'sort_order': 'ascending'})
    assert queue.rc == 0, queue
    assert queue.result()['total'] == len(queue.result()['messages']) > 0
    bulk = run_adhoc(sim, 'mimecast_queue_info', {'type': 'bulk_processing'})
    assert bulk.rc == 0 and bulk.result()['total'] > 0, bulk
    held = sim.state()['held']
    info = run_adhoc(sim, 'mimecast_message_info', {'ids': held[:2] + ['eNpNoSuchMessage']})
    assert info.rc == 0, info
    assert sorted(m['id'] for m in info.result()['messages']) == sorted(held[:2])
    assert info.result()['not_found'] == ['eNpNoSuchMessage']
    summary = run_adhoc(sim, 'mimecast_held_summary_info', {}, api='2.0')
    assert summary.rc == 0, summary
    assert sum(s['number_of_items'] for s in summary.result()['summary']) == len(held)


def test_rate_limit_waits_are_warned_and_honoured(sim):
    held = sim.state()['held']
    sim.faults([{'kind': 'status_429', 'path': RELEASE, 'count': 2}])
    run = run_adhoc(sim, 'mimecast_hold_release', {'ids': held[:3], 'batch_size': 1, 'concurrency': 1})
    assert run.rc == 0, run
    assert sorted(run.result()['released']) == sorted(held[:3])
    assert ' '.join(run.output.split()).count('rate limit reached (HTTP 429)') == 2  # warnings may be wrapped
    assert sim.stats()['by_path'][RELEASE].get('429') == 2
    assert sorted(actions(sim)) == sorted(('release', i) for i in held[:3])


def test_rate_limit_budget_exhausted_is_clear(sim):
    sim.config(rate_limit=2, rate_window=60)
    run = run_adhoc(sim, 'mimecast_held_info', {'page_size': 5}, env={'MIMECAST_MAX_RETRY_WAIT': '1'})
    assert run.rc != 0, run
    assert 'max_retry_wait' in run.result()['msg']


def test_module_path_with_task_environment(sim, tmp_path):
    """A task ``environment`` makes the action plugin run the module itself (not in-process): same outcome."""
    held = sim.state()['held']
    playbook = tmp_path / 'module_path.yml'
    playbook.write_text(textwrap.dedent('''\
        - name: Release and reject through the modules
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Release
              secops.mimecast.mimecast_hold_release:
                ids: {release}
              environment:
                MIMECAST_TIMEOUT: "20"
            - name: Reject
              secops.mimecast.mimecast_hold_reject:
                ids: {reject}
                reason_type: INAPPROPRIATE COMMUNICATION
                message: Not here
              environment:
                MIMECAST_TIMEOUT: "20"
        ''').format(release=held[:2] + ['eNpGone'], reject=held[2:3]))
    # ansible-core 2.21 adds the invocation only when asked (earlier cores always do)
    run = run_playbook(sim, str(playbook), env={'ANSIBLE_INJECT_INVOCATION': 'true'})
    assert run.rc == 0, run
    release = run.result('Release')
    assert 'invocation' in release  # only modules echo their arguments
    assert sorted(release['released']) == sorted(held[:2]) and release['not_held'] == [] and release['not_found'] == ['eNpGone']
    assert run.result('Reject')['rejected'] == held[2:3]
    assert sorted(actions(sim)) == sorted([('release', i) for i in held[:2]] + [('reject', held[2])])
    assert [a['message'] for a in sim.audit() if a['action'] == 'reject'] == ['Not here']
