# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Signed-off plans: the plan in a report and back, its digest, every refusal, the tenant's fingerprint."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import hashlib
import json

import pytest
import yaml

from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_api_epoch
from ansible_collections.secops.mimecast.plugins.module_utils.errors import ConfigError, InputError
from ansible_collections.secops.mimecast.plugins.plugin_utils.signed_plan import SignedPlan, age_text, signed_digests, tenant_fingerprint
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_outcome import Outcome
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_plan import Plan, PlanError, Planner
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_report import build_report, summary_lines
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import Ruleset, rules_checksum

NOW = datetime.datetime(2026, 1, 15, 12, 0, 0, tzinfo=datetime.timezone.utc)
CONFIDENTIAL = 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'
RULES = [
    {'name': 'keep spoof', 'match': {'reason_code': 'spoof'}, 'action': 'keep'},
    {'name': 'news', 'match': {'sender': r'@news\.example$'}, 'action': 'release', 'sender_policy': 'permit'},
    {'name': 'dlp', 'match': {'route': 'OUTBOUND'}, 'action': 'reject', 'reason_type': CONFIDENTIAL, 'message': 'no', 'notify': True},
]
V1 = {'base_url': 'https://eu-api.mimecast.com', 'access_key': 'AK-1', 'secret_key': 'c2VjcmV0', 'app_id': 'APP-1', 'app_key': 'k'}
V2 = {'base_url': 'https://api.services.mimecast.com', 'client_id': 'client-1', 'client_secret': 'very-secret'}
TENANT = tenant_fingerprint(V1)


def rec(rid, sender='a@news.example', route='INBOUND', code='spam'):
    return {'id': rid, 'reasonCode': code, 'route': route, 'subject': 'subject %s' % rid, 'from': {'emailAddress': sender},
            'to': [{'emailAddress': 'alice@corp.example'}, {'emailAddress': 'bob@corp.example'}],
            'dateReceived': (NOW - datetime.timedelta(minutes=int(rid[1:]))).strftime('%Y-%m-%dT%H:%M:%S+0000')}


def records():
    return ([rec('n%d' % i) for i in range(1, 6)] + [rec('d1', sender='eve@corp.example', route='OUTBOUND')]
            + [rec('s1', code='spoof'), rec('u1', sender='x@other.example')])


def dry_run_report():
    planner = Planner(Ruleset.load(RULES), NOW)
    window = {'start': '2026-01-01T12:00:00+0000', 'end': '2026-01-15T12:00:00+0000'}
    plan = planner.plan((planner.decide(r) for r in records()), window, tenant=TENANT)
    outcome = Outcome(plan, True, generated_at='2026-01-15T12:00:00Z')
    outcome.senders = plan.sender_entries()
    outcome.sender_keys = [(e['sender'], e['to'], e['action']) for e in outcome.senders['entries']]
    # through JSON, as a report file is read
    return json.loads(json.dumps(build_report(outcome)))


def load(report, now=NOW, **params):
    params.setdefault('plan', report)
    return SignedPlan.load(dict(V1, **params), now=parse_api_epoch(now.strftime('%Y-%m-%dT%H:%M:%S+0000')))


def refused(report, code, **params):
    with pytest.raises(PlanError) as caught:
        load(report, **params)
    assert caught.value.code == code, caught.value.msg
    assert 'nothing was sent' in caught.value.msg
    return caught.value.msg


