"""IOS / IOS-XE show commands rendered from a device model built directly from the
dataclasses: layouts, the stock ntc-templates parses, and the running-config round trip."""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest
from ntc_templates.parse import parse_output

from agent.lab import config_ios
from agent.lab.config_common import GLOBAL
from agent.lab.model import (
    ANY,
    Acl,
    AclEntry,
    CryptoMapEntry,
    DeviceConfig,
    IkeSa,
    Interface,
    IosNat,
    IpsecSa,
    IsakmpKey,
    IsakmpPolicy,
    LogLine,
    MapBinding,
    Platform,
    Route,
    SaCounters,
    TransformSet,
)
from agent.lab.render_ios import TABLE
from agent.lab.world import EPOCH, Device

PEER = IPv4Address("203.0.113.1")
LOCAL = IPv4Address("198.51.100.2")
KEY = "K3y-vpn-7731"
ENABLE = "En4ble-S3cret-19"
USER_PW = "Adm1n-Pw-42"
SPI_IN, SPI_OUT = 0xC4B5D3A2, 0x1A2B3C4D


def _config() -> DeviceConfig:
    cfg = DeviceConfig(hostname="br-rtr", platform=Platform.IOS, enable_secret=ENABLE, users={"admin": USER_PW})
    cfg.interfaces["GigabitEthernet0/0"] = Interface(
        "GigabitEthernet0/0", IPv4Interface("198.51.100.2/24"), description="WAN", crypto_map="VPN-MAP", nat_role="outside"
    )
    cfg.interfaces["GigabitEthernet0/1"] = Interface(
        "GigabitEthernet0/1", IPv4Interface("10.2.2.1/24"), description="LAN", nat_role="inside"
    )
    cfg.interfaces["GigabitEthernet0/2"] = Interface("GigabitEthernet0/2", shutdown=True)
    cfg.isakmp_policies[10] = IsakmpPolicy(10, encryption="aes-256", hash="sha", authentication="pre-share", group=14)
    cfg.isakmp_keys.append(IsakmpKey(KEY, IPv4Network("203.0.113.1/32"), no_xauth=True))
    cfg.isakmp_keepalive = (10, 2)
    cfg.transform_sets["ESP-AES256-SHA"] = TransformSet("ESP-AES256-SHA", ("esp-aes-256", "esp-sha-hmac"))
    local, remote = IPv4Network("10.2.2.0/24"), IPv4Network("10.1.1.0/24")
    cfg.acls["VPN-ACL"] = Acl(
        "VPN-ACL", [AclEntry("permit", "ip", local, remote, "permit ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255", hits=5)]
    )
    cfg.acls["NAT-ACL"] = Acl(
        "NAT-ACL",
        [
            AclEntry("deny", "ip", local, remote, "deny ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255", hits=1),
            AclEntry("permit", "ip", local, ANY, "permit ip 10.2.2.0 0.0.0.255 any", hits=12),
        ],
    )
    cfg.crypto_maps["VPN-MAP"] = {
        10: CryptoMapEntry("VPN-MAP", 10, match_acl="VPN-ACL", peers=[PEER], transform_sets=["ESP-AES256-SHA"])
    }
    cfg.bindings["GigabitEthernet0/0"] = MapBinding("VPN-MAP", "GigabitEthernet0/0")
    cfg.ios_nat.append(IosNat("NAT-ACL", "GigabitEthernet0/0"))
    cfg.routes.append(Route(IPv4Network("0.0.0.0/0"), None, IPv4Address("198.51.100.254")))
    return cfg


def _ike(state: str = "QM_IDLE", role: str = "responder", established: bool = True) -> IkeSa:
    sa = IkeSa(PEER, LOCAL, role, state, 1001, established, created_at=EPOCH - 600)
    if established:
        sa.encryption, sa.hash, sa.group = "aes-256", "sha", 14
    return sa


