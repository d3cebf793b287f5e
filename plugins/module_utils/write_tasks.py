# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible side of the write actions: each module's options and task result, for the modules and
for their controller-side action plugins alike (one :class:`WriteTask` per write module)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import ACTIONS, REASON_TYPES, SENDER_ACTIONS
from ansible_collections.secops.mimecast.plugins.module_utils.write_engine import WriteEngine

FAILURES_IN_MSG = 10


class WriteTask(object):
    """A write module: its action, its own options, and how its parameters become items and engine options.

    ``absent_key``: the result key of the items that needed nothing (``not_held``), or None; ``noun``: what the
    items are called in messages; ``result(task, outcome, check_mode, diff)``: the task result of a task whose
    result is not the by-id one (None: :func:`by_id_result`).
    """

    def __init__(self, action, argument_spec, items, options, absent_key='not_held', noun='ids', result=None):
        self.action = action
        self.result = result
        self.noun = noun
        self.spec = argument_spec
        self.items = items
        self.options = options
        self.absent_key = absent_key

    def argument_spec(self):
        return dict((name, dict(option)) for name, option in self.spec.items())


_TUNING = dict(
    batch_size=dict(type='int', default=100),
    concurrency=dict(type='int', default=4),
)
_BY_ID = dict(
    ids=dict(type='list', elements='str', required=True, aliases=['id']),
    verify_held=dict(type='bool', default=True),
    **_TUNING
)


def _sender_items(params):
    """The entries of a managed-sender task: the list form or the single form, never both."""
    single = dict((name, params.get(name)) for name in ('sender', 'to', 'action'))
    given = [name for name, value in single.items() if value is not None]
    if params.get('entries') is not None and given:
        raise InputError('Give entries, or sender, to and action, not both (got entries and %s)' % ', '.join(given))
    if params.get('entries') is not None:
        if not params['entries']:
            raise InputError('entries is empty: give at least one {sender, to, action}')
        return params['entries']
    if len(given) != 3:
        missing = [name for name, value in single.items() if value is None]
        raise InputError('Give entries (a list of {sender, to, action}), or sender, to and action; missing: %s' % ', '.join(missing))
    return [single]


def _entry_line(entry):
    return '%s %s -> %s' % (entry['action'], entry['sender'], entry['to'])


def sender_result(task, outcome, check_mode, diff):
    """The result of mimecast_managed_sender: ``entries`` (the API's answer entries), ``failures`` per entry."""
    action = task.action
    entries = []
    for key in outcome['done']:
        answer = outcome['answers'].get(key)
        entry = action.report(key)
        if answer is None:  # check mode: what would be set
            entries.append({'id': None, 'sender': entry['sender'], 'to': entry['to'], 'type': entry['action'].capitalize()})
        else:
            entries.append(dict((k, answer.get(k)) for k in ('id', 'sender', 'to', 'type')))
    failures = []
    for failure in outcome['failures']:
        entry = failure['id'] if isinstance(failure.get('id'), dict) else {}
        failures.append(dict(entry, code=failure['code'], message=failure['message'], retryable=failure['retryable']))
    counts = dict((name, sum(1 for k in outcome['done'] if k[2] == name)) for name in SENDER_ACTIONS)
    total = len(outcome['done']) + len(failures)
    msg = '%s %d managed sender%s (permit %d, block %d), failed %d (of %d entries)' % (
        'Would set' if check_mode else 'Set', len(outcome['done']), '' if len(outcome['done']) == 1 else 's',
        counts['permit'], counts['block'], len(failures), total)
    if failures:
        shown = ', '.join('%s (%s)' % (_entry_line(f), f['code']) for f in failures[:FAILURES_IN_MSG])
        more = len(failures) - FAILURES_IN_MSG
        msg += ': %s%s' % (shown, ' and %d more' % more if more > 0 else '')
    result = {'changed': bool(outcome['done']), 'entries': entries, 'failures': failures, 'msg': msg}
    if diff:
        lines = [_entry_line(action.report(key)) for key in outcome['done']]
        result['diff'] = {'before_header': 'managed senders (the API cannot read them back)', 'before': '',
                          'after_header': 'managed senders %s' % ('that would be set' if check_mode else 'set'),
                          'after': ''.join(line + '\n' for line in lines)}
    return result


