# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Held-queue report: a JSON-able summary of what is held now, rendered as HTML (inline SVG) or Markdown.

Records are read through the message view (``message.HeldMessage``): the API's raw camelCase records and the
modules' snake_case records alike. Every value taken from a message (subjects, addresses, reasons) is
attacker-controlled: the renderers escape them all (``plugin_utils/html.py``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq

from ansible_collections.secops.mimecast.plugins.module_utils.dates import report_date, to_epoch, utc_iso
from ansible_collections.secops.mimecast.plugins.module_utils.message import HeldMessage
from ansible_collections.secops.mimecast.plugins.plugin_utils import html as _html
from ansible_collections.secops.mimecast.plugins.plugin_utils import release_log_report
from ansible_collections.secops.mimecast.plugins.plugin_utils.html import (
    bars_html,
    escape,
    markdown_bar,
    markdown_cell,
    page_html,
    table_html,
)
from ansible_collections.secops.mimecast.plugins.plugin_utils.sections import Section

REPORT_VERSION = 1

AGE_BUCKETS = (
    ('<1h', 3600),
    ('1-6h', 6 * 3600),
    ('6-24h', 24 * 3600),
    ('1-3d', 3 * 86400),
    ('3-7d', 7 * 86400),
    ('7-14d', 14 * 86400),
    ('older', None),
)
UNKNOWN = '(unknown)'
OTHER = '(other)'


def _domain(address):
    if not address or '@' not in address:
        return UNKNOWN
    return address.rsplit('@', 1)[1] or UNKNOWN


def _age_bucket(age):
    if age is None:
        return UNKNOWN
    for label, limit in AGE_BUCKETS:
        if limit is None or age < limit:
            return label
    return AGE_BUCKETS[-1][0]


def _ranked(counter, limit=None):
    """[{name, count}] by count descending then name; the tail past ``limit`` folded into '(other)'."""
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    if limit is not None and len(items) > limit:
        rest = sum(count for dummy, count in items[limit:])
        items = items[:limit] + [(OTHER, rest)]
    return [{'name': name, 'count': count} for name, count in items]


def build_report(records, now=None, top=10):
    """Summarise held records: counts by reason code, sender domain, route, age; top senders/recipients; oldest.

    ``now`` (datetime in UTC, epoch seconds, or None for the current time) is the reference for ages.
    """
    now_epoch = to_epoch(now)
    top = max(1, int(top))
    by_reason = {}
    by_domain = {}
    by_route = {}
    by_age = dict((label, 0) for label, dummy in AGE_BUCKETS)
    senders = {}
    recipients = {}
    attachments = 0
    dated = []  # (epoch, index) for the oldest
    total = 0
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            continue
        total += 1
        message = HeldMessage(record)
        code = message.reason_code or UNKNOWN
        by_reason[code] = by_reason.get(code, 0) + 1
        sender = message.sender.strip().lower()
        domain = _domain(sender)
        by_domain[domain] = by_domain.get(domain, 0) + 1
        if sender:
            senders[sender] = senders.get(sender, 0) + 1
        route = (message.route or '').upper() or UNKNOWN
        by_route[route] = by_route.get(route, 0) + 1
        for rcpt in set(addr.strip().lower() for addr in message.recipients):
            recipients[rcpt] = recipients.get(rcpt, 0) + 1
        if message.has_attachments:
            attachments += 1
        received = message.received
        age = None if received is None else max(0.0, now_epoch - received)
        bucket = _age_bucket(age)
        by_age[bucket] = by_age.get(bucket, 0) + 1
        if received is not None:
            dated.append((received, index, message))

    oldest = []
    for received, dummy, message in heapq.nsmallest(top, dated, key=lambda item: (item[0], item[1])):
        oldest.append({
            'id': message.id,
            'date': report_date(received),
            'age_hours': round(max(0.0, now_epoch - received) / 3600.0, 1),
            'sender': message.sender.strip().lower(),
            'subject': message.subject or '',
            'reason_code': message.reason_code or '',
        })

    return {
        'version': REPORT_VERSION,
        'generated_at': utc_iso(now_epoch),
        'total': total,
        'with_attachments': attachments,
        'by_reason_code': _ranked(by_reason),
        'by_sender_domain': _ranked(by_domain, top),
        'sender_domains': len(by_domain),
        'by_route': _ranked(by_route),
        'by_age': [{'name': label, 'count': by_age[label]} for label, dummy in AGE_BUCKETS]
        + ([{'name': UNKNOWN, 'count': by_age[UNKNOWN]}] if by_age.get(UNKNOWN) else []),
        'top_senders': _ranked(senders)[:top],
        'top_recipients': _ranked(recipients)[:top],
        'oldest': oldest,
    }


# ---------------------------------------------------------------------------
# Sections: the report's parts as data (plugin_utils/sections.py); SECTIONS below lists them.

def collect_sections(report, context, sections=None):
    """Run the ``collect`` of every section that has one, storing its data in ``report``; returns ``report``."""
    for section in SECTIONS if sections is None else sections:
        if section.collect is not None:
            data = section.collect(context)
            if data is not None:
                report[section.key] = data
    return report


# ---------------------------------------------------------------------------
# HTML

def _counts_html(section, data, report):
    return '<h2>%s</h2>%s' % (escape(section.title), bars_html(data or [], color=section.color or '#3b6ea5'))


OLDEST_COLUMNS = (('received (UTC)', '', '12em'), ('age (h)', 'n', '5em'), ('sender', 'wrap', '20%'), ('subject', '', None),
                  ('reason code', 'code', '20%'), ('id', 'id', None))


def _oldest_html(section, data, report):
    rows = [(report_date(m.get('date')), m.get('age_hours'), m.get('sender'), m.get('subject'), m.get('reason_code'), m.get('id'))
            for m in data or []]
    body = table_html(OLDEST_COLUMNS, rows, name='oldest') if rows else '<p><em>nothing held</em></p>'
    return '<h2>%s</h2>%s' % (escape(section.title), body)


# ---------------------------------------------------------------------------
# Markdown

def _counts_markdown(section, data, report):
    out = ['## %s' % section.title, '']
    items = list(data or [])
    if not items:
        return out + ['_none_', '']
    maxcount = max(item['count'] for item in items)
    out += ['| %s | count | |' % section.title.lower(), '|---|---:|---|']
    for item in items:
        out.append('| %s | %d | %s |' % (markdown_cell(item['name']), item['count'], markdown_bar(item['count'], maxcount)))
    return out + ['']


def _oldest_markdown(section, data, report):
    out = ['## %s' % section.title, '']
    if not data:
        return out + ['_nothing held_', '']
    out += ['| received | age (h) | sender | subject | reason code | id |', '|---|---:|---|---|---|---|']
    for m in data:
        out.append('| %s | %s | %s | %s | %s | %s |' % tuple(
            markdown_cell(m.get(key)) for key in ('date', 'age_hours', 'sender', 'subject', 'reason_code', 'id')))
    return out + ['']


SECTIONS = [
    Section('by_reason_code', 'By reason code', _counts_html, _counts_markdown, color='#a5523b'),
    Section('by_age', 'By age', _counts_html, _counts_markdown, color='#3b6ea5'),
    Section('by_route', 'By route', _counts_html, _counts_markdown, color='#5a8f3b'),
    Section('by_sender_domain', 'By sender domain', _counts_html, _counts_markdown, color='#7a4fa0'),
    Section('top_senders', 'Top senders', _counts_html, _counts_markdown, color='#7a4fa0'),
    Section('top_recipients', 'Top recipients', _counts_html, _counts_markdown, color='#3b8f8f'),
    Section('oldest', 'Oldest held messages', _oldest_html, _oldest_markdown),
    # who released or rejected what, read from the release log
    release_log_report.SECTION,
]


def render_html(report, sections=None):
    """A self-contained HTML page (no external assets, no scripts) of a ``build_report`` result."""
    head = [
        '<h1>Mimecast held queue report</h1>',
        '<p>Generated at %s</p>' % escape(report.get('generated_at')),
        '<div class="kpis"><span class="kpi"><b>%s</b>held messages</span>' % escape(report.get('total', 0)),
        '<span class="kpi"><b>%s</b>sender domains</span>' % escape(report.get('sender_domains', 0)),
        '<span class="kpi"><b>%s</b>with attachments</span></div>' % escape(report.get('with_attachments', 0)),
    ]
    body = head + [section.render_html(report) for section in (SECTIONS if sections is None else sections)
                   if section.shown(report)]
    return page_html('Mimecast held queue report', '\n'.join(body))


def render_markdown(report, sections=None):
    """A Markdown rendering of a ``build_report`` result (tables with text bar charts)."""
    out = ['# Mimecast held queue report', '',
           'Generated at %s: **%d** held messages from %d sender domains, %d with attachments.'
           % (markdown_cell(report.get('generated_at')), report.get('total', 0), report.get('sender_domains', 0),
              report.get('with_attachments', 0)), '']
    for section in SECTIONS if sections is None else sections:
        if section.shown(report):
            out += section.render_markdown(report)
    while out and out[-1] == '':
        out.pop()
    return '\n'.join(out) + '\n'
