# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side triage planning: validate the rules, read the held queue once, decide per message.

The held records never leave this worker process: the result holds ids and counts only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import gc
import json

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.secops.mimecast.plugins.module_utils.client import (
    MimecastError,
    client_from_params,
    connection_argument_spec,
)
from ansible_collections.secops.mimecast.plugins.module_utils.dates import DateError
from ansible_collections.secops.mimecast.plugins.module_utils.held import read_held
from ansible_collections.secops.mimecast.plugins.plugin_utils.secrets import masked
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import RulesError, plan, validate_rules

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - ansible-core requires PyYAML
    HAS_YAML = False

display = Display()

PROGRESS_EVERY_PAGES = 10
PROGRESS_MIN_RECORDS = 2000


def plan_argument_spec():
    spec = connection_argument_spec()
    spec.update(
        rules=dict(type='raw', required=True),
        start=dict(type='str', default='-14d'),
        end=dict(type='str', default='now'),
        admin=dict(type='bool', default=True),
        page_size=dict(type='int', default=500),
    )
    return spec


def load_rules(value):
    """The rules as a list: a list as given, or parsed from a YAML/JSON string (AWX survey text fields)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        try:
            if HAS_YAML:
                return yaml.safe_load(text)
            return json.loads(text)
        except Exception as exc:  # pylint: disable=broad-except
            raise RulesError(['the rules are a string that is not valid YAML or JSON: %s' % exc])
    if isinstance(value, tuple):
        return list(value)
    return value


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False
    _VALID_ARGS = frozenset(plan_argument_spec())

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        result['changed'] = False

        validation = ArgumentSpecValidator(plan_argument_spec()).validate(dict(self._task.args))
        # every message and warning may quote an API answer: mask secrets the way modules do
        return masked(self._plan(result, validation), validation._no_log_values)

    def _plan(self, result, validation):
        params = validation.validated_parameters

        # 1. the rules, before anything else (and before any API call)
        try:
            compiled = validate_rules(load_rules(params.get('rules')))
        except RulesError as exc:
            result.update(failed=True, msg=str(exc), rule_errors=exc.problems)
            return result

        if validation.error_messages:
            result.update(failed=True, msg='Invalid options: %s' % '; '.join(validation.error_messages))
            return result
        page_size = params['page_size']
        if not 1 <= page_size <= 500:
            result.update(failed=True, msg='page_size must be between 1 and 500; got %d' % page_size)
            return result

        warnings = []
        task_name = self._task.get_name() if hasattr(self._task, 'get_name') else 'mimecast_triage_plan'

        def progress(pages, count, total):
            if total and total >= PROGRESS_MIN_RECORDS and (pages == 1 or pages % PROGRESS_EVERY_PAGES == 0 or count >= total):
                display.display('%s: read %d of %d held messages (%d pages)' % (task_name, count, total, pages))

        now = datetime.datetime.now(datetime.timezone.utc)
        # Tens of thousands of small records only ever grow the heap here: cyclic garbage collection
        # would walk them again and again for nothing (seconds at 50k held messages).
        collecting = gc.isenabled()
        gc.disable()
        try:
            client = client_from_params(params, warn=warnings.append)
            records = read_held(client, page_size=page_size, progress=progress, admin=params['admin'],
                                start=params['start'], end=params['end'], now=now)
            outcome = plan(compiled, records, now)
        except MimecastError as exc:
            result.update(failed=True, msg=exc.msg, error=exc.to_dict())
        except DateError as exc:
            result.update(failed=True, msg=str(exc))
        else:
            result.update(outcome)
            result['msg'] = 'Planned %d held messages: release %d, reject %d (%d groups), keep %d' % (
                outcome['held'], len(outcome['release_ids']), sum(len(g['ids']) for g in outcome['reject_groups']),
                len(outcome['reject_groups']), outcome['kept'])
        finally:
            if collecting:
                gc.enable()
        if warnings:
            result['warnings'] = warnings
        return result
