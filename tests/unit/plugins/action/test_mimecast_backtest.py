# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mimecast_backtest in-process: the real client over a fake release log (pages, the window, the gate, a 403, bad input
sending nothing, secrets masked in the result and the files); and mimecast_rules_test, which makes no client at all."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import xml.etree.ElementTree as ET

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.secops.mimecast.plugins.action import mimecast_backtest as plugin
from ansible_collections.secops.mimecast.plugins.action import mimecast_rules_test as rules_test_plugin
from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_date
from ansible_collections.secops.mimecast.plugins.plugin_utils import action_base
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import FakeResponse, FakeSession, envelope, make_action_plugin
from ansible_collections.secops.mimecast.tests.unit.plugins.action.test_mimecast_triage import APP_KEY, CONN
from ansible_collections.secops.mimecast.tests.unit.plugins.plugin_utils.test_backtest import DLP, RULES, SPAM, record

LOGS = '/api/gateway/get-held-release-logs'


class ReleaseLog(object):
    """A release log answering get-held-release-logs page by page (``status``: answer every request with it instead)."""

    def __init__(self, records, status=200):
        self.records = records
        self.status = status
        self.session = FakeSession(self.handle)

    def handle(self, call):
        assert call['url'].endswith(LOGS), call['url']
        if self.status != 200:
            errors = [{'code': 'err_xdk_permission_denied', 'message': 'no', 'retryable': False}]
            return FakeResponse(self.status, envelope(fail=[{'key': {}, 'errors': errors}]))
        pagination = call['json']['meta']['pagination']
        start = int(pagination.get('pageToken') or 0)
        size = pagination['pageSize']
        meta = {'status': 200, 'pagination': {'pageSize': size, 'totalCount': len(self.records)}}
        if start + size < len(self.records):
            meta['pagination']['next'] = str(start + size)
        return FakeResponse(200, envelope([{'heldReleaseLogs': self.records[start:start + size]}], meta=meta))

    def bodies(self):
        return [c['json'] for c in self.session.calls]


@pytest.fixture
def log(monkeypatch):
    """Six records: two agree, one of each disagreement, two kept; the action's client is real, over this log."""
    found = ReleaseLog([record('a', 'released', SPAM), record('b', 'rejected', SPAM, subject='leaked %s' % APP_KEY),
                        record('c', 'released', DLP, route='OUTBOUND', shape='address'), record('d', 'rejected', DLP, route='OUTBOUND'),
                        record('e', 'released', 'Message Hold Applied - Anti-Spoofing policy'),
                        record('f', 'rejected', SPAM, sender='x@other.example')])

    def client_from_params(params, warn=None, pool_size=8):
        keys = ('base_url', 'access_key', 'secret_key', 'app_id', 'app_key')
        return MimecastClient(warn=warn, pool_size=pool_size, session=found.session, sleep=lambda s: None,
                              **dict((k, params[k]) for k in keys if params.get(k) is not None))

    monkeypatch.setattr(action_base, 'client_from_params', client_from_params)
    monkeypatch.setattr(action_base.display, 'display', lambda msg, *a, **kw: None)
    return found


def run_action(args, module=plugin, action='secops.mimecast.mimecast_backtest'):
    return make_action_plugin(module, args, action=action, name='Back-test').run(task_vars={})


def test_reads_every_page_of_the_window_and_classifies(log, tmp_path):
    report_path = tmp_path / 'bt.json'
    result = run_action(dict(CONN, rules=RULES, page_size=4, report=str(report_path)))
    assert not result.get('failed'), result
    bodies = log.bodies()
    assert len(bodies) == 2 and [b['meta']['pagination'] for b in bodies] == [{'pageSize': 4}, {'pageSize': 4, 'pageToken': '4'}]
    item = bodies[0]['data'][0]
    assert set(item) == {'start', 'end'} and parse_date(item['end']) - parse_date(item['start']) == datetime.timedelta(days=30)
    assert result['window'] == item
    totals = result['totals']
    assert (totals['records'], totals['agree'], totals['release_rejected'], totals['reject_released'], totals['kept']) == (6, 2, 1, 1, 2)
    assert result['changed'] is False and result['msg'] == result['summary'][-1]
    with open(str(report_path)) as handle:
        report = json.load(handle)
    assert report['totals'] == totals and [d['id'] for d in report['disagreements']] == ['b', 'c']
    assert result['page_paths'] == {'html': str(tmp_path / 'bt.html'), 'csv': str(tmp_path / 'bt.csv')}
    # the secret a record quoted is masked in the result and in every file
    assert APP_KEY not in json.dumps(result)
    for name in ('bt.json', 'bt.html', 'bt.csv'):
        assert APP_KEY not in (tmp_path / name).read_text() and (tmp_path / name).stat().st_mode & 0o777 == 0o600


