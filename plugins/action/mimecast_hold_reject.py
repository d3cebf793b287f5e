# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the mimecast_hold_reject module, accepting ``message`` (the contract's and the API's name)
for the module's ``rejection_message`` option: Ansible reserves ``message`` as a module option name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

MODULE = 'secops.mimecast.mimecast_hold_reject'


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        if 'message' in args:
            message = args.pop('message')
            if args.get('rejection_message') is not None and message is not None:
                result.update(failed=True, msg='Give the rejection text as message or as rejection_message, not both')
                return result
            if message is not None:
                args['rejection_message'] = message
        result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars,
                                           wrap_async=self._task.async_val))
        return result
