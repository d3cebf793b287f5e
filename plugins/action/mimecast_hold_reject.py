# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs mimecast_hold_reject in the controller's process when the connection is local, and accepts
``message`` (the contract's and the API's name) for the module's ``rejection_message`` option:
Ansible reserves ``message`` as a module option name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.plugin_utils.write_action_plugin import WriteActionBase


class ActionModule(WriteActionBase):
    TASK = 'reject'

    def translate_args(self, args):
        if 'message' in args:
            message = args.pop('message')
            if args.get('rejection_message') is not None and message is not None:
                return args, 'Give the rejection text as message or as rejection_message, not both'
            if message is not None:
                args['rejection_message'] = message
        return args, None
