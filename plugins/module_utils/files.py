# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files a run writes (reports, reviews, the event source's state): the one atomic writer and the one
writability check, made before any API request so that a run never acts and then finds it cannot say what
it did.

Every file is written ``0600``: reports hold message data (addresses, subjects) as the state file holds
message ids, and are the user's to share.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

FILE_MODE = 0o600


def _existing_ancestor(path):
    existing = path
    while not os.path.lexists(existing):
        parent = os.path.dirname(existing)
        if parent == existing:
            break
        existing = parent
    return existing


def path_problem(path, label='', directory=False, create=False):
    """Why ``path`` cannot be written, or None. Nothing is created or changed here.

    ``path`` is a file, or with ``directory`` a directory the files go into. Without ``create`` the directory
    (or the file's) must exist; with it, the missing directories must be ones that can be made (:func:`write_atomic`
    makes them): the nearest one that exists is a directory the user may write in. ``label`` names the path in the
    message (``report``).
    """
    name = ('%s %s' % (label, path)) if label else path
    if directory:
        if os.path.exists(path) and not os.path.isdir(path):
            return '%s exists and is not a directory' % name
        folder = path
    else:
        if os.path.isdir(path):
            return '%s is a directory: give the path of a file' % name
        if os.path.lexists(path) and not os.access(path, os.W_OK):
            return '%s is not writable' % name
        folder = os.path.dirname(os.path.abspath(path))
    if not create and not os.path.isdir(folder):
        return '%s: directory %s does not exist' % (name, folder)
    existing = _existing_ancestor(folder)
    if not os.path.isdir(existing):
        return '%s: %s is not a directory' % (name, existing)
    if not os.access(existing, os.W_OK | os.X_OK):
        if existing == folder:
            return '%s: directory %s is not writable' % (name, folder)
        return '%s: directory %s cannot be created (%s is not writable)' % (name, folder, existing)
    return None


def write_atomic(path, data, newline=None, mode=FILE_MODE, fsync=False):
    """Write ``data`` (text, UTF-8) to ``path`` atomically: a temporary file in the same directory, then a rename.

    The parent directories are made when missing. Readers see the old file or the new one, never a part.
    """
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        os.makedirs(folder)
    handle, temp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), suffix='.tmp', dir=folder)
    try:
        with os.fdopen(handle, 'w', encoding='utf-8', newline=newline) as out:
            out.write(data)
            if fsync:
                out.flush()
                os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
