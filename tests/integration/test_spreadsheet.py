# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The triage's CSV review opened by a real spreadsheet: LibreOffice Calc (headless, from Debian) converts it as a
user's import would, and the cells are read back from the workbook it wrote."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess

import openpyxl

from conftest import demo_rules, held_records, run_playbook

COLUMNS = ['rule', 'action', 'done', 'id', 'received', 'sender', 'recipients', 'subject', 'reason_code', 'plan_digest']
SPAM = 'message_hold_applied_spam_signature_policy'
NEWS = {'emailAddress': 'news@news.vendor.example', 'displayableName': 'Vendor Ñews'}
SUBJECTS = {
    'unicode': 'Réunion — 日本語のニュースレター ✓ Zoë',
    'formula': '=HYPERLINK("http://evil.example","click")',
    'plus': '+1 (555) 0100 call now',
    'minus': '-20% this week only',
    'at': '@SUM(A1:A9)',
}


def spreadsheet(csv_path, out_dir):
    """The rows of ``csv_path`` as LibreOffice Calc reads them (comma, double quote, UTF-8), as openpyxl cells."""
    soffice = shutil.which('soffice') or shutil.which('libreoffice')
    assert soffice, 'LibreOffice is not installed: make integration installs libreoffice-calc-nogui'
    profile = 'file://' + os.path.join(out_dir, 'lo-profile')
    proc = subprocess.run([soffice, '--headless', '--norestore', '-env:UserInstallation=' + profile, '--infilter=CSV:44,34,76,1',
                           '--convert-to', 'xlsx', '--outdir', out_dir, csv_path], capture_output=True, text=True, timeout=180, check=False)
    xlsx = os.path.join(out_dir, os.path.splitext(os.path.basename(csv_path))[0] + '.xlsx')
    assert proc.returncode == 0 and os.path.exists(xlsx), proc
    return list(openpyxl.load_workbook(xlsx).active.iter_rows())


def test_the_csv_review_opens_cleanly_in_a_spreadsheet(sim, tmp_path):
    sim.reset(held=30, seed=21, not_held_style='fail')
    sim.add_messages([{'subject': subject, 'reasonCode': SPAM, 'from': NEWS, 'fromHeader': NEWS,
                       'to': {'emailAddress': 'zoë@example.com', 'displayableName': 'Zoë'}} for subject in SUBJECTS.values()])
    records = dict((r['id'], r) for r in held_records(sim))
    report = str(tmp_path / 'run.json')
    run = run_playbook(sim, 'secops.mimecast.triage', options=['--check'],
                       extra_vars={'mimecast_triage_rules': demo_rules(), 'mimecast_triage_report': report})
    assert run.rc == 0, run
    csv_path = str(tmp_path / 'run.csv')
    with open(csv_path, 'rb') as handle:
        assert handle.read(3) == b'\xef\xbb\xbf'  # UTF-8, said by its byte order mark

    rows = spreadsheet(csv_path, str(tmp_path))
    # the header arrives as written: the mark is not part of the first cell
    assert [c.value for c in rows[0]] == COLUMNS
    body = [list(row) for row in rows[1:]]
    assert len(body) == sum(1 for r in body if r[3].value in records) > len(SUBJECTS)
    by_subject = dict((records[row[3].value]['subject'], row) for row in body)
    for kind, subject in SUBJECTS.items():
        row = by_subject[subject]
        cells = dict(zip(COLUMNS, row))
        # every cell is text or a boolean; nothing is a formula a spreadsheet would run
        assert all(c.data_type in ('s', 'b', 'n') for c in row), (kind, [(c.value, c.data_type) for c in row])
        if kind == 'unicode':
            assert cells['subject'].value == subject
        else:
            assert cells['subject'].value == "'" + subject and cells['subject'].data_type == 's'
        assert cells['recipients'].value == 'zoë@example.com'
        assert cells['sender'].value == 'news@news.vendor.example'
        assert cells['done'].value is False  # the dry run did nothing: the spreadsheet reads a boolean
        # the one date form of the reports, its zone named, arrives as the text written
        assert cells['plan_digest'].value.startswith('sha256:') and cells['plan_digest'].data_type == 's'
        received = records[cells['id'].value]['dateReceived']
        assert cells['received'].value == received[:19] + 'Z' and cells['received'].data_type == 's'
