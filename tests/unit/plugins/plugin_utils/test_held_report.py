# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import re
from html.parser import HTMLParser

import pytest

from ansible_collections.secops.mimecast.plugins.plugin_utils.held_report import (
    build_report,
    render_html,
    render_markdown,
)
from ansible_collections.secops.mimecast.plugins.plugin_utils.sections import ReportContext

NOW = datetime.datetime(2026, 1, 15, 12, 0, 0, tzinfo=datetime.timezone.utc)
HOSTILE = '</td><script>alert("x")</script><img src=x onerror=alert(1)> | `rm -rf` [click](http://evil) & <b>'


def at(delta):
    return (NOW - delta).strftime('%Y-%m-%dT%H:%M:%S+0000')


def rec(rid, sender='a@news.vendor.example', to='alice@corp.example', code='spam', route='INBOUND', age=datetime.timedelta(minutes=5), **kw):
    out = {'id': rid, 'reasonCode': code, 'from': {'emailAddress': sender}, 'fromHeader': {'emailAddress': sender},
           'to': {'emailAddress': to} if isinstance(to, str) else to, 'subject': 'subject %s' % rid, 'route': route,
           'hasAttachments': False, 'dateReceived': at(age)}
    out.update(kw)
    return out


def sample():
    h = datetime.timedelta(hours=1)
    d = datetime.timedelta(days=1)
    return [
        rec('m1', age=h * 0.5),
        rec('m2', age=h * 2, sender='b@news.vendor.example'),
        rec('m3', age=h * 7, code='dlp', route='OUTBOUND', sender='bob@corp.example', to=[{'emailAddress': 'x@partner.example'},
                                                                                          {'emailAddress': 'alice@corp.example'}]),
        rec('m4', age=d * 2, code='anti_spoofing', sender='ceo@corp-example.evil'),
        rec('m5', age=d * 5, code='anti_spoofing', sender='ceo@corp-example.evil'),
        rec('m6', age=d * 10, code='spam'),
        rec('m7', age=d * 20, code='spam', subject=HOSTILE),
        rec('m8', dateReceived=None, code=None, route=None, **{'from': None, 'fromHeader': None}),
    ]


def counts(items):
    return dict((i['name'], i['count']) for i in items)


def test_report_counts():
    report = build_report(sample(), NOW, top=10)
    json.dumps(report)  # JSON-able
    assert report['generated_at'] == '2026-01-15T12:00:00Z'
    assert report['total'] == 8
    assert counts(report['by_reason_code']) == {'spam': 4, 'dlp': 1, 'anti_spoofing': 2, '(unknown)': 1}
    assert report['by_reason_code'][0] == {'name': 'spam', 'count': 4}
    assert counts(report['by_route']) == {'INBOUND': 6, 'OUTBOUND': 1, '(unknown)': 1}
    assert counts(report['by_sender_domain']) == {'news.vendor.example': 4, 'corp-example.evil': 2, 'corp.example': 1, '(unknown)': 1}
    assert report['by_age'] == [
        {'name': '<1h', 'count': 1}, {'name': '1-6h', 'count': 1}, {'name': '6-24h', 'count': 1}, {'name': '1-3d', 'count': 1},
        {'name': '3-7d', 'count': 1}, {'name': '7-14d', 'count': 1}, {'name': 'older', 'count': 1}, {'name': '(unknown)', 'count': 1},
    ]
    assert sum(i['count'] for i in report['by_age']) == report['total']
    assert report['top_senders'][0] == {'name': 'a@news.vendor.example', 'count': 3}
    assert counts(report['top_recipients']) == {'alice@corp.example': 8, 'x@partner.example': 1}
    oldest = report['oldest']
    assert [m['id'] for m in oldest] == ['m7', 'm6', 'm5', 'm4', 'm3', 'm2', 'm1']
    assert oldest[0]['subject'] == HOSTILE and oldest[0]['reason_code'] == 'spam'
    assert oldest[0]['sender'] == 'a@news.vendor.example' and oldest[0]['age_hours'] == 480.0


def test_sender_domain_counts_sum_to_total_and_fold_tail():
    records = [rec('d%d' % i, sender='x@dom%d.example' % (i % 15)) for i in range(60)]
    report = build_report(records, NOW, top=5)
    assert len(report['by_sender_domain']) == 6
    assert report['by_sender_domain'][-1]['name'] == '(other)'
    assert sum(i['count'] for i in report['by_sender_domain']) == 60
    assert report['sender_domains'] == 15
    assert len(report['top_senders']) == 5 and len(report['oldest']) == 5


def test_snake_case_records_from_modules():
    records = [{'id': 's1', 'reason_code': 'spam', 'from': {'email_address': 'n@news.example'},
                'to_header': [{'email_address': 'r@corp.example'}], 'route': 'inbound', 'has_attachments': True,
                'date_received': at(datetime.timedelta(hours=3)), 'subject': 'x'}]
    report = build_report(records, NOW)
    assert counts(report['by_reason_code']) == {'spam': 1}
    assert counts(report['by_sender_domain']) == {'news.example': 1}
    assert counts(report['by_route']) == {'INBOUND': 1}
    assert counts(report['top_recipients']) == {'r@corp.example': 1}
    assert report['with_attachments'] == 1
    assert counts(report['by_age'])['1-6h'] == 1


def test_empty_queue():
    report = build_report([], NOW)
    assert report['total'] == 0 and report['oldest'] == [] and report['by_reason_code'] == []
    assert 'nothing held' in render_html(report)
    assert 'nothing held' in render_markdown(report)


