# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters on the paths a run writes, checked before the run's first API request.

The documentation of each filter is in the YAML file of the same name beside this one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.secops.mimecast.plugins.module_utils.files import path_problem as problem_of
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import caller_path


def path_problem(path, what='file'):
    """Why a file cannot be written at ``path`` (relative: to the directory the command was started from), or ``''``."""
    if path is None or path == '':
        return ''
    if not isinstance(path, str):
        raise AnsibleFilterError('path_problem: the path must be a string, not %s' % type(path).__name__)
    return problem_of(caller_path(path), what, create=True) or ''


class FilterModule(object):
    """secops.mimecast path filters."""

    def filters(self):
        return {'path_problem': path_problem}
