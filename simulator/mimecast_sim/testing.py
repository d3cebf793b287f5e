"""Test harness: run the simulator in a subprocess (stdlib only on the test side).

    from mimecast_sim.testing import Simulator
    with Simulator(held=50, not_held_style='false') as sim:
        env = sim.credentials('1.0')      # MIMECAST_* variables for the collection
        ...
        assert sim.state()['counts']['released'] == 3

    with Simulator(tenants=3) as sim:     # tenant1 .. tenant3, each with its own credentials and data
        env = sim.credentials('2.0', tenant='tenant2')
        assert sim.state(tenant='tenant2')['counts']['released'] == 0
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from . import DEFAULT_CREDENTIALS
from .tenants import API_KEYS, DEFAULT_TENANT, inventory_text, tenant_credentials, write_private

SIM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cli_args(options):
    args = []
    for key, val in options.items():
        flag = '--' + key.replace('_', '-')
        if val is None or val is False:
            continue
        if val is True:
            args.append(flag)
        elif isinstance(val, (list, tuple)):
            for item in val:
                args += [flag, str(item)]
        else:
            args += [flag, str(val)]
    return args


class Simulator:
    """Context manager running `python -m mimecast_sim --port 0` with the given options (CLI option names, underscores allowed)."""

    def __init__(self, *extra_args, python=None, startup_timeout=30, **options):
        self.options = options
        self.extra_args = list(extra_args)
        self.python = python or sys.executable
        self.startup_timeout = startup_timeout
        self.tmpdir = None
        self.proc = None
        self.base_url = None
        self.cert_path = None
        self._log = None
        self._ctx = None
        self.creds = dict(DEFAULT_CREDENTIALS)
        for key in self.creds:
            if options.get(key):
                self.creds[key] = options[key]

    # ---- lifecycle -------------------------------------------------------------
    def start(self):
        self.tmpdir = tempfile.mkdtemp(prefix='mimecast-sim-')
        ready = os.path.join(self.tmpdir, 'ready')
        opts = dict(self.options)
        opts['port'] = opts.get('port', 0)
        opts['ready_file'] = ready
        if opts.get('tls'):
            self.cert_path = opts.setdefault('cert_out', os.path.join(self.tmpdir, 'cert.pem'))
        log_path = os.path.join(self.tmpdir, 'server.log')
        self._log = open(log_path, 'wb')  # pylint: disable=consider-using-with
        cmd = [self.python, '-m', 'mimecast_sim'] + _cli_args(opts) + self.extra_args
        env = dict(os.environ)
        env['PYTHONPATH'] = SIM_DIR + os.pathsep + env.get('PYTHONPATH', '')
        self.proc = subprocess.Popen(cmd, cwd=SIM_DIR, stdout=self._log, stderr=subprocess.STDOUT, env=env)  # pylint: disable=consider-using-with
        deadline = time.monotonic() + self.startup_timeout
        while not os.path.exists(ready):
            if self.proc.poll() is not None:
                raise RuntimeError('simulator exited (%s): %s' % (self.proc.returncode, self.log_text()))
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError('simulator did not start in %ss' % self.startup_timeout)
            time.sleep(0.05)
        with open(ready, encoding='utf-8') as fh:
            self.base_url = fh.read().strip()
        if self.cert_path:
            self._ctx = ssl.create_default_context(cafile=self.cert_path)
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        return False

    def log_text(self):
        """Everything the server wrote to stdout/stderr (its access log unless --log-file was given)."""
        if self._log is not None:
            self._log.flush()
        path = os.path.join(self.tmpdir, 'server.log')
        text = ''
        if os.path.exists(path):
            with open(path, encoding='utf-8', errors='replace') as fh:
                text = fh.read()
        log_file = self.options.get('log_file')
        if log_file and os.path.exists(log_file):
            with open(log_file, encoding='utf-8', errors='replace') as fh:
                text += fh.read()
        return text

    # ---- credentials -----------------------------------------------------------
    def tenant_creds(self, tenant=None):
        """All credentials of ``tenant`` (default tenant1), keyed by the collection's option names."""
        return tenant_credentials(self.creds, tenant or DEFAULT_TENANT)

    def credentials(self, api='1.0', tenant=None):
        """MIMECAST_BASE_URL and the MIMECAST_* credential variables of ``tenant`` (default tenant1) for ``api``."""
        creds = self.tenant_creds(tenant)
        env = {'MIMECAST_BASE_URL': self.base_url}
        for key in API_KEYS['2.0' if api == '2.0' else '1.0']:
            env['MIMECAST_' + key.upper()] = creds[key]
        return env

    def inventory(self, path, tls=None):
        """Write the YAML inventory of every tenant (as ``--inventory-file``); ``tls`` None: as the simulator runs."""
        tls = bool(self.options.get('tls')) if tls is None else tls
        write_private(path, inventory_text(self.base_url, self.creds, len(self.tenants()), tls))
        return path

    # ---- control endpoints -----------------------------------------------------
    def _control(self, method, path, body=None, tenant=None):
        data = None if body is None else json.dumps(body).encode()
        if tenant is not None:
            path += '?' + urllib.parse.urlencode({'tenant': tenant})
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=30, context=self._ctx) as resp:
            return json.loads(resp.read())

    def tenants(self):
        return self._control('GET', '/_sim/tenants')

    def state(self, tenant=None):
        return self._control('GET', '/_sim/state', tenant=tenant)

    def audit(self, tenant=None):
        return self._control('GET', '/_sim/audit', tenant=tenant)

    def stats(self, tenant=None):
        """One tenant's statistics (default tenant1); ``tenant='*'``: the sums plus ``tenants: {name: stats}``."""
        return self._control('GET', '/_sim/stats', tenant=tenant)

    def requests(self, tenant=None):
        return self._control('GET', '/_sim/requests', tenant=tenant)

    def reset(self, tenant=None, **kw):
        """Re-seed tenant1 and clear every tenant's faults; ``tenant=name``: that tenant only; ``tenant='*'``: all."""
        return self._control('POST', '/_sim/reset', kw, tenant=tenant)

    def config(self, tenant=None, **kw):
        """Set configuration for every tenant; ``tenant=name``: override it for that tenant only."""
        return self._control('POST', '/_sim/config', kw, tenant=tenant)

    def faults(self, faults, seed=None, tenant=None):
        """Replace the faults of every tenant; ``tenant=name``: that tenant's own faults."""
        body = {'faults': faults}
        if seed is not None:
            body['seed'] = seed
        return self._control('POST', '/_sim/faults', body, tenant=tenant)

    def clear_faults(self, tenant=None):
        return self._control('DELETE', '/_sim/faults', tenant=tenant)

    def add_messages(self, messages, tenant=None):
        return self._control('POST', '/_sim/messages', {'messages': messages}, tenant=tenant)['added']

    # ---- direct API calls (for tests of the simulator itself) -------------------
    def sign_headers(self, path, date=None, req_id=None, tenant=None):
        """API 1.0 headers of ``tenant`` (default tenant1), signed as the vendor documents."""
        creds = self.tenant_creds(tenant)
        date = date or datetime.datetime.now(datetime.timezone.utc).strftime('%a, %d %b %Y %H:%M:%S UTC')
        req_id = req_id or str(uuid.uuid4())
        msg = ':'.join([date, req_id, path, creds['app_key']])
        sig = base64.b64encode(hmac.new(base64.b64decode(creds['secret_key']), msg.encode(), hashlib.sha1).digest()).decode()
        return {'Authorization': 'MC %s:%s' % (creds['access_key'], sig), 'x-mc-app-id': creds['app_id'], 'x-mc-date': date,
                'x-mc-req-id': req_id, 'Content-Type': 'application/json', 'Accept': 'application/json'}

    def token(self, tenant=None):
        """An API 2.0 bearer token of ``tenant`` (default tenant1)."""
        creds = self.tenant_creds(tenant)
        form = urllib.parse.urlencode({'grant_type': 'client_credentials', 'client_id': creds['client_id'],
                                       'client_secret': creds['client_secret']}).encode()
        status, dummy, body = self.raw('POST', '/oauth/token', form, {'Content-Type': 'application/x-www-form-urlencoded'})
        if status != 200:
            raise RuntimeError('token request failed: %s %s' % (status, body))
        return body['access_token']

    def raw(self, method, path, data=None, headers=None, timeout=30):
        """Send one request; return (status, headers, parsed JSON or text). Raises on a dropped connection."""
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self._ctx) as resp:
                status, hdrs, text = resp.status, dict(resp.headers), resp.read().decode()
        except urllib.error.HTTPError as exc:
            status, hdrs, text = exc.code, dict(exc.headers), exc.read().decode()
        try:
            return status, hdrs, json.loads(text)
        except ValueError:
            return status, hdrs, text

    def call(self, path, data, meta=None, api='1.0', headers=None, token=None, timeout=30, tenant=None):
        """POST {"meta", "data"} with ``tenant``'s API 1.0 signing or an API 2.0 bearer token; return (status, headers, body)."""
        body = {'data': data}
        if meta is not None:
            body['meta'] = meta
        hdrs = self.sign_headers(path, tenant=tenant) if api == '1.0' else {'Authorization': 'Bearer ' + (token or self.token(tenant)),
                                                                            'Content-Type': 'application/json'}
        hdrs.update(headers or {})
        return self.raw('POST', path, json.dumps(body).encode(), hdrs, timeout=timeout)
