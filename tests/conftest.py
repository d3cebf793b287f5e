"""Test-session setup shared by tests/unit and tests/integration.

The tests run from the staged copy that `make stage` writes to
``.build/collections/ansible_collections/secops/mimecast`` (ansible needs a real
``ansible_collections/<namespace>/<name>`` path). This puts the directory that holds
``ansible_collections`` first on ``sys.path`` and in ``ANSIBLE_COLLECTIONS_PATH`` (for the
``ansible``/``ansible-playbook`` subprocesses of the integration tests), and the staged
``simulator/`` directory on ``sys.path`` and ``PYTHONPATH`` (``import mimecast_sim``).
"""
import os
import sys
from pathlib import Path

import pytest

COLLECTION_ROOT = Path(__file__).resolve().parent.parent
NAMESPACE, NAME = "secops", "mimecast"


def _prepend_env_path(var, path):
    parts = [p for p in os.environ.get(var, "").split(os.pathsep) if p and p != path]
    os.environ[var] = os.pathsep.join([path] + parts)


def _prepend_sys_path(path):
    while path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)


if (COLLECTION_ROOT.name, COLLECTION_ROOT.parent.name, COLLECTION_ROOT.parent.parent.name) != (
        NAME, NAMESPACE, "ansible_collections"):
    pytest.exit(
        "tests/conftest.py: these tests must run from an ansible_collections/%s/%s tree, not %s.\n"
        "Run `make units` / `make integration` (they stage the work tree into "
        ".build/collections/ansible_collections/%s/%s and run pytest there), or `make stage` and "
        "run pytest inside that directory." % (NAMESPACE, NAME, COLLECTION_ROOT, NAMESPACE, NAME),
        returncode=4,
    )

COLLECTIONS_DIR = str(COLLECTION_ROOT.parent.parent.parent)
SIMULATOR_DIR = str(COLLECTION_ROOT / "simulator")

_prepend_sys_path(COLLECTIONS_DIR)
os.environ["ANSIBLE_COLLECTIONS_PATH"] = COLLECTIONS_DIR
if os.path.isdir(SIMULATOR_DIR):
    _prepend_sys_path(SIMULATOR_DIR)
    _prepend_env_path("PYTHONPATH", SIMULATOR_DIR)
