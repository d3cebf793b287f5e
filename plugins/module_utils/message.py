# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one view of a message that rules decide and reports show, whatever it was read from.

A :class:`Message` answers the same questions of a held-list record (:class:`HeldMessage`), of a held
release-log record (:class:`LoggedMessage`: what a person released or rejected) and of an example message
written by hand (:func:`case_message`, for rule cases):

=====================  ==========================================================================
``id``                 the message id ('' when there is none)
``senders``            envelope then header sender address, each once (a rule's ``sender``)
``sender``             the address to show: the envelope sender, else the header one ('' if none)
``envelope_sender``    the envelope sender ('' if none): managed-sender entries name it
``recipients``         every envelope then header recipient address, each once (a rule's ``recipient``)
``envelope_recipients``  the envelope recipients, the header ones only when the envelope has none
``subject``, ``reason``, ``reason_code``, ``policy_info``  text, or None when the record has none
``route``              lower case (``inbound``), or None
``has_attachments``    True, False, or None when unknown
``received``           epoch seconds (UTC) the message was received, or None when unknown
``received_at``        the time received as the source wrote it (the API's text), or None
=====================  ==========================================================================

The held and logged views read their record when asked (a rule that tests the reason code never parses an
address), so deciding 100,000 records costs what the rules look at. The address readers here are the only
ones of the collection: both address shapes the API may send are accepted everywhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.secops.mimecast.plugins.module_utils.dates import format_epoch, parse_api_epoch, parse_duration, to_epoch
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.records import parse_bool, route_key, text

# the attributes every view answers (a rule's match key reads one of them: see plugin_utils/triage_rules.MATCH_KEYS)
FIELDS = ('id', 'senders', 'sender', 'envelope_sender', 'recipients', 'envelope_recipients', 'subject', 'reason',
          'reason_code', 'policy_info', 'route', 'has_attachments', 'received', 'received_at')

_NON_ALNUM = re.compile(r'[^0-9a-z]+')


# ------------------------------------------------------------------------------------------ addresses
def address(value):
    """The e-mail address of an address object or a plain string; None when there is none.

    Every shape the API may send: ``{emailAddress, displayableName}`` (or its snake_case form),
    ``{address, domain}`` (``address`` the whole address, or only its local part), ``{email}``, a string.
    """
    if isinstance(value, dict):
        for key in ('emailAddress', 'email_address', 'address', 'email'):
            addr = value.get(key)
            if isinstance(addr, str) and addr:
                if key == 'address' and '@' not in addr:
                    domain = value.get('domain')
                    if isinstance(domain, str) and domain:
                        return '%s@%s' % (addr, domain)  # {address: local part, domain}
                return addr
        return None
    if isinstance(value, str) and value:
        return value
    return None


def addresses(value):
    """The addresses of a field that holds one address object (or string) or a list of them."""
    items = value if isinstance(value, list) else (value,)
    out = []
    for item in items:
        addr = address(item)
        if addr is not None:
            out.append(addr)
    return out


def _one(value):
    """A sender field: one address object (or string); anything else has none."""
    addr = address(value)
    return (addr,) if addr is not None else ()


def _first(*values):
    for value in values:
        addr = address(value)
        if addr is not None:
            return addr
    return ''


def _once(*groups):
    out = []
    for group in groups:
        for addr in group:
            if addr not in out:
                out.append(addr)
    return tuple(out)


def reason_code_of(reason):
    """A reason as the held list's ``reasonCode`` spells it: lower case, each run of other characters an ``_``
    (None for None)."""
    return None if reason is None else _NON_ALNUM.sub('_', reason.lower())


def _field(record, camel, snake):
    """``record[camel]``, else ``record[snake]`` (the modules return records in snake_case)."""
    value = record.get(camel)
    return record.get(snake) if value is None else value


def _str(value):
    """A text field: None when the record does not have it (a rule never matches a field that is not there)."""
    return value if value is None or value.__class__ is str else text(value)


# ------------------------------------------------------------------------------------------ the view
class Message(object):
    """A message as rules and reports see it (see the module's docstring for the attributes)."""

    __slots__ = ()

    def __repr__(self):
        return '%s(%r)' % (type(self).__name__, self.id)


class HeldMessage(Message):
    """A get-hold-message-list record (camelCase as the API sends it, or snake_case as the modules return it).

    The plain fields are read at once (a dictionary look-up each); the addresses and the date are read when asked.
    """

    __slots__ = ('record', 'id', 'subject', 'reason', 'reason_code', 'policy_info', 'received_at')

    def __init__(self, record):
        record = self.record = record if isinstance(record, dict) else {}
        get = record.get
        self.id = text(get('id')) or ''
        self.subject = _str(get('subject'))
        self.reason = _str(get('reason'))
        self.reason_code = _str(_field(record, 'reasonCode', 'reason_code'))
        self.policy_info = _str(_field(record, 'policyInfo', 'policy_info'))
        self.received_at = _str(_field(record, 'dateReceived', 'date_received'))

    @property
    def senders(self):
        return _once(_one(self.record.get('from')), _one(_field(self.record, 'fromHeader', 'from_header')))

    @property
    def sender(self):
        return _first(self.record.get('from'), _field(self.record, 'fromHeader', 'from_header'))

    @property
    def envelope_sender(self):
        return _first(self.record.get('from'))

    @property
    def recipients(self):
        return _once(addresses(self.record.get('to')), addresses(_field(self.record, 'toHeader', 'to_header')))

    @property
    def envelope_recipients(self):
        return tuple(addresses(self.record.get('to')) or addresses(_field(self.record, 'toHeader', 'to_header')))

    @property
    def route(self):
        return route_key(self.record.get('route'))

    @property
    def has_attachments(self):
        return parse_bool(_field(self.record, 'hasAttachments', 'has_attachments'))

    @property
    def received(self):
        return parse_api_epoch(self.received_at)


class LoggedMessage(Message):
    """A held release-log record: a message a person released or rejected (camelCase or snake_case).

    Read as the held message it was: sender = ``fromEnv`` / ``fromHdr``, recipients = ``to``, reason =
    ``heldReason`` (the reason code derived from it as the list spells it), policy info = ``policy``,
    ``attachments``. A log record has no received time (``received`` is None); ``status``, ``operator``,
    ``released`` (epoch seconds) and ``reject_reason`` say what the person did, and when.
    """

    __slots__ = ('record',)

    def __init__(self, record):
        self.record = record if isinstance(record, dict) else {}

    @property
    def id(self):
        return text(self.record.get('id')) or ''

    @property
    def senders(self):
        return _once(_one(_field(self.record, 'fromEnv', 'from_env')), _one(_field(self.record, 'fromHdr', 'from_hdr')))

    @property
    def sender(self):
        return _first(_field(self.record, 'fromEnv', 'from_env'), _field(self.record, 'fromHdr', 'from_hdr'))

    @property
    def envelope_sender(self):
        return _first(_field(self.record, 'fromEnv', 'from_env'))

    @property
    def recipients(self):
        return tuple(addresses(self.record.get('to')))

    @property
    def envelope_recipients(self):
        return self.recipients

    @property
    def subject(self):
        return _str(self.record.get('subject'))

    @property
    def reason(self):
        return _str(_field(self.record, 'heldReason', 'held_reason'))

    @property
    def reason_code(self):
        return reason_code_of(self.reason)

    @property
    def policy_info(self):
        return _str(self.record.get('policy'))

    @property
    def route(self):
        return route_key(self.record.get('route'))

    @property
    def has_attachments(self):
        return parse_bool(self.record.get('attachments'))

    @property
    def received(self):
        return None

    @property
    def received_at(self):
        return None

    # what the person did
    @property
    def status(self):
        return (text(self.record.get('status')) or '').strip().lower()

    @property
    def operator(self):
        return (address(self.record.get('operator')) or '').strip().lower()

    @property
    def released(self):
        return parse_api_epoch(self.record.get('released'))

    @property
    def reject_reason(self):
        return _str(_field(self.record, 'rejectReason', 'reject_reason')) or ''


class FixedMessage(Message):
    """A message whose every field is given (a rule case written by hand, see :func:`case_message`)."""

    __slots__ = FIELDS

    def __init__(self, **fields):
        for name in FIELDS:
            setattr(self, name, fields.get(name))


# --------------------------------------------------------------------------------- a message by hand
# key -> what it must be; ``recipients`` may be one address or a list
CASE_KEYS = ('sender', 'recipients', 'subject', 'reason', 'reason_code', 'policy_info', 'route', 'has_attachments', 'age')
_CASE_TEXT = ('subject', 'reason', 'reason_code', 'policy_info')


def case_message(fields, now=None, label='message', mid=''):
    """The :class:`Message` of a hand-written example: ``{sender, recipients (a list or one address), subject,
    reason, reason_code (derived from reason when left out), policy_info, route, has_attachments, age (how long
    ago it was received: 30m, 3h, 2d)}``. Raises :class:`InputError` naming ``label`` and every problem."""
    if not isinstance(fields, dict):
        raise InputError('%s must be a mapping of %s, not %s' % (label, ', '.join(CASE_KEYS), type(fields).__name__))
    problems = ['%s: unknown key "%s" (allowed: %s)' % (label, key, ', '.join(CASE_KEYS)) for key in fields if key not in CASE_KEYS]
    values = {}
    sender = fields.get('sender')
    if sender is not None and not isinstance(sender, str):
        problems.append('%s: sender must be an address (a string), not %s' % (label, type(sender).__name__))
        sender = None
    sender = (sender or '').strip()
    rcpts = fields.get('recipients')
    if rcpts is None:
        rcpts = []
    elif isinstance(rcpts, str):
        rcpts = [rcpts]
    if not isinstance(rcpts, list) or not all(isinstance(r, str) for r in rcpts):
        problems.append('%s: recipients must be an address or a list of addresses' % label)
        rcpts = []
    rcpts = tuple(r.strip() for r in rcpts if r.strip())
    for key in _CASE_TEXT:
        value = fields.get(key)
        if value is not None and not isinstance(value, str):
            problems.append('%s: %s must be a string, not %s' % (label, key, type(value).__name__))
            value = None
        values[key] = value
    if fields.get('reason_code') is None:
        values['reason_code'] = reason_code_of(values['reason'])
    route = None
    if fields.get('route') is not None:
        route = route_key(fields['route'])
        if route is None:
            problems.append('%s: route must be a string such as INBOUND, not %r' % (label, fields['route']))
    attachments = None
    if fields.get('has_attachments') is not None:
        attachments = parse_bool(fields['has_attachments'])
        if attachments is None:
            problems.append('%s: has_attachments must be a boolean, not %r' % (label, fields['has_attachments']))
    received = None
    if fields.get('age') is not None:
        try:
            received = to_epoch(now) - parse_duration(fields['age'], name='%s: age' % label)
        except InputError as exc:
            problems.append(exc.msg)
    if problems:
        raise InputError('; '.join(problems))
    return FixedMessage(id=mid, senders=(sender,) if sender else (), sender=sender, envelope_sender=sender,
                        recipients=rcpts, envelope_recipients=rcpts, route=route, has_attachments=attachments,
                        received=received, received_at=None if received is None else format_epoch(int(received)), **values)
