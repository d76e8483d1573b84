"""Fixes an engineer can paste (issue 17), over SSH: the diagnosis's computed lines,
sent by a plain netmiko script as an operator would (outside the agent), bring the
tunnel up on a live re-diagnosis; the rollback brings back the original cause - for
every scenario whose fix is a configuration change (tests/unit/engine/test_fixes.py does
the same on the lab's model without SSH)."""

from __future__ import annotations

import pytest
from netmiko import ConnectHandler

from agent.collector import TunnelCollector
from agent.engine.model import Diagnosis
from agent.lab import scenarios as S
from agent.lab.runner import RunningLab
from agent.live import diagnose_live
from tests.unit.engine.test_fixes import CLEAR, chosen, config_scenarios, fill
from tests.unit.engine.test_fixes_ra import CLEAR_LOG, LOGOFF, ra_scenarios

pytestmark = [pytest.mark.integration, pytest.mark.lab_direct]


def _diagnose(built: S.BuiltLab, lab: RunningLab, send: bool = False) -> Diagnosis:
    """A live diagnosis; ``send``: interesting traffic first, as the operator sends after a change."""
    sc = built.scenario
    if send and sc is not None:
        S.probe(built, sc.probe)
    with TunnelCollector(built.tunnels[0].name, lab.targets(0), **lab.collector_options()) as col:
        return diagnose_live(col, lab.probe()).diagnosis


def _operator(lab: RunningLab, device: str, lines: list[str], *commands: str) -> None:
    """What an operator types on one device over SSH: configuration lines, then commands
    (the clears, a log-off); a command that asks to confirm ("Clear logging buffer
    [confirm]") is answered, as a person does."""
    conn = ConnectHandler(**lab.netmiko_params(device))
    try:
        conn.enable()
        out = conn.send_config_set(lines) if lines else ""
        assert "Invalid input" not in out and "ERROR:" not in out, out
        for command in commands:
            out = conn.send_command(command, expect_string=r"\[confirm\]|#\s*$", read_timeout=20)
            if "confirm" in out:
                conn.send_command("", expect_string=r"#\s*$", read_timeout=20)
            assert "Invalid" not in out, (command, out)
    finally:
        conn.disconnect()


def _with_clears(lab: RunningLab, device: str, lines: list[str]) -> None:
    """Configuration lines, then the peer's SAs and the log buffer cleared."""
    _operator(lab, device, lines, *CLEAR[lab.built.lab.devices[device].platform.value])


@pytest.mark.parametrize("name", config_scenarios())
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
            _with_clears(lab, dev, [ln for c in option.changes if c.device == dev for ln in fill(built, dev, c.lines)])
        assert _diagnose(built, lab, send=True).root_cause.code == "TUNNEL_UP"
        if sc.repair == "reapply":  # a runtime state: reapplying the same map changes no line to roll back
            assert all(not c.rollback for c in option.changes)
            return
        for dev in devices:
            _with_clears(lab, dev, [ln for c in option.changes if c.device == dev for ln in fill(built, dev, c.rollback)])
        assert _diagnose(built, lab, send=True).root_cause.code == sc.expect


@pytest.mark.parametrize("name", ra_scenarios())
def test_a_remote_access_change_pasted_over_ssh_lets_the_user_in_and_its_rollback_refuses_them_again(name: str) -> None:
    built = S.build(name)
    sc = built.scenario
    assert sc is not None
    head = built.device("a")
    client = S.ticket_client(sc)
    logoff = LOGOFF[head.platform.value].format(ip=client.address)
    clear = CLEAR_LOG[head.platform.value]
    with RunningLab(built) as lab:
        before = _diagnose(built, lab)
        assert before.root_cause.code == sc.expect and before.root_cause.change is not None
        (dev,) = before.root_cause.change.options[0].changes
        _operator(lab, head.name, list(dev.lines), logoff, clear)
        S.dial(built.lab, head, client)  # the user connects again (the client is not a device we log into)
        assert _diagnose(built, lab).root_cause.code == "TUNNEL_UP"
        _operator(lab, head.name, [], logoff)
        _operator(lab, head.name, list(dev.rollback), clear)
        S.dial(built.lab, head, client)
        assert _diagnose(built, lab).root_cause.code == sc.expect
