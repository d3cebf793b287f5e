"""meta/runtime.yml: the `mimecast` action group holds exactly the collection's modules that talk to the API.

`module_defaults: {group/secops.mimecast.mimecast: {...}}` must reach every such module, so a module
missing from the group (or a group entry naming no module) is a user-visible bug. A module without a
connection (rules_test: no API, no credentials) must not be in it: the group's defaults would hand it
connection options it does not take.
"""
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
RUNTIME = ROOT / "meta" / "runtime.yml"
MODULES_DIR = ROOT / "plugins" / "modules"
FQCN_PREFIX = "secops.mimecast."

# the modules the contract names (docs/../shared/spec/CONTRACT.md)
CONTRACT_MODULES = {
    "mimecast_held_info",
    "mimecast_hold_release",
    "mimecast_hold_reject",
    "mimecast_queue_info",
    "mimecast_message_info",
    "mimecast_held_summary_info",
    "mimecast_held_release_logs_info",
    "mimecast_managed_sender",
}
# modules that make no API request and take no connection option
NO_CONNECTION = {"mimecast_rules_test"}


@pytest.fixture(scope="module")
def runtime():
    with RUNTIME.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _short(name):
    return name[len(FQCN_PREFIX):] if name.startswith(FQCN_PREFIX) else name


def module_names():
    if not MODULES_DIR.is_dir():
        return set()
    return {p.stem for p in MODULES_DIR.glob("*.py") if p.stem != "__init__" and not p.stem.startswith("_")}


def group(runtime):
    groups = runtime.get("action_groups") or {}
    assert "mimecast" in groups, "meta/runtime.yml has no action group 'mimecast'"
    entries = groups["mimecast"]
    assert isinstance(entries, list), "action_groups.mimecast must be a list"
    return entries


def test_requires_ansible(runtime):
    assert runtime.get("requires_ansible") == ">=2.15.0"


def test_action_group_has_no_duplicates(runtime):
    names = [_short(e) for e in group(runtime) if isinstance(e, str)]
    assert len(names) == len(set(names)), "duplicate entries in action_groups.mimecast: %s" % names


def test_every_module_is_in_the_action_group(runtime):
    in_group = {_short(e) for e in group(runtime) if isinstance(e, str)}
    missing = sorted(module_names() - NO_CONNECTION - in_group)
    assert not missing, (
        "modules missing from action_groups.mimecast in meta/runtime.yml: %s" % ", ".join(missing))


def test_action_group_names_only_existing_modules(runtime):
    in_group = {_short(e) for e in group(runtime) if isinstance(e, str)}
    unknown = sorted(in_group - module_names())
    assert not unknown, (
        "action_groups.mimecast names modules that do not exist in plugins/modules/: %s"
        % ", ".join(unknown))


def test_contract_modules_are_in_the_action_group(runtime):
    in_group = {_short(e) for e in group(runtime) if isinstance(e, str)}
    assert CONTRACT_MODULES <= in_group, sorted(CONTRACT_MODULES - in_group)


def test_modules_without_a_connection_are_not_in_the_action_group(runtime):
    in_group = {_short(e) for e in group(runtime) if isinstance(e, str)}
    assert NO_CONNECTION <= module_names() and not NO_CONNECTION & in_group
