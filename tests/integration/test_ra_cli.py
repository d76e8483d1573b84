"""A remote-access tunnel through the CLI over SSH, as an operator runs it: `lab up`'s
inventory (kind: remote-access), `diagnose --json`, `diagnose --yes` (a configuration
fault: the fix is named, nothing is changed), `collect` (the bundle keeps the kind) and
`diagnose --offline` of that bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from agent.cli import app
from agent.lab import scenarios as S
from tests.integration.lab_helpers import lab_with_inventory, received

pytestmark = pytest.mark.integration
runner = CliRunner()
STATE_CHANGING = ("clear ", "no crypto", "crypto ", "group-policy", "ip local pool")


def changes(built: S.BuiltLab) -> list[str]:
    return received(built, STATE_CHANGING)


@pytest.mark.parametrize("name", ["asa-ra-pfs-native-client", "asa-ra-pool-exhausted"])
def test_diagnose_json_and_yes_recommend_without_changing_anything(name: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    expect = S.get(name).expect
    with lab_with_inventory(name, tmp_path, monkeypatch) as (built, inv):
        doc_inv = yaml.safe_load(inv.read_text())
        assert doc_inv["tunnels"][0]["kind"] == "remote-access"
        tunnel = built.tunnels[0].name
        result = runner.invoke(app, ["diagnose", tunnel, "-i", str(inv), "--json"])
        assert result.exit_code == 1, result.output
        doc = json.loads(result.output)
        assert doc["root_cause"]["code"] == expect
        root = next(f for f in doc["findings"] if f["code"] == expect)
        assert root["remediation"] is None and root["fix"]["cisco_asa"] and root["evidence"]
        assert doc["steps"][0]["check"] == "ra_evidence"
        yes = runner.invoke(app, ["diagnose", tunnel, "-i", str(inv), "--yes", "--audit-log", str(tmp_path / "a.jsonl")])
        assert yes.exit_code == 1, yes.output
        assert expect in yes.output
        assert changes(built) == [], changes(built)


def test_collect_keeps_the_kind_and_the_bundle_diagnoses_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with lab_with_inventory("asa-ra-simultaneous-logins", tmp_path, monkeypatch) as (built, inv):
        out = tmp_path / "bundle"
        result = runner.invoke(app, ["collect", built.tunnels[0].name, "-i", str(inv), "--out", str(out)])
        assert result.exit_code == 0, result.output
    meta = yaml.safe_load((out / "bundle.yaml").read_text())
    assert meta["kind"] == "remote-access" and meta["remote_access"]["pool"] == "Address-pool"
    assert "show ip local pool Address-pool" in meta["peers"][0]["outputs"]
    offline = runner.invoke(app, ["diagnose", "--offline", str(out), "--json"])
    assert offline.exit_code == 1, offline.output
    assert json.loads(offline.output)["root_cause"]["code"] == "SIMULTANEOUS_LOGINS_LIMIT"


@pytest.mark.parametrize("name", ["asa-ra-pool-exhausted", "asa-ra-l2tp-healthy", "ios-ra-pool-exhausted"])
def test_sweep_walks_a_remote_access_tunnel_with_the_ra_tree(name: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep reads the headend once with its read-only command set (no session database,
    no pool table by name) and still names the cause from the SA table, log and config."""
    with lab_with_inventory(name, tmp_path, monkeypatch) as (built, inv):
        result = runner.invoke(app, ["sweep", "-i", str(inv), "--db", str(tmp_path / "h.sqlite"), "--json"])
        assert changes(built) == []
    doc = json.loads(result.stdout)
    (tunnel,) = doc["tunnels"]
    assert tunnel["root_cause"]["code"] == S.get(name).expect, tunnel["steps"]
    assert tunnel["steps"][0]["check"] == "ra_evidence"
    assert result.exit_code == (0 if S.get(name).expect == "TUNNEL_UP" else 1), result.output
