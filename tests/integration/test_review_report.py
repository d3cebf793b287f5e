# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The triage review report (run.html, run.csv beside run.json) and the --diff sample, from the triage playbook."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import csv
import datetime
import hashlib
import json
import re
from html.parser import HTMLParser

from conftest import demo_rules, expected_plan, held_records, run_playbook


COLUMNS = ['rule', 'action', 'done', 'id', 'received', 'sender', 'recipients', 'subject', 'reason_code', 'plan_digest']
HOSTILE = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script>'


def checksum(rules):
    return hashlib.sha256(json.dumps(rules, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode('utf-8')).hexdigest()


def addresses(value):
    items = value if isinstance(value, list) else [value]
    return [i['emailAddress'] for i in items if isinstance(i, dict) and i.get('emailAddress')]


class Page(HTMLParser):
    """The review page's tables: per table its ``data-rule`` and rows of cell texts; and whether a script has a src."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.tables, self.cell, self.scripts, self.text = [], None, [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'table':
            self.tables.append({'rule': attrs.get('data-rule'), 'kept': attrs.get('data-kept'), 'class': attrs.get('class', ''), 'rows': []})
        elif tag == 'tr' and self.tables:
            self.tables[-1]['rows'].append([])
        elif tag == 'td':
            self.cell = []
        elif tag == 'script':
            self.scripts.append(attrs)

    def handle_endtag(self, tag):
        if tag == 'td' and self.cell is not None:
            self.tables[-1]['rows'][-1].append(''.join(self.cell))
            self.cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


def run_triage(sim, tmp_path, options=()):
    rules = demo_rules()
    extra = {'mimecast_triage_rules': rules, 'mimecast_triage_report': str(tmp_path / 'run.json')}
    return rules, run_playbook(sim, 'secops.mimecast.triage', options=list(options), extra_vars=extra)


def read(tmp_path):
    with open(str(tmp_path / 'run.json')) as handle:
        report = json.load(handle)
    with open(str(tmp_path / 'run.csv'), newline='', encoding='utf-8') as handle:
        text = handle.read()
    assert text.startswith('\ufeff')  # UTF-8, said by its byte order mark, for spreadsheets
    rows = list(csv.reader(text[1:].splitlines()))
    page = Page()
    with open(str(tmp_path / 'run.html'), encoding='utf-8') as handle:
        html = handle.read()
    page.feed(html)
    return report, rows, page, html


def test_dry_run_leaves_a_review_report_with_every_matched_message(sim, tmp_path):
    sim.reset(held=200, seed=11, not_held_style='fail')
    sim.add_messages([{'subject': HOSTILE, 'reasonCode': 'message_hold_applied_spam_signature_policy',
                       'from': {'emailAddress': 'news@news.vendor.example'}}])
    records = held_records(sim)
    by_id = dict((r['id'], r) for r in records)
    rules, run = run_triage(sim, tmp_path, options=['--check', '--diff'])
    assert run.rc == 0, run
    assert sim.stats()['write_requests'] == 0
    expected = expected_plan(rules, records, datetime.datetime.now(datetime.timezone.utc))
    report, rows, page, html = read(tmp_path)

    # CSV: the header, then one row per message of the plan in the rules' order (the kept ones too: signed-off plans),
    # each with the plan's digest
    assert rows[0] == COLUMNS
    want = [(r['name'], r['action'], i) for r in expected['rules'] for i in r['ids']]
    assert [(row[0], row[1], row[3]) for row in rows[1:]] == want and len(want) == len(records)
    assert set(row[9] for row in rows[1:]) == {report['plan']['digest']}
    for row in rows[1:]:
        record = by_id[row[3]]
        assert row[2] == 'false'  # a dry run did nothing
        assert row[4] == record['dateReceived'][:19] + 'Z'  # the one date form of the reports
        assert row[5] == record['from']['emailAddress']
        assert row[6].split(';') == list(dict.fromkeys(addresses(record.get('to')) + addresses(record.get('toHeader'))))
        assert row[7] in (record['subject'], "'" + record['subject'])
        assert row[8] == record['reasonCode']
    hostile = [row for row in rows[1:] if HOSTILE in row[7]]
    assert hostile and hostile[0][7] == "'" + HOSTILE  # a spreadsheet shows the formula as text

    # HTML: dry run, the rules' checksum (in the JSON report too), the counts, per rule its messages
    assert report['rules_sha256'] == checksum(rules)
    assert 'Mimecast triage review: dry run' in html and report['rules_sha256'] in html
    text = ''.join(page.text)
    assert '%d\nwould release' % report['totals']['released'] in text.replace('</b>', '\n') or \
        re.search(r'%d\s*would release' % report['totals']['released'], text)
    tables = [t for t in page.tables if t['rule'] is not None]
    assert len(tables) == len(report['rules']) and all('sortable' in t['class'] for t in tables)
    for table, rule in zip(tables, report['rules']):
        body = [row for row in table['rows'] if row]
        assert len(body) == rule['matched']
        assert [row[6] for row in body] == rule['ids']
        assert set(row[5] for row in body) == {'kept held' if rule['action'] == 'keep' else 'would %s' % rule['action']}
        first = by_id[rule['ids'][0]]
        assert body[0][1] == first['from']['emailAddress'] and body[0][4] == first['reasonCode']
    assert report['plan']['digest'] in html and report['plan']['unmatched'] == []  # the demo rules end with a catch-all
    assert [t['kept'] for t in page.tables if t['kept']] == [] and 'No rule matched: kept held' in html
    assert '<script>alert(1)' not in html and HOSTILE.replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;') in html
    # one script, inline, allowed by its hash only
    assert page.scripts == [{}] and "script-src 'unsafe-inline'" not in html
    script = re.search(r'<script>(.*?)</script>', html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode('utf-8')).digest()).decode('ascii')
    assert "script-src 'sha256-%s'" % digest in html

    # --diff: a bounded sample, first 10 per rule with sender and subject, then "... and N more"
    release = [r for r in report['rules'] if r['action'] == 'release'][0]
    first = by_id[release['ids'][0]]
    assert "rule '%s' (release): would release %d, first 10:" % (release['name'], release['matched']) in run.output
    assert '  %s  %s' % (first['from']['emailAddress'], first['subject'][:40]) in run.output
    assert '  ... and %d more' % (release['matched'] - 10) in run.output
    assert release['ids'][0] not in run.output  # no bare ids on the screen


def test_real_run_review_says_what_was_done(sim, tmp_path):
    sim.reset(held=120, seed=5, not_held_style='fail')
    rules, run = run_triage(sim, tmp_path)
    assert run.rc == 0, run
    report, rows, page, html = read(tmp_path)
    assert report['check_mode'] is False
    assert 'Mimecast triage review: real run' in html and 'DRY RUN' not in html
    done = [row for row in rows[1:] if row[1] != 'keep']
    assert done and set(row[2] for row in done) == {'true'}
    assert set(row[2] for row in rows[1:] if row[1] == 'keep') == {'false'}
    assert len(done) == report['totals']['released'] + report['totals']['rejected']
    state = sim.state()
    assert set(row[3] for row in done if row[1] == 'release') == set(state['released'])
    assert set(row[3] for row in done if row[1] == 'reject') == set(state['rejected'])
    statuses = set(cell for t in page.tables if t['rule'] is not None for row in t['rows'] if row for cell in row[5:6])
    assert statuses == {'released', 'rejected', 'kept held'}

    # a second run: nothing matched, the review says so, with the same checksum
    rules, again = run_triage(sim, tmp_path)
    assert again.rc == 0, again
    report2, rows2, dummy, html2 = read(tmp_path)
    assert [row[1] for row in rows2[1:]] == ['keep'] * report['totals']['kept'] and rows2[0] == COLUMNS
    assert report2['rules_sha256'] == report['rules_sha256'] and 'no message' in html2
