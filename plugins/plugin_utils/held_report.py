# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Held-queue report: a JSON-able summary of what is held now, rendered as HTML (inline SVG) or Markdown.

Accepts the API's raw camelCase records and the modules' snake_case records alike.
Every value taken from a message (subjects, addresses, reasons) is attacker-controlled: the renderers escape them all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import heapq
from html import escape as _html_escape

from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_api_epoch, to_epoch
from ansible_collections.secops.mimecast.plugins.module_utils.records import addresses, field, parse_bool, sender

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


def _sender(record):
    addr = sender(record)
    return addr.strip().lower() if addr else None


def _recipients(record):
    out = set()
    for camel, snake in (('to', 'to'), ('toHeader', 'to_header')):
        for addr in addresses(field(record, camel, snake)):
            out.add(addr.strip().lower())
    return out


def _domain(address):
    if not address or '@' not in address:
        return UNKNOWN
    return address.rsplit('@', 1)[1] or UNKNOWN


def _text(value):
    if value is None:
        return ''
    return value if isinstance(value, str) else str(value)


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


def _iso(epoch):
    dt = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=epoch)
    return dt.strftime('%Y-%m-%dT%H:%M:%SZ')


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
        code = _text(field(record, 'reasonCode', 'reason_code')) or UNKNOWN
        by_reason[code] = by_reason.get(code, 0) + 1
        sender = _sender(record)
        domain = _domain(sender)
        by_domain[domain] = by_domain.get(domain, 0) + 1
        if sender:
            senders[sender] = senders.get(sender, 0) + 1
        route = _text(record.get('route')).strip().upper() or UNKNOWN
        by_route[route] = by_route.get(route, 0) + 1
        for rcpt in _recipients(record):
            recipients[rcpt] = recipients.get(rcpt, 0) + 1
        if parse_bool(field(record, 'hasAttachments', 'has_attachments')):
            attachments += 1
        received = parse_api_epoch(field(record, 'dateReceived', 'date_received'))
        age = None if received is None else max(0.0, now_epoch - received)
        bucket = _age_bucket(age)
        by_age[bucket] = by_age.get(bucket, 0) + 1
        if received is not None:
            dated.append((received, index, record))

    oldest = []
    for received, dummy, record in heapq.nsmallest(top, dated, key=lambda item: (item[0], item[1])):
        oldest.append({
            'id': _text(record.get('id')),
            'date': _text(field(record, 'dateReceived', 'date_received')),
            'age_hours': round(max(0.0, now_epoch - received) / 3600.0, 1),
            'sender': _sender(record) or '',
            'subject': _text(record.get('subject')),
            'reason_code': _text(field(record, 'reasonCode', 'reason_code')),
        })

    return {
        'version': REPORT_VERSION,
        'generated_at': _iso(now_epoch),
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
# HTML

def _e(value):
    return _html_escape(_text(value), quote=True)


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;color:#222;max-width:70em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.kpi{display:inline-block;margin-right:2em}.kpi b{font-size:1.6em;display:block}
.subject{min-width:14em;max-width:34em;overflow-wrap:anywhere}td.id{font-family:monospace;font-size:.8em;white-space:nowrap;max-width:14em;overflow:hidden;text-overflow:ellipsis}
td.nowrap{white-space:nowrap}svg text{font-size:12px;font-family:inherit}
"""


def svg_bar_chart(items, title, width=640, bar_height=18, label_width=230, color='#3b6ea5'):
    """A horizontal bar chart (inline SVG) of [{name, count}]. Every label is escaped."""
    items = list(items)
    if not items:
        return '<p><em>nothing to chart</em></p>'
    maxcount = max(item['count'] for item in items) or 1
    gap = 6
    height = len(items) * (bar_height + gap) + gap
    plot = width - label_width - 60
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d">'
             % (width, height, width, height),
             '<title>%s</title>' % _e(title)]
    for i, item in enumerate(items):
        y = gap + i * (bar_height + gap)
        name = _text(item['name'])
        short = name if len(name) <= 34 else name[:33] + '\u2026'
        length = int(round(plot * item['count'] / float(maxcount)))
        parts.append('<text x="%d" y="%d" text-anchor="end">%s<title>%s</title></text>'
                     % (label_width - 6, y + bar_height - 5, _e(short), _e(name)))
        parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="%s"></rect>'
                     % (label_width, y, max(length, 1 if item['count'] else 0), bar_height, color))
        parts.append('<text x="%d" y="%d">%d</text>' % (label_width + length + 4, y + bar_height - 5, item['count']))
    parts.append('</svg>')
    return ''.join(parts)


def _html_table(headers, rows, numeric=()):
    out = ['<table><tr>%s</tr>' % ''.join('<th>%s</th>' % _e(h) for h in headers)]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if i in numeric:
                cells.append('<td class="n">%s</td>' % _e(cell))
            elif headers[i] == 'subject':
                cells.append('<td class="subject">%s</td>' % _e(cell))
            elif headers[i] == 'id':
                cells.append('<td class="id" title="%s">%s</td>' % (_e(cell), _e(cell)))
            elif headers[i] == 'received':
                cells.append('<td class="nowrap">%s</td>' % _e(cell))
            else:
                cells.append('<td>%s</td>' % _e(cell))
        out.append('<tr>%s</tr>' % ''.join(cells))
    out.append('</table>')
    return ''.join(out)


def render_html(report):
    """A self-contained HTML page (no external assets, no scripts) of a ``build_report`` result."""
    sections = [
        ('By reason code', report.get('by_reason_code', []), '#a5523b'),
        ('By age', report.get('by_age', []), '#3b6ea5'),
        ('By route', report.get('by_route', []), '#5a8f3b'),
        ('By sender domain', report.get('by_sender_domain', []), '#7a4fa0'),
        ('Top senders', report.get('top_senders', []), '#7a4fa0'),
        ('Top recipients', report.get('top_recipients', []), '#3b8f8f'),
    ]
    html = [
        '<!DOCTYPE html>',
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
        '<title>Mimecast held queue report</title>',
        '<style>%s</style></head><body>' % _CSS,
        '<h1>Mimecast held queue report</h1>',
        '<p>Generated at %s</p>' % _e(report.get('generated_at')),
        '<div><span class="kpi"><b>%s</b>held messages</span>' % _e(report.get('total', 0)),
        '<span class="kpi"><b>%s</b>sender domains</span>' % _e(report.get('sender_domains', 0)),
        '<span class="kpi"><b>%s</b>with attachments</span></div>' % _e(report.get('with_attachments', 0)),
    ]
    for title, items, color in sections:
        html.append('<h2>%s</h2>' % _e(title))
        html.append(svg_bar_chart(items, title, color=color))
    html.append('<h2>Oldest held messages</h2>')
    rows = [(m.get('date'), m.get('age_hours'), m.get('sender'), m.get('subject'), m.get('reason_code'), m.get('id'))
            for m in report.get('oldest', [])]
    if rows:
        html.append(_html_table(('received', 'age (h)', 'sender', 'subject', 'reason code', 'id'), rows, numeric=(1,)))
    else:
        html.append('<p><em>nothing held</em></p>')
    html.append('</body></html>')
    return '\n'.join(html) + '\n'


# ---------------------------------------------------------------------------
# Markdown

def _md(value):
    """Escape a value for a Markdown table cell (also neutralise inline HTML)."""
    text = _text(value).replace('\r', ' ').replace('\n', ' ')
    text = _html_escape(text, quote=False)
    for char in ('\\', '|', '`', '*', '_', '[', ']'):
        text = text.replace(char, '\\' + char)
    return text


def _md_bar(count, maxcount, width=30):
    if not maxcount:
        return ''
    return '\u2588' * int(round(width * count / float(maxcount)))


def _md_counts(title, items):
    out = ['## %s' % title, '']
    items = list(items)
    if not items:
        return out + ['_none_', '']
    maxcount = max(item['count'] for item in items)
    out += ['| %s | count | |' % title.lower(), '|---|---:|---|']
    for item in items:
        out.append('| %s | %d | %s |' % (_md(item['name']), item['count'], _md_bar(item['count'], maxcount)))
    return out + ['']


def render_markdown(report):
    """A Markdown rendering of a ``build_report`` result (tables with text bar charts)."""
    out = ['# Mimecast held queue report', '',
           'Generated at %s: **%d** held messages from %d sender domains, %d with attachments.'
           % (_md(report.get('generated_at')), report.get('total', 0), report.get('sender_domains', 0),
              report.get('with_attachments', 0)), '']
    for title, key in (('By reason code', 'by_reason_code'), ('By age', 'by_age'), ('By route', 'by_route'),
                       ('By sender domain', 'by_sender_domain'), ('Top senders', 'top_senders'),
                       ('Top recipients', 'top_recipients')):
        out += _md_counts(title, report.get(key, []))
    out += ['## Oldest held messages', '']
    oldest = report.get('oldest', [])
    if oldest:
        out += ['| received | age (h) | sender | subject | reason code | id |', '|---|---:|---|---|---|---|']
        for m in oldest:
            out.append('| %s | %s | %s | %s | %s | %s |' % (
                _md(m.get('date')), _md(m.get('age_hours')), _md(m.get('sender')), _md(m.get('subject')),
                _md(m.get('reason_code')), _md(m.get('id'))))
    else:
        out.append('_nothing held_')
    return '\n'.join(out) + '\n'
