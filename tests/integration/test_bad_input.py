# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bad-input matrix: every option's wrong types and values, bad dates, unknown fields, bad rules, odd ids,
bad connection settings. Each case must end in a clear error naming the problem, with zero write calls.

The cases of one module run as the tasks of one generated playbook (``ignore_errors``), so that the matrix
stays fast; each task's own result is checked. Inputs that are odd but legitimate (unicode ids, quotes in a
search value, an empty or a very large id list) must work, still without a write to an id that is not held.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import yaml

from conftest import run_adhoc, run_playbook

from mimecast_sim.testing import Simulator

REASON = 'MESSAGE CONTAINS UNDESIRABLE CONTENT'
MODULES = ['mimecast_held_info', 'mimecast_held_summary_info', 'mimecast_hold_release', 'mimecast_hold_reject',
           'mimecast_queue_info', 'mimecast_message_info', 'mimecast_triage_plan', 'mimecast_triage']
RULES = [{'name': 'Release news', 'match': {'sender': r'@news\.vendor\.example$'}, 'action': 'release'}]


def base_args(module):
    """The least each module needs to run (bad-input cases change one thing on top)."""
    return {
        'mimecast_hold_release': {'ids': ['eNpSomeId']},
        'mimecast_hold_reject': {'ids': ['eNpSomeId'], 'reason_type': REASON},
        'mimecast_message_info': {'ids': ['eNpSomeId']},
        'mimecast_triage_plan': {'rules': RULES},
        'mimecast_triage': {'rules': RULES},
    }.get(module, {})


# Connection options, tried on every module: (case, args, expected text of the error)
CONNECTION_CASES = [
    ('base_url without scheme', {'base_url': 'eu-api.mimecast.com'}, 'base_url must be a URL with scheme and host'),
    ('base_url ftp scheme', {'base_url': 'ftp://eu-api.mimecast.com'}, 'base_url must be a URL with scheme and host'),
    ('base_url with query', {'base_url': 'https://eu-api.mimecast.com/?x=1'}, 'base_url must not have a query'),
    ('base_url with a path', {'base_url': 'https://eu-api.mimecast.com/api/gateway'},
     'base_url must be the API host only, without a path (the collection adds /api/...): use https://eu-api.mimecast.com'),
    ('secret_key not base64', {'secret_key': 'this is *not* base64!'}, 'secret_key is not valid base64'),
    ('secret_key empty after decoding', {'secret_key': '===='}, 'secret_key'),
    ('mixed credentials', {'client_id': 'cid', 'client_secret': 'csecret'}, 'give only one set'),
    ('incomplete 1.0 credentials', {'app_key': ''}, 'missing app_key'),
    ('timeout zero', {'timeout': 0}, 'timeout must be a positive number'),
    ('timeout not a number', {'timeout': 'soon'}, 'timeout'),
    ('retries negative', {'retries': -1}, 'retries must be zero or more'),
    ('retries not an int', {'retries': 'many'}, 'retries'),
    ('max_retry_wait negative', {'max_retry_wait': -5}, 'max_retry_wait must be zero or more'),
    ('validate_certs not a bool', {'validate_certs': 'perhaps'}, 'validate_certs'),
    ('unreachable host', {'base_url': 'http://127.0.0.1:9', 'retries': 0}, 'cannot connect to 127.0.0.1:9'),
    ('unresolvable host', {'base_url': 'https://no-such-host.invalid', 'retries': 0}, 'cannot connect to no-such-host.invalid'),
    ('unknown option', {'bogus_option': 1}, 'bogus_option'),
]

