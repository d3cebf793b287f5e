# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The base of a controller-side action that only reads and reports (the back-test, rule cases): it needs no
connection to the host, runs the same in check mode and never changes anything."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.plugin_utils.action_base import MimecastActionBase


class ReadOnlyActionBase(MimecastActionBase):
    """:class:`MimecastActionBase` for a task that changes nothing: ``run`` returns ``changed: false`` and the body's result.

    Subclasses give :meth:`options` (their whole argument spec) and :meth:`first` (the checks that come first; see
    ``check_first``). The options named in ``AS_GIVEN`` (``raw`` ones whose values may be large, such as a thousand rule
    cases) reach :meth:`first` and the body as given, not through the argument validator, which deep-copies every
    value it is given (3.4 s of the 3.5 s a rules_test task with 1,000 cases took on ansible-core 2.19): the plugin
    checks them itself.
    """

    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False
    AS_GIVEN = ()

    def options(self):
        raise NotImplementedError

    def argument_spec(self):
        """What the validator checks: :meth:`options` less ``AS_GIVEN``."""
        spec = self.options()
        for key in self.AS_GIVEN:
            spec.pop(key, None)
        return spec

    def first(self, params):
        return None

    def check_first(self, params):
        params.update(self._given)
        return self.first(params)

    def run(self, tmp=None, task_vars=None):
        result = super(ReadOnlyActionBase, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        self._given = dict((key, args.pop(key, None)) for key in self.AS_GIVEN)
        result['changed'] = False
        result.update(self.execute(args))
        return result
