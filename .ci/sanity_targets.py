"""Print the ansible-test sanity targets: the top-level paths of the collection that ship.

ansible-test sanity checks Ansible content against Ansible's own rules (its pylint
config, validate-modules, pep8 at 160 columns...). Only what is shipped in the
tarball is Ansible content: paths matched by galaxy.yml's build_ignore (the
simulator, benchmarks, CI helpers, Makefile) are development tooling with their
own tests, so they are left out here, exactly as `ansible-galaxy collection build`
leaves them out. Run from the collection root; reads `git ls-files -co --exclude-standard`.
"""
import fnmatch
import subprocess
import sys

import yaml


def main():
    with open('galaxy.yml', encoding='utf-8') as fh:
        ignore = (yaml.safe_load(fh) or {}).get('build_ignore') or []
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], check=True,
                           stdout=subprocess.PIPE).stdout.decode('utf-8').split('\0')
    tops = sorted({f.split('/', 1)[0] + ('/' if '/' in f else '') for f in files if f})
    keep = [t for t in tops if not any(fnmatch.fnmatch(t.rstrip('/'), p) for p in ignore)]
    if not keep:
        sys.exit('sanity_targets: nothing to test')
    print(' '.join(keep))


if __name__ == '__main__':
    main()
