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

import base64
import datetime
import hashlib
import heapq
from html import escape as _html_escape

from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_api_epoch, to_epoch
from ansible_collections.secops.mimecast.plugins.module_utils.records import addresses, field, parse_bool, sender
from ansible_collections.secops.mimecast.plugins.plugin_utils import release_log_report

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
# Sections: the report's parts as data
#
# A section says where its data is in the report (``key``), its title, and how it is shown in HTML and in
# Markdown. ``collect``, when given, fetches data the held queue does not hold (for example from another API
# endpoint): the report action calls ``collect(context)`` after the summary is built and stores what it returns
# in ``report[key]`` (``None`` leaves the section out). Adding a section to the report is adding one entry to
# SECTIONS.

class Section(object):
    """One section of the held-queue report (see the comment above)."""

    def __init__(self, key, title, html, markdown, collect=None, **options):
        self.key = key
        self.title = title
        self.html = html
        self.markdown = markdown
        self.collect = collect
        self.options = options

    def render_html(self, report):
        return self.html(self, report.get(self.key), report)

    def render_markdown(self, report):
        return self.markdown(self, report.get(self.key), report)

    def __repr__(self):
        return 'Section(%r)' % self.key


class ReportContext(object):
    """What a section's ``collect`` may use: the API client, the task's options, the reference time, a warning sink."""

    def __init__(self, client=None, params=None, now=None, warn=None):
        self.client = client
        self.params = params or {}
        self.now = now
        self.warn = warn or (lambda text: None)


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

def _e(value):
    return _html_escape(value if isinstance(value, str) else _text(value), quote=True)


# Shared by the held-queue report and the triage review report (plugin_utils/triage_review.py).
# Widths: the page never needs more than the window (1400 px desktop, 390 px phone): long values wrap
# anywhere, tables are laid out to the page's width, and below 700 px every table row becomes a card.
PAGE_CSS = """
*{box-sizing:border-box}
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5em auto;padding:0 1em;color:#222;max-width:100em;line-height:1.35}
h1{font-size:1.5em;overflow-wrap:anywhere}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em;overflow-wrap:anywhere}
p,li{overflow-wrap:anywhere}
.kpis{display:flex;flex-wrap:wrap;gap:.5em 2em;margin:.8em 0}.kpi b{font-size:1.6em;display:block;font-variant-numeric:tabular-nums}
.bars{display:grid;grid-template-columns:minmax(0,max-content) minmax(5em,1fr) auto;gap:.3em .7em;align-items:center;margin:.5em 0;max-width:60em}
.bars .label{overflow-wrap:anywhere;font-size:.92em}.bars svg{display:block;width:100%;height:1.1em}
.bars .n{text-align:right;font-variant-numeric:tabular-nums}
table.list{border-collapse:collapse;margin:.5em 0;width:100%}
table.list td,table.list th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
table.list th{background:#f4f4f4}table.list td.n{text-align:right;font-variant-numeric:tabular-nums}
table.list td.id{font-family:monospace;font-size:.8em}table.list td.id div{width:9em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
table.list td.code{font-size:.85em}table.list td.nowrap{white-space:nowrap}
.muted{color:#666}
@media (max-width:700px){
 body{padding:0 .6em;margin:1em auto}
 table.list,table.list tbody,table.list tr,table.list td{display:block;width:100%}
 table.list thead{display:none}
 table.list tr{border:1px solid #ccc;margin:.6em 0;padding:.3em .4em}
 table.list td{border:0;padding:.1em 0}table.list td.n{text-align:left}
 table.list td::before{font-weight:600;margin-right:.5em;color:#555}
 table.list td.id div{width:auto;white-space:normal;overflow-wrap:anywhere}
}
"""


def bars_html(items, color='#3b6ea5'):
    """A horizontal bar chart of [{name, count}]: full labels (wrapped, never cut), a bar, the count."""
    items = list(items)
    if not items:
        return '<p><em>nothing to chart</em></p>'
    maxcount = max(item['count'] for item in items) or 1
    parts = ['<div class="bars">']
    for item in items:
        length = round(100.0 * item['count'] / maxcount, 2)
        parts.append('<div class="label">%s</div><svg viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="%s">'
                     '<rect width="%s" height="10" fill="%s"></rect></svg><div class="n">%d</div>'
                     % (_e_wrap(item['name']), _e(item['count']), max(length, 0.5 if item['count'] else 0), color, item['count']))
    parts.append('</div>')
    return ''.join(parts)


