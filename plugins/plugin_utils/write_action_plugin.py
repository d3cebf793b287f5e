# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugins of the write modules (mimecast_hold_release, mimecast_hold_reject, ...).

With a local connection (the usual case: the API is reached from the controller) the write engine runs in
the controller's worker process: no module start-up, and the item lists are not serialised into module
arguments and back. It is the same task glue (``module_utils.write_tasks``) with the same argument spec,
validation, check mode, diff and secret masking as the module. Otherwise (another host, become, a task
``environment``, async, or no ``requests`` on the controller) the module runs as usual.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.errors import UnsupportedError

from ansible_collections.secops.mimecast.plugins.module_utils.client import HAS_REQUESTS
from ansible_collections.secops.mimecast.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.secops.mimecast.plugins.module_utils.write_tasks import TASKS, write_task_result
from ansible_collections.secops.mimecast.plugins.plugin_utils.action_base import MimecastActionBase

LOCAL_TRANSPORTS = ('local', 'ansible.builtin.local')


class WriteActionBase(MimecastActionBase):
    """Subclasses set ``TASK`` to the module's entry in ``write_tasks.TASKS`` (``release``, ``reject``...)."""

    TASK = None

    @property
    def write_task(self):
        return TASKS[self.TASK]

    def argument_spec(self):
        spec = connection_argument_spec()
        spec.update(self.write_task.argument_spec())
        return spec

    def options_problem(self, validation):
        msg = validation.errors.msg
        if isinstance(validation.errors.errors[0], UnsupportedError):
            # worded as AnsibleModule words it
            msg = 'Unsupported parameters for (%s) module: %s' % (self.write_task.action.module, msg)
        return msg

    def translate_args(self, args):
        """Hook for option spellings the module cannot declare; returns (args, error message or None)."""
        return args, None

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super(WriteActionBase, self).run(tmp, task_vars)
        del tmp
        args, problem = self.translate_args(dict(self._task.args))
        if problem:
            result.update(failed=True, msg=problem)
        elif not self.runs_in_process():
            result.update(self._execute_module(module_name=self.write_task.action.module, module_args=args,
                                               task_vars=task_vars, wrap_async=self._task.async_val))
        else:
            result.update(self.execute(args))
        return result

    def runs_in_process(self):
        environment = [env for env in (self._task.environment or []) if env]
        return (HAS_REQUESTS and getattr(self._connection, 'transport', None) in LOCAL_TRANSPORTS
                and not self._play_context.become and not self._task.async_val and not environment)

    def body(self, task, first):
        return write_task_result(task.client(pool_size=task.params['concurrency']), task.params, self.write_task,
                                 check_mode=task.check_mode, diff=task.diff)
