# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_outcome import Outcome, outcome_from_tasks
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_plan import Plan
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_report import build_report, summary_lines

NOW = datetime.datetime(2026, 1, 15, 12, 0, 0, tzinfo=datetime.timezone.utc)
CONF = 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'
POLICY = 'MESSAGE GOES AGAINST EMAIL POLICIES'

GROUP_A = {'reason_type': CONF, 'message': 'DLP', 'notify': True, 'ids': ['j1', 'j2', 'j3'], 'rules': ['dlp']}
GROUP_B = {'reason_type': POLICY, 'message': None, 'notify': False, 'ids': ['j4'], 'rules': ['policy']}

PLAN = {
    'held': 10,
    'rules': [
        {'name': 'news', 'action': 'release', 'matched': 4, 'ids': ['r1', 'r2', 'r3', 'r4']},
        {'name': 'dlp', 'action': 'reject', 'matched': 3, 'ids': ['j1', 'j2', 'j3'], 'reason_type': CONF, 'message': 'DLP', 'notify': True},
        {'name': 'policy', 'action': 'reject', 'matched': 1, 'ids': ['j4'], 'reason_type': POLICY, 'message': None, 'notify': False},
        {'name': 'spoofing', 'action': 'keep', 'matched': 1, 'ids': ['k1']},
    ],
    'release_ids': ['r1', 'r2', 'r3', 'r4'],
    'reject_groups': [GROUP_A, GROUP_B],
    'kept': 2,
}


def report_from_tasks(plan, release=None, rejects=None, check_mode=False, now=None):
    """The report of a composed playbook's registered results, as the triage_report filter makes it."""
    if isinstance(rejects, dict):
        rejects = rejects.get('results')
    return build_report(outcome_from_tasks(Plan.from_result(plan), {'release': [release], 'reject': rejects}, check_mode, now))


def test_report_arithmetic():
    release = {'changed': True, 'released': ['r1', 'r2'], 'not_held': ['r3'], 'failed': True,
               'failures': [{'id': 'r4', 'code': 'err_release', 'message': 'boom', 'retryable': False}]}
    rejects = {'results': [
        {'item': GROUP_A, 'changed': True, 'rejected': ['j1', 'j2'], 'not_held': [],
         'failures': [{'id': 'j3', 'code': 'err_x', 'message': 'nope', 'retryable': True}]},
        {'item': GROUP_B, 'changed': True, 'rejected': ['j4'], 'not_held': [], 'failures': []},
    ]}
    report = report_from_tasks(PLAN, release, rejects, False, now=NOW)
    json.dumps(report)
    assert report['totals'] == {'held': 10, 'released': 2, 'rejected': 3, 'kept': 3, 'failed': 2, 'not_held': 1}
    assert report['totals']['kept'] == 10 - 2 - 3 - 2
    assert report['check_mode'] is False
    assert report['generated_at'] == '2026-01-15T12:00:00Z'
    by_name = dict((r['name'], r) for r in report['rules'])
    assert by_name['news'] == {'name': 'news', 'action': 'release', 'matched': 4, 'ids': ['r1', 'r2', 'r3', 'r4'],
                               'released': 2, 'rejected': 0, 'not_held': 1, 'failed': 1}
    assert by_name['dlp']['rejected'] == 2 and by_name['dlp']['failed'] == 1 and by_name['dlp']['reason_type'] == CONF
    assert by_name['policy']['rejected'] == 1
    assert by_name['spoofing'] == {'name': 'spoofing', 'action': 'keep', 'matched': 1, 'ids': ['k1'],
                                   'released': 0, 'rejected': 0, 'not_held': 0, 'failed': 0}
    assert report['failures'] == [
        {'id': 'r4', 'code': 'err_release', 'message': 'boom', 'retryable': False, 'rule': 'news'},
        {'id': 'j3', 'code': 'err_x', 'message': 'nope', 'retryable': True, 'rule': 'dlp'},
    ]


def test_check_mode_counts_would_be_ids():
    release = {'changed': True, 'released': ['r1', 'r2', 'r3', 'r4'], 'not_held': [], 'failures': []}
    rejects = [{'item': GROUP_A, 'rejected': ['j1', 'j2', 'j3'], 'not_held': [], 'failures': []},
               {'item': GROUP_B, 'rejected': ['j4'], 'not_held': [], 'failures': []}]
    report = report_from_tasks(PLAN, release, rejects, True, now=NOW)
    assert report['check_mode'] is True
    assert report['totals'] == {'held': 10, 'released': 4, 'rejected': 4, 'kept': 2, 'failed': 0, 'not_held': 0}
    lines = summary_lines(report)
    assert lines[0].startswith('DRY RUN')
    assert "rule 'news' (release): matched 4, would release 4, failed 0" in lines
    assert lines[-1] == 'totals: held 10, would release 4, would reject 4, kept 2, failed 0, not held any more 0'


