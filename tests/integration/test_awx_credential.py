# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX custom credential type in ``extensions/awx/``: its shape, and a module run with exactly the
environment AWX would inject (injectors rendered like AWX does, in a sandboxed Jinja environment)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.secops.mimecast.plugins.module_utils.connection import connection_argument_spec
from conftest import run_adhoc
from mimecast_sim import DEFAULT_CREDENTIALS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWX_DIR = os.path.join(ROOT, 'extensions', 'awx')
CREDENTIAL_TYPE = os.path.join(AWX_DIR, 'mimecast_credential_type.yml')
SECRET_FIELDS = {'secret_key', 'app_key', 'client_secret'}
V1_FIELDS = ('access_key', 'secret_key', 'app_id', 'app_key')
V2_FIELDS = ('client_id', 'client_secret')


def load_type():
    with open(CREDENTIAL_TYPE) as handle:
        return yaml.safe_load(handle)


def awx_namespace(credential_type, inputs):
    """The template namespace AWX builds (awx CredentialType.inject_credential): string inputs only when
    non-empty, booleans as stored, and a boolean the credential does not store defaults to False."""
    namespace = {}
    for name, value in inputs.items():
        if isinstance(value, bool) or len(value):
            namespace[name] = value
    for field in credential_type['inputs']['fields']:
        if field['type'] == 'boolean' and field['id'] not in inputs:
            namespace[field['id']] = False
    return namespace


def render_env(credential_type, inputs):
    sandbox = ImmutableSandboxedEnvironment()
    namespace = awx_namespace(credential_type, inputs)
    return dict((name, sandbox.from_string(template).render(**namespace))
                for name, template in credential_type['injectors']['env'].items())


def awx_inputs(sim, api):
    fields = V2_FIELDS if api == '2.0' else V1_FIELDS
    inputs = dict((name, DEFAULT_CREDENTIALS[name]) for name in fields)
    inputs.update(base_url=sim.base_url, validate_certs='true')
    return inputs


# ------------------------------------------------------------------ the file itself
def test_secret_fields_are_secret_and_no_ansible_names():
    ctype = load_type()
    fields = dict((f['id'], f) for f in ctype['inputs']['fields'])
    assert set(fields) == set(V1_FIELDS + V2_FIELDS + ('base_url', 'validate_certs'))
    for name, field in fields.items():
        assert field.get('secret', False) is (name in SECRET_FIELDS), name
        # no boolean: AWX renders a boolean a credential does not store as false
        assert field['type'] == 'string', name
    assert fields['validate_certs']['choices'] == ['true', 'false'] and fields['validate_certs']['default'] == 'true'
    assert ctype['inputs']['required'] == ['base_url']
    assert set(ctype['injectors']) == {'env'}
    for name in ctype['injectors']['env']:
        assert not name.upper().startswith('ANSIBLE_'), name
        assert name.startswith('MIMECAST_'), name


def test_injectors_are_the_modules_env_fallbacks():
    """Every field is injected into the environment variable its module option falls back to."""
    ctype = load_type()
    spec = connection_argument_spec()
    for field in ctype['inputs']['fields']:
        fallback = spec[field['id']]['fallback'][1]
        assert fallback == ['MIMECAST_' + field['id'].upper()]
        assert '{{ %s }}' % field['id'] in ctype['injectors']['env'][fallback[0]] or field['id'] == 'validate_certs'


def test_cli_files_match_the_credential_type():
    """``awx credential_types create --inputs @... --injectors @...`` files hold the same definitions."""
    ctype = load_type()
    for part in ('inputs', 'injectors'):
        with open(os.path.join(AWX_DIR, 'mimecast_credential_type_%s.json' % part)) as handle:
            assert json.load(handle) == ctype[part], part


@pytest.mark.parametrize('stored, expected', [
    ('true', 'true'), ('false', 'false'),
    (None, 'true'),                       # a credential created by API or CLI without the field: checks stay on
    ('', 'true'),
    (True, 'true'), (False, 'false'),     # a credential stored when the field was a boolean
])
def test_validate_certs_is_true_unless_the_field_says_false(stored, expected):
    inputs = {'base_url': 'https://eu-api.mimecast.com'}
    if stored is not None:
        inputs['validate_certs'] = stored
    env = render_env(load_type(), inputs)
    assert env['MIMECAST_VALIDATE_CERTS'] == expected


def test_a_credential_with_only_the_required_fields_never_turns_checks_off():
    """Whatever AWX leaves out of a credential (by API, CLI or an older UI), certificates are checked."""
    ctype = load_type()
    for api_fields in (V1_FIELDS, V2_FIELDS):
        inputs = dict((name, 'x') for name in ('base_url',) + api_fields)
        assert render_env(ctype, inputs)['MIMECAST_VALIDATE_CERTS'] == 'true'


def test_the_module_runs_with_certificate_checks_when_the_field_is_left_out(sim):
    inputs = awx_inputs(sim, '2.0')
    del inputs['validate_certs']
    env = render_env(load_type(), inputs)
    assert env['MIMECAST_VALIDATE_CERTS'] == 'true'
    run = run_adhoc(sim, 'mimecast_held_info', {}, api=None, env=env)
    assert run.rc == 0, run
    assert 'validate_certs is false' not in run.output
    off = run_adhoc(sim, 'mimecast_held_info', {}, api=None, env=render_env(load_type(), dict(inputs, validate_certs='false')))
    assert off.rc == 0, off
    assert off.result()['warnings'] == ['validate_certs is false: TLS certificates of %s are not checked' % sim.base_url.split('://')[1]]


# ------------------------------------------------------- a module with exactly that environment
@pytest.mark.parametrize('api', ['1.0', '2.0'])
def test_module_runs_with_the_injected_environment(sim, api):
    ctype = load_type()
    inputs = awx_inputs(sim, api)
    env = render_env(ctype, inputs)
    # AWX renders every injector: the other API's variables are present and empty.
    other = V1_FIELDS if api == '2.0' else V2_FIELDS
    assert all(env['MIMECAST_' + name.upper()] == '' for name in other)
    assert env['MIMECAST_BASE_URL'] == sim.base_url and env['MIMECAST_VALIDATE_CERTS'] == 'true'

    run = run_adhoc(sim, 'mimecast_held_info', {'admin': True}, api=None, env=env)
    assert run.rc == 0, run
    result = run.result()
    held = sim.state()['held']
    assert result['total'] == len(held) == len(result['messages'])
    for name in SECRET_FIELDS & set(inputs):
        assert inputs[name] not in run.output


def test_mixed_credentials_in_one_credential_fail_clearly(sim):
    inputs = awx_inputs(sim, '1.0')
    inputs.update(client_id=DEFAULT_CREDENTIALS['client_id'])
    run = run_adhoc(sim, 'mimecast_held_info', {}, api=None, env=render_env(load_type(), inputs))
    assert run.rc != 0, run
    assert 'give only one set' in run.result()['msg']
