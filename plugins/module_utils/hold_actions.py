# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release and reject held messages in bulk, safely.

Every id ends in exactly one of three outcomes: ``done`` (released/rejected by this run),
``not_held`` (nothing to do: released, rejected, expired or unknown), or ``failures``
(``{id, code, message, retryable}``). A write whose answer is lost is never blindly sent
again: the held queue is read again, and only ids confirmed still held are sent once more.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastError, iter_fail_errors
from ansible_collections.secops.mimecast.plugins.module_utils.held import held_ids

RELEASE_PATH = '/api/gateway/hold-release'
REJECT_PATH = '/api/gateway/hold-reject'
REASON_TYPES = (
    'MESSAGE CONTAINS UNDESIRABLE CONTENT',
    'MESSAGE CONTAINS CONFIDENTIAL INFORMATION',
    'REVIEWER DISAPPROVES OF CONTENT',
    'INAPPROPRIATE COMMUNICATION',
    'MESSAGE GOES AGAINST EMAIL POLICIES',
)
MAX_BATCH_SIZE = 500
MAX_CONCURRENCY = 16
# Statuses after which every later request would fail the same way: stop sending.
_FATAL_STATUSES = (401, 403, 418)
_BAD_ID = re.compile(r'[\s\x00-\x1f\x7f]')


class InputError(ValueError):
    """Invalid input, found before any API call."""


def clean_ids(ids):
    """Validate ids and drop duplicates (first occurrence kept); raise :class:`InputError` listing problems."""
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


def check_tuning(batch_size=None, concurrency=None):
    """Refuse a batch size or a concurrency out of range (each checked when given)."""
    if batch_size is not None and not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise InputError('batch_size must be between 1 and %d; got %d' % (MAX_BATCH_SIZE, batch_size))
    if concurrency is not None and not 1 <= concurrency <= MAX_CONCURRENCY:
        raise InputError('concurrency must be between 1 and %d; got %d' % (MAX_CONCURRENCY, concurrency))


