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
    assert len(doc["devices"]) == len(S.get(name).sides) and len(doc["tunnels"]) == 1
    assert doc["tunnels"][0].get("kind", "l2l") == S.get(name).kind
    assert all(d["host"] == "127.0.0.1" and d["port"] > 0 for d in doc["devices"])
    env_file = inv.with_suffix(".env")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert "IPSEC_LAB_PASSWORD" in env_file.read_text()
    text = inv.read_text()
    for line in env_file.read_text().splitlines():  # credentials by reference only
        assert line.split("=", 1)[1] not in text
    assert inv.with_suffix(".known_hosts").read_text().startswith("[127.0.0.1]:")


def test_lab_up_with_noise_prints_its_number_and_writes_the_nat_address(tmp_path: Path) -> None:
    inv = tmp_path / "inventory.yaml"
    result = runner.invoke(app, ["lab", "up", "--scenario", "asa-ios-natt-healthy", "--noise-seed", "4242",
                                 "--inventory-out", str(inv), "--duration", "0.2"])
    assert result.exit_code == 0, result.output
    assert "(replay with --noise-seed 4242)" in result.output
    branch = yaml.safe_load(inv.read_text())["tunnels"][0]["peers"][1]
    assert (branch["crypto_endpoint"], branch["nat_address"]) == ("192.168.50.2", "198.51.100.2")
    result = runner.invoke(app, ["lab", "up", "--scenario", "asa-ios-healthy", "--noise", "--duration", "0.2"])
    assert result.exit_code == 0 and "(replay with --noise-seed " in result.output, result.output


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


def test_demo_without_a_terminal_asks_nothing_and_changes_nothing() -> None:
    result = runner.invoke(app, ["demo"], input="")
    assert result.exit_code == 0, result.output
    assert "hq-asa" in result.output and "br-rtr" in result.output
    assert "root cause STALE_SA" in result.output
    assert "Not applied: nothing was changed" in result.output
    assert "clear crypto" in result.output  # the plan is shown before asking


def test_demo_yes_runs_the_whole_loop() -> None:
    result = runner.invoke(app, ["demo", "--yes"])
    assert result.exit_code == 0, result.output
    assert "clear crypto ipsec sa peer 198.51.100.2" in result.output
    assert "Tunnel hq-asa--br-rtr is up" in result.output and "Summary: STALE_SA" in result.output
    assert "Success rate is 100 percent" in result.output