def _ipsec() -> IpsecSa:
    return IpsecSa(
        PEER, LOCAL, "GigabitEthernet0/0", "VPN-MAP", 10, IPv4Network("10.2.2.0/24"), IPv4Network("10.1.1.0/24"),
        SPI_IN, SPI_OUT, ("esp-aes-256", "esp-sha-hmac"), "tunnel", None, 3600, 4608000, 1,
        counters=SaCounters(encaps=4, decaps=7, recv_errors=2, replay_failures=2), created_at=EPOCH - 599,
    )


def make(ike: IkeSa | None = None, ipsec: bool = False) -> Device:
    """br-rtr at the lab epoch (no Lab: ``dev.now()`` is EPOCH), up 12 days 5 h 3 min."""
    dev = Device("br-rtr", _config(), "admin", USER_PW)
    dev.state.boot_time = EPOCH - (86400 * 12 + 3600 * 5 + 180)
    if ike is not None:
        dev.state.ike_sas[PEER] = ike
    if ipsec:
        dev.state.ipsec_sas.append(_ipsec())
    dev.state.logs += [
        LogLine(EPOCH - 599.5, f"%CRYPTO-5-SESSION_STATUS: Crypto tunnel is UP  .  Peer {PEER}:500       Id: {PEER}"),
        LogLine(EPOCH - 12.25, "%CRYPTO-4-PKT_REPLAY_ERR: decrypt: replay check failed connection id=1, sequence number=3"),
    ]
    return dev


@pytest.fixture
def up() -> Device:
    return make(_ike(), ipsec=True)


def run(dev: Device, command: str) -> str:
    cmd, match = TABLE.resolve(command.split())
    out = cmd.handler(dev, match)
    assert isinstance(out, str)
    return out


def ntc(dev: Device, command: str) -> list[dict]:
    return parse_output(platform="cisco_ios", command=command, data=run(dev, command))


# ---------------------------------------------------------------- grammar


@pytest.mark.parametrize(
    ("typed", "spec"),
    [
        ("sh cry isa sa", "show crypto isakmp sa [detail]"),
        ("sh ip int br", "show ip interface brief"),
        ("sh run", "show running-config"),
        ("sh ver", "show version"),
        ("sh cry ipsec sa pe 203.0.113.1 det", "show crypto ipsec sa [peer <ip:peer>] [detail]"),
        ("sh cry sess rem 203.0.113.1", "show crypto session [remote <ip:peer>] [detail]"),
        ("sh ip acce VPN-ACL", "show ip access-lists [<word:name>]"),
        ("sh cry map", "show crypto map"),
        ("sh cry isa pol", "show crypto isakmp policy"),
        ("sh cry ipsec trans", "show crypto ipsec transform-set [<word:name>]"),
    ],
)
def test_abbreviations_resolve(typed: str, spec: str) -> None:
    cmd, _ = TABLE.resolve(typed.split())
    assert cmd.spec == spec


# ---------------------------------------------------------------- general commands


def test_show_version_parses(up: Device) -> None:
    (rec,) = ntc(up, "show version")
    assert rec["hostname"] == "br-rtr"
    assert rec["version"] == "17.3.4a" and rec["software_image"] == "X86_64_LINUX_IOSD-UNIVERSALK9-M"
    assert rec["hardware"] == ["ISR4331/K9"] and re.fullmatch(r"FDO\w{8}", rec["serial"][0])
    assert rec["uptime"] == "1 week, 5 days, 5 hours, 3 minutes"
    assert (rec["uptime_weeks"], rec["uptime_days"], rec["uptime_hours"], rec["uptime_minutes"]) == ("1", "5", "5", "3")
    assert rec["running_image"] == "isr4300-universalk9.17.03.04a.SPA.bin"
    assert rec["config_register"] == "0x2102" and rec["reload_reason"] == "PowerOn"


def test_ip_interface_brief_parses(up: Device) -> None:
    recs = {r["interface"]: r for r in ntc(up, "show ip interface brief")}
    assert recs["GigabitEthernet0/0"] == {"interface": "GigabitEthernet0/0", "ip_address": "198.51.100.2", "status": "up", "proto": "up"}
    assert recs["GigabitEthernet0/1"]["ip_address"] == "10.2.2.1"
    assert (recs["GigabitEthernet0/2"]["ip_address"], recs["GigabitEthernet0/2"]["status"]) == ("unassigned", "administratively down")


