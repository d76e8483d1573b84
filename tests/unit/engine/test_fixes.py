"""Fixes an engineer can paste (issue 17), over the lab's model without SSH: for every
scenario whose fix is a configuration change, the computed lines, entered as an operator
would (``configure terminal`` on the device's own shell, then the peer's SAs and the
log buffer cleared and traffic sent), bring the tunnel up; the rollback brings back the
original diagnosis.  Over SSH: tests/integration/test_fixes_live.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from agent.cli import app
from agent.collector import write_bundle
from agent.engine.fixes import FIXES, PLACEHOLDERS
from agent.engine.model import Change, Diagnosis, FixOption
from agent.engine.run import diagnose_bundle
from agent.lab import scenarios as S
from agent.lab.shell import DeviceShell
from agent.redact import Redactor
from agent.report import render
from tests.unit.engine.test_offline_lab_bundles import bundle_of

#: Scenarios whose fault is in the path, not the configuration: their change eases the
#: symptom (MSS clamping, a wider replay window) but cannot bring the lab's path back.
PATH_FAULTS = {"asa-ios-mtu", "ios-ios-anti-replay"}


def config_scenarios() -> list[str]:
    return sorted(n for n, sc in S.catalog().items()
                  if sc.kind == "l2l" and sc.expect in FIXES and n not in PATH_FAULTS and sc.repair in (None, "none", "reapply"))


def diagnose(built: S.BuiltLab) -> Diagnosis:
    return diagnose_bundle(bundle_of(built, Redactor()))


def broken(name: str) -> tuple[S.BuiltLab, Diagnosis]:
    built = S.build(name)
    sc = built.scenario
    assert sc is not None
    if sc.observe.after_probe:
        S.probe(built, sc.probe)
    return built, diagnose(built)


def odd_key_side(built: S.BuiltLab) -> str | None:
    """The device the scenario gave the other key (the lab knows; the agent cannot)."""
    sc = built.scenario
    assert sc is not None
    sides = [s for s in ("a", "b") if any("{psk_other}" in line for line in sc.config.get(s, []))]
    return built.device(sides[0]).name if sides else None


def chosen(built: S.BuiltLab, change: Change) -> FixOption:
    """The favoured option; for a key, the option on the device holding the other key."""
    odd = odd_key_side(built)
    if odd is not None:
        return next(o for o in change.options if all(c.device == odd for c in o.changes))
    return change.options[0]


def fill(built: S.BuiltLab, device: str, lines: tuple[str, ...]) -> list[str]:
    """The secret placeholders replaced by the lab's keys, as the operator would type them."""
    old = built.secrets.psk_other if device == odd_key_side(built) else built.secrets.psk
    return [line.replace(PLACEHOLDERS[0], built.secrets.psk).replace(PLACEHOLDERS[1], old) for line in lines]


def enter(built: S.BuiltLab, device: str, lines: list[str]) -> None:
    """Lines entered on the device's shell in configuration mode; none may be refused."""
    shell = DeviceShell(built.lab.devices[device])
    shell.privileged = True
    answers = [shell.handle_line(line).output for line in ["configure terminal", *lines, "end"]]
    refused = [(line, out) for line, out in zip(["configure terminal", *lines, "end"], answers, strict=True)
               if re.search(r"Invalid input|ERROR:|Incomplete command", out)]
    assert not refused, refused


#: The operator's clears after a change, per platform (SAs, then the log buffer).
CLEAR = {"cisco_asa": ("clear crypto ipsec sa", "clear crypto isakmp sa", "clear crypto ikev2 sa", "clear logging buffer"),
         "cisco_ios": ("clear crypto session", "clear crypto sa", "clear crypto isakmp", "clear logging")}


def clear_and_send(built: S.BuiltLab) -> None:
    """What an operator does after a change: clear the peer's SAs and the log buffer on
    both devices, then send interesting traffic."""
    sc = built.scenario
    assert sc is not None
    for side in ("a", "b"):
        dev = built.device(side)
        shell = DeviceShell(dev)
        shell.privileged = True
        for command in CLEAR[dev.platform.value]:
            assert "Invalid" not in shell.handle_line(command).output, command
    S.probe(built, sc.probe)


