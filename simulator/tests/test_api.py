import pytest

from conftest import HOLD_LIST, REJECT, RELEASE

QUEUE = '/api/gateway/find-processing-messages'
INFO = '/api/message-finder/get-message-info'
SUMMARY = '/api/gateway/get-hold-summary-list'
REASON = 'MESSAGE GOES AGAINST EMAIL POLICIES'
FIELDS = {'id', 'reason', 'reasonId', 'reasonCode', 'from', 'fromHeader', 'to', 'toHeader', 'subject', 'route', 'hasAttachments', 'size',
          'dateReceived', 'policyInfo'}


def codes(body):
    return [e['code'] for f in body['fail'] for e in f['errors']]


def list_all(sim, item, page_size=100, between=None):
    out, token, pages = [], None, 0
    while True:
        meta = {'pagination': {'pageSize': page_size}}
        if token:
            meta['pagination']['pageToken'] = token
        status, dummy, body = sim.call(HOLD_LIST, [item], meta=meta)
        assert status == 200, body
        out += body['data']
        pages += 1
        if between:
            between(body['data'])
        token = body['meta']['pagination'].get('next')
        if not token:
            return out, pages


def test_record_shape_and_default_non_admin(sim):
    status, dummy, body = sim.call(HOLD_LIST, [{}])
    assert status == 200
    assert body['data'], 'seed has messages for the API user'
    for rec in body['data']:
        assert set(rec) == FIELDS
        assert rec['to']['emailAddress'] == 'api.user@example.com' or rec['toHeader']['emailAddress'] == 'api.user@example.com'
        assert rec['id'].startswith('eNp')
    dummy, dummy, admin = sim.call(HOLD_LIST, [{'admin': True}])
    assert admin['meta']['pagination']['totalCount'] == 120
    assert body['meta']['pagination']['totalCount'] < 120


def test_pagination_stable_while_releasing(sim):
    expected = [r['id'] for r in list_all(sim, {'admin': True})[0]]
    assert len(expected) == 120 == len(set(expected))

    def release_half(page):
        ids = [{'id': r['id']} for r in page[::2]]
        assert sim.call(RELEASE, ids)[0] == 200

    seen, pages = list_all(sim, {'admin': True}, page_size=7, between=release_half)
    assert [r['id'] for r in seen] == expected
    assert pages == 18
    assert sim.state()['counts']['released'] == 17 * 4 + 1


def test_page_token_checks(sim):
    dummy, dummy, body = sim.call(HOLD_LIST, [{'admin': True}], meta={'pagination': {'pageSize': 5}})
    token = body['meta']['pagination']['next']
    assert 'previous' not in body['meta']['pagination']
    status, dummy, body = sim.call(HOLD_LIST, [{'admin': True, 'searchBy': {'fieldName': 'subject', 'value': 'digest'}}],
                                   meta={'pagination': {'pageSize': 5, 'pageToken': token}})
    assert status == 400 and codes(body) == ['err_invalid_page_token']
    status, dummy, body = sim.call(HOLD_LIST, [{'admin': True}], meta={'pagination': {'pageSize': 5, 'pageToken': 'garbage'}})
    assert status == 400 and codes(body) == ['err_invalid_page_token']
    assert body['fail'][0]['errors'][0]['field'] == 'pageToken'


@pytest.mark.parametrize('size', [0, 501, 'x'])
def test_page_size_bounds(sim, size):
    status, dummy, body = sim.call(HOLD_LIST, [{'admin': True}], meta={'pagination': {'pageSize': size}})
    assert status == 400
    assert codes(body) == ['err_validation_invalid_page_size']


def test_page_size_snake_case_ignored(sim):
    status, dummy, body = sim.call(HOLD_LIST, [{'admin': True}], meta={'pagination': {'page_size': 5}})
    assert status == 200
    assert len(body['data']) == 100


