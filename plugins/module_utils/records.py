# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Records as modules return them: keys converted from camelCase to snake_case, values unchanged."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_IDENTIFIER = re.compile(r'^[A-Za-z][A-Za-z0-9_]*$')
_ACRONYM = re.compile(r'([A-Z]+)([A-Z][a-z])')
_WORD = re.compile(r'([a-z0-9])([A-Z])')
_CACHE = {}


def snake_key(key):
    """``reasonCode`` -> ``reason_code``, ``remoteIP`` -> ``remote_ip``; keys that are not identifiers
    (e-mail addresses keying ``deliveredMessage``, for example) are left as they are."""
    try:
        return _CACHE[key]
    except (KeyError, TypeError):
        pass
    if not isinstance(key, str) or not _IDENTIFIER.match(key):
        return key
    converted = _WORD.sub(r'\1_\2', _ACRONYM.sub(r'\1_\2', key)).lower()
    if len(_CACHE) < 10000:
        _CACHE[key] = converted
    return converted


def snake_case(value):
    """Convert every dict key in ``value`` recursively; lists and scalars keep their values."""
    if isinstance(value, dict):
        return dict((snake_key(k), snake_case(v)) for k, v in value.items())
    if isinstance(value, list):
        return [snake_case(v) for v in value]
    return value