@pytest.mark.lab_direct  # an operator's lines, outside the agent: no audit record is expected
@pytest.mark.parametrize("name", config_scenarios())
def test_the_computed_change_brings_the_tunnel_up_and_its_rollback_brings_the_cause_back(name: str) -> None:
    built, before = broken(name)
    sc = built.scenario
    assert sc is not None and before.root_cause.code == sc.expect
    change = before.root_cause.change
    assert change is not None and change.options, f"{name}: no change computed"
    opt = chosen(built, change)
    for c in opt.changes:
        enter(built, c.device, fill(built, c.device, c.lines))
    clear_and_send(built)
    after = diagnose(built)
    assert after.root_cause.code == "TUNNEL_UP", (opt, [(s.node, s.outcome, s.detail) for s in after.steps])
    if sc.repair == "reapply":  # a runtime state: reapplying the same map changes no line to roll back
        assert all(not c.rollback for c in opt.changes)
        return
    for c in reversed(opt.changes):
        enter(built, c.device, fill(built, c.device, c.rollback))
    clear_and_send(built)
    assert diagnose(built).root_cause.code == sc.expect


def test_every_configuration_scenario_is_covered() -> None:
    """Every L2L scenario whose fix is a configuration change is in the sweep above (or
    is a path fault that is listed)."""
    config = {n for n, sc in S.catalog().items() if sc.kind == "l2l" and sc.config and sc.repair in (None, "none")
              and sc.expect not in ("TUNNEL_UP", "TUNNEL_IDLE")}  # a healthy scenario's lines are its setting, not a fault
    missing = config - set(config_scenarios()) - PATH_FAULTS
    assert not missing


@pytest.mark.parametrize("name", ["asa-ios-psk-mismatch", "asa-asa-ikev2-psk-mismatch", "asa-ios-peer-address-mismatch",
                                  "asa-asa-tunnel-group-mismatch", "ios-ios-xauth-on-l2l"])
def test_a_key_is_never_printed_only_its_place(name: str) -> None:
    built, diag = broken(name)
    doc = str(diag.to_json())
    assert built.secrets.psk not in doc and built.secrets.psk_other not in doc
    assert PLACEHOLDERS[0] in doc


def test_no_placeholder_but_a_secret_in_any_change() -> None:
    """The only ``<...>`` a change may hold is the place of a key (syntax.PLACEHOLDERS)."""
    names = [*config_scenarios(), *PATH_FAULTS]
    seen = set()
    for name in names:
        _, diag = broken(name)
        for f in diag.findings:
            for o in (f.change.options if f.change else ()):
                for c in o.changes:
                    for line in c.lines + c.rollback:
                        seen.update(re.findall(r"<[^>]*>", line))
    assert seen <= set(PLACEHOLDERS), seen - set(PLACEHOLDERS)


def test_proxy_mismatch_names_the_acl_both_lines_and_favours_the_side_that_does_not_match_its_networks() -> None:
    _, diag = broken("asa-ios-proxy-mismatch")
    change = diag.root_cause.change
    assert change is not None
    best = change.options[0]
    assert best.favoured and "10.1.2.0/24" in best.why
    (dev,) = best.changes
    assert dev.device == "br-rtr" and dev.platform == "cisco_ios"
    assert dev.lines == ("ip access-list extended VPN-ACL", " no permit ip 10.2.2.0 0.0.0.255 10.1.2.0 0.0.0.255",
                         " permit ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255")
    assert dev.rollback == ("ip access-list extended VPN-ACL", " no permit ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255",
                            " permit ip 10.2.2.0 0.0.0.255 10.1.2.0 0.0.0.255")
    other = change.options[1]  # the ASA could mirror the router instead: offered, not favoured
    assert not other.favoured and other.changes[0].device == "hq-asa"


