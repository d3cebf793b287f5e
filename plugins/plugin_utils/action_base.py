# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base of the collection's controller-side action plugins (write modules and triage).

It validates the task's arguments against the plugin's argument spec, gives the plugin's body a :class:`Task`
(the parameters, a client with its warnings collected, secret masking, progress lines), runs the body with the
cyclic garbage collector paused, turns every :class:`MimecastError` (API, configuration, input, dates, rules)
into the failed task result in one place, and masks every ``no_log`` value in whatever the task returns, as
``AnsibleModule`` does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.secops.mimecast.plugins.module_utils.client import client_from_params
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError, MimecastError
from ansible_collections.secops.mimecast.plugins.module_utils.held import read_held_all
from ansible_collections.secops.mimecast.plugins.plugin_utils.heap import cyclic_gc_paused
from ansible_collections.secops.mimecast.plugins.plugin_utils.progress import progress_prefix
from ansible_collections.secops.mimecast.plugins.plugin_utils.secrets import masked

display = Display()

# progress lines: only for reads and writes of at least this many items; a read shows its first page,
# every tenth, and the one that completes it
PROGRESS_MIN_RECORDS = 2000
PROGRESS_EVERY_PAGES = 10


def secret_values(spec, params):
    """The values of the ``no_log`` options of ``spec`` in ``params`` (what ``AnsibleModule`` masks)."""
    return set(params[name] for name, option in spec.items() if option.get('no_log') and params.get(name) not in (None, ''))


class Task(object):
    """One run of a controller-side task: its validated ``params``, its check and diff flags, and what its body needs
    beside them: a client whose warnings go into the task's, secret masking, progress lines, the held-queue read."""

    def __init__(self, plugin, params, secrets):
        self.params = params
        self.check_mode = bool(plugin._task.check_mode)
        self.diff = bool(plugin._task.diff)
        self.secrets = secrets
        self.warnings = []
        self._prefix = progress_prefix(plugin)

    def mask(self, value):
        """``value`` (a result, or a text to be written) with every secret of the task's options replaced."""
        return masked(value, self.secrets)

    def warn(self, text):
        self.warnings.append(text)

    def client(self, pool_size=8):
        """A client for the task's connection options whose warnings (retries, rate-limit waits) are the task's."""
        return client_from_params(self.params, warn=self.warn, pool_size=pool_size)

    def show(self, text):
        """A progress line, prefixed with the action and the host (not the task's long name)."""
        display.display('%s: %s' % (self._prefix, text))

    def read_held(self, client, keep=None, **window):
        """Every held record in ``window`` (``admin``, ``start``, ``end``, ``now``), read in parallel time windows, with
        progress lines for a large queue; with ``keep``, what it keeps of each record (``held.read_held_all``)."""
        finished = []

        def progress(pages, count, total):
            # the count is shown once complete (a message on the boundary of two time windows is read twice)
            if not total or total < PROGRESS_MIN_RECORDS or finished:
                return
            if count >= total:
                finished.append(pages)
            if pages == 1 or pages % PROGRESS_EVERY_PAGES == 0 or finished:
                self.show('read %d of %d held messages (%d pages)' % (min(count, total), total, pages))

        return read_held_all(client, page_size=self.params['page_size'], concurrency=self.params['concurrency'],
                             progress=progress, keep=keep, **window)


class MimecastActionBase(ActionBase):
    """Subclasses give :meth:`argument_spec` and :meth:`body`; :meth:`execute` runs the body safely."""

    TRANSFERS_FILES = False
    # options whose values may be large (a thousand rule cases): given to the body as they are, not through the
    # argument validator, which deep-copies every value (3.4 s of the 3.5 s of a rules_test task with 1,000 cases);
    # the plugin checks them itself (``check_first``)
    AS_GIVEN = ()

    def argument_spec(self):
        raise NotImplementedError

    def options_problem(self, validation):
        """The message for arguments that do not fit the spec (unknown, wrong type, out of choices)."""
        return 'Invalid options: %s' % '; '.join(validation.error_messages)

    def check_first(self, params):
        """Checks that come before the argument spec's own (their errors are reported first); may raise. What it
        returns is given to :meth:`body`."""
        return None

    def body(self, task, first):
        """The plugin's work on a :class:`Task` (``first``: what :meth:`check_first` returned); returns the task
        result (may raise :class:`MimecastError`)."""
        raise NotImplementedError

    def execute(self, args):
        """Validate ``args``, run :meth:`body`, and return its result with every secret masked."""
        args = dict(args)
        given = dict((key, args.pop(key, None)) for key in self.AS_GIVEN)
        spec = dict((key, option) for key, option in self.argument_spec().items() if key not in given)
        validation = ArgumentSpecValidator(spec).validate(args)
        params = validation.validated_parameters
        params.update(given)
        task = Task(self, params, secret_values(spec, params))
        try:
            first = self.check_first(task.params)
            if validation.error_messages:
                raise InputError(self.options_problem(validation))
            with cyclic_gc_paused():
                result = self.body(task, first)
        except MimecastError as exc:
            result = exc.task_result()
        if task.warnings:
            result['warnings'] = task.warnings
        # every message and warning may quote an API answer: mask secrets the way modules do
        return task.mask(result)


class ControllerActionBase(MimecastActionBase):
    """A task that runs on the controller only (it needs no connection to the host: the triage, the reports, the
    back-test, rule cases). ``changed`` is false unless the body says otherwise."""

    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ControllerActionBase, self).run(tmp, task_vars)
        del tmp
        result['changed'] = False
        result.update(self.execute(dict(self._task.args)))
        return result
