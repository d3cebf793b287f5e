# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a document's commands as written, as a new user would: a clone, an empty HOME, a plain shell.

The ```sh blocks of one section of a Markdown file run in order with bash, each from the clone's directory (a
new terminal). The block that starts the simulator (``make sim``) runs in the background, as the document's
second terminal, and the next block starts once the simulator has written the file it was asked for. The clone
is a copy of this tree with a git repository of its own; its ``.venv`` is the one the tests run with (``make
venv`` is the same target ``make test`` builds on a fresh machine). The shell has no venv on its PATH and no
ANSIBLE_*/MIMECAST_* variables; HOME is empty, so the collection is found only where ``make install`` put it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time

from conftest import BIN

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
# what ansible-playbook and ansible print when they are given no inventory: a command of the docs never should
NO_INVENTORY_WARNINGS = ('No inventory was parsed', 'provided hosts list is empty')


def section_blocks(markdown, section):
    """The ```sh blocks of the section ``## <section>`` of ``markdown`` (a path), in order."""
    with open(markdown, encoding='utf-8') as handle:
        text = handle.read()
    found = re.search(r'^## %s[^\n]*\n(.*?)(?=^## |\Z)' % re.escape(section), text, re.S | re.M)
    assert found, '%s has no section "## %s"' % (markdown, section)
    return re.findall(r'^```sh\n(.*?)^```', found.group(1), re.S | re.M)


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


def make_clone(dest):
    """A copy of this tree at ``dest`` as a clone has it (its own git repository), with the tests' venv as its .venv."""
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


def run_blocks(blocks, clone, home, log_path, started):
    """Run ``blocks`` in order as the document says; ``started()`` tells when the background simulator is up.

    Returns the ``CompletedProcess`` of every block run in the foreground; the simulator is stopped at the end.
    """
    env = user_env(str(home))
    sim = None
    done = []
    log = open(str(log_path), 'w')  # pylint: disable=consider-using-with
    try:
        for block in blocks:
            if 'make sim' in block:
                # the second terminal: in the background, in its own process group (stopped below)
                sim = subprocess.Popen(['bash', '-c', block], cwd=str(clone), env=env, stdout=log,  # pylint: disable=consider-using-with
                                       stderr=subprocess.STDOUT, start_new_session=True)
                for dummy in range(300):
                    if started():
                        break
                    assert sim.poll() is None, open(str(log_path)).read()
                    time.sleep(0.1)
                else:
                    raise AssertionError('the simulator did not start: %s' % open(str(log_path)).read())
                continue
            proc = subprocess.run(['bash', '-e', '-o', 'pipefail', '-c', block], cwd=str(clone), env=env,
                                  capture_output=True, text=True, timeout=900, check=False)
            assert proc.returncode == 0, 'block failed (rc %d):\n%s\n--- output ---\n%s\n%s' % (
                proc.returncode, block, proc.stdout[-6000:], proc.stderr[-4000:])
            done.append(proc)
    finally:
        if sim is not None and sim.poll() is None:
            os.killpg(sim.pid, signal.SIGTERM)
            try:
                sim.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(sim.pid, signal.SIGKILL)
                sim.wait()
        log.close()
    return done


def assert_no_inventory_warnings(procs):
    """No command warned that it was given no inventory (the docs' commands name their hosts)."""
    for proc in procs:
        for warning in NO_INVENTORY_WARNINGS:
            assert warning not in proc.stdout + proc.stderr, (warning, proc.args, proc.stderr[-2000:])
