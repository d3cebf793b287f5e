# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The table of write actions the engine (``write_engine.py``) runs: one entry per action.

A new write action is one more :class:`WriteAction` in :data:`ACTIONS` (with its module, docs and tests);
the engine, the task glue (``write_tasks.py``) and the triage report read everything from the entry.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.secops.mimecast.plugins.module_utils import endpoints
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.held import held_ids
from ansible_collections.secops.mimecast.plugins.module_utils.write_engine import WriteAction

REASON_TYPES = (
    'MESSAGE CONTAINS UNDESIRABLE CONTENT',
    'MESSAGE CONTAINS CONFIDENTIAL INFORMATION',
    'REVIEWER DISAPPROVES OF CONTENT',
    'INAPPROPRIATE COMMUNICATION',
    'MESSAGE GOES AGAINST EMAIL POLICIES',
)
_BAD_ID = re.compile(r'[\s\x00-\x1f\x7f]')


def clean_ids(ids):
    """Validate message ids and drop duplicates (first occurrence kept); raise :class:`InputError` listing problems."""
    problems = []
    seen = set()
    out = []
    for index, value in enumerate(ids or []):
        if value is None:
            value = ''
        if not isinstance(value, str):
            problems.append('ids[%d] is not a string (%s)' % (index, type(value).__name__))
            continue
        text = value.strip()
        if not text:
            problems.append('ids[%d] is empty' % index)
        elif _BAD_ID.search(text):
            problems.append('ids[%d] contains white space or control characters' % index)
        elif text not in seen:
            seen.add(text)
            out.append(text)
    if problems:
        shown = problems[:10]
        more = len(problems) - len(shown)
        raise InputError('Invalid ids, nothing was done: %s%s' % ('; '.join(shown), ' (and %d more)' % more if more else ''))
    return out


# ------------------------------------------------------------------ held messages (by id)
def _still_held(client, keys, concurrency):
    """The ids of ``keys`` held now: one read of the whole held queue (``concurrency`` time windows at once)."""
    held = held_ids(client, concurrency=concurrency)
    return set(k for k in keys if k in held)


def _fail_ids(key, batch):
    """Which ids a ``fail`` entry is about: its key's ``id`` or ``ids``; a lone batch item otherwise."""
    if isinstance(key, dict):
        if isinstance(key.get('id'), str):
            return [key['id']]
        if isinstance(key.get('ids'), list):
            return [i for i in key['ids'] if isinstance(i, str)]
    if len(batch) == 1:
        return list(batch)
    return []


def _prepare_ids(ids, options):
    reason_type = options.get('reason_type')
    if reason_type is not None and reason_type not in REASON_TYPES:
        raise InputError('reason_type must be one of: %s; got %r' % (', '.join(REASON_TYPES), reason_type))
    return clean_ids(ids)


def _release_body(batch, options):
    return [{'id': i} for i in batch]


def _reject_body(batch, options):
    item = {'ids': list(batch), 'notify': bool(options.get('notify'))}
    if options.get('reason_type') is not None:
        item['reasonType'] = options['reason_type']
    if options.get('message') is not None:
        item['message'] = options['message']
    return [item]


def _hold_action(name, path, result_key, module, body):
    return WriteAction(
        name=name, path=path, result_key=result_key, module=module, verb=result_key, body=body,
        key=lambda item: item,
        answer_key=lambda entry: entry.get('id'),
        # the per-id flag of the answer: {"id", "release": true} / {"id", "reject": true}
        confirmed=lambda entry: entry.get(name) is True,
        fail_keys=_fail_ids, prepare=_prepare_ids, recheck=_still_held,
        # an id the API says it does not know (a typo, another tenant's) is not_found, not only not held
        absent_codes={'err_message_not_found': 'not_found'})


RELEASE = _hold_action('release', endpoints.HOLD_RELEASE.path, 'released', 'secops.mimecast.mimecast_hold_release', _release_body)
REJECT = _hold_action('reject', endpoints.HOLD_REJECT.path, 'rejected', 'secops.mimecast.mimecast_hold_reject', _reject_body)

# ------------------------------------------------------------------ managed senders (by (sender, to, action))
SENDER_ACTIONS = ('permit', 'block')
SENDER_ENTRY_KEYS = ('sender', 'to', 'action')
# local@domain.tld: no white space, one @, a dotted domain of letters, digits and hyphens
_EMAIL = re.compile(r'^[^@\s<>(),;:"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$')


