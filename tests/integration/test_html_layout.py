# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTML reports in a real browser (headless Chromium) at a desktop width (1400 px) and a phone's (390 px).

The held-queue report and the triage review are made by the playbooks from a simulator holding thousands
of messages, among them some with the longest values they may carry (a subject without a space, a long
address, a long reason code). In each page nothing reaches past the window's right edge, the document is
no wider than the window, and no label or cell has text that does not fit it (the reason codes are not cut).
The triage reviews (the dry run's, and the run that applied it as signed off) show the plan's digest whole and
list the messages left held. Set LAYOUT_SCREENSHOTS=DIR to keep a screenshot of each page at each width.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

import browser
from conftest import DEFAULT_CONFIG, demo_rules, run_playbook

WIDTHS = (1400, 390)
HELD = 3000
RELEASE_HISTORY = 200
RELEASE = '/api/gateway/hold-release'
REJECT = '/api/gateway/hold-reject'
LONG_CODE = 'message_hold_applied_attachment_management_block_dangerous_file_types_policy'
# the demo rules without their catch-all keep rule: some messages are kept by a rule, some by no rule
KEEP_SOME = [rule for rule in demo_rules() if rule['name'] != 'Keep everything else']
LONG = [
    {'subject': 'Weekly-digest-' + 'x' * 240, 'reasonCode': 'message_hold_applied_spam_signature_policy',
     'from': {'emailAddress': 'newsletter.with.a.very.long.local.part.for.testing@news.vendor.example'}},
    {'subject': 'A long subject with words ' * 12, 'reasonCode': LONG_CODE,
     'from': {'emailAddress': 'someone@a-very-long-subdomain-name.of-an-organisation.example'}},
]


@pytest.fixture(scope='module')
def pages(simulator_server, tmp_path_factory):
    """The two HTML reports of a held queue of HELD messages (the review from a dry run of the demo rules)."""
    sim = simulator_server
    # as the sim fixture does (no faults, no rate limit left by an earlier test), with a larger queue
    sim.reset(held=HELD, seed=23, not_held_style='fail', release_history=RELEASE_HISTORY)
    sim.config(**DEFAULT_CONFIG)
    sim.clear_faults()
    added = sim.add_messages(LONG)
    # the release log's latest entries: the long subject and address released, and a few rejected
    held = [i for i in sim.state()['held'] if i not in added]
    assert sim.call(RELEASE, [{'id': i} for i in [added[0]] + held[:4]])[0] == 200
    assert sim.call(REJECT, [{'ids': held[4:8], 'reasonType': 'MESSAGE GOES AGAINST EMAIL POLICIES'}])[0] == 200
    out = tmp_path_factory.mktemp('layout')
    report = run_playbook(sim, 'secops.mimecast.report', extra_vars={'mimecast_report_dir': str(out / 'report')})
    assert report.rc == 0, report
    triage = run_playbook(sim, 'secops.mimecast.triage', options=['--check'],
                          extra_vars={'mimecast_triage_rules': KEEP_SOME, 'mimecast_triage_report': str(out / 'run.json')})
    assert triage.rc == 0, triage
    # held since the dry run: a message the plan does not hold; then the plan applied as signed off
    sim.add_messages([dict(LONG[0], subject='Held since the dry run ' + 'y' * 200)])
    with open(str(out / 'run.json'), encoding='utf-8') as handle:
        digest = json.load(handle)['plan']['digest']
    applied = run_playbook(sim, 'secops.mimecast.triage', extra_vars={
        'mimecast_triage_plan': str(out / 'run.json'), 'mimecast_triage_plan_digest': digest, 'mimecast_triage_report': str(out / 'applied.json')})
    assert applied.rc == 0, applied
    return {'held report': str(out / 'report' / 'held-report.html'), 'triage review': str(out / 'run.html'),
            'applied review': str(out / 'applied.html')}


@pytest.mark.parametrize('width', WIDTHS)
@pytest.mark.parametrize('name', ['held report', 'triage review', 'applied review'])
def test_nothing_overflows(pages, name, width):
    layout = browser.measure(pages[name], width)
    assert layout['rows'] > 5, layout  # the tables are there
    assert layout['scrollWidth'] <= layout['viewport'], layout
    assert layout['wideCount'] == 0, layout['wide']
    assert layout['cutCount'] == 0, layout['cut']
    shots = os.environ.get('LAYOUT_SCREENSHOTS')
    if shots:
        os.makedirs(shots, exist_ok=True)
        browser.screenshot(pages[name], width, os.path.join(shots, '%s-%d.png' % (name.replace(' ', '-'), width)))


@pytest.mark.parametrize('width', WIDTHS)
def test_the_release_log_section_renders(pages, width):
    """The held report's "Recent releases and rejections": shown, inside the window, no box scrolling sideways,
    every operator and each of the latest entries a visible row (a card on a phone, the header rows hidden)."""
    with open(os.path.join(os.path.dirname(pages['held report']), 'held-report.json'), encoding='utf-8') as handle:
        data = json.load(handle)['recent_releases']
    # the default window (the last 7 days): the 9 released or rejected above and part of the seeded history
    assert data['available'] is True and 9 < data['total'] < RELEASE_HISTORY + 9 and len(data['latest']) == 10
    layout = browser.measure(pages['held report'], width)
    section = layout['sections']['recent_releases']
    assert section['visible'] and section['height'] > 200, section
    assert section['left'] >= 0 and section['right'] <= layout['viewport'] + 0.5, section
    assert section['scrollWidth'] <= section['clientWidth'] and section['scrollers'] == 0, section
    assert section['headings'] == ['Recent releases and rejections', 'By operator', 'Latest 10'], section
    headers = 2 if width > 900 else 0
    assert section['visibleRows'] == len(data['by_operator']) + len(data['latest']) + headers, section
    assert layout['scrollWidth'] <= layout['viewport'] and layout['wideCount'] == 0 and layout['cutCount'] == 0, layout


@pytest.mark.parametrize('width', WIDTHS)
@pytest.mark.parametrize('name', ['triage review', 'applied review'])
def test_the_review_shows_the_digest_whole_and_every_message_left_held(pages, name, width):
    """The plan's section (its digest, whole) and the sections of the messages left held (a keep rule's, no rule's,
    and in the applied review those held since): shown, inside the window, every message a visible row."""
    with open(pages[name][:-len('.html')] + '.json', encoding='utf-8') as handle:
        report = json.load(handle)
    layout = browser.measure(pages[name], width)
    sections = layout['sections']
    headers = 1 if width > 900 else 0
    kept_rule = [index for index, rule in enumerate(report['rules']) if rule['action'] == 'keep'][0]
    expect = {'plan': 0, 'rule-%d' % kept_rule: report['rules'][kept_rule]['matched'] + headers,
              'no-rule': len(report['plan']['unmatched']) + headers}
    if name == 'applied review':
        expect['not-in-plan'] = report['totals']['not_in_plan'] + headers
        assert report['totals']['not_in_plan'] == 1 and report['plan']['applied'] == report['plan']['digest']
    assert report['plan']['unmatched'] and report['rules'][kept_rule]['matched'] > 0
    for section, rows in expect.items():
        found = sections[section]
        assert found['visible'] and found['left'] >= 0 and found['right'] <= layout['viewport'] + 0.5, (section, found)
        assert found['scrollWidth'] <= found['clientWidth'] and found['visibleRows'] == rows, (section, found)
    with open(pages[name], encoding='utf-8') as handle:
        page = handle.read()
    assert '<code class="sum digest">%s</code>' % report['plan']['digest'] in page


def test_long_labels_are_whole_in_the_pages(pages):
    with open(pages['held report'], encoding='utf-8') as handle:
        held = handle.read()
    # the chart label is the whole code (with break opportunities), not a shortened one
    assert LONG_CODE.replace('_', '_<wbr>') in held and '\u2026' not in held


# ------------------------------------------------------------------ the back-test page
BACKTEST_HISTORY = 2000
SPAM_REASON = 'Message Hold Applied - Spam Signature policy'
LONG_LOG = [
    # the person rejected it, the demo rules would release it: a dangerous disagreement, with the longest values
    ('reject', {'subject': 'Weekly-digest-' + 'y' * 240, 'reason': SPAM_REASON, 'reasonCode': 'message_hold_applied_spam_signature_policy',
                'from': {'emailAddress': 'newsletter.with.a.very.long.local.part.for.testing@news.vendor.example'},
                'to': {'emailAddress': 'someone.with.a.long.name@a-very-long-subdomain-name.of-an-organisation.example'}}),
    # the person released it, the demo rules would reject it
    ('release', {'subject': 'A long subject with words ' * 12, 'reason': 'Message Hold Applied - Content Examination policy',
                 'reasonCode': 'message_hold_applied_content_examination_policy', 'route': 'OUTBOUND',
                 'from': {'emailAddress': 'someone@a-very-long-subdomain-name.of-an-organisation.example'}}),
]


@pytest.fixture(scope='module')
def backtest_page(simulator_server, tmp_path_factory):
    """The back-test page of the demo rules over a release log of BACKTEST_HISTORY entries (both record shapes mixed) and
    two long ones."""
    sim = simulator_server
    sim.reset(held=60, seed=29, not_held_style='fail', release_history=BACKTEST_HISTORY, release_history_days=25)
    sim.config(**DEFAULT_CONFIG)
    sim.config(release_log_operator='mixed', release_log_address='mixed')
    sim.clear_faults()
    try:
        added = sim.add_messages([fields for dummy, fields in LONG_LOG])
        assert sim.call(REJECT, [{'ids': [added[0]], 'reasonType': 'MESSAGE GOES AGAINST EMAIL POLICIES'}])[0] == 200
        assert sim.call(RELEASE, [{'id': added[1]}])[0] == 200
        out = tmp_path_factory.mktemp('backtest')
        extra = {'mimecast_triage_rules': demo_rules(), 'mimecast_backtest_report': str(out / 'backtest.json')}
        run = run_playbook(sim, 'secops.mimecast.backtest', extra_vars=extra)
        assert run.rc == 0, run
    finally:
        sim.config(release_log_operator='string', release_log_address='email')
    with open(str(out / 'backtest.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    assert set(added) <= set(d['id'] for d in report['disagreements'])
    return str(out / 'backtest.html'), report


@pytest.mark.parametrize('width', WIDTHS)
def test_the_backtest_page_fits_and_shows_the_disagreements_first(backtest_page, width):
    page, report = backtest_page
    counts = dict((name, sum(1 for d in report['disagreements'] if d['class'] == name)) for name in ('release_rejected', 'reject_released'))
    assert all(counts.values()) and report['totals']['records'] > BACKTEST_HISTORY // 2
    layout = browser.measure(page, width)
    assert layout['scrollWidth'] <= layout['viewport'], layout
    assert layout['wideCount'] == 0, layout['wide']
    assert layout['cutCount'] == 0, layout['cut']
    found, rules = layout['sections']['disagreements'], layout['sections']['rules']
    for section in (found, rules):
        assert section['visible'] and section['left'] >= 0 and section['right'] <= layout['viewport'] + 0.5, section
        assert section['scrollWidth'] <= section['clientWidth'] and section['scrollers'] == 0, section
    assert found['headings'] == ['Disagreements: %d' % len(report['disagreements']),
                                 'The rules would release what a person rejected: %d' % counts['release_rejected'],
                                 'The rules would reject what a person released: %d' % counts['reject_released']]
    headers = 1 if width > 900 else 0  # on a phone every row is a card and the header rows are hidden
    assert found['visibleRows'] == len(report['disagreements']) + 2 * headers, found
    assert rules['visibleRows'] == len(report['rules']) + 1 + headers, rules  # and the records no rule matched
    with open(page, encoding='utf-8') as handle:
        text = handle.read()
    assert text.index('id="disagreements"') < text.index('id="rules"')
    shots = os.environ.get('LAYOUT_SCREENSHOTS')
    if shots:
        os.makedirs(shots, exist_ok=True)
        browser.screenshot(page, width, os.path.join(shots, 'backtest-%d.png' % width))
