# -*- coding: utf-8 -*-
# Copyright: secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one message view: a held-list record, a release-log record and a hand-written message read alike."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import pytest

from ansible_collections.secops.mimecast.plugins.module_utils.dates import parse_api_epoch
from ansible_collections.secops.mimecast.plugins.module_utils.errors import InputError
from ansible_collections.secops.mimecast.plugins.module_utils.message import (
    FIELDS,
    HeldMessage,
    LoggedMessage,
    address,
    addresses,
    case_message,
    reason_code_of,
)
from ansible_collections.secops.mimecast.plugins.module_utils.records import snake_case
from ansible_collections.secops.mimecast.tests.unit.mimecast_fakes import load_fixture

NOW = datetime.datetime(2026, 12, 7, 12, 0, 0, tzinfo=datetime.timezone.utc)
HELD = {
    'id': 'h1', 'reason': 'Message Hold Applied - Spam Signature policy', 'reasonCode': 'message_hold_applied_spam_signature_policy',
    'from': {'emailAddress': 'news@vendor.example', 'displayableName': 'News'},
    'fromHeader': {'emailAddress': 'hdr@vendor.example', 'displayableName': ''},
    'to': [{'emailAddress': 'a@corp.example'}, {'emailAddress': 'b@corp.example'}],
    'toHeader': [{'emailAddress': 'b@corp.example'}, {'emailAddress': 'c@corp.example'}],
    'subject': 'Weekly digest', 'route': 'INBOUND', 'hasAttachments': 'false', 'dateReceived': '2026-12-07T10:00:00+0000',
    'policyInfo': 'Relaxed Spam Detection',
}
LOGGED = {
    'id': 'l1', 'status': 'Rejected', 'released': '2026-12-07T11:00:00+0000', 'operator': {'email': 'Admin@Corp.example'},
    'heldReason': 'Message Hold Applied - Spam Signature policy', 'policy': 'Relaxed Spam Detection', 'route': 'inbound',
    'attachments': True, 'subject': 'Weekly digest',
    'fromEnv': {'address': 'news', 'domain': 'vendor.example'}, 'fromHdr': {'address': 'hdr@vendor.example', 'domain': 'vendor.example'},
    'to': [{'address': 'a@corp.example', 'domain': 'corp.example'}],
}


def values(message):
    return dict((name, getattr(message, name)) for name in FIELDS)


def test_a_held_record_camel_or_snake_case():
    expected = {
        'id': 'h1', 'senders': ('news@vendor.example', 'hdr@vendor.example'), 'sender': 'news@vendor.example',
        'envelope_sender': 'news@vendor.example', 'recipients': ('a@corp.example', 'b@corp.example', 'c@corp.example'),
        'envelope_recipients': ('a@corp.example', 'b@corp.example'), 'subject': 'Weekly digest',
        'reason': 'Message Hold Applied - Spam Signature policy', 'reason_code': 'message_hold_applied_spam_signature_policy',
        'policy_info': 'Relaxed Spam Detection', 'route': 'inbound', 'has_attachments': False,
        'received': parse_api_epoch('2026-12-07T10:00:00+0000'), 'received_at': '2026-12-07T10:00:00+0000',
    }
    assert values(HeldMessage(HELD)) == expected
    assert values(HeldMessage(snake_case(HELD))) == expected


def test_a_held_record_without_fields():
    message = HeldMessage({'id': 'x', 'to': None, 'from': ['not', 'an', 'object'], 'subject': {'a': 1}})
    assert (message.senders, message.sender, message.recipients, message.envelope_recipients) == ((), '', (), ())
    assert (message.subject, message.reason, message.reason_code, message.route, message.has_attachments, message.received) == (
        None, None, None, None, None, None)
    # the header recipients stand in for an envelope without any
    assert HeldMessage({'toHeader': {'emailAddress': 'h@corp.example'}}).envelope_recipients == ('h@corp.example',)
    assert HeldMessage('not a record').id == ''


