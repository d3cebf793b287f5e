# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Progress lines of the controller-side actions: a short prefix (the action and the host), not the task's name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def progress_prefix(action):
    """``triage [localhost]`` for the ``secops.mimecast.mimecast_triage`` task of host ``localhost``.

    ``action`` is the action plugin (an ``ActionBase``); the host is left out when it cannot be told.
    """
    name = str(getattr(action._task, 'action', '') or 'mimecast').rsplit('.', 1)[-1]
    if name.startswith('mimecast_'):
        name = name[len('mimecast_'):]
    host = None
    try:
        host = action._templar.available_variables.get('inventory_hostname')
    except Exception:  # pylint: disable=broad-except
        host = None
    return '%s [%s]' % (name, host) if host else name
