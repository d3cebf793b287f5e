"""Command line: python -m mimecast_sim [options]."""

import argparse
import asyncio
import base64
import binascii
import errno
import ipaddress
import os
import shlex
import ssl
import sys
import tempfile

from aiohttp import web

from . import DEFAULT_API_USER, DEFAULT_CREDENTIALS
from .console import ADDRESS_SHAPES, OPERATOR_SHAPES
from .data import HISTORY_DAYS
from .server import FAULT_KINDS, UNKNOWN_ID_STYLES, Fault, Simulator
from .tenants import CREDENTIAL_KEYS, inventory_text, write_private
from .tls import make_certificate


PROG = 'python -m mimecast_sim'
# the files the simulator writes, by option
OUTPUT_FILES = ('ready_file', 'env_file', 'inventory_file', 'log_file', 'cert_out')


class StartError(Exception):
    """The simulator cannot start: a one-line reason for the user (no traceback), exit status 2."""


def _env(name, default):
    return os.environ.get('MIMECAST_SIM_' + name, default)


def check_output_files(opts):
    """Refuse, before listening, a file to write whose directory does not exist or is not a directory."""
    for name in OUTPUT_FILES:
        path = getattr(opts, name, None)
        if not path:
            continue
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise StartError('--%s %s: directory %s does not exist' % (name.replace('_', '-'), path, folder))
        if os.path.isdir(path):
            raise StartError('--%s %s is a directory: give the path of a file' % (name.replace('_', '-'), path))


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog=PROG, description='Mimecast API simulator (loopback only, demo credentials).')
    p.add_argument('--host', default='127.0.0.1', help='loopback address to bind (default 127.0.0.1)')
    p.add_argument('--port', type=int, default=int(_env('PORT', '8025')), help='port, 0 = any free port (default 8025)')
    p.add_argument('--tls', action='store_true', help='serve HTTPS with a self-signed certificate generated at start')
    p.add_argument('--cert-out', help='write the self-signed certificate (PEM) here')
    p.add_argument('--ready-file', help='write the base URL here once listening')
    p.add_argument('--env-file', help='write export MIMECAST_* lines for the collection here')
    p.add_argument('--env-api', choices=('1.0', '2.0'), default='1.0', help='which credentials --env-file exports')
    p.add_argument('--inventory-file', help='write a YAML Ansible inventory of the tenants here (group mimecast_tenants)')
    p.add_argument('--tenants', type=int, default=int(_env('TENANTS', '1')),
                   help='tenants tenant1..tenantN, told apart by their credentials (default 1; tenant1 has the options\' credentials)')
    p.add_argument('--log-file', help='access log file (default stderr)')
    p.add_argument('--seed', type=int, default=1, help='random seed for data and faults (default 1)')
    p.add_argument('--held', type=int, default=200, help='number of held messages to seed, per tenant (default 200; tenant K seeds with seed+K-1)')
    p.add_argument('--processing', type=int, default=30, help='messages in the processing queue (default 30)')
    p.add_argument('--bulk', type=int, default=12, help='messages in the bulk processing queue (default 12)')
    p.add_argument('--api-user', default=_env('API_USER', DEFAULT_API_USER), help='mailbox of the API user (admin=false shows only its messages)')
    p.add_argument('--access-key', default=_env('ACCESS_KEY', DEFAULT_CREDENTIALS['access_key']))
    p.add_argument('--secret-key', default=_env('SECRET_KEY', DEFAULT_CREDENTIALS['secret_key']), help='base64')
    p.add_argument('--app-id', default=_env('APP_ID', DEFAULT_CREDENTIALS['app_id']))
    p.add_argument('--app-key', default=_env('APP_KEY', DEFAULT_CREDENTIALS['app_key']))
    p.add_argument('--client-id', default=_env('CLIENT_ID', DEFAULT_CREDENTIALS['client_id']))
    p.add_argument('--client-secret', default=_env('CLIENT_SECRET', DEFAULT_CREDENTIALS['client_secret']))
    p.add_argument('--token-ttl', type=float, default=1800, help='API 2.0 token lifetime in seconds (default 1800)')
    p.add_argument('--date-window', type=float, default=900, help='allowed x-mc-date skew in seconds (default 900)')
    p.add_argument('--clock-offset', type=float, default=0, help='shift the server clock by this many seconds')
    p.add_argument('--binding-expired', action='store_true', help='answer every API 1.0 call with 418 err_xdk_binding_expired')
    p.add_argument('--not-held-style', choices=('fail', 'false'), default='fail',
                   help='how release/reject answer an id that is not held: a fail entry (default) or release/reject false')
    p.add_argument('--unknown-id-style', choices=UNKNOWN_ID_STYLES, default='not_found',
                   help='how release/reject answer an id no message ever had: a fail entry err_message_not_found (default), '
                        'or as an id not held (--not-held-style)')
    p.add_argument('--rate-limit', type=int, default=0, help='requests allowed per window, 0 = unlimited (default)')
    p.add_argument('--rate-window', type=float, default=60, help='rate limit window in seconds (default 60)')
    p.add_argument('--retry-after', action='store_true', help='send Retry-After (seconds) with 429 answers')
    p.add_argument('--latency-ms', type=float, default=0, help='latency added to every API request (default 0)')
    p.add_argument('--release-history', type=int, default=0, help='release-log entries released or rejected before the start (default 0)')
    p.add_argument('--release-history-days', type=float, default=HISTORY_DAYS,
                   help='the seeded release-log entries are spread over this many days back (default %d)' % HISTORY_DAYS)
    p.add_argument('--release-log-operator', choices=OPERATOR_SHAPES, default='string',
                   help='release log operator as "admin@domain" (default) or {"email": ...}; mixed: each record one or the other')
    p.add_argument('--release-log-address', choices=ADDRESS_SHAPES, default='email',
                   help='release log addresses as {emailAddress, displayableName} (default) or {address, domain}; mixed: each record one or the other')
    p.add_argument('--release-log-forbidden', action='store_true', help='answer get-held-release-logs with 403 (role without Monitoring | Held | Read)')
    p.add_argument('--fault', action='append', default=[],
                   help='KIND[:PATH][:PROBABILITY][:ms=N][:seconds=N][:count=N], repeatable; kinds: ' + ', '.join(FAULT_KINDS))
    opts = p.parse_args(argv)
    if opts.host != 'localhost':
        try:
            if not ipaddress.ip_address(opts.host).is_loopback:
                p.error('--host must be a loopback address (the simulator accepts demo credentials)')
        except ValueError:
            p.error('--host must be a loopback IP address or localhost')
    if opts.tenants < 1:
        p.error('--tenants must be at least 1')
    try:
        base64.b64decode(opts.secret_key, validate=True)
    except binascii.Error:
        p.error('--secret-key must be base64')
    for fault in opts.fault:
        try:
            Fault.parse(fault)
        except (ValueError, TypeError) as exc:
            p.error('--fault %s: %s' % (fault, exc))
    return opts


