# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ways of passing the rules that docs/triage-rules.md ("Passing the rules") describes, as it says."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import yaml

from conftest import HERE, demo_rules, run_playbook

RULE = [{'name': 'news', 'match': {'sender': r'@news\.vendor\.example$'}, 'action': 'release'}]


def dry_run(sim, tmp_path, rules_value, tag, options=()):
    report = str(tmp_path / ('%s.json' % tag))
    run = run_playbook(sim, 'secops.mimecast.triage', options=['--check'] + list(options),
                       extra_vars=None if rules_value is None else {'mimecast_triage_rules': rules_value,
                                                                    'mimecast_triage_report': report})
    return run, report


def read(path):
    with open(path) as handle:
        return json.load(handle)


def test_rules_as_a_yaml_string_like_an_awx_survey(sim, tmp_path):
    sim.reset(held=150, seed=11, not_held_style='fail')
    as_list, list_report = dry_run(sim, tmp_path, demo_rules(), 'list')
    text = yaml.safe_dump(demo_rules(), default_flow_style=False, sort_keys=False)
    assert '\\.' in text  # the regular expressions' backslashes are in the text
    as_text, text_report = dry_run(sim, tmp_path, text, 'text')
    assert as_list.rc == 0 and as_text.rc == 0, (as_list, as_text)
    a, b = read(list_report), read(text_report)
    assert a['rules_sha256'] == b['rules_sha256'] and a['totals'] == b['totals'] and a['totals']['released'] > 0
    assert [r['ids'] for r in a['rules']] == [r['ids'] for r in b['rules']]


def test_key_value_extra_vars_decode_backslashes(sim, tmp_path):
    text = json.dumps(RULE, separators=(',', ':'))
    assert '\\\\.' in text  # valid JSON: the regular expression's backslash, escaped
    # as JSON extra vars the text arrives whole: a dry run releases the newsletters
    run, report = dry_run(sim, tmp_path, text, 'json')
    assert run.rc == 0, run
    assert read(report)['totals']['released'] > 0
    released = read(report)['totals']['released']
    # the same text as key=value. ansible-core 2.19 and later decode the backslash escapes of an unquoted value: one
    # backslash goes, the text is no valid YAML/JSON any more and the run is refused before any request. Earlier
    # versions (2.15) keep the value as given: the rules arrive whole. Never a quietly different regular expression.
    before = sim.stats()['total']
    kv_report = str(tmp_path / 'key-value.json')
    run = run_playbook(sim, 'secops.mimecast.triage', options=['--check', '-e', 'mimecast_triage_rules=' + text,
                                                               '-e', 'mimecast_triage_report=' + kv_report])
    if run.rc == 0:
        assert read(kv_report)['totals']['released'] == released, run
    else:
        assert 'not valid YAML or JSON' in run.output, run
        assert sim.stats()['total'] == before  # refused before any request
        assert not os.path.exists(kv_report)


def test_the_docs_say_how_to_pass_rules():
    with open(os.path.join(HERE, '..', '..', 'docs', 'triage-rules.md'), encoding='utf-8') as handle:
        doc = handle.read()
    section = doc[doc.index('## Passing the rules'):doc.index('## Outcome and report')]
    for needle in ('-e @rules.yml', 'AWX survey', 'Not `-e key=value`', 'backslash', "-e '{...JSON...}'"):
        assert needle in section, needle