# Module options: (case, module, args on top of base_args, expected text)
OPTION_CASES = [
    # held_info
    ('admin not a bool', 'mimecast_held_info', {'admin': 'perhaps'}, 'admin'),
    ('start not a date', 'mimecast_held_info', {'start': 'yesterday'}, "start 'yesterday' is not a date"),
    ('start without offset', 'mimecast_held_info', {'start': '2026-11-20T08:00:00'}, 'ambiguous'),
    ('end relative without sign', 'mimecast_held_info', {'end': '24h'}, 'needs a sign'),
    ('start impossible date', 'mimecast_held_info', {'start': '2026-02-30T08:00:00Z'}, 'is not a valid date'),
    ('start offset out of range', 'mimecast_held_info', {'start': '2026-02-03T08:00:00+2500'}, 'out of range'),
    ('start after end', 'mimecast_held_info', {'start': '-1d', 'end': '-2d'}, 'is after end'),
    ('start a list', 'mimecast_held_info', {'start': ['-1d']}, 'start'),
    ('search field unknown', 'mimecast_held_info', {'search_by': {'field_name': 'body', 'value': 'x'}}, 'field_name'),
    ('search value missing', 'mimecast_held_info', {'search_by': {'field_name': 'subject'}}, 'value'),
    ('search_by not a dict', 'mimecast_held_info', {'search_by': 'subject=x'}, 'search_by'),
    ('search_by unknown key', 'mimecast_held_info', {'search_by': {'value': 'x', 'fieldname': 'subject'}}, 'fieldname'),
    ('filter route unknown', 'mimecast_held_info', {'filter_by': {'route': 'sideways'}}, 'route'),
    ('filter held_group unknown', 'mimecast_held_info', {'filter_by': {'held_group': 'everyone'}}, 'held_group'),
    ('filter unknown field', 'mimecast_held_info', {'filter_by': {'colour': 'red'}}, 'colour'),
    ('filter attachments not bool', 'mimecast_held_info', {'filter_by': {'attachments': 'some'}}, 'attachments'),
    ('page_size zero', 'mimecast_held_info', {'page_size': 0}, 'page_size must be between 1 and 500'),
    ('page_size too big', 'mimecast_held_info', {'page_size': 501}, 'page_size must be between 1 and 500'),
    ('page_size not int', 'mimecast_held_info', {'page_size': 'ten'}, 'page_size'),
    ('max_results zero', 'mimecast_held_info', {'max_results': 0}, 'max_results must be 1 or more'),
    ('max_results negative', 'mimecast_held_info', {'max_results': -3}, 'max_results must be 1 or more'),
    ('camelCase option name', 'mimecast_held_info', {'pageSize': 10}, 'pageSize'),
    # queue_info
    ('queue type unknown', 'mimecast_queue_info', {'type': 'queued'}, 'type'),
    ('sort_order unknown', 'mimecast_queue_info', {'sort_order': 'up'}, 'sort_order'),
    ('queue search field unknown', 'mimecast_queue_info', {'search_by': {'field_name': 'subject_line', 'value': 'x'}}, 'field_name'),
    ('queue filter unknown field', 'mimecast_queue_info', {'filter_by': {'held_group': 'user'}}, 'held_group'),
    ('queue start not a date', 'mimecast_queue_info', {'start': '31/12/2026'}, 'is not a date'),
    ('queue page_size zero', 'mimecast_queue_info', {'page_size': 0}, 'page_size must be between 1 and 500'),
    ('queue max_results zero', 'mimecast_queue_info', {'max_results': 0}, 'max_results must be 1 or more'),
    # summary
    ('summary unknown option', 'mimecast_held_summary_info', {'admin': True}, 'admin'),
    # message_info
    ('message ids missing', 'mimecast_message_info', {'ids': None}, 'ids'),
    ('message ids a dict', 'mimecast_message_info', {'ids': {'id': 'x'}}, 'ids'),
    ('message id empty', 'mimecast_message_info', {'ids': ['ok', '']}, 'ids[1]'),
    # release
    ('release ids missing', 'mimecast_hold_release', {'ids': None}, 'ids'),
    ('release ids a dict', 'mimecast_hold_release', {'ids': {'id': 'x'}}, 'ids'),
    ('release id with newline', 'mimecast_hold_release', {'ids': ['eNpA\nB']}, 'white space or control characters'),
    ('release id with tab', 'mimecast_hold_release', {'ids': ['eNp\tTab']}, 'white space or control characters'),
    ('release id NUL', 'mimecast_hold_release', {'ids': ['eNp\u0000x']}, 'white space or control characters'),
    ('release id blank', 'mimecast_hold_release', {'ids': ['   ']}, 'ids[0] is empty'),
    ('release batch_size too big', 'mimecast_hold_release', {'batch_size': 501}, 'batch_size must be between 1 and 500'),
    ('release batch_size not int', 'mimecast_hold_release', {'batch_size': 'big'}, 'batch_size'),
    ('release concurrency zero', 'mimecast_hold_release', {'concurrency': 0}, 'concurrency must be between 1 and 16'),
    ('release concurrency too big', 'mimecast_hold_release', {'concurrency': 17}, 'concurrency must be between 1 and 16'),
    ('release verify_held not bool', 'mimecast_hold_release', {'verify_held': 'maybe'}, 'verify_held'),
    ('release reject-only option', 'mimecast_hold_release', {'reason_type': REASON}, 'reason_type'),
    # reject
    ('reject reason_type lower case', 'mimecast_hold_reject', {'reason_type': REASON.lower()}, 'reason_type'),
    ('reject reason_type a list', 'mimecast_hold_reject', {'reason_type': [REASON]}, 'reason_type'),
    ('reject notify not bool', 'mimecast_hold_reject', {'notify': 'loudly'}, 'notify'),
    ('reject unknown option reason', 'mimecast_hold_reject', {'reason': 'spam'}, 'reason'),
    # triage plan (the rules engine behind the triage playbook)
    ('rules not a list', 'mimecast_triage_plan', {'rules': 5}, 'rules'),
    ('rules invalid YAML text', 'mimecast_triage_plan', {'rules': '- name: [unclosed'}, 'not valid YAML or JSON'),
    ('rules empty', 'mimecast_triage_plan', {'rules': []}, 'rules'),
    ('rule without name', 'mimecast_triage_plan', {'rules': [{'match': {'subject': 'x'}, 'action': 'keep'}]}, 'name'),
    ('rule match not a dict', 'mimecast_triage_plan', {'rules': [{'name': 'A', 'match': 'subject=x', 'action': 'keep'}]},
     "rule #1 'A'"),
    ('rule unknown match field', 'mimecast_triage_plan',
     {'rules': [{'name': 'A', 'match': {'body': 'x'}, 'action': 'keep'}]}, 'body'),
    ('rule route empty', 'mimecast_triage_plan',
     {'rules': [{'name': 'A', 'match': {'route': ' '}, 'action': 'keep'}]}, 'match.route must be a non-empty string'),
    ('rule bad duration', 'mimecast_triage_plan',
     {'rules': [{'name': 'A', 'match': {'older_than': 'two days'}, 'action': 'keep'}]}, 'older_than'),
    ('rule has_attachments not bool', 'mimecast_triage_plan',
     {'rules': [{'name': 'A', 'match': {'has_attachments': 'some'}, 'action': 'keep'}]}, 'has_attachments'),
    ('rule bad reason_type', 'mimecast_triage_plan',
     {'rules': [{'name': 'A', 'match': {'subject': 'x'}, 'action': 'reject', 'reason_type': 'SPAM'}]}, 'reason_type'),
    ('rule notify not bool', 'mimecast_triage_plan',
     {'rules': [{'name': 'A', 'match': {'subject': 'x'}, 'action': 'reject', 'reason_type': REASON, 'notify': 'loud'}]},
     'notify'),
    ('rule regex not a string', 'mimecast_triage_plan',
     {'rules': [{'name': 'A', 'match': {'subject': ['x']}, 'action': 'keep'}]}, 'subject'),
    ('rule message on release', 'mimecast_triage_plan',
     {'rules': [{'name': 'A', 'match': {'subject': 'x'}, 'action': 'release', 'message': 'hi'}]}, 'message'),
    ('plan start not a date', 'mimecast_triage_plan', {'start': 'last week'}, 'is not a date'),
    ('plan end without offset', 'mimecast_triage_plan', {'end': '2026-11-20 08:00'}, 'ambiguous'),
    ('plan admin not bool', 'mimecast_triage_plan', {'admin': 'everyone'}, 'admin'),
    ('plan page_size too big', 'mimecast_triage_plan', {'page_size': 1000}, 'page_size must be between 1 and 500'),
    ('plan concurrency too big', 'mimecast_triage_plan', {'concurrency': 17}, 'concurrency must be between 1 and 16'),
    # triage (what the triage playbook runs): the same rules and window checks, plus the writes and the report
    ('triage rules invalid YAML text', 'mimecast_triage', {'rules': '- name: [unclosed'}, 'not valid YAML or JSON'),
    ('triage rules empty', 'mimecast_triage', {'rules': []}, 'rules'),
    ('triage rule bad regex', 'mimecast_triage',
     {'rules': [{'name': 'A', 'match': {'sender': '(news'}, 'action': 'release'}]}, "rule #1 'A': match.sender: bad regular expression"),
    ('triage rule reject without reason_type', 'mimecast_triage',
     {'rules': [{'name': 'A', 'match': {'route': 'OUTBOUND'}, 'action': 'reject'}]}, 'reason_type'),
    ('triage start not a date', 'mimecast_triage', {'start': 'last week'}, 'is not a date'),
    ('triage start after end', 'mimecast_triage', {'start': '-1d', 'end': '-2d'}, 'is after end'),
    ('triage admin not bool', 'mimecast_triage', {'admin': 'everyone'}, 'admin'),
    ('triage page_size too big', 'mimecast_triage', {'page_size': 1000}, 'page_size must be between 1 and 500'),
    ('triage batch_size zero', 'mimecast_triage', {'batch_size': 0}, 'batch_size must be between 1 and 500'),
    ('triage batch_size too big', 'mimecast_triage', {'batch_size': 501}, 'batch_size must be between 1 and 500'),
    ('triage concurrency zero', 'mimecast_triage', {'concurrency': 0}, 'concurrency must be between 1 and 16'),
    ('triage concurrency not int', 'mimecast_triage', {'concurrency': 'lots'}, 'concurrency'),
    ('triage report under a file', 'mimecast_triage', {'report': '/dev/null/report.json'}, '/dev/null is not a directory'),
    ('triage report a directory', 'mimecast_triage', {'report': '/'}, 'is a directory'),
    ('triage ids option', 'mimecast_triage', {'ids': ['eNpSomeId']}, 'ids'),
    ('triage reject-only option', 'mimecast_triage', {'reason_type': REASON}, 'reason_type'),
]


