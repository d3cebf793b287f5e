"""The command line: a simulator that cannot start says why in one line (no traceback) and exits 2."""

import os
import socket
import subprocess
import sys

import pytest

SIM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start(*args, timeout=30):
    return subprocess.run([sys.executable, '-m', 'mimecast_sim'] + list(args), cwd=SIM_DIR, capture_output=True, text=True,
                          timeout=timeout, check=False)


def one_line_error(proc):
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert 'Traceback' not in proc.stderr and proc.stdout == '', proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith('python -m mimecast_sim: error: '), proc.stderr
    return lines[0]


def test_a_busy_port():
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    busy.bind(('127.0.0.1', 0))
    busy.listen(1)
    try:
        port = busy.getsockname()[1]
        line = one_line_error(start('--port', str(port)))
    finally:
        busy.close()
    assert line.endswith('port %d on 127.0.0.1 is in use (another simulator?): stop that, or give another --port '
                         '(--port 0: any free port)' % port)


@pytest.mark.parametrize('option', ['--env-file', '--inventory-file', '--ready-file', '--log-file', '--cert-out'])
def test_a_file_in_a_directory_that_does_not_exist(tmp_path, option):
    path = tmp_path / 'missing' / 'out.txt'
    line = one_line_error(start('--port', '0', option, str(path)))
    assert line.endswith('%s %s: directory %s does not exist' % (option, path, path.parent))
    assert not (tmp_path / 'missing').exists()


def test_a_directory_given_for_a_file(tmp_path):
    line = one_line_error(start('--port', '0', '--env-file', str(tmp_path)))
    assert line.endswith('--env-file %s is a directory: give the path of a file' % tmp_path)
