#!/usr/bin/env python
"""Check a built collection tarball: the files users need are in, the development-only ones out."""
import sys
import tarfile

REQUIRED = ('MANIFEST.json', 'FILES.json', 'LICENSE', 'README.md', 'meta/runtime.yml')
# prefixes that must never ship (galaxy.yml build_ignore); simulator is test tooling
FORBIDDEN = ('.ci/', '.venv', '.build/', '.cache/', '.ansible/', '.pytest_cache/', '.hypothesis/',
             'simulator/', 'bench/', 'tests/output/', 'Makefile', '.git/', 'demo-output/',
             'collections/')


def main():
    (path,) = sys.argv[1:]
    with tarfile.open(path) as tar:
        names = [n[2:] if n.startswith('./') else n for n in tar.getnames()]
    problems = ['missing %s' % r for r in REQUIRED if r not in names]
    for n in names:
        if any(n == f.rstrip('/') or n.startswith(f) for f in FORBIDDEN) \
                or '__pycache__' in n.split('/') or n.endswith(('.pyc', '.pyo')):
            problems.append('should not be shipped: %s' % n)
    print('%s: %d members' % (path, len(names)))
    if problems:
        print('tarball check FAILED:\n  ' + '\n  '.join(problems), file=sys.stderr)
        sys.exit(1)
    print('tarball check: OK')


if __name__ == '__main__':
    main()