# ------------------------------------------------------------------------------------------- the plan in a report
def test_a_report_holds_its_plan_and_gives_it_back():
    report = dry_run_report()
    section = report['plan']
    assert set(section) == {'format', 'digest', 'as_of', 'tenant', 'window', 'admin', 'rules_given', 'unmatched', 'senders'}
    assert section['as_of'] == '2026-01-15T12:00:00Z' and section['tenant'] == TENANT and section['rules_given'] == RULES
    assert section['unmatched'] == ['u1'] and sorted(section['senders']) == ['n%d' % i for i in range(1, 6)]
    assert section['senders']['n1'] == {'pairs': [['a@news.example', 'alice@corp.example'], ['a@news.example', 'bob@corp.example']]}
    assert section['digest'].startswith('sha256:') and len(section['digest']) == 71
    plan = Plan.from_report(report)
    assert plan.digest() == plan.stated == section['digest']
    assert [(r.name, r.action.name, r.options, r.sender_policy, r.ids) for r in plan.rules] == [
        ('keep spoof', 'keep', {}, None, ['s1']), ('news', 'release', {}, 'permit', ['n%d' % i for i in range(1, 6)]),
        ('dlp', 'reject', {'reason_type': CONFIDENTIAL, 'message': 'no', 'notify': True}, None, ['d1'])]
    assert plan.held == 8 and plan.unmatched == ['u1'] and plan.rules_sha256 == rules_checksum(RULES)
    assert plan.sender_entries()['entries'][0] == {'sender': 'a@news.example', 'to': 'alice@corp.example', 'action': 'permit'}


def test_the_digest_is_the_sha256_of_the_canonical_content_and_the_same_plan_gives_the_same_digest():
    report = dry_run_report()
    plan = Plan.from_report(report)
    text = json.dumps(plan.content(), sort_keys=True, separators=(',', ':'), ensure_ascii=False)
    assert plan.digest() == 'sha256:' + hashlib.sha256(text.encode('utf-8')).hexdigest()
    assert dry_run_report()['plan']['digest'] == report['plan']['digest']
    # what the digest is over: the tenant, the time of the read, the window, per rule its action, options and ids
    content = plan.content()
    assert (content['tenant'], content['as_of'], content['window']) == (TENANT, '2026-01-15T12:00:00Z', report['plan']['window'])
    assert content['rules'][2] == {'name': 'dlp', 'action': 'reject', 'options': {'reason_type': CONFIDENTIAL, 'message': 'no',
                                                                                  'notify': True}, 'sender_policy': None, 'ids': ['d1']}
    # and the summary names it whole
    assert summary_lines(report)[1] == 'plan %s (held queue read at 2026-01-15T12:00:00Z)' % report['plan']['digest']


EDITS = [
    ('an id taken out', lambda r: r['rules'][1]['ids'].pop()),
    ('an id added', lambda r: r['rules'][1]['ids'].append('n99')),
    ('a kept id made a release', lambda r: r['rules'][1]['ids'].append(r['plan']['unmatched'].pop())),
    ('an action', lambda r: r['rules'][0].update(action='release')),
    ('a reason type', lambda r: r['rules'][2].update(reason_type='INAPPROPRIATE COMMUNICATION')),
    ('notify', lambda r: r['rules'][2].update(notify=False)),
    ('a message', lambda r: r['rules'][2].update(message='yes')),
    ('a sender policy added', lambda r: r['rules'][2].update(sender_policy='block')),
    ('a rule renamed', lambda r: r['rules'][1].update(name='newsletters')),
    ('as_of', lambda r: r['plan'].update(as_of='2026-01-15T12:30:00Z')),
    ('the tenant', lambda r: r['plan'].update(tenant=tenant_fingerprint(V2))),
    ('the window', lambda r: r['plan']['window'].update(start='2025-12-01T12:00:00+0000')),
    ('admin', lambda r: r['plan'].update(admin=False)),
    ('a sender pair', lambda r: r['plan']['senders']['n1']['pairs'][0].__setitem__(1, 'mallory@corp.example')),
    ('the rules checksum', lambda r: r.update(rules_sha256=rules_checksum([]))),
]


@pytest.mark.parametrize('what,edit', EDITS, ids=[e[0] for e in EDITS])
def test_any_edit_of_the_content_is_refused(what, edit):
    report = dry_run_report()
    edit(report)
    msg = refused(report, 'plan_edited')
    assert 'it was edited: its content gives the digest sha256:' in msg and report['plan']['digest'] in msg


