# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Paths a run writes: checked before the first request (nothing created; the writer makes the directories)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.secops.mimecast.plugins.filter.paths import FilterModule
from ansible_collections.secops.mimecast.plugins.module_utils import files


def write_problem(path, what):
    return files.path_problem(path, what, create=True)


path_problem = FilterModule().filters()['path_problem']


@pytest.fixture
def tree(tmp_path):
    (tmp_path / 'afile').write_text('x')
    (tmp_path / 'adir').mkdir()
    return tmp_path


@pytest.mark.parametrize('relative', ['run.json', 'adir/run.json', 'new/run.json', 'new/deeper/run.json', 'afile'])
def test_writable_paths_have_no_problem_and_nothing_is_created(tree, relative):
    before = sorted(os.listdir(str(tree)))
    assert write_problem(str(tree / relative), 'report') is None
    assert sorted(os.listdir(str(tree))) == before


@pytest.mark.parametrize('relative, message', [
    ('adir', 'summary {p} is a directory: give the path of a file'),
    ('afile/run.json', 'summary {p}: {t}/afile is not a directory'),
    ('afile/deeper/run.json', 'summary {p}: {t}/afile is not a directory'),
])
def test_what_stands_in_the_way_is_named(tree, relative, message):
    path = str(tree / relative)
    assert write_problem(path, 'summary') == message.format(p=path, t=tree)


@pytest.mark.skipif(os.geteuid() == 0, reason='root may write anywhere')
def test_a_directory_without_write_permission(tree):
    locked = tree / 'locked'
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert write_problem(str(locked / 'run.json'), 'report') == 'report %s: directory %s is not writable' % (
            locked / 'run.json', locked)
        assert write_problem(str(locked / 'sub' / 'run.json'), 'report') == \
            'report %s: directory %s cannot be created (%s is not writable)' % (locked / 'sub' / 'run.json', locked / 'sub', locked)
    finally:
        locked.chmod(0o755)


def test_the_filter_is_relative_to_the_start_directory(tree, monkeypatch):
    monkeypatch.chdir(str(tree))
    assert path_problem('new/summary.json', 'mimecast_triage_summary_report') == ''
    assert path_problem('afile/summary.json', 'mimecast_triage_summary_report') == \
        'mimecast_triage_summary_report %s: %s is not a directory' % (tree / 'afile' / 'summary.json', tree / 'afile')
    assert path_problem('adir') == 'file %s is a directory: give the path of a file' % (tree / 'adir')
    assert path_problem('') == '' and path_problem(None) == ''
    with pytest.raises(AnsibleFilterError, match='must be a string'):
        path_problem(['a'])
    assert sorted(os.listdir(str(tree))) == ['adir', 'afile']  # nothing created
