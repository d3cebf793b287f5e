"""Several tenants on one simulator: their names, their credentials and an Ansible inventory of them.

Stdlib only: the test harness (``mimecast_sim.testing``) derives the same credentials as the server.
Tenant ``tenant1`` has the credentials given on the command line (the demo ones by default); tenant
``tenantK`` (K > 1) has credentials derived from them and its name, so every tenant's are distinct
and reproducible.
"""

import base64
import json
import os

DEFAULT_TENANT = 'tenant1'
PREFIX = 'tenant'
CREDENTIAL_KEYS = ('access_key', 'secret_key', 'app_id', 'app_key', 'client_id', 'client_secret')
API_KEYS = {'1.0': ('access_key', 'secret_key', 'app_id', 'app_key'), '2.0': ('client_id', 'client_secret')}
INVENTORY_GROUP = 'mimecast_tenants'


def tenant_names(count):
    """``tenant1`` .. ``tenantN``."""
    count = int(count)
    if count < 1:
        raise ValueError('there must be at least one tenant')
    return ['%s%d' % (PREFIX, k) for k in range(1, count + 1)]


def tenant_index(name):
    """1 for ``tenant1``, K for ``tenantK``."""
    return int(name[len(PREFIX):])


def tenant_api(name):
    """The API an inventory host uses: 1.0 for odd-numbered tenants, 2.0 for even-numbered ones."""
    return '1.0' if tenant_index(name) % 2 else '2.0'


def tenant_credentials(base, name):
    """The credentials of tenant ``name``, derived from ``base`` (tenant1's, keyed as CREDENTIAL_KEYS)."""
    creds = {key: base[key] for key in CREDENTIAL_KEYS}
    if name == DEFAULT_TENANT:
        return creds
    suffix = '-' + name
    for key in CREDENTIAL_KEYS:
        creds[key] += suffix
    # still base64: the secret's bytes with the suffix appended
    creds['secret_key'] = base64.b64encode(base64.b64decode(base['secret_key']) + suffix.encode()).decode()
    return creds


def all_credentials(base, count):
    """{name: credentials} of every tenant, in order."""
    return {name: tenant_credentials(base, name) for name in tenant_names(count)}


def inventory_text(base_url, base, count, tls=False):
    """A YAML inventory with one local host per tenant in group ``mimecast_tenants``.

    Odd-numbered tenants carry their API 1.0 keys, even-numbered ones their API 2.0 client; scalars are
    written JSON-quoted, which YAML reads as the same strings.
    """
    lines = ['all:', '  children:', '    %s:' % INVENTORY_GROUP, '      hosts:']
    for name, creds in all_credentials(base, count).items():
        lines.append('        %s:' % name)
        pairs = [('ansible_connection', 'local'), ('mimecast_base_url', base_url)]
        pairs += [('mimecast_' + key, creds[key]) for key in API_KEYS[tenant_api(name)]]
        lines += ['          %s: %s' % (key, json.dumps(val)) for key, val in pairs]
        if tls:
            lines.append('          mimecast_validate_certs: false')
    return '\n'.join(lines) + '\n'


def write_private(path, text):
    """Write ``text`` to ``path``, readable by its owner only (it holds credentials)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as fh:
        fh.write(text)
    os.chmod(path, 0o600)
