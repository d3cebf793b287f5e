# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import requests

from ansible_collections.secops.mimecast.plugins.action import mimecast_managed_sender as action_plugin
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import ACTIONS, clean_sender_entries, is_address
from ansible_collections.secops.mimecast.plugins.modules import mimecast_managed_sender
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import (
    V1_PARAMS,
    FakeResponse,
    FakeSession,
    envelope,
    make_action_plugin,
    run_module,
)

PATH = 'api/managedsender/permit-or-block-sender'
E1 = {'sender': 'news@news.vendor.example', 'to': 'alice@example.com', 'action': 'permit'}
E2 = {'sender': 'promo@cheap-deals.example', 'to': 'bob@example.com', 'action': 'block'}
E3 = {'sender': 'win@lottery-prize.example', 'to': 'carol@example.com', 'action': 'block'}


class SenderApi(object):
    """A permit-or-block-sender endpoint: answers each valid item as the API does, ``fail`` for ``bad`` senders;
    ``faults`` is a list of what to do with the next requests (``drop`` = the set happened, the answer was lost)."""

    def __init__(self, bad=(), faults=()):
        self.bad = set(bad)
        self.faults = list(faults)
        self.held = {}
        self.session = FakeSession(self.handle)

    def handle(self, call):
        items = call['json']['data']
        fault = self.faults.pop(0) if self.faults else None
        if fault == '503_before':
            return FakeResponse(503, text='busy')
        data, fail = [], []
        for item in items:
            if item['sender'] in self.bad:
                fail.append({'key': dict(item), 'errors': [{'field': 'sender', 'code': 'err_validation_invalid_email_address',
                                                            'message': 'Email address is not valid', 'retryable': False}]})
                continue
            self.held[(item['sender'], item['to'])] = item['action']
            data.append({'id': 'MTOKEN:%s|%s' % (item['sender'], item['to']), 'sender': item['sender'], 'to': item['to'],
                         'type': item['action'].capitalize()})
        if fault == 'drop':
            return requests.exceptions.ConnectionError('Connection aborted. RemoteDisconnected')
        return FakeResponse(200, envelope(data, fail))

    def bodies(self):
        return [c['json'] for c in self.session.calls]


def run(monkeypatch, api, **args):
    return run_module(monkeypatch, mimecast_managed_sender.main, dict(V1_PARAMS, **args), api.session)


def test_list_form_sends_the_exact_items_in_batches(monkeypatch):
    api = SenderApi()
    done = run(monkeypatch, api, entries=[E1, E2, E3], batch_size=2, concurrency=1)
    assert not done.failed and done.result['changed'] is True
    assert api.session.paths() == [PATH, PATH]
    assert api.bodies() == [{'data': [E1, E2]}, {'data': [E3]}]
    assert done.result['entries'] == [
        {'id': 'MTOKEN:news@news.vendor.example|alice@example.com', 'sender': E1['sender'], 'to': E1['to'], 'type': 'Permit'},
        {'id': 'MTOKEN:promo@cheap-deals.example|bob@example.com', 'sender': E2['sender'], 'to': E2['to'], 'type': 'Block'},
        {'id': 'MTOKEN:win@lottery-prize.example|carol@example.com', 'sender': E3['sender'], 'to': E3['to'], 'type': 'Block'},
    ]
    assert done.result['failures'] == [] and done.result['msg'] == 'Set 3 managed senders (permit 1, block 2), failed 0 (of 3 entries)'
    for header in ('Authorization', 'x-mc-date', 'x-mc-req-id', 'x-mc-app-id'):
        assert header in api.session.calls[0]['headers']


def test_single_form_trimmed_lower_case(monkeypatch):
    api = SenderApi()
    done = run(monkeypatch, api, sender=' Billing@Supplier-One.example ', to='Accounts@Example.com', action='permit')
    assert not done.failed and api.bodies() == [{'data': [{'sender': 'billing@supplier-one.example', 'to': 'accounts@example.com',
                                                          'action': 'permit'}]}]
    assert [e['type'] for e in done.result['entries']] == ['Permit']


def test_duplicates_sent_once(monkeypatch):
    api = SenderApi()
    done = run(monkeypatch, api, entries=[E1, dict(E1, sender=E1['sender'].upper()), E2])
    assert api.bodies() == [{'data': [E1, E2]}] and len(done.result['entries']) == 2


@pytest.mark.parametrize('args, expect', [
    (dict(entries=[E1, dict(E2, sender='not-an-address')]), "entries[1]: sender 'not-an-address' is not an e-mail address"),
    (dict(entries=[dict(E1, to='alice@')]), "entries[0]: to 'alice@' is not an e-mail address"),
    (dict(entries=[dict(E1, to='a b@example.com')]), 'is not an e-mail address'),
    (dict(entries=[E1, dict(E1, action='block')]), 'is to be both permitted (entries[0]) and blocked'),
    (dict(entries=[E1], sender='x@example.com'), 'Give entries, or sender, to and action, not both'),
    (dict(sender='x@example.com', action='permit'), 'missing: to'),
    (dict(), 'missing: sender, to, action'),
    (dict(entries=[]), 'entries is empty'),
    (dict(entries=[dict(E1, action='allow')]), 'value of action must be one of: permit, block'),
    (dict(entries=[{'sender': 'a@example.com', 'action': 'permit'}]), 'missing required arguments: to'),
    (dict(entries=[E1], batch_size=0), 'batch_size must be between 1 and 500'),
])
def test_bad_input_sends_nothing(monkeypatch, args, expect):
    api = SenderApi()
    done = run(monkeypatch, api, **args)
    assert done.failed and expect in done.result['msg'], done.result['msg']
    assert api.session.calls == []


