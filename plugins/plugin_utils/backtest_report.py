# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The back-test's pages beside its JSON report (``backtest.json`` -> ``backtest.html`` and ``backtest.csv``).

Rendered from the JSON report alone (``backtest.build_report``): the HTML shows the disagreements first (the
dangerous ones, rules that would release what a person rejected, before the others), then the counts per rule;
the CSV lists every disagreement. Every value taken from a record is attacker-controlled: the HTML escapes them all
and the CSV neutralises spreadsheet formulas.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.secops.mimecast.plugins.module_utils.dates import report_date
from ansible_collections.secops.mimecast.plugins.module_utils.files import write_atomic
from ansible_collections.secops.mimecast.plugins.plugin_utils.backtest import CLASSES, DISAGREEMENTS, gate_line, percent
from ansible_collections.secops.mimecast.plugins.plugin_utils import csv_report
from ansible_collections.secops.mimecast.plugins.plugin_utils.html import escape, page_html, table_html
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import pages

CSV_COLUMNS = ('class', 'rule', 'action', 'decision', 'id', 'released', 'operator', 'sender', 'recipients', 'subject', 'held_reason')
TITLES = {
    'release_rejected': 'The rules would release what a person rejected',
    'reject_released': 'The rules would reject what a person released',
}
LABELS = {'agree': 'agree', 'release_rejected': 'would release, was rejected', 'reject_released': 'would reject, was released',
          'kept': 'kept for a person'}
COLORS = {'agree': '#5a8f3b', 'release_rejected': '#b3261e', 'reject_released': '#c77c02', 'kept': '#9aa5b1'}
# (header, css class, width): see held_report.table_start
DISAGREEMENT_COLUMNS = (('released (UTC)', '', '8.5em'), ('operator', 'wrap', '13%'), ('rule', '', '13%'), ('sender', 'wrap', '15%'),
                        ('recipients', 'wrap', '15%'), ('subject', '', None), ('held reason', '', '13%'), ('id', 'id', None))
RULE_COLUMNS = (('rule', '', None), ('action', '', '6em'), ('agree', 'n', '5.5em'), ('would release, was rejected', 'n', '8em'),
                ('would reject, was released', 'n', '8em'), ('kept', 'n', '5em'), ('assumed to hold', '', '9em'))

_CSS = ('<style>.banner{padding:.5em .8em;border-radius:4px;margin:.6em 0;font-weight:600}.pass{background:#e3f1e3;border:1px solid #6aa56a}'
        '.fail{background:#fbe4e2;border:1px solid #b3261e}code.sum{overflow-wrap:anywhere;font-size:.9em}'
        '.split{display:flex;height:1.2em;max-width:60em;margin:.6em 0;background:#eee}.split span{display:block;height:100%}'
        '.legend span{display:inline-block;margin-right:1.2em}.legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em}'
        '</style>')


def render_csv(report):
    """Every disagreement, the dangerous ones first: a header row, then one row each."""
    return csv_report.render(CSV_COLUMNS, ([';'.join(item[key]) if key == 'recipients' else item[key] for key in CSV_COLUMNS]
                                           for item in report['disagreements']))


def _split(totals):
    """A bar of the records split by class, with its legend."""
    records = totals['records'] or 1
    spans = ''.join('<span style="width:%.2f%%;background:%s" title="%s %d"></span>' % (
        100.0 * totals[name] / records, COLORS[name], escape(LABELS[name]), totals[name]) for name in CLASSES if totals[name])
    legend = ''.join('<span><i style="background:%s"></i>%s %d</span>' % (COLORS[name], escape(LABELS[name]), totals[name]) for name in CLASSES)
    return '<div class="split" role="img" aria-label="records by class">%s</div><p class="legend">%s</p>' % (spans, legend)


def _disagreements_html(report):
    found = report['disagreements']
    parts = ['<section id="disagreements"><h2>Disagreements: %d</h2>' % len(found)]
    if not found:
        parts.append('<p>None: wherever a rule would have released or rejected a message, a person did the same.</p></section>')
        return ''.join(parts)
    for name in DISAGREEMENTS:
        rows = [(report_date(d['released']), d['operator'], d['rule'], d['sender'], '; '.join(d['recipients']), d['subject'],
                 d['held_reason'], d['id']) for d in found if d['class'] == name]
        parts.append('<h3 id="%s">%s: %d</h3>' % (name, escape(TITLES[name]), len(rows)))
        parts.append(table_html(DISAGREEMENT_COLUMNS, rows, name=name) if rows else '<p class="muted"><em>none</em></p>')
    parts.append('</section>')
    return ''.join(parts)


def _rules_html(report):
    rows = [(rule['name'], rule['action'], rule['agree'], rule['release_rejected'], rule['reject_released'], rule['kept'],
             ', '.join(rule['assumed'])) for rule in report['rules']]
    rows.append(('(no rule matched)', 'keep', 0, 0, 0, report['totals']['no_rule'], ''))
    parts = ['<section id="rules"><h2>By rule</h2>', table_html(RULE_COLUMNS, rows, name='byrule')]
    if any(rule['assumed'] for rule in report['rules']):
        parts.append('<p class="muted">A release-log record has no received time: <code>older_than</code> and <code>newer_than</code> '
                     'are taken as holding for it, so the rules that use them may decide more records here than they would '
                     'in a triage.</p>')
    parts.append('</section>')
    return ''.join(parts)


def render_html(report):
    """The self-contained back-test page: the window and checksum, the gate, the counts, the disagreements, per rule."""
    totals = report['totals']
    window = report.get('window') or {}
    parts = [_CSS, '<h1>Mimecast rules back-test</h1>',
             '<p>How these rules would have decided what people released and rejected in the console, from %s to %s '
             '(the held release log). Read only: nothing was released, rejected or changed.</p>' % (
                 escape(report_date(window.get('start')) or 'a month back'), escape(report_date(window.get('end')) or 'now')),
             '<p>Generated at %s. Rules checksum (sha256 of the rules\' canonical JSON): <code class="sum">%s</code></p>' % (
                 escape(report.get('generated_at')), escape(report.get('rules_sha256')))]
    if report.get('gate'):
        parts.append('<p class="banner %s">%s</p>' % ('pass' if report['gate']['passed'] else 'fail', escape(gate_line(report))))
    kpis = [('records', totals['records'])] + [(LABELS[name], totals[name]) for name in CLASSES]
    kpis += [('coverage', percent(totals['coverage'])), ('agreement', percent(totals['agreement']))]
    parts.append('<div class="kpis">%s</div>' % ''.join('<span class="kpi"><b>%s</b>%s</span>' % (escape(n), escape(label)) for label, n in kpis))
    parts.append('<p class="muted">coverage: the share of the records that a rule would release or reject; agreement: the share '
                 'of those where the person did the same.</p>')
    if totals['records']:
        parts.append(_split(totals))
    parts.append(_disagreements_html(report))
    parts.append(_rules_html(report))
    return page_html('Mimecast rules back-test', '\n'.join(parts))


def write_pages(report_path, report, mask=None):
    """Write the HTML and CSV pages beside ``report_path``; returns their paths (``mask``: applied to each text)."""
    mask = mask or (lambda text: text)
    paths = pages(report_path)
    write_atomic(paths['csv'], mask(render_csv(report)), newline='')
    write_atomic(paths['html'], mask(render_html(report)))
    return paths