_SENDER_ENTRY = dict(
    sender=dict(type='str', required=True),
    to=dict(type='str', required=True),
    action=dict(type='str', required=True, choices=list(SENDER_ACTIONS)),
)

TASKS = {
    'release': WriteTask(ACTIONS['release'], _BY_ID, items=lambda params: params['ids'], options=lambda params: {}),
    'reject': WriteTask(
        ACTIONS['reject'],
        dict(_BY_ID, reason_type=dict(type='str', choices=list(REASON_TYPES)), rejection_message=dict(type='str'),
             notify=dict(type='bool', default=False)),
        items=lambda params: params['ids'],
        options=lambda params: dict(reason_type=params.get('reason_type'), message=params.get('rejection_message'),
                                    notify=params.get('notify'))),
    'managed_sender': WriteTask(
        ACTIONS['managed_sender'],
        dict(entries=dict(type='list', elements='dict', options=_SENDER_ENTRY), sender=dict(type='str'), to=dict(type='str'),
             action=dict(type='str', choices=list(SENDER_ACTIONS)), **_TUNING),
        items=_sender_items, options=lambda params: {}, absent_key=None, noun='entries', result=sender_result),
}


def summary_message(task, outcome, check_mode):
    """A ``msg`` that counts each outcome, naming up to ten failed items with their codes."""
    verb = task.action.verb
    prefix = 'Would have %s' % verb if check_mode else verb.capitalize()
    total = len(outcome['done']) + len(outcome['absent']) + len(outcome['failures'])
    msg = '%s %d' % (prefix, len(outcome['done']))
    if task.absent_key:
        said = outcome.get('absent_by') or {}
        msg += ', %s %d' % (task.absent_key.replace('_', ' '), len(outcome['absent']) - sum(len(keys) for keys in said.values()))
        # what the API said of some (not found: ids it does not know), when it said it of any
        msg += ''.join(', %s %d' % (name.replace('_', ' '), len(keys)) for name, keys in sorted(said.items()) if keys)
    msg += ', failed %d (of %d %s)' % (len(outcome['failures']), total, task.noun)
    if outcome['failures']:
        shown = ', '.join('%s (%s)' % (f['id'], f['code']) for f in outcome['failures'][:FAILURES_IN_MSG])
        more = len(outcome['failures']) - FAILURES_IN_MSG
        msg += ': %s%s' % (shown, ' and %d more' % more if more > 0 else '')
    return msg


def write_task_result(client, params, task, check_mode=False, diff=False, progress=None):
    """Validate, act and build the task result of a write module (``failed`` set when some items failed).

    Raises :class:`InputError` before any API call for bad input.
    """
    action = task.action
    options = task.options(params)
    items = action.prepare(task.items(params), options)
    # probe: the ids not held are sent too (not in check mode), so that the API says which ones it does not know
    engine = WriteEngine(client, action, options, batch_size=params['batch_size'], concurrency=params['concurrency'],
                         verify=params.get('verify_held', True), progress=progress, probe=True)
    outcome = engine.run(items, check_mode=check_mode)
    if task.result is not None:
        result = task.result(task, outcome, check_mode, diff)
        if result['failures']:
            result['failed'] = True
        return result
    result = {'changed': bool(outcome['done']), action.result_key: [action.report(k) for k in outcome['done']],
              'failures': outcome['failures'], 'msg': summary_message(task, outcome, check_mode)}
    if task.absent_key:
        # absent: not held; those the API said it does not know are in their own key (not_found), not in both
        said = outcome.get('absent_by') or {}
        told = set(k for keys in said.values() for k in keys)
        result[task.absent_key] = [action.report(k) for k in outcome['absent'] if k not in told]
        for name, keys in said.items():
            result[name] = [action.report(k) for k in keys]
    if diff:
        result['diff'] = {
            'before': {'held': sorted(action.report(k) for k, pending in outcome['before'].items() if pending)},
            'after': {'held': sorted(action.report(k) for k, pending in outcome['after'].items() if pending)},
        }
    if outcome['failures']:
        result['failed'] = True
    return result
