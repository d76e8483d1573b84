"""`ipsec-agent lab ...` and `ipsec-agent demo` as a user runs them."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml
from netmiko import ConnectHandler
from typer.testing import CliRunner

from agent.cli import app
from agent.lab import scenarios as S

pytestmark = pytest.mark.integration
runner = CliRunner()


def test_lab_list_names_every_scenario_and_its_code() -> None:
    result = runner.invoke(app, ["lab", "list"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for sc in S.catalog().values():
        assert sc.name in result.output
        assert sc.expect in result.output


@pytest.mark.parametrize("name", sorted(S.catalog()))
def test_lab_up_starts_every_scenario_and_writes_an_inventory(name: str, tmp_path: Path) -> None:
    inv = tmp_path / "inventory.yaml"
    result = runner.invoke(app, ["lab", "up", "--scenario", name, "--inventory-out", str(inv), "--duration", "0.2"])
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(inv.read_text())
    assert len(doc["devices"]) == 2 and len(doc["tunnels"]) == 1
    assert all(d["host"] == "127.0.0.1" and d["port"] > 0 for d in doc["devices"])
    env_file = inv.with_suffix(".env")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert "IPSEC_LAB_PASSWORD" in env_file.read_text()
    text = inv.read_text()
    for line in env_file.read_text().splitlines():  # credentials by reference only
        assert line.split("=", 1)[1] not in text
    assert inv.with_suffix(".known_hosts").read_text().startswith("[127.0.0.1]:")


def test_unknown_scenario_is_a_clear_error() -> None:
    result = runner.invoke(app, ["lab", "up", "--scenario", "no-such-thing", "--duration", "0.1"])
    assert result.exit_code == 2
    assert "unknown scenario" in result.output
    assert "Traceback" not in result.output


def test_inventory_host_key_is_pinned(tmp_path: Path) -> None:
    from agent.lab.runner import RunningLab

    with RunningLab(S.build("ios-ios-healthy")) as running:
        kh = tmp_path / "kh"
        kh.write_text(running.known_hosts())
        params = running.netmiko_params("hq-rtr")
        with ConnectHandler(**params, ssh_strict=True, system_host_keys=False, alt_host_keys=True, alt_key_file=str(kh)) as conn:
            assert "hq-rtr" in conn.find_prompt()


def test_demo_runs_to_the_end_without_questions() -> None:
    result = runner.invoke(app, ["demo"], input="")
    assert result.exit_code == 0, result.output
    assert "hq-asa" in result.output and "br-rtr" in result.output
    assert "MM_ACTIVE" in result.output  # the ASA still holds its (stale) SA
    assert "invalid spi" in result.output.lower() or "There are no" in result.output


def test_lab_up_fleet_writes_every_tunnel(tmp_path: Path) -> None:
    inv = tmp_path / "fleet.yaml"
    result = runner.invoke(app, ["lab", "up", "--fleet", "12:6", "--inventory-out", str(inv), "--duration", "0.2"])
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(inv.read_text())
    assert len(doc["devices"]) == 6 and len(doc["tunnels"]) == 12
    assert len({t["name"] for t in doc["tunnels"]}) == 12


def test_lab_up_needs_exactly_one_source() -> None:
    result = runner.invoke(app, ["lab", "up", "--duration", "0.1"])
    assert result.exit_code == 2 and "exactly one" in result.output
    result = runner.invoke(app, ["lab", "up", "--fleet", "100:3", "--duration", "0.1"])
    assert result.exit_code == 2 and "at most 3 tunnels" in result.output
