# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property-based tests of the envelope parser, fail entries, Response, pagination and the rules engine,
and a bounded fuzz run of ``MimecastClient.call`` over random and truncated bodies: it returns a
``Response`` or raises ``MimecastError``, never anything else."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import random

import pytest

from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
from ansible_collections.secops.mimecast.plugins.module_utils.dates import to_epoch
from ansible_collections.secops.mimecast.plugins.module_utils.envelope import Response, iter_fail_errors, parse_envelope
from ansible_collections.secops.mimecast.plugins.module_utils.errors import MimecastError
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import RulesError
from ansible_collections.secops.mimecast.tests.unit.plugins.plugin_utils.test_triage_rules import first_match, plan, validate_rules
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import V1_PARAMS, V2_PARAMS, FakeResponse, FakeSession

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    HAS_HYPOTHESIS = True
except ImportError:  # pragma: no cover
    HAS_HYPOTHESIS = False

pytestmark = pytest.mark.skipif(not HAS_HYPOTHESIS, reason='hypothesis is not installed')

LIST = '/api/gateway/get-hold-message-list'
RELEASE = '/api/gateway/hold-release'


def client(session, params=None, **kw):
    args = dict(params or V1_PARAMS)
    args.update(retries=kw.pop('retries', 2), max_retry_wait=kw.pop('max_retry_wait', 5), timeout=5)
    return MimecastClient(session=session, sleep=lambda seconds: None, **dict(args, **kw))


