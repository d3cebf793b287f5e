#!/usr/bin/env python
"""Run galaxy-importer (what Galaxy runs on upload) on a built collection tarball, offline.

Usage: galaxy-import.py TARBALL WORKDIR

Uses .ci/galaxy-importer.cfg (through GALAXY_IMPORTER_CONFIG), writes the log
to WORKDIR/importer.log and the result to WORKDIR/importer_result.json, and
exits non-zero if the import failed or logged any ERROR. Warnings are listed
but do not fail the build.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tarball, workdir = (os.path.abspath(a) for a in sys.argv[1:])
    os.makedirs(workdir, exist_ok=True)
    result_path = os.path.join(workdir, 'importer_result.json')
    if os.path.exists(result_path):
        os.unlink(result_path)
    env = dict(os.environ)
    env['GALAXY_IMPORTER_CONFIG'] = os.path.join(HERE, 'galaxy-importer.cfg')
    # the importer calls ansible-doc and ansible-lint by name: use this venv's
    env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    env.setdefault('ANSIBLE_LOCAL_TEMP', os.path.join(workdir, 'tmp'))
    proc = subprocess.run([sys.executable, '-m', 'galaxy_importer.main', tarball],
                          cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    with open(os.path.join(workdir, 'importer.log'), 'w', encoding='utf-8') as fh:
        fh.write(proc.stdout)
    lines = proc.stdout.splitlines()
    errors = [l for l in lines if l.startswith(('ERROR', 'CRITICAL')) or 'Traceback (most recent call last)' in l]
    warnings = [l for l in lines if l.startswith('WARNING')]
    for line in warnings:
        print('  importer ' + line)
    problems = []
    if proc.returncode != 0:
        problems.append('galaxy-importer exited %d' % proc.returncode)
    if errors:
        problems.append('%d error line(s):\n    %s' % (len(errors), '\n    '.join(errors)))
    if not os.path.exists(result_path):
        problems.append('no importer_result.json written')
    else:
        with open(result_path, encoding='utf-8') as fh:
            result = json.load(fh)
        contents = result.get('contents') or []
        print('galaxy-importer: %s.%s %s, %d content item(s): %s' % (
            result.get('metadata', {}).get('namespace'), result.get('metadata', {}).get('name'),
            result.get('metadata', {}).get('version'), len(contents),
            ', '.join('%s/%s' % (c.get('content_type'), c.get('name')) for c in contents)))
        # ansible-doc failures show up as content without a doc string
        for c in contents:
            if c.get('content_type') == 'module' and not c.get('description'):
                problems.append('module %s has no description (ansible-doc failed?)' % c.get('name'))
    print('galaxy-importer: %d warning(s), %d error(s); log: %s' % (
        len(warnings), len(errors), os.path.join(workdir, 'importer.log')))
    sys.stdout.flush()
    if problems:
        print('galaxy-importer FAILED:\n  ' + '\n  '.join(problems), file=sys.stderr)
        if proc.returncode != 0 or errors:
            print('--- last lines of the importer log ---\n' + '\n'.join(lines[-40:]), file=sys.stderr)
        sys.exit(1)
    print('galaxy-importer: OK')


if __name__ == '__main__':
    main()
