# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The triage review report (CSV, HTML, --diff sample), the rules' checksum and the plan's review fields."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import datetime
import hashlib
import io
import json
import os

from ansible_collections.secops.mimecast.plugins.module_utils.message import HeldMessage
from ansible_collections.secops.mimecast.plugins.plugin_utils import paths
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import RULE_ACTIONS
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_outcome import Outcome
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_plan import REVIEW_FIELDS, Planner, review_of
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_report import build_report, diff_sample
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_review import (
    CSV_COLUMNS,
    render_csv,
    render_html,
    status_of,
    write_review,
)
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import Ruleset, rules_checksum

NOW = datetime.datetime(2026, 1, 15, 12, 0, 0, tzinfo=datetime.timezone.utc)
RULES = [
    {'name': 'keep spoof', 'match': {'reason_code': 'spoof'}, 'action': 'keep'},
    {'name': 'news', 'match': {'sender': r'@news\.example$'}, 'action': 'release'},
    {'name': 'dlp', 'match': {'route': 'OUTBOUND'}, 'action': 'reject', 'reason_type': 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'},
]


def rec(rid, sender='a@news.example', route='INBOUND', code='spam', subject=None, to=('alice@corp.example',), header_to=()):
    return {'id': rid, 'reasonCode': code, 'route': route, 'subject': subject if subject is not None else 'subject %s' % rid,
            'from': {'emailAddress': sender}, 'fromHeader': {'emailAddress': 'header-' + sender},
            'to': [{'emailAddress': a} for a in to], 'toHeader': [{'emailAddress': a} for a in header_to],
            'dateReceived': (NOW - datetime.timedelta(minutes=int(rid[1:]))).strftime('%Y-%m-%dT%H:%M:%S+0000')}


def records():
    out = [rec('n%d' % i) for i in range(1, 16)]
    out += [rec('d1', sender='bob@corp.example', route='OUTBOUND', subject='=1+2', to=('x@a.example', 'y@b.example'),
                header_to=('y@b.example', 'z@c.example'))]
    out += [rec('s1', code='spoof')]
    return out


def planned(recs=None):
    planner = Planner(Ruleset.load(RULES), NOW)
    return planner.plan(planner.decide(record) for record in (recs or records()))


def run(check_mode, failures=(), plan=None):
    """The plan, the report and the outcome of a run in which every write did all but the ``failures``."""
    plan = plan or planned()
    outcome = Outcome(plan, check_mode, generated_at='2026-01-15T12:00:00Z')
    failed = set(f['id'] for f in failures)
    for step in plan.steps():
        outcome.add(step.ids, [rid for rid in step.ids if rid not in failed], (), [f for f in failures if f['id'] in step.ids])
    return plan, build_report(outcome), outcome


def csv_text(outcome, digest=''):
    text = render_csv(outcome, digest)
    assert text.startswith('\ufeff')  # UTF-8, said by its byte order mark
    return text[1:]


def release_ids(plan):
    return [rid for rule in plan.rules if rule.action.name == 'release' for rid in rule.ids]


def test_plan_keeps_the_review_fields_of_every_held_message():
    p = planned()
    assert sorted(p.review) == sorted(['n%d' % i for i in range(1, 16)] + ['d1', 's1'])  # the kept s1 too
    assert REVIEW_FIELDS == ('received', 'sender', 'recipients', 'subject', 'reason_code')
    received, sender, recipients, subject, code = p.review['d1']
    assert (sender, subject, code) == ('bob@corp.example', '=1+2', 'spam')
    assert recipients == ('x@a.example', 'y@b.example', 'z@c.example')  # envelope and header, each once
    assert received == (NOW - datetime.timedelta(minutes=1)).strftime('%Y-%m-%dT%H:%M:%S+0000')
    # a record without the fields gives empty values, not an error
    assert review_of(HeldMessage({'id': 'x'})) == ('', '', (), '', '')


def test_csv_columns_rows_and_done():
    p, report, outcome = run(check_mode=False)
    rows = list(csv.reader(io.StringIO(csv_text(outcome, report['plan']['digest']))))
    assert rows[0] == list(CSV_COLUMNS) == ['rule', 'action', 'done', 'id', 'received', 'sender', 'recipients', 'subject',
                                            'reason_code', 'plan_digest']
    # every message of the plan, in the rules' order: the keep rule's s1 too (action keep, left held)
    assert [r[3] for r in rows[1:]] == ['s1'] + p.rules[1].ids + ['d1']
    assert [r[:3] for r in rows[1:2]] == [['keep spoof', 'keep', 'false']]
    assert set(r[2] for r in rows[2:]) == {'true'}
    assert set(r[9] for r in rows[1:]) == {report['plan']['digest']}
    dlp = rows[-1]
    assert dlp[:2] == ['dlp', 'reject'] and dlp[6] == 'x@a.example;y@b.example;z@c.example'
    assert dlp[7] == "'=1+2"  # a spreadsheet shows it as text, not as a formula


def test_csv_done_is_false_in_check_mode_and_for_failures():
    p, report, outcome = run(check_mode=True)
    rows = list(csv.reader(io.StringIO(csv_text(outcome))))
    assert set(r[2] for r in rows[1:]) == {'false'}
    first = release_ids(p)[0]
    p, report, outcome = run(check_mode=False, failures=[{'id': first, 'code': 'err_x', 'message': 'no', 'retryable': False}])
    rows = list(csv.reader(io.StringIO(csv_text(outcome))))
    done = dict((r[3], r[2]) for r in rows[1:])
    assert done[first] == 'false' and done[release_ids(p)[1]] == 'true'
    assert status_of(outcome, first, RULE_ACTIONS['release']) == (False, 'failed: err_x')


def test_html_header_counts_and_actions():
    p, report, outcome = run(check_mode=True)
    page = render_html(report, outcome)
    assert 'Mimecast triage review: dry run' in page and 'DRY RUN' in page
    assert rules_checksum(RULES) in page
    assert page.count('would release') >= 15 and page.count('would reject') >= 1
    assert '<b>15</b>would release' in page and '<b>17</b>held in the window' in page
    assert 'keep: 1 message(s) left held' in page
    p, report, outcome = run(check_mode=False)
    page = render_html(report, outcome)
    assert 'real run' in page and 'DRY RUN' not in page and '>released</td>' in page


def with_sender_policy(report):
    """``report`` as a run whose release rule had ``sender_policy: permit`` reports it (triage_report.add_sender_outcome)."""
    report['totals'].update(permitted=2, blocked=0, sender_failed=1)
    news = [rule for rule in report['rules'] if rule['name'] == 'news'][0]
    news.update(sender_policy='permit', senders=[{'sender': 'a@news.example', 'to': 'alice@corp.example'},
                                                 {'sender': '<b>x@news.example', 'to': 'bob@corp.example'}])
    report['sender_failures'] = [{'sender': 'c@news.example', 'to': 'carol@corp.example', 'action': 'permit',
                                  'code': 'err_validation_invalid_email_address', 'message': 'bad <address>'}]
    return report


def test_html_shows_the_managed_sender_entries_and_those_not_set():
    for check_mode, verb in ((False, 'permitted'), (True, 'would permit')):
        p, report, outcome = run(check_mode=check_mode)
        page = render_html(with_sender_policy(report), outcome)
        assert '<b>2</b>%s' % verb in page and '<b>1</b>left held: entries not set' in page
        assert ', %s 2 senders, failed' % verb in page
        assert 'permit: 2 managed-sender entries (sender, recipient)' in page
        # every value escaped (addresses may break at their punctuation), the entries and the failures listed
        flat = page.replace('<wbr>', '')
        assert '&lt;b&gt;x@news.example' in flat and '<b>x@news' not in flat
        assert 'alice@corp.example' in flat and 'carol@corp.example' in flat
        assert 'Managed-sender entries not set' in page and 'bad &lt;address&gt;' in page
        assert 'err_validation_invalid_email_address' in flat
    # without a sender_policy, none of it
    p, report, outcome = run(check_mode=False)
    page = render_html(report, outcome)
    assert 'managed-sender' not in page and 'entries not set' not in page


def test_checksum_is_of_the_canonical_json():
    reordered = [dict(reversed(list(rule.items()))) for rule in RULES]
    assert rules_checksum(reordered) == rules_checksum(RULES)
    canonical = json.dumps(RULES, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    assert rules_checksum(RULES) == hashlib.sha256(canonical).hexdigest()
    changed = json.loads(json.dumps(RULES))
    changed[1]['match']['sender'] = 'x'
    assert rules_checksum(changed) != rules_checksum(RULES)


def test_diff_sample_is_bounded_and_readable():
    p, report, outcome = run(check_mode=True)
    lines = diff_sample(report, p.review, limit=10).splitlines()
    assert lines[0] == "rule 'news' (release): would release 15, first 10:"
    assert lines[1] == '  2026-01-15T11:59:00Z  a@news.example  subject n1'
    assert lines[11] == '  ... and 5 more'
    assert lines[12] == "rule 'dlp' (reject): would reject 1, first 1:" and lines[13].endswith('bob@corp.example  =1+2')
    assert len(lines) == 14 and not any('keep spoof' in line for line in lines)


def test_review_files_beside_the_report(tmp_path):
    assert paths.pages('/x/run.json') == {'html': '/x/run.html', 'csv': '/x/run.csv'}
    assert paths.pages('/x/report') == {'html': '/x/report.html', 'csv': '/x/report.csv'}
    p, report, outcome = run(check_mode=True)
    written = write_review(str(tmp_path / 'run.json'), report, outcome)
    assert sorted(os.listdir(str(tmp_path))) == ['run.csv', 'run.html']
    assert written == {'html': str(tmp_path / 'run.html'), 'csv': str(tmp_path / 'run.csv')}


def test_review_of_50000_messages():
    # how fast is measured by make bench (the review report at 50k), not here
    recs = [rec('n%d' % i, subject='digest %d' % i) for i in range(1, 50001)]
    p, report, outcome = run(check_mode=False, plan=planned(recs))
    text = csv_text(outcome)
    page = render_html(report, outcome)
    assert text.count('\r\n') == 50001 and page.count('<tr>') == 50001


def test_caller_path(monkeypatch, tmp_path):
    monkeypatch.chdir(str(tmp_path))
    assert paths.caller_path('report') == str(tmp_path / 'report')
    assert paths.caller_path('a/../b/run.json') == str(tmp_path / 'b' / 'run.json')
    assert paths.caller_path('/abs/x') == '/abs/x'
    assert paths.caller_path('x', base='/base') == '/base/x'
    monkeypatch.setenv('HOME', '/home/someone')
    assert paths.caller_path('~/r') == '/home/someone/r'
    assert paths.caller_path(None) is None and paths.caller_path('') == ''
    assert paths.sibling('/d/run.json', '.csv') == '/d/run.csv' and paths.sibling('/d/run', '.csv') == '/d/run.csv'