def test_edited_rules_as_given_are_refused():
    report = dry_run_report()
    report['plan']['rules_given'][1]['match']['sender'] = '.'
    assert 'its rules as given (plan.rules_given) are not the rules of rules_sha256' in refused(report, 'plan_edited')


def test_the_counts_and_the_outcome_are_not_the_plan():
    report = dry_run_report()
    report['totals']['held'] = 1000
    report['rules'][1]['matched'] = 1
    report['generated_at'] = '2020-01-01T00:00:00Z'
    assert load(report).plan.digest() == report['plan']['digest']


def test_a_value_not_as_a_report_writes_it_is_refused():
    report = dry_run_report()
    report['rules'][2]['notify'] = 'true'  # true to the rules, not as the report wrote it
    assert '"notify" is \'true\', not as a triage report writes it' in refused(report, 'plan_invalid')
    report['rules'][2]['notify'] = 1
    assert '"notify" must be a boolean' in refused(report, 'plan_invalid')


@pytest.mark.parametrize('change,words', [
    (lambda r: r.pop('plan'), 'it has no "plan" with a "digest"'),
    (lambda r: r['plan'].update(format=2), 'its plan has format 2'),
    (lambda r: r['plan'].pop('as_of'), 'plan.as_of is missing'),
    (lambda r: r['plan'].update(as_of='yesterday'), "plan.as_of 'yesterday' is not a time"),
    (lambda r: r['rules'][1].update(action='shred'), "rule #2 'news': unknown action 'shred'"),
    (lambda r: r['rules'][1].update(ids='n1'), "rule #2 'news': ids must be a list of message ids"),
    (lambda r: r['rules'][2]['ids'].append('n1'), 'a message id is planned more than once'),
    (lambda r: r['plan']['senders'].update(n1={'pairs': [['not an address', 'x@y.example']]}), 'plan.senders of n1'),
])
def test_a_report_without_a_plan_that_can_be_applied_is_refused(change, words):
    report = dry_run_report()
    change(report)
    assert words in refused(report, 'plan_invalid')


def test_a_real_run_is_not_a_plan():
    report = dry_run_report()
    report['check_mode'] = False
    assert 'it is the report of a real run (check_mode: false), not of a dry run' in refused(report, 'plan_not_dry_run')


def test_a_missing_or_unreadable_file_is_refused(tmp_path):
    msg = refused(None, 'plan_unreadable', plan=str(tmp_path / 'nope.json'))
    assert msg == 'Not applying the plan %s (nothing was sent): it cannot be read: No such file or directory' % (tmp_path / 'nope.json')
    (tmp_path / 'bad.json').write_text('{"plan": ')
    assert 'it is not a JSON triage report' in refused(None, 'plan_unreadable', plan=str(tmp_path / 'bad.json'))
    assert 'plan must be the path' in refused(None, 'plan_unreadable', plan=42)


def test_a_plan_by_path_relative_to_the_caller_or_as_json_text(tmp_path, monkeypatch):
    report = dry_run_report()
    (tmp_path / 'dry.json').write_text(json.dumps(report))
    monkeypatch.chdir(tmp_path)
    signed = load(None, plan='dry.json')
    assert signed.source == 'the plan %s' % (tmp_path / 'dry.json') and signed.plan.digest() == report['plan']['digest']
    assert load(None, plan=json.dumps(report)).source == 'the plan given as JSON text'


def test_the_digest_signed_off():
    report = dry_run_report()
    digest = report['plan']['digest']
    for signed in (digest, digest[7:], digest.upper().replace('SHA256', 'sha256'), '  %s\n' % digest,
                   ['sha256:' + '0' * 64, digest], 'sha256:%s\n%s' % ('1' * 64, digest)):
        assert load(report, plan_digest=signed).plan.digest() == digest
    msg = refused(report, 'plan_digest_mismatch', plan_digest='sha256:' + 'a' * 64)
    assert msg.endswith('its digest %s is not the one signed off (plan_digest: sha256:%s)' % (digest, 'a' * 64))
    with pytest.raises(InputError, match="plan_digest: 'sha256:abc' is not a plan digest"):
        load(report, plan_digest='sha256:abc')
    assert signed_digests(None) is None and signed_digests('') is None


