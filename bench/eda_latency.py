"""Time from a hold appearing in the simulator to its release by the release_or_reject rulebook under ansible-rulebook.

    make stage eda-venv && .venv/bin/python bench/eda_latency.py [--interval 5] [--holds 12]

Starts the simulator (no held messages) and `ansible-rulebook -r secops.mimecast.release_or_reject` (from .venv-eda,
the collection from the staged tree .build/collections) with the given poll interval. Then, one at a time, it adds a
newsletter hold (dateReceived now) at a random moment of the poll cycle and times how long until /_sim/audit shows
its release; the next hold comes once the previous one is released. Prints each time, min / median / mean / max, and
the list requests per poll (from /_sim/stats).
"""

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'simulator'))

from mimecast_sim.testing import Simulator  # noqa: E402  pylint: disable=wrong-import-position

HOLD_LIST = '/api/gateway/get-hold-message-list'


def api_date():
    return time.strftime('%Y-%m-%dT%H:%M:%S+0000', time.gmtime())


def list_requests(sim):
    return sum(sim.stats()['by_path'].get(HOLD_LIST, {}).values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--interval', type=float, default=5)
    parser.add_argument('--holds', type=int, default=12)
    parser.add_argument('--seed', type=int, default=16)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *dummy: sys.exit('stopped'))  # stopped: still stop the simulator and ansible-rulebook
    collections = os.path.join(ROOT, '.build', 'collections')
    staged = os.path.join(collections, 'ansible_collections', 'secops', 'mimecast')
    eda_venv = os.environ.get('EDA_VENV') or os.path.join(ROOT, '.venv-eda')
    rulebook_bin = os.path.join(eda_venv, 'bin', 'ansible-rulebook')
    for path, hint in ((staged, 'make stage'), (rulebook_bin, 'make eda-venv')):
        if not os.path.exists(path):
            sys.exit('%s is missing: run `%s` first' % (path, hint))
    rng = random.Random(args.seed)
    with Simulator(held=0, seed=args.seed) as sim, tempfile.TemporaryDirectory(prefix='eda-latency-') as tmp:
        vars_path = os.path.join(tmp, 'vars.yml')
        with open(vars_path, 'w', encoding='utf-8') as handle:
            json.dump({'mimecast_eda_interval': args.interval}, handle)
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith('MIMECAST_'))
        env.update(sim.credentials('1.0'))
        env.update(ANSIBLE_COLLECTIONS_PATH=collections, PATH=os.path.join(eda_venv, 'bin') + os.pathsep + env['PATH'],
                   ANSIBLE_NOCOLOR='1')
        log_path = os.path.join(tmp, 'ansible-rulebook.log')
        cmd = [rulebook_bin, '-i', os.path.join(staged, 'extensions', 'eda', 'inventory.yml'),
               '-r', 'secops.mimecast.release_or_reject', '--vars', vars_path]
        print('$ ' + ' '.join(cmd[0:1] + [os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd[1:]]))
        with open(log_path, 'wb') as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp)  # pylint: disable=consider-using-with
            try:
                deadline = time.monotonic() + 120
                while list_requests(sim) < 1:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        sys.exit('ansible-rulebook did not start polling:\n' + open(log_path, encoding='utf-8').read())
                    time.sleep(0.1)
                polls_before, started_at = list_requests(sim), time.monotonic()
                times = []
                for number in range(args.holds):
                    time.sleep(rng.uniform(0, args.interval))  # a random moment of the poll cycle
                    rid = sim.add_messages([{'from': 'hello@news.vendor.example', 'subject': 'Weekly digest %d' % number,
                                             'reasonCode': 'message_hold_applied_spam_signature_policy',
                                             'dateReceived': api_date()}])[0]
                    added = time.monotonic()
                    while not any(entry['id'] == rid for entry in sim.audit()):
                        if proc.poll() is not None or time.monotonic() - added > 120:
                            sys.exit('hold %s not released:\n%s' % (rid, open(log_path, encoding='utf-8').read()[-4000:]))
                        time.sleep(0.05)
                    times.append(time.monotonic() - added)
                    print('hold %2d released after %5.2f s' % (number + 1, times[-1]), flush=True)
                polls = list_requests(sim) - polls_before
                elapsed = time.monotonic() - started_at
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        audit, stats = sim.audit(), sim.stats()
        assert len(audit) == args.holds and len(set(e['id'] for e in audit)) == args.holds, audit
    print('interval %s s, %d holds: min %.2f s, median %.2f s, mean %.2f s, max %.2f s'
          % (args.interval, len(times), min(times), statistics.median(times), statistics.mean(times), max(times)))
    releases = sum(stats['by_path'].get('/api/gateway/hold-release', {}).values())
    print('API requests in %.0f s: %d held-list reads (one per poll, one every %.2f s) and %d hold-release (one per hold)'
          % (elapsed, polls, elapsed / max(polls, 1), releases))
    print('each hold released exactly once (/_sim/audit: %d releases)' % len(audit))


if __name__ == '__main__':
    main()
