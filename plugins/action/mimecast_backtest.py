# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side back-test of triage rules against the held release log, in one task.

The rules are checked first, then the options and every path the task will write, all before the first request;
the log is read page by page and each record is decided as it comes (``plugin_utils/backtest.Backtest``): only the
counts and the disagreements are kept. Read-only: it never releases, rejects or sets anything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

from ansible_collections.secops.mimecast.plugins.module_utils.client import check_page_size
from ansible_collections.secops.mimecast.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.secops.mimecast.plugins.module_utils.dates import api_range
from ansible_collections.secops.mimecast.plugins.module_utils.endpoints import HELD_RELEASE_LOGS
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.files import write_atomic
from ansible_collections.secops.mimecast.plugins.plugin_utils.action_base import PROGRESS_EVERY_PAGES, PROGRESS_MIN_RECORDS
from ansible_collections.secops.mimecast.plugins.plugin_utils.backtest import Backtest, build_report, summary_lines
from ansible_collections.secops.mimecast.plugins.plugin_utils.backtest_report import write_pages
from ansible_collections.secops.mimecast.plugins.plugin_utils.action_base import ControllerActionBase
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import caller_path, report_problem
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import Ruleset


def backtest_argument_spec():
    spec = connection_argument_spec()
    spec.update(
        rules=dict(type='raw', required=True),
        start=dict(type='str', default='-30d'),
        end=dict(type='str', default='now'),
        page_size=dict(type='int', default=500),
        report=dict(type='path'),
        max_disagreements=dict(type='int'),
        return_disagreements=dict(type='bool', default=True),
    )
    return spec


def check_report_path(path):
    """Raise :class:`InputError` when the report or a page beside it cannot be written (before any request)."""
    problem = report_problem(path)
    if problem:
        raise InputError(problem)


class ActionModule(ControllerActionBase):

    _VALID_ARGS = frozenset(backtest_argument_spec())

    def argument_spec(self):
        return backtest_argument_spec()

    def check_first(self, params):
        """The rules, loaded and validated before anything else (and before any API call): a ``Ruleset``."""
        return Ruleset.load(params.get('rules'))

    def check_options(self, params, now):
        """The window as sent, after every option and path was checked (raises :class:`InputError`)."""
        check_page_size(params['page_size'])
        if params.get('max_disagreements') is not None and params['max_disagreements'] < 0:
            raise InputError('max_disagreements must be 0 or more; got %d' % params['max_disagreements'])
        window = api_range(params['start'], params['end'], now=now)
        if params.get('report'):
            # relative to the directory ansible-playbook was started from, never to the playbook's
            params['report'] = caller_path(params['report'])
            check_report_path(params['report'])
        return window

    def body(self, task, first):
        ruleset = first
        params = task.params
        now = datetime.datetime.now(datetime.timezone.utc)
        window = self.check_options(params, now)
        backtest = Backtest(ruleset, now)
        client = task.client(pool_size=1)
        for record in HELD_RELEASE_LOGS.read(client, page_size=params['page_size'], progress=self.progress(task), now=now,
                                             start=window['start'], end=window['end']):
            backtest.add(record)
        # every text of the report may quote a record: masked before it is returned or written
        report = task.mask(build_report(backtest, window, now, params.get('max_disagreements')))
        result = dict(report, summary=summary_lines(report), msg=summary_lines(report)[-1])
        if report.get('gate') and not report['gate']['passed']:
            result.update(failed=True, msg='The rules disagree with what people did on %d records (release_rejected %d, reject_released %d), '
                          'more than max_disagreements %d allows: see the disagreements%s' % (
                              report['totals']['disagreements'], report['totals']['release_rejected'], report['totals']['reject_released'],
                              report['gate']['max_disagreements'], ' in %s' % params['report'] if params.get('report') else ''))
        if params.get('report'):
            self.write_reports(task, params['report'], report, result)
        if not params['return_disagreements']:
            del result['disagreements']
        return result

    @staticmethod
    def progress(task):
        """Progress lines for a long log: its first page, every tenth, and the last."""
        def show(pages, count, total):
            if total and total >= PROGRESS_MIN_RECORDS and (pages == 1 or pages % PROGRESS_EVERY_PAGES == 0 or count >= total):
                task.show('read %d of %d release-log records (%d pages)' % (min(count, total), total, pages))
        return show

    @staticmethod
    def write_reports(task, path, report, result):
        """The JSON report and the pages beside it; a file that cannot be written fails the task, saying so."""
        try:
            write_atomic(path, json.dumps(report, indent=2, sort_keys=True) + '\n')
            result['report_path'] = path
            result['page_paths'] = write_pages(path, report, mask=task.mask)
        except (IOError, OSError) as exc:
            result.update(failed=True, msg='%s; and the report could not be written to %s: %s' % (result['msg'], path, exc))
            return
        result['summary'] = result['summary'][:-1] + ['reports: %s, %s, %s' % (
            path, result['page_paths']['html'], result['page_paths']['csv'])] + result['summary'][-1:]
