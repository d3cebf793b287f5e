# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The triage review report: what each rule released or rejected (or would have) and what it left held, for a person to
sign off, with the plan's digest they sign.

Written by ``mimecast_triage`` beside its JSON report (``run.json`` -> ``run.html`` and ``run.csv``), in check
mode too, from the JSON report (``triage_report.build_report``), the plan's review fields of each message
(``triage_plan.REVIEW_FIELDS``) and the outcome (``triage_outcome.Outcome``). Every message of the plan is listed: those a
release or reject rule matched, then those left held (by a keep rule, or by no rule); a run that applied a
signed-off plan also lists, in the HTML, the messages held since that the plan does not hold. Every value taken from
a message is attacker-controlled: the HTML escapes them all and the CSV (``csv_report``) neutralises spreadsheet formulas.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_api_epoch, report_date
from ansible_collections.secops.mimecast.plugins.module_utils.files import write_atomic
from ansible_collections.secops.mimecast.plugins.plugin_utils import csv_report
from ansible_collections.secops.mimecast.plugins.plugin_utils.html import escape, escape_wrap, page_html, table_html, table_start
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import pages
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import RULE_ACTIONS, SENDER_POLICY_TOTALS, acting
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_plan import NO_REVIEW
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_report import policy_verb

CSV_COLUMNS = ('rule', 'action', 'done', 'id', 'received', 'sender', 'recipients', 'subject', 'reason_code', 'plan_digest')
KEPT = 'kept held'
GONE = 'not held any more'
KEEP = RULE_ACTIONS['keep']


def status_of(outcome, rid, action):
    """``(done, status)``: whether this run did it, and what a person reads (``would release``, ``failed: code``)."""
    status = outcome.status(rid)
    if status == 'failed':
        return False, 'failed: %s' % (outcome.failed[rid].get('code') or 'error')
    if status == 'done':
        return not outcome.check_mode, action.verb(outcome.check_mode)
    if status == 'not_held':
        return False, 'not held any more'
    return False, 'no outcome'


def kept_status(outcome, rid):
    """What a person reads of a message left held: kept, or (a signed-off plan applied later) not held any more."""
    return KEPT if rid in outcome.plan.review or outcome.applied is None else GONE


def review_rows(outcome):
    """``(rule name, action, done, id, review fields, status)`` per message of the plan: in the rules' order, those a
    rule matched (a keep rule's left held), then those no rule matched (rule ``''``, action keep)."""
    review = outcome.plan.review
    for rule in outcome.plan.rules:
        for rid in rule.ids:
            if rule.action.acts:
                done, status = status_of(outcome, rid, rule.action)
            else:
                done, status = False, kept_status(outcome, rid)
            yield rule.name, rule.action, done, rid, review.get(rid) or NO_REVIEW, status
    for rid in outcome.plan.unmatched:
        yield '', KEEP, False, rid, review.get(rid) or NO_REVIEW, kept_status(outcome, rid)


def render_csv(outcome, digest=''):
    """The CSV review: a header row, then one row per message of the plan (:func:`review_rows`), each with the plan's
    ``digest``."""
    return csv_report.render(CSV_COLUMNS, (
        (name, action.name, 'true' if done else 'false', rid, report_date(fields[0]), fields[1], ';'.join(fields[2]), fields[3],
         fields[4], digest) for name, action, done, rid, fields, dummy in review_rows(outcome)))


ROW = ('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="code">%s</td><td class="nowrap">%s</td>'
       '<td class="id"><div>%s</div></td></tr>')
# the widths are what a column gets when the table has room (a long subject does not squeeze the others)
SENDER_COLUMNS = (('sender', 'wrap', '50%'), ('recipient', 'wrap', None))
SENDER_FAILURE_COLUMNS = (('sender', 'wrap', '20%'), ('recipient', 'wrap', '20%'), ('action', '', '6em'), ('code', 'code', '16em'),
                          ('message', '', None))
