# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API's response envelope: ``{"meta": {...}, "data": [...], "fail": [{"key": ..., "errors": [...]}]}``.

:func:`parse_envelope` reads a body, :class:`Response` is a parsed answer, and the ``fail`` entries (per-item
failures of a call that went through) are read by :func:`iter_fail_errors` whatever shape they have.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.secops.mimecast.plugins.module_utils.errors import MimecastError


class Response(object):
    """A parsed API envelope: ``data`` list, ``fail`` list, ``meta`` dict."""

    __slots__ = ('path', 'status', 'data', 'fail', 'meta', 'headers', 'request_id')

    def __init__(self, path, status, data, fail, meta, headers, request_id):
        self.path = path
        self.status = status
        self.data = data
        self.fail = fail
        self.meta = meta
        self.headers = headers
        self.request_id = request_id

    @property
    def next_token(self):
        pagination = self.meta.get('pagination') if isinstance(self.meta, dict) else None
        if isinstance(pagination, dict):
            return pagination.get('next') or None
        return None

    @property
    def total_count(self):
        """``meta.pagination.totalCount`` when the API gave an integer, else None."""
        pagination = self.meta.get('pagination') if isinstance(self.meta, dict) else None
        total = pagination.get('totalCount') if isinstance(pagination, dict) else None
        return total if isinstance(total, int) and not isinstance(total, bool) else None

    def raise_for_fail(self):
        """Raise a :class:`MimecastError` built from the ``fail`` entries, if any."""
        if self.fail:
            raise error_from_fail(self.fail, self.path, status=self.status, request_id=self.request_id)


def iter_fail_errors(fail):
    """Yield each error dict of a ``fail`` list, whatever shape each entry has."""
    for entry in fail or []:
        if not isinstance(entry, dict):
            yield {'code': None, 'message': str(entry), 'retryable': False}
            continue
        errors = entry.get('errors')
        if isinstance(errors, list) and errors:
            for err in errors:
                if isinstance(err, dict):
                    yield err
                else:
                    yield {'code': None, 'message': str(err), 'retryable': False}
        else:
            yield {'code': entry.get('code'), 'message': entry.get('message') or 'unspecified failure',
                   'retryable': entry.get('retryable', False)}


def fail_text(errors):
    """``code: message; code: message`` of error dicts (as :func:`iter_fail_errors` yields them)."""
    return '; '.join('%s%s' % (('%s: ' % e['code']) if e.get('code') else '', e.get('message') or '') for e in errors)


def error_from_fail(fail, path, status=None, request_id=None):
    """The :class:`MimecastError` of a call answered with ``fail`` entries."""
    errors = list(iter_fail_errors(fail))
    codes = [e.get('code') for e in errors if e.get('code')]
    retryable = any(bool(e.get('retryable')) for e in errors)
    return MimecastError('Mimecast %s failed: %s' % (path, fail_text(errors) or 'unspecified failure'),
                         status=status, codes=codes, retryable=retryable, request_id=request_id, path=path)


def parse_envelope(body):
    """Parse a response body (bytes or text) into (data, fail, meta); raise ValueError on anything that is not an envelope.

    JSON is UTF-8 (RFC 8259): bytes are decoded as such (json also detects UTF-16/32 and a BOM), whatever
    charset the Content-Type header names.
    """
    body = json.loads(body)
    if not isinstance(body, dict):
        raise ValueError('the body is JSON but not an object')
    data = body.get('data', [])
    fail = body.get('fail', [])
    meta = body.get('meta', {})
    if data is None:
        data = []
    if fail is None:
        fail = []
    if meta is None:
        meta = {}
    if not isinstance(data, list) or not isinstance(fail, list) or not isinstance(meta, dict):
        raise ValueError('the body is not a Mimecast envelope (data/fail must be lists, meta an object)')
    if 'data' not in body and 'fail' not in body and 'meta' not in body:
        raise ValueError('the body has none of data, fail or meta')
    return data, fail, meta