def test_a_plan_older_than_the_maximum_age_is_refused():
    report = dry_run_report()
    assert load(report, now=NOW + datetime.timedelta(hours=23, minutes=59)).plan
    msg = refused(report, 'plan_too_old', now=NOW + datetime.timedelta(hours=26, minutes=3))
    assert msg.endswith('it is 1d 2h 3m old (the held queue was read at 2026-01-15T12:00:00Z); the maximum age is 1d (plan_max_age)')
    assert load(report, now=NOW + datetime.timedelta(days=2), plan_max_age='3d').plan
    assert 'the maximum age is 30m' in refused(report, 'plan_too_old', now=NOW + datetime.timedelta(hours=1), plan_max_age='30m')
    assert 'the maximum age is 10m' in refused(report, 'plan_too_old', now=NOW + datetime.timedelta(hours=1), plan_max_age=600)
    assert 'ahead of this clock' in refused(report, 'plan_invalid', now=NOW - datetime.timedelta(hours=1))
    with pytest.raises(InputError, match='plan_max_age'):
        load(report, plan_max_age='a day')
    assert (age_text(59), age_text(3600), age_text(90061)) == ('59s', '1h', '1d 1h 1m')


def test_rules_given_with_a_plan_must_be_its_rules():
    report = dry_run_report()
    assert load(report, rules=copy.deepcopy(RULES)).plan
    assert load(report, rules=yaml.safe_dump(RULES)).plan  # a survey's text of the same rules
    other = copy.deepcopy(RULES)
    other[1]['match']['sender'] = '.'
    msg = refused(report, 'plan_rules_mismatch', rules=other)
    assert 'the rules given (rules, checksum %s) are not the rules of the plan (rules_sha256 %s)' % (
        rules_checksum(other), rules_checksum(RULES)) in msg


# ------------------------------------------------------------------------------------------------- the tenant
def test_the_tenant_fingerprint_names_the_connection_without_a_secret():
    assert TENANT.startswith('sha256:') and len(TENANT) == 71
    # the same connection however it is written; no secret in it
    assert tenant_fingerprint(dict(V1, base_url='HTTPS://EU-API.Mimecast.com/')) == TENANT
    assert tenant_fingerprint(dict(V1, secret_key='b3RoZXI=', app_key='other')) == TENANT
    # another host, application, access key, or API: another tenant
    for other in (dict(V1, base_url='https://us-api.mimecast.com'), dict(V1, app_id='APP-2'), dict(V1, access_key='AK-2'), V2):
        assert tenant_fingerprint(other) != TENANT
    assert tenant_fingerprint(V2) == tenant_fingerprint(dict(V2, client_secret='rotated'))
    assert tenant_fingerprint(V2) != tenant_fingerprint(dict(V2, client_id='client-2'))
    with pytest.raises(ConfigError):
        tenant_fingerprint(dict(V1, client_id='x', client_secret='y'))


def test_a_plan_of_another_tenant_is_refused():
    signed = load(dry_run_report())
    signed.check_tenant(V1)
    with pytest.raises(PlanError) as caught:
        signed.check_tenant(V2)
    assert caught.value.code == 'plan_other_tenant'
    assert caught.value.msg.endswith('it was made for another tenant (%s); this connection (https://api.services.mimecast.com, '
                                     'API 2.0) is %s' % (TENANT, tenant_fingerprint(V2)))
    assert 'very-secret' not in caught.value.msg


def test_the_window_read_again_ends_now_when_the_dry_run_ended_at_its_read():
    signed = load(dry_run_report())
    assert signed.window() == {'start': '2026-01-01T12:00:00+0000', 'end': 'now'}
    report = dry_run_report()
    report['plan']['window']['end'] = '2026-01-10T00:00:00+0000'
    report['plan']['digest'] = Plan.from_report(report).digest()
    assert load(report).window()['end'] == '2026-01-10T00:00:00+0000'
