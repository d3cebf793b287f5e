# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  base_url:
    description:
      - Base URL of the Mimecast API, without a path.
      - For API 1.0 the regional host, for example V(https://eu-api.mimecast.com) (also C(de), C(us), C(usb), C(ca),
        C(za), C(au), C(je)).
      - For API 2.0 the gateway, for example V(https://api.services.mimecast.com),
        V(https://uk-api.services.mimecast.com) or V(https://us-api.services.mimecast.com).
      - C(http://) is accepted for a local simulator.
      - If not set, the value of the E(MIMECAST_BASE_URL) environment variable is used.
    type: str
    required: true
  access_key:
    description:
      - API 1.0 access key. API 1.0 is used when O(access_key), O(secret_key), O(app_id) and O(app_key) are all given.
      - If not set, the value of the E(MIMECAST_ACCESS_KEY) environment variable is used.
    type: str
  secret_key:
    description:
      - API 1.0 secret key, base64 as issued by Mimecast.
      - If not set, the value of the E(MIMECAST_SECRET_KEY) environment variable is used.
    type: str
  app_id:
    description:
      - API 1.0 application ID.
      - If not set, the value of the E(MIMECAST_APP_ID) environment variable is used.
    type: str
  app_key:
    description:
      - API 1.0 application key.
      - If not set, the value of the E(MIMECAST_APP_KEY) environment variable is used.
    type: str
  client_id:
    description:
      - API 2.0 client ID (OAuth 2.0 client credentials). API 2.0 is used when O(client_id) and O(client_secret) are given.
      - Giving API 1.0 and API 2.0 credentials together, or an incomplete set, is an error naming what is missing.
      - If not set, the value of the E(MIMECAST_CLIENT_ID) environment variable is used.
    type: str
  client_secret:
    description:
      - API 2.0 client secret.
      - If not set, the value of the E(MIMECAST_CLIENT_SECRET) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(base_url). Turn off only for a test endpoint.
      - "When V(false), every run warns C(validate_certs is false: TLS certificates of <host> are not checked)."
      - If not set, the value of the E(MIMECAST_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP request.
      - If not set, the value of the E(MIMECAST_TIMEOUT) environment variable is used.
    type: float
    default: 30
  retries:
    description:
      - How many times a read is retried after an HTTP 5xx answer, a timeout, a dropped connection or an unreadable body,
        with jittered exponential back-off.
      - Writes (release, reject) are never re-sent blindly after such a failure; their ids are checked again instead, and
        the ids still held are sent again, with back-off, for up to this many more rounds. For a link where a share
        C(p) of requests fails before the API acts, a batch stays undone with probability C(p ** (retries + 1)).
      - Nothing is retried for a configuration error (code C(config_error)) or bad input (C(invalid_input)).
      - If not set, the value of the E(MIMECAST_RETRIES) environment variable is used.
    type: int
    default: 3
  max_retry_wait:
    description:
      - Total seconds the task may spend waiting on rate limits (HTTP 429, honouring C(X-RateLimit-Reset) or
        C(Retry-After)) and retry back-offs. Each wait is shown as a warning. When the next wait would exceed it,
        the request fails with a retryable error.
      - If not set, the value of the E(MIMECAST_MAX_RETRY_WAIT) environment variable is used.
    type: float
    default: 300
notes:
  - Credentials are never shown in task output, at any verbosity.
  - API 1.0 requests are signed with a fresh C(x-mc-date) and C(x-mc-req-id) on every attempt; the machine's clock
    must be right.
requirements:
  - requests
'''
