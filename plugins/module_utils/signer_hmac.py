# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""API 1.0: every request signed with HMAC-SHA1 of the application's access/secret key binding.

``signature = base64(HMAC-SHA1(base64decode(secretKey), x-mc-date:x-mc-req-id:uri:appKey))``, with a fresh
date and request id for every request, retries included (API-NOTES.md, "Signing").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import hmac
import time
import uuid

from ansible_collections.secops.mimecast.plugins.module_utils.errors import ConfigError

_DAYS = ('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')
_MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec')


def mc_date(now=None):
    """The ``x-mc-date`` header value, e.g. ``Tue, 24 Nov 2015 12:50:11 UTC`` (locale independent)."""
    t = time.gmtime(time.time() if now is None else now)
    return '%s, %02d %s %04d %02d:%02d:%02d UTC' % (
        _DAYS[t.tm_wday], t.tm_mday, _MONTHS[t.tm_mon - 1], t.tm_year, t.tm_hour, t.tm_min, t.tm_sec)


def decode_secret_key(secret_key):
    """Decode the base64 secret key as issued; a clear error (without the value) when it is not base64."""
    try:
        key = base64.b64decode(secret_key.strip().encode('ascii'), validate=True)
    except (binascii.Error, ValueError, UnicodeError):
        raise ConfigError('secret_key is not valid base64: use the secret key exactly as Mimecast issued it '
                          '(its value is not shown here)')
    if not key:
        raise ConfigError('secret_key is empty after base64 decoding: use the secret key exactly as Mimecast issued it')
    return key


def sign_v1(secret, date, request_id, uri, app_key):
    """API 1.0 signature: base64(HMAC-SHA1(base64decode(secretKey), date:req-id:uri:appKey)).

    ``secret`` is the decoded key (bytes) or the base64 text as issued.
    """
    key = secret if isinstance(secret, bytes) else decode_secret_key(secret)
    data = ':'.join([date, request_id, uri, app_key]).encode('utf-8')
    return base64.b64encode(hmac.new(key, data, digestmod=hashlib.sha1).digest()).decode('ascii')


class HmacSigner(object):
    """Signs each request with the API 1.0 credentials (see ``signers.py`` for the interface)."""

    scheme = '1.0'
    credentials = ('access_key', 'secret_key', 'app_id', 'app_key')
    # what names the application without being a secret (a plan's tenant fingerprint)
    identifiers = ('app_id', 'access_key')
    options = dict(
        access_key=dict(type='str', no_log=False),
        secret_key=dict(type='str', no_log=True),
        app_id=dict(type='str'),
        app_key=dict(type='str', no_log=True),
    )
    renews = False  # nothing to renew: a 401 is final

    def __init__(self, access_key, secret_key, app_id, app_key):
        self._access_key = access_key
        self._key = decode_secret_key(secret_key)
        self._app_id = app_id
        self._app_key = app_key

    @classmethod
    def from_credentials(cls, client, credentials):
        return cls(*(credentials[name] for name in cls.credentials))

    def headers(self, uri):
        date = mc_date()
        request_id = str(uuid.uuid4())
        signature = sign_v1(self._key, date, request_id, uri, self._app_key)
        return request_id, {
            'Authorization': 'MC %s:%s' % (self._access_key, signature),
            'x-mc-date': date,
            'x-mc-req-id': request_id,
            'x-mc-app-id': self._app_id,
        }

    def invalidate(self, used_header):
        """API 1.0 has no token to renew."""

    def refused_hint(self):
        return ('check access_key, secret_key, app_id and app_key, and that this machine\'s clock is right '
                '(x-mc-date must be close to Mimecast\'s time; local UTC time is %s)' % mc_date())
