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


def write_problem(path, what='report'):
    """Why a file cannot be written at ``path`` (absolute), or None; ``what`` names it in the message.

    Directories that do not exist yet are fine when they can be created (the nearest one that exists is a
    directory the user may write in). Nothing is created or changed here: it is the check made before the
    first API request, so that an unwritable path fails a run that has sent nothing.
    """
    if os.path.isdir(path):
        return '%s %s is a directory: give the path of a file' % (what, path)
    if os.path.lexists(path) and not os.access(path, os.W_OK):
        return '%s %s is not writable' % (what, path)
    folder = os.path.dirname(path)
    existing = folder
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return '%s %s: %s is not a directory' % (what, path, existing)
    if not os.access(existing, os.W_OK | os.X_OK):
        if existing == folder:
            return '%s %s: directory %s is not writable' % (what, path, folder)
        return '%s %s: directory %s cannot be created (%s is not writable)' % (what, path, folder, existing)
    return None


def make_parent_dirs(path, what='report'):
    """Create the missing parent directories of the file ``path`` (absolute); return why they cannot be, or None."""
    problem = write_problem(path, what)
    if problem:
        return problem
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)  # several tenants may create it at once
    except OSError as exc:
        return '%s %s: directory %s cannot be created: %s' % (what, path, folder, exc.strerror or exc)
    return None
