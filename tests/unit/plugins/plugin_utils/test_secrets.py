# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

import pytest

from ansible.module_utils.common.parameters import remove_values

from ansible_collections.secops.mimecast.plugins.plugin_utils.secrets import masked

SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQ='
APP_KEY = 'app-key-0123456789'
PLACEHOLDER = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def big_result(count=50000):
    ids = ['eNpVzskOgjAABNB_6RUPpQUBEw8ILkiCuOByMpGWRW0RaKvR-%06d' % i for i in range(count)]
    return {
        'changed': True,
        'msg': 'totals: held %d, released %d' % (count, count),
        'rules': [{'name': 'news', 'action': 'release', 'matched': count, 'ids': ids, 'released': count}],
        'failures': [],
        'totals': {'held': count, 'released': count, 'kept': 0, 'failed': 0},
        'check_mode': False,
        'warnings': ['Mimecast rate limit reached (HTTP 429); waiting 1.0 s'],
    }


def test_no_secret_present_returns_the_same_object():
    result = big_result()
    before = copy.deepcopy(result)
    assert masked(result, {SECRET, APP_KEY}) is result
    assert result == before


@pytest.mark.parametrize('no_log_values', [set(), frozenset(), None, []])
def test_no_no_log_values_returns_the_same_object(no_log_values):
    result = {'msg': 'key %s' % SECRET, 'n': [1, 2.5, None, True]}
    assert masked(result, no_log_values) is result
    assert result['msg'] == 'key %s' % SECRET


def test_nested_secrets_are_masked():
    result = {
        'msg': 'Mimecast answered HTTP 401 for %s' % APP_KEY,
        'warnings': ['retrying (key %s)' % SECRET, 'plain warning'],
        'error': {'codes': ['err_x'], 'detail': [{'echo': SECRET}, ('tuple', APP_KEY)]},
        'failures': [{'id': 'a', 'message': 'x%sy' % SECRET, 'retryable': False}],
        'count': 3,
    }
    original = copy.deepcopy(result)
    out = masked(result, {SECRET, APP_KEY})
    text = json.dumps(out)
    assert SECRET not in text and APP_KEY not in text
    assert out['msg'] == 'Mimecast answered HTTP 401 for ********'
    assert out['warnings'] == ['retrying (key ********)', 'plain warning']
    assert out['error']['detail'][0]['echo'] == PLACEHOLDER
    assert list(out['error']['detail'][1]) == ['tuple', PLACEHOLDER]
    assert out['failures'] == [{'id': 'a', 'message': 'x********y', 'retryable': False}]
    assert out['count'] == 3 and out['error']['codes'] == ['err_x']
    assert result == original  # the input is not modified


def test_one_secret_in_a_large_result_is_masked():
    result = big_result()
    result['rules'][0]['ids'][31337] = 'leak-%s-here' % APP_KEY
    out = masked(result, {SECRET, APP_KEY})
    assert out['rules'][0]['ids'][31337] == 'leak-********-here'
    assert out['rules'][0]['ids'][0] == result['rules'][0]['ids'][0] and len(out['rules'][0]['ids']) == 50000


@pytest.mark.parametrize('secret', [
    'pa"ss"word',        # JSON writes \"
    'C:\\keys\\secret',  # JSON writes \\
    'tab\there',         # control characters are escaped
    'line\nbreak',
    'bell\x07key',
])
def test_secrets_json_escapes_are_still_masked(secret):
    result = {'msg': 'the key is %s, see' % secret, 'items': [secret, {'deep': 'x' + secret}]}
    out = masked(result, {secret})
    assert out['msg'] == 'the key is ********, see'
    assert out['items'] == [PLACEHOLDER, {'deep': 'x********'}]


def test_non_ascii_secret_is_masked():
    secret = u'p\u00e4ssw\u00f6rd-\u2603'
    out = masked({'msg': u'echo %s' % secret}, {secret})
    assert out == {'msg': 'echo ********'}


def test_non_string_no_log_values_fall_back():
    out = masked({'port': 8443, 'msg': 'port 8443 open'}, {8443})
    assert out == {'port': PLACEHOLDER, 'msg': 'port ******** open'}


def test_secret_in_a_number_is_masked():
    out = masked({'pin': 123456, 'other': 7}, {'123456'})
    assert out == {'pin': PLACEHOLDER, 'other': 7}


def test_unserialisable_result_falls_back():
    # a tuple key cannot be written as JSON: masking must still happen
    result = {('a', 'b'): 'has %s inside' % SECRET, 'plain': 'ok'}
    out = masked(result, {SECRET})
    assert out[('a', 'b')] == 'has ******** inside' and out['plain'] == 'ok'


def test_secret_in_a_value_json_cannot_write_is_found():
    # a set is not JSON: the scan sees it through str(), and the secret inside is masked
    out = masked({'seen': set(['x %s' % SECRET]), 'msg': 'fine'}, {SECRET})
    assert out == {'seen': set(['x ********']), 'msg': 'fine'}


@pytest.mark.parametrize('result', [
    {'msg': 'no secret', 'ids': ['a', 'b']},
    {'msg': 'has %s' % SECRET, 'n': 1.5, 'flag': False, 'none': None},
    ['x', {'y': [APP_KEY + APP_KEY]}],
    'just %s' % SECRET,
])
def test_same_answer_as_remove_values(result):
    assert masked(result, {SECRET, APP_KEY}) == remove_values(result, {SECRET, APP_KEY})


def test_non_ascii_secret_in_bytes_value():
    secret = u'p\u00e4ssw\u00f6rd'
    result = {'raw': secret.encode('utf-8')}
    assert masked(result, {secret}) == remove_values(result, {secret})
