# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Applying a signed-off plan (``mimecast_triage`` with ``plan``): the real run does what the dry run showed.

:meth:`SignedPlan.load` reads the plan (a dry run's JSON report, by path, or the report itself as a mapping, as an
AWX workflow hands it from job to job) and refuses it, before any request, when it cannot be applied as it was
signed off: unreadable, not a dry run's, edited (its content does not give the digest it states), not the digest
signed off, older than the maximum age, or not of the rules given. :meth:`SignedPlan.check_tenant` refuses a plan of
another tenant (:func:`tenant_fingerprint`, the one place a connection's fingerprint is made). :meth:`SignedPlan.now`
reads what the held queue holds now in the plan's window: the plan's messages still held (with the fields a person
reviews), the ids it would act on that are not held any more, and the messages it does not hold, which are left
alone. ``triage_outcome.run_plan`` then carries the plan out, as it does a fresh one.

The digest is a checksum, not a signature: anyone may edit a plan and state the edited content's digest. What makes
a plan the one a person signed off is ``plan_digest``, the digest they read in the dry run's review and approved.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time
from urllib.parse import urlsplit

from ansible_collections.secops.mimecast.plugins.module_utils.client import normalize_base_url
from ansible_collections.secops.mimecast.plugins.module_utils.signers import select_signer
from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_api_epoch, parse_duration
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.message import HeldMessage
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import caller_path
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_plan import Plan, PlanError, review_of
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import canonical_sha256, load_rules, rules_checksum

DEFAULT_MAX_AGE = '24h'
# a plan made this far ahead of the controller's clock is refused (the clocks disagree, or it was made up)
FUTURE_SKEW = 300
_DIGEST = re.compile(r'^(?:sha256:)?([0-9a-fA-F]{64})$')


def tenant_fingerprint(params):
    """``sha256:<64 hex>`` of the connection of ``params`` (the connection options): the API version, the base URL
    (scheme and host in lower case, no trailing slash) and the application's public identifiers (API 1.0: app id
    and access key; API 2.0: client id). No secret goes into it, so it can be shown and stored; the same tenant
    reached through the same application always has the same fingerprint. Raises ``ConfigError`` for a connection
    that is not one (as the client would)."""
    parts = urlsplit(normalize_base_url(params.get('base_url')))
    base = '%s://%s' % (parts.scheme.lower(), parts.netloc.lower())
    signer = select_signer(params)
    return 'sha256:' + canonical_sha256(['secops.mimecast tenant', signer.scheme, base] + [str(params[name]).strip() for name in signer.identifiers])


def signed_digests(value):
    """The digests signed off (``plan_digest``): one, or several (a list, or a text of them separated by spaces, commas
    or new lines: one per tenant), each ``sha256:<64 hex>`` or the 64 hex alone; None when none is given."""
    if value is None or value == '' or value == []:
        return None
    items = value if isinstance(value, (list, tuple)) else re.split(r'[\s,]+', str(value).strip())
    found = []
    for item in items:
        match = _DIGEST.match(str(item).strip())
        if not match:
            raise InputError('plan_digest: %r is not a plan digest (sha256: and 64 hexadecimal digits, as the dry run '
                             'shows it)' % (item,))
        found.append('sha256:' + match.group(1).lower())
    return found


def age_text(seconds):
    """``1d 2h``, ``26h 3m``: an age for a person (minutes at most)."""
    seconds = int(max(seconds, 0))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, 'd'), (hours, 'h'), (minutes, 'm')] if days or hours or minutes else [(secs, 's')]
    return ' '.join('%d%s' % (number, unit) for number, unit in parts if number) or '0s'


def read_report(value):
    """``(report, source)``: the report ``value`` names (a path, relative to the caller's directory; JSON text; or the
    report itself, a mapping), and how the messages name it."""
    if isinstance(value, dict):
        return value, 'the plan given as a mapping'
    if not isinstance(value, str) or not value.strip():
        raise PlanError("Not applying a plan (nothing was sent): plan must be the path of a dry run's JSON report, or that "
                        'report as a mapping, not %r' % (value,), 'plan_unreadable')
    text = value.strip()
    if text.startswith('{'):
        source = 'the plan given as JSON text'
    else:
        source = 'the plan %s' % caller_path(text)
        try:
            with open(caller_path(text), encoding='utf-8') as handle:
                text = handle.read()
        except (IOError, OSError) as exc:
            raise PlanError(refusal(source, 'it cannot be read: %s' % (exc.strerror or exc)), 'plan_unreadable')
    try:
        return json.loads(text), source
    except ValueError as exc:
        raise PlanError(refusal(source, 'it is not a JSON triage report: %s' % exc), 'plan_unreadable')


