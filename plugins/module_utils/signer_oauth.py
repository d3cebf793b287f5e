# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""API 2.0: OAuth 2.0 client credentials; each request carries a bearer token, fetched when first needed and
again shortly before it expires or when the API says it has (API-NOTES.md, "API 2.0")."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time
import uuid

from ansible_collections.secops.mimecast.plugins.module_utils.errors import MimecastError

TOKEN_PATH = '/oauth/token'
DEFAULT_LIFETIME = 1800.0
RENEW_BEFORE = 30  # seconds before its expiry a token is fetched again


class OAuthSigner(object):
    """Adds the bearer token to each request (see ``signers.py`` for the interface). The token request goes
    through the client's transport (``client.post_form``: retries, rate limits, TLS settings)."""

    scheme = '2.0'
    credentials = ('client_id', 'client_secret')
    # what names the application without being a secret (a plan's tenant fingerprint)
    identifiers = ('client_id',)
    options = dict(
        client_id=dict(type='str'),
        client_secret=dict(type='str', no_log=True),
    )
    renews = True  # a 401 or a token_expired answer: a fresh token is tried, once

    def __init__(self, client, client_id, client_secret):
        self._client = client
        self._client_id = client_id
        self._client_secret = client_secret
        self._token = None
        self._expires = 0
        self._lock = threading.Lock()

    @classmethod
    def from_credentials(cls, client, credentials):
        return cls(client, *(credentials[name] for name in cls.credentials))

    def fetch_token(self):
        """A new token: ``(token, lifetime in seconds)``; raises :class:`MimecastError` when it is refused."""
        status, raw = self._client.post_form(TOKEN_PATH, {'grant_type': 'client_credentials', 'client_id': self._client_id,
                                                          'client_secret': self._client_secret}, 'Mimecast token request')
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if status == 200 and isinstance(body, dict) and body.get('access_token'):
            try:
                lifetime = float(body.get('expires_in') or DEFAULT_LIFETIME)
            except (TypeError, ValueError):
                lifetime = DEFAULT_LIFETIME
            return body['access_token'], lifetime
        code = body.get('error') if isinstance(body, dict) else None
        raise MimecastError('The API 2.0 token request was refused (HTTP %s%s): check client_id and client_secret, '
                            'and that base_url is an API 2.0 gateway such as https://api.services.mimecast.com'
                            % (status, ', %s' % code if code else ''), status=status, codes=[code] if code else [],
                            path=TOKEN_PATH)

    def _ensure_token(self):
        with self._lock:
            if self._token is None or time.time() > self._expires - RENEW_BEFORE:
                self._token, lifetime = self.fetch_token()
                self._expires = time.time() + lifetime
            return self._token

    def headers(self, uri):
        request_id = str(uuid.uuid4())
        return request_id, {'Authorization': 'Bearer %s' % self._ensure_token(), 'x-mc-req-id': request_id}

    def invalidate(self, used_header):
        """Forget the token the failed request used (unless another thread already replaced it)."""
        with self._lock:
            if self._token is not None and 'Bearer %s' % self._token == used_header:
                self._token = None

    def refused_hint(self):
        return 'check client_id and client_secret; a fresh token was already tried'