def is_address(value):
    """Whether ``value`` is an e-mail address the managed-sender endpoint takes (``local@domain.tld``)."""
    return isinstance(value, str) and len(value) <= 254 and _EMAIL.match(value) is not None


def sender_entry_problems(entry, label):
    """What is wrong with one ``{sender, to, action}`` entry (a list of messages naming ``label``)."""
    if not isinstance(entry, dict):
        return ['%s must be a mapping with sender, to and action, not %s' % (label, type(entry).__name__)]
    problems = ['%s: unknown key "%s" (allowed: %s)' % (label, key, ', '.join(SENDER_ENTRY_KEYS))
                for key in entry if key not in SENDER_ENTRY_KEYS]
    for name in ('sender', 'to'):
        value = entry.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append('%s: %s is missing' % (label, name))
        elif not is_address(value.strip() if isinstance(value, str) else value):
            problems.append('%s: %s %r is not an e-mail address' % (label, name, value))
    action = entry.get('action')
    if not isinstance(action, str) or action.strip().lower() not in SENDER_ACTIONS:
        problems.append('%s: action must be one of %s, not %r' % (label, ', '.join(SENDER_ACTIONS), action))
    return problems


def clean_sender_entries(entries, labels=None):
    """Validate ``{sender, to, action}`` entries; return them trimmed, in lower case, each (sender, to) once.

    The same entry twice is kept once; one (sender, to) both permitted and blocked is an error. Raises
    :class:`InputError` naming every bad entry (``labels[i]``, default ``entries[i]``), before any request.
    """
    problems = []
    out = []
    seen = {}
    for index, entry in enumerate(entries or []):
        label = labels[index] if labels else 'entries[%d]' % index
        found = sender_entry_problems(entry, label)
        if found:
            problems.extend(found)
            continue
        item = {'sender': entry['sender'].strip().lower(), 'to': entry['to'].strip().lower(), 'action': entry['action'].strip().lower()}
        pair = (item['sender'], item['to'])
        if pair in seen:
            first_label, first_action = seen[pair]
            if first_action != item['action']:
                problems.append('%s: %s -> %s is to be both %sed (%s) and %sed' % (
                    label, pair[0], pair[1], 'permitt' if first_action == 'permit' else 'block', first_label,
                    'permitt' if item['action'] == 'permit' else 'block'))
            continue
        seen[pair] = (label, item['action'])
        out.append(item)
    if problems:
        shown = problems[:10]
        more = len(problems) - len(shown)
        raise InputError('Invalid managed-sender entries, nothing was sent: %s%s' % (
            '; '.join(shown), ' (and %d more)' % more if more else ''))
    return out


def _sender_key(entry):
    """The key of an entry or of an answer's entry: (sender, to, action), in lower case; None when incomplete."""
    if not isinstance(entry, dict):
        return None
    values = (entry.get('sender'), entry.get('to'), entry.get('action', entry.get('type')))
    if not all(isinstance(v, str) for v in values):
        return None
    return tuple(v.strip().lower() for v in values)


def _fail_senders(key, batch):
    """Which entries a ``fail`` entry is about: its key's (sender, to, action); a lone batch item otherwise."""
    found = _sender_key(key)
    if found is not None:
        return [found]
    if len(batch) == 1:
        return list(batch)
    return []


def _prepare_senders(entries, options):
    return clean_sender_entries(entries)


def _sender_body(batch, options):
    return [{'sender': e['sender'], 'to': e['to'], 'action': e['action']} for e in batch]


MANAGED_SENDER = WriteAction(
    name='managed_sender', path=endpoints.MANAGED_SENDER.path, result_key='entries',
    module='secops.mimecast.mimecast_managed_sender', verb='set', body=_sender_body,
    key=_sender_key,
    # the answer: {"id": "MTOKEN:...", "sender", "to", "type": "Permit" | "Block"}, keyed by its type as the action
    answer_key=_sender_key,
    confirmed=lambda entry: bool(entry.get('id')),
    fail_keys=_fail_senders, prepare=_prepare_senders,
    # no way to read an entry back, and a set is an upsert: a lost answer is sent again
    recheck=None, absent='nothing to set', label='managed senders set:', dry_label='would set managed senders:',
    report=lambda key: {'sender': key[0], 'to': key[1], 'action': key[2]})

ACTIONS = dict((action.name, action) for action in (RELEASE, REJECT, MANAGED_SENDER))
