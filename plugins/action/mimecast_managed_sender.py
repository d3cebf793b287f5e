# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs mimecast_managed_sender in the controller's process when the connection is local."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.plugin_utils.write_action_plugin import WriteActionBase


class ActionModule(WriteActionBase):
    TASK = 'managed_sender'