# The whole connection matrix on a module and on the controller-side plan (two code paths); the
# other modules share that code path and get a sample of it.
FULL_CONNECTION = ('mimecast_held_info', 'mimecast_triage_plan')
SAMPLE_CONNECTION = ('base_url without scheme', 'secret_key not base64', 'unreachable host', 'unknown option')


def matrix():
    cases = []
    for module in MODULES:
        for case, args, expect in CONNECTION_CASES:
            if module in FULL_CONNECTION or case in SAMPLE_CONNECTION:
                cases.append(('%s: %s' % (module, case), module, args, expect))
    for case, module, args, expect in OPTION_CASES:
        cases.append(('%s: %s' % (module, case), module, args, expect))
    return cases


CASES = matrix()


def write_playbook(tmp_path, cases):
    tasks = []
    for name, module, args, dummy in cases:
        task_args = dict(base_args(module))
        for key, value in args.items():
            if value is None:
                task_args.pop(key, None)
            else:
                task_args[key] = value
        tasks.append({'name': name, 'secops.mimecast.' + module: task_args, 'ignore_errors': True})
    path = tmp_path / 'matrix.yml'
    # JSON is YAML: no quoting surprises for odd characters
    path.write_text(json.dumps([{'name': 'Bad input matrix', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]))
    return str(path)


def message_of(result):
    msg = result.get('msg') or ''
    return msg if isinstance(msg, str) else json.dumps(msg)


@pytest.mark.parametrize('module', MODULES)
def test_bad_input_matrix(sim, tmp_path, module):
    cases = [c for c in CASES if c[1] == module]
    run = run_playbook(sim, write_playbook(tmp_path, cases))
    problems = []
    for name, dummy, args, expect in cases:
        found = run.tasks(name)
        if not found:
            problems.append('%s: no result' % name)
            continue
        result = found[-1]['result']
        msg = message_of(result)
        if found[-1]['status'] not in ('failed', 'ignored'):
            problems.append('%s: did not fail (%s)' % (name, msg[:200]))
        elif expect.lower() not in msg.lower():
            problems.append('%s: message does not name the problem (%r not in %r)' % (name, expect, msg[:400]))
        elif 'Traceback' in msg or 'MODULE FAILURE' in msg:
            problems.append('%s: crashed: %s' % (name, msg[:400]))
    assert not problems, '\n'.join(problems) + '\n' + run.output[-2000:]
    stats = sim.stats()
    assert stats['writes'] == 0 and stats['write_requests'] == 0, stats
    assert sim.audit() == []
    print('%s: %d bad inputs tried' % (module, len(cases)))


CONFIG_ERRORS = [
    ('secret_key not base64', {'secret_key': 'this is *not* base64!'}),
    ('base_url without scheme', {'base_url': 'eu-api.mimecast.com'}),
    ('base_url with a path', {'base_url': 'https://eu-api.mimecast.com/api'}),
    ('mixed credentials', {'client_id': 'cid', 'client_secret': 'csecret'}),
    ('timeout zero', {'timeout': 0}),
]


@pytest.mark.parametrize('module', ['mimecast_held_info', 'mimecast_triage'])
def test_error_codes_tell_configuration_from_transport(sim, tmp_path, module):
    """CI can act on error.code: config_error (fix the settings), invalid_input, transport_error (run again)."""
    cases = [('config: %s' % case, module, args, '') for case, args in CONFIG_ERRORS]
    cases += [('input: page_size', module, {'page_size': 0}, ''),
              ('transport: unreachable', module, {'base_url': 'http://127.0.0.1:9', 'retries': 1, 'max_retry_wait': 5}, '')]
    run = run_playbook(sim, write_playbook(tmp_path, cases))
    codes = dict((name, run.result(name).get('error', {}).get('code')) for name, dummy, dummy2, dummy3 in cases)
    assert codes == dict([(c[0], 'config_error') for c in cases[:len(CONFIG_ERRORS)]]
                         + [('input: page_size', 'invalid_input'), ('transport: unreachable', 'transport_error')]), codes
    # an unreachable host: one short line, once per retry, no urllib3 reprs
    unreachable = run.result('transport: unreachable')
    assert unreachable['msg'].endswith('cannot connect to 127.0.0.1:9 (Connection refused)'), unreachable['msg']
    warnings = [w for w in unreachable.get('warnings', []) if 'cannot connect' in w]
    assert len(warnings) == 1 and len(warnings[0]) < 200, warnings
    assert 'NewConnectionError' not in run.output and 'HTTPConnectionPool' not in run.output
    assert sim.stats()['total'] == 0


def test_matrix_size():
    """The closing note counts the matrix; keep it from shrinking by accident."""
    assert len(CASES) >= 110, len(CASES)


# ------------------------------------------------ odd but legitimate inputs
ODD_IDS = ['eNp\u00f1\u2713-unicode', 'eNp"quote\'s', 'eNp<script>', 'eNp%2F..%2F', "eNp';DROP-TABLE-held;--", 'x' * 300]


def test_odd_ids_are_sent_safely_and_change_nothing(sim):
    held = sim.state()['held']
    run = run_adhoc(sim, 'mimecast_hold_release', {'ids': ODD_IDS + held[:1]})
    assert run.rc == 0, run
    result = run.result()
    assert result['released'] == held[:1]
    # sent as data (after the held one, to learn what they are): ids the simulator never had
    assert sorted(result['not_found']) == sorted(ODD_IDS) and result['not_held'] == []
    assert [a['id'] for a in sim.audit()] == held[:1]


def test_odd_ids_without_the_held_check_are_each_not_found(sim):
    run = run_adhoc(sim, 'mimecast_hold_reject', {'ids': ODD_IDS, 'reason_type': REASON, 'verify_held': False})
    assert run.rc == 0, run
    assert sorted(run.result()['not_found']) == sorted(ODD_IDS) and run.result()['not_held'] == []
    assert sim.audit() == [] and sim.stats()['writes'] == 0


ODD_VALUES = ['"; DROP TABLE held; --', '\u00e9t\u00e9 \u2603 \U0001F4E7', '.*(', '<b>&amp;</b>', '%00%0a', '{{ lookup("env", "HOME") }}']


def test_odd_characters_in_search_values_are_data(sim, tmp_path):
    tasks = []
    for index, value in enumerate(ODD_VALUES):
        for module in ('mimecast_held_info', 'mimecast_queue_info'):
            tasks.append({'name': '%s %d' % (module, index), 'secops.mimecast.' + module: {
                'search_by': {'field_name': 'subject', 'value': '{% raw %}' + value + '{% endraw %}'}}})
    playbook = tmp_path / 'odd.yml'
    playbook.write_text(json.dumps([{'name': 'Odd values', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]))
    run = run_playbook(sim, str(playbook))
    assert run.rc == 0, run
    for index, value in enumerate(ODD_VALUES):
        assert run.result('mimecast_held_info %d' % index)['total'] == 0, value
    sent = [r for r in sim.requests() if r['path'] == '/api/gateway/get-hold-message-list']
    assert len(sent) == len(ODD_VALUES)
    assert sim.stats()['write_requests'] == 0


def test_empty_id_list_does_nothing(sim):
    run = run_adhoc(sim, 'mimecast_hold_release', {'ids': []})
    assert run.rc == 0, run
    assert run.result()['changed'] is False and run.result()['released'] == []
    assert sim.stats()['total'] == 0


def test_very_large_id_list(sim, tmp_path):
    """20,000 ids (with duplicates) of which five are held: one read, the five released in one request, then the rest
    sent once, in requests of their own, so that the API says it does not know them (not_found)."""
    held = sim.state()['held']
    ids = ['eNpNotHeld%05d' % i for i in range(20000)] + held[:5] + held[:5]
    playbook = tmp_path / 'large.yml'
    playbook.write_text(json.dumps([{'name': 'Large id list', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'Release', 'secops.mimecast.mimecast_hold_release': {'ids': ids, 'batch_size': 500}}]}]))
    run = run_playbook(sim, str(playbook))
    assert run.rc == 0, run
    result = run.result('Release')
    assert sorted(result['released']) == sorted(held[:5])
    assert len(result['not_found']) == 20000 and result['not_held'] == []
    assert sim.stats()['write_requests'] == 1 + 20000 // 500
    assert sim.stats()['writes'] == 5 and sorted(a['id'] for a in sim.audit()) == sorted(held[:5])