class _Collector(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self)
        self.tags = []
        self.attrs = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_html_escapes_hostile_subject_and_is_self_contained():
    report = build_report(sample(), NOW)
    page = render_html(report)
    assert page.startswith('<!DOCTYPE html>')
    assert '<script' not in page.lower()
    assert '<img' not in page.lower()
    assert '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' in page
    parser = _Collector()
    parser.feed(page)
    assert 'script' not in parser.tags and 'img' not in parser.tags
    # the subject text survives, as text
    assert any(HOSTILE in chunk for chunk in ''.join(parser.text).split('\n'))
    # no external assets
    for name, value in parser.attrs:
        if name in ('src', 'href'):
            raise AssertionError('external reference %s=%s' % (name, value))
    assert '<svg' in page and '<rect' in page


def test_html_escapes_hostile_chart_labels():
    evil = '<script>alert(1)</script>@x.example'
    report = build_report([rec('e', sender=evil, code='<b>code</b>', route='<i>')], NOW)
    page = render_html(report)
    assert '<script' not in page and '<b>code' not in page and '<i>' not in page
    assert '&lt;b&gt;code&lt;/b&gt;' in page


def test_markdown_escapes_table_breakers():
    report = build_report(sample(), NOW)
    md = render_markdown(report)
    assert md.startswith('# Mimecast held queue report')
    assert '<script>' not in md and '&lt;script&gt;' in md
    oldest_rows = [line for line in md.splitlines() if 'm7' in line]
    assert len(oldest_rows) == 1
    # the subject's pipe is escaped: the row still has 7 unescaped separators (6 cells)
    assert len(re.findall(r'(?<!\\)\|', oldest_rows[0])) == 7
    assert '| spam | 4 |' in md


# ------------------------------------------------------------------ sections as data

def test_a_section_is_one_entry(monkeypatch):
    from ansible_collections.secops.mimecast.plugins.plugin_utils import held_report as module

    calls = []

    def collect(context):
        calls.append(context.now)
        return [{'operator': 'admin@corp.example', 'status': 'released'}]

    def html(section, data, report):
        return '<h2>%s</h2><p>%d entries</p>' % (section.title, len(data))

    def markdown(section, data, report):
        return ['## %s' % section.title, '', '%d entries' % len(data), '']

    extra = module.Section('releases', 'Releases', html, markdown, collect=collect)
    # the sections read from the held queue only, and one more
    monkeypatch.setattr(module, 'SECTIONS', [section for section in module.SECTIONS if section.collect is None] + [extra])
    report = build_report(sample(), NOW)
    module.collect_sections(report, ReportContext(now=NOW))
    assert calls == [NOW] and report['releases'][0]['status'] == 'released'
    assert '<h2>Releases</h2><p>1 entries</p>' in module.render_html(report)
    assert '## Releases\n\n1 entries' in module.render_markdown(report)


def test_a_misspelt_section_option_is_an_error():
    from ansible_collections.secops.mimecast.plugins.plugin_utils.sections import Section
    with pytest.raises(TypeError):
        Section('x', 'X', None, None, colour='#fff')  # pylint: disable=unexpected-keyword-arg


def test_a_section_whose_collect_gives_nothing_is_left_out(monkeypatch):
    from ansible_collections.secops.mimecast.plugins.plugin_utils import held_report as module

    extra = module.Section('log', 'The log', lambda s, d, r: '<h2>The log</h2>', lambda s, d, r: ['## The log'],
                           collect=lambda context: None)
    monkeypatch.setattr(module, 'SECTIONS', [section for section in module.SECTIONS if section.collect is None] + [extra])
    report = module.collect_sections(build_report(sample(), NOW), ReportContext())
    assert 'log' not in report and 'The log' not in module.render_html(report) and 'The log' not in module.render_markdown(report)


def test_the_release_log_is_the_one_collected_section(monkeypatch):
    from ansible_collections.secops.mimecast.plugins.plugin_utils import held_report as module
    from ansible_collections.secops.mimecast.plugins.plugin_utils import release_log_report

    collected = [section for section in module.SECTIONS if section.collect is not None]
    assert [(s.key, s.title) for s in collected] == [('recent_releases', 'Recent releases and rejections')]
    reads = []

    def read(client, **options):
        reads.append((client, options))
        return release_log_report.summarise_release_logs([{'id': 'a', 'status': 'released', 'operator': 'ops@corp.example'}])

    section = collected[0]
    assert section is release_log_report.SECTION
    monkeypatch.setattr(release_log_report, 'release_log_section', read)
    warned = []
    # release_log false: nothing read, the section left out
    report = module.collect_sections(build_report(sample(), NOW), ReportContext('client', {'release_log': False}, NOW))
    assert reads == [] and 'recent_releases' not in report
    assert 'Recent releases' not in module.render_html(report) and 'Recent releases' not in module.render_markdown(report)
    params = {'release_log': True, 'release_log_start': '-30d', 'release_log_latest': 3, 'page_size': 100}
    report = module.collect_sections(build_report(sample(), NOW), ReportContext('client', params, NOW, warned.append))
    assert reads == [('client', {'start': '-30d', 'latest': 3, 'page_size': 100, 'warn': warned.append, 'now': NOW})]
    assert report['recent_releases']['total'] == 1
    # rendered by release_log_report's own renderers
    assert release_log_report.render_html(report['recent_releases']) in module.render_html(report)
    assert release_log_report.render_markdown(report['recent_releases']) in module.render_markdown(report) + '\n'
    assert section.render_markdown(report)[-1] == ''


def test_long_labels_are_not_cut():
    code = 'message_hold_applied_attachment_management_block_dangerous_file_types_policy'
    page = render_html(build_report([rec('x', code=code)], NOW))
    assert code.replace('_', '_<wbr>') in page and '\u2026' not in page
