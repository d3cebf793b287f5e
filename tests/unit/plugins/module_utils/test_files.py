# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one atomic writer and the one writability check."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.secops.mimecast.plugins.module_utils.files import FILE_MODE, path_problem, write_atomic


def test_write_atomic_makes_the_directories_and_writes_0600(tmp_path):
    path = str(tmp_path / 'a' / 'b' / 'run.json')
    write_atomic(path, 'caf\u00e9\n')
    with open(path, encoding='utf-8') as handle:
        assert handle.read() == 'caf\u00e9\n'
    assert stat.S_IMODE(os.stat(path).st_mode) == FILE_MODE == 0o600
    write_atomic(path, 'a\r\nb\r\n', newline='', fsync=True)
    with open(path, 'rb') as handle:
        assert handle.read() == b'a\r\nb\r\n'
    assert sorted(os.listdir(str(tmp_path / 'a' / 'b'))) == ['run.json']  # no temporary file left


def test_write_atomic_leaves_the_old_file_when_it_fails(tmp_path, monkeypatch):
    path = str(tmp_path / 'run.json')
    write_atomic(path, 'old')

    def broken(src, dst):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'replace', broken)
    with pytest.raises(OSError):
        write_atomic(path, 'new')
    with open(path) as handle:
        assert handle.read() == 'old'
    assert os.listdir(str(tmp_path)) == ['run.json']


def test_path_problem(tmp_path):
    assert path_problem(str(tmp_path / 'run.json'), 'report') is None
    assert path_problem(str(tmp_path), 'report') == 'report %s is a directory: give the path of a file' % tmp_path
    missing = str(tmp_path / 'no' / 'run.json')
    assert path_problem(missing, 'report') == 'report %s: directory %s does not exist' % (missing, tmp_path / 'no')
    assert path_problem(missing, 'report', create=True) is None
    target = tmp_path / 'file'
    target.write_text('x')
    assert path_problem(str(target), 'dest', directory=True) == 'dest %s exists and is not a directory' % target
    assert path_problem(str(tmp_path / 'new-dir'), 'dest', directory=True, create=True) is None


@pytest.mark.skipif(os.geteuid() == 0, reason='root may write anywhere')
def test_path_problem_unwritable(tmp_path):
    locked = tmp_path / 'locked'
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert 'is not writable' in path_problem(str(locked / 'run.json'), 'report')
    finally:
        locked.chmod(0o700)
