# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

import pytest

from ansible_collections.secops.mimecast.plugins.action import mimecast_triage_plan as plugin
from ansible_collections.secops.mimecast.plugins.module_utils.dates import DateError
from ansible_collections.secops.mimecast.plugins.plugin_utils import action_base
from ansible_collections.secops.mimecast.plugins.module_utils.errors import MimecastError
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import make_action_plugin

SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQ='
APP_KEY = 'app-key-0123456789'
CONN = {'base_url': 'http://127.0.0.1:9', 'access_key': 'AK', 'secret_key': SECRET, 'app_id': 'APP', 'app_key': APP_KEY}
RULES = [
    {'name': 'news', 'match': {'sender': r'@news\.vendor\.example$'}, 'action': 'release'},
    {'name': 'dlp', 'match': {'route': 'outbound'}, 'action': 'reject', 'reason_type': 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION',
     'notify': True},
    {'name': 'rest', 'match': {'subject': ''}, 'action': 'keep'},
]


def _date(hours):
    return (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=hours)).strftime('%Y-%m-%dT%H:%M:%S+0000')


RECORDS = [
    {'id': 'n1', 'from': {'emailAddress': 'a@news.vendor.example'}, 'route': 'INBOUND', 'subject': 'digest', 'dateReceived': _date(1)},
    {'id': 'd1', 'from': {'emailAddress': 'bob@corp.example'}, 'route': 'OUTBOUND', 'subject': 'cards', 'dateReceived': _date(2)},
    {'id': 'k1', 'from': {'emailAddress': 'ceo@evil.example'}, 'route': 'INBOUND', 'subject': 'wire', 'dateReceived': _date(3)},
    {'id': 'n1', 'from': {'emailAddress': 'a@news.vendor.example'}, 'route': 'INBOUND', 'subject': 'digest', 'dateReceived': _date(1)},
]


class FakeClient(object):
    scheme = '1.0'


@pytest.fixture
def calls(monkeypatch):
    state = {'client': [], 'read': [], 'records': list(RECORDS), 'errors': []}

    def fake_client(params, warn=None, **kw):
        state['client'].append(dict(params))
        warn('rate limited; waiting 1.0 s (key %s)' % SECRET)
        return FakeClient()

    def fake_read(client, page_size=500, concurrency=1, progress=None, keep=None, **options):
        state['read'].append(dict(options, page_size=page_size, concurrency=concurrency))
        for error in state['errors']:
            raise error
        if progress:
            progress(1, len(state['records']), 5000)
        # the triage keeps only what it decided of each record (read_held_all's keep)
        assert keep is not None
        return [keep(record) for record in state['records']]

    monkeypatch.setattr(action_base, 'client_from_params', fake_client)
    monkeypatch.setattr(action_base, 'read_held_all', fake_read)
    displayed = []
    monkeypatch.setattr(action_base.display, 'display', lambda msg, *a, **kw: displayed.append(msg))
    state['displayed'] = displayed
    return state


def run_action(args, check_mode=False):
    return make_action_plugin(plugin, args, action='secops.mimecast.mimecast_triage_plan', name='Plan the triage',
                              check_mode=check_mode).run(task_vars={})


def test_plan_result(calls):
    result = run_action(dict(CONN, rules=RULES))
    assert not result.get('failed'), result
    assert result['changed'] is False
    assert result['held'] == 3
    assert result['release_ids'] == ['n1']
    assert result['reject_groups'] == [{'reason_type': 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION', 'message': None, 'notify': True,
                                        'rules': ['dlp'], 'ids': ['d1']}]
    assert result['kept'] == 1
    assert [r['matched'] for r in result['rules']] == [1, 1, 1]
    assert calls['read'] == [{'admin': True, 'start': '-14d', 'end': 'now', 'now': calls['read'][0]['now'], 'page_size': 500,
                              'concurrency': 4}]
    assert 'Planned 3 held messages' in result['msg']
    # records never leave the worker: no record fields in the result
    text = json.dumps(result)
    assert 'digest' not in text and 'evil.example' not in text
    # progress for large reads
    assert any('read 4 of 5000 held messages' in m for m in calls['displayed'])