def test_bad_rules_file_for_the_playbook(sim, tmp_path):
    rules_file = tmp_path / 'rules.yml'
    rules_file.write_text('mimecast_triage_rules:\n  - name: Broken\n    match: {subject: "x"\n    action: release\n')
    run = run_playbook(sim, 'secops.mimecast.triage', options=['-e', '@' + str(rules_file)])
    assert run.rc != 0
    assert 'rules.yml' in run.output
    assert sim.stats()['total'] == 0


@pytest.mark.parametrize('extra, expect', [
    ({'mimecast_triage_start': 'last tuesday'}, "start 'last tuesday' is not a date"),
    ({'mimecast_triage_end': '2026-11-20T08:00:00'}, 'ambiguous'),
    ({'mimecast_triage_batch_size': 501}, 'batch_size must be between 1 and 500'),
    ({'mimecast_triage_concurrency': 'lots'}, 'concurrency'),
    ({'mimecast_triage_admin': 'everyone'}, 'everyone'),
    ({'mimecast_triage_batch_size': 0}, 'batch_size must be between 1 and 500'),
])
def test_bad_playbook_variables(sim, tmp_path, extra, expect):
    rules = yaml.safe_load(yaml.safe_dump(RULES))
    extra_vars = dict({'mimecast_triage_rules': rules}, **extra)
    run = run_playbook(sim, 'secops.mimecast.triage', extra_vars=extra_vars)
    assert run.rc != 0, run
    assert expect in run.output, run
    assert sim.stats()['write_requests'] == 0 and sim.audit() == []


