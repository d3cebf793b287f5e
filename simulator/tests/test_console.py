"""Managed senders (permit-or-block-sender) and the held release log (get-held-release-logs)."""

import pytest

from conftest import HOLD_LIST, REJECT, RELEASE

SENDER = '/api/managedsender/permit-or-block-sender'
LOGS = '/api/gateway/get-held-release-logs'
REASON = 'MESSAGE GOES AGAINST EMAIL POLICIES'
LOG_FIELDS = {'id', 'status', 'released', 'operator', 'rejectReason', 'messageInfo', 'heldReason', 'heldGroup', 'policy', 'route', 'size',
              'attachments', 'subject', 'fromEnv', 'fromHdr', 'to', 'spamScore', 'detectionLevel'}


def codes(body):
    return [e['code'] for f in body['fail'] for e in f['errors']]


def held(sim, n):
    dummy, dummy, body = sim.call(HOLD_LIST, [{'admin': True}], meta={'pagination': {'pageSize': n}})
    return body['data']


def read_log(sim, item=None, page_size=100, api='1.0'):
    out, token, pages = [], None, 0
    while True:
        meta = {'pagination': {'pageSize': page_size}}
        if token:
            meta['pagination']['pageToken'] = token
        status, dummy, body = sim.call(LOGS, [item or {}], meta=meta, api=api)
        assert status == 200, body
        assert len(body['data']) == 1 and set(body['data'][0]) == {'heldReleaseLogs'}
        out += body['data'][0]['heldReleaseLogs']
        pages += 1
        token = body['meta']['pagination'].get('next')
        if not token:
            return out, pages, body


# ---- managed senders ------------------------------------------------------------------
def test_permit_and_block_answer_and_state(sim):
    items = [{'sender': 'news@news.vendor.example', 'to': 'alice@example.com', 'action': 'permit'},
             {'sender': 'promo@cheap-deals.example', 'to': 'bob@example.com', 'action': 'block'}]
    status, dummy, body = sim.call(SENDER, items)
    assert status == 200 and body['fail'] == []
    assert [(d['sender'], d['to'], d['type']) for d in body['data']] == [
        ('news@news.vendor.example', 'alice@example.com', 'Permit'), ('promo@cheap-deals.example', 'bob@example.com', 'Block')]
    assert all(d['id'].startswith('MTOKEN:') for d in body['data'])
    state = sim.state()
    assert state['managed_senders'] == sorted(body['data'], key=lambda e: e['sender'])
    assert state['managed_sender_sets'] == 2
    assert sim.stats()['sender_sets'] == 2


def test_same_pair_is_an_upsert(sim):
    first = sim.call(SENDER, [{'sender': 'a@x.example', 'to': 'u@example.com', 'action': 'permit'}])[2]['data'][0]
    again = sim.call(SENDER, [{'sender': 'A@X.example', 'to': 'u@example.com', 'action': 'block'}], api='2.0')[2]['data'][0]
    assert again['id'] == first['id'] and again['type'] == 'Block'
    state = sim.state()
    assert len(state['managed_senders']) == 1 and state['managed_senders'][0]['type'] == 'Block'
    assert state['managed_sender_sets'] == 2