def test_last_page_has_no_next(sim):
    dummy, dummy, body = sim.call(HOLD_LIST, [{'admin': True}], meta={'pagination': {'pageSize': 500}})
    assert len(body['data']) == 120
    assert 'next' not in body['meta']['pagination']


def test_search_and_filters(sim):
    everything, dummy = list_all(sim, {'admin': True})
    for field, value, pred in [
        ('subject', 'DIGEST', lambda r: 'digest' in r['subject'].lower()),
        ('sender', 'news.vendor', lambda r: 'news.vendor' in (r['from']['emailAddress'] + r['fromHeader']['emailAddress'])),
        ('reason_code', 'spam', lambda r: 'spam' in r['reasonCode']),
        ('reasonCode', 'anti_spoofing', lambda r: 'anti_spoofing' in r['reasonCode']),
        ('recipient', 'finance.example.com', lambda r: 'finance.example.com' in r['to']['emailAddress'] + r['toHeader']['emailAddress']),
    ]:
        got, dummy = list_all(sim, {'admin': True, 'searchBy': {'fieldName': field, 'value': value}})
        want = [r['id'] for r in everything if pred(r)]
        assert want, field
        assert [r['id'] for r in got] == want, field
    outbound = [r['id'] for r in everything if r['route'] == 'OUTBOUND']
    as_list, dummy = list_all(sim, {'admin': True, 'filterBy': [{'fieldName': 'route', 'value': 'outbound'}]})
    as_obj, dummy = list_all(sim, {'admin': True, 'filterBy': {'route': 'OUTBOUND'}})
    assert outbound and [r['id'] for r in as_list] == outbound == [r['id'] for r in as_obj]
    with_att, dummy = list_all(sim, {'admin': True, 'filterBy': {'attachments': True}})
    assert [r['id'] for r in with_att] == [r['id'] for r in everything if r['hasAttachments']]
    groups = sum(len(list_all(sim, {'admin': True, 'filterBy': [{'fieldName': 'heldGroup', 'value': g}]})[0])
                 for g in ('administrator', 'moderator', 'user', 'cluster'))
    assert groups == 120


def test_search_unknown_field_and_bad_date(sim):
    status, dummy, body = sim.call(HOLD_LIST, [{'admin': True, 'searchBy': {'fieldName': 'body', 'value': 'x'}}])
    assert status == 400 and codes(body) == ['err_validation_invalid_search_field']
    status, dummy, body = sim.call(HOLD_LIST, [{'admin': True, 'start': '2026-11-20'}])
    assert status == 400 and codes(body) == ['err_validation_invalid_date']
    assert body['fail'][0]['errors'][0]['field'] == 'start'
    assert body['fail'][0]['key'] == {'admin': True, 'start': '2026-11-20'}


def test_start_end_filter(sim):
    everything, dummy = list_all(sim, {'admin': True})
    dates = sorted(r['dateReceived'] for r in everything)
    start, end = dates[30], dates[90]
    got, dummy = list_all(sim, {'admin': True, 'start': start, 'end': end})
    assert [r['id'] for r in got] == [r['id'] for r in everything if start <= r['dateReceived'] <= end]


@pytest.mark.parametrize('style', ['fail', 'false'])
def test_not_held_styles(sim, style):
    # an unknown id answered as one not held (the API does not say which it is)
    sim.config(not_held_style=style, unknown_id_style='not_held')
    ids = sim.state()['held'][:3]
    status, dummy, body = sim.call(RELEASE, [{'id': ids[0]}, {'id': ids[1]}])
    assert status == 200 and body['data'] == [{'id': ids[0], 'release': True}, {'id': ids[1], 'release': True}]
    status, dummy, body = sim.call(RELEASE, [{'id': ids[0]}, {'id': 'eNpUnknown'}, {'id': ids[2]}])
    assert status == 200
    if style == 'fail':
        assert body['data'] == [{'id': ids[2], 'release': True}]
        assert [f['key'] for f in body['fail']] == [{'id': ids[0]}, {'id': 'eNpUnknown'}]
        assert set(codes(body)) == {'err_hold_message_not_found'}
        assert body['fail'][0]['errors'][0]['retryable'] is False
    else:
        assert body['data'] == [{'id': ids[0], 'release': False}, {'id': 'eNpUnknown', 'release': False}, {'id': ids[2], 'release': True}]
        assert body['fail'] == []
    status, dummy, body = sim.call(REJECT, [{'ids': [ids[1]], 'reasonType': REASON}])
    if style == 'fail':
        assert body['data'] == [] and codes(body) == ['err_hold_message_not_found']
    else:
        assert body['data'] == [{'id': ids[1], 'reject': False}]
    assert [a['action'] for a in sim.audit()] == ['release', 'release', 'release']


