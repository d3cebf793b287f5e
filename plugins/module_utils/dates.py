# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dates and durations: the one grammar of each.

Date options: ISO 8601 with an offset, or relative times (``-24h``, ``-30m``, ``-7d``, ``now``).
Durations (a rule's ``older_than``, the event source's ``lookback``, a plan's maximum age, a rule case's
``age``, the sign-less part of a relative date): a number with a unit, ``30s``, ``15m``, ``2h``, ``7d``,
``1w``, or a number of seconds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError

UTC = datetime.timezone.utc
API_FORMAT = '%Y-%m-%dT%H:%M:%S+0000'

_DURATION = re.compile(r'^(\d+(?:\.\d+)?)\s*([smhdw]?)$')
_UNITS = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
# a relative date: a sign and a whole duration with its unit (-24h, +1d)
_RELATIVE = re.compile(r'^[+-]\s*\d+\s*[smhdw]$', re.IGNORECASE)
DURATION_FORMS = '30s, 15m, 2h, 7d, 1w or a number of seconds'
_ISO = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})'
    r'(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?'
    r'\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$'
)


class DateError(InputError):
    """A date option that cannot be understood."""


def parse_duration(value, name='duration'):
    """Seconds (an int, or a float for a fractional number) of a duration: ``30s``, ``15m``, ``2h``, ``7d``,
    ``1w`` (any case), or a number of seconds. Raises :class:`DateError` naming ``name``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value >= 0:
            return value
    elif isinstance(value, str):
        match = _DURATION.match(value.strip().lower())
        if match:
            number = float(match.group(1)) if '.' in match.group(1) else int(match.group(1))
            return number * _UNITS[match.group(2)]
    raise DateError('%s %r is not a duration: use %s' % (name, value, DURATION_FORMS))


def utcnow():
    return datetime.datetime.now(UTC)


def parse_date(value, now=None, name='date'):
    """Parse a date option into an aware UTC datetime.

    Accepts ``now``, relative times with a sign (``-24h``, ``-30m``, ``-7d``, ``+1h``; units s, m, h, d, w),
    ISO 8601 date-times with ``Z`` or an offset (``2026-11-20T08:00:00+0100``), and plain dates
    (``2026-11-20``, taken as midnight UTC). A date-time without an offset is ambiguous and refused.
    """
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise DateError('%s %r has no time zone offset; add Z or an offset such as +0100' % (name, str(value)))
        return value.astimezone(UTC)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    now = now or utcnow()
    if text.lower() == 'now':
        return now
    if _RELATIVE.match(text):
        delta = datetime.timedelta(seconds=parse_duration(text[1:], name))
        return now - delta if text[0] == '-' else now + delta
    if re.match(r'^\d+\s*[smhdw]$', text.lower()):
        raise DateError('%s %r needs a sign: use -%s for the past (or +%s for the future)' % (name, text, text, text))
    match = _ISO.match(text)
    if not match:
        raise DateError('%s %r is not a date: use ISO 8601 with an offset (2026-11-20T08:00:00Z, '
                        '2026-11-20T08:00:00+0100) or a relative time (-24h, -30m, -7d, now)' % (name, text))
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if hour is not None and offset is None:
        raise DateError('%s %r has no time zone offset, so it is ambiguous: add Z or an offset such as +0100'
                        % (name, text))
    try:
        parsed = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                   int(second or 0), int((fraction or '0').ljust(6, '0')), tzinfo=_offset(offset))
    except ValueError as exc:
        raise DateError('%s %r is not a valid date: %s' % (name, text, exc))
    return parsed.astimezone(UTC)


def _offset(text):
    if text is None or text in ('Z', 'z'):
        return UTC
    sign = -1 if text[0] == '-' else 1
    digits = text[1:].replace(':', '')
    hours = int(digits[:2])
    minutes = int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise DateError('offset %r is out of range' % text)
    return datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))


def format_api(moment):
    """Format an aware datetime in the API's form, ``2026-11-20T07:00:00+0000``."""
    return moment.astimezone(UTC).strftime(API_FORMAT)


