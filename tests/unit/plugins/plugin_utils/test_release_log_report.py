# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
from html.parser import HTMLParser

import pytest

from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError, MimecastError
from ansible_collections.secops.mimecast.plugins.module_utils.release_logs import log_record
from ansible_collections.secops.mimecast.plugins.plugin_utils import release_log_report as rlr
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import V1_PARAMS, FakeResponse, FakeSession, envelope

NOW = datetime.datetime(2026, 12, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


def raw(n, operator, status, minute, shape='email'):
    def addr(email):
        return {'address': email, 'domain': email.split('@')[1]} if shape == 'address' else {'emailAddress': email, 'displayableName': ''}
    return {'id': 'm%d' % n, 'status': status, 'released': '2026-12-01T10:%02d:00+0000' % minute,
            'operator': operator if shape == 'email' else {'email': operator}, 'subject': 'Subject %d' % n,
            'heldReason': 'Spam', 'rejectReason': 'MESSAGE GOES AGAINST EMAIL POLICIES' if status == 'rejected' else '',
            'fromEnv': addr('Sender%d@Vendor.example' % n), 'fromHdr': addr('hdr@vendor.example'), 'to': [addr('u%d@example.com' % n)]}


RECORDS = [raw(0, 'alice@example.com', 'released', 5), raw(1, 'bob@example.com', 'rejected', 9), raw(2, 'Alice@example.com', 'released', 1),
           raw(3, 'alice@example.com', 'rejected', 7), raw(4, 'api.user@example.com', 'released', 3)]


def test_counts_by_operator_and_status_and_the_latest():
    section = rlr.summarise_release_logs(RECORDS, latest=3, window={'start': 'S', 'end': 'E'})
    assert section['available'] is True and section['warning'] is None and section['total'] == 5
    assert section['by_status'] == [{'name': 'released', 'count': 3}, {'name': 'rejected', 'count': 2}]
    assert section['by_operator'] == [
        {'name': 'alice@example.com', 'count': 3, 'released': 2, 'rejected': 1},
        {'name': 'api.user@example.com', 'count': 1, 'released': 1, 'rejected': 0},
        {'name': 'bob@example.com', 'count': 1, 'released': 0, 'rejected': 1},
    ]
    assert [item['id'] for item in section['latest']] == ['m1', 'm3', 'm0']
    assert section['latest'][0] == {'released': '2026-12-01T10:09:00Z', 'status': 'rejected', 'operator': 'bob@example.com',
                                    'sender': 'sender1@vendor.example', 'recipients': ['u1@example.com'], 'subject': 'Subject 1',
                                    'held_reason': 'Spam', 'reject_reason': 'MESSAGE GOES AGAINST EMAIL POLICIES', 'id': 'm1'}
    assert section['window'] == {'start': 'S', 'end': 'E'} and section['key'] == 'recent_releases'
    json.dumps(section)


def test_raw_records_both_shapes_and_module_records_agree():
    other = [raw(i, r['operator'], r['status'], int(r['released'][14:16]), shape='address') for i, r in enumerate(RECORDS)]
    module_records = [log_record(r) for r in RECORDS]
    plain = rlr.summarise_release_logs(RECORDS)
    assert rlr.summarise_release_logs(other) == plain
    assert rlr.summarise_release_logs(module_records) == plain


def test_empty_odd_and_unknown_values():
    section = rlr.summarise_release_logs([])
    assert section['total'] == 0 and section['by_operator'] == [] and section['latest'] == []
    assert section['by_status'] == [{'name': 'released', 'count': 0}, {'name': 'rejected', 'count': 0}]
    odd = rlr.summarise_release_logs(['junk', {'id': 'x', 'status': 'Deferred'}, {'id': 'y', 'released': 'not a date', 'status': 'RELEASED'}])
    assert odd['total'] == 2
    assert odd['by_status'] == [{'name': 'released', 'count': 1}, {'name': 'rejected', 'count': 0}, {'name': 'deferred', 'count': 1}]
    assert odd['by_operator'] == [{'name': '(unknown)', 'count': 2, 'released': 1, 'rejected': 0}]
    assert [i['id'] for i in odd['latest']] == ['x', 'y']
    assert rlr.summarise_release_logs(RECORDS, latest=0)['latest'] == []


def log_session(pages, status=200):
    def handler(call):
        n = len([c for c in session.calls if c['url'].endswith('get-held-release-logs')])
        if status != 200:
            return FakeResponse(status, envelope(fail=[{'key': {}, 'errors': [{'code': 'err_xdk_permission_denied', 'message': 'no'}]}]))
        pagination = {'pageSize': 2}
        if n < len(pages):
            pagination['next'] = 'c%d' % n
        return FakeResponse(200, envelope([{'heldReleaseLogs': pages[n - 1]}], meta={'status': 200, 'pagination': pagination}))
    session = FakeSession(handler)
    return session


def client_for(monkeypatch, session):
    from ansible_collections.secops.mimecast.plugins.module_utils import client as client_mod
    monkeypatch.setattr(client_mod.requests, 'Session', lambda: session)
    monkeypatch.setattr(client_mod.time, 'sleep', lambda seconds: None)
    return MimecastClient(**V1_PARAMS)


def test_section_reads_every_page_of_the_window(monkeypatch):
    session = log_session([RECORDS[:2], RECORDS[2:4], RECORDS[4:]])
    section = rlr.release_log_section(client_for(monkeypatch, session), start='-7d', end='now', latest=2, page_size=2, now=NOW)
    assert section['total'] == 5 and section['window'] == {'start': '2026-11-24T12:00:00+0000', 'end': '2026-12-01T12:00:00+0000'}
    assert [c['json'] for c in session.calls] == [
        {'meta': {'pagination': {'pageSize': 2}}, 'data': [{'start': '2026-11-24T12:00:00+0000', 'end': '2026-12-01T12:00:00+0000'}]},
        {'meta': {'pagination': {'pageSize': 2, 'pageToken': 'c1'}}, 'data': [{'start': '2026-11-24T12:00:00+0000', 'end': '2026-12-01T12:00:00+0000'}]},
        {'meta': {'pagination': {'pageSize': 2, 'pageToken': 'c2'}}, 'data': [{'start': '2026-11-24T12:00:00+0000', 'end': '2026-12-01T12:00:00+0000'}]},
    ]
    assert section['truncated'] is False
    capped = rlr.release_log_section(client_for(monkeypatch, log_session([RECORDS[:2], RECORDS[2:4]])), max_results=3, page_size=2, now=NOW)
    assert capped['total'] == 3 and capped['truncated'] is True


def test_forbidden_is_a_warning_naming_the_permission(monkeypatch):
    warnings = []
    session = log_session([], status=403)
    section = rlr.release_log_section(client_for(monkeypatch, session), warn=warnings.append, now=NOW)
    assert section['available'] is False and section['total'] == 0
    assert 'Monitoring | Held | Read' in section['warning'] and 'HTTP 403 (err_xdk_permission_denied)' in section['warning']
    assert warnings == [section['warning']] and len(session.calls) == 1
    html = rlr.render_html(section)
    assert 'Monitoring | Held | Read' in html and '<table' not in html
    assert '> **Warning:** ' in rlr.render_markdown(section)


def test_other_errors_are_raised(monkeypatch):
    with pytest.raises(MimecastError) as err:
        rlr.release_log_section(client_for(monkeypatch, log_session([], status=401)), now=NOW)
    assert err.value.status == 401
    session = log_session([])
    with pytest.raises(InputError):
        rlr.release_log_section(client_for(monkeypatch, session), start='whenever', now=NOW)
    assert session.calls == []


class _Collect(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self)
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_fragment_escapes_and_is_self_contained():
    evil = dict(raw(9, 'x@example.com', 'released', 30), subject='<script>alert(1)</script>', fromEnv={'emailAddress': '"><img src=x>'})
    section = rlr.summarise_release_logs(RECORDS + [evil], latest=10)
    html = rlr.render_html(section)
    assert html.startswith('<section class="mc-rl" id="recent_releases">') and html.rstrip().endswith('</section>')
    assert '<script>' not in html and '&lt;script&gt;alert(1)&lt;/script&gt;' in html and '<img' not in html
    parser = _Collect()
    parser.feed(html)
    assert 'script' not in parser.tags and 'link' not in parser.tags and 'img' not in parser.tags
    assert parser.tags.count('table') == 2 and 'style' in parser.tags
    assert 'src=' not in html.replace('&quot;&gt;&lt;img src=x&gt;', '') and 'http' not in html
    # a narrow screen shows every row as a card, its cells labelled; nothing scrolls sideways
    assert '@media (max-width:56em)' in html and 'overflow-x' not in html
    assert '.mc-rl table.mc-rl-latest td:nth-child(6)::before{content:"subject"}' in html
    text = ''.join(parser.text)
    assert 'Recent releases and rejections' in text and 'alice@example.com' in text and 'Latest 6' in text
    # the busiest operator's bar fills the cell: 2 released and 1 rejected of 3
    assert 'class="released" style="width:66.7%" title="released 2"' in html and 'class="rejected" style="width:33.3%"' in html


def test_markdown_fragment():
    section = rlr.summarise_release_logs(RECORDS + [dict(raw(7, 'x|y@example.com', 'released', 40), subject='a | b *c*')], latest=2)
    md = rlr.render_markdown(section)
    lines = md.splitlines()
    assert lines[0] == '## Recent releases and rejections'
    assert '| released | 4 |' in lines and '| rejected | 2 |' in lines
    assert '| alice@example.com | 2 | 1 | 3 |' in lines
    assert any(line.startswith('| 2026-12-01T10:40:00Z | released | x\\|y@example.com |') and 'a \\| b \\*c\\*' in line for line in lines)
    assert '### Latest 2' in lines
    empty = rlr.render_markdown(rlr.summarise_release_logs([]))
    assert '_nothing released or rejected in this window_' in empty


def test_section_as_data():
    assert rlr.SECTION.key == 'recent_releases' and rlr.SECTION.collect is rlr.collect
    report = {'recent_releases': rlr.empty_section()}
    assert rlr.SECTION.render_html(report).startswith('<section')
    assert rlr.SECTION.render_markdown(report)[0] == '## Recent releases and rejections'