def test_second_run_nothing_to_do():
    plan = {'held': 3, 'rules': [{'name': 'spoofing', 'action': 'keep', 'matched': 3, 'ids': ['a', 'b', 'c']}],
            'release_ids': [], 'reject_groups': [], 'kept': 3}
    release = {'changed': False, 'released': [], 'not_held': [], 'failures': []}
    report = report_from_tasks(plan, release, {'results': [], 'skipped': True, 'msg': 'No items in the list'}, False, now=NOW)
    assert report['totals'] == {'held': 3, 'released': 0, 'rejected': 0, 'kept': 3, 'failed': 0, 'not_held': 0}
    assert report['failures'] == []


def test_skipped_release_with_no_ids_is_not_a_failure():
    plan = {'held': 1, 'rules': [], 'release_ids': [], 'reject_groups': [], 'kept': 1}
    report = report_from_tasks(plan, {'skipped': True, 'changed': False}, None, False, now=NOW)
    assert report['totals']['failed'] == 0 and report['totals']['kept'] == 1


def test_task_that_failed_as_a_whole_fails_all_its_ids():
    release = {'failed': True, 'msg': 'HTTP 403: missing permission', 'error': {'codes': ['err_forbidden'], 'status': 403}}
    rejects = {'results': [{'item': GROUP_A, 'failed': True, 'msg': 'connection refused'},
                           {'item': GROUP_B, 'rejected': ['j4'], 'not_held': [], 'failures': []}]}
    report = report_from_tasks(PLAN, release, rejects, False, now=NOW)
    assert report['totals'] == {'held': 10, 'released': 0, 'rejected': 1, 'kept': 2, 'failed': 7, 'not_held': 0}
    codes = dict((f['id'], f['code']) for f in report['failures'])
    assert codes['r1'] == 'err_forbidden' and codes['j1'] == 'task_failed'
    assert [f['message'] for f in report['failures'] if f['id'] == 'j2'] == ['connection refused']


def test_reject_results_without_item_use_group_order_and_missing_results_count_as_not_attempted():
    rejects = [{'rejected': ['j1', 'j2', 'j3'], 'not_held': [], 'failures': []}]
    release = {'released': ['r1', 'r2', 'r3', 'r4'], 'not_held': [], 'failures': []}
    report = report_from_tasks(PLAN, release, rejects, False, now=NOW)
    assert report['totals']['rejected'] == 3
    assert report['totals']['failed'] == 1
    assert report['failures'][0]['id'] == 'j4' and report['failures'][0]['code'] == 'not_attempted'


def test_module_success_without_outcome_for_an_id():
    release = {'released': ['r1', 'r2'], 'not_held': ['r3'], 'failures': []}
    plan = dict(PLAN, reject_groups=[], rules=PLAN['rules'][:1], held=4)
    report = report_from_tasks(plan, release, None, False, now=NOW)
    assert report['failures'] == [{'id': 'r4', 'code': 'no_outcome', 'message': 'the task reported no outcome for this id',
                                   'retryable': True, 'rule': 'news'}]


def test_summary_lines_real_run():
    release = {'released': ['r1', 'r2', 'r3'], 'not_held': ['r4'], 'failures': []}
    rejects = [{'item': GROUP_A, 'rejected': ['j1', 'j2', 'j3'], 'not_held': [], 'failures': []},
               {'item': GROUP_B, 'rejected': ['j4'], 'not_held': [], 'failures': []}]
    lines = summary_lines(report_from_tasks(PLAN, release, rejects, False, now=NOW))
    assert lines == [
        "rule 'news' (release): matched 4, released 3, not held any more 1, failed 0",
        "rule 'dlp' (reject): matched 3, rejected 3, failed 0",
        "rule 'policy' (reject): matched 1, rejected 1, failed 0",
        "rule 'spoofing' (keep): matched 1, kept held",
        'totals: held 10, released 3, rejected 4, kept 3, failed 0, not held any more 1',
    ]


def test_empty_inputs():
    report = build_report(Outcome(Plan([])))
    assert report['totals'] == {'held': 0, 'released': 0, 'rejected': 0, 'kept': 0, 'failed': 0, 'not_held': 0}
    assert summary_lines(report)[-1].startswith('totals: held 0')