@pytest.mark.parametrize('item, field, code', [
    ({'sender': 'not-an-address', 'to': 'u@example.com', 'action': 'permit'}, 'sender', 'err_validation_invalid_email_address'),
    ({'sender': 'a@x.example', 'to': 'u@', 'action': 'permit'}, 'to', 'err_validation_invalid_email_address'),
    ({'sender': 'a b@x.example', 'to': 'u@example.com', 'action': 'block'}, 'sender', 'err_validation_invalid_email_address'),
    ({'sender': 'a' * 65 + '@x.example', 'to': 'u@example.com', 'action': 'block'}, 'sender', 'err_validation_invalid_email_address'),
    ({'to': 'u@example.com', 'action': 'permit'}, 'sender', 'err_validation_null'),
    ({'sender': 'a@x.example', 'to': None, 'action': 'permit'}, 'to', 'err_validation_null'),
    ({'sender': '  ', 'to': 'u@example.com', 'action': 'permit'}, 'sender', 'err_validation_blank'),
    ({'sender': 'a@x.example', 'to': 'u@example.com'}, 'action', 'err_validation_null'),
    ({'sender': 'a@x.example', 'to': 'u@example.com', 'action': ''}, 'action', 'err_validation_blank'),
    ({'sender': 'a@x.example', 'to': 'u@example.com', 'action': 'allow'}, 'action', 'err_validation_invalid_action'),
])
def test_bad_items_fail_alone(sim, item, field, code):
    good = {'sender': 'ok@x.example', 'to': 'u@example.com', 'action': 'permit'}
    status, dummy, body = sim.call(SENDER, [item, good])
    assert status == 200
    assert [d['sender'] for d in body['data']] == ['ok@x.example']
    assert len(body['fail']) == 1
    fail = body['fail'][0]
    assert fail['key'] == {'sender': item.get('sender'), 'to': item.get('to'), 'action': item.get('action')}
    assert fail['errors'] == [{'code': code, 'message': fail['errors'][0]['message'], 'retryable': False, 'field': field}]
    assert fail['errors'][0]['message']
    if code == 'err_validation_invalid_email_address':
        assert fail['errors'][0]['message'] == 'Email address is not valid'
    assert [e['sender'] for e in sim.state()['managed_senders']] == ['ok@x.example']


def test_sender_endpoint_is_strict_like_the_others(sim):
    item = [{'sender': 'a@x.example', 'to': 'u@example.com', 'action': 'permit'}]
    status, dummy, body = sim.call(SENDER, item, headers={'Authorization': 'MC sim-access-key:bad'})
    assert status == 401 and codes(body) == ['err_xdk_invalid_signature']
    status, dummy, body = sim.raw('GET', SENDER)
    assert status == 405
    status, dummy, body = sim.call(SENDER, {'sender': 'a@x.example'})
    assert status == 400 and codes(body) == ['err_validation_null']
    sim.faults([{'kind': 'status_503', 'path': SENDER, 'count': 1}])
    assert sim.call(SENDER, item)[0] == 503
    assert sim.state()['managed_senders'] == []
    sim.faults([{'kind': 'drop_after', 'path': SENDER, 'count': 1}])
    with pytest.raises(Exception):
        sim.call(SENDER, item)
    assert len(sim.state()['managed_senders']) == 1, 'drop_after: the set happened, the answer was lost'
    sim.config(rate_limit=1, rate_window=60)
    assert sim.call(SENDER, item)[0] == 200
    status, headers, body = sim.call(SENDER, item)
    assert status == 429 and codes(body) == ['err_rate_limit_exceeded'] and headers['X-RateLimit-Remaining'] == '0'
    assert sim.state()['managed_sender_sets'] == 2


def test_reset_clears_managed_senders(sim):
    sim.call(SENDER, [{'sender': 'a@x.example', 'to': 'u@example.com', 'action': 'permit'}])
    sim.reset(held=120, seed=7)
    state = sim.state()
    assert state['managed_senders'] == [] and state['managed_sender_sets'] == 0


