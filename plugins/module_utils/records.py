# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Records: keys converted from camelCase to snake_case as modules return them, and the readers of scalar values
(routes, booleans, text) the message view (``message.py``, where a record's fields and addresses are read) and the
request options use. API dates are parsed in ``dates.py`` (``parse_api_epoch``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError

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


# ---------------------------------------------------------------------------------------- routes
# Records carry routes in capitals (route: OUTBOUND); the list filters take them in lower case. Both are
# accepted everywhere, in any case.
ROUTES = ('inbound', 'outbound', 'internal', 'external')
ROUTE_FILTERS = ('all',) + ROUTES


def route_key(value):
    """A route in the one form used for comparisons (lower case, trimmed), or None for anything else."""
    if not isinstance(value, str):
        return None
    key = value.strip().lower()
    return key or None


def route_filter(value, name='route', allowed=ROUTE_FILTERS):
    """A route option as the API documents filter values (lower case), whatever case it was given in.

    Raises :class:`InputError` naming the allowed values.
    """
    key = route_key(value)
    if key not in allowed:
        raise InputError('%s must be one of %s (in any case), not %r' % (name, ', '.join(allowed), value))
    return key


# ----------------------------------------------------------------------------------- scalar values
def parse_bool(value):
    """True/False for a real bool or the strings 'true'/'false' (any case); else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered == 'true':
            return True
        if lowered == 'false':
            return False
    return None


def text(value):
    """A scalar as text ('' for None); None for a dict or a list."""
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return None
    return str(value)
