"""Fixes an engineer can paste (issue 17), over SSH: the diagnosis's computed lines,
sent by a plain netmiko script as an operator would (outside the agent), bring the
tunnel up on a live re-diagnosis; the rollback brings back the original cause.  A few
scenarios, one per kind of line (an IOS ACL, an ASA route, a key's place); every
scenario is covered offline by tests/unit/engine/test_fixes.py."""

from __future__ import annotations

import pytest
from netmiko import ConnectHandler

from agent.collector import TunnelCollector
from agent.engine.model import Diagnosis
from agent.lab import scenarios as S
from agent.lab.runner import RunningLab
from agent.live import diagnose_live
from tests.unit.engine.test_fixes import CLEAR, chosen, fill

pytestmark = [pytest.mark.integration, pytest.mark.lab_direct]


def _diagnose(built: S.BuiltLab, lab: RunningLab, send: bool = False) -> Diagnosis:
    """A live diagnosis; ``send``: interesting traffic first, as the operator sends after a change."""
    sc = built.scenario
    if send and sc is not None:
        S.probe(built, sc.probe)
    with TunnelCollector(built.tunnels[0].name, lab.targets(0), **lab.collector_options()) as col:
        return diagnose_live(col, lab.probe()).diagnosis


def _operator(lab: RunningLab, device: str, lines: list[str]) -> None:
    """Configuration lines, then the SA and log clears, on one device over SSH."""
    conn = ConnectHandler(**lab.netmiko_params(device), fast_cli=False)
    try:
        conn.enable()
        out = conn.send_config_set(lines) if lines else ""
        assert "Invalid input" not in out and "ERROR:" not in out, out
        for command in CLEAR[lab.built.lab.devices[device].platform.value]:
            conn.send_command_timing(command)
    finally:
        conn.disconnect()


@pytest.mark.parametrize("name", ["asa-ios-proxy-mismatch", "asa-ios-routing-missing", "asa-ios-psk-mismatch"])
def test_the_pasted_change_brings_the_tunnel_up_and_the_rollback_brings_the_cause_back(name: str) -> None:
    built = S.build(name)
    sc = built.scenario
    assert sc is not None
    with RunningLab(built) as lab:
        before = _diagnose(built, lab)
        assert before.root_cause.code == sc.expect and before.root_cause.change is not None
        option = chosen(built, before.root_cause.change)
        devices = [d.name for d in built.lab.devices.values()]
        for dev in devices:  # the clears on both devices, the lines on the device that changes
            _operator(lab, dev, [ln for c in option.changes if c.device == dev for ln in fill(built, dev, c.lines)])
        assert _diagnose(built, lab, send=True).root_cause.code == "TUNNEL_UP"
        for dev in devices:
            _operator(lab, dev, [ln for c in option.changes if c.device == dev for ln in fill(built, dev, c.rollback)])
        assert _diagnose(built, lab, send=True).root_cause.code == sc.expect