REVIEW_COLUMNS = (('received (UTC)', '', '12em'), ('sender', 'wrap', '17%'), ('recipients', 'wrap', '17%'), ('subject', '', None),
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


def plan_html(report, outcome):
    """The plan a person signs off: its digest whole, the time of the read, the tenant; or the signed-off plan applied."""
    plan = report.get('plan') or {}
    if not plan.get('digest'):
        return []
    window = plan.get('window') or {}
    facts = '<p>Held queue read at %s, window %s to %s, tenant <code class="sum">%s</code>.</p>' % (
        escape(plan.get('as_of')), escape(report_date(window.get('start')) or '-'), escape(report_date(window.get('end')) or '-'), escape(plan.get('tenant')))
    digest = '<code class="sum digest">%s</code>' % escape(plan['digest'])
    if outcome.applied is None:
        return ['<section id="plan"><p>Plan digest (sign off this one to apply exactly this plan): %s</p>%s</section>' % (digest, facts)]
    left = (report.get('totals') or {}).get('not_in_plan', 0)
    verb = 'Would apply' if outcome.check_mode else 'Applied'
    return ['<section id="plan"><p class="banner %s">%s the plan %s: only its messages, each with its rule\'s action; %d held '
            'since and not in the plan %s left alone.</p>%s</section>' % ('dry' if outcome.check_mode else 'real', verb, digest, left,
                                                                          'are' if left != 1 else 'is', facts)]


def _rows(review, ids, status):
    rows = []
    for rid in ids:
        received, sender, recipients, subject, reason_code = review.get(rid) or NO_REVIEW
        rows.append(ROW % (escape(report_date(received)), escape_wrap(sender), escape_wrap('; '.join(recipients)), escape(subject), escape_wrap(reason_code),
                           escape(status(rid)), escape(rid)))
    return ''.join(rows)


def _table(parts, review, ids, status, attrs):
    """The review table of ``ids`` (their fields in ``review``; ``status(id)`` what was done), or "no message"."""
    if not ids:
        parts.append('<p class="muted"><em>no message</em></p>')
        return
    parts.append(table_start(REVIEW_COLUMNS, 'review', attrs, extra_class='sortable'))
    parts.append(_rows(review, ids, status))
    parts.append('</tbody></table>')


def render_html(report, outcome):
    """The self-contained HTML review page: header (dry or real run, the plan's digest, the rules' checksum, counts),
    then per rule its messages, then the messages no rule matched (and those held since a signed-off plan)."""
    dry = outcome.check_mode
    totals = report.get('totals', {})
    parts = [_EXTRA_CSS, '<h1>Mimecast triage review: %s</h1>' % ('dry run' if dry else 'real run')]
    if dry:
        parts.append('<p class="banner dry">DRY RUN (check mode): nothing was changed. The actions below are what a real '
                     'run of the same rules would do to the messages held now.</p>')
    else:
        parts.append('<p class="banner real">REAL RUN: the actions below were taken.</p>')
    parts.extend(plan_html(report, outcome))
    parts.append('<p>Generated at %s. Rules checksum (sha256 of the rules\' canonical JSON): <code class="sum">%s</code></p>'
                 % (escape(report.get('generated_at')), escape(report.get('rules_sha256'))))
    kpis = ((('held in the window', totals.get('held', 0)),)
            + tuple((action.verb(dry), totals.get(action.result_key, 0)) for action in acting())
            + (('kept held', totals.get('kept', 0)), ('failed', totals.get('failed', 0)), ('not held any more', totals.get('not_held', 0))))
    if 'sender_failed' in totals:  # a rule has a sender_policy: the managed-sender entries
        kpis += tuple((policy_verb(policy, dry), totals.get(total, 0)) for policy, total in SENDER_POLICY_TOTALS.items())
        kpis += (('left held: entries not set', totals.get('sender_failed', 0)),)
    if 'not_in_plan' in totals:
        kpis += (('not in the plan, left held', totals['not_in_plan']),)
    parts.append('<div class="kpis">%s</div>' % ''.join('<span class="kpi"><b>%s</b>%s</span>' % (escape(n), escape(label)) for label, n in kpis))
    rules = report.get('rules', [])
    review, unmatched = outcome.plan.review, outcome.plan.unmatched
    later = sorted((outcome.not_in_plan or {}).items(), key=lambda item: parse_api_epoch(item[1][0]) or 0, reverse=True)
    contents = ['<li><a href="#rule-%d">%s</a> (%s): matched %d</li>' % (index, escape(rule.get('name')), escape(rule.get('action')), rule.get('matched', 0))
                for index, rule in enumerate(rules)]
    contents.append('<li><a href="#no-rule">no rule matched</a> (kept held): %d</li>' % len(unmatched))
    if outcome.not_in_plan is not None:
        contents.append('<li><a href="#not-in-plan">held since, not in the plan</a> (left alone): %d</li>' % len(later))
    parts.append('<ul>%s</ul>' % ''.join(contents))
    for index, rule in enumerate(rules):
        action = RULE_ACTIONS[rule['action']]
        parts.append('<section id="rule-%d"><h2>%s</h2>' % (index, escape(rule.get('name'))))
        ids = rule.get('ids') or []
        if not action.acts:
            parts.append('<p>%s: %d message(s) left held.</p>' % (escape(action.name), rule.get('matched', 0)))
            _table(parts, review, ids, lambda rid: kept_status(outcome, rid), ' data-rule="%d"' % index)
            parts.append('</section>')
            continue
        line = '%s: matched %d, %s %d' % (action.name, rule.get('matched', 0), action.verb(dry), rule.get(action.result_key, 0))
        if rule.get('not_held'):
            line += ', not held any more %d' % rule['not_held']
        if rule.get('sender_policy'):
            pairs = rule.get('senders', [])
            line += ', %s %d sender%s' % (policy_verb(rule['sender_policy'], dry), len(pairs), '' if len(pairs) == 1 else 's')
        line += ', failed %d' % rule.get('failed', 0)
        if rule.get('reason_type'):
            line += '. Reason: %s' % rule['reason_type']
            if rule.get('notify'):
                line += ' (the sender is notified)'
        parts.append('<p>%s</p>' % escape(line))
        if rule.get('senders'):
            parts.append('<details><summary>%s: %d managed-sender entr%s (sender, recipient)</summary>%s</details>' % (
                escape(rule['sender_policy']), len(rule['senders']), 'y' if len(rule['senders']) == 1 else 'ies',
                table_html(SENDER_COLUMNS, [(pair.get('sender'), pair.get('to')) for pair in rule['senders']], name='senders')))
        _table(parts, review, ids, lambda rid, action=action: status_of(outcome, rid, action)[1], ' data-rule="%d"' % index)
        parts.append('</section>')
    parts.append('<section id="no-rule"><h2>No rule matched: kept held</h2>')
    parts.append('<p>%d message(s) that no rule matched, left held for a person.</p>' % len(unmatched))
    _table(parts, review, unmatched, lambda rid: kept_status(outcome, rid), ' data-kept="no rule"')
    parts.append('</section>')
    if outcome.not_in_plan is not None:
        parts.append('<section id="not-in-plan"><h2>Held since, not in the plan: left alone</h2>')
        parts.append('<p>%d message(s) held now in the plan\'s window that the plan does not hold (they arrived, or were '
                     'listed, after its read): not acted on. A new dry run plans them.</p>' % len(later))
        _table(parts, dict(later), [rid for rid, dummy in later], lambda rid: 'left alone (not in the plan)', ' data-kept="not in the plan"')
        parts.append('</section>')
    failures = report.get('sender_failures') or []
    if failures:
        parts.append('<h2 id="sender-failures">Managed-sender entries not set (their messages were left held)</h2>')
        parts.append(table_html(SENDER_FAILURE_COLUMNS, [(f.get('sender'), f.get('to'), f.get('action'), f.get('code'), f.get('message'))
                                                         for f in failures], name='senderfail'))
    title = 'Mimecast triage review: %s' % ('dry run' if dry else 'real run')
    return page_html(title, '\n'.join(parts), script=SORT_SCRIPT)


def write_review(report_path, report, outcome, mask=None):
    """Write the HTML and CSV review reports beside ``report_path``; returns their paths.

    ``mask``, when given, is applied to each text before it is written (the secrets of the task's options).
    """
    mask = mask or (lambda text: text)
    paths = pages(report_path)
    write_atomic(paths['csv'], mask(render_csv(outcome, (report.get('plan') or {}).get('digest') or '')), newline='')
    write_atomic(paths['html'], mask(render_html(report, outcome)))
    return paths
