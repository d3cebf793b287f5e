"""The write engine alone (MimecastClient + WriteEngine releasing, no Ansible): keep-alive vs a new connection per request.

    PYTHONPATH=<dir holding ansible_collections> python bench/driver.py --base-url URL --ids-file ids.json
        --mode keepalive|fresh --batch-size B --concurrency C

``fresh`` is a test-only subclass of the client that sends every request on a new connection
(``requests.post``, no session), like the vendor samples; it is not an option of the collection.
"""

import argparse
import json
import time

import requests

from ansible_collections.secops.mimecast.plugins.module_utils.client import MimecastClient
from ansible_collections.secops.mimecast.plugins.module_utils.write_actions import ACTIONS
from ansible_collections.secops.mimecast.plugins.module_utils.write_engine import WriteEngine

CREDS = {
    'access_key': 'sim-access-key',
    'secret_key': 'c2ltdWxhdG9yLXNlY3JldC1rZXktbm90LWZvci1wcm9kdWN0aW9u',
    'app_id': 'sim-app-id',
    'app_key': 'sim-app-key',
}


class FreshConnectionClient(MimecastClient):
    """Every request on a new TCP connection (test only)."""

    def _post(self, url, headers, data):
        self.request_count += 1
        merged = dict(self._session.headers)
        merged.update(headers)
        resp = requests.post(url, headers=merged, data=data, timeout=self.timeout, verify=self.validate_certs)
        return resp, resp.content


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--base-url', required=True)
    parser.add_argument('--ids-file', required=True)
    parser.add_argument('--mode', choices=('keepalive', 'fresh'), default='keepalive')
    parser.add_argument('--batch-size', type=int, default=100)
    parser.add_argument('--concurrency', type=int, default=4)
    args = parser.parse_args()
    with open(args.ids_file, encoding='utf-8') as fh:
        ids = json.load(fh)
    cls = MimecastClient if args.mode == 'keepalive' else FreshConnectionClient
    client = cls(args.base_url, pool_size=args.concurrency, **CREDS)
    started = time.monotonic()
    outcome = WriteEngine(client, ACTIONS['release'], batch_size=args.batch_size, concurrency=args.concurrency,
                          verify=False).run(ids)
    seconds = time.monotonic() - started
    print(json.dumps({'mode': args.mode, 'batch_size': args.batch_size, 'concurrency': args.concurrency, 'ids': len(ids),
                      'done': len(outcome['done']), 'failures': len(outcome['failures']), 'requests': client.request_count,
                      'seconds': round(seconds, 3)}))


if __name__ == '__main__':
    main()
