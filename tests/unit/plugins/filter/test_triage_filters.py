# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.secops.mimecast.plugins.filter.triage import FilterModule

F = FilterModule().filters()

PLAN = {'held': 3, 'rules': [{'name': 'news', 'action': 'release', 'matched': 2, 'ids': ['a', 'b']},
                             {'name': 'rest', 'action': 'keep', 'matched': 1, 'ids': ['c']}],
        'release_ids': ['a', 'b'], 'reject_groups': [], 'kept': 1, 'changed': False}


def test_filters_registered():
    assert sorted(F) == ['held_report', 'held_report_html', 'held_report_markdown', 'tenant_path', 'tenant_plan', 'tenants_summary',
                         'triage_report', 'triage_summary']


def test_triage_report_and_summary():
    report = F['triage_report'](PLAN, {'released': ['a'], 'not_held': ['b'], 'failures': []}, {'results': [], 'skipped': True}, 'false')
    assert report['totals'] == {'held': 3, 'released': 1, 'rejected': 0, 'kept': 2, 'failed': 0, 'not_held': 1}
    assert report['check_mode'] is False
    lines = F['triage_summary'](report)
    assert lines[-1] == 'totals: held 3, released 1, rejected 0, kept 2, failed 0, not held any more 1'


def test_triage_report_check_mode_bool_ish():
    report = F['triage_report'](PLAN, {'released': ['a', 'b']}, [], 'True')
    assert report['check_mode'] is True and report['totals']['released'] == 2


def test_triage_report_bad_input():
    with pytest.raises(AnsibleFilterError):
        F['triage_report'](['not', 'a', 'plan'])


def test_held_report_filters():
    records = [{'id': 'x', 'reason_code': 'spam', 'from': {'email_address': 'a@b.example'}, 'subject': '<script>',
                'date_received': '2026-01-15T11:00:00+0000', 'route': 'INBOUND'}]
    report = F['held_report'](records, top=5, now='2026-01-15T12:00:00Z')
    assert report['total'] == 1 and report['generated_at'] == '2026-01-15T12:00:00Z'
    assert report['by_age'][1] == {'name': '1-6h', 'count': 1}
    # the whole mimecast_held_info result is accepted too
    assert F['held_report']({'messages': records, 'total': 1}, now='2026-01-15T12:00:00Z') == F['held_report'](records, now='2026-01-15T12:00:00Z')
    html = F['held_report_html'](report)
    assert '&lt;script&gt;' in html and '<script>' not in html
    assert F['held_report_markdown'](report).startswith('# Mimecast held queue report')


def test_held_report_bad_input():
    with pytest.raises(AnsibleFilterError):
        F['held_report']('nope')
    with pytest.raises(AnsibleFilterError):
        F['held_report']([], now='yesterday')
