"""`ipsec-agent collect` end to end: lab inventory in, bundle out, no secret on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.collector import read_bundle
from agent.lab import scenarios as S
from agent.lab.runner import RunningLab

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.mark.parametrize("scenario, code, failed", [
    ("asa-asa-healthy", 0, None), ("asa-ios-psk-mismatch", 0, None), ("ios-ios-stale-sa", 0, None),
    ("asa-ios-ssh-auth-refused", 3, "br-rtr"),
])
def test_collect_writes_a_bundle(scenario: str, code: int, failed: str | None, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    built = S.build(scenario)
    with RunningLab(built) as lab:
        inv = tmp_path / "inv" / "inventory.yaml"
        lab.write_inventory(inv)
        for key, value in lab.env().items():
            monkeypatch.setenv(key, value)
        out = tmp_path / "bundle"
        result = runner.invoke(app, ["collect", built.tunnels[0].name, "-i", str(inv), "--out", str(out)])
    assert result.exit_code == code, result.output
    assert "bundle written" in result.output
    bundle = read_bundle(out)
    assert len(bundle.peers) == 2
    for peer in bundle.peers:
        if peer.name == failed:
            assert peer.error is not None and peer.error.kind == "auth" and not peer.outputs
        else:
            assert peer.error is None and peer.outputs
    sec = built.secrets
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            for secret in (sec.psk, sec.psk_other, sec.password, sec.enable):
                assert secret not in text, (secret, path)
    assert secret not in result.output
    assert (out / "agent.log").read_text().count('"event": "command"') > 10
    assert list((out / "sessions").glob("*.log"))


def test_collect_with_a_bad_inventory_is_a_clear_error(tmp_path: Path) -> None:
    inv = tmp_path / "inv.yaml"
    inv.write_text("devices:\n  - name: a\n    platform: junos\n")
    result = runner.invoke(app, ["collect", "t", "-i", str(inv), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "platform" in result.output and "Traceback" not in result.output


def test_collect_unknown_tunnel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = S.build("ios-ios-healthy")
    lab = RunningLab(built)
    lab.endpoints[0].port = lab.endpoints[1].port = 0
    inv = tmp_path / "inventory.yaml"
    for d in built.lab.devices.values():
        d.port = 2222
    import yaml

    inv.write_text(yaml.safe_dump(lab.inventory()))
    monkeypatch.setenv("IPSEC_LAB_PASSWORD", "x")
    monkeypatch.setenv("IPSEC_LAB_SECRET", "y")
    result = runner.invoke(app, ["collect", "nope", "-i", str(inv), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "nope" in result.output and "Traceback" not in result.output