def test_ip_route_parses(up: Device) -> None:
    out = run(up, "show ip route")
    assert "Gateway of last resort is 198.51.100.254 to network 0.0.0.0" in out
    assert "      10.0.0.0/8 is variably subnetted, 2 subnets, 2 masks" in out
    routes = {(r["protocol"], r["network"], r["prefix_length"]): r for r in ntc(up, "show ip route")}
    default = routes[("S", "0.0.0.0", "0")]
    assert (default["flag"], default["nexthop_ip"], default["distance"], default["metric"]) == ("*", "198.51.100.254", "1", "0")
    assert routes[("C", "10.2.2.0", "24")]["nexthop_if"] == "GigabitEthernet0/1"
    assert routes[("L", "10.2.2.1", "32")]["nexthop_if"] == "GigabitEthernet0/1"
    assert routes[("C", "198.51.100.0", "24")]["nexthop_if"] == "GigabitEthernet0/0"
    assert not any(r[1] == "0.0.0.0" and r[0] != "S" for r in routes)


def test_ip_route_without_default() -> None:
    dev = make()
    dev.config.routes.clear()
    assert "Gateway of last resort is not set" in run(dev, "show ip route")


def test_ip_access_lists_parse(up: Device) -> None:
    out = run(up, "show ip access-lists")
    assert "Extended IP access list VPN-ACL\n    10 permit ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255 (5 matches)\n" in out
    assert "    10 deny ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255 (1 match)\n" in out
    lines = [r for r in ntc(up, "show ip access-lists") if r["line_num"]]
    vpn = next(r for r in lines if r["acl_name"] == "VPN-ACL")
    assert (vpn["action"], vpn["protocol"], vpn["src_network"], vpn["src_wildcard"]) == ("permit", "ip", "10.2.2.0", "0.0.0.255")
    assert (vpn["dst_network"], vpn["dst_wildcard"], vpn["matches"]) == ("10.1.1.0", "0.0.0.255", "5")
    nat = [r for r in lines if r["acl_name"] == "NAT-ACL"]
    assert [(r["line_num"], r["action"], r["matches"]) for r in nat] == [("10", "deny", "1"), ("20", "permit", "12")]
    assert nat[1]["dst_any"] == "any"
    only = run(up, "show ip access-lists VPN-ACL")
    assert "VPN-ACL" in only and "NAT-ACL" not in only
    assert run(up, "show ip access-lists NOPE") == ""


def test_access_lists_parse(up: Device) -> None:
    recs = ntc(up, "show access-lists")
    vpn = next(r for r in recs if r["name"] == "VPN-ACL")
    assert (vpn["type"], vpn["sn"], vpn["action"], vpn["protocol"]) == ("Extended", "10", "permit", "ip")
    assert (vpn["source"], vpn["destination"], vpn["matches"]) == ("10.2.2.0 0.0.0.255", "10.1.1.0 0.0.0.255", "5")
    permit_any = next(r for r in recs if r["name"] == "NAT-ACL" and r["sn"] == "20")
    assert (permit_any["destination"], permit_any["matches"]) == ("any", "12")
    # the stock template only knows "(N matches)": the real singular "(1 match)" is not captured
    deny = next(r for r in recs if r["name"] == "NAT-ACL" and r["sn"] == "10")
    assert deny["action"] == "deny" and deny["matches"] == ""


def test_nat_translations_header_only(up: Device) -> None:
    out = run(up, "show ip nat translations")
    assert out.startswith("Pro  Inside global         Inside local          Outside local         Outside global\n")
    assert ntc(up, "show ip nat translations") == []


