# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's quick start, run as written, as a new user would: a clone, an empty HOME, a plain shell.

The code blocks of the section "Quick start against the simulator" are taken from README.md and run in
order with bash, each from the clone's directory (a new terminal): the block that starts the simulator
(``make sim``) runs in the background, as the README's second terminal, and the next block starts once the
simulator has written its settings. The clone is a copy of this tree with a git repository of its own;
its ``.venv`` is the one the tests run with (``make venv`` is the same target ``make test`` builds on a fresh
machine). The shell has no venv on its PATH and no ANSIBLE_*/MIMECAST_* variables; HOME is empty, so the
collection is found only where ``make install`` put it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import BIN

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SECTION = 'Quick start against the simulator'
SIM_PORT = 8025


def quickstart_blocks(readme):
    """The ```sh blocks of the quick-start section, in order."""
    with open(readme, encoding='utf-8') as handle:
        text = handle.read()
    found = re.search(r'^## %s[^\n]*\n(.*?)(?=^## )' % re.escape(SECTION), text, re.S | re.M)
    assert found, 'README.md has no section "## %s"' % SECTION
    return re.findall(r'^```sh\n(.*?)^```', found.group(1), re.S | re.M)


def test_readme_has_the_quickstart_blocks():
    blocks = quickstart_blocks(os.path.join(ROOT, 'README.md'))
    assert len(blocks) == 3 and 'make install' in blocks[0] and 'make sim' in blocks[1], blocks
    assert 'cp docs/rules-examples/' in blocks[2] and '--check' in blocks[2]


def user_env(home):
    venv_bin = os.path.abspath(BIN)
    path = [p for p in os.environ.get('PATH', '').split(os.pathsep) if p and os.path.abspath(p) != venv_bin]
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith(('ANSIBLE_', 'MIMECAST_', 'PYTEST', 'VIRTUAL_ENV', 'PYTHONPATH', 'MAKE', 'MFLAGS')))
    env.update(HOME=home, PATH=os.pathsep.join(path), LANG='C.UTF-8')
    return env


def port_free(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        return sock.connect_ex(('127.0.0.1', port)) != 0
    finally:
        sock.close()


@pytest.fixture
def clone(tmp_path):
    """A copy of this tree as a clone has it (its own git repository), with the tests' venv as its .venv."""
    dest = tmp_path / 'secops-mimecast'
    shutil.copytree(ROOT, str(dest), symlinks=True,
                    ignore=shutil.ignore_patterns('.git', '.build', '.venv', '.venv-*', 'tests/output', '__pycache__',
                                                  'demo-output'))
    subprocess.run(['git', 'init', '-q'], cwd=str(dest), check=True)
    venv = os.path.dirname(os.path.abspath(BIN))
    with open(str(dest / 'requirements-dev.txt'), 'rb') as handle:
        stamp = '.installed-' + hashlib.sha256(handle.read()).hexdigest()[:16]  # the Makefile's VENV_STAMP
    if os.path.exists(os.path.join(venv, stamp)):
        os.symlink(venv, str(dest / '.venv'))  # the dev venv, as make venv built it
    else:
        # another venv (the test matrix's, with another ansible-core): the clone's .venv is a directory of links to
        # it with the stamp of its own, so that `make venv` installs nothing into the venv the tests run with
        (dest / '.venv').mkdir()
        for name in os.listdir(venv):
            if not name.startswith('.installed-'):
                os.symlink(os.path.join(venv, name), str(dest / '.venv' / name))
        (dest / '.venv' / stamp).write_text('')
    return dest


def test_readme_quickstart_as_written(clone, tmp_path):
    assert port_free(SIM_PORT), 'port %d is busy: the quick start starts the simulator there' % SIM_PORT
    blocks = quickstart_blocks(str(clone / 'README.md'))
    home = tmp_path / 'home'
    home.mkdir()
    env = user_env(str(home))
    sim = None
    log = open(str(tmp_path / 'sim.log'), 'w')  # pylint: disable=consider-using-with
    try:
        for block in blocks:
            if 'make sim' in block:
                # the second terminal: in the background, in its own process group (stopped below)
                sim = subprocess.Popen(['bash', '-c', block], cwd=str(clone), env=env, stdout=log,  # pylint: disable=consider-using-with
                                       stderr=subprocess.STDOUT, start_new_session=True)
                for dummy in range(300):
                    if (home / 'mimecast-sim.env').exists() and not port_free(SIM_PORT):
                        break
                    assert sim.poll() is None, open(str(tmp_path / 'sim.log')).read()
                    time.sleep(0.1)
                else:
                    raise AssertionError('the simulator did not start: %s' % open(str(tmp_path / 'sim.log')).read())
                continue
            proc = subprocess.run(['bash', '-e', '-o', 'pipefail', '-c', block], cwd=str(clone), env=env,
                                  capture_output=True, text=True, timeout=900, check=False)
            assert proc.returncode == 0, 'README block failed (rc %d):\n%s\n--- output ---\n%s\n%s' % (
                proc.returncode, block, proc.stdout[-6000:], proc.stderr[-4000:])
            last = proc
    finally:
        if sim is not None and sim.poll() is None:
            os.killpg(sim.pid, signal.SIGTERM)
            try:
                sim.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(sim.pid, signal.SIGKILL)
                sim.wait()
        log.close()

    # what the quick start promises: the collection in the user's collections path, the files in ~/mimecast-triage
    installed = home / '.ansible' / 'collections' / 'ansible_collections' / 'secops' / 'mimecast'
    assert (installed / 'MANIFEST.json').exists()
    work = home / 'mimecast-triage'
    for name in ('dry-run.json', 'dry-run.html', 'dry-run.csv', 'run.json', 'run.html', 'run.csv',
                 'report/held-report.json', 'report/held-report.html', 'report/held-report.md'):
        assert (work / name).exists(), name
    with open(str(work / 'dry-run.json')) as handle:
        dry = json.load(handle)
    with open(str(work / 'run.json')) as handle:
        real = json.load(handle)
    assert dry['check_mode'] is True and real['check_mode'] is False
    assert real['totals']['released'] == dry['totals']['released'] > 0
    assert real['totals']['rejected'] == dry['totals']['rejected'] > 0 and real['totals']['failed'] == 0
    with open(str(work / 'report' / 'held-report.json')) as handle:
        assert json.load(handle)['total'] == dry['totals']['held'] - real['totals']['released'] - real['totals']['rejected']
    assert 'would release' in last.stdout and 'dry-run.csv' in last.stdout
    assert not os.path.exists(str(installed / 'playbooks' / 'report'))
