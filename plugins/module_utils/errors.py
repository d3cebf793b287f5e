# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one error hierarchy.

Every error a module or plugin can meet derives from :class:`MimecastError`; the module wrapper
(``module_utils/module.py``) and the action-plugin base (``plugin_utils/action_base.py``) each turn it
into a failed task result in one place, with :meth:`MimecastError.task_result`.

* :class:`MimecastError` itself: the API or the transport (HTTP status, API codes, request id,
  whether a write's outcome is unknown).
* :class:`ConfigError`: the connection settings (credentials, ``base_url``, ``timeout``...): code
  ``config_error``, found before any request.
* :class:`InputError`: the task's own input (ids, options, dates, rules): code ``invalid_input``,
  found before any request. ``DateError`` (``dates.py``) and ``RulesError`` (``triage_rules.py``)
  derive from it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# HTTP statuses after which every later request fails the same way (credentials or permission refused, an API 1.0
# key binding expired): a write stops sending, the event source stops polling.
FATAL_STATUSES = (401, 403, 418)


class MimecastError(Exception):
    """HTTP status, API codes, message, retryable, request id, and whether a write's outcome is unknown.

    ``outcome_unknown`` is set when a write may or may not have been carried out (5xx, timeout or a
    connection dropped after the request was sent).
    """

    default_code = 'transport_error'

    def __init__(self, msg, status=None, codes=None, retryable=False, request_id=None, outcome_unknown=False, path=None):
        super(MimecastError, self).__init__(msg)
        self.msg = msg
        self.status = status
        self.codes = list(codes or [])
        self.retryable = bool(retryable)
        self.request_id = request_id
        self.outcome_unknown = bool(outcome_unknown)
        self.path = path

    @property
    def code(self):
        """The first API error code, or ``http_<status>``, or the class's code (``transport_error``...)."""
        if self.codes:
            return self.codes[0]
        if self.status:
            return 'http_%s' % self.status
        return self.default_code

    def to_dict(self):
        return dict(status=self.status, codes=self.codes, code=self.code, retryable=self.retryable,
                    request_id=self.request_id, outcome_unknown=self.outcome_unknown, path=self.path)

    def task_result(self):
        """The failed task result for this error: ``failed``, ``msg`` and the details as ``error``."""
        return dict(failed=True, msg=self.msg, error=self.to_dict())

    def __str__(self):
        return self.msg


class ConfigError(MimecastError):
    """The connection settings are wrong (found before any request): code ``config_error``."""

    default_code = 'config_error'


class InputError(MimecastError, ValueError):
    """The task's input is invalid (found before any request): code ``invalid_input``."""

    default_code = 'invalid_input'
