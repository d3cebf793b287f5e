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
        fail_keys=_fail_ids, prepare=_prepare_ids, recheck=_still_held)


RELEASE = _hold_action('release', '/api/gateway/hold-release', 'released', 'secops.mimecast.mimecast_hold_release', _release_body)
REJECT = _hold_action('reject', '/api/gateway/hold-reject', 'rejected', 'secops.mimecast.mimecast_hold_reject', _reject_body)

ACTIONS = dict((action.name, action) for action in (RELEASE, REJECT))
