"""Fixes an engineer can paste (issue 17) for the remote-access headend codes, over the
lab's model without SSH: for every remote-access scenario whose fix is a configuration
change, the lines computed from the headend's facts, entered on its own shell, let the
refused user connect (TUNNEL_UP); the rollback, with the user's session logged off and
the user dialling again, brings back the original diagnosis."""

from __future__ import annotations

import re
from ipaddress import IPv4Address

import pytest

from agent.engine.fixes import FIXES, PLACEHOLDERS
from agent.engine.fixes.remote_access import free_range
from agent.engine.model import Change
from agent.lab import scenarios as S
from agent.lab.shell import DeviceShell
from agent.parsing.facts_ra import AddressPool
from tests.unit.engine.test_fixes import broken, diagnose, enter


def ra_scenarios() -> list[str]:
    return sorted(n for n, sc in S.catalog().items() if sc.kind == "remote-access" and sc.expect in FIXES)


#: what an operator types to end one client's session, per platform
LOGOFF = {"cisco_asa": "vpn-sessiondb logoff ipaddress {ip} noconfirm", "cisco_ios": "clear crypto session remote {ip}"}
CLEAR_LOG = {"cisco_asa": "clear logging buffer", "cisco_ios": "clear logging"}


def operator(built: S.BuiltLab, *commands: str) -> None:
    sc = built.scenario
    assert sc is not None
    head = built.device("a")
    shell = DeviceShell(head)
    shell.privileged = True
    ip = S.ticket_client(sc).address
    for command in commands:
        line = {"logoff": LOGOFF, "clear": CLEAR_LOG}[command][head.platform.value].format(ip=ip)
        assert "Invalid" not in shell.handle_line(line).output, line


def log_off(built: S.BuiltLab) -> None:
    """The ticket's user's session is ended on the headend (as an operator would)."""
    operator(built, "logoff")


def redial(built: S.BuiltLab) -> None:
    """The ticket's user connects again, the headend's log cleared first so that the
    diagnosis reads this attempt."""
    sc = built.scenario
    assert sc is not None
    operator(built, "clear")
    S.dial(built.lab, built.device("a"), S.ticket_client(sc))


def only_change(change: Change | None) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    assert change is not None and change.options
    (dev,) = change.options[0].changes
    return dev.device, dev.lines, dev.rollback


def test_every_remote_access_code_has_a_fix_and_a_scenario() -> None:
    codes = {sc.expect for sc in S.catalog().values() if sc.kind == "remote-access"} - {"TUNNEL_UP"}
    assert codes <= set(FIXES), codes - set(FIXES)
    assert {n for n, sc in S.catalog().items() if sc.kind == "remote-access" and sc.expect != "TUNNEL_UP"} == set(ra_scenarios())


@pytest.mark.lab_direct  # an operator's lines, outside the agent: no audit record is expected
@pytest.mark.parametrize("name", ra_scenarios())
def test_the_computed_change_lets_the_user_in_and_its_rollback_brings_the_cause_back(name: str) -> None:
    built, before = broken(name)
    sc = built.scenario
    assert sc is not None and before.root_cause.code == sc.expect
    device, lines, rollback = only_change(before.root_cause.change)
    assert device == built.device("a").name and rollback
    enter(built, device, list(lines))
    log_off(built)  # the split-tunnel user's session: the new list is pushed when the user connects
    redial(built)
    after = diagnose(built)
    assert after.root_cause.code == "TUNNEL_UP", (lines, [(s.node, s.outcome, s.detail) for s in after.steps])
    log_off(built)  # the user's session ends before the configuration goes back
    enter(built, device, list(rollback))
    redial(built)
    again = diagnose(built)
    assert again.root_cause.code == sc.expect, [(s.node, s.outcome, s.detail) for s in again.steps]


def test_no_placeholder_in_any_remote_access_change() -> None:
    seen: set[str] = set()
    for name in ra_scenarios():
        _, diag = broken(name)
        for f in diag.findings:
            for o in (f.change.options if f.change else ()):
                for c in o.changes:
                    seen.update(x for line in c.lines + c.rollback for x in re.findall(r"<[^>]*>", line))
    assert seen <= set(PLACEHOLDERS), seen - set(PLACEHOLDERS)


def test_asa_second_pool_is_the_next_range_of_the_same_size_in_the_pools_network_and_joins_the_tunnel_group() -> None:
    _, diag = broken("asa-ra-pool-exhausted")
    device, lines, rollback = only_change(diag.root_cause.change)
    assert (device, lines) == ("hq-asa", (
        "ip local pool Address-pool-2 192.168.1.3-192.168.1.4 mask 255.255.255.0",
        "tunnel-group DefaultRAGroup general-attributes", " address-pool Address-pool Address-pool-2"))
    assert rollback == ("tunnel-group DefaultRAGroup general-attributes", " address-pool Address-pool",
                        "no ip local pool Address-pool-2 192.168.1.3-192.168.1.4 mask 255.255.255.0")


def test_ios_pool_gets_a_second_range_under_its_own_name() -> None:
    _, diag = broken("ios-ra-pool-exhausted")
    assert only_change(diag.root_cause.change) == (
        "hq-rtr", ("ip local pool VPN-POOL 10.9.9.3 10.9.9.4",), ("no ip local pool VPN-POOL 10.9.9.3 10.9.9.4",))


