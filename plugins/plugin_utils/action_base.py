# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base of the collection's controller-side action plugins (write modules and triage).

It validates the task's arguments against the plugin's argument spec, builds the client with its
warnings collected, runs the plugin's body with the cyclic garbage collector paused, turns every
:class:`MimecastError` (API, configuration, input, dates, rules) into the failed task result in one
place, and masks every ``no_log`` value in whatever the task returns, as ``AnsibleModule`` does.
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


class MimecastActionBase(ActionBase):
    """Subclasses give :meth:`argument_spec` and :meth:`body`; :meth:`execute` runs the body safely."""

    TRANSFERS_FILES = False

    def argument_spec(self):
        raise NotImplementedError

    def options_problem(self, validation):
        """The message for arguments that do not fit the spec (unknown, wrong type, out of choices)."""
        return 'Invalid options: %s' % '; '.join(validation.error_messages)

    def check_first(self, params):
        """Checks that come before the argument spec's own (their errors are reported first); may raise."""

    def body(self, params):
        """The plugin's work on validated ``params``: returns the task result (may raise :class:`MimecastError`)."""
        raise NotImplementedError

    def finish(self, result, params):
        """Last step, on the masked result (for example writing it to a file); returns the task result."""
        del params
        return result

    def client(self, params, pool_size=8):
        """A client for ``params`` whose warnings (retries, rate-limit waits) go into the task's warnings."""
        return client_from_params(params, warn=self.warnings.append, pool_size=pool_size)

    def show(self, text):
        """A progress line, prefixed with the action and the host (not the task's long name)."""
        display.display('%s: %s' % (progress_prefix(self), text))

    def read_held(self, client, params, **window):
        """Every held record in ``window`` (``admin``, ``start``, ``end``, ``now``), read in parallel time windows,
        with progress lines for a large queue."""
        finished = []

        def progress(pages, count, total):
            # the count is shown once complete (a message on the boundary of two time windows is read twice)
            if not total or total < PROGRESS_MIN_RECORDS or finished:
                return
            if count >= total:
                finished.append(pages)
            if pages == 1 or pages % PROGRESS_EVERY_PAGES == 0 or finished:
                self.show('read %d of %d held messages (%d pages)' % (min(count, total), total, pages))

        return read_held_all(client, page_size=params['page_size'], concurrency=params['concurrency'],
                             progress=progress, **window)

    def execute(self, args):
        """Validate ``args``, run :meth:`body`, mask secrets, then :meth:`finish`; returns the task result."""
        validation = ArgumentSpecValidator(self.argument_spec()).validate(args)
        no_log_values = self.no_log_values = validation._no_log_values
        params = validation.validated_parameters
        self.warnings = []
        try:
            self.check_first(params)
            if validation.error_messages:
                raise InputError(self.options_problem(validation))
            with cyclic_gc_paused():
                result = self.body(params)
        except MimecastError as exc:
            result = exc.task_result()
        if self.warnings:
            result['warnings'] = self.warnings
        # every message and warning may quote an API answer: mask secrets the way modules do
        return self.finish(masked(result, no_log_values), params)
