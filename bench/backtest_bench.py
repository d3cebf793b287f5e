# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`, the rules-as-code part: the back-test against reading the release log, and rule cases at scale.

    .venv/bin/python bench/run_bench.py --backtest-only [--backtest-records 10000,100000] [--latency-ms 10]

(a) For each size N of release log (default 10k and 100k records, all in the back-test's default window of 30
    days; the simulator at 10 ms per request), in turn --backtest-repeat times: the log read with the collection's
    module (bench/release_logs_read.yml: mimecast_held_release_logs_info, every page, 500 per page, the records
    registered), then `ansible-playbook secops.mimecast.backtest -e @bench/rules.yml` with its report (JSON, HTML and
    CSV). Wall time, CPU and the peak RSS of the whole process tree; the back-test's counts are checked against the
    log (every record counted once, in one of the four classes). Targets at the largest N: the back-test within
    1.5x of the read (the medians); its peak memory bounded - at most 1.5x its peak at the smallest N (10x fewer
    records): only the disagreements are kept, and the report is written from them.
(b) `ansible-playbook secops.mimecast.rules_test` with --cases cases (default 1,000; the starter cases of the demo
    rules, varied) and a JUnit file: the rules_test task's own time (bench_timer: from the task's start to its end,
    so Ansible's templating of its arguments, the cases decided, the JUnit file written), and the same work in one
    Python process without Ansible. Target: the task under 2 s.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import statistics
import subprocess
import sys

import yaml

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(ROOT, 'simulator'))

from mimecast_sim.testing import Simulator  # noqa: E402  pylint: disable=wrong-import-position

LOGS = '/api/gateway/get-held-release-logs'
SEED = 1
READ_PLAYBOOK = os.path.join(BENCH, 'release_logs_read.yml')
RULES = os.path.join(BENCH, 'rules.yml')
DEMO_RULES = os.path.join(ROOT, 'docs', 'rules-examples', 'demo-rules.yml')
DEMO_CASES = os.path.join(ROOT, 'docs', 'rules-examples', 'cases', 'demo-rules.yml')
RULES_TEST_TASK = 'Decide every case with the rules (no API request)'
IN_PROCESS = r'''
import json, sys, time, datetime, yaml
from ansible_collections.secops.mimecast.plugins.plugin_utils.rule_cases import junit_xml, load_cases, result_of, run_cases
from ansible_collections.secops.mimecast.plugins.plugin_utils.triage_rules import Ruleset
rules = yaml.safe_load(open(sys.argv[1]))['mimecast_triage_rules']
cases = yaml.safe_load(open(sys.argv[2]))['mimecast_rule_cases']
started = time.perf_counter()
now = datetime.datetime.now(datetime.timezone.utc)
ruleset = Ruleset.load(rules)
done = run_cases(load_cases(cases, ruleset, now), ruleset, now)
result = result_of(done, ruleset)
xml = junit_xml(done, ruleset)
print(json.dumps({'seconds': time.perf_counter() - started, 'passed': result['passed'], 'cases': result['cases']}))
'''


def log(msg=''):
    print(msg, flush=True)


class Context(object):
    """What this bench needs from run_bench: the staged collection, a work dir, the environment, the tools, the meter."""

    def __init__(self, collections, workdir, env_of, tool, measure):
        self.collections = collections
        self.workdir = workdir
        self.env_of = env_of      # env_of(sim, extra) -> the environment of an ansible-playbook run
        self.tool = tool          # tool(name) -> the path of ansible-playbook
        self.measure = measure    # measure(cmd, env, log_path) -> (rc, wall s, peak tree RSS MB, CPU s)


def log_requests(sim):
    return sum(sim.stats()['by_path'].get(LOGS, {}).values())


