# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``MimecastModule``: an ``AnsibleModule`` with the shared connection options and a lazy client; the whole body of
a write module (:func:`run_write_module`) and of a module that lists a read endpoint's records (:func:`run_read_module`)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.secops.mimecast.plugins.module_utils.client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, client_from_params
from ansible_collections.secops.mimecast.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.secops.mimecast.plugins.module_utils.errors import MimecastError
from ansible_collections.secops.mimecast.plugins.module_utils.records import snake_case
from ansible_collections.secops.mimecast.plugins.module_utils.write_tasks import TASKS, write_task_result


class MimecastModule(object):
    """Composition over ``AnsibleModule``: merges the connection argument spec, exposes ``client``,
    and turns :class:`MimecastError` (the base of every error of the collection) into ``fail_json``."""

    def __init__(self, argument_spec=None, supports_check_mode=True, pool_size=8, **kwargs):
        spec = connection_argument_spec()
        spec.update(argument_spec or {})
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self._pool_size = pool_size
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = client_from_params(self.params, warn=self.module.warn, pool_size=self._pool_size)
        return self._client

    def fail(self, msg, **result):
        self.module.fail_json(msg=msg, **result)

    def run(self, action):
        """Call ``action(self)`` and exit with its result dict; a result with ``failed`` set, or any
        :class:`MimecastError` (API, configuration, input, dates), becomes ``fail_json``.

        The client is built first so that credential problems are reported before anything else.
        ``fail_json`` is called outside the ``except`` block so that no traceback (which would quote
        source lines) is added to the result at high verbosity.
        """
        try:
            self.client  # pylint: disable=pointless-statement
            result = action(self)
        except MimecastError as exc:
            result = exc.task_result()
        if result.pop('failed', False):
            self.module.fail_json(**result)
        self.module.exit_json(**result)


def run_write_module(name):
    """The whole body of a write module (``mimecast_hold_release``...): ``name`` is its entry in ``write_tasks.TASKS``."""
    task = TASKS[name]
    mm = MimecastModule(argument_spec=task.argument_spec())
    mm.run(lambda m: write_task_result(m.client, m.params, task, check_mode=m.check_mode, diff=m.module._diff))


def run_read_module(endpoint, key='messages', page_size=100, record=snake_case):
    """The whole body of a module that lists the records of a read endpoint (``mimecast_held_info``...).

    ``endpoint``: its entry in ``endpoints.py`` (the request options and their argument spec); the module adds
    ``page_size`` (default ``page_size``) and ``max_results``. Returns ``{key: [record(r) ...], total}``.
    """
    spec = endpoint.argument_spec()
    options = tuple(spec)
    spec.update(page_size=dict(type='int', default=page_size), max_results=dict(type='int'))

    def read(mm):
        params = mm.params
        if params['max_results'] is not None and params['max_results'] < 1:
            mm.fail('max_results must be 1 or more; got %d' % params['max_results'])
        records = endpoint.read(mm.client, page_size=params['page_size'], max_results=params['max_results'],
                                **dict((name, params[name]) for name in options))
        found = [record(r) for r in records]
        return {'changed': False, key: found, 'total': len(found)}

    MimecastModule(spec).run(read)
