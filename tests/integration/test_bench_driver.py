# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`'s own parts against the simulator: the engine-only driver (bench/driver.py) in both connection
modes, and the floor's noop playbook made from playbooks/triage.yml.

The driver subclasses the client's transport (a new connection per request), so it breaks silently when
the client's transport changes; this runs it for real on a few ids. The noop playbook must be the triage
playbook with only its triage task doing nothing, or the floor measures something else.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import yaml

from conftest import HERE, held_records, run_playbook

import ansible_collections.secops.mimecast as collection

BENCH = os.path.abspath(os.path.join(HERE, '..', '..', 'bench'))
DRIVER = os.path.join(BENCH, 'driver.py')
# the directory that holds ansible_collections/, for the driver's imports
COLLECTIONS_ROOT = os.path.abspath(os.path.join(list(collection.__path__)[0], '..', '..', '..'))


@pytest.mark.parametrize('mode', ['keepalive', 'fresh'])
def test_driver_releases_every_id(sim, tmp_path, mode):
    ids = [record['id'] for record in held_records(sim)][:12]
    ids_file = tmp_path / 'ids.json'
    ids_file.write_text(json.dumps(ids))
    proc = subprocess.run([sys.executable, DRIVER, '--base-url', sim.base_url, '--mode', mode, '--batch-size', '1',
                           '--concurrency', '2', '--ids-file', str(ids_file)],
                          capture_output=True, text=True, timeout=120, check=False,
                          env=dict(os.environ, PYTHONPATH=COLLECTIONS_ROOT))
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(proc.stdout)
    assert figures['mode'] == mode and figures['done'] == 12 and figures['failures'] == 0 and figures['requests'] == 12
    assert sorted(sim.state()['released']) == sorted(ids)
    assert sim.stats()['by_path']['/api/gateway/hold-release'] == {'200': 12}


def test_noop_playbook_is_the_triage_playbook_doing_nothing(sim, tmp_path):
    sys.path.insert(0, BENCH)
    try:
        import run_bench  # pylint: disable=import-outside-toplevel
    finally:
        sys.path.remove(BENCH)
    noop = run_bench.write_noop_playbook(str(tmp_path / 'noop.yml'))
    with open(run_bench.TRIAGE_PLAYBOOK) as fh:
        triage = yaml.safe_load(fh)
    with open(noop) as fh:
        made = yaml.safe_load(fh)
    # the same plays and tasks, key for key and in order; only the triage task's action differs
    assert len(made) == len(triage) == 1
    assert [k for k in made[0] if k != 'tasks'] == [k for k in triage[0] if k != 'tasks']

    def flat(tasks):
        """Every task, those of blocks (and their rescue and always) included, in order; a block without its tasks."""
        for task in tasks:
            yield dict((k, v) for k, v in task.items() if k not in ('block', 'rescue', 'always'))
            for section in ('block', 'rescue', 'always'):
                yield from flat(task.get(section) or [])

    made_tasks, triage_tasks = list(flat(made[0]['tasks'])), list(flat(triage[0]['tasks']))
    assert len(made_tasks) == len(triage_tasks)
    swapped = 0
    for ours, theirs in zip(made_tasks, triage_tasks):
        if run_bench.TRIAGE_MODULE in theirs:
            swapped += 1
            assert list(ours) == [run_bench.NOOP_ACTION if k == run_bench.TRIAGE_MODULE else k for k in theirs]
            assert ours[run_bench.NOOP_ACTION] == theirs[run_bench.TRIAGE_MODULE]
        else:
            assert ours == theirs
    assert swapped == 1

    # it runs like the triage playbook (same extra vars, its later tasks read the registered result) and calls no API
    run = run_playbook(sim, noop, options=['-e', '@' + os.path.join(BENCH, 'rules.yml')],
                       env={'ANSIBLE_ACTION_PLUGINS': os.path.join(BENCH, 'action_plugins')})
    assert run.rc == 0, run.output[-3000:]
    result = run.result('Triage the held messages (validate the rules, read the held queue once, release, reject, report)')
    assert result['totals']['failed'] == 0 and result['summary'] == ['3 rules, nothing done (bench floor)']
    assert run.result('Fail when this tenant failed or some messages could not be released or rejected')['skip_reason'] == 'Conditional result was False'
    assert sim.stats()['total'] == 0


def test_noop_playbook_refuses_a_playbook_without_the_triage_task(tmp_path):
    sys.path.insert(0, BENCH)
    try:
        import run_bench  # pylint: disable=import-outside-toplevel
    finally:
        sys.path.remove(BENCH)
    source = tmp_path / 'other.yml'
    source.write_text('- hosts: localhost\n  tasks:\n    - ansible.builtin.debug: {msg: hi}\n')
    with pytest.raises(RuntimeError, match='expected one secops.mimecast.mimecast_triage task, found 0'):
        run_bench.write_noop_playbook(str(tmp_path / 'noop.yml'), source=str(source))


def test_bench_reports_measures_the_report_playbook_against_a_dry_run(tmp_path, capsys):
    """``make bench``'s report figures at a small N: every run succeeds, nothing is written to the API."""
    import argparse  # pylint: disable=import-outside-toplevel
    sys.path.insert(0, BENCH)
    try:
        import run_bench  # pylint: disable=import-outside-toplevel
    finally:
        sys.path.remove(BENCH)
    args = argparse.Namespace(report_sizes=[600], report_repeat=1, latency_ms=0)
    figures = run_bench.bench_reports(args, COLLECTIONS_ROOT, str(tmp_path))
    assert [f['n'] for f in figures] == [600]
    fig = figures[0]
    assert set(fig['median_s']) == {'dry run', 'dry run + review', 'report playbook'}
    assert fig['report_over_dry_run'] == round(fig['median_s']['report playbook'] / fig['median_s']['dry run'], 2)
    assert fig['review_file_bytes']['run.csv'] > 0 and fig['review_file_bytes']['run.html'] > 0
    assert 'report playbook' in capsys.readouterr().out
