# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Records: keys converted from camelCase to snake_case as modules return them, and the shared readers of
record fields (addresses, routes, booleans) that the rules engine, the reports and the filters use.
API dates are parsed in ``dates.py`` (``parse_api_epoch``)."""

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


# ---------------------------------------------------------------------------------- record fields
# The helpers below read the API's raw camelCase records and the modules' snake_case records alike.
# The rules engine, the reports and the filters all read records through them.

def field(record, camel, snake=None):
    """``record[camel]``, else ``record[snake]`` (the snake_case spelling by default)."""
    value = record.get(camel)
    if value is None:
        value = record.get(snake or snake_key(camel))
    return value


def address(value):
    """The e-mail address of an address object or a plain string; None when there is none.

    Both shapes the API may send are accepted: ``{emailAddress, displayableName}`` (or its snake_case form)
    and ``{address, domain}``.
    """
    if isinstance(value, dict):
        for key in ('emailAddress', 'email_address', 'address', 'email'):
            addr = value.get(key)
            if isinstance(addr, str) and addr:
                return addr
        return None
    if isinstance(value, str) and value:
        return value
    return None


def addresses(value):
    """The addresses of a field that holds one address object or a list of them."""
    items = value if isinstance(value, list) else (value,)
    out = []
    for item in items:
        addr = address(item)
        if addr is not None:
            out.append(addr)
    return out


def sender(record):
    """The envelope sender address, else the header sender; None when neither is there."""
    addr = address(record.get('from'))
    if addr is None:
        addr = address(field(record, 'fromHeader'))
    return addr


def senders(record):
    """The envelope and the header sender addresses (each once)."""
    out = []
    for value in (record.get('from'), field(record, 'fromHeader')):
        addr = address(value)
        if addr is not None and addr not in out:
            out.append(addr)
    return out


def recipients(record):
    """Every envelope and header recipient address (each once, envelope first)."""
    out = []
    for value in (record.get('to'), field(record, 'toHeader')):
        for addr in addresses(value):
            if addr not in out:
                out.append(addr)
    return out


def envelope_recipients(record):
    """The envelope recipient addresses; the header ones only when the envelope has none."""
    found = addresses(record.get('to'))
    return found if found else addresses(field(record, 'toHeader'))


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
