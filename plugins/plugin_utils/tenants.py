# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Many tenants in one run: each Mimecast tenant is an inventory host of the triage and report playbooks.

What the playbooks need that Jinja should not spell out: the report path of one tenant (never one file written by
several hosts), the plan one tenant applies (a path per host as the reports, the report itself, or a mapping of host
names to either, as an AWX workflow hands the plans of every tenant from the dry-run job to the apply job) and the
summary of the whole run (per-tenant totals and their sums). The ``secops.mimecast.tenant_path``,
``secops.mimecast.tenant_plan`` and ``secops.mimecast.tenants_summary`` filters call these.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import caller_path

NO_RESULT = 'no triage result: this host failed before its triage task ran (see the play recap)'


def tenant_path(path, host=None, hosts=None):
    """``path`` for ``host`` when the play runs on ``hosts``, made absolute (relative to the directory the command
    was started from).

    On one host, or when the path already names the host as a whole word (``reports/{{ inventory_hostname }}.json``),
    the path is kept. Otherwise several hosts would write one file, so the host name goes before the extension:
    ``reports/triage.json`` -> ``reports/triage-<host>.json``; a directory ``reports`` -> ``reports-<host>``.
    ``None`` and ``''`` (no report asked for) are returned as they are.
    """
    if path is None or path == '':
        return path
    path = caller_path(path)
    hosts = list(hosts or [])
    if host and len(hosts) > 1 and not _names(path, host):
        head, tail = os.path.split(path.rstrip(os.sep) or path)
        stem, ext = os.path.splitext(tail)
        if not stem:  # a dot file such as ".report": the whole name is the stem
            stem, ext = tail, ''
        path = os.path.join(head, '%s-%s%s' % (stem, host, ext))
    return path


def tenant_plan(value, host=None, hosts=None):
    """The plan ``host`` applies, of ``mimecast_triage_plan`` (``value``) when the play runs on ``hosts``.

    A path is a report path (:func:`tenant_path`: on several hosts, one per host unless it names the host); a report
    (a mapping with ``plan`` or ``rules``) is every host's; a mapping of host names (what an AWX dry-run job hands on:
    ``{host: report or path}``) gives this host's entry, and a ``ValueError`` naming the hosts it has when it has none
    for ``host``. ``None`` and ``''`` (no plan) are returned as they are.
    """
    if isinstance(value, dict) and not ('plan' in value or 'rules' in value):
        if host not in value:
            raise ValueError('mimecast_triage_plan has no plan for %s (it has plans for: %s)' % (host, ', '.join(sorted(map(str, value))) or 'none'))
        value = value[host]
        return value if isinstance(value, dict) else tenant_path(value)
    if value is None or value == '' or isinstance(value, dict):
        return value
    return tenant_path(str(value), host, hosts)


def _names(path, host):
    """Whether ``path`` names ``host``: the host name stands in it as a whole word (``reports/acme.json``,
    ``acme/triage.json``, ``triage-acme.json``), not only as a part of one (host ``eu`` in ``reports/europe.json``)."""
    return re.search(r'(?<![A-Za-z0-9])%s(?![A-Za-z0-9])' % re.escape(str(host)), path) is not None


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def tenants_summary(results, hosts):
    """The summary of a run over several tenants.

    ``results`` maps a host name to its registered triage result (a host that has none failed before its
    triage task); ``hosts`` is the play's hosts in order. Returns ``{tenants: {host: {totals, failed, msg,
    report}}, totals: sums of every numeric total, failed: [hosts], check_mode, summary: lines}``. A tenant failed when its task
    failed or some of its messages could not be released or rejected.
    """
    tenants = {}
    sums = {}
    failed = []
    check_mode = False
    for host in hosts:
        result = results.get(host)
        if not isinstance(result, dict):
            result = {'failed': True, 'msg': NO_RESULT}
        totals = result.get('totals') if isinstance(result.get('totals'), dict) else {}
        bad = bool(result.get('failed')) or bool(totals.get('failed')) or bool(totals.get('sender_failed'))
        entry = {'totals': dict(totals), 'failed': bad, 'msg': result.get('msg') or ''}
        if result.get('report_path'):
            entry['report'] = result['report_path']
        tenants[host] = entry
        check_mode = check_mode or bool(result.get('check_mode'))
        if bad:
            failed.append(host)
        for key, value in totals.items():
            if _number(value):
                sums[key] = sums.get(key, 0) + value
    summary = {'tenants': tenants, 'totals': sums, 'failed': failed, 'check_mode': check_mode}
    summary['summary'] = summary_lines(summary)
    return summary


# the totals in the order the triage summary gives them; any other total follows
TOTALS_ORDER = ('held', 'released', 'rejected', 'kept', 'failed', 'not_held', 'not_in_plan', 'permitted', 'blocked', 'sender_failed')


def _totals_text(totals):
    keys = [key for key in TOTALS_ORDER if key in totals] + sorted(key for key in totals if key not in TOTALS_ORDER)
    return ', '.join('%s %s' % (key.replace('_', ' '), totals[key]) for key in keys) or 'no totals'


def summary_lines(summary):
    """One line per tenant, then the sums: what the playbook shows at the end of a run over several tenants."""
    lines = []
    if summary['check_mode']:
        lines.append('DRY RUN (check mode): nothing was changed; counts are what would happen.')
    for host, entry in summary['tenants'].items():
        if entry['failed']:
            text = 'FAILED: %s' % (entry['msg'] or 'failed')
            if entry['totals']:
                text += ' (%s)' % _totals_text(entry['totals'])
        else:
            text = _totals_text(entry['totals'])
        lines.append('%s: %s' % (host, text))
    lines.append('all %d tenants: %s' % (len(summary['tenants']), _totals_text(summary['totals'])))
    if summary['failed']:
        lines.append('failed tenants: %s' % ', '.join(summary['failed']))
    return lines