def test_the_fixture_records():
    records = load_fixture('list_hold_messages_response.json')['data']
    for record in records:
        message = HeldMessage(record)
        assert message.id == record['id'] and message.sender == record['from']['emailAddress']
        assert message.reason_code == record['reasonCode'] and message.route == record['route'].lower()


def test_a_release_log_record_either_shape():
    message = LoggedMessage(LOGGED)
    assert message.senders == ('news@vendor.example', 'hdr@vendor.example')  # {address: local part, domain} joined
    assert message.recipients == ('a@corp.example',) and message.envelope_recipients == ('a@corp.example',)
    assert message.reason_code == 'message_hold_applied_spam_signature_policy'  # as the held list spells it
    assert message.reason_code == reason_code_of(HELD['reason']) == HELD['reasonCode']
    assert (message.policy_info, message.route, message.has_attachments, message.received) == (
        'Relaxed Spam Detection', 'inbound', True, None)
    assert (message.status, message.operator, message.released) == (
        'rejected', 'admin@corp.example', parse_api_epoch('2026-12-07T11:00:00+0000'))
    other = dict(LOGGED, operator='ops@corp.example', fromEnv={'emailAddress': 'news@vendor.example', 'displayableName': 'N'},
                 to=[{'emailAddress': 'a@corp.example', 'displayableName': ''}])
    assert (LoggedMessage(other).operator, LoggedMessage(other).sender, LoggedMessage(other).recipients) == (
        'ops@corp.example', 'news@vendor.example', ('a@corp.example',))
    assert LoggedMessage(snake_case(other)).sender == 'news@vendor.example'
    assert LoggedMessage({'id': 'x'}).reason_code is None


@pytest.mark.parametrize('value, expected', [
    ({'emailAddress': 'a@b.example', 'displayableName': 'A'}, 'a@b.example'), ({'email_address': 'a@b.example'}, 'a@b.example'),
    ({'address': 'a', 'domain': 'b.example'}, 'a@b.example'), ({'address': 'a@b.example', 'domain': 'b.example'}, 'a@b.example'),
    ({'email': 'a@b.example'}, 'a@b.example'), ('a@b.example', 'a@b.example'), ({}, None), ('', None), (None, None), (5, None),
])
def test_every_address_shape(value, expected):
    assert address(value) == expected
    assert addresses([value, value]) == ([expected] * 2 if expected else [])


def test_a_message_by_hand():
    message = case_message({'sender': 'news@vendor.example', 'recipients': 'a@corp.example', 'reason': 'Spam - Signature',
                            'route': 'INBOUND', 'has_attachments': 'true', 'age': '3h'}, NOW, mid='c1')
    assert message.id == 'c1' and message.senders == ('news@vendor.example',) and message.recipients == ('a@corp.example',)
    assert message.reason_code == 'spam_signature' and message.subject is None
    assert (message.route, message.has_attachments) == ('inbound', True)
    assert message.received == NOW.timestamp() - 3 * 3600 and message.received_at == '2026-12-07T09:00:00+0000'
    given = case_message({'reason': 'x', 'reason_code': 'own_code', 'recipients': ['a@c.example', 'b@c.example']}, NOW)
    assert given.reason_code == 'own_code' and given.recipients == ('a@c.example', 'b@c.example') and given.received is None


def test_a_bad_message_by_hand_names_every_problem():
    with pytest.raises(InputError) as info:
        case_message({'sender': 5, 'recipients': [1], 'subject': [], 'route': 3, 'has_attachments': 'perhaps', 'age': 'soon',
                      'colour': 'red'}, NOW, label="case 'x': message")
    msg = info.value.msg
    for part in ('unknown key "colour"', 'sender must be an address', 'recipients must be an address or a list',
                 'subject must be a string', 'route must be a string', 'has_attachments must be a boolean', "age 'soon' is not a duration"):
        assert "case 'x': message: " + part in msg, part
    with pytest.raises(InputError):
        case_message(['not', 'a', 'mapping'], NOW)
