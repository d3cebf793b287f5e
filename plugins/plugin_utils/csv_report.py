# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The CSV form of every report (the triage review, the back-test): one way to write a table a spreadsheet opens
cleanly.

UTF-8 with a byte order mark (so a spreadsheet does not guess another charset for a name or a subject), CRLF
line ends, and every cell that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, a tab, a
carriage return first) prefixed with ``'``: values come from messages, which an attacker writes. Times are in the
one form of every report (``dates.report_date``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io

BOM = '\ufeff'
_FORMULA_FIRST = frozenset('=+-@\t\r')


def cell(value):
    """A value as a CSV cell: text, a formula neutralised (``'=1+2``)."""
    text = value if isinstance(value, str) else ('' if value is None else str(value))
    if text and text[0] in _FORMULA_FIRST:
        return "'" + text
    return text


def render(columns, rows):
    """The CSV text of a header row ``columns`` and ``rows`` (iterables of values), each value through :func:`cell`."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()