def test_logging_parses(up: Device) -> None:
    out = run(up, "show logging")
    assert out.startswith("Syslog logging: enabled")
    assert "*Nov 22 02:50:00.500: %CRYPTO-5-SESSION_STATUS: Crypto tunnel is UP" in out
    recs = ntc(up, "show logging")
    assert len(recs) == 2
    first, second = recs
    assert (first["month"], first["day"], first["time"]) == ("Nov", "22", "02:50:00.500")
    assert (first["facility"], first["severity"], first["mnemonic"]) == ("CRYPTO", "5", "SESSION_STATUS")
    assert first["message"] == [f"Crypto tunnel is UP  .  Peer {PEER}:500       Id: {PEER}"]
    assert (second["time"], second["severity"], second["mnemonic"]) == ("02:59:47.750", "4", "PKT_REPLAY_ERR")


# ---------------------------------------------------------------- show crypto isakmp sa

ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+(\d+) (ACTIVE)$", re.M)


def test_isakmp_sa_table_responder(up: Device) -> None:
    out = run(up, "show crypto isakmp sa")
    assert out.startswith("IPv4 Crypto ISAKMP SA\ndst             src             state          conn-id status\n")
    assert "198.51.100.2    203.0.113.1     QM_IDLE           1001 ACTIVE\n" in out
    assert out.endswith("\nIPv6 Crypto ISAKMP SA\n\n")
    assert ROW.findall(out) == [("198.51.100.2", "203.0.113.1", "QM_IDLE", "1001", "ACTIVE")]


def test_isakmp_sa_table_initiator_stuck() -> None:
    dev = make(_ike("MM_KEY_EXCH", "initiator", established=False))
    out = run(dev, "show crypto isakmp sa")
    assert ROW.findall(out) == [("203.0.113.1", "198.51.100.2", "MM_KEY_EXCH", "1001", "ACTIVE")]
    assert "203.0.113.1     198.51.100.2    MM_KEY_EXCH       1001 ACTIVE" in out


def test_isakmp_sa_table_empty() -> None:
    out = run(make(), "show crypto isakmp sa")
    assert ROW.findall(out) == []
    assert out == "IPv4 Crypto ISAKMP SA\ndst             src             state          conn-id status\n\nIPv6 Crypto ISAKMP SA\n\n"


def test_isakmp_sa_detail(up: Device) -> None:
    out = run(up, "show crypto isakmp sa detail")
    assert out.startswith("Codes: C - IKE configuration mode, D - Dead Peer Detection\n")
    assert "C-id  Local           Remote          I-VRF  Status Encr Hash   Auth DH Lifetime Cap.\n" in out
    assert "1001  198.51.100.2    203.0.113.1            ACTIVE aes  sha    psk  14 23:50:00 D\n" in out
    assert "       Engine-id:Conn-id =  SW:1001\n" in out


# ---------------------------------------------------------------- show crypto ipsec sa


def test_ipsec_sa_layout(up: Device) -> None:
    out = run(up, "show crypto ipsec sa")
    assert out.startswith("interface: GigabitEthernet0/0\n    Crypto map tag: VPN-MAP, local addr 198.51.100.2\n\n   protected vrf: (none)\n")
    for line in (
        "   local  ident (addr/mask/prot/port): (10.2.2.0/255.255.255.0/0/0)",
        "   remote ident (addr/mask/prot/port): (10.1.1.0/255.255.255.0/0/0)",
        "   current_peer 203.0.113.1 port 500",
        "     PERMIT, flags={origin_is_acl,}",
        "    #pkts encaps: 4, #pkts encrypt: 4, #pkts digest: 4",
        "    #pkts decaps: 7, #pkts decrypt: 7, #pkts verify: 7",
        "    #send errors 0, #recv errors 2",
        "     plaintext mtu 1438, path mtu 1500, ip mtu 1500, ip mtu idb GigabitEthernet0/0",
        f"     current outbound spi: 0x{SPI_OUT:X}({SPI_OUT})",
        "        transform: esp-256-aes esp-sha-hmac ,",
        "        in use settings ={Tunnel, }",
        "        sa timing: remaining key lifetime (k/sec): (4607999/3001)",
    ):
        assert line + "\n" in out, line
    assert "#pkts no sa" not in out
    assert run(up, "show crypto ipsec sa peer 192.0.2.9") == ""
    assert run(up, "show crypto ipsec sa peer 203.0.113.1") == out


