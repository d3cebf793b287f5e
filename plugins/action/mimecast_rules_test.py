# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rule cases checked against triage rules on the controller: no API request, no credentials.

Not in the ``mimecast`` action group: ``module_defaults`` of the group would hand it connection options it has none of.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.files import path_problem, write_atomic
from ansible_collections.secops.mimecast.plugins.plugin_utils.action_base import ControllerActionBase
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import caller_path
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_cases import junit_error_xml, junit_xml, load_cases, result_of, run_cases
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import Ruleset


def rules_test_argument_spec():
    return dict(
        rules=dict(type='raw', required=True),
        cases=dict(type='raw', required=True),
        junit=dict(type='path'),
    )


def junit_path(params):
    """The JUnit file's path (absolute, relative to the caller's directory), checked writable; None when not asked for."""
    path = params.get('junit')
    if not path:
        return None
    path = caller_path(path)
    problem = path_problem(path, 'junit')
    if problem:
        raise InputError(problem)
    return path


class ActionModule(ControllerActionBase):

    _VALID_ARGS = frozenset(rules_test_argument_spec())

    # the rules and the cases may be long: taken as given (see MimecastActionBase.AS_GIVEN), checked by Ruleset.load and load_cases
    AS_GIVEN = ('rules', 'cases')

    def argument_spec(self):
        return rules_test_argument_spec()

    def check_first(self, params):
        """The JUnit path, then the rules (a ``Ruleset``): bad rules fail as in triage, in the JUnit file too."""
        path = junit_path(params)
        try:
            return path, Ruleset.load(params.get('rules'))
        except InputError as exc:
            self.write_error(path, exc)
            raise

    def body(self, task, first):
        path, ruleset = first
        now = datetime.datetime.now(datetime.timezone.utc)
        try:
            cases = load_cases(task.params['cases'], ruleset, now)
        except InputError as exc:
            self.write_error(path, exc, ruleset.sha256)
            raise
        outcomes = run_cases(cases, ruleset, now)
        result = result_of(outcomes, ruleset)
        if path:
            write_atomic(path, junit_xml(outcomes, ruleset))
            result['junit_path'] = path
            result['summary'].append('JUnit XML: %s' % path)
        return result

    @staticmethod
    def write_error(path, exc, sha256=None):
        """With a JUnit path, the file says the run could not start (a CI system shows the error, never an old run's)."""
        if path:
            write_atomic(path, junit_error_xml(getattr(exc, 'problems', None) or [exc.msg], sha256))
