"""Mimecast API simulator for the secops.mimecast collection (not shipped in the tarball)."""

import base64

__version__ = '1.0.0'

DEFAULT_SECRET_TEXT = 'simulator-secret-key-not-for-production'

# Demo credentials, keyed by the collection's connection option names.
DEFAULT_CREDENTIALS = {
    'access_key': 'sim-access-key',
    'secret_key': base64.b64encode(DEFAULT_SECRET_TEXT.encode()).decode(),
    'app_id': 'sim-app-id',
    'app_key': 'sim-app-key',
    'client_id': 'sim-client-id',
    'client_secret': 'sim-client-secret',
}

DEFAULT_API_USER = 'api.user@example.com'

REJECT_REASON_TYPES = (
    'MESSAGE CONTAINS UNDESIRABLE CONTENT',
    'MESSAGE CONTAINS CONFIDENTIAL INFORMATION',
    'REVIEWER DISAPPROVES OF CONTENT',
    'INAPPROPRIATE COMMUNICATION',
    'MESSAGE GOES AGAINST EMAIL POLICIES',
)
