# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`, the signed-off plans part: applying a dry run's plan against a plain triage run of the same work.

    .venv/bin/python bench/run_bench.py --plans-only [--plan-sizes 10000,50000] [--plan-repeat 3]

At each of --plan-sizes held (default 10k and 50k), 10 ms latency, bench/rules.yml, --plan-repeat times in turn:

1. the simulator reset to its seed; the triage dry run with its report (``dry.json``: the plan), timed; the same dry
   run handing its plan on as an AWX artifact (``mimecast_triage_plan_artifact=report``: the report read back and
   given to ``set_stats``), timed;
2. the plan applied (``-e mimecast_triage_plan=dry.json -e mimecast_triage_plan_digest=...``, with its report), timed;
3. the simulator reset to the same seed (the same queue); a plain triage run with its report, timed;
4. the simulator reset; a dry run; the plan applied as AWX hands it to the next job: the report itself as an extra
   variable (``-e @artifact.json``), timed.

Target: the apply within 1.2x of the plain triage run (the median of the pairs of 2. and 3.). Also: the plan's size
(the report as written, as compact JSON as AWX stores an artifact, gzipped; and the same with ids of 200
characters, the size of real message ids: the simulator's are 159), and the peak memory (PSS) of one apply and
one triage run. Every apply is checked: what it released and rejected is what the triage of the same queue did.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import json
import os
import statistics

import scale
from scale import SEED, log

LATENCY_MS = 10
REAL_ID_LENGTH = 200


def _read(path):
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def plan_size(path):
    """Sizes of the plan in ``path`` (a dry run's report): as written, as compact JSON, gzipped; and with 200-character ids."""
    report = _read(path)
    compact = json.dumps(report, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    ids = [rid for rule in report['rules'] for rid in rule['ids']] + report['plan']['unmatched']
    sender_ids = list(report['plan']['senders'])
    average = sum(len(rid) for rid in ids) / float(len(ids)) if ids else 0.0
    grow = (len(ids) + len(sender_ids)) * (REAL_ID_LENGTH - average)
    return {'ids': len(ids), 'average_id_chars': round(average, 1), 'written_bytes': os.path.getsize(path),
            'compact_bytes': len(compact), 'gzip_bytes': len(gzip.compress(compact)),
            'compact_bytes_200_char_ids': int(len(compact) + grow), 'digest': report['plan']['digest']}


def outcome(path):
    totals = _read(path)['totals']
    return dict((key, totals.get(key)) for key in ('held', 'released', 'rejected', 'kept', 'failed', 'not_held', 'not_in_plan'))


def run(context, sizes, repeat):
    """The figures of the plans bench (see the module's doc) at each of ``sizes`` held."""
    out = []
    for n in sizes:
        log('== signed-off plans at N = %d held, latency %d ms' % (n, LATENCY_MS))
        folder = os.path.join(context.workdir, 'plans-%d' % n)
        os.makedirs(folder, exist_ok=True)
        dry, artifact = os.path.join(folder, 'dry.json'), os.path.join(folder, 'artifact.json')
        walls = dict((key, []) for key in ('dry run', 'dry run + artifact', 'apply', 'triage', 'apply (plan as extra vars)'))
        checks = []
        with scale.Simulator(held=n, seed=SEED, latency_ms=LATENCY_MS, log_file='/dev/null', startup_timeout=180) as sim:

            def playbook(tag, options, memory=False):
                result = context.playbook(sim, 'plans-%d-%s' % (n, tag), options=options, memory=memory)
                if result['rc'] != 0:
                    raise RuntimeError('%s at N = %d failed (rc %d): see %s' % (tag, n, result['rc'], result['log']))
                return result

            def dry_run(tag, extra=()):
                return playbook(tag, ['--check', '-e', 'mimecast_triage_report=%s' % dry] + list(extra))

            def apply_plan(tag, memory=False):
                return playbook(tag, ['-e', 'mimecast_triage_plan=%s' % dry, '-e', 'mimecast_triage_plan_digest=%s' % _read(dry)['plan']['digest'],
                                      '-e', 'mimecast_triage_report=%s' % os.path.join(folder, 'apply.json')], memory)

            def triage(tag, memory=False):
                return playbook(tag, ['-e', 'mimecast_triage_report=%s' % os.path.join(folder, 'triage.json')], memory)

            for index in range(repeat):
                sim.reset(seed=SEED)
                walls['dry run'].append(dry_run('dry-%d' % index)['wall_s'])
                walls['dry run + artifact'].append(dry_run('dry-artifact-%d' % index, ['-e', 'mimecast_triage_plan_artifact=report'])['wall_s'])
                walls['apply'].append(apply_plan('apply-%d' % index)['wall_s'])
                applied = outcome(os.path.join(folder, 'apply.json'))
                sim.reset(seed=SEED)
                walls['triage'].append(triage('triage-%d' % index)['wall_s'])
                done = outcome(os.path.join(folder, 'triage.json'))
                checks.append((applied, done))
                sim.reset(seed=SEED)
                dry_run('dry-mapping-%d' % index)
                with open(artifact, 'w', encoding='utf-8') as handle:
                    json.dump({'mimecast_triage_plan': _read(dry)}, handle, separators=(',', ':'))
                walls['apply (plan as extra vars)'].append(playbook('apply-mapping-%d' % index, ['-e', '@' + artifact])['wall_s'])
            size = plan_size(dry)
            # the peak memory of one apply and of one triage run (the sampler costs CPU: not in the timed runs)
            sim.reset(seed=SEED)
            dry_run('dry-memory')
            apply_memory = apply_plan('apply-memory', memory=True)
            sim.reset(seed=SEED)
            triage_memory = triage('triage-memory', memory=True)
        pairs = [a / t for a, t in zip(walls['apply'], walls['triage'])]
        med = dict((key, statistics.median(values)) for key, values in walls.items())
        same = all(a['released'] == t['released'] and a['rejected'] == t['rejected'] and a['failed'] == 0 for a, t in checks)
        fig = {'n': n, 'median_s': dict((k, round(v, 3)) for k, v in med.items()),
               'runs_s': dict((k, [round(w, 3) for w in v]) for k, v in walls.items()),
               'apply_over_triage': round(statistics.median(pairs), 3), 'apply_over_triage_runs': [round(p, 3) for p in pairs],
               'mapping_over_triage': round(med['apply (plan as extra vars)'] / med['triage'], 3),
               'artifact_over_dry_run': round(med['dry run + artifact'] / med['dry run'], 3),
               'plan': size, 'same_work': same, 'outcomes': checks[-1],
               'peak_pss_mb': {'apply': apply_memory['peak_pss_mb'], 'triage': triage_memory['peak_pss_mb']}}
        log('   plan: %d ids (%.0f characters each), %.1f MB as written, %.1f MB compact (%.1f MB gzipped); %.1f MB with '
            '200-character ids' % (size['ids'], size['average_id_chars'], size['written_bytes'] / 1e6, size['compact_bytes'] / 1e6,
                                   size['gzip_bytes'] / 1e6, size['compact_bytes_200_char_ids'] / 1e6))
        log('   apply %.2f s, plain triage %.2f s: %.2fx (pairs %s; target <= 1.2x); the plan as extra vars %.2f s (%.2fx); '
            'dry run %.2f s, with the artifact %.2f s (%.2fx); peak PSS apply %s MB, triage %s MB; same work: %s' % (
                med['apply'], med['triage'], fig['apply_over_triage'], ', '.join('%.2f' % p for p in pairs),
                med['apply (plan as extra vars)'], fig['mapping_over_triage'], med['dry run'], med['dry run + artifact'],
                fig['artifact_over_dry_run'], fig['peak_pss_mb']['apply'], fig['peak_pss_mb']['triage'], same))
        out.append(fig)
    return {'sizes': out, 'targets': targets(out)}


def targets(figures):
    out = []
    for fig in figures:
        out.append({'target': '%dk: the apply of a signed-off plan within 1.2x of a plain triage run of the same work' % (fig['n'] // 1000),
                    'pass': fig['apply_over_triage'] <= 1.2 and fig['same_work'],
                    'detail': '%.2fx (apply %.2f s, triage %.2f s, median of %d pairs: %s)%s' % (
                        fig['apply_over_triage'], fig['median_s']['apply'], fig['median_s']['triage'], len(fig['apply_over_triage_runs']),
                        ', '.join('%.2f' % p for p in fig['apply_over_triage_runs']), '' if fig['same_work'] else '; NOT the same work')})
        out.append({'target': '%dk: the size of a plan' % (fig['n'] // 1000), 'pass': None,
                    'detail': '%.1f MB compact JSON (%.1f MB gzipped), %.1f MB with 200-character ids' % (
                        fig['plan']['compact_bytes'] / 1e6, fig['plan']['gzip_bytes'] / 1e6, fig['plan']['compact_bytes_200_char_ids'] / 1e6)})
    return out