def one_size(ctx, n, repeat, latency_ms):
    """The read and the back-test over a log of ``n`` records, in turn ``repeat`` times."""
    log('== back-test: %d release-log records, latency %g ms' % (n, latency_ms))
    runs = {'read': [], 'backtest': []}
    report_path = os.path.join(ctx.workdir, 'backtest-%d.json' % n)
    with Simulator(held=10, seed=SEED, release_history=n, release_history_days=25, latency_ms=latency_ms, log_file='/dev/null',
                   startup_timeout=900) as sim:
        env = ctx.env_of(sim, None)
        for index in range(repeat):
            for label, cmd in (('read', [ctx.tool('ansible-playbook'), READ_PLAYBOOK]),
                               ('backtest', [ctx.tool('ansible-playbook'), 'secops.mimecast.backtest', '-e', '@' + RULES,
                                             '-e', 'mimecast_backtest_report=%s' % report_path])):
                before = log_requests(sim)
                log_path = os.path.join(ctx.workdir, 'backtest-bench-%s-%d-%d.log' % (label, n, index))
                code, wall, rss, cpu = ctx.measure(cmd, env, log_path)
                if code != 0:
                    raise RuntimeError('%s over %d records failed (rc %d): see %s' % (label, n, code, log_path))
                runs[label].append({'wall_s': round(wall, 3), 'peak_rss_mb': round(rss, 1), 'cpu_s': round(cpu, 2),
                                    'requests': log_requests(sim) - before})
        assert sim.stats()['writes'] == 0
    with open(report_path, encoding='utf-8') as handle:
        report = json.load(handle)
    totals = report['totals']
    ok = totals['records'] == n and sum(totals[k] for k in ('agree', 'release_rejected', 'reject_released', 'kept')) == n
    fig = {'records': n, 'runs': runs, 'ok': ok, 'totals': totals,
           'report_bytes': dict((kind, os.path.getsize(report_path[:-len('.json')] + '.' + kind)) for kind in ('json', 'html', 'csv'))}
    for label in runs:
        fig[label] = {'median_wall_s': round(statistics.median(r['wall_s'] for r in runs[label]), 3),
                      'peak_rss_mb': max(r['peak_rss_mb'] for r in runs[label]),
                      'median_cpu_s': round(statistics.median(r['cpu_s'] for r in runs[label]), 2),
                      'requests': runs[label][0]['requests']}
    fig['backtest_over_read'] = round(fig['backtest']['median_wall_s'] / fig['read']['median_wall_s'], 2)
    log('   read (mimecast_held_release_logs_info): %.2f s (runs %s), CPU %.1f s, peak RSS %.0f MB, %d requests' % (
        fig['read']['median_wall_s'], ', '.join('%.2f' % r['wall_s'] for r in runs['read']), fig['read']['median_cpu_s'],
        fig['read']['peak_rss_mb'], fig['read']['requests']))
    log('   back-test with its report:              %.2f s (runs %s), CPU %.1f s, peak RSS %.0f MB, %d requests: %.2fx the read; '
        'counts %s (%d disagreements)' % (
            fig['backtest']['median_wall_s'], ', '.join('%.2f' % r['wall_s'] for r in runs['backtest']), fig['backtest']['median_cpu_s'],
            fig['backtest']['peak_rss_mb'], fig['backtest']['requests'], fig['backtest_over_read'], 'right' if ok else 'WRONG',
            totals['disagreements']))
    return fig


def many_cases(count):
    """``count`` cases: the demo rules' starter cases, each repeated with its name numbered and its subject varied."""
    with open(DEMO_CASES, encoding='utf-8') as handle:
        starters = yaml.safe_load(handle)['mimecast_rule_cases']
    out = []
    for index in range(count):
        case = copy.deepcopy(starters[index % len(starters)])
        case['name'] = '%s (%d)' % (case['name'], index + 1)
        case['message']['subject'] = '%s #%d' % (case['message'].get('subject') or 'message', index + 1)
        out.append(case)
    return out