def test_the_gate_fails_after_the_report_is_written(log, tmp_path):
    result = run_action(dict(CONN, rules=RULES, report=str(tmp_path / 'bt.json'), max_disagreements=1, return_disagreements=False))
    assert result['failed'] is True and 'disagreements' not in result
    assert result['msg'].startswith('The rules disagree with what people did on 2 records (release_rejected 1, reject_released 1), '
                                    'more than max_disagreements 1 allows')
    assert json.loads((tmp_path / 'bt.json').read_text())['gate'] == {'max_disagreements': 1, 'passed': False}
    assert not run_action(dict(CONN, rules=RULES, max_disagreements=2)).get('failed')


def test_a_403_names_the_permission(log):
    log.status = 403
    result = run_action(dict(CONN, rules=RULES))
    assert result['failed'] is True and 'Monitoring | Held | Read' in result['msg'] and LOGS in result['msg']
    assert result['error']['status'] == 403 and 'totals' not in result


@pytest.mark.parametrize('args, why', [
    ({'rules': [{'name': 'x', 'match': {}, 'action': 'release'}]}, "rule #1 'x': \"match\" is empty"),
    ({'report': '/dev/null/bt.json'}, '/dev/null is not a directory'),
    ({'max_disagreements': -1}, 'max_disagreements must be 0 or more'),
    ({'start': 'yesterday'}, 'start'),
    ({'page_size': 501}, 'page_size must be between 1 and 500'),
])
def test_bad_input_sends_nothing(log, args, why):
    result = run_action(dict(CONN, **dict({'rules': RULES}, **args)))
    assert result['failed'] is True and why in result['msg'], result
    assert log.session.calls == []


# ------------------------------------------------------------------ rules_test: no client, no API
CASES = [{'name': 'news', 'message': {'sender': 'news@news.vendor.example', 'reason': SPAM}, 'expect': 'release'},
         {'name': 'wrong', 'message': {'sender': 'news@news.vendor.example', 'reason': SPAM}, 'expect': 'keep'}]


def run_rules_test(args):
    return run_action(args, module=rules_test_plugin, action='secops.mimecast.mimecast_rules_test')


def test_rules_test_makes_no_client(monkeypatch, tmp_path):
    monkeypatch.setattr(action_base, 'client_from_params', lambda *a, **kw: pytest.fail('rules_test made a client'))
    junit = tmp_path / 'rt.xml'
    result = run_rules_test({'rules': RULES, 'cases': CASES, 'junit': str(junit)})
    assert result['failed'] is True and result['failed_cases'] == 1 and result['junit_path'] == str(junit)
    assert result['msg'] == "1 of 2 rule cases failed: case 'wrong': expected keep, got release (rule 'news')"
    suite = ET.parse(str(junit)).getroot().find('testsuite')
    assert (suite.get('tests'), suite.get('failures')) == ('2', '1')
    assert not run_rules_test({'rules': RULES, 'cases': CASES[:1]}).get('failed')


def test_rules_test_takes_no_connection_option():
    with pytest.raises(AnsibleActionFail, match='Invalid options for secops.mimecast.mimecast_rules_test: .*base_url') as info:
        run_rules_test(dict(CONN, rules=RULES, cases=CASES))
    assert APP_KEY not in str(info.value)


@pytest.mark.parametrize('args, errors', [
    ({'rules': [{'name': 'x', 'action': 'release'}], 'cases': CASES}, 'rule_errors'),
    ({'rules': RULES, 'cases': CASES + [dict(CASES[0])]}, 'case_errors'),
])
def test_rules_test_bad_input_in_the_result_and_the_junit_file(tmp_path, args, errors):
    junit = tmp_path / 'rt.xml'
    junit.write_text('an old run')
    result = run_rules_test(dict(args, junit=str(junit)))
    assert result['failed'] is True and result[errors] and 'cases' not in result
    suite = ET.parse(str(junit)).getroot().find('testsuite')
    assert (suite.get('tests'), suite.get('errors')) == ('1', '1') and result[errors][0] in suite.find('testcase/error').text
