# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A rule action is its entries in the tables: a test-only action registered there (a write action and a rule
action, nothing else) runs through a whole triage: validation, the plan, the writes, the report, the summary,
the review, --diff and the plan module's result. And the docs say what the tables hold."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
import json
import os
import re

import pytest
import yaml

from ansible_collections.secops.mimecast.plugins.action import mimecast_triage as triage_plugin
from ansible_collections.secops.mimecast.plugins.action import mimecast_triage_plan as plan_plugin
from ansible_collections.secops.mimecast.plugins.doc_fragments.triage import ModuleDocFragment
from ansible_collections.secops.mimecast.plugins.module_utils import write_actions
from ansible_collections.secops.mimecast.plugins.module_utils.write_engine import WriteAction
from ansible_collections.secops.mimecast.plugins.plugin_utils import rule_actions
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_actions import RULE_ACTIONS, RuleAction, RuleOption
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import FakeResponse, envelope, make_action_plugin
from ansible_collections.secops.mimecast.tests.unit.plugins.action.test_mimecast_triage import CONN, NEWS, queue_records
from ansible_collections.secops.mimecast.tests.unit.plugins.module_utils.test_held import LIST, RELEASE, HeldQueue

TAG = '/api/test/tag-held-message'
ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..')
RULES = [
    {'name': 'news', 'match': {'sender': r'@news\.vendor\.example$'}, 'action': 'release'},
    {'name': 'outbound', 'match': {'route': 'outbound'}, 'action': 'tag', 'label': 'look at me'},
    {'name': 'invoices', 'match': {'subject': 'invoice'}, 'action': 'tag', 'label': 'finance'},
    {'name': 'rest', 'match': {'subject': ''}, 'action': 'keep'},
]


class TaggingQueue(HeldQueue):
    """The held queue, and a tag endpoint that labels held messages (answers ``{id, tag: true}``)."""

    def __init__(self, records):
        super(TaggingQueue, self).__init__(records)
        self.tags = {}

    def handle(self, call):
        path = '/' + call['url'].split('://', 1)[1].split('/', 1)[1]
        if path != TAG:
            return super(TaggingQueue, self).handle(call)
        body = call['json']
        with self.lock:
            self.requests.append((path, body))
            data = []
            for entry in body['data']:
                self.tags[entry['id']] = entry['label']
                data.append({'id': entry['id'], 'tag': True})
        return FakeResponse(200, envelope(data))


def _label(key, value):
    if not isinstance(value, str) or not value.strip():
        return None, '"%s" must be a non-empty string, not %r' % (key, value)
    return value, None


@pytest.fixture
def tagging(monkeypatch):
    """The test-only action in both tables, and a held queue that answers it."""
    monkeypatch.setitem(write_actions.ACTIONS, 'tag', WriteAction(
        name='tag', path=TAG, result_key='tagged', module='secops.mimecast.mimecast_tag', verb='tagged',
        body=lambda batch, options: [{'id': rid, 'label': options['label']} for rid in batch],
        key=lambda item: item, answer_key=lambda entry: entry.get('id'), confirmed=lambda entry: entry.get('tag') is True,
        fail_keys=lambda key, batch: [key['id']] if isinstance(key, dict) and 'id' in key else [],
        prepare=lambda ids, options: list(ids)))
    monkeypatch.setitem(RULE_ACTIONS, 'tag', RuleAction('tag', write='tag', options=(RuleOption('label', _label, required=True),)))
    queue = TaggingQueue(queue_records())
    monkeypatch.setattr('ansible_collections.secops.mimecast.plugins.plugin_utils.action_base.client_from_params',
                        lambda params, warn=None, pool_size=8: queue.client())
    monkeypatch.setattr('ansible_collections.secops.mimecast.plugins.plugin_utils.action_base.display.display',
                        lambda *a, **kw: None)
    return queue


def run(plugin, args, check_mode=False, diff=False):
    return make_action_plugin(plugin, args, action='secops.mimecast.mimecast_triage', name='Triage', check_mode=check_mode,
                              diff=diff).run(task_vars={})


