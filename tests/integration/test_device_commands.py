"""A plain netmiko script against the lab: every command the issue lists, on both
platforms, answers with realistic output; config changes act on the model."""

from __future__ import annotations

import re

import pytest
from netmiko import ConnectHandler
from ntc_templates.parse import parse_output

from agent.lab import scenarios as S
from agent.lab.runner import RunningLab

pytestmark = pytest.mark.integration

ASA_COMMANDS = {
    "show crypto isakmp sa": r"IKE Peer: 198\.51\.100\.2",
    "show crypto isakmp sa detail": r"MM_ACTIVE",
    "show crypto ikev1 sa": r"State\s+: MM_ACTIVE",
    "show crypto ipsec sa": r"#pkts encaps: \d+",
    "show crypto ipsec sa peer 198.51.100.2": r"current_peer: 198\.51\.100\.2",
    "show crypto ipsec sa detail": r"spi: 0x[0-9A-F]+",
    "show running-config crypto": r"crypto map OUTSIDE_MAP interface outside",
    "show running-config tunnel-group": r"tunnel-group 198\.51\.100\.2 type ipsec-l2l",
    "show running-config all sysopt": r"sysopt connection permit-vpn",
    "show running-config nat": r"nat \(inside,outside\) source static LOCAL-NET",
    "show access-list": r"access-list VPN-ACL line 1 extended permit ip",
    "show route": r"S\*\s+0\.0\.0\.0 0\.0\.0\.0",
    "show nat": r"Manual NAT Policies",
    "show vpn-sessiondb detail l2l": r"Connection\s*: 198\.51\.100\.2",
    "show asp drop": r"Frame drop",
    "show logging": r"%ASA-5-713119",
    "show version": r"Cisco Adaptive Security Appliance Software Version",
    "show interface ip brief": r"GigabitEthernet0/0\s+203\.0\.113\.1",
    "more system:running-config": r"ikev1 pre-shared-key psk-",
}

IOS_COMMANDS = {
    "show crypto isakmp sa": r"198\.51\.100\.2\s+203\.0\.113\.1\s+QM_IDLE",
    "show crypto isakmp sa detail": r"ACTIVE aes",
    "show crypto ipsec sa": r"#pkts encaps: \d+",
    "show crypto ipsec sa peer 203.0.113.1": r"current_peer 203\.0\.113\.1",
    "show crypto ipsec sa detail": r"#pkts no sa \(send\)",
    "show crypto session": r"Session status: UP-ACTIVE",
    "show crypto session detail": r"IPSEC FLOW: permit ip",
    "show running-config | section crypto": r"crypto map VPN-MAP 10 ipsec-isakmp",
    "show crypto isakmp policy": r"Protection suite of priority 10",
    "show crypto ipsec transform-set": r"Transform set ESP-AES256-SHA: \{ esp-256-aes esp-sha-hmac",
    "show crypto map": r'Crypto Map IPv4 "VPN-MAP" 10 ipsec-isakmp',
    "show ip access-lists": r"Extended IP access list VPN-ACL",
    "show access-lists": r"Extended IP access list NAT-ACL",
    "show ip route": r"Gateway of last resort is 198\.51\.100\.254",
    "show logging": r"%CRYPTO-5-IPSEC_SETUP",
    "show version": r"Cisco IOS XE Software",
    "show ip interface brief": r"GigabitEthernet0/0\s+198\.51\.100\.2",
}

STOCK_TEMPLATES = {
    "cisco_asa": ["show crypto ipsec sa", "show route", "show nat", "show access-list", "show logging",
                  "show version", "show interface ip brief", "show vpn-sessiondb detail l2l"],
    "cisco_ios": ["show crypto ipsec sa detail", "show crypto session detail", "show ip access-lists",
                  "show ip route", "show logging", "show version", "show ip interface brief"],
}


@pytest.fixture(scope="module")
def lab():  # type: ignore[no-untyped-def]
    built = S.build("asa-ios-healthy")
    with RunningLab(built) as running:
        yield built, running