# ------------------------------------------------------------------ TLS
@pytest.fixture(scope='module')
def tls_sim():
    with Simulator(held=10, seed=5, tls=True) as server:
        yield server


def test_tls_certificate_that_does_not_verify(tls_sim):
    tls_sim.reset(held=10, seed=5)
    assert tls_sim.base_url.startswith('https://')
    held = tls_sim.state()['held']
    run = run_adhoc(tls_sim, 'mimecast_hold_release', {'ids': held[:2]}, env={'MIMECAST_RETRIES': '0'})
    assert run.rc != 0, run
    assert 'TLS certificate verification failed' in run.result()['msg'], run
    assert tls_sim.stats()['write_requests'] == 0
    # a read fails the same way, also with retries left (a bad certificate is not retried)
    read = run_adhoc(tls_sim, 'mimecast_held_info', {})
    assert read.rc != 0 and 'TLS certificate verification failed' in read.result()['msg'], read
    assert tls_sim.stats()['total'] == 0
    # validate_certs: false (a test endpoint) works
    ok = run_adhoc(tls_sim, 'mimecast_hold_release', {'ids': held[:2], 'validate_certs': False})
    assert ok.rc == 0, ok
    assert sorted(ok.result()['released']) == sorted(held[:2])
    assert sorted(a['id'] for a in tls_sim.audit()) == sorted(held[:2])