class HoldAction(object):
    """Release (``action='release'``) or reject (``action='reject'``) held messages by id."""

    def __init__(self, client, action, batch_size=100, concurrency=4, verify_held=True, page_size=500,
                 reason_type=None, message=None, notify=False, resend_rounds=1, progress=None):
        if action not in ('release', 'reject'):
            raise InputError('action must be release or reject')
        if action == 'reject' and reason_type is not None and reason_type not in REASON_TYPES:
            raise InputError('reason_type must be one of: %s; got %r' % (', '.join(REASON_TYPES), reason_type))
        check_tuning(batch_size, concurrency)
        self.client = client
        self.action = action
        self.flag = action  # the per-id boolean in answers: release / reject
        self.path = RELEASE_PATH if action == 'release' else REJECT_PATH
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.verify_held = verify_held
        self.page_size = page_size
        self.reason_type = reason_type
        self.message = message
        self.notify = bool(notify)
        self.resend_rounds = resend_rounds
        self.progress = progress  # progress(ids answered, ids to send), after every answer

    # ---------------------------------------------------------------- public
    def run(self, ids, check_mode=False):
        """Process ``ids`` (already cleaned); return the classification and the held state before."""
        done, not_held, failures = [], [], []
        if not ids:
            return self._result(done, not_held, failures, {})
        if self.verify_held:
            held = self._held_now()
            candidates = [i for i in ids if i in held]
            not_held.extend(i for i in ids if i not in held)
        else:
            candidates = list(ids)
        candidate_set = set(candidates)
        before = dict((i, i in candidate_set) for i in ids)
        if check_mode:
            done.extend(candidates)
            return self._result(done, not_held, failures, before)

        pending = candidates
        for round_no in range(self.resend_rounds + 1):
            outcome = self._write_all(pending)
            done.extend(outcome['done'])
            failures.extend(outcome['failures'])
            recheck = outcome['unknown'] + outcome['refused']
            if not recheck:
                break
            try:
                held = self._held_now()
            except MimecastError as exc:
                failures.extend(self._failure(i, 'outcome_unknown', 'could not re-check the held state after an '
                                              'unanswered %s (%s)' % (self.action, exc.msg), True) for i in recheck)
                break
            refused = set(outcome['refused'])
            errors = outcome['errors']
            # Not held any more: an unanswered write did it (done); a refused one found it gone (not held).
            done.extend(i for i in outcome['unknown'] if i not in held)
            not_held.extend(i for i in outcome['refused'] if i not in held)
            # Still held after a refusal: a real failure for that id.
            failures.extend(self._failure(i, *errors.get(i, ('not_%sd' % self.action, 'the API did not %s it' % self.action,
                                                             False)))
                            for i in recheck if i in held and i in refused)
            pending = [i for i in outcome['unknown'] if i in held]
            if not pending:
                break
            if round_no == self.resend_rounds:
                failures.extend(self._failure(i, *errors.get(i, ('outcome_unknown', 'no answer', True)))
                                for i in pending)
        return self._result(done, not_held, failures, before)

    # ------------------------------------------------------------- internals
    def _held_now(self):
        return held_ids(self.client, page_size=self.page_size, concurrency=self.concurrency)

    def _failure(self, msg_id, code, message, retryable):
        return {'id': msg_id, 'code': code, 'message': message, 'retryable': bool(retryable)}

    def _payload(self, batch):
        if self.action == 'release':
            return [{'id': i} for i in batch]
        item = {'ids': list(batch), 'notify': self.notify}
        if self.reason_type is not None:
            item['reasonType'] = self.reason_type
        if self.message is not None:
            item['message'] = self.message
        return [item]

    def _write_all(self, ids):
        """Send ``ids`` in batches with bounded concurrency; sort every id into an outcome bucket."""
        outcome = {'done': [], 'failures': [], 'unknown': [], 'refused': [], 'errors': {}}
        batches = [ids[i:i + self.batch_size] for i in range(0, len(ids), self.batch_size)]
        if not batches:
            return outcome
        state = {'fatal': None}

        def send(batch):
            if state['fatal'] is not None:
                return batch, state['fatal']
            try:
                return batch, self.client.call(self.path, self._payload(batch), write=True)
            except MimecastError as exc:
                if exc.status in _FATAL_STATUSES:
                    state['fatal'] = exc
                return batch, exc

        if self.concurrency == 1 or len(batches) == 1:
            self._sort_answers((send(b) for b in batches), outcome, len(ids))
        else:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches))) as pool:
                self._sort_answers(pool.map(send, batches), outcome, len(ids))
        return outcome

    def _sort_answers(self, answers, outcome, total):
        answered = 0
        for batch, answer in answers:
            if isinstance(answer, MimecastError):
                if answer.outcome_unknown:
                    outcome['unknown'].extend(batch)
                    for i in batch:
                        outcome['errors'][i] = (answer.code, answer.msg, True)
                else:
                    outcome['failures'].extend(self._failure(i, answer.code, answer.msg, answer.retryable) for i in batch)
            else:
                self._classify(batch, answer, outcome)
            answered += len(batch)
            if self.progress is not None:
                self.progress(answered, total)

    def _classify(self, batch, response, outcome):
        """Match ``data`` and ``fail`` entries of one answer to the ids sent."""
        sent = set(batch)
        seen = set()
        for entry in response.data:
            if not isinstance(entry, dict):
                continue
            msg_id = entry.get('id')
            if msg_id not in sent or msg_id in seen:
                continue
            seen.add(msg_id)
            if entry.get(self.flag) is True:
                outcome['done'].append(msg_id)
            else:
                outcome['refused'].append(msg_id)
                outcome['errors'][msg_id] = ('not_%sd' % self.action, 'the API answered %s: %r' % (self.flag, entry.get(self.flag)),
                                             False)
        for entry in response.fail:
            errors = list(iter_fail_errors([entry]))
            first = errors[0] if errors else {}
            detail = (first.get('code') or 'api_error', first.get('message') or 'unspecified failure',
                      bool(first.get('retryable')))
            for msg_id in _fail_ids(entry, batch):
                if msg_id in sent and msg_id not in seen:
                    seen.add(msg_id)
                    outcome['refused'].append(msg_id)
                    outcome['errors'][msg_id] = detail
        missing = [i for i in batch if i not in seen]
        if missing:
            # Neither confirmed nor refused: treat like a lost answer and re-check.
            outcome['unknown'].extend(missing)
            for i in missing:
                outcome['errors'][i] = ('no_answer_for_id', 'the answer did not mention this id', True)

    def _result(self, done, not_held, failures, before):
        done_set = set(done)
        after = dict((i, held and i not in done_set) for i, held in before.items())
        return {'done': done, 'not_held': not_held, 'failures': failures, 'before': before, 'after': after}