# ---- release log -----------------------------------------------------------------------
def test_log_records_what_was_released_and_rejected(sim):
    msgs = held(sim, 5)
    assert sim.call(RELEASE, [{'id': msgs[0]['id']}, {'id': msgs[1]['id']}])[0] == 200
    assert sim.call(REJECT, [{'ids': [msgs[2]['id']], 'reasonType': REASON, 'message': 'Not allowed'}], api='2.0')[0] == 200
    logs, pages, body = read_log(sim)
    assert pages == 1 and body['meta']['pagination']['totalCount'] == 3
    assert {r['id']: r['status'] for r in logs} == {msgs[0]['id']: 'released', msgs[1]['id']: 'released', msgs[2]['id']: 'rejected'}
    for rec in logs:
        assert set(rec) == LOG_FIELDS
        assert rec['operator'] == 'api.user@example.com'
    by_id = {r['id']: r for r in logs}
    rejected = by_id[msgs[2]['id']]
    assert rejected['rejectReason'] == REASON and rejected['messageInfo'] == 'Not allowed'
    assert rejected['subject'] == msgs[2]['subject'] and rejected['fromEnv'] == msgs[2]['from'] and rejected['to'] == [msgs[2]['to']]
    assert rejected['heldReason'] == msgs[2]['reason'] and rejected['policy'] == msgs[2]['policyInfo']
    assert by_id[msgs[0]['id']]['rejectReason'] == ''
    assert [r['released'] for r in logs] == sorted((r['released'] for r in logs), reverse=True)
    assert sim.state()['release_log'] == {'entries': 3, 'released': 2, 'rejected': 1, 'seeded': 0}


def test_operator_is_the_api_user(tmp_path):
    from mimecast_sim.testing import Simulator
    with Simulator(held=10, seed=3, api_user='ops.robot@example.net') as other:
        mid = held(other, 1)[0]['id']
        assert other.call(RELEASE, [{'id': mid}])[0] == 200
        logs = read_log(other)[0]
        assert [r['operator'] for r in logs] == ['ops.robot@example.net']


def test_seeded_history_and_pagination(sim):
    counts = sim.reset(held=120, seed=7, release_history=57)
    assert counts['held'] == 120
    one, pages_one, dummy = read_log(sim, page_size=500)
    assert pages_one == 1 and len(one) == 57
    paged, pages, body = read_log(sim, page_size=10)
    assert pages == 6 and [r['id'] for r in paged] == [r['id'] for r in one] and len(set(r['id'] for r in paged)) == 57
    assert 'previous' in body['meta']['pagination'] and 'next' not in body['meta']['pagination']
    assert len(set(r['operator'] for r in one)) >= 3
    assert {r['status'] for r in one} == {'released', 'rejected'}
    again = sim.reset(held=120, seed=7, release_history=57)
    assert again == counts
    assert [r['id'] for r in read_log(sim, page_size=500)[0]] == [r['id'] for r in one], 'same seed, same history'
    assert sim.state()['release_log']['seeded'] == 57


def test_releases_between_pages_neither_skip_nor_repeat(sim):
    sim.reset(held=120, seed=7, release_history=30)
    first_ids = [r['id'] for r in read_log(sim, page_size=500)[0]]
    status, dummy, body = sim.call(LOGS, [{}], meta={'pagination': {'pageSize': 10}})
    token = body['meta']['pagination']['next']
    seen = [r['id'] for r in body['data'][0]['heldReleaseLogs']]
    assert sim.call(RELEASE, [{'id': held(sim, 1)[0]['id']}])[0] == 200   # newest: lands before the cursor
    while token:
        status, dummy, body = sim.call(LOGS, [{}], meta={'pagination': {'pageSize': 10, 'pageToken': token}})
        assert status == 200
        seen += [r['id'] for r in body['data'][0]['heldReleaseLogs']]
        token = body['meta']['pagination'].get('next')
    assert seen == first_ids


