# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the triage and held-queue report playbooks.

The documentation of each filter is in the YAML file of the same name beside this one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.secops.mimecast.plugins.plugin_utils import held_report as _held
from ansible_collections.secops.mimecast.plugins.plugin_utils import tenants as _tenants
from ansible_collections.secops.mimecast.plugins.plugin_utils import triage_report as _triage
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_outcome import outcome_from_tasks
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_plan import Plan
from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_api_epoch


def _mapping(value, what):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AnsibleFilterError('%s must be a dictionary, not %s' % (what, type(value).__name__))
    return value


def _now(value):
    if value is None or value == '' or value == 'now':
        return None
    if isinstance(value, datetime.datetime):
        return value
    epoch = parse_api_epoch(value) if isinstance(value, str) else None
    if epoch is None:
        raise AnsibleFilterError('now must be an ISO 8601 date with an offset (2026-01-15T12:00:00Z), not %r' % (value,))
    return epoch


def triage_report(plan, release_result=None, reject_results=None, check_mode=False):
    """The triage report: plan + release task result + reject loop results (+ check mode)."""
    plan = _mapping(plan, 'the plan (the input of triage_report)')
    release_result = _mapping(release_result, 'the release result')
    if isinstance(reject_results, dict):
        reject_results = reject_results.get('results')
    try:
        outcome = outcome_from_tasks(Plan.from_result(plan), {'release': [release_result], 'reject': reject_results},
                                     boolean(check_mode, strict=False))
        return _triage.build_report(outcome)
    except AnsibleFilterError:
        raise
    except Exception as exc:
        raise AnsibleFilterError('triage_report: %s' % to_native(exc), orig_exc=exc)


def triage_summary(report):
    """Short human summary lines of a triage report."""
    return _triage.summary_lines(_mapping(report, 'the triage report'))


def held_report(records, top=10, now=None):
    """Summary of held records (from mimecast_held_info): counts, top senders/recipients, oldest."""
    if records is None:
        records = []
    if isinstance(records, dict):
        records = records.get('messages', [])
    if not isinstance(records, (list, tuple)):
        raise AnsibleFilterError('held_report expects a list of held messages, not %s' % type(records).__name__)
    try:
        return _held.build_report(records, _now(now), top=int(top))
    except AnsibleFilterError:
        raise
    except Exception as exc:
        raise AnsibleFilterError('held_report: %s' % to_native(exc), orig_exc=exc)


def held_report_html(report):
    """Self-contained HTML page of a held_report result."""
    return _held.render_html(_mapping(report, 'the held report'))


def held_report_markdown(report):
    """Markdown page of a held_report result."""
    return _held.render_markdown(_mapping(report, 'the held report'))


def tenant_path(path, host=None, hosts=None):
    """A report path of one tenant: absolute, and with the host name in it when several hosts would share it."""
    if hosts is not None and not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError('tenant_path: hosts must be a list of host names (ansible_play_hosts_all), not %s' % type(hosts).__name__)
    return _tenants.tenant_path(path, host, hosts)


def tenant_plan(value, host=None, hosts=None):
    """The plan one tenant applies: a report path per host, a report, or a host's entry of a mapping of hosts."""
    if hosts is not None and not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError('tenant_plan: hosts must be a list of host names (ansible_play_hosts_all), not %s' % type(hosts).__name__)
    try:
        return _tenants.tenant_plan(value, host, hosts)
    except ValueError as exc:
        raise AnsibleFilterError(to_native(exc))


def tenants_summary(hostvars, hosts, result='mimecast_triage_result'):
    """The summary of a run over several tenants, from each host's registered triage result."""
    if not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError('tenants_summary: hosts must be a list of host names (ansible_play_hosts_all), not %s' % type(hosts).__name__)
    results = {}
    for host in hosts:
        try:
            value = hostvars[host].get(result)
        except (KeyError, AttributeError, TypeError):
            value = None
        results[host] = value
    return _tenants.tenants_summary(results, hosts)


class FilterModule(object):
    """secops.mimecast triage and held-queue report filters."""

    def filters(self):
        return {
            'triage_report': triage_report,
            'triage_summary': triage_summary,
            'held_report': held_report,
            'held_report_html': held_report_html,
            'held_report_markdown': held_report_markdown,
            'tenant_path': tenant_path,
            'tenant_plan': tenant_plan,
            'tenants_summary': tenants_summary,
        }