def _e_wrap(value):
    """Escaped, with line-break opportunities in addresses and codes (after ``_``, before ``@``); anything longer
    still wraps where it must (``overflow-wrap: anywhere``), never past its cell."""
    return _e(value).replace('_', '_<wbr>').replace('@', '<wbr>@')


def cell_html(css, value):
    """One table cell of class ``css`` (``id``: the value in a box cut with an ellipsis on a wide screen; ``wrap``:
    an address or a code, broken only at its punctuation where possible)."""
    if css == 'id':
        return '<td class="id"><div>%s</div></td>' % _e(value)
    if css == 'wrap':
        return '<td>%s</td>' % _e_wrap(value)
    if css == 'code':
        return '<td class="code">%s</td>' % _e_wrap(value)
    return '<td%s>%s</td>' % (' class="%s"' % css if css else '', _e(value))


def _css_string(text):
    return '"%s"' % ''.join(ch if ch.isalnum() or ch in ' ()_-.,' else '\\%x ' % ord(ch) for ch in text)


def table_start(columns, name, attrs='', extra_class=''):
    """The start of a table under ``columns`` (``(header, css class or '', width or None)``), up to ``<tbody>``.

    Columns with a width keep it; the others share the rest of the page's width. On a phone every row is a card
    whose cells are labelled with their header (CSS rules of the table class ``name``, not an attribute per cell).
    """
    labels = ''.join('table.%s td:nth-child(%d)::before{content:%s}' % (name, index + 1, _css_string(header))
                     for index, (header, dummy, dummy2) in enumerate(columns))
    return ('<style>@media (max-width:700px){%s}</style><table class="list %s%s"%s><colgroup>%s</colgroup><thead><tr>%s</tr></thead><tbody>' % (
        labels, name, ' ' + extra_class if extra_class else '', attrs,
        ''.join('<col style="width:%s">' % width if width else '<col>' for dummy, dummy2, width in columns),
        ''.join('<th>%s</th>' % _e(header) for header, dummy, dummy2 in columns)))


def table_html(columns, rows, name='t', attrs=''):
    """A table of ``rows`` under ``columns`` (see :func:`table_start`); every value escaped."""
    out = [table_start(columns, name, attrs)]
    classes = [css for dummy, css, dummy2 in columns]
    for row in rows:
        out.append('<tr>%s</tr>' % ''.join(cell_html(css, cell) for css, cell in zip(classes, row)))
    out.append('</tbody></table>')
    return ''.join(out)


def short_date(value):
    """An API date as ``YYYY-MM-DD HH:MM`` in UTC (sorts as text); the value as it is when it is not a date."""
    if isinstance(value, str) and len(value) == 24 and value[10] == 'T' and value.endswith('+0000'):
        return value[:10] + ' ' + value[11:16]  # the API's own format, in UTC already
    epoch = parse_api_epoch(value)
    if epoch is None:
        return _text(value)
    return (datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=int(epoch))).strftime('%Y-%m-%d %H:%M')


def page_html(title, body, script=None):
    """A self-contained HTML page: no external asset; a script, if any, allowed by its hash only."""
    policy = "default-src 'none'; style-src 'unsafe-inline'"
    if script:
        digest = base64.b64encode(hashlib.sha256(script.encode('utf-8')).digest()).decode('ascii')
        policy += "; script-src 'sha256-%s'" % digest
    return '\n'.join([
        '<!DOCTYPE html>',
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="%s">' % policy,
        '<title>%s</title>' % _e(title),
        '<style>%s</style></head><body>' % PAGE_CSS,
        body,
        '<script>%s</script>' % script if script else '',
        '</body></html>',
    ]) + '\n'


def _counts_html(section, data, report):
    return '<h2>%s</h2>%s' % (_e(section.title), bars_html(data or [], color=section.options.get('color', '#3b6ea5')))


OLDEST_COLUMNS = (('received (UTC)', '', '9.5em'), ('age (h)', 'n', '5em'), ('sender', 'wrap', '20%'), ('subject', '', None),
                  ('reason code', 'code', '20%'), ('id', 'id', None))


def _oldest_html(section, data, report):
    rows = [(short_date(m.get('date')), m.get('age_hours'), m.get('sender'), m.get('subject'), m.get('reason_code'), m.get('id'))
            for m in data or []]
    body = table_html(OLDEST_COLUMNS, rows, name='oldest') if rows else '<p><em>nothing held</em></p>'
    return '<h2>%s</h2>%s' % (_e(section.title), body)


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


