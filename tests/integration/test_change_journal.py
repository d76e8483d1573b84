"""The suite-wide check that no change reaches a device without confirmation
(tests/conftest.py) must be able to fail: a change sent behind the agent's back is
caught, and an audit record confirms only the lines it names."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from netmiko import ConnectHandler

from agent.lab import scenarios as S
from agent.lab.journal import JOURNAL_ENV, is_change, read
from agent.lab.runner import RunningLab
from tests.conftest import unconfirmed_changes

pytestmark = pytest.mark.integration


@pytest.mark.lab_direct  # sends changes itself, then checks the check
def test_a_change_nobody_confirmed_is_caught(tmp_path: Path) -> None:
    built = S.build("asa-ios-stale-sa")
    asa = built.device("a")
    with RunningLab(built) as running, ConnectHandler(**running.netmiko_params(asa.name)) as conn:
        conn.enable()
        conn.send_command("show crypto ipsec sa")
        conn.send_command("clear crypto ipsec sa peer 198.51.100.2")
        conn.send_config_set(["no sysopt connection permit-vpn"])
    journal = Path(os.environ[JOURNAL_ENV])
    sent = [e["command"] for e in read(str(journal))]
    assert sent == ["clear crypto ipsec sa peer 198.51.100.2", "no sysopt connection permit-vpn"]
    assert len(unconfirmed_changes(journal, [tmp_path])) == 2

    record = {"device": asa.name, "command": "clear crypto ipsec sa peer 198.51.100.2", "output": "",
              "outcome": "ok", "action": "clear_sas", "confirmed_by": "--yes"}
    (tmp_path / "audit.jsonl").write_text(json.dumps(record) + "\n")
    left = unconfirmed_changes(journal, [tmp_path])
    assert [e["command"] for e in left] == ["no sysopt connection permit-vpn"]

    (tmp_path / "audit.jsonl").write_text(json.dumps({**record, "command": "no sysopt connection permit-vpn",
                                                      "outcome": "dry_run"}) + "\n")
    assert len(unconfirmed_changes(journal, [tmp_path])) == 2  # a dry run confirms nothing


@pytest.mark.parametrize("line, in_config, change", [
    ("clear crypto sa peer 10.0.0.1", False, True),
    ("cle cry isa sa", False, True),
    ("write memory", False, True),
    ("do clear crypto sa", False, True),
    ("show crypto isakmp sa", False, False),
    ("ping 10.0.0.1 source inside", False, False),
    ("configure terminal", False, False),
    ("crypto map VPN 10 set pfs group14", True, True),
    ("no crypto map VPN interface outside", True, True),
    ("end", True, False),
    ("exit", True, False),
    ("terminal width 511", True, False),
])
def test_what_counts_as_a_change(line: str, in_config: bool, change: bool) -> None:
    assert is_change(line, in_config) is change