def refusal(source, problem):
    return 'Not applying %s (nothing was sent): %s' % (source, problem)


def _review(record):
    message = HeldMessage(record)
    return message.id, review_of(message)


class SignedPlan(object):
    """A plan to apply (``plan``: a :class:`triage_plan.Plan`), every check that needs no request passed."""

    def __init__(self, plan, source):
        self.plan = plan
        self.source = source

    def refuse(self, problem, code):
        raise PlanError(refusal(self.source, problem), code)

    @classmethod
    def load(cls, params, now=None):
        """Read the plan of ``params['plan']`` and refuse it (:class:`PlanError`) unless it is a dry run's, as it was made,
        the one signed off (``plan_digest``), not older than ``plan_max_age``, and of the rules given (``rules``)."""
        report, source = read_report(params['plan'])
        max_age = parse_duration(params.get('plan_max_age') or DEFAULT_MAX_AGE, 'plan_max_age')
        expected = signed_digests(params.get('plan_digest'))
        if isinstance(report, dict) and report.get('check_mode') is not True:
            raise PlanError(refusal(source, "it is the report of a real run (check_mode: %s), not of a dry run: only a dry "
                                            "run's report (--check) is a plan to apply" % json.dumps(report.get('check_mode'))),
                            'plan_not_dry_run')
        try:
            plan = Plan.from_report(report)
        except PlanError as exc:
            raise PlanError(refusal(source, exc.msg), exc.code)
        signed = cls(plan, source)
        digest = plan.digest()
        if digest != plan.stated:
            signed.refuse('it was edited: its content gives the digest %s, not the %s it states' % (digest, plan.stated), 'plan_edited')
        if plan.rules_source is not None and rules_checksum(plan.rules_source) != plan.rules_sha256:
            signed.refuse('it was edited: its rules as given (plan.rules_given) are not the rules of rules_sha256 %s'
                          % plan.rules_sha256, 'plan_edited')
        if expected is not None and digest not in expected:
            signed.refuse('its digest %s is not the one signed off (plan_digest: %s)' % (digest, ', '.join(expected)),
                          'plan_digest_mismatch')
        now = time.time() if now is None else now
        age = now - parse_api_epoch(plan.as_of)
        if age < -FUTURE_SKEW:
            signed.refuse('it was made at %s, %s ahead of this clock' % (plan.as_of, age_text(-age)), 'plan_invalid')
        if age > max_age:
            signed.refuse('it is %s old (the held queue was read at %s); the maximum age is %s (plan_max_age)'
                          % (age_text(age), plan.as_of, age_text(max_age)), 'plan_too_old')
        if params.get('rules') is not None:
            given = rules_checksum(load_rules(params['rules']))
            if given != plan.rules_sha256:
                signed.refuse('the rules given (rules, checksum %s) are not the rules of the plan (rules_sha256 %s)'
                              % (given, plan.rules_sha256), 'plan_rules_mismatch')
        return signed

    def check_tenant(self, params):
        """Refuse the plan when it was made for another tenant than the connection of ``params``."""
        mine = tenant_fingerprint(params)
        if mine != self.plan.tenant:
            self.refuse('it was made for another tenant (%s); this connection (%s, API %s) is %s' % (
                self.plan.tenant, normalize_base_url(params.get('base_url')), select_signer(params).scheme, mine), 'plan_other_tenant')

    def window(self):
        """The window to read now: the plan's, with an end that was the time of the plan's read (``now`` then) made
        ``now`` again, so that what was held since is seen too."""
        window = dict(self.plan.window)
        end = parse_api_epoch(window.get('end'))
        if end is None or end >= parse_api_epoch(self.plan.as_of) - 1:
            window['end'] = 'now'
        return window

    def now(self, task, client, now):
        """Read the held queue over :meth:`window` and see the plan in it: ``(review, gone, not_in_plan)`` (the review
        fields of the plan's messages held now, the ids it acts on that are not held any more, and ``{id: review}`` of
        the messages held now that it does not hold)."""
        plan = self.plan
        current = dict(entry for entry in task.read_held(client, keep=_review, admin=plan.admin, now=now, **self.window())
                       if entry[0])
        known = set(plan.unmatched)
        for rule in plan.rules:
            known.update(rule.ids)
        review = dict((rid, current[rid]) for rid in known if rid in current)
        gone = set(rid for rule in plan.rules if rule.action.acts for rid in rule.ids if rid not in current)
        not_in_plan = dict((rid, fields) for rid, fields in current.items() if rid not in known)
        return review, gone, not_in_plan
