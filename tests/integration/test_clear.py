"""`ipsec-agent clear`: the scripted SA clear and its honest exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.lab import scenarios as S
from tests.integration.lab_helpers import lab_with_inventory

pytestmark = pytest.mark.integration
runner = CliRunner()


def _run(name: str, args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[S.BuiltLab, object]:
    with lab_with_inventory(name, tmp_path, monkeypatch) as (built, inv):
        result = runner.invoke(app, ["clear", built.tunnels[0].name, "-i", str(inv), "--json",
                                     "--audit-log", str(tmp_path / "audit.jsonl"), *args], input="")
    return built, result


def test_clear_repairs_a_stale_tunnel_and_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built, result = _run("asa-ios-stale-sa", ["--yes"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    doc = json.loads(result.output)  # type: ignore[attr-defined]
    assert doc["status"] == "cleared" and doc["up"] and doc["after"] in ("TUNNEL_UP", "TUNNEL_IDLE")
    assert doc["commands"]["br-rtr"] == ["clear crypto session remote 203.0.113.1"]
    assert len((tmp_path / "audit.jsonl").read_text().splitlines()) == 3


def test_clear_on_a_config_mismatch_exits_nonzero_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, result = _run("asa-ios-psk-mismatch", ["--yes"], tmp_path, monkeypatch)
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    doc = json.loads(result.output)  # type: ignore[attr-defined]
    assert doc["up"] is False and doc["why"].startswith("PSK_MISMATCH")


def test_clear_without_yes_or_terminal_sends_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built, result = _run("asa-ios-stale-sa", [], tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert json.loads(result.output)["status"] == "not_confirmed"  # type: ignore[attr-defined]
    assert not any(c.startswith("clear") for d in built.lab.devices.values() for c in d.state.commands)


def test_clear_dry_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built, result = _run("ios-ios-stale-sa", ["--dry-run", "--phase", "2"], tmp_path, monkeypatch)
    doc = json.loads(result.output)  # type: ignore[attr-defined]
    assert result.exit_code == 1 and doc["status"] == "dry_run"  # type: ignore[attr-defined]
    assert doc["commands"]["hq-rtr"] == ["clear crypto sa peer 198.51.100.2"]
    assert not any(c.startswith("clear") for d in built.lab.devices.values() for c in d.state.commands)