if HAS_HYPOTHESIS:
    SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    JSON = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
        max_leaves=20)
    ERROR = st.one_of(JSON, st.fixed_dictionaries({'code': st.one_of(st.none(), st.text(max_size=10)),
                                                   'message': st.one_of(st.none(), st.text(max_size=20)),
                                                   'retryable': st.one_of(st.booleans(), st.none())}))
    FAIL_ENTRY = st.one_of(JSON, st.fixed_dictionaries({'key': JSON, 'errors': st.one_of(st.lists(ERROR, max_size=3), JSON)}),
                           st.fixed_dictionaries({'code': st.text(max_size=10), 'message': st.text(max_size=10)}))
    ENVELOPE = st.fixed_dictionaries({}, optional={
        'meta': st.one_of(st.none(), st.dictionaries(st.text(max_size=8), JSON, max_size=3), JSON),
        'data': st.one_of(st.none(), st.lists(JSON, max_size=4), JSON),
        'fail': st.one_of(st.none(), st.lists(FAIL_ENTRY, max_size=3), JSON),
        'extra': JSON,
    })

    # ------------------------------------------------------------ parse_envelope
    def _field(body, key, default):
        value = body.get(key)
        return default if value is None else value

    def _is_envelope(body):
        return (isinstance(body, dict) and any(k in body for k in ('data', 'fail', 'meta'))
                and isinstance(_field(body, 'data', []), list) and isinstance(_field(body, 'fail', []), list)
                and isinstance(_field(body, 'meta', {}), dict))

    @SETTINGS
    @given(body=st.one_of(ENVELOPE, JSON))
    def test_parse_envelope_accepts_envelopes_and_refuses_the_rest(body):
        text = json.dumps(body)
        try:
            data, fail, meta = parse_envelope(text)
        except ValueError:
            assert not _is_envelope(body), body
            return
        assert _is_envelope(body)
        assert isinstance(data, list) and isinstance(fail, list) and isinstance(meta, dict)
        assert data == _field(body, 'data', []) and fail == _field(body, 'fail', []) and meta == _field(body, 'meta', {})

    @SETTINGS
    @given(text=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode('latin-1'))))
    def test_parse_envelope_on_random_text_only_raises_value_error(text):
        try:
            result = parse_envelope(text)
        except ValueError:
            return
        assert len(result) == 3

    @SETTINGS
    @given(body=ENVELOPE, cut=st.floats(0, 1, exclude_max=True))
    def test_parse_envelope_on_truncated_bodies(body, cut):
        text = json.dumps(body)
        truncated = text[:int(len(text) * cut)]
        try:
            parse_envelope(truncated)
        except ValueError:
            return
        # a cut that still parses can only be the whole text of a shorter JSON value (never half an object)
        assert json.loads(truncated) is not None or truncated.strip() == 'null'

    # ------------------------------------------------------------ fail entries
    @SETTINGS
    @given(fail=st.one_of(st.none(), st.lists(FAIL_ENTRY, max_size=5)))
    def test_iter_fail_errors_always_yields_dicts(fail):
        errors = list(iter_fail_errors(fail))
        assert all(isinstance(e, dict) for e in errors)
        assert len(errors) >= len(fail or [])
        # and a Response built on it never fails to raise its one error type
        resp = Response(RELEASE, 200, [], fail or [], {}, {}, 'req')
        if fail:
            with pytest.raises(MimecastError) as info:
                resp.raise_for_fail()
            assert info.value.path == RELEASE
            assert isinstance(str(info.value), str)
            # the error's codes are those the fail entries give
            assert set(info.value.codes) <= set(e['code'] for e in errors if e.get('code'))
        else:
            resp.raise_for_fail()

    @SETTINGS
    @given(meta=st.one_of(JSON, st.fixed_dictionaries({'pagination': st.one_of(JSON, st.fixed_dictionaries(
        {}, optional={'next': st.one_of(st.none(), st.text(max_size=10), st.integers())}))})))
    def test_response_next_token_never_fails(meta):
        token = Response(LIST, 200, [], [], meta, {}, None).next_token
        expected = None
        if isinstance(meta, dict) and isinstance(meta.get('pagination'), dict):
            expected = meta['pagination'].get('next') or None
        assert token == expected

    # ------------------------------------------------------------ pagination
    PAGES = st.lists(st.lists(st.integers(0, 10 ** 6), max_size=7), min_size=1, max_size=8)

    def _paged_session(pages, repeat_at=None):
        """Pages served by token; ``repeat_at``: that page answers a token already given."""
        def handler(call):
            pagination = call['json']['meta']['pagination']
            assert set(pagination) <= {'pageSize', 'pageToken'}
            index = int(pagination.get('pageToken', 'p0')[1:])
            meta = {'status': 200, 'pagination': {'pageSize': pagination['pageSize']}}
            if index + 1 < len(pages):
                meta['pagination']['next'] = 'p%d' % (1 if repeat_at is not None and index >= repeat_at else index + 1)
            return FakeResponse(200, {'meta': meta, 'data': [{'id': 'r%d' % v} for v in pages[index]], 'fail': []})
        return FakeSession(handler)

    @SETTINGS
    @given(pages=PAGES, page_size=st.integers(1, 500), max_results=st.one_of(st.none(), st.integers(1, 60)))
    def test_paginate_yields_every_record_once_in_order(pages, page_size, max_results):
        session = _paged_session(pages)
        got = list(client(session).paginate(LIST, {'admin': True}, page_size=page_size, max_results=max_results))
        every = [{'id': 'r%d' % v} for page in pages for v in page]
        assert got == (every if max_results is None else every[:max_results])
        assert all(c['json']['meta']['pagination']['pageSize'] == page_size for c in session.calls)
        # it never reads a page more than needed
        assert len(session.calls) <= len(pages)
        tokens = [c['json']['meta']['pagination'].get('pageToken') for c in session.calls]
        assert len(set(tokens)) == len(tokens)

    @SETTINGS
    @given(pages=st.lists(st.lists(st.integers(0, 100), min_size=1, max_size=3), min_size=3, max_size=6),
           data=st.data())
    def test_paginate_stops_on_a_repeated_token(pages, data):
        repeat_at = data.draw(st.integers(1, len(pages) - 2))
        warnings = []
        session = _paged_session(pages, repeat_at=repeat_at)
        got = list(client(session, warn=warnings.append).paginate(LIST, {}, page_size=10))
        assert len(session.calls) <= len(pages) + 1
        assert warnings and 'already seen' in warnings[0]
        assert len(got) == sum(len(p) for p in pages[:len(session.calls)])

    @SETTINGS
    @given(page_size=st.one_of(st.integers(-5, 0), st.integers(501, 10 ** 6)))
    def test_paginate_refuses_bad_page_sizes_before_any_call(page_size):
        session = FakeSession()
        with pytest.raises(MimecastError):
            list(client(session).paginate(LIST, {}, page_size=page_size))
        assert session.calls == []

    # ------------------------------------------------------------ rules engine (extends test_triage_rules.py)
    RULE_JUNK = st.one_of(JSON, st.lists(st.one_of(JSON, st.fixed_dictionaries({
        'name': st.one_of(st.text(max_size=5), JSON), 'match': st.one_of(JSON, st.dictionaries(st.sampled_from(
            ['subject', 'sender', 'route', 'older_than', 'has_attachments', 'bogus']), JSON, max_size=3)),
        'action': st.one_of(st.sampled_from(['release', 'reject', 'keep']), JSON)}, optional={'reason_type': JSON})), max_size=4))

    @SETTINGS
    @given(rules=RULE_JUNK)
    def test_validate_rules_on_junk_only_raises_rules_error(rules):
        try:
            compiled = validate_rules(rules)
        except RulesError as exc:
            assert exc.problems and all(isinstance(p, str) for p in exc.problems)
            return
        assert len(compiled.rules) == len(rules)

    SUBJECTS = st.sampled_from(['weekly digest', 'invoice 42', 'secret', 'HELLO', ''])
    RECORDS = st.lists(st.fixed_dictionaries({'id': st.sampled_from(['m%d' % i for i in range(25)]), 'subject': SUBJECTS,
                                              'route': st.sampled_from(['INBOUND', 'OUTBOUND'])}), max_size=30)
    SIMPLE_RULES = st.lists(st.tuples(st.sampled_from(['digest', 'invoice', 'secret', '^h', 'e']),
                                      st.sampled_from(['release', 'reject', 'keep'])), min_size=1, max_size=5).map(
        lambda pairs: [dict({'name': 'r%d' % i, 'match': {'subject': rx}, 'action': action},
                            **({'reason_type': 'INAPPROPRIATE COMMUNICATION'} if action == 'reject' else {}))
                       for i, (rx, action) in enumerate(pairs)])

    @SETTINGS
    @given(rules=SIMPLE_RULES, records=RECORDS)
    def test_plan_agrees_with_first_match(rules, records):
        compiled = validate_rules(rules)
        result = plan(compiled, records)
        now_epoch = to_epoch(None)
        decided = {}
        for record in records:
            if record['id'] not in decided:
                decided[record['id']] = first_match(compiled, record, now_epoch)
        for entry in result['rules']:
            assert sorted(entry['ids']) == sorted(i for i, name in decided.items() if name == entry['name'])
        assert result['kept'] == len([n for n in decided.values() if n is None]) + sum(
            r['matched'] for r in result['rules'] if r['action'] == 'keep')

    # ------------------------------------------------------------ fuzz: call() never crashes
    def _bodies(rng, count):
        real = json.dumps({'meta': {'status': 200, 'pagination': {'next': 'x'}}, 'data': [{'id': 'a', 'release': True}],
                           'fail': [{'key': {'id': 'b'}, 'errors': [{'code': 'err', 'message': 'm', 'retryable': False}]}]})
        html = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>'
        for dummy in range(count):
            kind = rng.randrange(5)
            if kind == 0:
                yield real[:rng.randrange(len(real) + 1)]
            elif kind == 1:
                yield ''.join(chr(rng.randrange(32, 0x2FF)) for dummy in range(rng.randrange(60)))
            elif kind == 2:
                yield html[:rng.randrange(len(html) + 1)]
            elif kind == 3:
                yield json.dumps(rng.choice([None, 1, 'x', [], {}, {'data': 5}, {'fail': 'x'}, {'meta': []}, {'data': None}]))
            else:
                raw = bytearray(real.encode())
                for dummy in range(rng.randrange(1, 5)):
                    raw[rng.randrange(len(raw))] = rng.randrange(256)
                yield raw.decode('utf-8', 'replace')

    STATUSES = [200, 200, 200, 201, 400, 401, 403, 404, 418, 429, 500, 502, 503]

    @pytest.mark.parametrize('params', [V1_PARAMS, V2_PARAMS], ids=['api1', 'api2'])
    @pytest.mark.parametrize('write', [False, True], ids=['read', 'write'])
    def test_fuzz_call_returns_a_response_or_a_mimecast_error(params, write):
        rng = random.Random(20261120)
        bodies = list(_bodies(rng, 300))
        outcomes = {'response': 0, 'error': 0}

        for text in bodies:
            status = rng.choice(STATUSES)
            headers = rng.choice([{}, {'X-RateLimit-Reset': str(rng.randrange(0, 3000))}, {'Retry-After': 'soon'},
                                  {'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': 'NaN'}])

            def handler(call, status=status, text=text, headers=headers):
                if call['url'].endswith('/oauth/token'):
                    return FakeResponse(200, {'access_token': 'tok', 'expires_in': 1800})
                return FakeResponse(status, headers=headers, text=text)

            session = FakeSession(handler)
            try:
                resp = client(session, params, max_retry_wait=1).call(RELEASE if write else LIST, [{'id': 'a'}], write=write)
            except MimecastError as exc:
                outcomes['error'] += 1
                assert exc.msg and isinstance(exc.to_dict(), dict)
                assert 'Traceback' not in exc.msg
                if write and status >= 500:
                    assert exc.outcome_unknown
                if write:
                    # a write is sent again only when the API said it did not act (429) or for a new token (401)
                    assert len([c for c in session.calls if not c['url'].endswith('/oauth/token')]) <= 1 + (status in (401, 429)) * 10
            else:
                outcomes['response'] += 1
                assert isinstance(resp, Response) and 200 <= resp.status < 300
                assert isinstance(resp.data, list) and isinstance(resp.fail, list) and isinstance(resp.meta, dict)
        assert outcomes['response'] and outcomes['error']
