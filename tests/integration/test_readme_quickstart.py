# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's quick start, run as written, as a new user would: a clone, an empty HOME, a plain shell.

The code blocks of the section "Quick start against the simulator" are taken from README.md and run in
order with bash (``doc_commands.py``): the block that starts the simulator (``make sim``) runs in the
background, as the README's second terminal, and the next block starts once the simulator has written its
settings.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from doc_commands import ROOT, assert_no_inventory_warnings, make_clone, port_free, run_blocks, section_blocks

SECTION = 'Quick start against the simulator'
SIM_PORT = 8025


def quickstart_blocks(readme):
    """The ```sh blocks of the quick-start section, in order."""
    return section_blocks(readme, SECTION)


def test_readme_has_the_quickstart_blocks():
    blocks = quickstart_blocks(os.path.join(ROOT, 'README.md'))
    assert len(blocks) == 3 and 'make install' in blocks[0] and 'make sim' in blocks[1], blocks
    assert 'cp docs/rules-examples/' in blocks[2] and '--check' in blocks[2]


@pytest.fixture
def clone(tmp_path):
    """A copy of this tree as a clone has it (its own git repository), with the tests' venv as its .venv."""
    return make_clone(tmp_path / 'secops-mimecast')


def test_readme_quickstart_as_written(clone, tmp_path):
    assert port_free(SIM_PORT), 'port %d is busy: the quick start starts the simulator there' % SIM_PORT
    blocks = quickstart_blocks(str(clone / 'README.md'))
    home = tmp_path / 'home'
    home.mkdir()
    done = run_blocks(blocks, clone, home, tmp_path / 'sim.log',
                      started=lambda: (home / 'mimecast-sim.env').exists() and not port_free(SIM_PORT))
    last = done[-1]

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
    # every command names its host: no "No inventory was parsed" / "provided hosts list is empty" warnings
    assert_no_inventory_warnings(done)