def test_policy_mismatch_proposes_what_the_peers_offer_not_a_fixed_suite() -> None:
    _, diag = broken("asa-ios-policy-mismatch")
    change = diag.root_cause.change
    assert change is not None
    best = change.options[0]
    assert best.favoured and best.changes[0].device == "br-rtr"
    assert best.changes[0].lines == ("crypto isakmp policy 20", " authentication pre-share", " encr aes 256", " hash sha",
                                     " group 14", " lifetime 86400")
    assert best.changes[0].rollback == ("no crypto isakmp policy 20",)
    weak = change.options[1]
    assert not weak.favoured and "3des" in weak.label and weak.warning


def test_acl_overlap_never_removes_the_other_tunnels_entry_and_says_so() -> None:
    _, diag = broken("asa-asa-acl-overlap")
    change = diag.root_cause.change
    assert change is not None
    lines = [line for o in change.options for c in o.changes for line in c.lines]
    assert lines == ["access-list OLD-VPN line 1 extended deny ip 10.1.1.0 255.255.255.0 10.2.2.0 255.255.255.0"]
    assert any("would break the tunnel to 192.0.2.50" in n for n in change.notes)


def test_routing_uses_the_next_hop_of_the_devices_own_routing_table() -> None:
    _, diag = broken("asa-ios-routing-missing")
    change = diag.root_cause.change
    assert change is not None
    assert change.options[0].changes[0].lines == ("route outside 10.2.2.0 255.255.255.0 203.0.113.254 1",)


def test_the_json_carries_the_change_as_data_beside_the_old_fix() -> None:
    _, diag = broken("ios-ios-nat-exemption-missing")
    doc = diag.to_json()["findings"][0]
    assert doc["fix"]  # kept for compatibility
    option = doc["change"]["options"][0]
    assert option["favoured"] is True
    assert option["devices"] == [{
        "device": "br-rtr", "platform": "cisco_ios", "mode": "configure terminal",
        "lines": ["ip access-list extended NAT-ACL", " 1 deny ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255"],
        "rollback": ["ip access-list extended NAT-ACL", " no deny ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255"]}]


def test_a_cause_that_is_not_a_configuration_change_has_none() -> None:
    _, diag = broken("asa-ios-stale-sa")
    assert diag.root_cause.code == "STALE_SA" and diag.root_cause.change is None


def test_diagnose_json_and_fix_out_write_the_change_per_device(tmp_path: Path) -> None:
    """`diagnose --offline BUNDLE --json --fix-out DIR`: the JSON carries the change as data,
    DIR holds one snippet per device and its rollback; the terminal shows it per device."""
    built, _ = broken("asa-ios-proxy-mismatch")
    write_bundle(bundle_of(built, Redactor()), tmp_path / "bundle")
    run = CliRunner().invoke(app, ["diagnose", "--offline", str(tmp_path / "bundle"), "--json",
                                   "--fix-out", str(tmp_path / "fix")])
    doc = json.loads(run.stdout)
    assert doc["root_cause"]["code"] == "PROXY_ID_MISMATCH"
    option = doc["findings"][0]["change"]["options"][0]
    assert option["devices"][0]["device"] == "br-rtr"
    assert sorted(p.name for p in (tmp_path / "fix").iterdir()) == ["br-rtr.cfg", "br-rtr.rollback.cfg"]
    snippet = (tmp_path / "fix" / "br-rtr.cfg").read_text(encoding="utf-8").splitlines()
    assert snippet[-5:] == [
        "configure terminal", "ip access-list extended VPN-ACL", " no permit ip 10.2.2.0 0.0.0.255 10.1.2.0 0.0.0.255",
        " permit ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255", "end"]
    assert "configure terminal" in snippet
    console = Console(record=True, width=200)
    render(diagnose(built), console, show_steps=False)
    shown = console.export_text()
    assert "option 1 - favoured: make br-rtr's VPN-ACL the mirror of hq-asa's" in shown and "br-rtr (cisco_ios), configure terminal:" in shown
