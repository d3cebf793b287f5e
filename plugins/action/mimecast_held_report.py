# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side held-queue report in one task: read the held queue once, summarise, write JSON, HTML, Markdown.

The records never leave this worker process (the task result holds the summary only), so the report of a
queue of 50,000 messages costs about what a triage dry run of it costs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os

from ansible_collections.secops.mimecast.plugins.module_utils.client import check_page_size
from ansible_collections.secops.mimecast.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.secops.mimecast.plugins.module_utils.dates import api_range
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.files import path_problem, write_atomic
from ansible_collections.secops.mimecast.plugins.module_utils.write_engine import check_tuning
from ansible_collections.secops.mimecast.plugins.plugin_utils import held_report, release_log_report
from ansible_collections.secops.mimecast.plugins.plugin_utils.action_base import PROGRESS_MIN_RECORDS, ControllerActionBase
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import caller_path
from ansible_collections.secops.mimecast.plugins.plugin_utils.sections import ReportContext

# without start/end: every message held now (a message stays held 14 days), in a window the reads can split
DEFAULT_START = '-30d'
DEFAULT_END = '+1d'
FILES = (('json', 'held-report.json'), ('html', 'held-report.html'), ('markdown', 'held-report.md'))


def held_report_argument_spec():
    spec = connection_argument_spec()
    spec.update(
        dest=dict(type='path', required=True),
        start=dict(type='str'),
        end=dict(type='str'),
        admin=dict(type='bool', default=True),
        top=dict(type='int', default=10),
        page_size=dict(type='int', default=500),
        concurrency=dict(type='int', default=4),
        release_log=dict(type='bool', default=True),
        release_log_start=dict(type='str', default=release_log_report.DEFAULT_START),
        release_log_latest=dict(type='int', default=release_log_report.DEFAULT_LATEST),
    )
    return spec


class ActionModule(ControllerActionBase):

    _VALID_ARGS = frozenset(held_report_argument_spec())

    # the report's sections (plugin_utils/held_report.py SECTIONS); a subclass or a test may give others
    sections = None

    def argument_spec(self):
        return held_report_argument_spec()

    def check(self, params):
        """Raise :class:`InputError` for options that cannot work (before any API call)."""
        check_page_size(params['page_size'])
        check_tuning(None, params['concurrency'])
        if params['top'] < 1:
            raise InputError('top must be at least 1; got %d' % params['top'])
        if params['release_log']:
            if params['release_log_latest'] < 0:
                raise InputError('release_log_latest must be at least 0; got %d' % params['release_log_latest'])
            api_range(params['release_log_start'], None, names=('release_log_start', 'end'))
        # relative to the directory ansible-playbook was started from, never to the playbook's
        dest = params['dest'] = caller_path(params['dest'])
        # the directory (made when missing) and the files in it can be written
        problem = path_problem(dest, 'dest', directory=True, create=True)
        for dummy, name in FILES:
            problem = problem or path_problem(os.path.join(dest, name), 'report', create=True)
        if problem:
            raise InputError(problem)

    def body(self, task, first):
        params = task.params
        self.check(params)
        now = datetime.datetime.now(datetime.timezone.utc)
        start, end = params.get('start'), params.get('end')
        if not start and not end:
            start, end = DEFAULT_START, DEFAULT_END
        api_range(start, end, now=now)
        client = task.client(pool_size=params['concurrency'])
        records = task.read_held(client, admin=params['admin'], start=start, end=end, now=now)
        summary = held_report.build_report(records, now, top=params['top'])
        del records
        held_report.collect_sections(summary, ReportContext(client, params, now, task.warn), self.sections)
        # the files are written from the masked summary (the task result is masked by the base)
        summary = task.mask(summary)

        dest = params['dest']
        texts = {
            'json': json.dumps(summary, indent=2, sort_keys=True) + '\n',
            'html': held_report.render_html(summary, self.sections),
            'markdown': held_report.render_markdown(summary, self.sections),
        }
        paths = {}
        try:
            for kind, name in FILES:
                paths[kind] = os.path.join(dest, name)
                # the report is an output of the run, not managed state: written in check mode too (0600, as every report)
                write_atomic(paths[kind], texts[kind])
        except (IOError, OSError) as exc:
            return dict(failed=True, msg='the held-queue report could not be written to %s: %s' % (dest, exc))
        if summary['total'] >= PROGRESS_MIN_RECORDS:
            task.show('wrote %s' % ', '.join(paths[kind] for kind, dummy in FILES))
        return dict(report=summary, paths=paths, total=summary['total'],
                    msg='%d held messages; reports written to %s' % (summary['total'], dest))
