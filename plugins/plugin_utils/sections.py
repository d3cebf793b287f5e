# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The held-queue report's sections as data: each part of the report is one :class:`Section`, defined by the module
that knows it (``held_report.py`` for the counts and the oldest messages, ``release_log_report.py`` for the release
log) and listed in ``held_report.SECTIONS``.

A section says where its data is in the report (``key``), its title, and how it is shown: ``html(section, data,
report)`` returns its HTML, ``markdown(section, data, report)`` its Markdown lines, ``data`` being ``report[key]``.
``collect(context)``, when given, fetches data the held queue does not hold (another endpoint, for example): the
report action calls it with a :class:`ReportContext` after the summary is built and stores what it returns in
``report[key]`` (``None`` leaves the section out).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Section(object):
    """One section of the held-queue report (see the module's docstring); ``color``: its charts' colour, if any."""

    __slots__ = ('key', 'title', 'html', 'markdown', 'collect', 'color')

    def __init__(self, key, title, html, markdown, collect=None, color=None):
        self.key = key
        self.title = title
        self.html = html
        self.markdown = markdown
        self.collect = collect
        self.color = color

    def shown(self, report):
        """Whether the report shows this section: always, unless its data is collected and was not."""
        return self.collect is None or self.key in report

    def render_html(self, report):
        return self.html(self, report.get(self.key), report)

    def render_markdown(self, report):
        return self.markdown(self, report.get(self.key), report)

    def __repr__(self):
        return 'Section(%r)' % self.key


class ReportContext(object):
    """What a section's ``collect`` may use: the API client, the task's options, the reference time, a warning sink."""

    __slots__ = ('client', 'params', 'now', 'warn')

    def __init__(self, client=None, params=None, now=None, warn=None):
        self.client = client
        self.params = params or {}
        self.now = now
        self.warn = warn or (lambda text: None)
