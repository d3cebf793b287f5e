"""Seeded, reproducible test data: held messages and the processing queue."""

import base64
import datetime
import functools
import json
import random
import time

from . import DEFAULT_API_USER

DAY = 86400
DATE_FMT = '%Y-%m-%dT%H:%M:%S+0000'


def fmt_date(ts):
    """Format epoch seconds in the API's date form (2011-12-03T10:15:30+0000)."""
    return time.strftime(DATE_FMT, time.gmtime(ts))


@functools.lru_cache(maxsize=1024)
def parse_api_date(value):
    """Parse 2011-12-03T10:15:30+0000 (any offset) to epoch seconds; ValueError if invalid."""
    return int(datetime.datetime.strptime(value, '%Y-%m-%dT%H:%M:%S%z').timestamp())


def addr(email, name=''):
    return {'emailAddress': email, 'displayableName': name}


# Hold categories: (weight, key, reason, reasonId, policyInfo, route choices)
SPAM_SIG = ('Message Hold Applied - Spam Signature policy', 'MESSAGE_HOLD_APPLIED_SPAM_SIGNATURE_POLICY', 'Relaxed Spam Detection')
SPAM_DET = ('Message Hold Applied - Spam Detection policy', 'MESSAGE_HOLD_APPLIED_SPAM_DETECTION_POLICY', 'Default Spam Scanning Definition')
ATTACH = ('Attachment Management - Block Dangerous File Types', 'ATTACHMENT_MANAGEMENT_BLOCK_DANGEROUS_FILE_TYPES',
          'Default Attachment Management Definition - Block Dangerous File Types')
DLP = ('Message Hold Applied - Content Examination policy', 'MESSAGE_HOLD_APPLIED_CONTENT_EXAMINATION_POLICY',
       'Outbound DLP - Confidential Information')
SPOOF = ('Message Hold Applied - Anti-Spoofing policy', 'MESSAGE_HOLD_APPLIED_ANTI_SPOOFING_POLICY', 'Anti-Spoofing - Hold Inbound Spoofed Senders')
IMPERS = ('Message Hold Applied - Impersonation Protection policy', 'MESSAGE_HOLD_APPLIED_IMPERSONATION_PROTECTION_POLICY',
          'Default Impersonation Protection Definition')
URLP = ('Message Hold Applied - URL Protect policy', 'MESSAGE_HOLD_APPLIED_URL_PROTECT_POLICY', 'Default Outbound URL Protect Definition')

NEWSLETTER_SENDERS = [
    ('news@news.vendor.example', 'Vendor News'),
    ('digest@digest.saasweekly.example', 'SaaS Weekly'),
    ('updates@news.vendor.example', 'Vendor Product Updates'),
    ('hello@mail.cloudtools.example', 'CloudTools'),
    ('newsletter@digest.saasweekly.example', 'SaaS Weekly Digest'),
    ('events@news.vendor.example', 'Vendor Events'),
]
NEWSLETTER_SUBJECTS = [
    'Your weekly digest: {n} stories you missed', 'SaaS Weekly #{n}: pricing trends', 'Product update {n}: new dashboards',
    'Webinar invite: security automation ({n} seats left)', 'Monthly newsletter - issue {n}', 'Weekly digest for the week {n}',
]
SPAM_SENDERS = [('promo@cheap-deals.example', 'Deals'), ('win@lottery-prize.example', 'Prize Team'), ('seo@rank-fast.example', '')]
SPAM_SUBJECTS = ['You have won {n} USD', 'Rank #1 on search in {n} days', 'Limited offer: {n}% off']
EXTERNAL = [('billing@supplier-one.example', 'Supplier One Billing'), ('ap@partner-corp.example', 'Partner Corp AP'),
            ('jane.doe@gmail.example', 'Jane Doe'), ('contact@lawfirm.example', 'Law Firm')]
ATTACH_SUBJECTS = ['Invoice {n} attached', 'Scanned document {n}', 'Remittance advice {n}', 'Order confirmation {n}']
DLP_SUBJECTS = ['Confidential: Q3 payroll', 'Customer list export {n}', 'Salary review {n} - confidential', 'Board pack draft {n}',
                'Credit card numbers for reconciliation']