def test_filters_and_search(sim):
    sim.reset(held=120, seed=7, release_history=80)
    everything = read_log(sim, page_size=500)[0]
    rejected = read_log(sim, {'filterBy': [{'fieldName': 'status', 'value': 'rejected'}]}, page_size=500)[0]
    assert rejected and all(r['status'] == 'rejected' for r in rejected)
    assert len(rejected) == sum(1 for r in everything if r['status'] == 'rejected')
    outbound = read_log(sim, {'filterBy': [{'fieldName': 'route', 'value': 'outbound'}]}, page_size=500)[0]
    assert outbound and len(outbound) == sum(1 for r in everything if r['route'] == 'OUTBOUND')
    with_att = read_log(sim, {'filterBy': [{'fieldName': 'attachments', 'value': True}]}, page_size=500)[0]
    assert len(with_att) == sum(1 for r in everything if r['attachments'])
    operator = everything[0]['operator']
    by_op = read_log(sim, {'searchBy': {'fieldName': 'operator', 'value': operator.upper()}}, page_size=500)[0]
    assert by_op and len(by_op) == sum(1 for r in everything if r['operator'] == operator)
    by_from = read_log(sim, {'searchBy': {'fieldName': 'from', 'value': 'news.vendor.example'}}, page_size=500)[0]
    assert by_from and all('news.vendor.example' in r['fromEnv']['emailAddress'] + r['fromHdr']['emailAddress'] for r in by_from)
    held_reason = read_log(sim, {'searchBy': {'fieldName': 'heldReason', 'value': 'spam'}}, page_size=500)[0]
    assert held_reason and all('spam' in (r['heldReason'] + r['policy']).lower() for r in held_reason)
    newest = everything[0]['released']
    window = read_log(sim, {'start': newest, 'end': newest}, page_size=500)[0]
    assert window and all(r['released'] == newest for r in window)


def test_default_window_is_a_month(sim):
    sim.reset(held=120, seed=7, release_history=20)
    assert len(read_log(sim, {}, page_size=500)[0]) == 20
    assert read_log(sim, {'end': '2020-01-01T00:00:00+0000'}, page_size=500)[0] == []


@pytest.mark.parametrize('item, meta, code', [
    ({'start': 'yesterday'}, None, 'err_validation_invalid_date'),
    ({'searchBy': {'fieldName': 'sender', 'value': 'x'}}, None, 'err_validation_invalid_search_field'),
    ({'filterBy': [{'fieldName': 'heldGroup', 'value': 'user'}]}, None, 'err_validation_invalid_filter'),
    ({'filterBy': [{'fieldName': 'status', 'value': 'held'}]}, None, 'err_validation_invalid_filter'),
    ({}, {'pagination': {'pageSize': 501}}, 'err_validation_invalid_page_size'),
    ({}, {'pagination': {'pageSize': 10, 'pageToken': 'garbage'}}, 'err_invalid_page_token'),
])
def test_log_validation(sim, item, meta, code):
    status, dummy, body = sim.call(LOGS, [item], meta=meta)
    assert status == 400 and codes(body) == [code]


def test_log_token_belongs_to_its_filter(sim):
    sim.reset(held=120, seed=7, release_history=30)
    dummy, dummy, body = sim.call(LOGS, [{}], meta={'pagination': {'pageSize': 5}})
    token = body['meta']['pagination']['next']
    status, dummy, body = sim.call(LOGS, [{'filterBy': [{'fieldName': 'status', 'value': 'released'}]}],
                                   meta={'pagination': {'pageSize': 5, 'pageToken': token}})
    assert status == 400 and codes(body) == ['err_invalid_page_token']


def test_log_token_of_a_search_without_dates_survives_the_clock(sim):
    """Without start/end the window ends now: a page token still belongs to the same search a moment later."""
    sim.reset(held=120, seed=7, release_history=30)
    dummy, dummy, body = sim.call(LOGS, [{}], meta={'pagination': {'pageSize': 5}})
    first = [r['id'] for r in body['data'][0]['heldReleaseLogs']]
    token = body['meta']['pagination']['next']
    sim.config(clock_offset=5)  # the server's clock five seconds on, as between two pages of a slow client
    try:
        status, dummy, body = sim.call(LOGS, [{}], meta={'pagination': {'pageSize': 5, 'pageToken': token}})
    finally:
        sim.config(clock_offset=0)
    assert status == 200, body
    second = [r['id'] for r in body['data'][0]['heldReleaseLogs']]
    assert len(second) == 5 and not set(first) & set(second)


