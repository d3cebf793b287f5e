# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one set of HTML and Markdown helpers of the reports (the held-queue report and its sections, the triage review).

Every value taken from a message (subjects, addresses, reasons) is attacker-controlled: :func:`escape`,
:func:`escape_wrap` and :func:`markdown_cell` make any value safe to place in a page or a Markdown table, and
:func:`page_html` makes a self-contained page (no external asset; a script, if any, allowed by its hash only).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
from html import escape as _html_escape


def to_text(value):
    """A value as text: '' for None, a string as it is, anything else through ``str``."""
    if value is None:
        return ''
    return value if isinstance(value, str) else str(value)


def escape(value):
    """A value as HTML text (quotes escaped too: safe in an attribute)."""
    return _html_escape(to_text(value), quote=True)


def escape_wrap(value):
    """Escaped, with line-break opportunities in addresses and codes (after ``_``, before ``@``); anything longer
    still wraps where it must (``overflow-wrap: anywhere``), never past its cell."""
    return escape(value).replace('_', '_<wbr>').replace('@', '<wbr>@')


def markdown_cell(value):
    """A value for a Markdown table cell: one line, inline HTML neutralised, Markdown's own characters escaped."""
    text = to_text(value).replace('\r', ' ').replace('\n', ' ')
    text = _html_escape(text, quote=False)
    for char in ('\\', '|', '`', '*', '_', '[', ']'):
        text = text.replace(char, '\\' + char)
    return text


def markdown_bar(count, maxcount, width=30):
    """A text bar of ``count`` out of ``maxcount``, ``width`` blocks at the most."""
    if not maxcount:
        return ''
    return '\u2588' * int(round(width * count / float(maxcount)))


# The page of every HTML report. Widths: the page never needs more than the window (1400 px desktop, 390 px
# phone): long values wrap anywhere, tables are laid out to the page's width, and below 700 px every table row
# becomes a card.
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
        '<title>%s</title>' % escape(title),
        '<style>%s</style></head><body>' % PAGE_CSS,
        body,
        '<script>%s</script>' % script if script else '',
        '</body></html>',
    ]) + '\n'


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
                     % (escape_wrap(item['name']), escape(item['count']), max(length, 0.5 if item['count'] else 0), color,
                        item['count']))
    parts.append('</div>')
    return ''.join(parts)


def cell_html(css, value):
    """One table cell of class ``css`` (``id``: the value in a box cut with an ellipsis on a wide screen; ``wrap``:
    an address or a code, broken only at its punctuation where possible)."""
    if css == 'id':
        return '<td class="id"><div>%s</div></td>' % escape(value)
    if css == 'wrap':
        return '<td>%s</td>' % escape_wrap(value)
    if css == 'code':
        return '<td class="code">%s</td>' % escape_wrap(value)
    return '<td%s>%s</td>' % (' class="%s"' % css if css else '', escape(value))


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
        ''.join('<th>%s</th>' % escape(header) for header, dummy, dummy2 in columns)))


def table_html(columns, rows, name='t', attrs=''):
    """A table of ``rows`` under ``columns`` (see :func:`table_start`); every value escaped."""
    out = [table_start(columns, name, attrs)]
    classes = [css for dummy, css, dummy2 in columns]
    for row in rows:
        out.append('<tr>%s</tr>' % ''.join(cell_html(css, cell) for css, cell in zip(classes, row)))
    out.append('</tbody></table>')
    return ''.join(out)
