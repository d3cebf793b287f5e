# -*- coding: utf-8 -*-
# Copyright (c) secops.mimecast contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`'s engine-only driver (bench/driver.py) against the simulator, in both connection modes.

The driver subclasses the client's transport (a new connection per request), so it breaks silently when
the client's transport changes; this runs it for real on a few ids.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from conftest import HERE, held_records

import ansible_collections.secops.mimecast as collection

DRIVER = os.path.join(HERE, '..', '..', 'bench', 'driver.py')
# the directory that holds ansible_collections/, for the driver's imports
COLLECTIONS_ROOT = os.path.abspath(os.path.join(list(collection.__path__)[0], '..', '..', '..'))


@pytest.mark.parametrize('mode', ['keepalive', 'fresh'])
def test_driver_releases_every_id(sim, tmp_path, mode):
    ids = [record['id'] for record in held_records(sim)][:12]
    ids_file = tmp_path / 'ids.json'
    ids_file.write_text(json.dumps(ids))
    proc = subprocess.run([sys.executable, DRIVER, '--base-url', sim.base_url, '--mode', mode, '--batch-size', '1',
                           '--concurrency', '2', '--ids-file', str(ids_file)],
                          capture_output=True, text=True, timeout=120, check=False,
                          env=dict(os.environ, PYTHONPATH=COLLECTIONS_ROOT))
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(proc.stdout)
    assert figures['mode'] == mode and figures['done'] == 12 and figures['failures'] == 0 and figures['requests'] == 12
    assert sorted(sim.state()['released']) == sorted(ids)
    assert sim.stats()['by_path']['/api/gateway/hold-release'] == {'200': 12}
