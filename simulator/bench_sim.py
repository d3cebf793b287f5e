"""Throughput of the simulator alone: list pages and release batches per second.

    cd simulator && python bench_sim.py [--held 50000] [--latency-ms 0] [--concurrency 8] [--seconds 5]
"""

import argparse
import asyncio
import base64
import datetime
import hashlib
import hmac
import json
import time
import uuid

import aiohttp

from mimecast_sim import DEFAULT_CREDENTIALS
from mimecast_sim.testing import Simulator

CREDS = DEFAULT_CREDENTIALS
SECRET = base64.b64decode(CREDS['secret_key'])


def headers(path):
    date = datetime.datetime.now(datetime.timezone.utc).strftime('%a, %d %b %Y %H:%M:%S UTC')
    req_id = str(uuid.uuid4())
    sig = base64.b64encode(hmac.new(SECRET, ':'.join([date, req_id, path, CREDS['app_key']]).encode(), hashlib.sha1).digest()).decode()
    return {'Authorization': 'MC %s:%s' % (CREDS['access_key'], sig), 'x-mc-app-id': CREDS['app_id'], 'x-mc-date': date,
            'x-mc-req-id': req_id, 'Content-Type': 'application/json'}


async def list_worker(session, base, deadline, counter):
    path = '/api/gateway/get-hold-message-list'
    token = None
    while time.monotonic() < deadline:
        meta = {'pagination': {'pageSize': 100}}
        if token:
            meta['pagination']['pageToken'] = token
        async with session.post(base + path, data=json.dumps({'meta': meta, 'data': [{'admin': True}]}), headers=headers(path)) as resp:
            body = await resp.json()
        assert resp.status == 200, body
        counter[0] += 1
        token = body['meta']['pagination'].get('next')


async def release_worker(session, base, ids, deadline, counter):
    path = '/api/gateway/hold-release'
    while time.monotonic() < deadline and ids:
        batch = [{'id': ids.pop()} for dummy in range(min(100, len(ids)))]
        async with session.post(base + path, data=json.dumps({'data': batch}), headers=headers(path)) as resp:
            body = await resp.json()
        assert resp.status == 200 and len(body['data']) == len(batch), body
        counter[0] += 1


async def run(base, ids, concurrency, seconds):
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        for name, make in (('list pages (100 records)', lambda d, c: list_worker(session, base, d, c)),
                           ('release batches (100 ids)', lambda d, c: release_worker(session, base, ids, d, c))):
            counter = [0]
            started = time.monotonic()
            deadline = started + seconds
            await asyncio.gather(*(make(deadline, counter) for dummy in range(concurrency)))
            elapsed = time.monotonic() - started
            print('%-28s %8.0f requests/s  (%d requests, concurrency %d)' % (name, counter[0] / elapsed, counter[0], concurrency))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--held', type=int, default=50000)
    parser.add_argument('--latency-ms', type=float, default=0)
    parser.add_argument('--concurrency', type=int, default=8)
    parser.add_argument('--seconds', type=float, default=5)
    args = parser.parse_args()
    with Simulator(held=args.held, latency_ms=args.latency_ms, log_file='/dev/null') as sim:
        ids = list(sim.state()['held'])
        asyncio.run(run(sim.base_url, ids, args.concurrency, args.seconds))


if __name__ == '__main__':
    main()
