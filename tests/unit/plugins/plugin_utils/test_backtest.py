# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The back-test's classification (every class, both record shapes, timed keys assumed, the action table), its JSON
report, its summary and its HTML and CSV pages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io

import pytest

from ansible_collections.secops.mimecast.plugins.module_utils.message import LoggedMessage
from ansible_collections.secops.mimecast.plugins.plugin_utils import backtest_report
from ansible_collections.secops.mimecast.plugins.plugin_utils.backtest import CLASSES, Backtest, build_report, classify, summary_lines
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import RULE_ACTIONS, RuleAction
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import Ruleset

SPAM = 'Message Hold Applied - Spam Signature policy'
DLP = 'Message Hold Applied - Content Examination policy'
SPOOF = 'Message Hold Applied - Anti-Spoofing policy'
RULES = [
    {'name': 'spoofing', 'match': {'reason_code': 'anti_spoofing'}, 'action': 'keep'},
    {'name': 'news', 'match': {'reason_code': '^message_hold_applied_spam_signature_policy$', 'sender': r'@news\.vendor\.example$'},
     'action': 'release'},
    {'name': 'old dlp', 'match': {'reason': 'content examination', 'route': 'outbound', 'older_than': '1h'}, 'action': 'reject',
     'reason_type': 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'},
]
WINDOW = {'start': '2026-11-07T08:00:00+0000', 'end': '2026-12-07T08:00:00+0000'}


def record(mid, status, reason, sender='news@news.vendor.example', route='INBOUND', shape='email', operator='admin@example.com',
           released='2026-12-01T10:00:00+0000', subject='Weekly digest', to='alice@example.com'):
    """A release-log record as the API sends it, its addresses and operator in one of the two shapes."""
    def addr(email):
        if shape == 'address':
            return {'address': email, 'domain': email.split('@')[1]}
        return {'emailAddress': email, 'displayableName': 'Someone'}
    return {'id': mid, 'status': status, 'released': released, 'operator': {'email': operator} if shape == 'address' else operator,
            'heldReason': reason, 'policy': 'A policy', 'route': route, 'attachments': False, 'subject': subject,
            'fromEnv': addr(sender), 'fromHdr': addr(sender), 'to': [addr(to)], 'rejectReason': '', 'heldGroup': 'administrator'}


def run(records, rules=None):
    backtest = Backtest(Ruleset.load(rules or RULES))
    classes = [backtest.add(r) for r in records]
    return backtest, classes


@pytest.mark.parametrize('shape', ['email', 'address'])
def test_each_class_in_both_record_shapes(shape):
    records = [
        record('a', 'released', SPAM, shape=shape),                           # news, release: agree
        record('b', 'rejected', SPAM, shape=shape),                           # news, release, a person rejected it
        record('c', 'released', DLP, route='OUTBOUND', shape=shape),          # old dlp, reject, a person released it
        record('d', 'rejected', DLP, route='OUTBOUND', shape=shape),          # old dlp: agree
        record('e', 'released', SPOOF, shape=shape),                          # keep rule
        record('f', 'rejected', SPAM, sender='x@other.example', shape=shape),  # no rule
    ]
    backtest, classes = run(records)
    assert classes == ['agree', 'release_rejected', 'reject_released', 'agree', 'kept', 'kept']
    report = build_report(backtest, WINDOW)
    totals = report['totals']
    assert dict((k, totals[k]) for k in CLASSES) == {'agree': 2, 'release_rejected': 1, 'reject_released': 1, 'kept': 2}
    assert totals['records'] == 6 and totals['no_rule'] == 1 and totals['disagreements'] == 2
    assert totals['coverage'] == round(4 / 6.0, 4) and totals['agreement'] == 0.5
    assert [(r['name'], r['agree'], r['release_rejected'], r['reject_released'], r['kept'], r['decided'], r['assumed'])
            for r in report['rules']] == [('spoofing', 0, 0, 0, 1, 1, []), ('news', 1, 1, 0, 0, 2, []),
                                          ('old dlp', 1, 0, 1, 0, 2, ['older_than'])]
    dangerous, other = report['disagreements']
    assert dangerous == {'class': 'release_rejected', 'id': 'b', 'rule': 'news', 'action': 'release', 'decision': 'rejected',
                         'operator': 'admin@example.com', 'released': '2026-12-01T10:00:00Z', 'sender': 'news@news.vendor.example',
                         'recipients': ['alice@example.com'], 'subject': 'Weekly digest', 'held_reason': SPAM}
    assert other['class'] == 'reject_released' and other['action'] == 'reject' and other['decision'] == 'released'
    assert report['window'] == WINDOW and report['rules_sha256'] == Ruleset.load(RULES).sha256 and 'gate' not in report


def test_snake_case_records_as_the_module_returns_them():
    snake = {'id': 's', 'status': 'REJECTED', 'operator': 'Admin@Example.com', 'held_reason': SPAM, 'route': 'inbound',
             'from_env': {'email_address': 'news@news.vendor.example', 'displayable_name': ''}, 'to': []}
    backtest, classes = run([snake])
    assert classes == ['release_rejected']
    assert backtest.disagreements[0]['operator'] == 'admin@example.com'


def test_the_sender_may_be_the_header_one_only():
    rec = record('h', 'released', SPAM, sender='someone@elsewhere.example')
    rec['fromHdr'] = {'emailAddress': 'news@news.vendor.example'}
    assert run([rec])[1] == ['agree']


def test_timed_keys_hold_for_a_log_record():
    """A log record has no received time: older_than and newer_than are taken as holding, whatever their value."""
    rules = [{'name': 'young', 'match': {'reason': 'spam', 'newer_than': '1s'}, 'action': 'release'},
             {'name': 'old', 'match': {'reason': 'content', 'older_than': '400d'}, 'action': 'reject',
              'reason_type': 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'}]
    backtest, classes = run([record('a', 'released', SPAM), record('b', 'rejected', DLP)], rules)
    assert classes == ['agree', 'agree']
    assert [r['assumed'] for r in build_report(backtest, WINDOW)['rules']] == [['newer_than'], ['older_than']]
    # the same rules on a message of known age do not: the back-test's assumption is its own
    assert LoggedMessage(record('a', 'released', SPAM)).received is None


def test_a_status_other_than_released_or_rejected_is_not_counted():
    backtest, classes = run([record('a', 'pending', SPAM), record('b', '', SPAM), record('c', 'released', SPAM)])
    assert classes == [None, None, 'agree']
    totals = build_report(backtest, WINDOW)['totals']
    assert totals['records'] == 1 and totals['unclassified'] == 2
    assert 'with a status other than released or rejected' in ' '.join(summary_lines(build_report(backtest, WINDOW)))


def test_nothing_decided_gives_fractions_of_zero():
    totals = build_report(run([])[0], WINDOW)['totals']
    assert totals['records'] == 0 and totals['coverage'] == 0 and totals['agreement'] == 0
    totals = build_report(run([record('e', 'released', SPOOF)])[0], WINDOW)['totals']
    assert totals['coverage'] == 0 and totals['agreement'] == 0 and totals['kept'] == 1


def test_disagreements_dangerous_first_then_newest_first():
    records = [record('r1', 'released', DLP, route='OUTBOUND', released='2026-12-05T10:00:00+0000'),
               record('x1', 'rejected', SPAM, released='2026-11-10T10:00:00+0000'),
               record('x2', 'rejected', SPAM, released='2026-12-02T10:00:00+0100'),
               record('r2', 'released', DLP, route='OUTBOUND', released='2026-12-06T10:00:00+0000')]
    report = build_report(run(records)[0], WINDOW)
    assert [d['id'] for d in report['disagreements']] == ['x2', 'x1', 'r2', 'r1']
    assert report['disagreements'][0]['released'] == '2026-12-02T09:00:00Z'


def test_the_gate():
    backtest = run([record('b', 'rejected', SPAM), record('c', 'released', DLP, route='OUTBOUND')])[0]
    assert build_report(backtest, WINDOW, max_disagreements=2)['gate'] == {'max_disagreements': 2, 'passed': True}
    report = build_report(backtest, WINDOW, max_disagreements=1)
    assert report['gate'] == {'max_disagreements': 1, 'passed': False}
    lines = summary_lines(report)
    assert lines[-2] == 'FAILED: 2 disagreements (release_rejected 1, reject_released 1), at most 1 allowed'
    assert lines[-1] == 'records 2: agree 0, release_rejected 1, reject_released 1, kept 0; coverage 100.0 %, agreement 0.0 %'


def test_classes_come_from_the_action_table(monkeypatch):
    """An action that neither releases nor rejects (a test-only one) leaves its records to a person."""
    tag = RuleAction('tag')
    monkeypatch.setitem(RULE_ACTIONS, 'tag', tag)
    assert classify(tag, 'released') == 'kept' and classify(None, 'rejected') == 'kept'
    assert classify(RULE_ACTIONS['release'], 'released') == 'agree' and classify(RULE_ACTIONS['reject'], 'released') == 'reject_released'
    backtest, classes = run([record('a', 'released', SPAM)], [{'name': 'tag it', 'match': {'reason': 'spam'}, 'action': 'tag'}])
    assert classes == ['kept'] and build_report(backtest, WINDOW)['rules'][0]['kept'] == 1


# ------------------------------------------------------------------ the pages
HOSTILE = '<script>alert(1)</script>'


def hostile_report():
    records = [record('b<id>', 'rejected', SPAM, subject=HOSTILE, to='=HYPERLINK("http://evil.example")@example.com'),
               record('c', 'released', DLP, route='OUTBOUND', subject='@SUM(A1:A9)'),
               record('a', 'released', SPAM)]
    return build_report(run(records)[0], WINDOW, max_disagreements=0)


def test_csv_lists_every_disagreement_and_neutralises_formulas():
    text = backtest_report.render_csv(hostile_report())
    assert text.startswith('\ufeff')  # UTF-8, said by its byte order mark
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == list(backtest_report.CSV_COLUMNS)
    assert [row[0] for row in rows[1:]] == ['release_rejected', 'reject_released']
    assert rows[1][8] == '\'=HYPERLINK("http://evil.example")@example.com' and rows[1][9] == HOSTILE
    assert rows[2][9] == "'@SUM(A1:A9)"


def test_html_escapes_and_shows_the_disagreements_first():
    page = backtest_report.render_html(hostile_report())
    assert HOSTILE not in page and '&lt;script&gt;alert(1)&lt;/script&gt;' in page and 'b&lt;id&gt;' in page
    assert page.index('id="disagreements"') < page.index('id="rules"')
    assert page.index('id="release_rejected"') < page.index('id="reject_released"')
    assert 'FAILED: 2 disagreements' in page and 'Content-Security-Policy' in page and '<script>' not in page
    assert '(no rule matched)' in page


def test_html_without_disagreements_or_records():
    page = backtest_report.render_html(build_report(run([])[0], WINDOW))
    assert 'Disagreements: 0' in page and 'class="split"' not in page


def test_pages_are_written_beside_the_report(tmp_path):
    path = str(tmp_path / 'bt.json')
    report = hostile_report()
    assert 'admin@example.com' in backtest_report.render_csv(report)
    paths = backtest_report.write_pages(path, report, mask=lambda text: text.replace('admin@example.com', '********'))
    assert paths == {'html': str(tmp_path / 'bt.html'), 'csv': str(tmp_path / 'bt.csv')}
    for name in ('bt.html', 'bt.csv'):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    assert 'admin@example.com' not in (tmp_path / 'bt.csv').read_text() + (tmp_path / 'bt.html').read_text()