def _pool(first: str, last: str) -> AddressPool:
    a, b = IPv4Address(first), IPv4Address(last)
    return AddressPool("P", a, b, int(b) - int(a) + 1, None, None)


def test_a_free_range_skips_every_network_the_headend_shows_and_every_other_pool() -> None:
    from ipaddress import IPv4Network

    pool = _pool("10.9.9.1", "10.9.9.2")
    other = AddressPool("Q", IPv4Address("10.9.9.3"), IPv4Address("10.9.9.3"), 1, None, None)
    found = free_range(pool, None, [pool, other], [IPv4Network("10.9.9.4/31")])
    assert found == (IPv4Address("10.9.9.6"), IPv4Address("10.9.9.7"), None)


def test_a_full_pool_network_sends_the_range_outside_it_and_says_so() -> None:
    pool = _pool("192.168.1.1", "192.168.1.254")
    first, last, outside = free_range(pool, IPv4Address("255.255.255.0"), [pool], []) or (None, None, None)
    assert (str(first), str(last), str(outside)) == ("192.168.2.1", "192.168.2.254", "192.168.1.0/24")
    assert free_range(_pool("255.255.255.250", "255.255.255.254"), None, [], []) is None


def test_logins_keeps_the_policy_and_offers_logging_off_instead() -> None:
    _, diag = broken("asa-ra-simultaneous-logins")
    change = diag.root_cause.change
    assert only_change(change) == ("hq-asa", ("group-policy L2TP-VPN attributes", " vpn-simultaneous-logins 2"),
                                   ("group-policy L2TP-VPN attributes", " vpn-simultaneous-logins 1"))
    assert change is not None and "every user of L2TP-VPN" in change.options[0].warning
    assert any("vpn-sessiondb logoff name bob" in n for n in change.notes)


def test_split_list_keeps_the_inside_network_and_drops_any_in_each_platforms_syntax() -> None:
    _, asa = broken("asa-ra-split-tunnel-misconfig")
    assert only_change(asa.root_cause.change)[1] == ("access-list SPLIT standard permit 10.1.1.0 255.255.255.0",
                                                     "no access-list SPLIT standard permit any4")
    _, ios = broken("ios-ra-split-tunnel-misconfig")
    assert only_change(ios.root_cause.change)[1] == ("ip access-list extended SPLIT", " permit ip 10.1.1.0 0.0.0.255 any",
                                                     " no permit ip any any")


def test_pfs_is_removed_from_the_dynamic_map_entry_with_its_group_in_the_rollback() -> None:
    _, diag = broken("asa-ra-pfs-native-client")
    assert only_change(diag.root_cause.change) == ("hq-asa", ("no crypto dynamic-map outside_dyn_map 10 set pfs",),
                                                   ("crypto dynamic-map outside_dyn_map 10 set pfs group2",))


@pytest.mark.lab_direct
def test_a_transform_set_shared_with_an_l2l_entry_is_not_switched_to_transport_a_copy_goes_first() -> None:
    """The L2TP set is also the L2L entry's: a transport-mode copy first on the dynamic map,
    the L2L peer keeps tunnel mode."""
    built = S.build("asa-ra-l2tp-tunnel-mode")
    enter(built, "hq-asa", ["crypto map OUTSIDE_MAP 10 set ikev1 transform-set TRANS-ESP-3DES-SHA"])
    diag = diagnose(built)
    change = diag.root_cause.change
    _, lines, rollback = only_change(change)
    assert lines == ("crypto ipsec ikev1 transform-set TRANS-ESP-3DES-SHA-TRANS esp-3des esp-sha-hmac",
                     "crypto ipsec ikev1 transform-set TRANS-ESP-3DES-SHA-TRANS mode transport",
                     "crypto dynamic-map outside_dyn_map 10 set ikev1 transform-set TRANS-ESP-3DES-SHA-TRANS "
                     "TRANS-ESP-3DES-SHA")
    assert change is not None and "crypto map OUTSIDE_MAP 10 (198.51.100.2)" in change.options[0].warning
    enter(built, "hq-asa", list(lines))
    redial(built)
    assert diagnose(built).root_cause.code == "TUNNEL_UP"
    log_off(built)
    enter(built, "hq-asa", list(rollback))
    redial(built)
    assert diagnose(built).root_cause.code == "L2TP_TRANSPORT_MODE"


@pytest.mark.lab_direct
def test_pfs_on_a_dynamic_map_that_also_answers_l2l_peers_is_said() -> None:
    built = S.build("asa-ra-pfs-native-client")
    enter(built, "hq-asa", ["tunnel-group 192.0.2.99 type ipsec-l2l", "tunnel-group 192.0.2.99 ipsec-attributes",
                            " ikev1 pre-shared-key k3y-for-a-dynamic-peer"])
    change = diagnose(built).root_cause.change
    assert change is not None and "tunnel-group(s) 192.0.2.99" in change.options[0].warning
    assert "198.51.100.2" not in change.options[0].warning  # the static entry's peer has its own map entry
