# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Evidence is kept: the report of a real run is never overwritten.

Before a triage writes its report at ``run.json``, :func:`keep_evidence` looks at what is there. The report
of a dry run (``"check_mode": true``) is simply replaced. Anything else, the report of a real run first of all,
is moved aside with its ``run.html`` and ``run.csv``: to ``run.<generated_at as YYYYMMDDTHHMMSSZ>.json`` (and
``.html``, ``.csv``). A file that is not a readable JSON report (cut short, edited, unreadable) may be the only
record of a real run: it is moved too, named by its modification time. A name already taken gets a counter
(``run.20261207T101112Z-2.json``) and no file is ever replaced by a move.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os

from ansible_collections.secops.mimecast.plugins.module_utils.dates import format_epoch, parse_api_epoch
from ansible_collections.secops.mimecast.plugins.plugin_utils.paths import pages

# no report on a disk holds this many runs of one second
MAX_COUNTER = 10000


def stamp(epoch):
    """``YYYYMMDDTHHMMSSZ`` (UTC) of epoch seconds."""
    return format_epoch(int(epoch), '%Y%m%dT%H%M%SZ')


def read_report(path):
    """The JSON report at ``path`` as a dict, or None when it is unreadable or not a JSON object."""
    try:
        with open(path, 'rb') as handle:
            report = json.loads(handle.read().decode('utf-8'))
    except (IOError, OSError, ValueError, UnicodeDecodeError):
        return None
    return report if isinstance(report, dict) else None


def is_dry_run(report):
    """Only a report that says it is a dry run may be replaced."""
    return report is not None and report.get('check_mode') is True


def kept_stamp(path, report):
    """The time a kept report is named by: its ``generated_at``, else its file's modification time."""
    when = parse_api_epoch(report.get('generated_at')) if report is not None else None
    if when is None:
        when = os.stat(path).st_mtime
    return stamp(when)


def report_files(path):
    """``[(file, suffix)]``: the JSON report and its review reports, each with the suffix its kept name ends in."""
    return [(path, os.path.splitext(path)[1])] + [(page, os.path.splitext(page)[1]) for page in pages(path).values()]


def kept_names(path, when, counter=1):
    """Where the files of the report at ``path`` go: ``{file: kept name}`` for ``when`` (and ``counter`` > 1)."""
    stem = os.path.splitext(path)[0] if os.path.splitext(path)[1] else path
    tag = when if counter == 1 else '%s-%d' % (when, counter)
    return dict((name, '%s.%s%s' % (stem, tag, suffix)) for name, suffix in report_files(path))


def move_no_clobber(source, target):
    """Rename ``source`` to ``target``; raise ``OSError(EEXIST)`` rather than replace a file there."""
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            raise
        # a file system without hard links: rename, having looked first
        if os.path.lexists(target):
            raise OSError(errno.EEXIST, os.strerror(errno.EEXIST), target)
        os.rename(source, target)
        return
    os.unlink(source)


def keep_evidence(path, note=None):
    """Move the report at ``path`` (and its ``.html`` and ``.csv``) aside unless it is a dry run's or absent.

    Returns ``[(old, new)]`` for every file moved; ``note(text)`` is told of them in one line. Raises ``OSError``
    when a file cannot be moved: then the caller must not write at ``path``.
    """
    if not os.path.lexists(path) or os.path.isdir(path):
        return []
    report = read_report(path)
    if is_dry_run(report):
        return []
    when = kept_stamp(path, report)
    present = [name for name, dummy in report_files(path) if os.path.lexists(name)]
    moved = []
    counter = 1
    while True:
        targets = kept_names(path, when, counter)
        if not any(os.path.lexists(targets[name]) for name in present):
            try:
                for name in present:
                    move_no_clobber(name, targets[name])
                    moved.append((name, targets[name]))
                break
            except OSError as exc:
                # put back what moved under this name; then try the next name if this one was taken meanwhile
                for old, new in reversed(moved):
                    move_no_clobber(new, old)
                moved = []
                if exc.errno != errno.EEXIST:
                    raise
        counter += 1
        if counter > MAX_COUNTER:
            raise OSError(errno.EEXIST, 'no free name to keep the report under', kept_names(path, when)[path])
    if note is not None and moved:
        what = 'a real run' if report is not None and report.get('check_mode') is False else "a file that is not a dry run's report"
        note('kept the report of %s: %s' % (what, ', '.join(os.path.basename(new) for dummy, new in moved)))
    return moved