SPOOF_SENDERS = [('ceo@examp1e.com', 'Chief Executive'), ('cfo@example-corp.example', 'CFO Office'), ('it-support@example.co', 'IT Support')]
SPOOF_SUBJECTS = ['CEO urgent wire', 'Urgent wire transfer needed today', 'Quick favour - gift cards', 'Password expires today']
URL_SUBJECTS = ['Shared file: {n}.pdf', 'Review this document {n}', 'Your mailbox is almost full']
FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar', 'peggy', 'trent', 'victor', 'wendy']
LAST = ['smith', 'jones', 'brown', 'taylor', 'wilson', 'evans', 'walker', 'wright', 'hall', 'green']
INTERNAL_DOMAINS = ['example.com', 'example.com', 'finance.example.com', 'sales.example.com']
HELD_GROUPS = ['administrator'] * 6 + ['moderator', 'user', 'cluster']


class Message:
    """One held (or formerly held) message."""

    __slots__ = ('id', 'ts', 'record', 'json', 'state', 'to_l', 'search', 'route', 'held_group', 'has_att', 'policy',
                 'sender_ip', 'extra')

    def __init__(self, record, held_group, sender_ip, ts):
        self.record = record
        self.id = record['id']
        self.ts = ts
        self.state = 'held'
        self.held_group = held_group
        self.sender_ip = sender_ip
        self.route = record['route'].upper()
        self.has_att = bool(record['hasAttachments'])
        self.policy = record.get('policyInfo', '')
        self.to_l = {(record['to'] or {}).get('emailAddress', '').lower(), (record['toHeader'] or {}).get('emailAddress', '').lower()}
        self.extra = None
        frm = record['from'] or {}
        frh = record['fromHeader'] or {}
        to = record['to'] or {}
        toh = record['toHeader'] or {}
        sender = ' '.join([frm.get('emailAddress', ''), frm.get('displayableName', ''), frh.get('emailAddress', ''), frh.get('displayableName', '')])
        recipient = ' '.join([to.get('emailAddress', ''), to.get('displayableName', ''), toh.get('emailAddress', ''), toh.get('displayableName', '')])
        self.search = {
            'subject': (record.get('subject') or '').lower(),
            'sender': sender.lower(),
            'recipient': recipient.lower(),
            'reasoncode': ' '.join([record.get('reasonCode') or '', record.get('reasonId') or '', record.get('reason') or '']).lower(),
            'senderip': sender_ip,
        }
        self.search['all'] = ' '.join(self.search.values())
        self.json = json.dumps(record, separators=(',', ':'))

    @property
    def key(self):
        return (self.ts, self.id)


def new_id(rng, used):
    while True:
        mid = 'eNp' + base64.urlsafe_b64encode(rng.getrandbits(8 * 117).to_bytes(117, 'big')).decode().rstrip('=')
        if mid not in used:
            used.add(mid)
            return mid


def _person(rng, domains=None):
    first = rng.choice(FIRST)
    last = rng.choice(LAST)
    dom = rng.choice(domains or INTERNAL_DOMAINS)
    return '%s.%s@%s' % (first, last, dom), '%s %s' % (first.title(), last.title())


def _category(rng):
    roll = rng.random()
    if roll < 0.60:
        return 'newsletter'
    if roll < 0.82:
        return 'dlp'
    if roll < 0.88:
        return 'spoof'
    if roll < 0.92:
        return 'impersonation'
    if roll < 0.96:
        return 'attachment'
    if roll < 0.98:
        return 'url'
    return 'spam'