def test_ipsec_sa_detail_parses(up: Device) -> None:
    out = run(up, "show crypto ipsec sa detail")
    assert "    #pkts no sa (send) 0, #pkts invalid sa (rcv) 0\n" in out
    assert "    ##pkts replay failed (rcv): 2\n" in out
    inbound, outbound = ntc(up, "show crypto ipsec sa detail")
    for rec in (inbound, outbound):
        assert (rec["interface"], rec["crypto_map_tag"], rec["local_addr"]) == ("GigabitEthernet0/0", "VPN-MAP", str(LOCAL))
        assert (rec["local_ident_addr"], rec["local_ident_mask"]) == ("10.2.2.0", "255.255.255.0")
        assert (rec["remote_ident_addr"], rec["remote_ident_mask"]) == ("10.1.1.0", "255.255.255.0")
        assert (rec["current_peer"], rec["port"], rec["action"]) == (str(PEER), "500", "PERMIT")
        assert (rec["pkts_encaps"], rec["pkts_decaps"], rec["pkts_replay_failed"]) == ("4", "7", "2")
        assert (rec["local_crypto_endpt"], rec["remote_crypto_endpt"]) == (str(LOCAL), str(PEER))
        assert rec["current_outbound_spi_hex"] == f"0x{SPI_OUT:X}" and rec["current_outbound_spi_dec"] == str(SPI_OUT)
        assert (rec["pfs"], rec["dh_group"]) == ("N", "none")
        assert rec["sa_transform"] == "esp-256-aes esp-sha-hmac" and rec["sa_in_use_settings"] == "Tunnel"
        assert (rec["sa_crypto_map"], rec["sa_status"], rec["sa_iv_size"]) == ("VPN-MAP", "ACTIVE(ACTIVE)", "16")
        assert (rec["sa_replay_detection_support"], rec["sa_replay_window_size"]) == ("Y", "64")
        assert (rec["sa_lifetime_kbytes"], rec["sa_lifetime_sec"]) == ("4607999", "3001")
    assert (inbound["sa_orientation"], inbound["sa_spi_hex"], inbound["sa_spi_dec"]) == ("inbound", f"0x{SPI_IN:X}", str(SPI_IN))
    assert (outbound["sa_orientation"], outbound["sa_spi_hex"]) == ("outbound", f"0x{SPI_OUT:X}")
    assert (inbound["sa_conn_id"], outbound["sa_conn_id"]) == ("2001", "2002")


def test_ipsec_sa_without_sas_shows_acl_flow() -> None:
    dev = make()
    out = run(dev, "show crypto ipsec sa")
    assert "   local  ident (addr/mask/prot/port): (10.2.2.0/255.255.255.0/0/0)\n" in out
    assert "   current_peer 203.0.113.1 port 500\n" in out
    assert "    #pkts encaps: 0, #pkts encrypt: 0, #pkts digest: 0\n" in out
    assert "     current outbound spi: 0x0(0)\n" in out
    assert "spi: 0x" not in out.split("current outbound spi")[1]
    assert "     inbound esp sas:\n\n     inbound ah sas:\n" in out
    assert ntc(dev, "show crypto ipsec sa detail") == []  # no SA: nothing the template records


def test_ipsec_sa_no_crypto_map() -> None:
    dev = make()
    dev.config.bindings.clear()
    dev.config.interfaces["GigabitEthernet0/0"].crypto_map = None
    assert run(dev, "show crypto ipsec sa") == ""


# ---------------------------------------------------------------- show crypto session


def test_crypto_session_plain(up: Device) -> None:
    out = run(up, "show crypto session")
    assert out == (
        "Crypto session current status\n\n"
        "Interface: GigabitEthernet0/0\n"
        "Session status: UP-ACTIVE     \n"
        "Peer: 203.0.113.1 port 500 \n"
        "  Session ID: 0  \n"
        "  IKEv1 SA: local 198.51.100.2/500 remote 203.0.113.1/500 Active \n"
        "  IPSEC FLOW: permit ip 10.2.2.0/255.255.255.0 10.1.1.0/255.255.255.0 \n"
        "        Active SAs: 2, origin: crypto map\n\n"
    )