def write_env_file(path, base_url, opts):
    lines = ['export MIMECAST_BASE_URL=%s' % shlex.quote(base_url)]
    if opts.env_api == '2.0':
        pairs = [('CLIENT_ID', opts.client_id), ('CLIENT_SECRET', opts.client_secret)]
    else:
        pairs = [('ACCESS_KEY', opts.access_key), ('SECRET_KEY', opts.secret_key), ('APP_ID', opts.app_id), ('APP_KEY', opts.app_key)]
    lines += ['export MIMECAST_%s=%s' % (k, shlex.quote(v)) for k, v in pairs]
    if opts.tls:
        lines.append('export MIMECAST_VALIDATE_CERTS=false  # self-signed simulator certificate')
    write_private(path, '\n'.join(lines) + '\n')


def write_inventory_file(path, base_url, opts):
    base = {key: getattr(opts, key) for key in CREDENTIAL_KEYS}
    write_private(path, inventory_text(base_url, base, opts.tenants, opts.tls))


async def serve(opts):
    try:
        sim = Simulator(opts)
    except OSError as exc:
        raise StartError('cannot open %s: %s' % (exc.filename or opts.log_file, exc.strerror or exc))
    runner = web.AppRunner(sim.app(), access_log=None, handle_signals=True)
    await runner.setup()
    try:
        await listen(runner, opts)
    finally:
        await runner.cleanup()


async def listen(runner, opts):
    """Listen, write the files asked for, then serve until stopped."""
    ssl_ctx = None
    if opts.tls:
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = make_certificate(tmp)
            ssl_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ssl_ctx.load_cert_chain(cert, key)
            if opts.cert_out:
                with open(cert, encoding='ascii') as src, open(opts.cert_out, 'w', encoding='ascii') as dst:
                    dst.write(src.read())
    site = web.TCPSite(runner, opts.host, opts.port, ssl_context=ssl_ctx, backlog=1024)
    try:
        await site.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartError('port %d on %s is in use (another simulator?): stop that, or give another --port '
                             '(--port 0: any free port)' % (opts.port, opts.host))
        raise StartError('cannot listen on %s port %d: %s' % (opts.host, opts.port, os.strerror(exc.errno) if exc.errno else exc))
    port = runner.addresses[0][1]
    host = opts.host if ':' not in opts.host else '[%s]' % opts.host
    base_url = '%s://%s:%d' % ('https' if opts.tls else 'http', host, port)
    try:
        if opts.env_file:
            write_env_file(opts.env_file, base_url, opts)
        if opts.inventory_file:
            write_inventory_file(opts.inventory_file, base_url, opts)
        print('Mimecast simulator listening on %s' % base_url, flush=True)
        if opts.ready_file:
            tmp_path = opts.ready_file + '.tmp'
            with open(tmp_path, 'w', encoding='utf-8') as fh:
                fh.write(base_url + '\n')
            os.replace(tmp_path, opts.ready_file)
    except OSError as exc:
        raise StartError('cannot write %s: %s' % (exc.filename, exc.strerror or exc))
    while True:
        await asyncio.sleep(3600)


def main(argv=None):
    opts = parse_args(argv)
    try:
        check_output_files(opts)
        asyncio.run(serve(opts))
    except KeyboardInterrupt:
        pass
    except StartError as exc:
        print('%s: error: %s' % (PROG, exc), file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