def test_a_registered_action_runs_a_whole_triage(tagging, tmp_path):
    report_path = str(tmp_path / 'run.json')
    result = run(triage_plugin, dict(CONN, rules=RULES, report=report_path), diff=True)
    assert not result.get('failed'), result
    # the writes: the release, then one tag request per set of options, in the rules' order
    assert [path for path, body in tagging.requests] == [LIST, RELEASE, TAG, TAG]
    assert [body for path, body in tagging.requests if path == TAG] == [
        {'data': [{'id': 'd1', 'label': 'look at me'}, {'id': 'd2', 'label': 'look at me'}]},
        {'data': [{'id': 'p1', 'label': 'finance'}]}]
    assert tagging.tags == {'d1': 'look at me', 'd2': 'look at me', 'p1': 'finance'}
    # counted by its result key, in the totals and per rule
    assert result['totals'] == {'held': 12, 'released': 7, 'rejected': 0, 'tagged': 3, 'kept': 2, 'failed': 0, 'not_held': 0}
    outbound = result['rules'][1]
    assert (outbound['action'], outbound['matched'], outbound['tagged'], outbound['label']) == ('tag', 2, 2, 'look at me')
    assert "rule 'outbound' (tag): matched 2, tagged 2, failed 0" in result['summary']
    assert result['summary'][-1] == 'totals: held 12, released 7, rejected 0, tagged 3, kept 2, failed 0, not held any more 0'
    assert result['changed'] is True
    # --diff: its rules' held counts and a sample of their messages
    assert "rule 'outbound' (tag): 0 held" in result['diff']['after']
    assert "rule 'invoices' (tag): tagged 1, first 1:" in result['diff']['prepared']
    # the JSON report and the review: its rows, its verb
    with open(report_path) as handle:
        assert json.load(handle)['totals']['tagged'] == 3
    with open(result['review_paths']['csv']) as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:] if r[1] == 'tag'] == [
        ('outbound', 'tag', 'true', 'd1'), ('outbound', 'tag', 'true', 'd2'), ('invoices', 'tag', 'true', 'p1')]
    with open(result['review_paths']['html']) as handle:
        page = handle.read()
    assert '<b>3</b>tagged' in page and '>tagged</td>' in page


def test_a_registered_action_in_check_mode_and_the_plan(tagging):
    result = run(triage_plugin, dict(CONN, rules=RULES), check_mode=True)
    assert not result.get('failed'), result
    assert [path for path, body in tagging.requests] == [LIST] and tagging.tags == {}
    assert "rule 'outbound' (tag): matched 2, would tag 2, failed 0" in result['summary']
    assert result['totals']['tagged'] == 3
    plan = run(plan_plugin, dict(CONN, rules=RULES))
    assert plan['tag_groups'] == [{'label': 'look at me', 'ids': ['d1', 'd2'], 'rules': ['outbound']},
                                  {'label': 'finance', 'ids': ['p1'], 'rules': ['invoices']}]
    assert plan['release_ids'] == NEWS and plan['reject_groups'] == []
    assert plan['msg'] == 'Planned 12 held messages: release 7, reject 0 (0 groups), tag 3 (2 groups), keep 2'


def test_a_registered_action_validates_its_keys(tagging):
    bad = [{'name': 'a', 'match': {'subject': 'x'}, 'action': 'tag'},
           {'name': 'b', 'match': {'subject': 'x'}, 'action': 'release', 'label': 'x'},
           {'name': 'c', 'match': {'subject': 'x'}, 'action': 'tag', 'label': 5}]
    result = run(triage_plugin, dict(CONN, rules=bad))
    assert result['failed'] is True and tagging.requests == []
    assert result['rule_errors'] == [
        "rule #1 'a': a tag rule needs \"label\"",
        "rule #2 'b': \"label\" applies to tag rules only (this rule's action is release)",
        "rule #3 'c': \"label\" must be a non-empty string, not 5"]


# ------------------------------------------------------------------------------------ the docs follow the tables
def _fragment():
    return yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']['rules']['suboptions']


def test_the_doc_fragment_lists_the_table():
    rules = _fragment()
    assert rules['action']['choices'] == list(RULE_ACTIONS)
    for action in RULE_ACTIONS.values():
        for option in action.options:
            documented = rules[option.key]
            assert action.name in documented['description'] if isinstance(documented['description'], str) \
                else any(action.name in line for line in documented['description']), option.key
            if option.choices:
                assert documented['choices'] == list(option.choices)
    policies = rules['sender_policy']['choices']
    assert policies == [action.sender_policy for action in RULE_ACTIONS.values() if action.sender_policy]


def test_the_rules_reference_lists_the_table():
    with open(os.path.join(ROOT, 'docs', 'triage-rules.md')) as handle:
        text = handle.read()
    row = re.search(r'^\| `action` \| yes \| (.*) \|$', text, re.M).group(1)
    assert re.findall(r'`(\w+)`', row) == list(RULE_ACTIONS)
    for key in rule_actions.option_keys() + ['sender_policy']:
        assert re.search(r'^\| `%s` \|' % key, text, re.M), key
