"""Remediation refuses to act on a tunnel whose devices do not match the inventory: a
different device behind the address, or the crypto map not where the inventory says.
Nothing is sent and nothing is audited; the exit code is 2 (inventory error)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from agent.cli import app
from agent.lab import scenarios as S
from agent.lab.fleet import FleetSpec, build_fleet
from agent.lab.runner import RunningLab
from agent.remediate.guard import same_interface
from tests.integration.lab_helpers import received

pytestmark = pytest.mark.integration
runner = CliRunner(env={"COLUMNS": "300"})
CHANGING = ("clear", "crypto map", "no crypto map")


def _sent_changes(built: S.BuiltLab) -> list[str]:
    return received(built, CHANGING)


def _invoke(built: S.BuiltLab, tunnel: str, edit: Callable[[dict[str, Any], RunningLab], None], args: list[str],
            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    with RunningLab(built) as lab:
        inv = tmp_path / "inventory.yaml"
        lab.write_inventory(inv)
        doc = yaml.safe_load(inv.read_text())
        edit(doc, lab)
        inv.write_text(yaml.safe_dump(doc))
        for key, value in lab.env().items():
            monkeypatch.setenv(key, value)
        return runner.invoke(app, [*args[:1], tunnel, "-i", str(inv), *args[1:],
                                   "--audit-log", str(tmp_path / "audit.jsonl")], input="")


def _peer(doc: dict[str, Any], tunnel: str, device: str) -> dict[str, Any]:
    t = next(t for t in doc["tunnels"] if t["name"] == tunnel)
    return next(p for p in t["peers"] if p.get("device") == device)


@pytest.mark.parametrize("command", [["clear", "--yes", "--json"], ["diagnose", "--yes", "--json"]])
def test_a_different_device_behind_the_address_is_refused(command: list[str], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    spec = FleetSpec.parse("4:4")
    spec.faults = {0: "stale_sa"}
    built = build_fleet(spec)
    tunnel = built.tunnels[0]  # asa-000--rtr-001

    def wrong_router(doc: dict[str, Any], lab: RunningLab) -> None:
        # rtr-001's entry now reaches rtr-003 (same platform, same credentials, other address)
        other = next(d for d in doc["devices"] if d["name"] == "rtr-003")
        mine = next(d for d in doc["devices"] if d["name"] == tunnel.b)
        mine["port"] = other["port"]

    result = _invoke(built, tunnel.name, wrong_router, command, tmp_path, monkeypatch)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"does not hold the tunnel's crypto endpoint {tunnel.b_endpoint}" in text
    assert _sent_changes(built) == [] and not (tmp_path / "audit.jsonl").exists()


@pytest.mark.parametrize("field, value, message", [
    ("crypto_map", "OTHER-MAP", "no crypto map OTHER-MAP"),
    ("interface", "inside", "is bound to outside, not to inside"),
])
@pytest.mark.parametrize("command", [["clear", "--yes"], ["diagnose", "--yes"]])
def test_a_crypto_map_not_where_the_inventory_says_is_refused(field: str, value: str, message: str,
                                                              command: list[str], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    built = S.build("asa-ios-stale-sa")
    tunnel = built.tunnels[0]

    def move(doc: dict[str, Any], lab: RunningLab) -> None:
        _peer(doc, tunnel.name, tunnel.a)[field] = value

    spis = [sa.spi_out for sa in built.device("a").state.ipsec_sas]
    result = _invoke(built, tunnel.name, move, command, tmp_path, monkeypatch)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert _sent_changes(built) == [] and not (tmp_path / "audit.jsonl").exists()
    assert [sa.spi_out for sa in built.device("a").state.ipsec_sas] == spis


def test_dry_run_also_says_it_would_refuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = S.build("asa-ios-stale-sa")
    tunnel = built.tunnels[0]

    def move(doc: dict[str, Any], lab: RunningLab) -> None:
        _peer(doc, tunnel.name, tunnel.a)["crypto_map"] = "OTHER-MAP"

    result = _invoke(built, tunnel.name, move, ["diagnose", "--dry-run", "--json"], tmp_path, monkeypatch)
    doc = json.loads(result.stdout)
    assert result.exit_code == 2 and doc["remediation"]["status"] == "refused"
    assert doc["root_cause"]["code"] == "STALE_SA"  # the diagnosis itself is still given


@pytest.mark.parametrize("a, b, same", [
    ("Gi0/0", "GigabitEthernet0/0", True), ("gigabitethernet0/0", "GigabitEthernet0/0", True),
    ("outside", "OUTSIDE", True), ("Gi0/1", "GigabitEthernet0/0", False), ("outside", "inside", False),
    ("Te1/0/1", "TenGigabitEthernet1/0/1", True), ("Gi0/0", "TenGigabitEthernet0/0", False),
])
def test_interface_names_compare_as_the_device_abbreviates_them(a: str, b: str, same: bool) -> None:
    assert same_interface(a, b) is same
