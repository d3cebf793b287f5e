# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The signers: how a request is authenticated, one file each, chosen from the credentials given.

* ``signer_hmac.HmacSigner``: API 1.0 (access key, secret key, application id and key; every request signed);
* ``signer_oauth.OAuthSigner``: API 2.0 (client id and secret; a bearer token).

A signer class has ``scheme`` (``'1.0'``), ``credentials`` (its option names, all required), ``options`` (their
argument spec, without the ``MIMECAST_*`` fallbacks ``connection.py`` adds), ``renews`` (whether a refused request
is worth one more try with fresh credentials) and ``from_credentials(client, credentials)``; an instance has
``headers(uri)`` -> ``(request id, headers)``, ``invalidate(used_authorization_header)`` and ``refused_hint()``
(what to check after an HTTP 401).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.mimecast.plugins.module_utils.errors import ConfigError
from ansible_collections.secops.mimecast.plugins.module_utils.signer_hmac import HmacSigner
from ansible_collections.secops.mimecast.plugins.module_utils.signer_oauth import OAuthSigner

SIGNERS = (HmacSigner, OAuthSigner)
CREDENTIALS = tuple(name for signer in SIGNERS for name in signer.credentials)


def _listed(names):
    """``a, b and c``"""
    return ' and '.join([', '.join(names[:-1]), names[-1]] if len(names) > 1 else list(names))


def env_name(name):
    """The environment variable an option falls back to: ``MIMECAST_<NAME>``."""
    return 'MIMECAST_' + name.upper()


def select_signer(params):
    """The signer whose every credential ``params`` gives; else a :class:`ConfigError` naming what is missing
    (or that credentials of two schemes were mixed)."""
    given = [(signer, [name for name in signer.credentials if params.get(name)]) for signer in SIGNERS]
    given = [(signer, names) for signer, names in given if names]
    if len(given) > 1:
        raise ConfigError('Credentials for both %s were given; give only one set: %s (check the MIMECAST_* environment '
                          'variables and module_defaults too)'
                          % (' and '.join('API %s (%s)' % (signer.scheme, ', '.join(names)) for signer, names in given),
                             ', or '.join('%s for API %s' % (_listed(s.credentials), s.scheme) for s in SIGNERS)))
    if not given:
        raise ConfigError('No Mimecast credentials given: set %s, as options, module_defaults or MIMECAST_* environment '
                          'variables' % ' or '.join('%s (API %s)' % (_listed(s.credentials), s.scheme) for s in SIGNERS))
    signer, names = given[0]
    missing = [name for name in signer.credentials if name not in names]
    if missing:
        raise ConfigError('Incomplete API %s credentials: missing %s (options, or environment variables %s)'
                          % (signer.scheme, ', '.join(missing), ', '.join(env_name(name) for name in missing)))
    return signer