def _counts_markdown(section, data, report):
    out = ['## %s' % section.title, '']
    items = list(data or [])
    if not items:
        return out + ['_none_', '']
    maxcount = max(item['count'] for item in items)
    out += ['| %s | count | |' % section.title.lower(), '|---|---:|---|']
    for item in items:
        out.append('| %s | %d | %s |' % (_md(item['name']), item['count'], _md_bar(item['count'], maxcount)))
    return out + ['']


def _oldest_markdown(section, data, report):
    out = ['## %s' % section.title, '']
    if not data:
        return out + ['_nothing held_', '']
    out += ['| received | age (h) | sender | subject | reason code | id |', '|---|---:|---|---|---|---|']
    for m in data:
        out.append('| %s | %s | %s | %s | %s | %s |' % (
            _md(m.get('date')), _md(m.get('age_hours')), _md(m.get('sender')), _md(m.get('subject')),
            _md(m.get('reason_code')), _md(m.get('id'))))
    return out + ['']


# The held release log (plugin_utils/release_log_report.py): who released or rejected what, read from another
# endpoint; its options are the report's release_log, release_log_start and release_log_latest.
RELEASE_LOG = release_log_report.SECTION


def _release_log_collect(context):
    """The release-log section's data, or None when the task says not to read the log (``release_log: false``).

    A 403 gives a section saying it could not be read, and a warning naming the permission (``context.warn``).
    """
    params = context.params
    if not params.get('release_log', True):
        return None
    start = params.get('release_log_start')
    latest = params.get('release_log_latest')
    return RELEASE_LOG['read'](
        context.client, start=release_log_report.DEFAULT_START if start in (None, '') else start,
        latest=release_log_report.DEFAULT_LATEST if latest is None else latest,
        page_size=params.get('page_size') or 500, warn=context.warn, now=context.now)


def _release_log_html(section, data, report):
    return RELEASE_LOG['html'](data)


def _release_log_markdown(section, data, report):
    return RELEASE_LOG['markdown'](data).rstrip('\n').split('\n') + ['']


SECTIONS = [
    Section('by_reason_code', 'By reason code', _counts_html, _counts_markdown, color='#a5523b'),
    Section('by_age', 'By age', _counts_html, _counts_markdown, color='#3b6ea5'),
    Section('by_route', 'By route', _counts_html, _counts_markdown, color='#5a8f3b'),
    Section('by_sender_domain', 'By sender domain', _counts_html, _counts_markdown, color='#7a4fa0'),
    Section('top_senders', 'Top senders', _counts_html, _counts_markdown, color='#7a4fa0'),
    Section('top_recipients', 'Top recipients', _counts_html, _counts_markdown, color='#3b8f8f'),
    Section('oldest', 'Oldest held messages', _oldest_html, _oldest_markdown),
    Section(RELEASE_LOG['key'], RELEASE_LOG['title'], _release_log_html, _release_log_markdown, collect=_release_log_collect),
]


def render_html(report, sections=None):
    """A self-contained HTML page (no external assets, no scripts) of a ``build_report`` result."""
    head = [
        '<h1>Mimecast held queue report</h1>',
        '<p>Generated at %s</p>' % _e(report.get('generated_at')),
        '<div class="kpis"><span class="kpi"><b>%s</b>held messages</span>' % _e(report.get('total', 0)),
        '<span class="kpi"><b>%s</b>sender domains</span>' % _e(report.get('sender_domains', 0)),
        '<span class="kpi"><b>%s</b>with attachments</span></div>' % _e(report.get('with_attachments', 0)),
    ]
    body = head + [section.render_html(report) for section in (SECTIONS if sections is None else sections)
                   if section.collect is None or section.key in report]
    return page_html('Mimecast held queue report', '\n'.join(body))


def render_markdown(report, sections=None):
    """A Markdown rendering of a ``build_report`` result (tables with text bar charts)."""
    out = ['# Mimecast held queue report', '',
           'Generated at %s: **%d** held messages from %d sender domains, %d with attachments.'
           % (_md(report.get('generated_at')), report.get('total', 0), report.get('sender_domains', 0),
              report.get('with_attachments', 0)), '']
    for section in SECTIONS if sections is None else sections:
        if section.collect is None or section.key in report:
            out += section.render_markdown(report)
    while out and out[-1] == '':
        out.pop()
    return '\n'.join(out) + '\n'