def test_options_passed(calls):
    result = run_action(dict(CONN, rules=RULES, start='-2d', end='2099-01-01T00:00:00Z', admin=False, page_size=50))
    assert not result.get('failed'), result
    read = calls['read'][0]
    assert (read['start'], read['end'], read['admin'], read['page_size']) == ('-2d', '2099-01-01T00:00:00Z', False, 50)
    run_action(dict(CONN, rules=RULES, concurrency=2))
    assert calls['read'][1]['concurrency'] == 2


def test_check_mode_plans_the_same(calls):
    result = run_action(dict(CONN, rules=RULES), check_mode=True)
    assert not result.get('failed') and result['release_ids'] == ['n1'] and result['changed'] is False


def test_bad_rules_fail_before_any_api_call(calls):
    bad = [{'name': 'x', 'match': {'subject': '('}, 'action': 'release'},
           {'name': 'y', 'match': {}, 'action': 'reject'}]
    result = run_action(dict(CONN, rules=bad))
    assert result['failed'] is True
    assert "rule #1 'x': match.subject: bad regular expression" in result['msg']
    assert "rule #2 'y': \"match\" is empty" in result['msg']
    assert "rule #2 'y': a reject rule needs \"reason_type\"" in result['msg']
    assert len(result['rule_errors']) == 3
    assert calls['client'] == [] and calls['read'] == []


def test_rules_as_yaml_string(calls):
    text = "- name: news\n  match: {sender: 'news\\.vendor'}\n  action: release\n"
    result = run_action(dict(CONN, rules=text))
    assert not result.get('failed'), result
    assert result['release_ids'] == ['n1']


def test_rules_unparseable_string(calls):
    result = run_action(dict(CONN, rules='- name: [unclosed'))
    assert result['failed'] is True and 'not valid YAML' in result['msg']
    assert calls['read'] == []


def test_missing_rules(calls):
    result = run_action(dict(CONN))
    assert result['failed'] is True and 'must be a list' in result['msg']
    assert calls['read'] == []


def test_mimecast_error_is_a_failed_result_without_secrets(calls):
    calls['errors'].append(MimecastError('Mimecast answered HTTP 403 for key %s: missing permission' % APP_KEY, status=403,
                                         codes=['err_forbidden']))
    result = run_action(dict(CONN, rules=RULES))
    assert result['failed'] is True
    assert 'HTTP 403' in result['msg']
    assert result['error']['status'] == 403 and result['error']['codes'] == ['err_forbidden']
    text = json.dumps(result)
    assert SECRET not in text and APP_KEY not in text
    assert result['warnings'] and all(SECRET not in w for w in result['warnings'])


def test_bad_date_is_a_failed_result(calls):
    calls['errors'].append(DateError('start \'yesterday\' is not a date'))
    result = run_action(dict(CONN, rules=RULES, start='yesterday'))
    assert result['failed'] is True and 'not a date' in result['msg']


def test_invalid_options(calls):
    result = run_action(dict(CONN, rules=RULES, page_size='many'))
    assert result['failed'] is True and 'page_size' in result['msg']
    result = run_action(dict(CONN, rules=RULES, page_size=501))
    assert result['failed'] is True and 'between 1 and 500' in result['msg']
    result = run_action(dict(CONN, rules=RULES, concurrency=0))
    assert result['failed'] is True and 'concurrency must be between 1 and' in result['msg']
    assert calls['read'] == []


def test_unknown_option_rejected(calls):
    from ansible.errors import AnsibleActionFail
    with pytest.raises(AnsibleActionFail):
        run_action(dict(CONN, rules=RULES, bogus=1))


def test_env_fallbacks(calls, monkeypatch):
    for key, value in CONN.items():
        monkeypatch.setenv('MIMECAST_%s' % key.upper(), value)
    result = run_action({'rules': RULES})
    assert not result.get('failed'), result
    assert calls['client'][0]['base_url'] == CONN['base_url'] and calls['client'][0]['secret_key'] == SECRET
    assert SECRET not in json.dumps(result)
