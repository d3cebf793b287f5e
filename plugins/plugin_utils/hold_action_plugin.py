# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugins of mimecast_hold_release and mimecast_hold_reject.

With a local connection (the usual case: the API is reached from the controller) the engine runs in
the controller's worker process: no module start-up, and the id lists are not serialised into module
arguments and back. It is the same engine (``module_utils.hold_actions``) with the same argument spec,
validation, check mode, diff and secret masking as the module. Otherwise (another host, become, a task
``environment``, async, or no ``requests`` on the controller) the module runs as usual.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.secops.mimecast.plugins.module_utils.client import (
    HAS_REQUESTS,
    MimecastError,
    client_from_params,
    connection_argument_spec,
)
from ansible_collections.secops.mimecast.plugins.module_utils.hold_actions import (
    ACTIONS,
    InputError,
    hold_action_argument_spec,
    hold_action_result,
)
from ansible_collections.secops.mimecast.plugins.plugin_utils.heap import cyclic_gc_paused
from ansible_collections.secops.mimecast.plugins.plugin_utils.secrets import masked

LOCAL_TRANSPORTS = ('local', 'ansible.builtin.local')


class HoldActionBase(ActionBase):
    """Subclasses set ``ACTION`` to ``release`` or ``reject``."""

    ACTION = None
    TRANSFERS_FILES = False

    def argument_spec(self):
        spec = connection_argument_spec()
        spec.update(hold_action_argument_spec(self.ACTION))
        return spec

    def translate_args(self, args):
        """Hook for option spellings the module cannot declare; returns (args, error message or None)."""
        return args, None

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super(HoldActionBase, self).run(tmp, task_vars)
        del tmp
        args, problem = self.translate_args(dict(self._task.args))
        if problem:
            result.update(failed=True, msg=problem)
            return result
        if not self.runs_in_process():
            result.update(self._execute_module(module_name=ACTIONS[self.ACTION][1], module_args=args,
                                               task_vars=task_vars, wrap_async=self._task.async_val))
            return result
        result.update(self.run_in_process(args))
        return result

    def runs_in_process(self):
        environment = [env for env in (self._task.environment or []) if env]
        return (HAS_REQUESTS and getattr(self._connection, 'transport', None) in LOCAL_TRANSPORTS
                and not self._play_context.become and not self._task.async_val and not environment)

    def run_in_process(self, args):
        validation = ArgumentSpecValidator(self.argument_spec()).validate(args)
        no_log_values = validation._no_log_values
        if validation.error_messages:
            msg = validation.errors.msg
            if isinstance(validation.errors.errors[0], UnsupportedError):
                # worded as AnsibleModule words it
                msg = 'Unsupported parameters for (%s) module: %s' % (ACTIONS[self.ACTION][1], msg)
            return masked(dict(failed=True, msg=msg), no_log_values)
        warnings = []
        params = validation.validated_parameters
        try:
            with cyclic_gc_paused():
                client = client_from_params(params, warn=warnings.append, pool_size=params['concurrency'])
                outcome = hold_action_result(client, params, self.ACTION, check_mode=bool(self._task.check_mode),
                                             diff=bool(self._task.diff))
        except InputError as exc:
            outcome = dict(failed=True, msg=str(exc))
        except MimecastError as exc:
            outcome = exc.task_result()
        if outcome.pop('_failed', False):
            outcome['failed'] = True
        if warnings:
            outcome['warnings'] = warnings
        return masked(outcome, no_log_values)
