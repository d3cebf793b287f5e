#!/usr/bin/env python
"""Pre-seed ansible-test's get-pip cache so its venvs bootstrap pip offline.

Every virtual environment that ansible-test creates (sanity tests, --venv)
bootstraps pip by downloading ``get-pip-<ver>.py`` from a host that is not
reachable here. ansible-test first looks for
``~/.ansible/test/cache/get_pip_<ver with _>.py`` and runs it (through runpy,
with pip's arguments in sys.argv). This writes a stand-in there that runs
``python -m ensurepip`` (pip bundled with CPython, no network) and then
``python -m pip install <the same arguments minus --no-setuptools/--no-wheel>``
(the pinned pip from the package index; if that fails, the bundled pip stays).

Run it with the Python that has ansible-core installed (the tools venv).
Idempotent: rewrites the file only if its content differs.
"""
import os
import re
import sys

STAND_IN = '''\
"""Stand-in for get-pip.py written by secops.mimecast .ci/get-pip-cache.py (offline pip bootstrap)."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'],
                      stdout=subprocess.DEVNULL)
if subprocess.call([sys.executable, '-m', 'pip', 'install'] + args) != 0:
    sys.stderr.write('get-pip stand-in: pip install %s failed; keeping the pip from ensurepip\\n' % ' '.join(args))
'''


def pip_version():
    import ansible_test  # noqa: F401  (must be installed)
    path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(path, encoding='utf-8') as fh:
        source = fh.read()
    match = re.search(r"default_packages\s*=\s*dict\(\s*pip='([^']+)'", source)
    if not match:
        sys.exit('get-pip-cache: cannot find the pip version in %s' % path)
    return match.group(1)


def main():
    version = pip_version()
    cache = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))
    try:
        with open(cache, encoding='utf-8') as fh:
            if fh.read() == STAND_IN:
                print('get-pip cache up to date: %s' % cache)
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    with open(cache + '.tmp', 'w', encoding='utf-8') as fh:
        fh.write(STAND_IN)
    os.replace(cache + '.tmp', cache)
    print('wrote get-pip stand-in for pip %s: %s' % (version, cache))


if __name__ == '__main__':
    main()
