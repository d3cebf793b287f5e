# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run modules in-process against a fake HTTP session.

``run_module(module, args)`` runs ``module.main()`` with ``args`` as its module arguments, the
client's ``requests.Session`` replaced by the ``fake_session`` fixture (tests/unit/conftest.py),
and returns the ``exit_json`` result; a ``fail_json`` raises :class:`FailJson` carrying the result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.secops.mimecast.plugins.module_utils import client as client_module

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None


class ExitJson(Exception):
    def __init__(self, result):
        super(ExitJson, self).__init__(result.get('msg', 'exit_json'))
        self.result = result


class FailJson(Exception):
    def __init__(self, result):
        super(FailJson, self).__init__(result.get('msg', 'fail_json'))
        self.result = result


def _exit_json(self, **kwargs):
    kwargs.setdefault('changed', False)
    raise ExitJson(kwargs)


def _fail_json(self, msg, **kwargs):
    kwargs['failed'] = True
    kwargs['msg'] = msg
    raise FailJson(kwargs)


@contextlib.contextmanager
def module_args(args):
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    saved = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved


@pytest.fixture
def run_module(monkeypatch, fake_session):
    monkeypatch.setattr(client_module.requests, 'Session', lambda: fake_session)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', _fail_json)

    def run(module, args):
        with module_args(args):
            try:
                module.main()
            except ExitJson as exc:
                return exc.result
        raise AssertionError('%s.main() returned without exit_json or fail_json' % module.__name__)

    return run
