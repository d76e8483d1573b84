"""Confirmed remediation over SSH: stale SAs and expired contexts cleared and verified,
an incomplete crypto map reapplied, a config mismatch left alone with the fix named, a
dry run that sends nothing, the blast radius of a reapply, and the guided session
through a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.collector import TunnelCollector
from agent.lab import scenarios as S
from agent.lab.fleet import FleetSpec, build_fleet
from agent.lab.runner import RunningLab
from agent.live import diagnose_live
from agent.remediate.actions import plan_reapply
from tests.integration.lab_helpers import lab_with_inventory, received

pytestmark = pytest.mark.integration
runner = CliRunner()
STATE_CHANGING = ("clear ", "no crypto map", "crypto map OUTSIDE_MAP interface")  # netmiko itself enters config mode on an ASA


def changes(built: S.BuiltLab) -> list[str]:
    return received(built, STATE_CHANGING)


@pytest.mark.parametrize("name, action", [
    ("asa-ios-stale-sa", "clear crypto ipsec sa peer 198.51.100.2"),
    ("ios-ios-stale-sa", "clear crypto session remote 198.51.100.2"),
    ("asa-asa-expired-context", "clear crypto ipsec sa peer 198.51.100.2"),
    ("asa-ios-map-incomplete", "crypto map OUTSIDE_MAP interface outside"),
    ("asa-ios-ikev2-stale-sa", "clear crypto ikev2 sa 198.51.100.2"),  # the ASA keeps IKEv2 SAs apart
])
def test_yes_applies_the_fix_and_verifies_up(name: str, action: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    audit = tmp_path / "audit.jsonl"
    with lab_with_inventory(name, tmp_path, monkeypatch) as (built, inv):
        result = runner.invoke(app, ["diagnose", built.tunnels[0].name, "-i", str(inv), "--yes", "--audit-log", str(audit)])
        sent = changes(built)
    assert result.exit_code == 0, result.output
    assert "is up" in result.output and "before / after" in result.output
    assert any(action in c for c in sent), sent
    assert S.get(name).ike == 2 or not any("ikev2" in c for c in sent), sent  # IKEv1 tunnels: IKEv1 clears only
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert records and all(r["diagnosis"] == S.get(name).expect and r["confirmed_by"] == "--yes" for r in records)
    assert all(r["outcome"] == "ok" and r["user"] for r in records)


def test_a_config_mismatch_is_not_cleared_and_the_fix_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with lab_with_inventory("asa-ios-transform-mismatch", tmp_path, monkeypatch) as (built, inv):
        result = runner.invoke(app, ["diagnose", built.tunnels[0].name, "-i", str(inv), "--yes",
                                     "--audit-log", str(tmp_path / "a.jsonl")])
        sent = changes(built)
    assert result.exit_code == 1, result.output
    assert "TRANSFORM_SET_MISMATCH" in result.output and "no automatic remediation" in result.output
    assert "crypto ipsec transform-set" in result.output  # which config to change, per platform
    assert sent == [] and not (tmp_path / "a.jsonl").exists()


def test_dry_run_sends_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with lab_with_inventory("asa-ios-stale-sa", tmp_path, monkeypatch) as (built, inv):
        result = runner.invoke(app, ["diagnose", built.tunnels[0].name, "-i", str(inv), "--dry-run", "--json",
                                     "--audit-log", str(tmp_path / "a.jsonl")])
        sent = changes(built)
    assert result.exit_code == 1, result.output
    doc = json.loads(result.output)
    assert doc["root_cause"]["code"] == "STALE_SA" and doc["remediation"]["status"] == "dry_run"
    assert "clear crypto ipsec sa peer 198.51.100.2" in doc["remediation"]["plan"]["commands"]["hq-asa"]
    assert sent == []


def test_without_a_terminal_or_yes_nothing_is_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with lab_with_inventory("asa-ios-stale-sa", tmp_path, monkeypatch) as (built, inv):
        result = runner.invoke(app, ["diagnose", built.tunnels[0].name, "-i", str(inv)], input="")
        sent = changes(built)
    assert result.exit_code == 1 and "not confirmed" in result.output
    assert sent == []


def test_blast_radius_of_a_reapply_lists_the_other_tunnels_on_the_map() -> None:
    built = build_fleet(FleetSpec.parse("12:6"))
    hub = "asa-000"
    index = next(i for i, t in enumerate(built.tunnels) if t.a == hub)
    tunnel = built.tunnels[index]
    expected = sorted(str(t.b_endpoint if t.a == hub else t.a_endpoint) for t in built.tunnels
                      if hub in (t.a, t.b) and t is not tunnel)
    assert len(expected) >= 2  # three or more tunnels on the hub's one crypto map
    with RunningLab(built) as lab, TunnelCollector(tunnel.name, lab.targets(index)) as col:
        live = diagnose_live(col, None)
        plan = plan_reapply(live.ctx, hub)
    assert plan.blast_radius[hub] == expected
    assert plan.drops_other_tunnels and "also drops the tunnels to" in plan.describe()


def _spawn(inv: Path, tunnel: str, audit: Path, env: dict[str, str]) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable, ["-m", "agent", "diagnose", tunnel, "-i", str(inv), "--audit-log", str(audit)],
        env={**os.environ, **env, "COLUMNS": "120", "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        encoding="utf-8", timeout=90, dimensions=(50, 120),
    )


@pytest.mark.slow
@pytest.mark.parametrize("answer", ["n", "y"])
def test_guided_session_through_a_pty(answer: str, tmp_path: Path) -> None:
    built = S.build("asa-ios-stale-sa")
    with RunningLab(built) as lab:
        inv = tmp_path / "inventory.yaml"
        lab.write_inventory(inv)
        audit = tmp_path / "audit.jsonl"
        spis = [sa.spi_out for sa in built.device("a").state.ipsec_sas]
        child = _spawn(inv, built.tunnels[0].name, audit, lab.env())
        child.expect("root cause STALE_SA")
        child.expect("proposed remediation")
        child.expect(r"Apply it\? \[y/N\]")
        child.sendline(answer)
        child.expect(pexpect.EOF)
        child.close()
        output = child.before or ""
        after = [sa.spi_out for sa in built.device("a").state.ipsec_sas]
        sent = changes(built)
    if answer == "n":
        assert child.exitstatus == 1 and "not confirmed" in output
        assert sent == [] and after == spis and not audit.exists()
    else:
        assert child.exitstatus == 0 and "is up" in output, output
        assert sent and after != spis
        records = [json.loads(line) for line in audit.read_text().splitlines()]
        assert [r["confirmed_by"] for r in records] == ["prompt"] * len(records) and records
    written = output + (audit.read_text() if audit.exists() else "")
    assert not [k for k, v in built.secrets.all.items() if v in written]  # no secret on the terminal or in the log


@pytest.mark.slow
@pytest.mark.parametrize("answer, code, exit_status", [("yes", "MTU_MSS", 1), ("no", "TUNNEL_UP", 0)])
def test_guided_session_asks_what_the_devices_cannot_show(answer: str, code: str, exit_status: int,
                                                          tmp_path: Path) -> None:
    built = S.build("asa-ios-healthy")
    with RunningLab(built) as lab:
        inv = tmp_path / "inventory.yaml"
        lab.write_inventory(inv)
        child = _spawn(inv, built.tunnels[0].name, tmp_path / "audit.jsonl", lab.env())
        child.expect("Do users report that small things work")
        child.expect(r"\[no/yes\]")
        child.sendline(answer)
        child.expect(pexpect.EOF)
        child.close()
        output = child.before or ""
    assert f"root cause {code}" in output, output
    assert "[no/yes]" not in output  # asked once, although the tree is walked again after the probe
    assert child.exitstatus == exit_status, output
