# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every path a user gives is relative to the directory ansible-playbook was started from.

The collection is built and installed (``ansible-galaxy collection build`` / ``install``) into a collections
path of its own, as a user has it; the playbooks are run as ``secops.mimecast.triage`` / ``secops.mimecast.report``
from another directory, with relative paths: the files land in that directory and nothing is written inside
the installed collection (the playbooks' directory there, where modules run).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import glob
import json
import os
import shutil
import subprocess

import pytest

from conftest import BIN, EXAMPLES, Run, ansible_env

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def tree(root):
    """Every file under ``root`` with its size and mtime: what a run must leave as it was."""
    out = {}
    for folder, dummy, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            stat = os.stat(path)
            out[os.path.relpath(path, root)] = (stat.st_size, stat.st_mtime_ns)
    return out


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """The collection built from this tree and installed into a collections path of its own; its directory."""
    base = tmp_path_factory.mktemp('installed')
    dist, dest = str(base / 'dist'), str(base / 'collections')
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path', dist],
                   cwd=COLLECTION_ROOT, check=True, capture_output=True)
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', '-p', dest]
                   + glob.glob(os.path.join(dist, '*.tar.gz')), check=True, capture_output=True,
                   env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=dest))
    return dest


def playbook(sim, installed, cwd, args):
    """``ansible-playbook ARGS`` started in ``cwd`` with only the installed copy on the collections path."""
    record = os.path.join(str(cwd), '..', 'record-%s.json' % os.path.basename(str(cwd)))
    env = ansible_env(sim, '1.0', {'ANSIBLE_COLLECTIONS_PATH': installed, 'RESULT_RECORDER_FILE': record})
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook')] + args, cwd=str(cwd), env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    return Run(proc, args, record)


@pytest.fixture
def workdir(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    shutil.copy(os.path.join(EXAMPLES, 'demo-rules.yml'), str(work / 'rules.yml'))
    return work


def test_triage_report_rules_file_and_review_are_relative_to_the_callers_directory(sim, installed, workdir):
    collection = os.path.join(installed, 'ansible_collections', 'secops', 'mimecast')
    before = tree(collection)
    # the report's directory is created where the user is, not in the collection
    assert not (workdir / 'out').exists()
    run = playbook(sim, installed, workdir, ['secops.mimecast.triage', '-e', '@rules.yml', '-e',
                                             'mimecast_triage_report=out/run.json', '--check'])
    assert run.rc == 0, run
    assert sorted(os.listdir(str(workdir / 'out'))) == ['run.csv', 'run.html', 'run.json']
    with open(str(workdir / 'out' / 'run.json')) as handle:
        report = json.load(handle)
    assert report['check_mode'] is True and report['totals']['held'] == sim.state()['counts']['held']
    with open(str(workdir / 'out' / 'run.csv'), newline='') as handle:
        rows = list(csv.reader(handle))
    # one row per held message (the kept ones too, action keep: signed-off plans)
    assert len(rows) - 1 == report['totals']['held'] and len([r for r in rows[1:] if r[1] == 'keep']) == report['totals']['kept']
    assert str(workdir / 'out' / 'run.html') in run.output
    assert tree(collection) == before, 'the run wrote inside the installed collection'


def test_report_dir_is_relative_to_the_callers_directory(sim, installed, workdir):
    collection = os.path.join(installed, 'ansible_collections', 'secops', 'mimecast')
    before = tree(collection)
    for options in (['--check'], []):
        run = playbook(sim, installed, workdir, ['secops.mimecast.report', '-e', 'mimecast_report_dir=report'] + options)
        assert run.rc == 0, run
        assert sorted(os.listdir(str(workdir / 'report'))) == ['held-report.html', 'held-report.json', 'held-report.md']
        assert str(workdir / 'report' / 'held-report.html') in run.output, run
    with open(str(workdir / 'report' / 'held-report.json')) as handle:
        assert json.load(handle)['total'] == sim.state()['counts']['held']
    # the README's own line twice: the second run must work too (the first must not have hidden report.yml)
    assert tree(collection) == before, 'the run wrote inside the installed collection'
    assert not os.path.exists(os.path.join(collection, 'playbooks', 'report'))


def test_absolute_and_home_paths_still_work(sim, installed, workdir, tmp_path):
    elsewhere = tmp_path / 'elsewhere'
    run = playbook(sim, installed, workdir, ['secops.mimecast.report', '-e', 'mimecast_report_dir=%s' % elsewhere])
    assert run.rc == 0, run
    assert (elsewhere / 'held-report.json').exists() and not (workdir / 'report').exists()
