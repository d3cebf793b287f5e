# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`, the scale part: one big tenant, and many tenants with forks.

    .venv/bin/python bench/run_bench.py --scale-only [--scale-sizes 10000,50000,100000] [--tenants 20]

(a) One tenant at 10 ms latency, at each of --scale-sizes held (default 10k, 50k, 100k): the triage playbook's wall
    time, the CPU seconds of the playbook's process tree and the collection's own share of them (the tree's CPU less
    that of the floor's playbook, the same playbook with its triage task doing nothing), the peak memory of the
    tree, and the cost per 10,000 held (wall time above the floor's start-up, per 10k) from the smallest size to the
    largest. Targets: 100k in < 10 s, peak memory < 300 MB, the cost per 10k growing < 1.2x.
(b) --tenants tenants (default 20) x --tenant-held held (5,000) at 50 ms latency, on one simulator serving them all,
    the triage playbook over the inventory the simulator writes: forks 1 against forks 10 in one run each. Target:
    forks 10 at least 3x faster.

The memory of a process tree is the sum of its processes' proportional set sizes (PSS: a page shared by the
playbook's main process and the worker it forked counts once, split between them); the sum of their RSS, which
counts such a page in every process, is printed beside it. When a target is missed, the run is repeated with the
triage task under a profiler (bench/action_plugins/bench_profile_triage.py) and the top of the profile is printed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import pstats
import resource
import subprocess
import sys
import threading
import time

import psutil
import yaml

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(ROOT, 'simulator'))

from mimecast_sim.testing import Simulator  # noqa: E402  pylint: disable=wrong-import-position

TRIAGE_MODULE = 'secops.mimecast.mimecast_triage'
PROFILE_ACTION = 'bench_profile_triage'  # bench/action_plugins/bench_profile_triage.py
SEED = 1
ONE_TENANT_LATENCY_MS = 10
TENANTS_LATENCY_MS = 50


def log(msg=''):
    print(msg, flush=True)


# ------------------------------------------------------------------------------------------ measuring
def _tree(pid):
    try:
        root = psutil.Process(pid)
        return [root] + root.children(recursive=True)
    except psutil.Error:
        return []


def _smaps_rollup(proc):
    """(rss, pss) in bytes of one process, from /proc/PID/smaps_rollup; (rss, rss) where that is not readable."""
    try:
        with open('/proc/%d/smaps_rollup' % proc.pid, encoding='ascii') as handle:
            fields = dict((line.split(':')[0], int(line.split()[1]) * 1024) for line in handle if line.split()[-1:] == ['kB'])
        return fields.get('Rss', 0), fields.get('Pss', fields.get('Rss', 0))
    except (OSError, ValueError, IndexError):
        try:
            rss = proc.memory_info().rss
        except psutil.Error:
            rss = 0
        return rss, rss


class Sampler(object):
    """Calls :meth:`sample` every ``interval`` seconds in a thread, between ``with`` and its end."""

    def __init__(self, interval):
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self):
        raise NotImplementedError

    def _loop(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class TreeMemory(Sampler):
    """Peaks of the summed PSS and of the summed RSS of a process tree, sampled every ``interval`` seconds."""

    def __init__(self, pid, interval=0.05):
        super(TreeMemory, self).__init__(interval)
        self.pid = pid
        self.peak_pss = 0
        self.peak_rss = 0
        self.peak_processes = 0

    def sample(self):
        procs = _tree(self.pid)
        sizes = [_smaps_rollup(proc) for proc in procs]
        self.peak_rss = max(self.peak_rss, sum(rss for rss, dummy in sizes))
        self.peak_pss = max(self.peak_pss, sum(pss for dummy, pss in sizes))
        self.peak_processes = max(self.peak_processes, len(procs))


class NoMemory(object):
    """Stands in for :class:`TreeMemory` when a run is timed only: reading /proc/PID/smaps_rollup of a dozen
    processes every 50 ms takes CPU from the run it measures, on a 2-core machine a noticeable share."""

    peak_pss = peak_rss = peak_processes = 0

    def __init__(self, pid):
        self.pid = pid

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def measured(cmd, env, log_path, cwd=ROOT, sim=None, memory=True):
    """Run ``cmd``: its rc, wall seconds, CPU seconds of its tree, peak PSS and RSS (MB; with ``memory``), and the
    simulator's CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    sim_proc = psutil.Process(sim.proc.pid) if sim is not None else None
    sim_before = sum(sim_proc.cpu_times()[:2]) if sim_proc else 0.0
    with open(log_path, 'wb') as out:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
        with (TreeMemory if memory else NoMemory)(proc.pid) as sampled:
            proc.wait()
        wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {'rc': proc.returncode, 'wall_s': round(wall, 3),
            'cpu_s': round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2),
            'peak_pss_mb': round(sampled.peak_pss / 1e6, 1) if memory else None,
            'peak_rss_sum_mb': round(sampled.peak_rss / 1e6, 1) if memory else None, 'processes': sampled.peak_processes or None,
            'sim_cpu_s': round(sum(sim_proc.cpu_times()[:2]) - sim_before, 2) if sim_proc else None, 'log': log_path}


def swapped_playbook(dest, source, action):
    """``source`` with its one triage task handed to ``action`` (blocks included)."""
    with open(source, encoding='utf-8') as handle:
        plays = yaml.safe_load(handle)

    def swap(tasks):
        count = 0
        for index, task in enumerate(tasks):
            if TRIAGE_MODULE in task:
                tasks[index] = dict((action if key == TRIAGE_MODULE else key, value) for key, value in task.items())
                count += 1
            for section in ('block', 'rescue', 'always'):
                count += swap(task.get(section) or [])
        return count

    found = sum(swap(play.get('tasks', [])) for play in plays)
    if found != 1:
        raise RuntimeError('%s: expected one %s task, found %d' % (source, TRIAGE_MODULE, found))
    with open(dest, 'w', encoding='utf-8') as handle:
        handle.write('---\n# made by bench/scale.py from %s: the triage task is %s\n' % (os.path.relpath(source, ROOT), action))
        yaml.safe_dump(plays, handle, sort_keys=False, default_flow_style=False, width=1000)
    return dest


class Context(object):
    """What the scale bench needs from run_bench: the staged collection, a work dir, the environment, the tools."""

    def __init__(self, collections, workdir, env_of, tool, noop_playbook):
        self.collections = collections
        self.workdir = workdir
        self.env_of = env_of      # env_of(sim, extra) -> the environment of an ansible-playbook run
        self.tool = tool          # tool(name) -> the path of ansible-playbook
        self.noop_playbook = noop_playbook
        self.triage_playbook = os.path.join(ROOT, 'playbooks', 'triage.yml')
        self.profile_playbook = swapped_playbook(os.path.join(workdir, 'profiled.yml'), self.triage_playbook, PROFILE_ACTION)
        self.rules = os.path.join(BENCH, 'rules.yml')

    def playbook(self, sim, tag, playbook='secops.mimecast.triage', options=(), extra_env=None, inventory=None, memory=True):
        cmd = [self.tool('ansible-playbook'), playbook, '-e', '@' + self.rules] + list(options)
        env = self.env_of(sim, extra_env)
        if inventory:
            cmd += ['-i', inventory]
            for key in [k for k in env if k.startswith('MIMECAST_')]:
                del env[key]  # each tenant's connection from the inventory only
        return measured(cmd, env, os.path.join(self.workdir, 'scale-%s.log' % tag), sim=sim, memory=memory)


def profile_top(ctx, sim, tag, what):
    """Rerun the first tenant's triage under the profiler; the lines to print: the top of the CPU profile, or of the
    memory allocations."""
    out = os.path.join(ctx.workdir, 'profile-%s.%s' % (tag, 'json' if what == 'memory' else 'pstats'))
    sim.reset(seed=SEED)
    fig = ctx.playbook(sim, 'profile-' + tag, playbook=ctx.profile_playbook, extra_env={'BENCH_PROFILE': what, 'BENCH_PROFILE_OUT': out})
    lines = ['   profiled run (%s): %.2f s wall, rc %d' % (what, fig['wall_s'], fig['rc'])]
    if not os.path.exists(out):
        return lines + ['   (no profile written; see %s)' % fig['log']]
    if what == 'memory':
        with open(out, encoding='utf-8') as handle:
            data = json.load(handle)
        lines.append('   the triage task: peak traced %.0f MB, worker max RSS %.0f MB; the largest allocations still held at its end:' % (
            data['peak_traced_mb'], data['worker_max_rss_mb']))
        lines += ['     %7.1f MB %8d blocks  %s' % (t['mb'], t['count'], ' <- '.join(reversed(t['where']))) for t in data['top'][:8]]
        return lines
    stats = pstats.Stats(out)
    stats.sort_stats('cumulative')
    rows = []
    for (filename, line, name), (dummy, calls, own, cumulative, dummy2) in stats.stats.items():  # pylint: disable=no-member
        if 'secops/mimecast' in filename or 'ansible' in filename or 'json' in filename:
            rows.append((cumulative, own, calls, '%s:%d(%s)' % (filename.split('site-packages/')[-1].split('ansible_collections/')[-1], line, name)))
    rows.sort(reverse=True)
    lines.append('   where the triage task spends its time (cumulative s, own s, calls):')
    lines += ['     %7.2f %7.2f %8d  %s' % row for row in rows[1:13]]
    return lines


# ------------------------------------------------------------------------------------------ (a) one tenant
def one_tenant(ctx, sizes, repeat=2):
    log('== scale (a): one tenant, %s held, %d ms latency' % (', '.join('%dk' % (n // 1000) for n in sizes), ONE_TENANT_LATENCY_MS))
    rows = []
    for n in sizes:
        with Simulator(held=n, seed=SEED, latency_ms=ONE_TENANT_LATENCY_MS, log_file='/dev/null', startup_timeout=300) as sim:
            runs, floors = [], []
            for index in range(repeat):
                sim.reset(seed=SEED)
                floors.append(ctx.playbook(sim, 'floor-%d-%d' % (n, index), playbook=ctx.noop_playbook))
                sim.reset(seed=SEED)
                fig = ctx.playbook(sim, 'one-%d-%d' % (n, index))
                counts = sim.state()['counts']
                fig['done'] = counts['released'] + counts['rejected']
                runs.append(fig)
            best = min(runs, key=lambda f: f['wall_s'])
            floor = min(floors, key=lambda f: f['wall_s'])
            row = {'n': n, 'wall_s': best['wall_s'], 'runs_wall_s': [f['wall_s'] for f in runs], 'cpu_s': best['cpu_s'],
                   'floor_wall_s': floor['wall_s'], 'floor_cpu_s': floor['cpu_s'],
                   'own_cpu_s': round(best['cpu_s'] - floor['cpu_s'], 2), 'sim_cpu_s': best['sim_cpu_s'],
                   'peak_pss_mb': max(f['peak_pss_mb'] for f in runs), 'peak_rss_sum_mb': max(f['peak_rss_sum_mb'] for f in runs),
                   'ok': all(f['rc'] == 0 and f['done'] == runs[0]['done'] > 0 for f in runs), 'done': runs[0]['done']}
            row['cost_per_10k_s'] = round((row['wall_s'] - row['floor_wall_s']) / (n / 10000.0), 3)
            log('   %6d held: %.2f s wall (runs %s), CPU %.2f s of which the collection %.2f s (the floor: %.2f s wall, %.2f s CPU), '
                'simulator CPU %.2f s, peak memory %.0f MB PSS (%.0f MB RSS summed), cost per 10k %.3f s, %s' % (
                    n, row['wall_s'], ', '.join('%.2f' % w for w in row['runs_wall_s']), row['cpu_s'], row['own_cpu_s'],
                    row['floor_wall_s'], row['floor_cpu_s'], row['sim_cpu_s'] or 0, row['peak_pss_mb'], row['peak_rss_sum_mb'],
                    row['cost_per_10k_s'], 'state right' if row['ok'] else 'STATE WRONG'))
            rows.append(row)
            row['sim'] = sim  # for a profiled rerun below; dropped before the figures are written
            if n == max(sizes):
                row['profile'] = []
                big = row
                if big['wall_s'] >= 10:
                    row['profile'] += profile_top(ctx, sim, 'one-%d' % n, 'cpu')
                if big['peak_pss_mb'] >= 300:
                    row['profile'] += profile_top(ctx, sim, 'one-%d-mem' % n, 'memory')
                for line in row['profile']:
                    log(line)
            row.pop('sim')
    return rows


# ------------------------------------------------------------------------------------------ (b) many tenants
def many_tenants(ctx, tenants, held, forks=(1, 10)):
    log('== scale (b): %d tenants x %d held, %d ms latency, forks %s' % (tenants, held, TENANTS_LATENCY_MS, ' vs '.join(map(str, forks))))
    inventory = os.path.join(ctx.workdir, 'tenants.yml')
    runs = {}
    with Simulator(held=held, seed=SEED, latency_ms=TENANTS_LATENCY_MS, tenants=tenants, inventory_file=inventory,
                   log_file='/dev/null', startup_timeout=300) as sim:
        names = sim.tenants()
        for count in forks:
            sim.reset(tenant='*', seed=SEED)
            # timed only (see NoMemory)
            fig = ctx.playbook(sim, 'tenants-forks%d' % count, options=['--forks', str(count), '-e', 'mimecast_hosts=mimecast_tenants'],
                               inventory=inventory, memory=False)
            done = [sim.state(tenant=name)['counts'] for name in names]
            fig['ok'] = fig['rc'] == 0 and all(c['released'] + c['rejected'] > 0 for c in done)
            fig['done'] = sum(c['released'] + c['rejected'] for c in done)
            fig['cores_busy'] = round(fig['cpu_s'] / fig['wall_s'], 2) if fig['wall_s'] else None
            runs[count] = fig
            log('   forks %2d: %.2f s wall, CPU %.2f s (%.2f cores busy), simulator CPU %.2f s, %d released or rejected, %s' % (
                count, fig['wall_s'], fig['cpu_s'], fig['cores_busy'] or 0, fig['sim_cpu_s'] or 0, fig['done'],
                'state right' if fig['ok'] else 'STATE WRONG'))
        low, high = min(forks), max(forks)
        speedup = runs[low]['wall_s'] / runs[high]['wall_s'] if runs[high]['wall_s'] else 0.0
        result = {'tenants': tenants, 'held_per_tenant': held, 'latency_ms': TENANTS_LATENCY_MS,
                  'runs': dict((str(k), v) for k, v in runs.items()), 'speedup': round(speedup, 2), 'profile': []}
        log('   forks %d is %.2fx faster than forks %d' % (high, speedup, low))
        if speedup < 3:
            cpu_bound = runs[high]['cpu_s'] + (runs[high]['sim_cpu_s'] or 0)
            result['profile'].append('   where the time goes at forks %d: %.1f CPU seconds (the playbook %.1f, the simulator %.1f) in %.2f s '
                                     'on %d cores: at most %.2fx over forks %d while the CPU is the limit' % (
                                         high, cpu_bound, runs[high]['cpu_s'], runs[high]['sim_cpu_s'] or 0, runs[high]['wall_s'],
                                         os.cpu_count(), runs[low]['wall_s'] / max(cpu_bound / os.cpu_count(), 1e-6), low))
            # one tenant's triage task (tenant1, from the environment), profiled
            result['profile'] += profile_top(ctx, sim, 'tenants', 'cpu')
            for line in result['profile']:
                log(line)
    return result


def targets(one, many):
    out = []

    def check(name, ok, detail):
        out.append({'target': name, 'pass': bool(ok), 'detail': detail})

    if one:
        big = max(one, key=lambda r: r['n'])
        small = min(one, key=lambda r: r['n'])
        check('%dk held in one tenant (10 ms latency): wall time < 10 s' % (big['n'] // 1000), big['wall_s'] < 10 and big['ok'],
              '%.2f s (the collection %.2f CPU s, Ansible %.2f CPU s)' % (big['wall_s'], big['own_cpu_s'], big['floor_cpu_s']))
        check('%dk held: peak memory of the playbook run < 300 MB' % (big['n'] // 1000), big['peak_pss_mb'] < 300,
              '%.0f MB PSS (%.0f MB RSS summed over the playbook and its worker)' % (big['peak_pss_mb'], big['peak_rss_sum_mb']))
        if big['n'] > small['n'] and small['cost_per_10k_s'] > 0:
            growth = big['cost_per_10k_s'] / small['cost_per_10k_s']
            check('cost per 10k held grows < 1.2x from %dk to %dk' % (small['n'] // 1000, big['n'] // 1000), growth < 1.2,
                  '%.2fx (%.3f s -> %.3f s per 10k)' % (growth, small['cost_per_10k_s'], big['cost_per_10k_s']))
    if many:
        check('%d tenants x %d held (50 ms): forks 10 >= 3x faster than forks 1' % (many['tenants'], many['held_per_tenant']),
              many['speedup'] >= 3 and all(r['ok'] for r in many['runs'].values()),
              '%.2fx (%.2f s -> %.2f s)' % (many['speedup'], many['runs']['1']['wall_s'], many['runs']['10']['wall_s']))
    return out


def run(ctx, sizes, tenants, tenant_held):
    one = one_tenant(ctx, sizes) if sizes else []
    many = many_tenants(ctx, tenants, tenant_held) if tenants else None
    return {'one_tenant': one, 'many_tenants': many, 'targets': targets(one, many)}