@pytest.mark.parametrize("side, commands", [("a", ASA_COMMANDS), ("b", IOS_COMMANDS)])
def test_every_command_answers_realistically(lab, side: str, commands: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    built, running = lab
    dev = built.device(side)
    with ConnectHandler(**running.netmiko_params(dev.name)) as conn:
        conn.enable()
        for command, pattern in commands.items():
            out = conn.send_command(command)
            assert "Invalid input" not in out, (command, out)
            assert re.search(pattern, out), f"{command!r}: /{pattern}/ not in\n{out}"
            if command in STOCK_TEMPLATES[dev.platform.value]:
                records = parse_output(platform=dev.platform.value, command=command, data=out)
                assert records and all(any(v for v in r.values()) for r in records), command


@pytest.mark.lab_direct  # drives the device as an operator would, not through the agent
def test_ping_and_clear_commands(lab) -> None:  # type: ignore[no-untyped-def]
    built, running = lab
    with ConnectHandler(**running.netmiko_params("hq-asa")) as asa, ConnectHandler(**running.netmiko_params("br-rtr")) as ios:
        asa.enable()
        ios.enable()
        assert "Success rate is 100 percent (5/5)" in asa.send_command("ping inside 10.2.2.10")
        assert "Success rate is 100 percent" in ios.send_command("ping 10.1.1.10 source GigabitEthernet0/1")
        assert "Success rate is 100 percent" in ios.send_command("ping ip 10.1.1.10 source 10.2.2.1 repeat 5 size 100")
        asa.send_command("clear crypto ipsec sa peer 198.51.100.2")
        assert "There are no ipsec sas" in asa.send_command("show crypto ipsec sa")
        asa.send_command("clear crypto ikev1 sa 198.51.100.2")
        assert "There are no IKEv1 SAs" in asa.send_command("show crypto ikev1 sa")
        assert "Success rate is 80 percent (4/5)" in ios.send_command("ping 10.1.1.10 source Gi0/1")
        conn_id = re.search(r"QM_IDLE\s+(\d+)", ios.send_command("show crypto isakmp sa"))
        assert conn_id
        ios.send_command(f"clear crypto isakmp {conn_id.group(1)}")
        ios.send_command("clear crypto sa peer 203.0.113.1")
        assert "QM_IDLE" not in ios.send_command("show crypto isakmp sa")
        ios.send_command("clear crypto session remote 203.0.113.1")
        asa.send_command("clear crypto isakmp sa")


@pytest.mark.lab_direct  # drives the device as an operator would, not through the agent
def test_config_changes_act_on_the_model(lab) -> None:  # type: ignore[no-untyped-def]
    built, running = lab
    with ConnectHandler(**running.netmiko_params("br-rtr")) as ios, ConnectHandler(**running.netmiko_params("hq-asa")) as asa:
        ios.enable()
        asa.enable()
        out = ios.send_config_set(["crypto map VPN-MAP 10 ipsec-isakmp", "set pfs group14"])
        assert "Invalid" not in out
        assert "PFS (Y/N): Y" in ios.send_command("show crypto map")
        ios.send_config_set(["crypto map VPN-MAP 10 ipsec-isakmp", "no set pfs"])
        asa.send_config_set(["no crypto map OUTSIDE_MAP interface outside"])
        assert "crypto map OUTSIDE_MAP interface" not in asa.send_command("show running-config crypto map")
        asa.send_config_set(["crypto map OUTSIDE_MAP interface outside", "no sysopt connection permit-vpn"])
        assert "no sysopt connection permit-vpn" in asa.send_command("show running-config all sysopt")
        asa.send_config_set(["sysopt connection permit-vpn"])
        out = asa.send_config_set(["crypto ikev1 policy 20", "encryption aes-192", "hash sha", "group 5"])
        assert "Invalid" not in out
        assert "crypto ikev1 policy 20" in asa.send_command("show running-config crypto ikev1")
        ios.send_config_set(["ip route 10.9.9.0 255.255.255.0 198.51.100.254"])
        assert "10.9.9.0/24" in ios.send_command("show ip route")
        bad = ios.send_config_set(["crypto isakmp frobnicate"])
        assert "% Invalid input detected at '^' marker." in bad