@pytest.mark.parametrize('style', ['fail', 'false'])
def test_an_id_no_message_ever_had_is_not_found(sim, style):
    sim.config(not_held_style=style)
    ids = sim.state()['held'][:2]
    status, dummy, body = sim.call(RELEASE, [{'id': ids[0]}])
    assert status == 200 and body['data'] == [{'id': ids[0], 'release': True}]
    status, dummy, body = sim.call(RELEASE, [{'id': ids[0]}, {'id': 'eNpTypo'}, {'id': ids[1]}])
    assert status == 200
    not_found = [f for f in body['fail'] if f['errors'][0]['code'] == 'err_message_not_found']
    assert [f['key'] for f in not_found] == [{'id': 'eNpTypo'}]
    assert not_found[0]['errors'][0] == {'code': 'err_message_not_found', 'message': 'No message with this id', 'retryable': False,
                                         'field': 'id'}
    # the released one is known: not held, in the configured style
    if style == 'fail':
        assert body['data'] == [{'id': ids[1], 'release': True}]
        assert [(f['key'], f['errors'][0]['code']) for f in body['fail']] == [
            ({'id': ids[0]}, 'err_hold_message_not_found'), ({'id': 'eNpTypo'}, 'err_message_not_found')]
    else:
        assert body['data'] == [{'id': ids[0], 'release': False}, {'id': ids[1], 'release': True}]
    status, dummy, body = sim.call(REJECT, [{'ids': ['eNpTypo', 'eNpOther'], 'reasonType': REASON}])
    assert body['data'] == [] and [f['key'] for f in body['fail']] == [{'id': 'eNpTypo'}, {'id': 'eNpOther'}]
    assert set(codes(body)) == {'err_message_not_found'}
    # a processing-queue message is known too: not held, not unknown
    queued = sim.call(QUEUE, [{'type': 'processing'}])[2]['data'][0]['messages'][0]['id']
    status, dummy, body = sim.call(RELEASE, [{'id': queued}])
    assert 'err_message_not_found' not in codes(body)
    assert [a['id'] for a in sim.audit()] == ids


def test_reject_and_reason_type_validation(sim):
    ids = sim.state()['held'][:4]
    status, dummy, body = sim.call(REJECT, [{'ids': ids[:2], 'reasonType': 'spam', 'message': 'no'},
                                            {'ids': ids[2:], 'reasonType': REASON, 'message': 'Blocked', 'notify': True}])
    assert status == 200
    assert body['data'] == [{'id': ids[2], 'reject': True}, {'id': ids[3], 'reject': True}]
    assert codes(body) == ['err_validation_invalid_reason_type']
    assert body['fail'][0]['key']['ids'] == ids[:2]
    state = sim.state()
    assert set(ids[:2]) <= set(state['held']) and set(ids[2:]) <= set(state['rejected'])
    audit = sim.audit()
    assert [(a['id'], a['reason_type'], a['message'], a['notify'], a['auth']) for a in audit] == [
        (ids[2], REASON, 'Blocked', True, '1.0'), (ids[3], REASON, 'Blocked', True, '1.0')]


