# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mimecast_managed_sender through ``ansible``/``ansible-playbook`` against the simulator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import textwrap

import pytest

from conftest import run_adhoc, run_playbook

SENDER = '/api/managedsender/permit-or-block-sender'
E1 = {'sender': 'news@news.vendor.example', 'to': 'alice@example.com', 'action': 'permit'}
E2 = {'sender': 'promo@cheap-deals.example', 'to': 'bob@example.com', 'action': 'block'}
E3 = {'sender': 'win@lottery-prize.example', 'to': 'carol@example.com', 'action': 'block'}
LONG = {'sender': 'x' * 65 + '@partner-corp.example', 'to': 'dave@example.com', 'action': 'permit'}


def sender_requests(sim):
    return sum(sim.stats()['by_path'].get(SENDER, {}).values())


def held_pairs(sim):
    return sorted((e['sender'], e['to'], e['type']) for e in sim.state()['managed_senders'])


@pytest.mark.parametrize('api', ['1.0', '2.0'])
def test_single_form(sim, api):
    run = run_adhoc(sim, 'mimecast_managed_sender', {'sender': 'Billing@Supplier-One.example', 'to': 'accounts@example.com',
                                                     'action': 'permit'}, api=api)
    assert run.rc == 0, run
    result = run.result()
    assert result['changed'] is True and result['failures'] == []
    assert [(e['sender'], e['to'], e['type']) for e in result['entries']] == [('billing@supplier-one.example', 'accounts@example.com', 'Permit')]
    assert result['entries'][0]['id'].startswith('MTOKEN:')
    assert held_pairs(sim) == [('billing@supplier-one.example', 'accounts@example.com', 'Permit')]
    assert sender_requests(sim) == 1


def test_list_form_in_batches_and_rerun(sim):
    args = {'entries': [E1, E2, E3], 'batch_size': 2}
    run = run_adhoc(sim, 'mimecast_managed_sender', args)
    assert run.rc == 0, run
    assert held_pairs(sim) == sorted((e['sender'], e['to'], e['action'].capitalize()) for e in (E1, E2, E3))
    assert sender_requests(sim) == 2 and sim.state()['managed_sender_sets'] == 3
    ids = sorted(e['id'] for e in run.result()['entries'])
    again = run_adhoc(sim, 'mimecast_managed_sender', args)
    assert again.rc == 0, again
    # the API cannot read entries back: a rerun sends them again (an upsert) and leaves the same state
    assert again.result()['changed'] is True and sorted(e['id'] for e in again.result()['entries']) == ids
    assert held_pairs(sim) == sorted((e['sender'], e['to'], e['action'].capitalize()) for e in (E1, E2, E3))
    assert sim.state()['managed_sender_sets'] == 6


def test_check_mode_and_diff_send_nothing(sim):
    run = run_adhoc(sim, 'mimecast_managed_sender', {'entries': [E1, E2]}, options=['--check', '--diff'])
    assert run.rc == 0, run
    assert sender_requests(sim) == 0 and sim.state()['managed_senders'] == []
    result = run.result()
    assert [e['id'] for e in result['entries']] == [None, None]
    assert 'permit news@news.vendor.example -> alice@example.com' in run.stdout
    assert 'block promo@cheap-deals.example -> bob@example.com' in run.stdout
    assert 'managed senders that would be set' in run.stdout


@pytest.mark.parametrize('args, expect', [
    ({'entries': [E1, dict(E2, sender='promo at cheap-deals.example')]}, "entries[1]: sender 'promo at cheap-deals.example' is not an e-mail address"),
    ({'entries': [dict(E1, to='alice@')]}, "entries[0]: to 'alice@' is not an e-mail address"),
    ({'entries': [E1, dict(E1, action='block')]}, 'both permitted (entries[0]) and blocked'),
    ({'entries': [E1], 'sender': E2['sender']}, 'not both'),
    ({'sender': E1['sender'], 'to': E1['to']}, 'missing: action'),
    ({'entries': [dict(E1, action='allow')]}, 'permit, block'),
])
def test_bad_input_touches_nothing(sim, args, expect):
    run = run_adhoc(sim, 'mimecast_managed_sender', args)
    assert run.rc != 0 and expect in run.result()['msg'], run
    assert sender_requests(sim) == 0 and sim.state()['managed_senders'] == []
    assert sim.stats()['total'] == 0


def test_partial_failure_is_reported_per_entry(sim):
    run = run_adhoc(sim, 'mimecast_managed_sender', {'entries': [E1, LONG, E2]})
    assert run.rc != 0, run
    result = run.result()
    assert [e['sender'] for e in result['entries']] == [E1['sender'], E2['sender']]
    assert result['failures'] == [dict(LONG, code='err_validation_invalid_email_address', message='Email address is not valid', retryable=False)]
    assert held_pairs(sim) == sorted([(E1['sender'], E1['to'], 'Permit'), (E2['sender'], E2['to'], 'Block')])
    assert sender_requests(sim) == 1, 'a refusal is not sent again'
    assert 'failed 1 (of 3 entries)' in result['msg']


def test_lost_answer_is_sent_again(sim):
    sim.faults([{'kind': 'drop_after', 'path': SENDER, 'count': 1}])
    run = run_adhoc(sim, 'mimecast_managed_sender', {'entries': [E1, E2]}, env={'MIMECAST_MAX_RETRY_WAIT': '5'})
    assert run.rc == 0, run
    assert len(run.result()['entries']) == 2 and run.result()['failures'] == []
    assert held_pairs(sim) == sorted([(E1['sender'], E1['to'], 'Permit'), (E2['sender'], E2['to'], 'Block')])
    assert sender_requests(sim) == 2 and sim.state()['managed_sender_sets'] == 4


def test_module_path_and_module_defaults(sim, tmp_path):
    """With a task environment the module runs (not the in-process action): same result."""
    creds = sim.credentials('1.0')
    playbook = tmp_path / 'senders.yml'
    playbook.write_text(textwrap.dedent('''\
        - name: Managed senders through the module
          hosts: localhost
          gather_facts: false
          module_defaults:
            group/secops.mimecast.mimecast:
              base_url: "{base}"
              access_key: "{access_key}"
              secret_key: "{secret_key}"
              app_id: "{app_id}"
              app_key: "{app_key}"
          tasks:
            - name: Block one sender
              secops.mimecast.mimecast_managed_sender:
                sender: promo@cheap-deals.example
                to: bob@example.com
                action: block
              environment:
                SOMETHING: "1"
              register: blocked
            - name: Check the answer
              ansible.builtin.assert:
                that:
                  - blocked is changed
                  - blocked.entries | length == 1
                  - blocked.entries[0].type == 'Block'
        ''').format(base=creds['MIMECAST_BASE_URL'], access_key=creds['MIMECAST_ACCESS_KEY'], secret_key=creds['MIMECAST_SECRET_KEY'],
                    app_id=creds['MIMECAST_APP_ID'], app_key=creds['MIMECAST_APP_KEY']))
    run = run_playbook(None, str(playbook), api=None)
    assert run.rc == 0, run
    assert held_pairs(sim) == [('promo@cheap-deals.example', 'bob@example.com', 'Block')]
    assert creds['MIMECAST_SECRET_KEY'] not in run.output
