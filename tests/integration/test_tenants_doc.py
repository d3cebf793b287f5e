# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/tenants.md's "Try it against the simulator", run as written, as a new user would: a clone, an empty HOME, a
plain shell (``doc_commands.py``). The simulator serves three tenants and writes their inventory; the example's
shared rules go beside it; a dry run, the real run and a dry run again triage every tenant of the inventory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest
import yaml

from doc_commands import ROOT, assert_no_inventory_warnings, make_clone, run_blocks, section_blocks


SECTION = 'Try it against the simulator'
TENANTS = ('tenant1', 'tenant2', 'tenant3')


def kept_stamp(report):
    """How a kept report is named (the contract's YYYYMMDDTHHMMSSZ), from its generated_at (2026-12-07T10:11:12Z)."""
    return report['generated_at'].replace('-', '').replace(':', '')


def test_the_doc_has_the_blocks():
    blocks = section_blocks(os.path.join(ROOT, 'docs', 'tenants.md'), SECTION)
    assert len(blocks) == 3 and 'make install' in blocks[0] and 'make sim' in blocks[1], blocks
    assert '--inventory-file' in blocks[1] and blocks[2].count('ansible-playbook -i inventory.yml') == 3
    # the doc's example runs on the inventory's tenants without being told the group
    assert 'mimecast_hosts' not in blocks[2]


@pytest.fixture
def clone(tmp_path):
    return make_clone(tmp_path / 'secops-mimecast')


def recap(text):
    """{host: {ok, changed, failed, ...}} of the PLAY RECAP lines in ``text``."""
    found = re.findall(r'^(\S+)\s*:\s*((?:\w+=\d+\s*)+)$', text, re.M)
    return dict((host, dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', counts))) for host, counts in found)


def test_tenants_doc_as_written(clone, tmp_path):
    blocks = section_blocks(str(clone / 'docs' / 'tenants.md'), SECTION)
    home = tmp_path / 'home'
    home.mkdir()
    work = home / 'mimecast-tenants'
    done = run_blocks(blocks, clone, home, tmp_path / 'sim.log', started=(work / 'inventory.yml').exists)
    output = done[-1].stdout

    # the inventory the simulator wrote: its three tenants, the only hosts the three runs ran on
    inventory = yaml.safe_load((work / 'inventory.yml').read_text())
    assert sorted(inventory['all']['children']['mimecast_tenants']['hosts']) == list(TENANTS)
    recaps = [recap(part) for part in output.split('PLAY RECAP')[1:]]
    assert len(recaps) == 3 and all(sorted(r) == list(TENANTS) for r in recaps), recaps
    assert all(r[host]['failed'] == 0 for r in recaps for host in TENANTS)

    reports = work / 'reports'
    summary = json.loads((reports / 'summary.json').read_text())
    assert sorted(summary['tenants']) == list(TENANTS) and summary['check_mode'] is True and summary['failed'] == []
    assert summary['totals']['released'] == 0  # the last dry run: nothing left to release
    for host in TENANTS:
        latest = json.loads((reports / ('%s.json' % host)).read_text())
        assert latest['check_mode'] is True, host
        # the real run's report, kept beside the last dry run's with its review reports, never overwritten
        kept = sorted(name for name in os.listdir(str(reports)) if name.startswith(host + '.') and name.endswith('.json')
                      and name != host + '.json')
        assert len(kept) == 1, os.listdir(str(reports))
        report = json.loads((reports / kept[0]).read_text())
        assert report['check_mode'] is False and report['totals']['released'] > 0, host
        assert kept[0] == '%s.%s.json' % (host, kept_stamp(report))
        for suffix in ('.html', '.csv'):
            assert (reports / kept[0].replace('.json', suffix)).exists()
            assert (reports / (host + suffix)).exists()
    assert 'summary.json' in output and 'tenant1.csv' in output  # ls reports/
    assert_no_inventory_warnings(done)