def test_partial_failure_matched_back_to_the_entry(monkeypatch):
    api = SenderApi(bad={E2['sender']})
    done = run(monkeypatch, api, entries=[E1, E2, E3])
    assert done.failed and len(api.session.calls) == 1, 'a refusal is not re-sent'
    assert [e['sender'] for e in done.result['entries']] == [E1['sender'], E3['sender']]
    assert done.result['failures'] == [dict(E2, code='err_validation_invalid_email_address', message='Email address is not valid',
                                            retryable=False)]
    assert done.result['msg'] == ('Set 2 managed senders (permit 1, block 1), failed 1 (of 3 entries): '
                                  'block promo@cheap-deals.example -> bob@example.com (err_validation_invalid_email_address)')


def test_lost_answer_is_sent_again_after_back_off(monkeypatch):
    api = SenderApi(faults=['drop'])
    done = run(monkeypatch, api, entries=[E1, E2])
    assert not done.failed and api.bodies() == [{'data': [E1, E2]}, {'data': [E1, E2]}]
    assert len(done.result['entries']) == 2 and done.result['failures'] == []
    api = SenderApi(faults=['503_before'])
    done = run(monkeypatch, api, entries=[E1])
    assert not done.failed and len(api.session.calls) == 2


def test_lost_every_time_fails_after_the_rounds(monkeypatch):
    api = SenderApi(faults=['drop'] * 10)
    done = run(monkeypatch, api, entries=[E1], retries=2)
    assert done.failed and len(api.session.calls) == 3
    failure = done.result['failures'][0]
    assert (failure['sender'], failure['to'], failure['action']) == (E1['sender'], E1['to'], 'permit')
    assert failure['retryable'] is True and 'not confirmed after 3 attempts' in failure['message']


def test_check_mode_sends_nothing_and_diff_lists_entries(monkeypatch):
    api = SenderApi()
    done = run(monkeypatch, api, entries=[E1, E2], _ansible_check_mode=True, _ansible_diff=True)
    assert not done.failed and api.session.calls == []
    assert done.result['changed'] is True
    assert done.result['entries'] == [{'id': None, 'sender': E1['sender'], 'to': E1['to'], 'type': 'Permit'},
                                      {'id': None, 'sender': E2['sender'], 'to': E2['to'], 'type': 'Block'}]
    assert done.result['diff'] == {
        'before_header': 'managed senders (the API cannot read them back)', 'before': '',
        'after_header': 'managed senders that would be set',
        'after': 'permit news@news.vendor.example -> alice@example.com\nblock promo@cheap-deals.example -> bob@example.com\n'}
    assert done.result['msg'].startswith('Would set 2 managed senders')


def test_forbidden_stops_and_names_the_endpoint(monkeypatch):
    session = FakeSession().add(403, envelope(fail=[{'key': {}, 'errors': [{'code': 'err_forbidden', 'message': 'no'}]}]))
    done = run_module(monkeypatch, mimecast_managed_sender.main, dict(V1_PARAMS, entries=[E1, E2], batch_size=1, concurrency=1), session)
    assert done.failed and len(session.calls) == 1
    assert [f['code'] for f in done.result['failures']] == ['err_forbidden', 'err_forbidden']
    assert 'Managed Senders' in done.result['failures'][0]['message']


def test_action_plugin_in_process_matches_the_module(monkeypatch):
    api = SenderApi()
    from ansible_collections.secops.mimecast.plugins.module_utils import client as client_mod
    monkeypatch.setattr(client_mod.requests, 'Session', lambda: api.session)
    plugin = make_action_plugin(action_plugin, dict(V1_PARAMS, entries=[E1, E2]), check_mode=False, diff=True)
    result = plugin.run(task_vars={})
    assert not result.get('failed') and api.bodies() == [{'data': [E1, E2]}]
    assert [e['type'] for e in result['entries']] == ['Permit', 'Block'] and result['diff']['after_header'] == 'managed senders set'
    assert V1_PARAMS['secret_key'] not in str(result)


def test_action_entry_helpers():
    action = ACTIONS['managed_sender']
    assert action.recheck is None and action.result_key == 'entries'
    assert action.body([E1], {}) == [E1]
    assert action.answer_key({'id': 'x', 'sender': 'A@b.example', 'to': 'c@d.example', 'type': 'Block'}) == ('a@b.example', 'c@d.example', 'block')
    assert action.fail_keys({'sender': 'A@b.example', 'to': 'c@d.example', 'action': 'permit'}, []) == [('a@b.example', 'c@d.example', 'permit')]
    assert action.fail_keys({}, [('a', 'b', 'permit')]) == [('a', 'b', 'permit')]
    assert action.fail_keys(None, [('a', 'b', 'permit'), ('c', 'd', 'block')]) == []
    assert action.report(('a', 'b', 'block')) == {'sender': 'a', 'to': 'b', 'action': 'block'}
    assert is_address('first.last+tag@sub.example.co.uk') and not is_address('x@localhost') and not is_address('@example.com')
    with pytest.raises(InputError, match=r'sender\[2\]: sender is missing'):
        clean_sender_entries([E1, E2, {'to': 'x@example.com', 'action': 'permit'}], labels=['a', 'b', 'sender[2]'])
    with pytest.raises(InputError, match='unknown key "note"'):
        clean_sender_entries([dict(E1, note='x')])
