# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets never leak: every module and both playbooks at -vvvv, on success and on each failure path.

Searched: stdout, stderr, the recorded task results, warnings, the JSON/HTML/Markdown reports and the
simulator's log. Searched for: the secret key (as issued and decoded), the app key, the client secret,
wrong secrets given on failure paths, a bearer token the simulator issued, and anything shaped like an
``Authorization`` value (``MC key:signature`` or ``Bearer token``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import re

import pytest

from conftest import run_playbook

RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'
REASON = 'MESSAGE CONTAINS UNDESIRABLE CONTENT'
WRONG_SECRET = base64.b64encode(b'wrong-secret-key-for-the-leak-test').decode()
WRONG_APP_KEY = 'wrong-app-key-for-the-leak-test'
WRONG_CLIENT_SECRET = 'wrong-client-secret-for-the-leak-test'
NOT_BASE64 = 'not*base64*secret-for-the-leak-test'
AUTH_SHAPES = [re.compile(r'MC\s+[^\s:"]+:[A-Za-z0-9+/]{20,}={0,2}'), re.compile(r'Bearer\s+[A-Za-z0-9_\-]{20,}')]
RULES = [
    {'name': 'Release newsletters', 'match': {'sender': r'@news\.vendor\.example$'}, 'action': 'release'},
    {'name': 'Reject outbound DLP', 'match': {'reason_code': 'content_examination', 'route': 'OUTBOUND'}, 'action': 'reject',
     'reason_type': 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION', 'message': 'Blocked', 'notify': True},
]


def secret_values(sim):
    creds = sim.creds
    values = [creds['secret_key'], creds['app_key'], creds['client_secret'],
              base64.b64decode(creds['secret_key']).decode(), WRONG_SECRET, base64.b64decode(WRONG_SECRET).decode(),
              WRONG_APP_KEY, WRONG_CLIENT_SECRET, NOT_BASE64]
    # a token the simulator issued, used for a call: it must not show in the simulator's log either
    token = sim.token()
    status, dummy, dummy_body = sim.call('/api/gateway/get-hold-summary-list', [], api='2.0', token=token)
    assert status == 200
    values.append(token)
    return values


def leaks(texts, secrets):
    """[(where, what)] for every secret value or Authorization-shaped string found."""
    found = []
    for where, text in texts:
        for secret in secrets:
            if secret and secret in text:
                found.append((where, 'secret %s...' % secret[:4]))
        for shape in AUTH_SHAPES:
            for match in shape.findall(text):
                found.append((where, 'Authorization value %s...' % match[:12]))
    return found


def run_texts(name, run):
    return [(name + ' output', run.output), (name + ' results', json.dumps(run.records))]


def file_texts(folder):
    out = []
    for root, dummy, files in os.walk(str(folder)):
        for fname in files:
            path = os.path.join(root, fname)
            with open(path, errors='replace') as handle:
                out.append((path, handle.read()))
    return out


def module_tasks(sim, api):
    """Every module on its success path, then on failure paths (ignore_errors)."""
    held = sim.state()['held']
    ids = held[:3]
    tasks = [
        {'name': 'held_info', 'secops.mimecast.mimecast_held_info': {'page_size': 20}},
        {'name': 'summary', 'secops.mimecast.mimecast_held_summary_info': {}},
        {'name': 'queue', 'secops.mimecast.mimecast_queue_info': {'type': 'processing'}},
        {'name': 'message_info', 'secops.mimecast.mimecast_message_info': {'ids': ids + ['eNpUnknown']}},
        {'name': 'release check', 'secops.mimecast.mimecast_hold_release': {'ids': ids[:1]}, 'check_mode': True, 'diff': True},
        {'name': 'release', 'secops.mimecast.mimecast_hold_release': {'ids': ids[:1]}, 'diff': True},
        {'name': 'reject', 'secops.mimecast.mimecast_hold_reject': {'ids': ids[1:2], 'reason_type': REASON, 'message': 'x'}},
        {'name': 'plan', 'secops.mimecast.mimecast_triage_plan': {'rules': RULES}},
        {'name': 'triage check', 'secops.mimecast.mimecast_triage': {'rules': RULES}, 'check_mode': True, 'diff': True},
    ]
    if api == '1.0':
        bad = [('wrong secret', {'secret_key': WRONG_SECRET}), ('wrong app key', {'app_key': WRONG_APP_KEY}),
               ('secret not base64', {'secret_key': NOT_BASE64})]
    else:
        bad = [('wrong client secret', {'client_secret': WRONG_CLIENT_SECRET})]
    bad.append(('unreachable', {'base_url': 'http://127.0.0.1:9', 'retries': 0}))
    for label, args in bad:
        tasks += [
            {'name': 'held_info ' + label, 'secops.mimecast.mimecast_held_info': args, 'ignore_errors': True},
            {'name': 'release ' + label, 'secops.mimecast.mimecast_hold_release': dict(args, ids=ids[2:3]), 'ignore_errors': True},
            {'name': 'plan ' + label, 'secops.mimecast.mimecast_triage_plan': dict(args, rules=RULES), 'ignore_errors': True},
            {'name': 'triage ' + label, 'secops.mimecast.mimecast_triage': dict(args, rules=RULES), 'ignore_errors': True},
        ]
    # a write whose answer is lost and cannot be re-checked (503 on every later read): outcome unknown
    lost = {'ids': ids[2:3], 'verify_held': False, 'retries': 0}
    tasks.append({'name': 'release lost', 'secops.mimecast.mimecast_hold_release': lost, 'ignore_errors': True})
    return tasks


@pytest.mark.parametrize('api', ['1.0', '2.0'])
def test_every_module_at_vvvv_leaks_nothing(sim, tmp_path, api):
    secrets = secret_values(sim)
    playbook = tmp_path / 'modules.yml'
    tasks = module_tasks(sim, api)
    # the failure of the last task comes from the simulator: 503 on the write and on the re-check
    tasks.insert(len(tasks) - 1, {'name': 'faults', 'ansible.builtin.uri': {
        'url': sim.base_url + '/_sim/faults', 'method': 'POST', 'body_format': 'json',
        'body': {'faults': [{'kind': 'drop_after', 'path': RELEASE}, {'kind': 'status_503', 'path': '*'}]}}})
    playbook.write_text(json.dumps([{'name': 'Every module', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]))
    run = run_playbook(sim, str(playbook), api=api, options=['-vvvv'])
    assert run.rc == 0, run  # every failure was ignored
    statuses = dict((t['name'], t['status']) for t in run.tasks())
    assert statuses['release'] == 'ok' and statuses['plan'] == 'ok' and statuses['triage check'] == 'ok', statuses
    failures = [n for n, s in statuses.items() if s == 'ignored']
    assert len(failures) == len([t for t in tasks if t.get('ignore_errors')]), statuses
    assert run.result('release lost')['failures'][0]['code'] == 'outcome_unknown'
    found = leaks(run_texts('modules', run) + [('simulator log', sim.log_text())], secrets)
    assert found == [], found


def test_triage_playbook_at_vvvv_leaks_nothing(sim, tmp_path):
    secrets = secret_values(sim)
    texts = []
    # success, API 1.0 and 2.0 (check mode, then for real)
    for api in ('1.0', '2.0'):
        for options in (['-vvvv', '--check', '--diff'], ['-vvvv']):
            sim.reset(held=40, seed=9)
            report = tmp_path / ('triage-%s-%d.json' % (api, len(options)))
            run = run_playbook(sim, 'secops.mimecast.triage', api=api, options=options,
                               extra_vars={'mimecast_triage_rules': RULES, 'mimecast_triage_report': str(report)})
            assert run.rc == 0, run
            texts += run_texts('triage %s %s' % (api, options), run)
    # failure paths: per-id failures (418 on reject), a lost answer, wrong credentials, bad rules
    sim.reset(held=40, seed=9)
    sim.faults([{'kind': 'status_418', 'path': REJECT}, {'kind': 'drop_after', 'path': RELEASE, 'count': 1}])
    run = run_playbook(sim, 'secops.mimecast.triage', options=['-vvvv'],
                       extra_vars={'mimecast_triage_rules': RULES, 'mimecast_triage_report': str(tmp_path / 'failed.json')})
    assert run.rc != 0 and 'could not be released or rejected' in run.output, run
    texts += run_texts('triage 418', run)
    sim.clear_faults()
    for env in ({'MIMECAST_SECRET_KEY': WRONG_SECRET}, {'MIMECAST_SECRET_KEY': NOT_BASE64}, {'MIMECAST_APP_KEY': WRONG_APP_KEY}):
        run = run_playbook(sim, 'secops.mimecast.triage', options=['-vvvv'], env=env,
                           extra_vars={'mimecast_triage_rules': RULES})
        assert run.rc != 0, run
        texts += run_texts('triage bad credentials', run)
    run = run_playbook(sim, 'secops.mimecast.triage', api='2.0', options=['-vvvv'], env={'MIMECAST_CLIENT_SECRET': WRONG_CLIENT_SECRET},
                       extra_vars={'mimecast_triage_rules': RULES})
    assert run.rc != 0 and 'token request was refused' in run.output, run
    texts += run_texts('triage bad client secret', run)
    run = run_playbook(sim, 'secops.mimecast.triage', options=['-vvvv'],
                       extra_vars={'mimecast_triage_rules': [{'name': 'Bad', 'match': {'sender': '(x'}, 'action': 'release'}]})
    assert run.rc != 0, run
    texts += run_texts('triage bad rules', run)
    found = leaks(texts + file_texts(tmp_path) + [('simulator log', sim.log_text())], secrets)
    assert found == [], found


def test_report_playbook_at_vvvv_leaks_nothing(sim, tmp_path):
    secrets = secret_values(sim)
    texts = []
    for api in ('1.0', '2.0'):
        run = run_playbook(sim, 'secops.mimecast.report', api=api, options=['-vvvv'],
                           extra_vars={'mimecast_report_dir': str(tmp_path / api)})
        assert run.rc == 0, run
        texts += run_texts('report %s' % api, run)
    for api, env in (('1.0', {'MIMECAST_SECRET_KEY': WRONG_SECRET}), ('1.0', {'MIMECAST_SECRET_KEY': NOT_BASE64}),
                     ('2.0', {'MIMECAST_CLIENT_SECRET': WRONG_CLIENT_SECRET})):
        run = run_playbook(sim, 'secops.mimecast.report', api=api, options=['-vvvv'], env=env,
                           extra_vars={'mimecast_report_dir': str(tmp_path / 'failed')})
        assert run.rc != 0, run
        texts += run_texts('report failure', run)
    sim.faults([{'kind': 'status_503', 'path': '*'}])
    run = run_playbook(sim, 'secops.mimecast.report', options=['-vvvv'], env={'MIMECAST_RETRIES': '0'},
                       extra_vars={'mimecast_report_dir': str(tmp_path / 'failed')})
    assert run.rc != 0, run
    texts += run_texts('report 503', run)
    assert os.path.exists(str(tmp_path / '1.0' / 'held-report.html'))
    found = leaks(texts + file_texts(tmp_path) + [('simulator log', sim.log_text())], secrets)
    assert found == [], found
