# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mimecast_held_release_logs_info through ``ansible`` against the simulator's release log."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from conftest import DEFAULT_HELD, run_adhoc

LOGS = '/api/gateway/get-held-release-logs'
RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'
REASON = 'MESSAGE GOES AGAINST EMAIL POLICIES'
SHAPES = dict(release_log_operator='string', release_log_address='email', release_log_forbidden=False)


@pytest.fixture
def logsim(sim):
    """The simulator with 40 seeded release-log entries, and then 3 releases and 2 rejections by the API user."""
    sim.reset(held=DEFAULT_HELD, seed=7, release_history=40)
    sim.config(**SHAPES)
    held = sim.state()['held']
    assert sim.call(RELEASE, [{'id': i} for i in held[:3]])[0] == 200
    assert sim.call(REJECT, [{'ids': held[3:5], 'reasonType': REASON, 'message': 'Blocked'}])[0] == 200
    sim.acted = {'released': held[:3], 'rejected': held[3:5]}
    yield sim
    sim.config(**SHAPES)


def log_calls(sim):
    return sum(sim.stats()['by_path'].get(LOGS, {}).values())


def direct_log(sim, item=None):
    """Every record of the simulator's log for ``item``, read with plain API calls (the expected answer)."""
    out, token = [], None
    while True:
        pagination = {'pageSize': 500}
        if token:
            pagination['pageToken'] = token
        status, dummy, body = sim.call(LOGS, [item or {}], meta={'pagination': pagination})
        assert status == 200, body
        out += body['data'][0]['heldReleaseLogs']
        token = body['meta']['pagination'].get('next')
        if not token:
            return out


@pytest.mark.parametrize('api', ['1.0', '2.0'])
def test_every_record_across_pages(logsim, api):
    expected = direct_log(logsim)
    assert len(expected) == 45
    before = log_calls(logsim)
    run = run_adhoc(logsim, 'mimecast_held_release_logs_info', {'page_size': 7}, api=api)
    assert run.rc == 0, run
    result = run.result()
    assert result['changed'] is False and result['total'] == 45
    assert [r['id'] for r in result['logs']] == [r['id'] for r in expected]
    assert log_calls(logsim) - before == 7  # ceil(45 / 7) pages
    ours = dict((r['id'], r) for r in result['logs'])
    for status, ids in logsim.acted.items():
        for mid in ids:
            assert ours[mid]['status'] == status and ours[mid]['operator'] == 'api.user@example.com'
    rejected = ours[logsim.acted['rejected'][0]]
    assert rejected['reject_reason'] == REASON and rejected['message_info'] == 'Blocked'
    assert {'held_reason', 'from_env', 'from_hdr', 'reject_reason', 'spam_score', 'detection_level'} <= set(rejected)
    assert set(rejected['from_env']) == {'email_address', 'displayable_name'}


def test_filters_and_max_results(logsim):
    run = run_adhoc(logsim, 'mimecast_held_release_logs_info', {'filter_by': {'status': 'rejected'}, 'page_size': 3})
    assert run.rc == 0, run
    rejected = run.result()['logs']
    expected = direct_log(logsim, {'filterBy': [{'fieldName': 'status', 'value': 'rejected'}]})
    assert [r['id'] for r in rejected] == [r['id'] for r in expected] and all(r['status'] == 'rejected' for r in rejected)
    assert set(logsim.acted['rejected']) <= set(r['id'] for r in rejected)

    run = run_adhoc(logsim, 'mimecast_held_release_logs_info', {'search_by': {'field_name': 'operator', 'value': 'api.user@'}})
    assert run.rc == 0, run
    mine = run.result()['logs']
    assert set(logsim.acted['released'] + logsim.acted['rejected']) <= set(r['id'] for r in mine)
    assert all(r['operator'] == 'api.user@example.com' for r in mine)

    run = run_adhoc(logsim, 'mimecast_held_release_logs_info', {'filter_by': {'route': 'OUTBOUND', 'status': 'released'},
                                                                'start': '-30d', 'end': 'now'})
    assert run.rc == 0, run
    assert all(r['route'] == 'OUTBOUND' and r['status'] == 'released' for r in run.result()['logs'])
    both = {'filterBy': [{'fieldName': 'route', 'value': 'outbound'}, {'fieldName': 'status', 'value': 'released'}]}
    assert len(run.result()['logs']) == len(direct_log(logsim, both))

    before = log_calls(logsim)
    run = run_adhoc(logsim, 'mimecast_held_release_logs_info', {'max_results': 4, 'page_size': 3})
    assert run.rc == 0, run
    assert log_calls(logsim) - before == 2
    assert [r['id'] for r in run.result()['logs']] == [r['id'] for r in direct_log(logsim)[:4]]

    run = run_adhoc(logsim, 'mimecast_held_release_logs_info', {'start': '2020-01-01T00:00:00Z', 'end': '2020-02-01T00:00:00Z'})
    assert run.rc == 0 and run.result()['total'] == 0 and run.result()['logs'] == []


