# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret masking for the collection's controller-side action plugins, as AnsibleModule does for modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.parameters import remove_values


def masked(result, no_log_values):
    """``result`` with every ``no_log`` option value (as found by ArgumentSpecValidator) replaced, recursively."""
    return remove_values(result, no_log_values) if no_log_values else result
