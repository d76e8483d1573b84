"""The lab's remote-access headend (agent/lab/ra.py, config_ra.py, render_ra.py): seed 003's
configuration is accepted line by line and shown back, bad lines are refused as the ASA
refuses them, and each client's negotiation stops where the configuration says."""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from agent.lab import ra
from agent.lab import scenarios as S
from agent.lab.shell import DeviceShell


def shell(name: str) -> DeviceShell:
    sh = DeviceShell(S.build(name).device("a"))
    sh.privileged = True
    return sh


def test_seed_003_configuration_is_shown_back_as_configured() -> None:
    text = shell("asa-ra-l2tp-healthy").handle_line("show running-config").output
    for line in ("crypto ipsec ikev1 transform-set TRANS-ESP-3DES-SHA mode transport",
                 "crypto dynamic-map outside_dyn_map 10 set ikev1 transform-set TRANS-ESP-3DES-SHA",
                 "crypto map OUTSIDE_MAP 65535 ipsec-isakmp dynamic outside_dyn_map",
                 "ip local pool Address-pool 192.168.1.1-192.168.1.254 mask 255.255.255.0",
                 " vpn-tunnel-protocol l2tp-ipsec", "tunnel-group DefaultRAGroup type remote-access",
                 " address-pool Address-pool", " default-group-policy L2TP-VPN", " authentication ms-chap-v2",
                 " split-tunnel-policy tunnelspecified", "access-list SPLIT standard permit 10.1.1.0 255.255.255.0"):
        assert line in text, line
    assert "pre-shared-key *****" in text


@pytest.mark.lab_direct  # types configuration lines as an operator would, not through the agent
@pytest.mark.parametrize("line, error", [
    ("ip local pool P 10.0.0.9-10.0.0.1 mask 255.255.255.0", "Start address must be less"),
    ("ip local pool P 10.0.0.1", "Invalid input"),
    ("ip local pool P 10.0.0.x-10.0.0.9", "Invalid input"),
    ("access-list S standard allow any4", "Invalid input"),
])
def test_bad_headend_lines_are_refused(line: str, error: str) -> None:
    sh = shell("asa-ra-l2tp-healthy")
    sh.handle_line("configure terminal")
    assert error in sh.handle_line(line).output


@pytest.mark.lab_direct
def test_bad_group_policy_attribute_is_refused() -> None:
    sh = shell("asa-ra-l2tp-healthy")
    sh.handle_line("configure terminal")
    sh.handle_line("group-policy L2TP-VPN attributes")
    assert "Invalid input" in sh.handle_line("split-tunnel-policy sometimes").output


def test_unknown_pool_is_an_error_not_an_empty_pool() -> None:
    assert "ERROR" in shell("asa-ra-l2tp-healthy").handle_line("show ip local pool NOPE").output


@pytest.mark.parametrize("name, stage", [
    ("asa-ra-l2tp-healthy", "done"), ("asa-ra-l2tp-tunnel-mode", "transform_mode"),
    ("asa-ra-l2tp-protocol-missing", "protocol"), ("asa-ra-pfs-native-client", "pfs"),
    ("asa-ra-simultaneous-logins", "logins"), ("asa-ra-pool-exhausted", "pool"),
])
def test_a_client_stops_where_the_configuration_says(name: str, stage: str) -> None:
    built = S.build(name)
    head = built.device("a")
    user = built.scenario.clients[-1].user if built.scenario else "x"
    again = ra.connect(built.lab, head, ra.Client(IPv4Address("192.0.2.200"), user))
    assert again.stage == stage, again
    assert again.connected is (stage == "done")


def test_a_freed_address_is_given_to_the_next_client() -> None:
    built = S.build("asa-ra-pool-exhausted")
    head = built.device("a")
    head.state.ipsec_sas = [sa for sa in head.state.ipsec_sas if sa.username != "carol"]
    got = ra.connect(built.lab, head, ra.Client(IPv4Address("192.0.2.23"), "erin"))
    assert got.connected and got.assigned == IPv4Address("192.168.1.1")


def test_ios_easy_vpn_group_is_shown_back_with_the_key_hidden_by_the_collector() -> None:
    from agent.redact import Redactor

    sh = shell("ios-ra-pool-exhausted")
    text = sh.handle_line("show running-config | section crypto").output
    assert "crypto isakmp client configuration group RA-GROUP" in text and " pool VPN-POOL" in text
    assert " key <removed>" in Redactor().redact(text)
    assert "ip local pool VPN-POOL 10.9.9.1 10.9.9.2" in sh.handle_line("show running-config").output
