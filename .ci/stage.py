#!/usr/bin/env python
"""Mirror the working tree into .build/collections/ansible_collections/<ns>/<name>/.

ansible-test and Python imports need the collection at a real
``ansible_collections/<namespace>/<name>`` path (a symlink is resolved and
fails), so every test target runs from this copy.

The file set is what git would commit: tracked files plus untracked files
that are not ignored (``git ls-files -co --exclude-standard``). Like
``rsync -a --delete``: files whose size or mtime changed are copied (with
their mtime), files that are no longer in the set are removed, so caches
left by a previous run (``.hypothesis/``, ``__pycache__/``, ``.ansible/``)
disappear. Only ``tests/output/`` (ansible-test's results) is kept.

The copy gets an empty git repository of its own (``git init``): ansible-test and
ansible-lint list files with ``git ls-files``, walking up to the nearest ``.git``;
without one they would find the real repository, whose ``.gitignore`` ignores
``.build/``, and see no file at all. With it, ``--others --exclude-standard``
lists exactly the staged files, honouring the staged ``.gitignore``.

Usage: stage.py [--dest DIR]   (default: .build/collections); prints the
staged collection path.
"""
import argparse
import os
import shutil
import stat
import subprocess
import sys

KEEP = ("tests/output", ".git")  # relative paths in the staged copy that survive a re-stage


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def galaxy_name(root):
    ns = name = None
    with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as fh:
        for line in fh:
            key, dummy, value = line.partition(":")
            value = value.strip().strip("'\"")
            if key == "namespace":
                ns = value
            elif key == "name":
                name = value
    if not ns or not name:
        sys.exit("stage: galaxy.yml lacks a top-level namespace/name")
    return ns, name


def source_files(root):
    try:
        out = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=root, check=True, stdout=subprocess.PIPE,
        ).stdout.decode("utf-8", "surrogateescape")
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit("stage: `git ls-files` failed in %s (%s): stage needs a git work tree" % (root, exc))
    files = set()
    for rel in out.split("\0"):
        if not rel:
            continue
        path = os.path.join(root, rel)
        # tracked but deleted in the work tree, or a submodule dir: skip
        if os.path.islink(path) or os.path.isfile(path):
            files.add(rel)
    return files


def same(src, dst):
    try:
        s, d = os.lstat(src), os.lstat(dst)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(s.st_mode) or stat.S_ISLNK(d.st_mode):
        return stat.S_ISLNK(s.st_mode) and stat.S_ISLNK(d.st_mode) and os.readlink(src) == os.readlink(dst)
    return (s.st_size == d.st_size and int(s.st_mtime) == int(d.st_mtime)
            and stat.S_IMODE(s.st_mode) == stat.S_IMODE(d.st_mode))


def kept(rel):
    return any(rel == k or rel.startswith(k + "/") for k in KEEP)


def main():
    root = repo_root()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default=os.path.join(root, ".build", "collections"))
    args = parser.parse_args()

    ns, name = galaxy_name(root)
    dest = os.path.join(os.path.abspath(args.dest), "ansible_collections", ns, name)
    if os.path.realpath(dest).startswith(os.path.realpath(root) + os.sep) and \
            not os.path.realpath(dest).startswith(os.path.join(os.path.realpath(root), ".build") + os.sep):
        sys.exit("stage: refusing to stage into %s (inside the work tree, outside .build/)" % dest)
    os.makedirs(dest, exist_ok=True)

    files = source_files(root)
    copied = removed = 0
    for rel in sorted(files):
        src, dst = os.path.join(root, rel), os.path.join(dest, rel)
        if same(src, dst):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.lexists(dst) or os.path.isdir(dst):
            if os.path.isdir(dst) and not os.path.islink(dst):
                shutil.rmtree(dst)
            else:
                os.unlink(dst)
        shutil.copy2(src, dst, follow_symlinks=False)
        copied += 1

    # delete what is not in the source set (rsync --delete), bottom-up
    for dirpath, dirnames, filenames in os.walk(dest, topdown=False):
        reldir = os.path.relpath(dirpath, dest)
        reldir = "" if reldir == "." else reldir
        if kept(reldir):
            continue
        for fn in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            rel = os.path.join(reldir, fn) if reldir else fn
            if rel not in files and not kept(rel):
                os.unlink(os.path.join(dirpath, fn))
                removed += 1
        if reldir and not os.listdir(dirpath):
            # empty directories are not part of a git tree
            os.rmdir(dirpath)

    if not os.path.exists(os.path.join(dest, ".git")):
        subprocess.run(["git", "init", "-q", dest], check=True)

    print("staged %d files (%d copied, %d removed) -> %s" % (len(files), copied, removed, dest), file=sys.stderr)
    print(dest)


if __name__ == "__main__":
    main()
