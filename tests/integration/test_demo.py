# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``make demo`` (scripts/demo.sh) start to finish: it lists every report it wrote, and each one it lists exists."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess

from conftest import BIN

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def test_demo_lists_every_report_it_writes(tmp_path):
    # a copy of the tree (with a git repository of its own, as a clone) whose .venv is the tests' venv
    clone = tmp_path / 'clone'
    shutil.copytree(ROOT, str(clone), symlinks=True, ignore=shutil.ignore_patterns('.git', '.build', '.venv', '.venv-*',
                                                                                   '__pycache__', 'demo-output'))
    subprocess.run(['git', 'init', '-q'], cwd=str(clone), check=True)
    os.symlink(os.path.dirname(os.path.abspath(BIN)), str(clone / '.venv'))
    out = tmp_path / 'demo-output'
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'MIMECAST_')))
    env.update(DEMO_OUTPUT=str(out), DEMO_HELD='80', PATH=BIN + os.pathsep + env.get('PATH', ''))
    proc = subprocess.run(['bash', str(clone / 'scripts' / 'demo.sh')], cwd=str(clone), env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    listing = proc.stdout[proc.stdout.index('==> Reports'):]
    listed = set(re.findall(r'^  [^:]+:\s+(\S+)$', listing, re.M))
    written = set(str(out / name) for name in os.listdir(str(out)))
    assert listed == written, (sorted(listed - written), sorted(written - listed))
    assert str(out / 'triage-rerun-report.json') in listed and str(out / 'triage-report.html') in listed

    # the rules' sender_policy: the permit and block counts, in the triage's summary, the outcome and the final check
    with open(str(out / 'triage-report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    totals = report['totals']
    assert totals['permitted'] > 0 and totals['blocked'] > 0 and totals['sender_failed'] == 0
    pairs = 'managed senders: permitted %d, blocked %d' % (totals['permitted'], totals['blocked'])
    assert pairs + '; messages left held because their entries were not set: 0' in proc.stdout  # the triage summary
    assert '  %s, not set 0 (released and permitted, rejected and blocked)' % pairs in proc.stdout  # the outcome
    assert 'managed senders: permit %d, block %d' % (totals['permitted'], totals['blocked']) in proc.stdout  # the simulator
    assert '%s.' % pairs in proc.stdout.split('Simulator state matches the rules exactly')[1].splitlines()[0]
    for rule in report['rules']:
        if rule.get('sender_policy'):
            verb = {'permit': 'permitted', 'block': 'blocked'}[rule['sender_policy']]
            assert re.search(r'^  %s +%s +%d \(%s %d sender-recipient pairs\)$' % (
                re.escape(rule['name']), rule['action'], rule['matched'], verb, len(rule['senders'])), proc.stdout, re.M), rule['name']
    # the held report's release log (the last 7 days): what this triage released and rejected, and the seeded history's
    with open(str(out / 'held-report.json'), encoding='utf-8') as handle:
        log = json.load(handle)['recent_releases']
    counts = dict((item['name'], item['count']) for item in log['by_status'])
    assert counts['released'] > totals['released'] and counts['rejected'] > totals['rejected'] and len(log['by_operator']) > 1
    assert 'Recent releases and rejections (release log): released %d, rejected %d; operators %d' % (
        counts['released'], counts['rejected'], len(log['by_operator'])) in proc.stdout

    # the rule cases pass, and the demo ends with the back-test of the demo rules against what people did before the triage
    assert re.search(r'^(\d+) rule cases: \1 passed, 0 failed$', proc.stdout, re.M), proc.stdout[-3000:]
    assert proc.stdout.index('==> Back-test') < proc.stdout.index('==> Reports')
    with open(str(out / 'backtest.json'), encoding='utf-8') as handle:
        backtest = json.load(handle)
    bt = backtest['totals']
    assert all(bt[name] > 0 for name in ('agree', 'release_rejected', 'reject_released', 'kept')), bt
    assert bt['records'] == bt['agree'] + bt['release_rejected'] + bt['reject_released'] + bt['kept']
    assert backtest['rules_sha256'] == report['rules_sha256']
    acted = set(i for rule in report['rules'] for i in rule['ids'])
    assert acted and not acted & set(d['id'] for d in backtest['disagreements']), 'the back-test ends before the triage'
    assert ('agree %d, would release what a person rejected %d, would reject what a person released %d, left to a person %d'
            % (bt['agree'], bt['release_rejected'], bt['reject_released'], bt['kept'])) in proc.stdout