def _fail_ids(entry, batch):
    """Which ids a ``fail`` entry is about: its key's ``id`` or ``ids``; a lone batch item otherwise."""
    key = entry.get('key') if isinstance(entry, dict) else None
    if isinstance(key, dict):
        if isinstance(key.get('id'), str):
            return [key['id']]
        if isinstance(key.get('ids'), list):
            return [i for i in key['ids'] if isinstance(i, str)]
    if len(batch) == 1:
        return list(batch)
    return []


ACTIONS = {
    # action: (key of the done ids in results, module)
    'release': ('released', 'secops.mimecast.mimecast_hold_release'),
    'reject': ('rejected', 'secops.mimecast.mimecast_hold_reject'),
}


def summary_message(action, result, check_mode):
    """A ``msg`` that counts each outcome, naming up to ten failed ids with their codes."""
    verb = ACTIONS[action][0]
    prefix = 'Would have %s' % verb if check_mode else verb.capitalize()
    total = len(result['done']) + len(result['not_held']) + len(result['failures'])
    msg = '%s %d, not held %d, failed %d (of %d ids)' % (
        prefix, len(result['done']), len(result['not_held']), len(result['failures']), total)
    if result['failures']:
        shown = ', '.join('%s (%s)' % (f['id'], f['code']) for f in result['failures'][:10])
        more = len(result['failures']) - 10
        msg += ': %s%s' % (shown, ' and %d more' % more if more > 0 else '')
    return msg


def hold_action_argument_spec(action='release'):
    """Options of mimecast_hold_release (``action='release'``) or mimecast_hold_reject (``'reject'``)."""
    spec = dict(
        ids=dict(type='list', elements='str', required=True, aliases=['id']),
        batch_size=dict(type='int', default=100),
        concurrency=dict(type='int', default=4),
        verify_held=dict(type='bool', default=True),
    )
    if action == 'reject':
        spec.update(
            reason_type=dict(type='str', choices=list(REASON_TYPES)),
            rejection_message=dict(type='str'),
            notify=dict(type='bool', default=False),
        )
    return spec


def hold_action_result(client, params, action, check_mode=False, diff=False):
    """Validate, act and build the task result of a release or reject task.

    Shared by the modules and by their controller-side action plugins. Raises :class:`InputError`
    before any API call for bad input; the result has ``_failed`` set when some ids failed.
    """
    result_key = ACTIONS[action][0]
    options = {}
    if action == 'reject':
        options = dict(reason_type=params.get('reason_type'), message=params.get('rejection_message'),
                       notify=params.get('notify'))
    ids = clean_ids(params['ids'])
    runner = HoldAction(client, action, batch_size=params['batch_size'], concurrency=params['concurrency'],
                        verify_held=params['verify_held'], **options)
    outcome = runner.run(ids, check_mode=check_mode)
    result = {
        'changed': bool(outcome['done']),
        result_key: outcome['done'],
        'not_held': outcome['not_held'],
        'failures': outcome['failures'],
        'msg': summary_message(action, outcome, check_mode),
    }
    if diff:
        result['diff'] = {
            'before': {'held': sorted(i for i, held in outcome['before'].items() if held)},
            'after': {'held': sorted(i for i, held in outcome['after'].items() if held)},
        }
    if outcome['failures']:
        result['_failed'] = True
    return result


def run_hold_action(mm, action):
    """Module body of release and reject (``mm`` is a MimecastModule)."""
    problem = None
    try:
        return hold_action_result(mm.client, mm.params, action, check_mode=mm.check_mode, diff=mm.module._diff)
    except InputError as exc:
        problem = str(exc)
    mm.fail(problem)
    return None