def test_record_shapes_switchable(sim):
    sim.reset(held=120, seed=7, release_history=5)
    sim.config(release_log_operator='object', release_log_address='address')
    try:
        logs = read_log(sim)[0]
        for rec in logs:
            assert set(rec['operator']) == {'email'} and '@' in rec['operator']['email']
            for address in [rec['fromEnv'], rec['fromHdr']] + rec['to']:
                assert set(address) == {'address', 'domain'} and address['address'].endswith('@' + address['domain'])
        sim.config(release_log_operator='string', release_log_address='email')
        plain = read_log(sim)[0]
        assert [r['operator'] for r in plain] == [r['operator']['email'] for r in logs]
        assert [r['fromEnv']['emailAddress'] for r in plain] == [r['fromEnv']['address'] for r in logs]
        status, dummy, body = sim.raw('POST', '/_sim/config', b'{"release_log_operator": "dict"}', {'Content-Type': 'application/json'})
        assert status == 400 and 'release_log_operator' in body['error']
    finally:
        sim.config(release_log_operator='string', release_log_address='email')


def test_forbidden_switch(sim):
    sim.config(release_log_forbidden=True)
    try:
        status, dummy, body = sim.call(LOGS, [{}])
        assert status == 403 and codes(body) == ['err_xdk_permission_denied']
        assert 'Monitoring | Held | Read' in body['fail'][0]['errors'][0]['message']
        assert sim.call(HOLD_LIST, [{}])[0] == 200, 'only the log is forbidden'
    finally:
        sim.config(release_log_forbidden=False)
    assert sim.call(LOGS, [{}])[0] == 200


def test_log_faults_and_auth(sim):
    sim.faults([{'kind': 'status_500', 'path': LOGS, 'count': 1}])
    assert sim.call(LOGS, [{}])[0] == 500
    assert sim.call(LOGS, [{}])[0] == 200
    status, dummy, body = sim.call(LOGS, [{}], api='2.0', token='not-a-token')
    assert status == 401 and codes(body) == ['token_invalid']


def test_mixed_shapes_give_both_in_one_log(sim):
    sim.reset(held=20, seed=7, release_history=60)
    sim.config(release_log_operator='mixed', release_log_address='mixed')
    try:
        mixed = read_log(sim, page_size=500)[0]
        sim.config(release_log_operator='string', release_log_address='email')
        plain = read_log(sim, page_size=500)[0]
    finally:
        sim.config(release_log_operator='string', release_log_address='email')
    assert [r['id'] for r in mixed] == [r['id'] for r in plain]
    objects = [r for r in mixed if isinstance(r['operator'], dict)]
    assert 0 < len(objects) < len(mixed), 'both operator shapes'
    split = [r for r in mixed if 'address' in r['fromEnv']]
    assert 0 < len(split) < len(mixed), 'both address shapes'
    for rec, same in zip(mixed, plain):
        operator = rec['operator']['email'] if isinstance(rec['operator'], dict) else rec['operator']
        assert operator == same['operator']
        sender = rec['fromEnv'].get('address') or rec['fromEnv']['emailAddress']
        assert sender == same['fromEnv']['emailAddress']


def test_history_decisions_follow_the_kind_of_hold_and_spread_over_the_days_asked(sim):
    sim.reset(held=20, seed=7, release_history=600, release_history_days=45)
    logs = read_log(sim, {'start': '2000-01-01T00:00:00+0000'}, page_size=500)[0]
    assert len(logs) == 600
    month = read_log(sim, page_size=500)[0]  # the default window: the last 30 days
    assert 300 < len(month) < 500, len(month)

    def released_share(pred):
        picked = [r for r in logs if pred(r)]
        assert len(picked) > 20
        return sum(1 for r in picked if r['status'] == 'released') / float(len(picked))
    assert released_share(lambda r: 'news.vendor.example' in r['fromEnv']['emailAddress']) > 0.8
    assert released_share(lambda r: 'Content Examination' in r['heldReason'] and r['route'] == 'OUTBOUND') < 0.25
    reasons = set(r['rejectReason'] for r in logs if r['status'] == 'rejected')
    assert 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION' in reasons and len(reasons) >= 3
    sim.reset(held=20, seed=7, release_history=50)
    assert len(read_log(sim, page_size=500)[0]) == 50, 'by default the history is within the last 14 days'
