# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Paths a user gives (report files and directories, rules files, summary reports), on the controller.

A relative path is relative to the directory ``ansible-playbook`` (or ``ansible``) was started from,
never to the playbook's directory or the collection's. The collection's action plugins run in the
controller's worker processes, which keep the working directory of the command the user ran; modules,
by contrast, are started by the local connection in the playbook's directory (for a collection
playbook such as ``secops.mimecast.report``, a directory inside the installed collection). So every
path is resolved here, in the action plugin, before anything is read or written, and the modules are
given absolute paths only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.secops.mimecast.plugins.module_utils.files import path_problem


def caller_dir():
    """The directory the command (``ansible-playbook``, ``ansible``) was started from."""
    return os.getcwd()


def caller_path(path, base=None):
    """``path`` made absolute: ``~`` and environment variables expanded, a relative path joined to ``base``
    (default: :func:`caller_dir`). ``None`` and ``''`` are returned as they are."""
    if path is None or path == '':
        return path
    path = os.path.expandvars(os.path.expanduser(str(path)))
    if not os.path.isabs(path):
        path = os.path.join(base if base is not None else caller_dir(), path)
    return os.path.normpath(path)


def sibling(path, suffix):
    """The path beside ``path`` with its extension replaced by ``suffix`` (``run.json`` -> ``run.html``);
    a path without an extension gets ``suffix`` added."""
    stem, ext = os.path.splitext(path)
    if not ext:
        stem = path
    return stem + suffix


def pages(report_path):
    """The HTML and CSV pages beside a JSON report (``run.json`` -> ``run.html``, ``run.csv``)."""
    return {'html': sibling(report_path, '.html'), 'csv': sibling(report_path, '.csv')}


def report_problem(report_path):
    """Why a JSON report, or a page beside it, cannot be written to ``report_path``, or None (checked before any
    API request; missing directories are fine when they can be made)."""
    problem = path_problem(report_path, 'report', create=True)
    for kind, other in sorted(pages(report_path).items()):
        problem = problem or path_problem(other, 'report %s: its %s page' % (report_path, kind.upper()), create=True)
    return problem
