# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one write engine: every bulk write of the collection (release, reject, ...) runs through it.

The engine knows no action by name. An action is a :class:`WriteAction`, a small description
(``write_actions.py`` holds the table): the API path, how a batch of items becomes the request's
``data``, how an item and an answer entry are keyed, which answer confirms an item, the result key,
and how an item whose answer was lost is handled:

* ``recheck`` given (release, reject): the write is never re-sent blindly. ``recheck(client, keys, concurrency)``
  reads the state again and returns the keys still pending (for example still held); an item no
  longer pending was done by the unanswered write; an item still pending is sent again.
* ``recheck`` None: setting the item again is harmless (an upsert), so a lost answer is simply sent
  again.

Either way an item is sent again, after a back-off, for up to ``rounds`` more rounds (the client's
``retries`` by default), so a transient fault never leaves work undone. Every item ends in exactly
one of three outcomes: ``done``, ``absent`` (nothing to do: not held any more), or ``failures``
(``{id, code, message, retryable}``, ``id`` being the item's key as the action reports it).

An action may say why some absent items are absent: ``absent_codes`` maps an API error code (say
``err_message_not_found``) to a result key (``not_found``). An item refused with such a code, by a
``fail`` entry about that item alone, and absent after all, is listed under that key in ``absent_by``
too (it stays in ``absent``). With ``probe``, the items a verified run found absent before writing are
sent once, after the work, in batches of their own, so that the API can say which ones it does not
know; whatever it answers, a probe is never a failure and never sent again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.secops.mimecast.plugins.module_utils.envelope import iter_fail_errors
from ansible_collections.secops.mimecast.plugins.module_utils.errors import FATAL_STATUSES, InputError, MimecastError

MAX_BATCH_SIZE = 500
MAX_CONCURRENCY = 16


def check_tuning(batch_size=None, concurrency=None):
    """Refuse a batch size or a concurrency out of range (each checked when given)."""
    if batch_size is not None and not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise InputError('batch_size must be between 1 and %d; got %d' % (MAX_BATCH_SIZE, batch_size))
    if concurrency is not None and not 1 <= concurrency <= MAX_CONCURRENCY:
        raise InputError('concurrency must be between 1 and %d; got %d' % (MAX_CONCURRENCY, concurrency))


class WriteAction(object):
    """The description of one bulk write.

    ``name``: the action's name (``release``); ``path``: the API path; ``result_key``: the task result key of
    the done items (``released``); ``module``: the module's FQCN; ``verb``: the past participle for messages.
    ``body(batch, options)``: the request's ``data`` list for a batch of items; ``key(item)``: an item's
    hashable key; ``answer_key(entry)``: the key an answer ``data`` entry is about (None: not about an
    item); ``confirmed(entry)``: whether that entry says the item was done; ``fail_keys(key, batch)``: the
    keys a ``fail`` entry's ``key`` is about; ``recheck(client, keys, concurrency)``: the keys still pending after a
    lost answer (see the module docstring), or None when the write is safe to repeat; ``absent``: why an
    item needs nothing (for messages); ``report(key)``: the key as results show it; ``prepare(items,
    options)``: the items validated and without duplicates, raising :class:`InputError` for bad input or
    options (before any request). ``label`` and ``dry_label``: how progress lines name the action done and, in
    check mode, to be done (default: ``verb`` and ``would <name>``). ``absent_codes``: ``{API error code: result
    key}`` of the refusals that say why an item is absent (see the module docstring).
    """

    def __init__(self, name, path, result_key, module, verb, body, key, answer_key, confirmed, fail_keys, prepare,
                 recheck=None, absent='not held any more', report=None, label=None, dry_label=None, absent_codes=None):
        self.name = name
        self.path = path
        self.result_key = result_key
        self.module = module
        self.verb = verb
        self.body = body
        self.key = key
        self.answer_key = answer_key
        self.confirmed = confirmed
        self.fail_keys = fail_keys
        self.recheck = recheck
        self.absent = absent
        self.report = report or (lambda k: k)
        self.prepare = prepare
        self.label = label or verb
        self.dry_label = dry_label or 'would %s' % name
        self.absent_codes = dict(absent_codes or {})

    def __repr__(self):
        return 'WriteAction(%r)' % self.name


class WriteEngine(object):
    """Run one :class:`WriteAction` over many items: batches, bounded concurrency, rounds until settled."""

    def __init__(self, client, action, options=None, batch_size=100, concurrency=4, rounds=None, verify=True,
                 progress=None, probe=False):
        check_tuning(batch_size, concurrency)
        self.client = client
        self.action = action
        self.options = dict(options or {})
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.rounds = client.retries if rounds is None else int(rounds)
        self.verify = verify and action.recheck is not None
        self.progress = progress  # progress(items answered, items to send), after every answer
        # send the items found absent before writing, once, so that the API says why (absent_codes)
        self.probe = bool(probe) and self.verify and bool(action.absent_codes)

    # ---------------------------------------------------------------- public
    def run(self, items, check_mode=False):
        """Process ``items`` (validated, without duplicates); return the outcome and the state before.

        ``{'done', 'absent', 'failures', 'before', 'after', 'answers', 'absent_by'}``: ``done`` and ``absent`` hold
        the items' keys; ``before``/``after`` map every key to whether it was pending (for ``--diff``); ``answers``
        maps each key done by an answer to the answer's ``data`` entry (what the API says it holds now);
        ``absent_by`` maps each result key of the action's ``absent_codes`` to the keys of ``absent`` the API
        said that of.
        """
        by_key = dict((self.action.key(item), item) for item in items)
        done, absent, failures = [], [], []
        answers = {}
        tags = {}
        if not by_key:
            return self._result(done, absent, failures, {})
        keys = list(by_key)
        probes = []
        if self.verify:
            pending = self.action.recheck(self.client, keys, self.concurrency)
            candidates = [k for k in keys if k in pending]
            if self.probe and not check_mode:
                probes = [k for k in keys if k not in pending]
            else:
                absent.extend(k for k in keys if k not in pending)
        else:
            candidates = keys
        chosen = set(candidates)
        before = dict((k, k in chosen) for k in keys)
        if check_mode:
            done.extend(candidates)
            return self._result(done, absent, failures, before)

        pending = candidates
        attempt = 0
        while pending:
            attempt += 1
            outcome = self._write_all([by_key[k] for k in pending])
            done.extend(outcome['done'])
            answers.update(outcome['answers'])
            tags.update(outcome['tags'])
            failures.extend(outcome['failures'])
            errors = outcome['errors']
            unknown, refused = outcome['unknown'], outcome['refused']
            if not unknown and not refused:
                break
            if self.action.recheck is not None:
                try:
                    still = self.action.recheck(self.client, unknown + refused, self.concurrency)
                except MimecastError as exc:
                    failures.extend(self._failure(k, 'outcome_unknown', 'could not re-check after an unanswered %s '
                                                  '(%s)' % (self.action.name, exc.msg), True) for k in unknown + refused)
                    break
                # no longer pending: an unanswered write did it (done); a refused one found it gone (absent)
                done.extend(k for k in unknown if k not in still)
                absent.extend(k for k in refused if k not in still)
                # still pending after a refusal: a real failure for that item
                failures.extend(self._failure(k, *errors[k]) for k in refused if k in still)
                pending = [k for k in unknown if k in still]
            else:
                failures.extend(self._failure(k, *errors[k]) for k in refused)
                pending = unknown
            if not pending:
                break
            if attempt > self.rounds or not self.client.back_off(
                    attempt, 'Mimecast %s: %d item(s) without a confirmed outcome after attempt %d; sending them again'
                    % (self.action.path, len(pending), attempt)):
                failures.extend(self._gave_up(k, attempt, errors[k]) for k in pending)
                break
        if probes:
            # not held when read: whatever the answer, absent (a lost or refused answer included), unless done
            # after all (held, but not yet listed when read); never a failure, never sent again
            outcome = self._write_all([by_key[k] for k in probes], progress=False)
            done.extend(outcome['done'])
            answers.update(outcome['answers'])
            tags.update(outcome['tags'])
            found = set(outcome['done'])
            absent.extend(k for k in probes if k not in found)
            before.update((k, True) for k in found)
        return self._result(done, absent, failures, before, answers, tags)

    # ------------------------------------------------------------- internals
    def _failure(self, key, code, message, retryable):
        return {'id': self.action.report(key), 'code': code, 'message': message, 'retryable': bool(retryable)}

    def _gave_up(self, key, attempts, error):
        code, message, dummy = error
        still = 'still held' if self.action.recheck is not None else 'not confirmed'
        return self._failure(key, code, '%s after %d attempt%s: last error %s' % (
            still, attempts, '' if attempts == 1 else 's', message), True)

    def _write_all(self, items, progress=True):
        """Send ``items`` in batches with bounded concurrency; sort every key into an outcome bucket."""
        outcome = {'done': [], 'failures': [], 'unknown': [], 'refused': [], 'errors': {}, 'answers': {}, 'tags': {}}
        batches = [items[i:i + self.batch_size] for i in range(0, len(items), self.batch_size)]
        state = {'fatal': None}

        def send(batch):
            if state['fatal'] is not None:
                return batch, state['fatal']
            try:
                return batch, self.client.call(self.action.path, self.action.body(batch, self.options), write=True)
            except MimecastError as exc:
                if exc.status in FATAL_STATUSES:
                    state['fatal'] = exc
                return batch, exc

        if self.concurrency == 1 or len(batches) == 1:
            self._sort_answers((send(b) for b in batches), outcome, len(items), progress)
        else:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches))) as pool:
                self._sort_answers(pool.map(send, batches), outcome, len(items), progress)
        return outcome

    def _sort_answers(self, answers, outcome, total, progress=True):
        answered = 0
        key = self.action.key
        for batch, answer in answers:
            if isinstance(answer, MimecastError):
                keys = [key(item) for item in batch]
                if answer.outcome_unknown:
                    outcome['unknown'].extend(keys)
                    for k in keys:
                        outcome['errors'][k] = (answer.code, answer.msg, True)
                else:
                    outcome['failures'].extend(self._failure(k, answer.code, answer.msg, answer.retryable) for k in keys)
            else:
                self._classify([key(item) for item in batch], answer, outcome)
            answered += len(batch)
            if self.progress is not None and progress:
                self.progress(answered, total)

    def _classify(self, keys, response, outcome):
        """Match the ``data`` and ``fail`` entries of one answer to the keys sent."""
        action = self.action
        sent = set(keys)
        seen = set()
        for entry in response.data:
            if not isinstance(entry, dict):
                continue
            k = action.answer_key(entry)
            if k not in sent or k in seen:
                continue
            seen.add(k)
            if action.confirmed(entry):
                outcome['done'].append(k)
                outcome['answers'][k] = entry
            else:
                outcome['refused'].append(k)
                outcome['errors'][k] = ('not_%s' % action.verb, 'the API did not confirm it: %s' % _entry_text(entry), False)
        for entry in response.fail:
            errors = list(iter_fail_errors([entry]))
            first = errors[0] if errors else {}
            detail = (first.get('code') or 'api_error', first.get('message') or 'unspecified failure',
                      bool(first.get('retryable')))
            fail_key = entry.get('key') if isinstance(entry, dict) else None
            about = action.fail_keys(fail_key, keys)
            for k in about:
                if k in sent and k not in seen:
                    seen.add(k)
                    outcome['refused'].append(k)
                    outcome['errors'][k] = detail
                    if len(about) == 1 and detail[0] in action.absent_codes:
                        # the API says why this one item needs nothing (err_message_not_found: not_found)
                        outcome['tags'][k] = action.absent_codes[detail[0]]
        for k in keys:
            if k not in seen:
                # neither confirmed nor refused: like a lost answer
                outcome['unknown'].append(k)
                outcome['errors'][k] = ('no_answer_for_id', 'the answer did not mention it', True)

    def _result(self, done, absent, failures, before, answers=None, tags=None):
        done_set = set(done)
        after = dict((k, pending and k not in done_set) for k, pending in before.items())
        absent_by = dict((name, []) for name in sorted(set(self.action.absent_codes.values())))
        for k in absent:
            if tags and k in tags:
                absent_by[tags[k]].append(k)
        return {'done': done, 'absent': absent, 'failures': failures, 'before': before, 'after': after, 'answers': answers or {},
                'absent_by': absent_by}


def _entry_text(entry):
    return ', '.join('%s=%r' % (k, v) for k, v in sorted(entry.items()) if k != 'id') or repr(entry)
