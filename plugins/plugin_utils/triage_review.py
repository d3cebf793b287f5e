# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The triage review report: which messages each rule released or rejected (or would have), for a person to sign off.

Written by ``mimecast_triage`` beside its JSON report (``run.json`` -> ``run.html`` and ``run.csv``), in check
mode too. Inputs: the JSON report (``build_report``), the plan's ``review`` fields per matched id
(``triage_rules.review_fields``) and the per-id outcome of the writes. Every value taken from a message is
attacker-controlled: the HTML escapes them all and the CSV neutralises spreadsheet formulas.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import hashlib
import io
import json
import os
import tempfile

from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import ACTIONS
from ansible_collections.secops.mimecast.plugins.plugin_utils.held_report import _e, _e_wrap, page_html, short_date, table_html, table_start
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import sibling
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import SENDER_POLICY_TOTALS, WRITE_RULE_ACTIONS

CSV_COLUMNS = ('rule', 'action', 'done', 'id', 'received', 'sender', 'recipients', 'subject', 'reason_code')
DIFF_SAMPLE = 10
DIFF_SUBJECT = 80
# the rule actions that act on messages (each a write action of the table): keep lists nothing
ACTING = WRITE_RULE_ACTIONS
EMPTY = ('', '', (), '', '')
# cells a spreadsheet would take for a formula
_FORMULA_FIRST = frozenset('=+-@\t\r')