def rules_test(ctx, count, repeat):
    log('== rules_test: %d cases' % count)
    cases_path = os.path.join(ctx.workdir, 'cases-%d.yml' % count)
    with open(cases_path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump({'mimecast_rule_cases': many_cases(count)}, handle)
    junit = os.path.join(ctx.workdir, 'rules-test-%d.xml' % count)
    tasks, walls = [], []
    for index in range(repeat):
        timer = os.path.join(ctx.workdir, 'rules-test-timer-%d.json' % index)
        env = ctx.env_of(None, {'BENCH_TIMER_OUT': timer})
        cmd = [ctx.tool('ansible-playbook'), 'secops.mimecast.rules_test', '-e', '@' + DEMO_RULES, '-e', '@' + cases_path,
               '-e', 'mimecast_rules_test_junit=%s' % junit]
        code, wall, dummy, dummy = ctx.measure(cmd, env, os.path.join(ctx.workdir, 'rules-test-%d.log' % index))
        if code != 0:
            raise RuntimeError('rules_test with %d cases failed (rc %d)' % (count, code))
        with open(timer, encoding='utf-8') as handle:
            times = dict((t['name'], t['end'] - t['start']) for t in json.load(handle)['tasks'])
        tasks.append(round(times[RULES_TEST_TASK], 3))
        walls.append(round(wall, 3))
    env = dict(os.environ, PYTHONPATH=ctx.collections)
    out = subprocess.run([sys.executable, '-c', IN_PROCESS, DEMO_RULES, cases_path], check=True, capture_output=True, text=True, env=env)
    alone = json.loads(out.stdout)
    fig = {'cases': count, 'task_s': statistics.median(tasks), 'task_runs_s': tasks, 'playbook_wall_s': statistics.median(walls),
           'in_process_s': round(alone['seconds'], 3), 'passed': alone['passed'] == count, 'junit_bytes': os.path.getsize(junit)}
    log('   the rules_test task %.2f s (runs %s; the whole playbook %.2f s); the same work in one process without Ansible %.3f s; '
        '%s' % (fig['task_s'], ', '.join('%.2f' % t for t in tasks), fig['playbook_wall_s'], fig['in_process_s'],
                'every case passed' if fig['passed'] else 'SOME CASES FAILED'))
    return fig


def targets(sizes, cases):
    out = []

    def check(name, ok, detail):
        out.append({'target': name, 'pass': bool(ok), 'detail': detail})

    if sizes:
        big, small = sizes[-1], sizes[0]
        check('back-test over %d records within 1.5x of reading them with mimecast_held_release_logs_info' % big['records'],
              big['backtest_over_read'] <= 1.5 and big['ok'],
              '%.2fx (%.2f s against %.2f s, medians)' % (
                  big['backtest_over_read'], big['backtest']['median_wall_s'], big['read']['median_wall_s']))
        if big is not small:
            # what grows is the disagreements kept (and the report written from them), not the records read
            growth = big['backtest']['peak_rss_mb'] / small['backtest']['peak_rss_mb']
            check('back-test memory bounded: peak RSS at %d records within 1.5x of %d' % (big['records'], small['records']),
                  growth <= 1.5, '%.0f MB against %.0f MB (%.2fx; the read: %.0f MB against %.0f MB)' % (
                      big['backtest']['peak_rss_mb'], small['backtest']['peak_rss_mb'], growth, big['read']['peak_rss_mb'],
                      small['read']['peak_rss_mb']))
    if cases:
        check('rules_test with %d cases: under 2 s of its own work' % cases['cases'], cases['task_s'] < 2 and cases['passed'],
              'the task %.2f s (in one process without Ansible %.3f s)' % (cases['task_s'], cases['in_process_s']))
    return out


def run(ctx, sizes, repeat, latency_ms, cases, cases_repeat=3):
    found = [one_size(ctx, n, repeat, latency_ms) for n in sizes]
    cased = rules_test(ctx, cases, cases_repeat) if cases else None
    return {'sizes': found, 'rules_test': cased, 'latency_ms': latency_ms, 'targets': targets(found, cased)}


def markdown(data):
    lines = ['| release-log records | read with the module: wall s (CPU s), peak RSS MB | back-test with its report: wall s (CPU s), '
             'peak RSS MB | back-test / read | requests each | disagreements |', '|---:|---|---|---:|---:|---:|']
    for fig in data['sizes']:
        lines.append('| %d | %.2f (%.1f), %.0f | %.2f (%.1f), %.0f | %.2f× | %d | %d |' % (
            fig['records'], fig['read']['median_wall_s'], fig['read']['median_cpu_s'], fig['read']['peak_rss_mb'],
            fig['backtest']['median_wall_s'], fig['backtest']['median_cpu_s'], fig['backtest']['peak_rss_mb'], fig['backtest_over_read'],
            fig['backtest']['requests'], fig['totals']['disagreements']))
    cases = data.get('rules_test')
    if cases:
        lines += ['', '- rules_test, %d cases: the task %.2f s (runs %s), the whole playbook %.2f s, in one process without Ansible '
                  '%.3f s' % (cases['cases'], cases['task_s'], ', '.join('%.2f' % t for t in cases['task_runs_s']), cases['playbook_wall_s'],
                              cases['in_process_s'])]
    return '\n'.join(lines) + '\n'
