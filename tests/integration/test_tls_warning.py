# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificate checks are never off without anyone noticing: ``validate_certs: false`` (or MIMECAST_VALIDATE_CERTS=false)
is a warning naming the API host, on every run of a module, of the triage and of the report, against the simulator
serving HTTPS with a self-signed certificate."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from conftest import demo_rules, run_adhoc, run_playbook
from mimecast_sim.testing import Simulator


@pytest.fixture(scope='module')
def tls_server():
    with Simulator(held=20, seed=5, tls=True) as server:
        yield server


@pytest.fixture
def tls_sim(tls_server):
    tls_server.reset(held=20, seed=5)
    assert tls_server.base_url.startswith('https://')
    return tls_server


def warning(sim):
    return 'validate_certs is false: TLS certificates of %s are not checked' % sim.base_url.split('://', 1)[1]


def shown(run, sim):
    """How many times ansible printed the warning (ansible-core 2.15 wraps it at the terminal's width)."""
    return ' '.join(run.output.split()).count('[WARNING]: ' + warning(sim))


@pytest.mark.parametrize('module, args', [
    ('mimecast_held_info', {}),                                   # a module (run by ansible's module wrapper)
    ('mimecast_held_summary_info', {}),
    ('mimecast_hold_release', {'ids': ['eNpNotHeld'], 'verify_held': True}),   # a controller-side action plugin
])
def test_a_module_warns_when_the_environment_turns_checks_off(tls_sim, module, args):
    run = run_adhoc(tls_sim, module, args, env={'MIMECAST_VALIDATE_CERTS': 'false'})
    assert run.rc == 0, run
    assert warning(tls_sim) in run.result().get('warnings', []), run.result()
    assert shown(run, tls_sim) == 1, run


def test_a_module_warns_when_its_option_turns_checks_off(tls_sim):
    run = run_adhoc(tls_sim, 'mimecast_held_info', {'validate_certs': False})
    assert run.rc == 0, run
    assert run.result()['warnings'] == [warning(tls_sim)]


def test_no_warning_while_certificates_are_checked(tls_sim):
    # the simulator's certificate trusted, as a private CA's would be
    run = run_adhoc(tls_sim, 'mimecast_held_info', {}, env={'REQUESTS_CA_BUNDLE': tls_sim.cert_path})
    assert run.rc == 0, run
    assert 'validate_certs is false' not in run.output and not run.result().get('warnings')


@pytest.mark.parametrize('playbook, extra', [
    ('secops.mimecast.triage', {'mimecast_triage_rules': demo_rules()}),
    ('secops.mimecast.report', {'mimecast_report_dir': 'held'}),
])
def test_the_playbooks_warn_on_every_run(tls_sim, tmp_path, playbook, extra):
    for dummy in range(2):
        run = run_playbook(tls_sim, playbook, extra_vars=extra, options=['--check'], cwd=str(tmp_path),
                           env={'MIMECAST_VALIDATE_CERTS': 'false'})
        assert run.rc == 0, run
        assert shown(run, tls_sim) >= 1, run