def test_crypto_session_detail_parses(up: Device) -> None:
    (rec,) = ntc(up, "show crypto session detail")
    assert (rec["interface"], rec["session_status"], rec["uptime"]) == ("GigabitEthernet0/0", "UP-ACTIVE", "00:10:00")
    assert (rec["peer"], rec["port"], rec["fvrf"], rec["phase1_id"]) == (str(PEER), "500", "(none)", str(PEER))
    assert (rec["local_ip"], rec["local_port"], rec["remote_ip"], rec["remote_port"]) == (str(LOCAL), "500", str(PEER), "500")
    assert (rec["ikev1_status"], rec["capabilities"], rec["conn_id"], rec["lifetime"]) == ("Active", "D", "1001", "23:50:00")
    assert (rec["permit"], rec["src_host"], rec["src_mask"]) == ("ip", "10.2.2.0", "255.255.255.0")
    assert (rec["dst_host"], rec["dst_mask"], rec["active_sa"], rec["origin"]) == ("10.1.1.0", "255.255.255.0", "2", "crypto map")
    out = run(up, "show crypto session detail")
    assert "        Inbound:  #pkts dec'ed 7 drop 2 life (KB/Sec) 4607999/3001\n" in out


@pytest.mark.parametrize(
    ("ike", "ipsec", "status", "ike_status"),
    [
        (None, False, "DOWN", ""),
        (_ike("MM_KEY_EXCH", "initiator", established=False), False, "DOWN-NEGOTIATING", "Inactive"),
        (_ike(), False, "UP-IDLE", "Active"),
        (None, True, "UP-NO-IKE", ""),
    ],
)
def test_crypto_session_states(ike: IkeSa | None, ipsec: bool, status: str, ike_status: str) -> None:
    dev = make(ike, ipsec)
    (rec,) = ntc(dev, "show crypto session detail")
    assert (rec["session_status"], rec["ikev1_status"], rec["peer"]) == (status, ike_status, str(PEER))
    assert rec["active_sa"] == ("2" if ipsec else "0")
    assert f"Session status: {status}" in run(dev, "show crypto session")


def test_crypto_session_remote_filter(up: Device) -> None:
    assert "Interface:" in run(up, "show crypto session remote 203.0.113.1")
    assert run(up, "show crypto session remote 192.0.2.9") == "Crypto session current status\n\n"


# ---------------------------------------------------------------- configuration views


def test_isakmp_policy(up: Device) -> None:
    out = run(up, "show crypto isakmp policy")
    assert out.startswith(
        "\nGlobal IKE policy\nProtection suite of priority 10\n"
        "\tencryption algorithm:\tAES - Advanced Encryption Standard (256 bit keys).\n"
        "\thash algorithm:\t\tSecure Hash Standard\n"
        "\tauthentication method:\tPre-Shared Key\n"
        "\tDiffie-Hellman group:\t#14 (2048 bit)\n"
        "\tlifetime:\t\t86400 seconds, no volume limit\n"
    )
    assert "Default protection suite of priority 65507\n" in out


def test_transform_sets(up: Device) -> None:
    assert run(up, "show crypto ipsec transform-set") == (
        "Transform set default: { esp-aes esp-sha-hmac  } \n   will negotiate = { Transport,  }, \n\n"
        "Transform set ESP-AES256-SHA: { esp-256-aes esp-sha-hmac  } \n   will negotiate = { Tunnel,  }, \n\n"
    )


def test_crypto_map(up: Device) -> None:
    out = run(up, "show crypto map")
    assert out.startswith('Crypto Map IPv4 "VPN-MAP" 10 ipsec-isakmp\n\tPeer = 203.0.113.1\n')
    for line in (
        "\tExtended IP access list VPN-ACL",
        "\t    access-list VPN-ACL permit ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255",
        "\tCurrent peer: 203.0.113.1",
        "\tSecurity association lifetime: 4608000 kilobytes/3600 seconds",
        "\tPFS (Y/N): N",
        "\t\tESP-AES256-SHA:  { esp-256-aes esp-sha-hmac  } , ",
        "\tInterfaces using crypto map VPN-MAP:",
        "\t\tGigabitEthernet0/0",
    ):
        assert line + "\n" in out, line
    assert "WARNING" not in out