def make_record(rng, used, now, api_user, category=None, to_api_user=False):
    cat = category or _category(rng)
    n = rng.randint(2, 999)
    route = 'INBOUND'
    has_att = False
    size = rng.randint(3000, 90000)
    recipient, rname = _person(rng)
    if to_api_user:
        recipient, rname = api_user, 'API User'
    if cat == 'newsletter':
        reason = SPAM_SIG if rng.random() < 0.5 else SPAM_DET
        sender, sname = rng.choice(NEWSLETTER_SENDERS)
        subject = rng.choice(NEWSLETTER_SUBJECTS).format(n=n)
        size = rng.randint(20000, 160000)
    elif cat == 'spam':
        reason = SPAM_SIG if rng.random() < 0.5 else SPAM_DET
        sender, sname = rng.choice(SPAM_SENDERS)
        subject = rng.choice(SPAM_SUBJECTS).format(n=n)
    elif cat == 'dlp':
        reason = DLP
        route = 'OUTBOUND' if rng.random() < 0.9 else 'INTERNAL'
        sender, sname = _person(rng)
        if to_api_user:
            sender, sname = api_user, 'API User'
        if route == 'OUTBOUND':
            recipient, rname = rng.choice(EXTERNAL)
        elif not to_api_user:
            recipient, rname = _person(rng, ['finance.example.com'])
        subject = rng.choice(DLP_SUBJECTS).format(n=n)
        has_att = rng.random() < 0.7
    elif cat == 'spoof':
        reason = SPOOF
        sender, sname = rng.choice(SPOOF_SENDERS)
        subject = rng.choice(SPOOF_SUBJECTS)
    elif cat == 'impersonation':
        reason = IMPERS
        sender, sname = rng.choice(SPOOF_SENDERS + EXTERNAL)
        subject = rng.choice(SPOOF_SUBJECTS)
    elif cat == 'attachment':
        reason = ATTACH
        sender, sname = rng.choice(EXTERNAL)
        subject = rng.choice(ATTACH_SUBJECTS).format(n=n)
        has_att = True
        size = rng.randint(50000, 4000000)
    else:
        reason = URLP
        if rng.random() < 0.5:
            route = 'OUTBOUND'
            sender, sname = _person(rng)
            recipient, rname = rng.choice(EXTERNAL)
        else:
            sender, sname = rng.choice(EXTERNAL)
        subject = rng.choice(URL_SUBJECTS).format(n=n)
    ts = int(now - rng.uniform(120, 14 * DAY - 3600))
    header_from = sender
    if cat == 'spoof':
        header_from = 'ceo@example.com'
    record = {
        'id': new_id(rng, used),
        'reason': reason[0],
        'reasonId': reason[1],
        'reasonCode': reason[1].lower(),
        'from': addr(sender, ''),
        'fromHeader': addr(header_from, sname),
        'to': addr(recipient, ''),
        'toHeader': addr(recipient, rname),
        'subject': subject,
        'route': route,
        'hasAttachments': has_att,
        'size': size,
        'dateReceived': fmt_date(ts),
        'policyInfo': reason[2],
    }
    ip = '%d.%d.%d.%d' % (rng.choice([34, 52, 54, 185, 198]), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
    return Message(record, rng.choice(HELD_GROUPS), ip, ts)


def make_held(count, seed, now, api_user=DEFAULT_API_USER, used=None):
    rng = random.Random('held-%s' % seed)
    used = set() if used is None else used
    out = []
    own = min(count, max(3, count // 50)) if count else 0
    for i in range(count):
        out.append(make_record(rng, used, now, api_user, to_api_user=i < own))
    return out


def message_from_fields(fields, rng, used, now, api_user):
    """Build a held message from test-supplied API record fields (defaults filled in)."""
    base = make_record(rng, used, now, api_user).record
    rec = dict(base)
    mid = fields.get('id')
    if mid:
        if mid in used:
            raise ValueError('duplicate id %s' % mid)
        used.add(mid)
        rec['id'] = mid
    for key in ('reason', 'reasonId', 'reasonCode', 'subject', 'route', 'hasAttachments', 'size', 'policyInfo', 'dateReceived'):
        if key in fields:
            rec[key] = fields[key]
    for key in ('from', 'fromHeader', 'to', 'toHeader'):
        if key in fields:
            val = fields[key]
            rec[key] = addr(val) if isinstance(val, str) else {'emailAddress': val.get('emailAddress', ''), 'displayableName': val.get('displayableName', '')}
    if 'from' in fields and 'fromHeader' not in fields:
        rec['fromHeader'] = dict(rec['from'])
    if 'to' in fields and 'toHeader' not in fields:
        rec['toHeader'] = dict(rec['to'])
    if 'reasonId' in fields and 'reasonCode' not in fields:
        rec['reasonCode'] = str(fields['reasonId']).lower()
    if 'reasonCode' in fields and 'reasonId' not in fields:
        rec['reasonId'] = str(fields['reasonCode']).upper()
    ts = parse_api_date(rec['dateReceived'])
    return Message(rec, fields.get('heldGroup', 'administrator'), fields.get('senderIP', '198.51.100.7'), int(ts))


INFO_TEXTS = [
    'Time out waiting for cached result to finish, result is empty',
    '421 4.7.0 Try again later, closing connection',
    'Connection timed out to mx.partner-corp.example',
    '451 4.3.0 Temporary local problem - please try later',
    'Awaiting content examination',
    'Remote server greylisted the message',
]


def make_processing(count, bulk, seed, now):
    rng = random.Random('queue-%s' % seed)
    used = set()
    out = []
    for qtype, n_items in (('processing', count), ('bulk_processing', bulk)):
        for dummy in range(n_items):
            route = rng.choice(['inbound', 'inbound', 'outbound', 'internal'])
            if route == 'inbound':
                frm, dummy = rng.choice(EXTERNAL + NEWSLETTER_SENDERS)
                to, dummy = _person(rng)
            elif route == 'outbound':
                frm, dummy = _person(rng)
                to, dummy = rng.choice(EXTERNAL)
            else:
                frm, dummy = _person(rng)
                to, dummy = _person(rng)
            created = int(now - rng.uniform(60, 2 * DAY))
            attempts = rng.randint(1, 6)
            subject = rng.choice(NEWSLETTER_SUBJECTS + ATTACH_SUBJECTS + ['Meeting notes', 'Project update']).format(n=rng.randint(2, 999))
            rec = {
                'id': new_id(rng, used),
                'fromEnv': {'emailAddress': frm},
                'fromHeader': {'emailAddress': frm},
                'to': {'emailAddress': to},
                'subject': subject,
                'attachment': rng.random() < 0.3,
                'routing': route,
                'size': rng.randint(2000, 200000),
                'remoteIp': '%d.%d.%d.%d' % (rng.choice([34, 52, 54]), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)),
                'attempts': attempts,
                'nextAttempt': fmt_date(created + attempts * 300 + 600),
                'created': fmt_date(created),
                'info': rng.choice(INFO_TEXTS),
                'priority': 'bulk' if qtype == 'bulk_processing' else rng.choice(['normal', 'normal', 'high']),
            }
            out.append({'type': qtype, 'ts': created, 'record': rec, 'json': json.dumps(rec, separators=(',', ':'))})
    return out


def message_info(msg, api_user=DEFAULT_API_USER):
    """The get-message-info record of a held/released/rejected message."""
    del api_user
    rec = msg.record
    sent = rec['dateReceived']
    frm = rec['fromHeader']['emailAddress']
    to = rec['to']['emailAddress']
    info = {
        'fromHeader': frm,
        'fromEnvelope': rec['from']['emailAddress'],
        'to': [to],
        'cc': [],
        'subject': rec['subject'],
        'sent': sent,
        'processed': sent,
        'transmissionInfo': '<pre>\nReceived: from [%s] by relay.mimecast.com with ESMTP\r\n</pre>' % msg.sender_ip,
    }
    meta = {
        'receiptEvent': 'Email Received',
        'spamEvent': 'na',
        'messageExpiresIn': max(0, 14 - int((time.time() - msg.ts) // DAY)),
        'processingServer': 'eu-mta-101.eu.mimecast.lan',
        'transmissionSize': rec['size'],
        'binaryEmailSize': rec['size'] + 60,
        'remoteIp': msg.sender_ip,
        'remoteHost': 'mail.%s' % rec['from']['emailAddress'].split('@')[-1],
        'remoteServerGreeting': 'EHLO mail.%s' % rec['from']['emailAddress'].split('@')[-1],
        'receiptAcknowledgement': '250 Received OK',
        'transmissionStart': sent,
        'transmissionEnd': sent,
        'encryptionInfo': 'TLS',
        'components': [{'type': 'Email Transmission File', 'name': 'transmission.eml', 'extension': 'eml', 'mimeType': 'message/rfc822-stubbed',
                        'size': rec['size'], 'hash': msg.id[3:67].lower()}],
    }
    delivered = {}
    if msg.state == 'released':
        dinfo = dict(info, route=rec['route'].lower())
        delivered[to] = {
            'messageInfo': dinfo,
            'policyInfo': [{'policyType': 'Hold', 'policyName': rec['policyInfo'], 'inherited': False}],
            'deliveryMetaInfo': {'deliveryEvent': 'Email Delivered after release from hold', 'emailAddress': to, 'messageExpiresIn': 7,
                                 'processingServer': 'eu-mta-101.eu.mimecast.lan', 'transmissionSize': rec['size'], 'remoteIp': '192.0.2.25',
                                 'remoteHost': 'mx.example.com', 'remoteServerGreeting': '220 mx.example.com ESMTP',
                                 'receiptAcknowledgement': '250 OK: message queued', 'transmissionStart': sent, 'transmissionEnd': sent,
                                 'encryptionInfo': 'TLS', 'components': []},
        }
    spam = rec['reasonCode'].find('spam') >= 0
    return {
        'recipientInfo': {'messageInfo': info, 'recipientMetaInfo': meta},
        'deliveredMessage': delivered,
        'retentionInfo': {'currentPurgeDate': fmt_date(msg.ts + 30 * DAY), 'purgeBasedOn': 'original', 'originalPurgeDate': fmt_date(msg.ts + 30 * DAY),
                          'retentionAdjustmentDays': -1, 'litigationHoldInfo': [], 'fbrStamps': [], 'smartTags': [], 'fbrExpireCheck': [], 'audits': []},
        'status': {'held': 'held', 'released': 'released', 'rejected': 'rejected'}[msg.state],
        'spamInfo': {'spamScore': 8 if spam else 0, 'detectionLevel': 'relaxed',
                     'spamProcessingDetail': {'rbl': {'allow': True, 'info': ''}, 'greyEmail': False,
                                              'spf': {'allow': True, 'info': 'fail' if 'SPOOF' in rec['reasonId'] else 'pass'},
                                              'dkim': {'allow': True, 'info': 'unknown'}, 'dmarc': {'allow': True, 'info': 'unknown'},
                                              'permittedSender': {'allow': True, 'info': 'none'}, 'managedSender': {'allow': True, 'info': 'unknown'}}},
        'id': msg.id,
    }


HISTORY_OPERATORS = ['secops.admin@example.com', 'helpdesk@example.com', 'mail.admin@example.com']
HISTORY_DAYS = 14
# what the console's administrators did with each kind of hold: the chance that they released it (else they rejected it),
# and the reason they gave for a rejection. Mostly what a sensible policy says (newsletters released, outbound DLP
# and spoofing rejected), with the exceptions people make, so that rules back-tested against the log agree with most
# of it and disagree with some of it in both directions.
HISTORY_DECISIONS = {
    'newsletter': (0.92, 'MESSAGE GOES AGAINST EMAIL POLICIES'),
    'spam': (0.05, 'MESSAGE CONTAINS UNDESIRABLE CONTENT'),
    'dlp': (0.12, 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'),
    'dlp_internal': (0.6, 'MESSAGE CONTAINS CONFIDENTIAL INFORMATION'),
    'spoof': (0.03, 'INAPPROPRIATE COMMUNICATION'),
    'impersonation': (0.08, 'INAPPROPRIATE COMMUNICATION'),
    'attachment': (0.55, 'MESSAGE GOES AGAINST EMAIL POLICIES'),
    'url': (0.5, 'MESSAGE GOES AGAINST EMAIL POLICIES'),
}


def make_release_history(count, seed, now, api_user=DEFAULT_API_USER, used=None, days=HISTORY_DAYS):
    """``count`` release-log entries (messages released or rejected before the run, over the last ``days`` days), oldest first.

    Operators are a few console administrators and the API user. What they did depends on the kind of hold
    (``HISTORY_DECISIONS``): about 90 % of newsletters released, most outbound DLP hits, spoofing and spam rejected.
    """
    rng = random.Random('release-history-%s' % seed)
    used = set() if used is None else used
    operators = HISTORY_OPERATORS + [api_user]
    span = max(float(days), 0.01) * DAY
    out = []
    for dummy in range(count):
        category = _category(rng)
        msg = make_record(rng, used, now, api_user, category=category)
        kind = 'dlp_internal' if category == 'dlp' and msg.route != 'OUTBOUND' else category
        chance, reason_type = HISTORY_DECISIONS[kind]
        rejected = rng.random() >= chance
        ts = int(now - rng.uniform(60, span))
        out.append({
            'ts': ts, 'id': msg.id, 'status': 'rejected' if rejected else 'released', 'operator': rng.choice(operators),
            'rejectReason': reason_type if rejected else '',
            'messageInfo': 'Rejected from the administration console' if rejected else '',
            'record': msg.record, 'heldGroup': msg.held_group,
        })
    out.sort(key=lambda e: (e['ts'], e['id']))
    return out
