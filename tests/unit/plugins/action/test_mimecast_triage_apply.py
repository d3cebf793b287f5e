# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mimecast_triage with ``plan``: a dry run's report applied in-process, over the fake held queue (real client and
engine): exactly its ids, each with its rule's action; gone ids not held; new holds left alone; a rerun idle."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import datetime
import json

from ansible_collections.secops.mimecast.tests.unit.plugins.action.test_mimecast_triage import (  # noqa: F401 pylint: disable=unused-import
    CONFIDENTIAL,
    CONN,
    INAPPROPRIATE,
    NEWS,
    RULES,
    api,
    reject_bodies,
    release_batches,
    run_action,
)
from ansible_collections.secops.mimecast.tests.unit.plugins.module_utils.test_held import LIST, api_date, held_record


def dry_run(api, tmp_path):
    path = str(tmp_path / 'dry-run.json')
    result = run_action(dict(CONN, rules=RULES, report=path), check_mode=True)
    assert not result.get('failed'), result
    assert api.writes() == []
    with open(path) as handle:
        return path, json.load(handle)


def test_applies_exactly_the_plan_with_gone_ids_and_new_holds_between(api, tmp_path):
    path, dry = dry_run(api, tmp_path)
    digest = dry['plan']['digest']
    # between the dry run and the apply: n2 released in the console, a newsletter held (it would match 'news')
    del api.held['n2']
    now = datetime.datetime.now(datetime.timezone.utc)
    api.held['n9'] = held_record('n9', api_date(now - datetime.timedelta(minutes=1)), route='INBOUND', subject='new digest',
                                 **{'from': {'emailAddress': 'a@news.vendor.example', 'displayableName': ''}})
    del api.requests[:]

    result = run_action(dict(CONN, plan=path, plan_digest=digest, report=str(tmp_path / 'apply.json'), batch_size=3))
    assert not result.get('failed'), result
    # one read of the queue, then only the plan's ids: n2 not sent (gone), n9 not sent (not in the plan)
    assert [p for p, b in api.requests][0] == LIST and [p for p, b in api.requests].count(LIST) == 1
    assert release_batches(api) == [{'data': [{'id': i} for i in ['n1', 'n3', 'n4']]}, {'data': [{'id': i} for i in ['n5', 'n6', 'n7']]}]
    assert reject_bodies(api) == [
        {'data': [{'ids': ['d1', 'd2'], 'reasonType': CONFIDENTIAL, 'notify': True, 'message': 'Card numbers are not sent.'}]},
        {'data': [{'ids': ['p1'], 'reasonType': INAPPROPRIATE, 'notify': False}]}]
    assert sorted(api.held) == ['k1', 'k2', 'n9']
    assert result['totals'] == {'held': 12, 'released': 6, 'rejected': 3, 'kept': 3, 'failed': 0, 'not_held': 1, 'not_in_plan': 1}
    assert result['plan']['applied'] == digest == result['plan']['digest']
    assert result['summary'][0] == 'applied the plan %s (held queue read at %s)' % (digest, dry['plan']['as_of'])
    assert 'warnings' not in result
    assert result['msg'].endswith('not held any more 1, not in the plan (left held) 1')
    # the report: the plan's ids, the same plan; the review lists the new hold apart
    with open(str(tmp_path / 'apply.json')) as handle:
        report = json.load(handle)
    assert [r['ids'] for r in report['rules']] == [r['ids'] for r in dry['rules']] and report['plan']['digest'] == digest
    with open(str(tmp_path / 'apply.html')) as handle:
        html = handle.read()
    assert 'Applied the plan <code class="sum digest">%s</code>' % digest in html
    assert 'data-kept="not in the plan"' in html and '>n9</div>' in html and 'new digest' in html
    with open(str(tmp_path / 'apply.csv')) as handle:
        rows = list(csv.reader(handle))
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:] if r[1] == 'keep'] == [('rest', 'keep', 'false', 'k1'), ('rest', 'keep', 'false', 'k2')]
    assert 'n9' not in [r[3] for r in rows] and set(r[9] for r in rows[1:]) == {digest}

    # applied again: the read, nothing else; every id it acts on is not held any more
    del api.requests[:]
    again = run_action(dict(CONN, plan=path))
    assert not again.get('failed'), again
    assert [p for p, b in api.requests] == [LIST] and again['changed'] is False
    assert again['warnings'] == ['the plan %s is applied without plan_digest (mimecast_triage_plan_digest): nothing checked that '
                                 'it is the plan a person signed off (its digest is %s)' % (path, digest)]
    # (kept is held - released - rejected - failed, as in every triage report: the ids not held any more too)
    assert again['totals'] == {'held': 12, 'released': 0, 'rejected': 0, 'kept': 12, 'failed': 0, 'not_held': 10, 'not_in_plan': 1}


def test_check_mode_apply_says_what_it_would_do(api, tmp_path):
    path, dry = dry_run(api, tmp_path)
    del api.requests[:]
    result = run_action(dict(CONN, plan=path), check_mode=True, diff=True)
    assert not result.get('failed'), result
    assert [p for p, b in api.requests] == [LIST]
    assert result['summary'][1] == 'would apply the plan %s (held queue read at %s)' % (dry['plan']['digest'], dry['plan']['as_of'])
    assert 'applied' not in result['plan'] and result['totals']['not_in_plan'] == 0 and result['totals']['released'] == 7
    assert "rule 'news' (release): would release 7, first 7:" in result['diff']['prepared']


def test_refusals_send_nothing(api, tmp_path):
    path, dry = dry_run(api, tmp_path)
    del api.requests[:], api.built[:]
    other = dict(CONN, access_key='another-application-key')
    cases = [
        (dict(CONN, plan=str(tmp_path / 'missing.json')), 'plan_unreadable'),
        (dict(CONN, plan=path, plan_digest='sha256:' + '0' * 64), 'plan_digest_mismatch'),
        (dict(other, plan=path), 'plan_other_tenant'),
        (dict(CONN, plan=path, plan_max_age='0s'), 'plan_too_old'),
        (dict(CONN, plan=path, rules=RULES[:2]), 'plan_rules_mismatch'),
        (dict(CONN, plan=dict(dry, check_mode=False)), 'plan_not_dry_run'),
        (dict(CONN, plan=dict(dry, rules=[dict(dry['rules'][0], ids=NEWS[:3])] + dry['rules'][1:])), 'plan_edited'),
    ]
    for args, code in cases:
        result = run_action(args)
        assert result['failed'] is True and result['error']['code'] == code, (code, result)
        assert 'nothing was sent' in result['msg'] and 'totals' not in result
        assert api.requests == [] and api.built == [], (code, 'a client was made or a request sent')
    # the result of a plan without ids: counts only, the plan's digest and time, not its bulk
    result = run_action(dict(CONN, plan=path, return_ids=False))
    assert set(result['plan']) == {'format', 'digest', 'as_of', 'tenant', 'window', 'admin', 'applied'}