def test_both_record_shapes_give_the_same_result(logsim):
    plain = run_adhoc(logsim, 'mimecast_held_release_logs_info', {})
    assert plain.rc == 0, plain
    logsim.config(release_log_operator='object', release_log_address='address')
    raw = direct_log(logsim)
    assert isinstance(raw[0]['operator'], dict) and 'domain' in raw[0]['fromEnv']
    other = run_adhoc(logsim, 'mimecast_held_release_logs_info', {})
    assert other.rc == 0, other
    assert [r['operator'] for r in other.result()['logs']] == [r['operator'] for r in plain.result()['logs']]
    for mine, theirs in zip(other.result()['logs'], plain.result()['logs']):
        assert mine['from_env']['email_address'] == theirs['from_env']['email_address']
        assert [t['email_address'] for t in mine['to']] == [t['email_address'] for t in theirs['to']]
        assert isinstance(mine['operator'], str) and '@' in mine['operator']


def test_forbidden_fails_naming_the_permission(logsim):
    logsim.config(release_log_forbidden=True)
    run = run_adhoc(logsim, 'mimecast_held_release_logs_info', {})
    assert run.rc != 0
    result = run.result()
    assert 'HTTP 403' in result['msg'] and 'Monitoring | Held | Read' in result['msg']
    assert logsim.creds['secret_key'] not in run.output and logsim.creds['app_key'] not in run.output


def test_bad_input_sends_nothing(logsim):
    before = log_calls(logsim)
    for args in ({'start': 'last tuesday'}, {'filter_by': {'status': 'held'}}, {'filter_by': {'route': 'up'}}, {'page_size': 900}):
        run = run_adhoc(logsim, 'mimecast_held_release_logs_info', args)
        assert run.rc != 0 and run.result()['msg'], (args, run)
    assert log_calls(logsim) == before


def sim_client(sim):
    from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
    creds = sim.credentials('2.0')
    return MimecastClient(creds['MIMECAST_BASE_URL'], client_id=creds['MIMECAST_CLIENT_ID'], client_secret=creds['MIMECAST_CLIENT_SECRET'])


def test_report_section_from_the_simulator(logsim):
    """The held report's section "recent releases and rejections", read from the simulator's log."""
    from ansible_collections.secops.mimecast.plugins.plugin_utils.release_log_report import release_log_section, render_html

    section = release_log_section(sim_client(logsim), start='-30d', latest=5, page_size=10)
    expected = direct_log(logsim)
    assert section['available'] and section['total'] == len(expected) == 45
    counts = dict((i['name'], i['count']) for i in section['by_status'])
    assert counts == {'released': sum(1 for r in expected if r['status'] == 'released'),
                      'rejected': sum(1 for r in expected if r['status'] == 'rejected')}
    mine = [row for row in section['by_operator'] if row['name'] == 'api.user@example.com'][0]
    assert mine['released'] >= 3 and mine['rejected'] >= 2
    assert sum(row['count'] for row in section['by_operator']) == 45
    assert [i['id'] for i in section['latest']] == [r['id'] for r in expected[:5]]
    assert 'api.user@example.com' in render_html(section)

    logsim.config(release_log_forbidden=True)
    warnings = []
    section = release_log_section(sim_client(logsim), warn=warnings.append)
    assert not section['available'] and 'Monitoring | Held | Read' in section['warning'] and warnings == [section['warning']]