def test_crypto_map_incomplete_entry(up: Device) -> None:
    up.config.crypto_maps["VPN-MAP"][20] = CryptoMapEntry("VPN-MAP", 20, transform_sets=["ESP-AES256-SHA"])
    entry20 = run(up, "show crypto map").split('"VPN-MAP" 20 ipsec-isakmp\n')[1]
    assert entry20.startswith("\tWARNING: This crypto map is in an incomplete state!\n\t\t(missing peer or access-list definitions)\n")
    assert "\tNo matching address list set.\n" in entry20 and "Current peer" not in entry20


# ---------------------------------------------------------------- running-config


def test_running_config_shows_key_hides_secrets(up: Device) -> None:
    out = run(up, "show running-config")
    header = re.match(r"Building configuration\.\.\.\n\nCurrent configuration : (\d+) bytes\n", out)
    assert header is not None
    body = out[header.end() :]
    assert int(header.group(1)) == len(body) - 1
    assert body.startswith("!\n! Last configuration change at ")
    assert "\nversion 17.3\n" in body and "\nhostname br-rtr\n" in body and body.endswith("\nend\n\n")
    assert f"\ncrypto isakmp key {KEY} address 203.0.113.1 no-xauth\n" in body
    assert ENABLE not in out and USER_PW not in out
    assert re.search(r"^enable secret 9 \$9\$[./\w]{14}\$[./\w]{43}$", body, re.M)
    assert re.search(r"^username admin privilege 15 secret 9 \$9\$[./\w]{14}\$[./\w]{43}$", body, re.M)
    for block in (
        "crypto isakmp policy 10\n encr aes 256\n authentication pre-share\n group 14\n",
        "crypto ipsec transform-set ESP-AES256-SHA esp-aes 256 esp-sha-hmac \n mode tunnel\n",
        "crypto map VPN-MAP 10 ipsec-isakmp \n set peer 203.0.113.1\n set transform-set ESP-AES256-SHA \n match address VPN-ACL\n",
        "interface GigabitEthernet0/0\n description WAN\n ip address 198.51.100.2 255.255.255.0\n ip nat outside\n"
        " negotiation auto\n crypto map VPN-MAP\n",
        "ip nat inside source list NAT-ACL interface GigabitEthernet0/0 overload\n",
        "ip route 0.0.0.0 0.0.0.0 198.51.100.254\n",
        "ip access-list extended NAT-ACL\n deny   ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255\n permit ip 10.2.2.0 0.0.0.255 any\n",
    ):
        assert block in body, block


def test_running_config_replays_through_the_interpreter(up: Device) -> None:
    """Every line after the header is accepted by config_ios and rebuilds the same model."""
    text = run(up, "show running-config")
    body = text.split("\n", 3)[3]
    cfg = config_ios.new_config("blank")
    mode = GLOBAL
    for line in body.splitlines():
        mode, _ = config_ios.apply(cfg, mode, line)
    orig = up.config
    assert cfg.hostname == orig.hostname
    assert cfg.interfaces == orig.interfaces
    assert cfg.isakmp_policies == orig.isakmp_policies and cfg.isakmp_keys == orig.isakmp_keys
    assert cfg.isakmp_keepalive == orig.isakmp_keepalive and cfg.transform_sets == orig.transform_sets
    assert cfg.crypto_maps == orig.crypto_maps and cfg.bindings.keys() == orig.bindings.keys()
    assert cfg.routes == orig.routes and cfg.ios_nat == orig.ios_nat
    for name, acl in orig.acls.items():
        assert [(e.action, e.protocol, e.src, e.dst) for e in cfg.acls[name].entries] == [
            (e.action, e.protocol, e.src, e.dst) for e in acl.entries
        ]
    up.config = cfg  # a replayed configuration prints the same text (hashes are kept as is)
    assert run(up, "show running-config") == text
