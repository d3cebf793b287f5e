# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible side of the write actions: each module's options and task result, for the modules and
for their controller-side action plugins alike (one :class:`WriteTask` per write module)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import ACTIONS, REASON_TYPES
from ansible_collections.secops.mimecast.plugins.module_utils.write_engine import WriteEngine

FAILURES_IN_MSG = 10


class WriteTask(object):
    """A write module: its action, its own options, and how its parameters become items and engine options.

    ``absent_key``: the result key of the items that needed nothing (``not_held``), or None; ``noun``: what the
    items are called in messages.
    """

    def __init__(self, action, argument_spec, items, options, absent_key='not_held', noun='ids'):
        self.action = action
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

TASKS = {
    'release': WriteTask(ACTIONS['release'], _BY_ID, items=lambda params: params['ids'], options=lambda params: {}),
    'reject': WriteTask(
        ACTIONS['reject'],
        dict(_BY_ID, reason_type=dict(type='str', choices=list(REASON_TYPES)), rejection_message=dict(type='str'),
             notify=dict(type='bool', default=False)),
        items=lambda params: params['ids'],
        options=lambda params: dict(reason_type=params.get('reason_type'), message=params.get('rejection_message'),
                                    notify=params.get('notify'))),
}


def summary_message(task, outcome, check_mode):
    """A ``msg`` that counts each outcome, naming up to ten failed items with their codes."""
    verb = task.action.verb
    prefix = 'Would have %s' % verb if check_mode else verb.capitalize()
    total = len(outcome['done']) + len(outcome['absent']) + len(outcome['failures'])
    msg = '%s %d' % (prefix, len(outcome['done']))
    if task.absent_key:
        msg += ', %s %d' % (task.absent_key.replace('_', ' '), len(outcome['absent']))
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
    engine = WriteEngine(client, action, options, batch_size=params['batch_size'], concurrency=params['concurrency'],
                         verify=params.get('verify_held', True), progress=progress)
    outcome = engine.run(items, check_mode=check_mode)
    result = {'changed': bool(outcome['done']), action.result_key: [action.report(k) for k in outcome['done']],
              'failures': outcome['failures'], 'msg': summary_message(task, outcome, check_mode)}
    if task.absent_key:
        result[task.absent_key] = [action.report(k) for k in outcome['absent']]
    if diff:
        result['diff'] = {
            'before': {'held': sorted(action.report(k) for k, pending in outcome['before'].items() if pending)},
            'after': {'held': sorted(action.report(k) for k, pending in outcome['after'].items() if pending)},
        }
    if outcome['failures']:
        result['failed'] = True
    return result
