# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret masking for the collection's controller-side action plugins, as AnsibleModule does for modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.common.parameters import remove_values

# characters that JSON writes differently from the string itself
_JSON_ESCAPED = frozenset('"\\') | frozenset(chr(c) for c in range(32))


def _as_text(value):
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return str(value)


def _plainly_absent(result, values):
    """True when no value occurs anywhere in ``result``: one scan of its JSON text (C speed).

    Only for values that JSON writes as themselves; anything else is left to ``remove_values``.
    """
    needles = []
    for value in values:
        if not isinstance(value, str) or not value or any(ch in _JSON_ESCAPED for ch in value):
            return False
        needles.append(value)
    try:
        text = json.dumps(result, ensure_ascii=False, default=_as_text)
    except (TypeError, ValueError):
        return False
    return not any(needle in text for needle in needles)


def masked(result, no_log_values):
    """``result`` with every ``no_log`` option value (as found by ArgumentSpecValidator) replaced, recursively.

    A result holding tens of thousands of ids and no secret is returned as it is, after one scan of
    its JSON text, instead of being walked and copied string by string.
    """
    if not no_log_values or _plainly_absent(result, no_log_values):
        return result
    return remove_values(result, no_log_values)
