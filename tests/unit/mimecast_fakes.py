# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-test helpers: a fake ``requests`` session that records every call, fixtures, credentials."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import threading

import requests

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')


def load_fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


class FakeResponse(object):
    """An answer: ``body`` as JSON, or ``text`` (str, or bytes sent as they are)."""

    def __init__(self, status=200, body=None, headers=None, text=None):
        self.status_code = status
        self.headers = dict(headers or {})
        if text is None:
            text = json.dumps(body if body is not None else {'meta': {'status': status}, 'data': [], 'fail': []})
        self.content = text if isinstance(text, bytes) else text.encode('utf-8')
        self.chunk_sizes = []
        self.closed = False

    def iter_content(self, chunk_size=1):
        """The body in pieces of ``chunk_size`` bytes, as requests streams it."""
        self.chunk_sizes.append(chunk_size)
        for start in range(0, len(self.content), chunk_size):
            yield self.content[start:start + chunk_size]

    def close(self):
        self.closed = True


class FakeSession(object):
    """A ``requests.Session`` stand-in: answers each request sent with ``handler(call)`` (a FakeResponse or an
    exception to raise), or from a queue, and records every call (url, headers, body, options)."""

    def __init__(self, handler=None):
        self.handler = handler
        self.queue = []
        self.calls = []
        self.headers = {}
        self.cookies = {}

    def add(self, status=200, body=None, headers=None, text=None, exc=None):
        self.queue.append(exc if exc is not None else FakeResponse(status, body, headers, text))
        return self

    def mount(self, prefix, adapter):
        pass

    def send(self, prepared, timeout=None, verify=None, stream=False):
        data = prepared.body
        call = {'url': prepared.url, 'headers': dict(prepared.headers), 'data': data, 'timeout': timeout, 'verify': verify,
                'stream': stream, 'method': prepared.method}
        try:
            call['json'] = json.loads(data) if isinstance(data, (str, bytes)) else None
        except ValueError:
            call['json'] = None
        self.calls.append(call)
        answer = self.handler(call) if self.handler else self.queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        self.last_response = answer
        return answer

    def paths(self):
        return [c['url'].split('://', 1)[1].split('/', 1)[1] for c in self.calls]


def envelope(data=None, fail=None, meta=None):
    body = {'meta': meta or {'status': 200}, 'data': data or [], 'fail': fail or []}
    return body


V1_PARAMS = dict(base_url='https://eu-api.mimecast.com', access_key='AK-test', secret_key='c2VjcmV0LWtleS1mb3ItdGVzdHM=',
                 app_id='app-id-test', app_key='app-key-test')
V2_PARAMS = dict(base_url='https://api.services.mimecast.com', client_id='cid-test', client_secret='csecret-test')


class ModuleExit(Exception):
    """Raised by the patched exit_json/fail_json; ``result`` holds what the module returned."""

    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result.get('msg'))
        self.result = result
        self.failed = failed


def run_module(monkeypatch, main, args, session):
    """Run a module's ``main()`` in-process with ``args``; HTTP goes to ``session``. Returns ModuleExit."""
    from ansible.module_utils import basic
    from ansible_collections.secops.mimecast.plugins.module_utils import client as client_mod

    def exit_json(self, **kwargs):
        raise ModuleExit(kwargs, False)

    def fail_json(self, msg=None, **kwargs):
        kwargs['msg'] = msg
        raise ModuleExit(kwargs, True)

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(client_mod.requests, 'Session', lambda: session)
    monkeypatch.setattr(client_mod.time, 'sleep', lambda seconds: None)
    args = dict(args)
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        import json
        from ansible.module_utils.common.text.converters import to_bytes
        monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
        try:
            main()
        except ModuleExit as done:
            return done
        raise AssertionError('the module returned without exit_json/fail_json')
    with patch_module_args(args):
        try:
            main()
        except ModuleExit as done:
            return done
    raise AssertionError('the module returned without exit_json/fail_json')


def make_action_plugin(plugin, args, action=None, name=None, check_mode=False, diff=False, transport='local',
                       become=False, environment=None):
    """An instance of ``plugin.ActionModule`` for a task with ``args``, as the task executor builds it."""
    from unittest.mock import MagicMock
    task = MagicMock()
    task.args = args
    task.check_mode = check_mode
    task.diff = diff
    task.async_val = 0
    task.environment = environment
    if action is not None:
        task.action = action
    if name is not None:
        task.get_name.return_value = name
    connection = MagicMock()
    connection.transport = transport
    connection._shell.tmpdir = None
    play_context = MagicMock()
    play_context.become = become
    return plugin.ActionModule(task, connection, play_context, loader=None, templar=None, shared_loader_obj=None)


LIST = '/api/gateway/get-hold-message-list'
RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'


class FakeApi(object):
    """A tiny in-memory held queue answering list, release and reject like the API.

    With ``known`` (ids the API knows besides the held ones: released, rejected, expired), an id it does not know
    is answered with a fail entry ``err_message_not_found``; without, like an id not held any more. ``unlisted``:
    held ids that the list does not show yet (a hold listed late).
    """

    def __init__(self, held, not_held_style='fail', write_faults=None, answers=None, known=None, unlisted=()):
        self.held = list(held)
        self.known = None if known is None else set(known) | set(held)
        self.unlisted = set(unlisted)
        self.style = not_held_style
        self.write_faults = list(write_faults or [])  # consumed in order for write calls: None or a callable
        self.answers = answers  # optional override: f(path, items) -> FakeResponse
        self.acted = []
        self.lock = threading.Lock()
        self.session = FakeSession(self.handle)

    def handle(self, call):
        path = '/' + call['url'].split('://', 1)[1].split('/', 1)[1]
        body = call['json']
        with self.lock:
            if path == LIST:
                return FakeResponse(200, envelope([{'id': i} for i in self.held if i not in self.unlisted],
                                                  meta={'status': 200, 'pagination': {}}))
            fault = self.write_faults.pop(0) if self.write_faults else None
            if self.answers:
                return self.answers(path, body['data'])
            if fault == 'drop_before':
                return requests.exceptions.ConnectionError('NewConnectionError: Connection refused')
            if path == RELEASE:
                ids = [item['id'] for item in body['data']]
            else:
                ids = [i for item in body['data'] for i in item['ids']]
            data, fail = [], []
            flag = 'release' if path == RELEASE else 'reject'
            for msg_id in ids:
                if msg_id in self.held:
                    self.held.remove(msg_id)
                    self.acted.append((flag, msg_id))
                    data.append({'id': msg_id, flag: True})
                elif self.known is not None and msg_id not in self.known:
                    fail.append({'key': {'id': msg_id}, 'errors': [{'code': 'err_message_not_found', 'message': 'No message with this id',
                                                                   'retryable': False}]})
                elif self.style == 'fail':
                    fail.append({'key': {'id': msg_id}, 'errors': [{'code': 'err_hold_message_not_found', 'message': 'not held',
                                                                   'retryable': False}]})
                else:
                    data.append({'id': msg_id, flag: False})
            if fault == 'drop_after':
                return requests.exceptions.ConnectionError('Connection aborted. RemoteDisconnected')
            if fault == '503_after':
                return FakeResponse(503, text='<html>busy</html>')
            return FakeResponse(200, envelope(data, fail))

    def client(self, **kwargs):
        from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
        return MimecastClient(session=self.session, sleep=lambda s: None, **dict(V1_PARAMS, **kwargs))

    def writes(self):
        return [c for c in self.session.calls if not c['url'].endswith(LIST)]

    def reads(self):
        return [c for c in self.session.calls if c['url'].endswith(LIST)]