def api_range(start=None, end=None, now=None, names=('start', 'end')):
    """Parse optional start/end options; return a dict of the API fields, refusing start after end."""
    now = now or utcnow()
    out = {}
    start_dt = parse_date(start, now, names[0]) if start not in (None, '') else None
    end_dt = parse_date(end, now, names[1]) if end not in (None, '') else None
    if start_dt and end_dt and start_dt > end_dt:
        raise DateError('%s (%s) is after %s (%s)' % (names[0], format_api(start_dt), names[1], format_api(end_dt)))
    if start_dt:
        out['start'] = format_api(start_dt)
    if end_dt:
        out['end'] = format_api(end_dt)
    return out


# ------------------------------------------------------------------ dates in records (fast path)
_DATE_RE = re.compile(
    r'^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?'
    r'\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*$'
)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)


def _days_from_civil(y, m, d):
    # Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_date_cache = {}


def parse_api_epoch(value):
    """Epoch seconds (UTC) of an API date (``2022-08-01T13:10:54+0000``, ``...Z``, ``...+00:00``).

    Returns None for anything that is not such a date. Naive dates are taken as UTC.
    """
    if not isinstance(value, str):
        return None
    cached = _date_cache.get(value)
    if cached is not None or value in _date_cache:
        return cached
    m = _DATE_RE.match(value)
    result = None
    if m:
        year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
        second = int(m.group(6) or 0)
        if 1 <= month <= 12 and 1 <= day <= 31 and hour <= 24 and minute <= 59 and second <= 60:
            result = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
            if m.group(7):
                result += float('0.' + m.group(7))
            tz = m.group(8)
            if tz and tz not in ('Z', 'z'):
                sign = -1 if tz[0] == '-' else 1
                digits = tz[1:].replace(':', '')
                offset = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) >= 4 else 0)
                result -= sign * offset
    if len(_date_cache) > 200000:
        _date_cache.clear()
    _date_cache[value] = result
    return result


# The one form of a time in every report (JSON, CSV, HTML, Markdown) and on the screen: ISO 8601 in UTC, the zone
# named by its Z. It sorts as text, and every consumer of ISO 8601 reads it.
REPORT_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


def utc_iso(moment=None):
    """``2026-11-20T08:00:00Z``: a datetime (aware, or naive in UTC), epoch seconds, or None (now), in UTC."""
    return format_epoch(int(to_epoch(moment)), REPORT_FORMAT)


def report_date(value):
    """A time as every report shows it (``2026-11-20T08:00:00Z``): an API date (any offset), epoch seconds, or a
    datetime; '' for None or '', and a text that is not a date as it is."""
    if value is None or value == '':
        return ''
    if isinstance(value, str):
        if len(value) == 24 and value[10] == 'T' and value.endswith('+0000'):
            return value[:19] + 'Z'  # the API's own form, in UTC already
        epoch = parse_api_epoch(value)
        return value if epoch is None else format_epoch(int(epoch), REPORT_FORMAT)
    return utc_iso(value)


def to_epoch(now):
    """Epoch seconds for ``now``: an aware or naive (UTC) datetime, a number, or None (current time)."""
    if now is None:
        now = datetime.datetime.now(datetime.timezone.utc)
    if isinstance(now, datetime.datetime):
        if now.tzinfo is None:
            now = now.replace(tzinfo=datetime.timezone.utc)
        return (now - _EPOCH).total_seconds()
    if isinstance(now, (int, float)) and not isinstance(now, bool):
        return float(now)
    raise TypeError('now must be a datetime or epoch seconds, not %r' % (now,))


def format_epoch(epoch, form=API_FORMAT):
    """Epoch seconds (UTC) as text in ``form`` (``strftime``; the API's form by default)."""
    return (_EPOCH + datetime.timedelta(seconds=epoch)).strftime(form)
