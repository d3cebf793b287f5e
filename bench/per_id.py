"""The per-id way, as the vendor samples and most public clients do it (the baseline of `make bench`).

Lists the held queue (100 per page, following the cursor), classifies every message with the bench
rules (bench/rules.yml, re-implemented here in plain Python), then sends one signed API 1.0 request
per id, sequentially, each on a new connection (``requests.post``, no session): hold-release for the
release class, hold-reject for the reject class.

    python bench/per_id.py --base-url URL [--limit N] [--out result.json]

``--limit N`` sends only the first N writes (release ids first, then reject ids) so that a large
queue can be measured on a sample; the caller extrapolates.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import re
import sys
import time
import uuid

import requests

CREDS = {
    'access_key': 'sim-access-key',
    'secret_key': 'c2ltdWxhdG9yLXNlY3JldC1rZXktbm90LWZvci1wcm9kdWN0aW9u',
    'app_id': 'sim-app-id',
    'app_key': 'sim-app-key',
}
LIST_PATH = '/api/gateway/get-hold-message-list'
RELEASE_PATH = '/api/gateway/hold-release'
REJECT_PATH = '/api/gateway/hold-reject'

# bench/rules.yml, in plain Python (first match wins; the rest is kept)
RELEASE_REASON = re.compile(r'^message_hold_applied_spam_(signature|detection)_policy$', re.I)
RELEASE_SENDER = re.compile(r'@(news\.vendor|digest\.saasweekly|mail\.cloudtools)\.example$', re.I)
REJECT_REASON = re.compile(r'content_examination', re.I)
REJECT_TYPE = 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'
REJECT_MESSAGE = 'Stopped by the data loss prevention policy.'


def classify(record):
    """'release', 'reject' or 'keep' for one raw (camelCase) held record, as bench/rules.yml decides."""
    reason = record.get('reasonCode') or ''
    senders = [(record.get(k) or {}).get('emailAddress') or '' for k in ('from', 'fromHeader')]
    if RELEASE_REASON.search(reason) and any(RELEASE_SENDER.search(s) for s in senders):
        return 'release'
    if REJECT_REASON.search(reason) and (record.get('route') or '').upper() == 'OUTBOUND':
        return 'reject'
    return 'keep'


def signed_headers(path):
    date = datetime.datetime.now(datetime.timezone.utc).strftime('%a, %d %b %Y %H:%M:%S UTC')
    req_id = str(uuid.uuid4())
    msg = ':'.join([date, req_id, path, CREDS['app_key']]).encode()
    sig = base64.b64encode(hmac.new(base64.b64decode(CREDS['secret_key']), msg, hashlib.sha1).digest()).decode()
    return {'Authorization': 'MC %s:%s' % (CREDS['access_key'], sig), 'x-mc-app-id': CREDS['app_id'], 'x-mc-date': date,
            'x-mc-req-id': req_id, 'Content-Type': 'application/json', 'Accept': 'application/json'}


def post(base_url, path, body):
    """One request on a new connection (requests.post, no session), like the vendor sample."""
    resp = requests.post(base_url + path, data=json.dumps(body), headers=signed_headers(path), timeout=60)
    resp.raise_for_status()
    return resp.json()


def list_held(base_url, page_size=100):
    """Every held record (admin, a window wider than the 14 days a message stays held); (records, pages)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    fmt = '%Y-%m-%dT%H:%M:%S+0000'
    item = {'admin': True, 'start': (now - datetime.timedelta(days=30)).strftime(fmt),
            'end': (now + datetime.timedelta(days=1)).strftime(fmt)}
    records, token, pages = [], None, 0
    while True:
        pagination = {'pageSize': page_size}
        if token:
            pagination['pageToken'] = token
        body = post(base_url, LIST_PATH, {'meta': {'pagination': pagination}, 'data': [item]})
        pages += 1
        records.extend(body.get('data') or [])
        token = (body.get('meta') or {}).get('pagination', {}).get('next')
        if not token:
            return records, pages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--base-url', required=True)
    parser.add_argument('--limit', type=int, default=None, help='send only the first N writes (a sample)')
    parser.add_argument('--out', default=None, help='write the figures as JSON here (default: stdout)')
    args = parser.parse_args(argv)

    started = time.monotonic()
    records, pages = list_held(args.base_url)
    listed = time.monotonic()
    classes = {'release': [], 'reject': [], 'keep': []}
    for record in records:
        classes[classify(record)].append(record['id'])
    work = [('release', i) for i in classes['release']] + [('reject', i) for i in classes['reject']]
    sample = work if args.limit is None else work[:args.limit]
    counts = {'release': 0, 'reject': 0}
    ok = {'release': 0, 'reject': 0}
    for action, msg_id in sample:
        if action == 'release':
            body = post(args.base_url, RELEASE_PATH, {'data': [{'id': msg_id}]})
        else:
            body = post(args.base_url, REJECT_PATH, {'data': [{'ids': [msg_id], 'reasonType': REJECT_TYPE,
                                                              'message': REJECT_MESSAGE, 'notify': False}]})
        counts[action] += 1
        data = body.get('data') or []
        ok[action] += int(bool(data) and data[0].get(action) is True and not body.get('fail'))
    finished = time.monotonic()
    result = {
        'held': len(records), 'list_pages': pages, 'list_seconds': listed - started,
        'release_class': len(classes['release']), 'reject_class': len(classes['reject']), 'keep_class': len(classes['keep']),
        'writes_total': len(work), 'writes_sent': len(sample), 'sent': counts, 'ok': ok,
        'write_seconds': finished - listed, 'seconds': finished - started,
    }
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as fh:
            fh.write(text + '\n')
    else:
        print(text)
    return 0 if sum(ok.values()) == len(sample) else 1


if __name__ == '__main__':
    sys.exit(main())
