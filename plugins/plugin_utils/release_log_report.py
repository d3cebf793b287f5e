# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The held report's section "Recent releases and rejections", from the held release log.

* :func:`summarise_release_logs` counts release-log records by operator and by status and keeps the
  latest N (pure: records in, a JSON-able dict out).
* :func:`release_log_section` reads the log with the client and summarises it; when the API user may not
  read the log (HTTP 403) the section says so in ``warning``, naming the permission, instead of failing.
* :func:`render_html` and :func:`render_markdown` render a section as a fragment to place in a page
  (self-contained: the HTML fragment carries its own scoped styles, no scripts, no external assets, and
  fits a narrow screen).
* :data:`SECTION` is the section of the held-queue report (``sections.Section``: its ``collect`` reads the log
  as the report task's options say, its renderers are the two above).

Records are read through the message view (``message.LoggedMessage``): the API's raw camelCase records and the
modules' snake_case records alike. Every value taken from a record (subjects, addresses, reasons) is
attacker-controlled: the renderers escape them all (``plugin_utils/html.py``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq

from ansible_collections.secops.mimecast.plugins.module_utils.dates import api_range, report_date
from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import HELD_RELEASE_LOGS
from ansible_collections.secops.mimecast.plugins.module_utils.errors import MimecastError
from ansible_collections.secops.mimecast.plugins.module_utils.message import LoggedMessage
from ansible_collections.secops.mimecast.plugins.module_utils.release_logs import read_release_logs
from ansible_collections.secops.mimecast.plugins.plugin_utils.html import escape, markdown_cell
from ansible_collections.secops.mimecast.plugins.plugin_utils.sections import Section

SECTION_KEY = 'recent_releases'
SECTION_TITLE = 'Recent releases and rejections'
STATUSES = ('released', 'rejected')
UNKNOWN = '(unknown)'
DEFAULT_START = '-7d'
DEFAULT_LATEST = 10


def _latest_entry(message):
    return {
        'released': report_date(message.released),
        'status': message.status or UNKNOWN,
        'operator': message.operator or UNKNOWN,
        'sender': message.sender.strip().lower(),
        'recipients': [addr.strip().lower() for addr in message.recipients],
        'subject': message.subject or '',
        'held_reason': message.reason or '',
        'reject_reason': message.reject_reason,
        'id': message.id,
    }


def empty_section(warning=None, window=None):
    """A section with nothing counted (the log could not be read, or it is empty)."""
    return {
        'key': SECTION_KEY,
        'title': SECTION_TITLE,
        'available': warning is None,
        'warning': warning,
        'window': dict(window or {}),
        'total': 0,
        'by_status': [{'name': status, 'count': 0} for status in STATUSES],
        'by_operator': [],
        'latest': [],
        'truncated': False,
    }


def summarise_release_logs(records, latest=DEFAULT_LATEST, window=None, truncated=False):
    """Counts by operator (with the released/rejected split) and by status, and the ``latest`` newest records.

    ``window`` (``{start, end}``, as sent) and ``truncated`` (the read stopped at a maximum) are kept as given.
    """
    latest = max(0, int(latest))
    by_status = dict((status, 0) for status in STATUSES)
    operators = {}
    dated = []  # (epoch, -index, record): the newest first, the API's order among equal times
    total = 0
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            continue
        total += 1
        message = LoggedMessage(record)
        status = message.status or UNKNOWN
        by_status[status] = by_status.get(status, 0) + 1
        counts = operators.setdefault(message.operator or UNKNOWN, dict((s, 0) for s in STATUSES))
        counts[status] = counts.get(status, 0) + 1
        when = message.released
        dated.append((when if when is not None else float('-inf'), -index, message))
    section = empty_section(window=window)
    section['total'] = total
    section['truncated'] = bool(truncated)
    section['by_status'] = [{'name': s, 'count': by_status[s]} for s in STATUSES] + [
        {'name': s, 'count': c} for s, c in sorted(by_status.items()) if s not in STATUSES]
    rows = []
    for name, counts in operators.items():
        row = {'name': name, 'count': sum(counts.values())}
        row.update((s, counts.get(s, 0)) for s in STATUSES)
        rows.append(row)
    section['by_operator'] = sorted(rows, key=lambda r: (-r['count'], r['name']))
    section['latest'] = [_latest_entry(message) for dummy, dummy2, message in heapq.nlargest(latest, dated, key=lambda d: (d[0], d[1]))]
    return section


def forbidden_warning(exc=None):
    """The warning of a section whose log the API user may not read."""
    detail = ' (%s)' % exc.code if exc is not None and exc.codes else ''
    return ('The release log was not read: Mimecast answered HTTP 403%s on %s. Give the API user\'s role the %s '
            'permission to see who released or rejected what; the rest of the report is complete.'
            % (detail, HELD_RELEASE_LOGS.path, HELD_RELEASE_LOGS.permission))


def release_log_section(client, start=DEFAULT_START, end=None, latest=DEFAULT_LATEST, page_size=500, max_results=None,
                        warn=None, now=None):
    """Read the release log from ``start`` to ``end`` and summarise it (see :func:`summarise_release_logs`).

    A 403 (the API user may not read the log) gives a section with ``available`` false and a ``warning``
    naming the permission, also passed to ``warn`` when given; every other error is raised
    (:class:`MimecastError`, :class:`InputError` for bad dates, before any request).
    """
    window = api_range(start, end, now=now)
    try:
        records = list(read_release_logs(client, page_size=page_size, max_results=max_results,
                                         start=window.get('start'), end=window.get('end')))
    except MimecastError as exc:
        if exc.status != 403:
            raise
        warning = forbidden_warning(exc)
        if warn is not None:
            warn(warning)
        return empty_section(warning=warning, window=window)
    truncated = max_results is not None and len(records) >= max_results
    return summarise_release_logs(records, latest=latest, window=window, truncated=truncated)


# ---------------------------------------------------------------------------
# HTML fragment

# scoped to the section's class, so that the fragment can go into any page. The tables take the page's width (long
# values wrap anywhere); on a narrow screen every row is a card whose cells are labelled with their column.
_OPERATOR_COLUMNS = ('operator', 'released', 'rejected', 'total', '')
_LATEST_COLUMNS = ('when', 'status', 'operator', 'sender', 'recipients', 'subject')
_LATEST_WIDTHS = ('13em', '6em', '18%', '20%', '20%', None)


def _card_labels(name, columns):
    return ''.join('.mc-rl table.%s td:nth-child(%d)::before{content:"%s"}' % (name, index + 1, column)
                   for index, column in enumerate(columns) if column)


_CSS = (
    '.mc-rl h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}'
    '.mc-rl p{overflow-wrap:anywhere}'
    '.mc-rl .mc-rl-warn{border-left:4px solid #c77c02;background:#fff6e5;padding:.5em .8em;margin:.5em 0}'
    '.mc-rl .mc-rl-kpi{display:inline-block;margin:0 2em .5em 0}.mc-rl .mc-rl-kpi b{font-size:1.6em;display:block}'
    '.mc-rl .mc-rl-scroll{max-width:100%}'
    '.mc-rl table{border-collapse:collapse;margin:.5em 0;width:100%}'
    '.mc-rl td,.mc-rl th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}'
    '.mc-rl th{background:#f4f4f4}.mc-rl td.n{text-align:right;font-variant-numeric:tabular-nums}'
    '.mc-rl td.w{overflow-wrap:anywhere}.mc-rl td.t{white-space:nowrap}.mc-rl table.mc-rl-latest{table-layout:fixed}'
    '.mc-rl .mc-rl-bar{display:flex;height:.9em;min-width:6em;background:#eee}'
    '.mc-rl .mc-rl-bar span{display:block;height:100%}'
    '.mc-rl .released{background:#5a8f3b}.mc-rl .rejected{background:#a5523b}'
    '@media (max-width:56em){.mc-rl .mc-rl-kpi{margin-right:1em}.mc-rl .mc-rl-kpi b{font-size:1.25em}'
    '.mc-rl table,.mc-rl tbody,.mc-rl tr,.mc-rl td{display:block;width:100%}'
    '.mc-rl tr:first-child{display:none}'
    '.mc-rl tr{border:1px solid #ccc;margin:.6em 0;padding:.3em .4em}'
    '.mc-rl td{border:0;padding:.1em 0}.mc-rl td.n{text-align:left}.mc-rl td.t{white-space:normal}'
    '.mc-rl td::before{font-weight:600;margin-right:.5em;color:#555}'
    + _card_labels('mc-rl-operators', _OPERATOR_COLUMNS) + _card_labels('mc-rl-latest', _LATEST_COLUMNS) + '}'
)


def _bar(row, maxcount):
    """A stacked bar of released/rejected counts, as a share of the busiest operator (CSS widths)."""
    parts = []
    for status in STATUSES:
        count = row.get(status, 0)
        if count and maxcount:
            parts.append('<span class="%s" style="width:%.1f%%" title="%s %d"></span>'
                         % (status, 100.0 * count / maxcount, status, count))
    return '<div class="mc-rl-bar">%s</div>' % ''.join(parts)


def render_html(section):
    """The section as an HTML fragment (``<section>`` with its own scoped ``<style>``)."""
    section = section or empty_section()
    out = ['<section class="mc-rl" id="%s">' % escape(section.get('key') or SECTION_KEY), '<style>%s</style>' % _CSS,
           '<h2>%s</h2>' % escape(section.get('title') or SECTION_TITLE)]
    window = section.get('window') or {}
    if section.get('warning'):
        out.append('<p class="mc-rl-warn" role="note"><strong>Warning:</strong> %s</p>' % escape(section['warning']))
    if not section.get('available', True):
        out.append('</section>')
        return '\n'.join(out) + '\n'
    out.append('<p>%s</p>' % escape(_window_text(window, section)))
    counts = dict((item['name'], item['count']) for item in section.get('by_status', []))
    out.append('<div><span class="mc-rl-kpi"><b>%s</b>released</span><span class="mc-rl-kpi"><b>%s</b>rejected</span>'
               '<span class="mc-rl-kpi"><b>%s</b>operators</span></div>'
               % (escape(counts.get('released', 0)), escape(counts.get('rejected', 0)), escape(len(section.get('by_operator', [])))))
    operators = section.get('by_operator', [])
    if not operators:
        out.append('<p><em>nothing released or rejected in this window</em></p></section>')
        return '\n'.join(out) + '\n'
    maxcount = max(row['count'] for row in operators) or 1
    out.append('<h3>By operator</h3><div class="mc-rl-scroll"><table class="mc-rl-operators"><tr>%s</tr>'
               % ''.join('<th>%s</th>' % column for column in _OPERATOR_COLUMNS))
    for row in operators:
        out.append('<tr><td class="w">%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td><td>%s</td></tr>'
                   % (escape(row['name']), escape(row.get('released', 0)), escape(row.get('rejected', 0)), escape(row['count']), _bar(row, maxcount)))
    out.append('</table></div>')
    latest = section.get('latest', [])
    out.append('<h3>Latest %d</h3><div class="mc-rl-scroll"><table class="mc-rl-latest"><colgroup>%s</colgroup><tr>%s</tr>'
               % (len(latest), ''.join('<col style="width:%s">' % width if width else '<col>' for width in _LATEST_WIDTHS),
                  ''.join('<th>%s</th>' % column for column in _LATEST_COLUMNS)))
    for item in latest:
        out.append('<tr><td class="t">%s</td><td>%s</td><td class="w">%s</td><td class="w">%s</td><td class="w">%s</td><td class="w">%s</td></tr>'
                   % (escape(item.get('released')), escape(item.get('status')), escape(item.get('operator')), escape(item.get('sender')),
                      escape(', '.join(item.get('recipients') or [])), escape(item.get('subject'))))
    out.append('</table></div></section>')
    return '\n'.join(out) + '\n'


def _window_text(window, section):
    text = 'Releases and rejections from %s to %s: %d in all.' % (
        report_date(window.get('start')) or 'a month back', report_date(window.get('end')) or 'now', section.get('total', 0))
    if section.get('truncated'):
        text += ' The log was read up to the maximum asked for; older entries are not counted.'
    return text


# ---------------------------------------------------------------------------
# Markdown fragment

def render_markdown(section):
    """The section as a Markdown fragment (a ``##`` heading and tables with few columns)."""
    section = section or empty_section()
    out = ['## %s' % markdown_cell(section.get('title') or SECTION_TITLE), '']
    if section.get('warning'):
        out += ['> **Warning:** %s' % markdown_cell(section['warning']), '']
    if not section.get('available', True):
        return '\n'.join(out) + '\n'
    out += [markdown_cell(_window_text(section.get('window') or {}, section)), '']
    out += ['| status | count |', '|---|---:|']
    out += ['| %s | %d |' % (markdown_cell(item['name']), item['count']) for item in section.get('by_status', [])]
    out.append('')
    operators = section.get('by_operator', [])
    if not operators:
        return '\n'.join(out + ['_nothing released or rejected in this window_']) + '\n'
    out += ['### By operator', '', '| operator | released | rejected | total |', '|---|---:|---:|---:|']
    out += ['| %s | %d | %d | %d |' % (markdown_cell(row['name']), row.get('released', 0), row.get('rejected', 0), row['count']) for row in operators]
    latest = section.get('latest', [])
    out += ['', '### Latest %d' % len(latest), '', '| when | status | operator | sender → recipients | subject |', '|---|---|---|---|---|']
    for item in latest:
        out.append('| %s | %s | %s | %s → %s | %s |' % (
            markdown_cell(item.get('released')), markdown_cell(item.get('status')), markdown_cell(item.get('operator')), markdown_cell(item.get('sender')),
            markdown_cell(', '.join(item.get('recipients') or [])), markdown_cell(item.get('subject'))))
    return '\n'.join(out) + '\n'


# ---------------------------------------------------------------------------
# The section of the held-queue report

def collect(context):
    """The section's data, or None when the task says not to read the log (``release_log: false``).

    Options of the report task: ``release_log_start``, ``release_log_latest``, ``page_size``. A 403 gives a section
    saying it could not be read, and a warning naming the permission (``context.warn``).
    """
    params = context.params
    if not params.get('release_log', True):
        return None
    start = params.get('release_log_start')
    latest = params.get('release_log_latest')
    return release_log_section(context.client, start=DEFAULT_START if start in (None, '') else start,
                               latest=DEFAULT_LATEST if latest is None else latest,
                               page_size=params.get('page_size') or 500, warn=context.warn, now=context.now)


def _section_html(section, data, report):
    return render_html(data)


def _section_markdown(section, data, report):
    return render_markdown(data).rstrip('\n').split('\n') + ['']


SECTION = Section(SECTION_KEY, SECTION_TITLE, _section_html, _section_markdown, collect=collect)
