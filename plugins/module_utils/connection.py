# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options every module, action plugin and the event source take (doc fragment ``connection``):
the API host, the credentials of each signer (``signers.py``) and the transport's settings, each falling back to
its ``MIMECAST_<NAME>`` environment variable. ``client.client_from_params`` builds the client from them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.secops.mimecast.plugins.module_utils.signers import SIGNERS, env_name


def connection_argument_spec():
    """The connection options (a new dict each time: callers add their own options to it)."""
    spec = dict(base_url=dict(type='str', required=True))
    for signer in SIGNERS:
        spec.update((name, dict(option)) for name, option in signer.options.items())
    spec.update(
        validate_certs=dict(type='bool', default=True),
        timeout=dict(type='float', default=30),
        retries=dict(type='int', default=3),
        max_retry_wait=dict(type='float', default=300),
    )
    for name, option in spec.items():
        option['fallback'] = (env_fallback, [env_name(name)])
    return spec