def test_release_with_api_2(sim):
    mid = sim.state()['held'][0]
    status, dummy, body = sim.call(RELEASE, [{'id': mid}], api='2.0')
    assert status == 200 and body['data'] == [{'id': mid, 'release': True}]
    assert sim.audit()[0]['auth'] == '2.0'


def test_summary_follows_state(sim):
    dummy, dummy, body = sim.call(SUMMARY, [])
    before = {d['policyInfo']: d['numberOfItems'] for d in body['data']}
    assert sum(before.values()) == 120
    everything, dummy = list_all(sim, {'admin': True})
    target = everything[0]
    sim.call(RELEASE, [{'id': target['id']}])
    dummy, dummy, body = sim.call(SUMMARY, [])
    after = {d['policyInfo']: d['numberOfItems'] for d in body['data']}
    assert after.get(target['policyInfo'], 0) == before[target['policyInfo']] - 1


def test_message_info(sim):
    held = sim.state()['held'][:2]
    sim.call(RELEASE, [{'id': held[0]}])
    status, dummy, body = sim.call(INFO, [{'id': held[0]}, {'id': 'eNpNope'}, {'id': held[1]}])
    assert status == 200
    assert [r['id'] for r in body['data']] == [held[0], held[1]]
    assert [r['status'] for r in body['data']] == ['released', 'held']
    assert body['data'][0]['deliveredMessage'] and body['data'][1]['deliveredMessage'] == {}
    assert set(body['data'][0]) >= {'recipientInfo', 'deliveredMessage', 'retentionInfo', 'status', 'spamInfo', 'id'}
    assert body['fail'] == [{'key': {'id': 'eNpNope'}, 'errors': [
        {'code': 'err_message_not_found', 'message': 'No message with this id', 'retryable': False, 'field': 'id'}]}]


def test_processing_queue(sim):
    status, dummy, body = sim.call(QUEUE, [{}])
    assert status == 400 and codes(body) == ['err_validation_null']
    dummy, dummy, body = sim.call(QUEUE, [{'type': 'processing'}])
    msgs = body['data'][0]['messages']
    assert len(msgs) == 30 and body['meta']['pagination']['totalCount'] == 30
    assert [m['created'] for m in msgs] == sorted((m['created'] for m in msgs), reverse=True)
    dummy, dummy, body = sim.call(QUEUE, [{'type': 'bulk_processing', 'sortOrder': 'asc'}])
    bulk = body['data'][0]['messages']
    assert len(bulk) == 12 and [m['created'] for m in bulk] == sorted(m['created'] for m in bulk)
    dummy, dummy, body = sim.call(QUEUE, [{'sortOrder': 'ascending', 'filterBy': [{'fieldName': 'route', 'value': 'inbound'}]}])
    inbound = body['data'][0]['messages']
    dummy, dummy, body2 = sim.call(QUEUE, [{'sortOrder': 'ascending', 'filterBy': {'route': 'inbound'}}])
    assert inbound and inbound == body2['data'][0]['messages'] and all(m['routing'] == 'inbound' for m in inbound)
    needle = msgs[0]['remoteIp']
    dummy, dummy, body = sim.call(QUEUE, [{'searchBy': {'fieldName': 'remoteIp', 'value': needle}}])
    assert msgs[0]['id'] in [m['id'] for m in body['data'][0]['messages']]
    # pagination
    seen, token = [], None
    while True:
        meta = {'pagination': {'pageSize': 4}}
        if token:
            meta['pagination']['pageToken'] = token
        dummy, dummy, body = sim.call(QUEUE, [{'type': 'processing'}], meta=meta)
        seen += [m['id'] for m in body['data'][0]['messages']]
        token = body['meta']['pagination'].get('next')
        if not token:
            break
    assert seen == [m['id'] for m in msgs]


def test_unknown_path_and_method(sim):
    status, dummy, body = sim.call('/api/gateway/nope', [])
    assert status == 404 and codes(body) == ['err_not_found']
    status, dummy, body = sim.raw('GET', HOLD_LIST)
    assert status == 405 and body['meta']['status'] == 405