def rules_checksum(rules):
    """sha256 (hex) of the canonical JSON of the rules (keys sorted, no spaces, UTF-8): the same rules, the same sum."""
    text = json.dumps(rules, sort_keys=True, separators=(',', ':'), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def review_paths(report_path):
    """The HTML and CSV review reports beside the JSON report ``report_path``."""
    return {'html': sibling(report_path, '.html'), 'csv': sibling(report_path, '.csv')}


class Outcomes(object):
    """Per-id outcome of a triage run: done (or would be, in check mode), not held any more, failed (with its code)."""

    def __init__(self, results=(), failures=(), check_mode=False):
        self.done = set()
        self.not_held = set()
        for result in results:
            if not isinstance(result, dict):
                continue
            for name in ACTING:
                self.done.update(result.get(ACTIONS[name].result_key) or ())
            self.not_held.update(result.get('not_held') or ())
        self.failed = dict((f['id'], f) for f in failures if isinstance(f, dict) and f.get('id') is not None)
        self.check_mode = bool(check_mode)

    def of(self, rid, action):
        """``(done, status)``: whether this run did it, and what a person reads (``would release``, ``failed: code``)."""
        failure = self.failed.get(rid)
        if failure is not None:
            return False, 'failed: %s' % (failure.get('code') or 'error')
        if rid in self.done:
            if self.check_mode:
                return False, 'would %s' % action
            return True, ACTIONS[action].verb
        if rid in self.not_held:
            return False, 'not held any more'
        return False, 'no outcome'


def review_rows(report, review, outcomes):
    """``(rule, action, done, id, fields, status)`` per message a release or reject rule matched, in the rules' order."""
    for rule in report.get('rules', []):
        action = rule.get('action')
        if action not in ACTING:
            continue
        for rid in rule.get('ids') or ():
            done, status = outcomes.of(rid, action)
            yield rule.get('name'), action, done, rid, review.get(rid) or EMPTY, status


def _cell(value):
    text = value if isinstance(value, str) else ('' if value is None else str(value))
    if text and text[0] in _FORMULA_FIRST:
        return "'" + text
    return text


def render_csv(report, review, outcomes):
    """The CSV review: a header row, then one row per message a release or reject rule matched."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(CSV_COLUMNS)
    for name, action, done, rid, fields, dummy in review_rows(report, review, outcomes):
        received, sender, recipients, subject, reason_code = fields
        writer.writerow((_cell(name), action, 'true' if done else 'false', _cell(rid), _cell(received), _cell(sender),
                         _cell(';'.join(recipients)), _cell(subject), _cell(reason_code)))
    return out.getvalue()


ROW = ('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="code">%s</td><td class="nowrap">%s</td>'
       '<td class="id"><div>%s</div></td></tr>')
# the widths are what a column gets when the table has room (a long subject does not squeeze the others)
SENDER_COLUMNS = (('sender', 'wrap', '50%'), ('recipient', 'wrap', None))
SENDER_FAILURE_COLUMNS = (('sender', 'wrap', '20%'), ('recipient', 'wrap', '20%'), ('action', '', '6em'), ('code', 'code', '16em'),
                          ('message', '', None))
REVIEW_COLUMNS = (('received (UTC)', '', '9.5em'), ('sender', 'wrap', '17%'), ('recipients', 'wrap', '17%'), ('subject', '', None),
                  ('reason code', 'code', '17%'), ('action', 'nowrap', None), ('id', 'id', None))

# Click a column's header to sort its table by it (again: the other way). Plain text comparison, numbers as numbers.
SORT_SCRIPT = """
(function(){
  function key(row,i){var t=row.cells[i].textContent;return t;}
  function cmp(a,b){var x=parseFloat(a),y=parseFloat(b);
    if(!isNaN(x)&&!isNaN(y)&&String(x)===a.trim()&&String(y)===b.trim()){return x-y;}
    return a<b?-1:(a>b?1:0);}
  document.querySelectorAll('table.sortable').forEach(function(table){
    table.querySelectorAll('th').forEach(function(th,i){
      th.setAttribute('role','button');th.tabIndex=0;th.title='sort by this column';
      function sort(){
        var body=table.tBodies[0],dir=th.getAttribute('aria-sort')==='ascending'?-1:1;
        table.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
        th.setAttribute('aria-sort',dir===1?'ascending':'descending');
        var rows=Array.prototype.map.call(body.rows,function(r){return [key(r,i),r];});
        rows.sort(function(a,b){return dir*cmp(a[0],b[0]);});
        var frag=document.createDocumentFragment();
        rows.forEach(function(r){frag.appendChild(r[1]);});
        body.appendChild(frag);
      }
      th.addEventListener('click',sort);
      th.addEventListener('keydown',function(ev){if(ev.key==='Enter'||ev.key===' '){ev.preventDefault();sort();}});
    });
  });
})();
"""

_EXTRA_CSS = ('<style>table.sortable th{cursor:pointer;user-select:none}table.sortable th[aria-sort=ascending]::after{content:" \\25B2"}'
              'table.sortable th[aria-sort=descending]::after{content:" \\25BC"}.banner{padding:.5em .8em;border-radius:4px;margin:.6em 0;'
              'font-weight:600}.dry{background:#fff4ce;border:1px solid #e0c14b}.real{background:#e3f1e3;border:1px solid #6aa56a}'
              'code.sum{overflow-wrap:anywhere;font-size:.9em}</style>')


def render_html(report, review, outcomes, rules_sha256):
    """The self-contained HTML review page: header (dry or real run, checksum, counts), then per rule its messages."""
    dry = bool(report.get('check_mode'))
    totals = report.get('totals', {})
    verb = dict((name, _verb(name, dry)) for name in ACTING)
    parts = [_EXTRA_CSS, '<h1>Mimecast triage review: %s</h1>' % ('dry run' if dry else 'real run')]
    if dry:
        parts.append('<p class="banner dry">DRY RUN (check mode): nothing was changed. The actions below are what a real '
                     'run of the same rules would do to the messages held now.</p>')
    else:
        parts.append('<p class="banner real">REAL RUN: the actions below were taken.</p>')
    parts.append('<p>Generated at %s. Rules checksum (sha256 of the rules\' canonical JSON): <code class="sum">%s</code></p>'
                 % (_e(report.get('generated_at')), _e(rules_sha256)))
    kpis = ((('held in the window', totals.get('held', 0)),)
            + tuple((verb[name], totals.get(ACTIONS[name].result_key, 0)) for name in ACTING)
            + (('kept held', totals.get('kept', 0)), ('failed', totals.get('failed', 0)), ('not held any more', totals.get('not_held', 0))))
    if 'sender_failed' in totals:  # a rule has a sender_policy: the managed-sender entries
        kpis += tuple(('would %s' % policy if dry else total, totals.get(total, 0)) for policy, total in SENDER_POLICY_TOTALS.items())
        kpis += (('left held: entries not set', totals.get('sender_failed', 0)),)
    parts.append('<div class="kpis">%s</div>' % ''.join('<span class="kpi"><b>%s</b>%s</span>' % (_e(n), _e(label)) for label, n in kpis))
    parts.append('<ul>%s</ul>' % ''.join('<li><a href="#rule-%d">%s</a> (%s): matched %d</li>' % (
        index, _e(rule.get('name')), _e(rule.get('action')), rule.get('matched', 0)) for index, rule in enumerate(report.get('rules', []))))
    for index, rule in enumerate(report.get('rules', [])):
        action = rule.get('action')
        parts.append('<h2 id="rule-%d">%s</h2>' % (index, _e(rule.get('name'))))
        if action not in ACTING:
            parts.append('<p>keep: %d message(s) left held (not listed here; the held-queue report shows what is held).</p>'
                         % rule.get('matched', 0))
            continue
        done_count = rule.get(ACTIONS[action].result_key, 0)
        line = '%s: matched %d, %s %d' % (action, rule.get('matched', 0), verb[action], done_count)
        if rule.get('not_held'):
            line += ', not held any more %d' % rule['not_held']
        if rule.get('sender_policy'):
            policy, pairs = rule['sender_policy'], rule.get('senders', [])
            line += ', %s %d sender%s' % ('would %s' % policy if dry else SENDER_POLICY_TOTALS[policy], len(pairs), '' if len(pairs) == 1 else 's')
        line += ', failed %d' % rule.get('failed', 0)
        if rule.get('reason_type'):
            line += '. Reason: %s' % rule['reason_type']
            if rule.get('notify'):
                line += ' (the sender is notified)'
        parts.append('<p>%s</p>' % _e(line))
        if rule.get('senders'):
            parts.append('<details><summary>%s: %d managed-sender entr%s (sender, recipient)</summary>%s</details>' % (
                _e(rule['sender_policy']), len(rule['senders']), 'y' if len(rule['senders']) == 1 else 'ies',
                table_html(SENDER_COLUMNS, [(pair.get('sender'), pair.get('to')) for pair in rule['senders']], name='senders')))
        if not rule.get('ids'):
            parts.append('<p class="muted"><em>no message</em></p>')
            continue
        parts.append(table_start(REVIEW_COLUMNS, 'review', ' data-rule="%d"' % index, extra_class='sortable'))
        rows = []
        for rid in rule['ids']:
            received, sender, recipients, subject, reason_code = review.get(rid) or EMPTY
            dummy, status = outcomes.of(rid, action)
            rows.append(ROW % (
                _e(short_date(received)), _e_wrap(sender), _e_wrap('; '.join(recipients)), _e(subject), _e_wrap(reason_code), _e(status), _e(rid)))
        parts.append(''.join(rows))
        parts.append('</tbody></table>')
    failures = report.get('sender_failures') or []
    if failures:
        parts.append('<h2 id="sender-failures">Managed-sender entries not set (their messages were left held)</h2>')
        parts.append(table_html(SENDER_FAILURE_COLUMNS, [(f.get('sender'), f.get('to'), f.get('action'), f.get('code'), f.get('message'))
                                                         for f in failures], name='senderfail'))
    title = 'Mimecast triage review: %s' % ('dry run' if dry else 'real run')
    return page_html(title, '\n'.join(parts), script=SORT_SCRIPT)


def _verb(action, dry):
    """``would release`` in a dry run, ``released`` in a real one (the action's entry in the table)."""
    return 'would %s' % action if dry else ACTIONS[action].verb


def _short(text, limit):
    text = ' '.join((text or '').split())
    return text if len(text) <= limit else text[:limit - 1] + '\u2026'


def diff_sample(report, review, limit=DIFF_SAMPLE):
    """A bounded, readable view for ``--diff``: per release/reject rule its first ``limit`` messages
    (received, sender, subject), then ``... and M more``."""
    dry = bool(report.get('check_mode'))
    lines = []
    for rule in report.get('rules', []):
        action = rule.get('action')
        if action not in ACTING:
            continue
        ids = rule.get('ids') or []
        verb = _verb(action, dry)
        count = rule.get(ACTIONS[action].result_key, 0)
        first = ', first %d:' % min(limit, len(ids)) if ids else ''
        lines.append("rule '%s' (%s): %s %d%s" % (rule.get('name'), action, verb, count, first))
        for rid in ids[:limit]:
            received, sender, dummy, subject, dummy2 = review.get(rid) or EMPTY
            lines.append('  %s  %s  %s' % (short_date(received) or '-', sender or '-', _short(subject, DIFF_SUBJECT) or '-'))
        if len(ids) > limit:
            lines.append('  ... and %d more' % (len(ids) - limit))
    return '\n'.join(lines) + '\n' if lines else ''


def _write_atomic(path, text, newline=None):
    folder = os.path.dirname(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(prefix='.mimecast-triage-', suffix=os.path.splitext(path)[1], dir=folder)
    try:
        with os.fdopen(handle, 'w', encoding='utf-8', newline=newline) as out:
            out.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except Exception:
        os.unlink(temp)
        raise


def write_review(report_path, report, review, outcomes, rules_sha256, mask=None):
    """Write the HTML and CSV review reports beside ``report_path``; returns their paths.

    ``mask``, when given, is applied to each text before it is written (the secrets of the task's options).
    """
    mask = mask or (lambda text: text)
    paths = review_paths(report_path)
    _write_atomic(paths['csv'], mask(render_csv(report, review, outcomes)), newline='')
    _write_atomic(paths['html'], mask(render_html(report, review, outcomes, rules_sha256)))
    return paths
