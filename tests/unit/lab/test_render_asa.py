"""ASA show commands rendered from the device model, checked against the stock
ntc-templates (the parsers netmiko's `use_textfsm` gives an agent) and the real layouts."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest
from ntc_templates.parse import parse_output
from textfsm import TextFSMError

from agent.lab import config_asa
from agent.lab.config_common import GLOBAL
from agent.lab.grammar import Match
from agent.lab.model import (
    Acl,
    AclEntry,
    CryptoMapEntry,
    DeviceConfig,
    DeviceState,
    GroupPolicy,
    IkeSa,
    Interface,
    IpsecSa,
    IsakmpPolicy,
    LogLine,
    MapBinding,
    NatRule,
    NetObject,
    Platform,
    Route,
    SaCounters,
    TransformSet,
    TunnelGroup,
)
from agent.lab.render_asa import TABLE
from agent.lab.world import EPOCH, Device

PEER = IPv4Address("198.51.100.2")
LOCAL = IPv4Address("203.0.113.1")
PSK = "Sup3rS3cretKey"
SPI_IN, SPI_OUT = 0x32F752FF, 0x50023DDC
LOCAL_NET, REMOTE_NET = IPv4Network("10.1.1.0/24"), IPv4Network("10.2.2.0/24")


def hq_config() -> DeviceConfig:
    cfg = DeviceConfig(hostname="hq-asa", platform=Platform.ASA, enable_secret="en4ble", domain_name="example.net")
    cfg.ipsec_sa_lifetime_seconds = 28800
    cfg.users["netops"] = "0psPass"
    cfg.interfaces = {
        "GigabitEthernet0/0": Interface("GigabitEthernet0/0", IPv4Interface("203.0.113.1/24"), "outside", 0),
        "GigabitEthernet0/1": Interface("GigabitEthernet0/1", IPv4Interface("10.1.1.1/24"), "inside", 100),
    }
    cfg.objects = {
        "LOCAL-NET": NetObject("LOCAL-NET", LOCAL_NET),
        "REMOTE-NET": NetObject("REMOTE-NET", REMOTE_NET),
        "INSIDE-PAT": NetObject("INSIDE-PAT", LOCAL_NET, ("inside", "outside")),
    }
    vpn_text = "permit ip 10.1.1.0 255.255.255.0 10.2.2.0 255.255.255.0"
    cfg.acls = {
        "VPN-ACL": Acl("VPN-ACL", [AclEntry("permit", "ip", LOCAL_NET, REMOTE_NET, vpn_text, hits=12)]),
        "outside_access_in": Acl("outside_access_in", [
            AclEntry("permit", "icmp", IPv4Network("0.0.0.0/0"), IPv4Network("0.0.0.0/0"), "permit icmp any any", hits=3),
            AclEntry("permit", "ip", REMOTE_NET, LOCAL_NET, "permit ip object REMOTE-NET object LOCAL-NET", hits=7),
        ]),
    }
    cfg.access_groups = {"outside": "outside_access_in"}
    cfg.nat_rules = [NatRule("inside", "outside", "LOCAL-NET", "LOCAL-NET", "REMOTE-NET", "REMOTE-NET",
                             flags=["no-proxy-arp", "route-lookup"], hits=9)]
    cfg.routes = [Route(IPv4Network("0.0.0.0/0"), "outside", IPv4Address("203.0.113.254"))]
    cfg.transform_sets = {"ESP-AES256-SHA": TransformSet("ESP-AES256-SHA", ("esp-aes-256", "esp-sha-hmac"))}
    cfg.crypto_maps = {"OUTSIDE_MAP": {10: CryptoMapEntry(
        "OUTSIDE_MAP", 10, match_acl="VPN-ACL", peers=[PEER], transform_sets=["ESP-AES256-SHA"], lifetime_seconds=28800,
    )}}
    cfg.bindings = {"outside": MapBinding("OUTSIDE_MAP", "outside")}
    cfg.isakmp_enabled = {"outside"}
    cfg.isakmp_policies = {10: IsakmpPolicy(10, "aes-256", "sha", "pre-share", 14, 86400)}
    cfg.group_policies = {
        "DfltGrpPolicy": GroupPolicy("DfltGrpPolicy", 30, ["ikev1", "ikev2", "l2tp-ipsec"]),
        "L2L-POLICY": GroupPolicy("L2L-POLICY", 30, ["ikev1"]),
    }
    cfg.tunnel_groups = {str(PEER): TunnelGroup(str(PEER), psk=PSK, default_group_policy="L2L-POLICY")}
    cfg.extra_lines = ["logging enable", "logging timestamp", "logging buffered informational"]
    return cfg


def established_state(now: float) -> DeviceState:
    state = DeviceState(boot_time=now - 86400 * 12 - 3600 * 5)
    state.ike_sas[PEER] = IkeSa(
        PEER, LOCAL, "initiator", "MM_ACTIVE", conn_id=1, established=True, encryption="aes-256", hash="sha",
        group=14, lifetime=86400, created_at=now - 600, tunnel_group=str(PEER),
    )
    state.ipsec_sas.append(IpsecSa(
        PEER, LOCAL, "outside", "OUTSIDE_MAP", 10, LOCAL_NET, REMOTE_NET, SPI_IN, SPI_OUT,
        ("esp-aes-256", "esp-sha-hmac"), "tunnel", None, 28800, 4608000, conn_id=2,
        counters=SaCounters(encaps=120, decaps=117, recv_errors=2, replay_failures=1),
        created_at=now - 590, acl_text="access-list VPN-ACL extended permit ip 10.1.1.0 255.255.255.0 10.2.2.0 255.255.255.0",
    ))
    state.logs = [
        LogLine(now - 600, f"%ASA-5-713119: Group = {PEER}, IP = {PEER}, PHASE 1 COMPLETED"),
        LogLine(now - 590, f"%ASA-6-602303: IPSEC: An outbound LAN-to-LAN SA (SPI= 0x{SPI_OUT:08X}) between {LOCAL} and {PEER} (user= {PEER}) has been created."),
        LogLine(now - 5, f"%ASA-4-402101: decaps: rec'd IPSEC packet has invalid spi for destaddr={LOCAL}, prot=esp, spi=0x1234abcd"),
        LogLine(now - 4, "%ASA-7-711001: debug message below the buffered level"),
    ]
    state.asp_drops = {"Expired VPN context (vpn-context-expired)": 4}
    return state


def make_device(state: DeviceState | None = None) -> Device:
    return Device("hq-asa", hq_config(), "netops", "0psPass", state=state if state is not None else established_state(EPOCH))


@pytest.fixture
def dev() -> Device:
    return make_device()


@pytest.fixture
def idle() -> Device:
    return make_device(DeviceState(boot_time=EPOCH - 3600))


def run(dev: Device, command: str, privileged: bool = True) -> str:
    cmd, match = TABLE.resolve(command.split(), privileged)
    out = cmd.handler(dev, match)
    assert isinstance(out, str)
    return out


def parse(command: str, output: str) -> list[dict]:
    return parse_output(platform="cisco_asa", command=command, data=output)


def row_for(rows: list[dict], **want: str) -> dict:
    for row in rows:
        if all(row.get(k) == v for k, v in want.items()):
            return row
    raise AssertionError(f"no row with {want} in {rows}")


def wait_msg6_state() -> DeviceState:
    state = DeviceState(boot_time=EPOCH - 7200)
    state.ike_sas[PEER] = IkeSa(PEER, LOCAL, "initiator", "MM_WAIT_MSG6", conn_id=3, created_at=EPOCH - 30)
    return state


def natt_pfs_state() -> DeviceState:
    state = established_state(EPOCH)
    state.ike_sas[PEER].nat_t = True
    state.ipsec_sas[0] = replace(state.ipsec_sas[0], nat_t=True, pfs_group=2)
    return state


# ---------------------------------------------------------------- command table


@pytest.mark.parametrize(("typed", "spec"), [
    ("sh cry isa sa", "show crypto isakmp sa [detail]"),
    ("sh cry ikev1 sa det", "show crypto ikev1 sa [detail]"),
    ("sh cry ipsec sa peer 198.51.100.2", "show crypto ipsec sa [peer <ip:peer>] [detail]"),
    ("sh ver", "show version"),
    ("sh int ip br", "show interface ip brief"),
    ("sh ro", "show route"),
    ("sh access-l VPN-ACL", "show access-list [<word:name>]"),
    ("sh log", "show logging"),
    ("sh asp dr", "show asp drop"),
    ("sh asp tab vpn-context det", "show asp table vpn-context [detail]"),
    ("sh vpn-sessiondb det l2l filter ipaddress 198.51.100.2", "show vpn-sessiondb detail l2l [filter ipaddress <ip:peer>]"),
    ("sh run", "show running-config [all]"),
    ("sh run all sysopt", "show running-config [all] sysopt"),
    ("sh run cry map", "show running-config [all] crypto map"),
    ("sh run tunnel-group 198.51.100.2", "show running-config [all] tunnel-group [<word:name>]"),
    ("more system:running-config", "more system:running-config"),
    ("sh curpriv", "show curpriv"),
])
def test_abbreviations_resolve(typed: str, spec: str) -> None:
    cmd, _ = TABLE.resolve(typed.split())
    assert cmd.spec == spec


def test_curpriv_follows_privilege(dev: Device) -> None:
    assert run(dev, "show curpriv") == "Username : enable_15\nCurrent privilege level : 15\nCurrent Mode/s : P_PRIV\n"
    assert "Current privilege level : 1\n" in run(dev, "show curpriv", privileged=False)


# ---------------------------------------------------------------- platform, interfaces, routing


def test_show_version_parses(dev: Device) -> None:
    out = run(dev, "show version")
    [row] = parse("show version", out)
    assert row["hostname"] == "hq-asa"
    assert row["version"] == "9.12(4)56"
    assert row["hardware"].startswith("ASA5516,")
    assert row["uptime"] == "12 days 5 hours"
    assert row["serial"] and row["serial"][0].startswith("JAD")
    assert row["interfaces"][:2] == ["GigabitEthernet0/0", "GigabitEthernet0/1"]
    assert row["image"].startswith("disk0:/asa9-12-4")


def test_show_interface_ip_brief_parses(dev: Device) -> None:
    dev.config.interfaces["GigabitEthernet0/2"] = Interface("GigabitEthernet0/2", shutdown=True)
    rows = parse("show interface ip brief", run(dev, "show interface ip brief"))
    assert row_for(rows, interface="GigabitEthernet0/0") == {
        "interface": "GigabitEthernet0/0", "ip_address": "203.0.113.1", "status": "up", "proto": "up",
    }
    assert row_for(rows, interface="GigabitEthernet0/1")["ip_address"] == "10.1.1.1"
    down = row_for(rows, interface="GigabitEthernet0/2")
    assert (down["ip_address"], down["status"], down["proto"]) == ("unassigned", "administratively down", "down")


def test_show_route_parses(dev: Device) -> None:
    out = run(dev, "show route")
    assert "Gateway of last resort is 203.0.113.254 to network 0.0.0.0" in out
    assert "S*       0.0.0.0 0.0.0.0 [1/0] via 203.0.113.254, outside" in out
    rows = parse("show route", out)
    default = row_for(rows, network="0.0.0.0")
    assert (default["protocol"], default["nexthopip"], default["nexthopif"]) == ("S", "203.0.113.254", "outside")
    assert row_for(rows, protocol="C", network="10.1.1.0")["nexthopif"] == "inside"
    assert row_for(rows, protocol="L", network="203.0.113.1")["netmask"] == "255.255.255.255"


def test_show_nat_parses(dev: Device) -> None:
    rows = parse("show nat", run(dev, "show nat"))
    twice = row_for(rows, nat_section_number="1", line_number="1")
    assert (twice["source_interface"], twice["destination_interface"], twice["source_type"]) == ("inside", "outside", "static")
    assert (twice["source_real"], twice["destination_mapped"]) == ("LOCAL-NET", "REMOTE-NET")
    assert (twice["no_proxy_arp"], twice["route_lookup"], twice["translate_hits"]) == ("no-proxy-arp", "route-lookup", "9")
    auto = row_for(rows, nat_section_number="2")
    assert (auto["source_type"], auto["source_real"], auto["source_mapped"]) == ("dynamic", "INSIDE-PAT", "interface")


def test_show_access_list_parses(dev: Device) -> None:
    out = run(dev, "show access-list")
    assert out.startswith("access-list cached ACL log flows: total 0")
    rows = parse("show access-list", out)
    vpn = row_for(rows, acl_name="VPN-ACL", line_num="1")
    assert (vpn["action"], vpn["protocol"], vpn["src_network"], vpn["dst_network"]) == ("permit", "ip", "10.1.1.0", "10.2.2.0")
    assert vpn["hit_count"] == "12"
    assert row_for(rows, acl_name="outside_access_in", line_num="1")["src_any"] == "any"
    parent = row_for(rows, acl_name="outside_access_in", line_num="2", src_object="REMOTE-NET")
    assert (parent["dst_object"], parent["hit_count"]) == ("LOCAL-NET", "7")
    child = row_for(rows, acl_name="outside_access_in", line_num="2", entry_src_network="10.2.2.0")
    assert child["entry_hit_count"] == "7"
    single = parse("show access-list VPN-ACL", run(dev, "show access-list VPN-ACL"))
    assert {r["acl_name"] for r in single} == {"VPN-ACL"}
    assert row_for(single, acl_tot_elem="1")["acl_name_hash"].startswith("0x")
    assert run(dev, "show access-list NOPE") == "ERROR: access-list <NOPE> does not exist\n"


# ---------------------------------------------------------------- logging and ASP


def test_show_logging_parses_and_filters_by_buffer_level(dev: Device) -> None:
    out = run(dev, "show logging")
    assert "Buffer logging: level informational, 3 messages logged" in out
    assert "debug message" not in out
    rows = parse("show logging", out)
    assert [r["mnemonic"] for r in rows] == ["713119", "602303", "402101"]
    last = rows[-1]
    assert (last["month"], last["day"], last["year"], last["time"]) == ("Nov", "22", "2026", "02:59:55")
    assert (last["facility"], last["severity"]) == ("ASA", "4")
    assert last["message"][0].startswith("decaps: rec'd IPSEC packet has invalid spi")


def test_show_asp_drop_baseline_parses(idle: Device) -> None:
    [row] = parse("show asp drop", run(idle, "show asp drop"))
    assert row["acl_drop"] == "37" and row["tcp_not_syn"] == "11"
    assert row["flow_drop_acl_drop"] == "29"
    assert row["last_cleared"] == "Never" and row["flow_last_cleared"] == "Never"


def test_show_asp_drop_expired_context(dev: Device) -> None:
    out = run(dev, "show asp drop")
    assert "  Expired VPN context (vpn-context-expired)                                    4\n" in out
    # the stock template lists no vpn-context-expired reason and errors on unknown lines
    with pytest.raises(TextFSMError):
        parse("show asp drop", out)


def test_clear_asp_drop_resets_baseline(dev: Device) -> None:
    dev.state.commands.append("cle asp dr")
    dev.state.asp_drops.clear()
    out = run(dev, "show asp drop")
    assert "acl-drop" not in out
    [row] = parse("show asp drop", out)
    assert row["last_cleared"] == "03:00:00 UTC Nov 22 2026 by enable_15"


def test_show_asp_table_vpn_context(dev: Device) -> None:
    rows = parse("show asp table vpn-context detail", run(dev, "show asp table vpn-context detail"))
    assert len(rows) == 2
    inbound = row_for(rows, spi=f"0x{SPI_IN:08X}")
    assert (inbound["peer_ip"], inbound["state"], inbound["flags"], inbound["pkts"]) == (str(PEER), "UP", "DECR+ESP", "117")
    assert inbound["bad_pkts"] == "2" and inbound["vpn_filter"] == "<none>"
    outbound = row_for(rows, spi=f"0x{SPI_OUT:08X}")
    assert (outbound["flags"], outbound["pkts"]) == ("ENCR+ESP", "120")
    brief = run(dev, "show asp table vpn-context").splitlines()
    assert len(brief) == 2 and ", DECR+ESP, UP, pk=0000000117," in brief[0]
    natt = make_device(natt_pfs_state())
    natt.config.sysopt_preserve_vpn_flows = True
    flags = {r["flags"] for r in parse("show asp table vpn-context detail", run(natt, "show asp table vpn-context detail"))}
    assert flags == {"DECR+ESP+NATT+PRESERVE", "ENCR+ESP+NATT+PRESERVE"}
    assert run(make_device(wait_msg6_state()), "show asp table vpn-context detail") == ""


# ---------------------------------------------------------------- IKE

ESTABLISHED_ISAKMP = """IKEv1 SAs:

   Active SA: 1
    Rekey SA: 0 (A tunnel will report 1 Active and 1 Rekey SA during rekey)
Total IKE SA: 1

1   IKE Peer: 198.51.100.2
    Type    : L2L             Role    : initiator
    Rekey   : no              State   : MM_ACTIVE
"""

# A parser for the 9.x `show crypto ikev1 sa detail` layout (the stock template has none).
IKEV1_DETAIL_9X = r"""Value Required PEER (\d+\.\d+\.\d+\.\d+)
Value TYPE (\S+)
Value ROLE (\S+)
Value REKEY (\S+)
Value STATE (\S+)
Value ENCRYPTION (\S+)
Value HASH (\S+)
Value AUTH (\S+)
Value LIFETIME (\d+)
Value REMAINING (\d+)

Start
  ^\d+\s+IKE Peer: -> Continue.Record
  ^\d+\s+IKE Peer:\s+${PEER}
  ^\s+Type\s+:\s+${TYPE}\s+Role\s+:\s+${ROLE}
  ^\s+Rekey\s+:\s+${REKEY}\s+State\s+:\s+${STATE}
  ^\s+Encrypt\s+:\s+${ENCRYPTION}\s+Hash\s+:\s+${HASH}
  ^\s+Auth\s+:\s+${AUTH}\s+Lifetime:\s+${LIFETIME}
  ^\s+Lifetime Remaining:\s+${REMAINING}
"""


def test_show_crypto_isakmp_sa_established(dev: Device) -> None:
    assert run(dev, "show crypto ikev1 sa") == ESTABLISHED_ISAKMP + "\n"
    assert run(dev, "sh cry isa sa") == ESTABLISHED_ISAKMP + "\nThere are no IKEv2 SAs\n"


def test_show_crypto_isakmp_sa_none(idle: Device) -> None:
    assert run(idle, "show crypto ikev1 sa") == "\nThere are no IKEv1 SAs\n"
    assert run(idle, "show crypto isakmp sa") == "\nThere are no IKEv1 SAs\n\nThere are no IKEv2 SAs\n"
    assert run(idle, "show crypto ikev2 sa") == "\nThere are no IKEv2 SAs\n"


def test_show_crypto_isakmp_sa_wait_msg6() -> None:
    dev = make_device(wait_msg6_state())
    out = run(dev, "show crypto isakmp sa detail")
    assert "1   IKE Peer: 198.51.100.2\n    Type    : L2L             Role    : initiator\n" in out
    assert "    Rekey   : no              State   : MM_WAIT_MSG6\n" in out
    assert "Encrypt" not in out  # no proposal agreed yet
    assert run(dev, "show crypto ipsec sa") == "\nThere are no ipsec sas\n"
    assert run(dev, "show vpn-sessiondb") == "INFO: There are presently no active sessions\n"


def test_show_crypto_ikev1_sa_detail(dev: Device) -> None:
    import io

    from textfsm import TextFSM

    out = run(dev, "show crypto ikev1 sa detail")
    assert "    Encrypt : aes-256         Hash    : SHA\n    Auth    : preshared       Lifetime: 86400\n" in out
    # the stock template knows only the command-reference table layout, not what 9.x prints
    assert parse("show crypto ikev1 sa detail", out) == []
    [row] = TextFSM(io.StringIO(IKEV1_DETAIL_9X)).ParseTextToDicts(out)
    assert row == {
        "PEER": "198.51.100.2", "TYPE": "L2L", "ROLE": "initiator", "REKEY": "no", "STATE": "MM_ACTIVE",
        "ENCRYPTION": "aes-256", "HASH": "SHA", "AUTH": "preshared", "LIFETIME": "86400", "REMAINING": "85800",
    }


# ---------------------------------------------------------------- IPsec


def test_show_crypto_ipsec_sa_parses(dev: Device) -> None:
    out = run(dev, "show crypto ipsec sa")
    assert "      access-list VPN-ACL extended permit ip 10.1.1.0 255.255.255.0 10.2.2.0 255.255.255.0\n" in out
    [row] = parse("show crypto ipsec sa", out)
    assert (row["interface"], row["crypto_map_tag"], row["sequence_number"], row["local_address"]) == (
        "outside", "OUTSIDE_MAP", "10", "203.0.113.1")
    assert (row["local_identity_addr"], row["remote_identity_addr"], row["remote_identity_mask"]) == (
        "10.1.1.0", "10.2.2.0", "255.255.255.0")
    assert row["current_peer"] == str(PEER)
    assert (row["packets_encapsulated"], row["packets_encrypted"], row["packets_digested"]) == ("120", "120", "120")
    assert (row["packets_decapsulated"], row["packets_decrypted"], row["packets_verified"]) == ("117", "117", "117")
    assert (row["send_errors"], row["receive_errors"]) == ("0", "2")
    assert (row["current_outbound_spi"], row["current_inbound_spi"]) == (f"{SPI_OUT:08X}", f"{SPI_IN:08X}")
    assert (row["inbound_spi_hex"], row["inbound_spi_integer"]) == (f"0x{SPI_IN:08X}", str(SPI_IN))
    assert (row["outbound_spi_hex"], row["outbound_spi_integer"]) == (f"0x{SPI_OUT:08X}", str(SPI_OUT))
    assert (row["inbound_encryption"], row["inbound_authentication"]) == ("esp-aes-256", "esp-sha-hmac")
    assert row["inbound_settings_in_use"] == "L2L, Tunnel, IKEv1"
    assert row["outbound_crypto_map"] == "OUTSIDE_MAP"
    assert (row["outbound_remaining_lifetime"], row["outbound_remaining_lifetime_kilobytes"]) == ("28210", "4607989")
    assert (row["ipsec_overhead"], row["path_mtu"], row["inbound_iv_size"]) == ("74", "1500", "16 bytes")


def test_show_crypto_ipsec_sa_peer_and_detail(dev: Device) -> None:
    out = run(dev, "show crypto ipsec sa peer 198.51.100.2 detail")
    assert out.startswith("peer address: 198.51.100.2\n    Crypto map tag: OUTSIDE_MAP, seq num: 10,")
    assert "      #pkts replay failed (rcv): 1\n" in out
    [row] = parse("show crypto ipsec sa peer 198.51.100.2 detail", out)
    assert (row["current_peer"], row["inbound_spi_hex"]) == (str(PEER), f"0x{SPI_IN:08X}")
    assert run(dev, "show crypto ipsec sa peer 192.0.2.9") == "\nThere are no ipsec sas\n"


def test_show_crypto_ipsec_sa_natt_pfs() -> None:
    dev = make_device(natt_pfs_state())
    out = run(dev, "show crypto ipsec sa")
    assert "in use settings ={L2L, Tunnel,  NAT-T-Encaps, PFS Group 2, IKEv1, }" in out
    [row] = parse("show crypto ipsec sa", out)
    assert row["inbound_settings_in_use"] == "L2L, Tunnel,  NAT-T-Encaps, PFS Group 2, IKEv1"
    assert (row["local_crypto_endpoint"], row["remote_crypto_endpoint"]) == ("203.0.113.1", str(PEER))
    assert "remote crypto endpt.: 198.51.100.2/4500" in out
    assert row["ipsec_overhead"] == "82"


def test_show_crypto_ipsec_sa_none(idle: Device) -> None:
    assert run(idle, "show crypto ipsec sa") == "\nThere are no ipsec sas\n"
    assert parse("show crypto ipsec sa", run(idle, "show crypto ipsec sa")) == []


# ---------------------------------------------------------------- VPN session database


def test_show_vpn_sessiondb_detail_l2l_parses(dev: Device) -> None:
    command = "show vpn-sessiondb detail l2l filter ipaddress 198.51.100.2"
    rows = parse(command, run(dev, command))
    ike = row_for(rows, connection_type="IKEv1")
    assert (ike["connection"], ike["ip_address"], ike["protocol"]) == (str(PEER), str(PEER), "IKEv1 IPsec")
    assert (ike["total_bytes_transmitted"], ike["total_bytes_received"]) == ("12000", "11700")
    assert (ike["udp_src_port"], ike["negotiaion_mode"], ike["authentication_mode"]) == ("500", "Main", "preSharedKeys")
    assert (ike["encryption_method"], ike["hash_method"], ike["dh_group"]) == ("AES256", "SHA1", "14")
    assert (ike["login_time"], ike["login_month"], ike["duration"]) == ("02:50:00", "Nov", "0h:10m:00s")
    ipsec = row_for(rows, connection_type="IPsec")
    assert (ipsec["local_address_network"], ipsec["remote_address_network"]) == ("10.1.1.0", "10.2.2.0")
    assert (ipsec["bytes_transmitted"], ipsec["bytes_received"]) == ("12000", "11700")
    assert (ipsec["packets_transmitted"], ipsec["packets_received"]) == ("120", "117")
    assert (ipsec["encapsulation"], ipsec["idle_timeout_interval"], ipsec["rekey_interval"]) == ("Tunnel", "30", "28800")
    none = "INFO: There are presently no active sessions of the type specified\n"
    assert run(dev, "show vpn-sessiondb detail l2l filter ipaddress 192.0.2.9") == none


def test_show_vpn_sessiondb_natt() -> None:
    dev = make_device(natt_pfs_state())
    rows = parse("show vpn-sessiondb detail l2l", run(dev, "show vpn-sessiondb detail l2l"))
    assert row_for(rows, connection_type="IKEv1")["udp_dst_port"] == "4500"
    tunnel = row_for(rows, connection_type="IPsecOverNatT")
    assert (tunnel["protocol"], tunnel["pfs_group"]) == ("IKEv1 IPsecOverNatT", "2")
    [summary] = parse("show vpn-sessiondb", run(dev, "show vpn-sessiondb"))
    assert summary["tunnels_summary_name"] == ["IKEv1", "IPsecOverNatT"]


def test_show_vpn_sessiondb_summary(dev: Device, idle: Device) -> None:
    [row] = parse("show vpn-sessiondb", run(dev, "show vpn-sessiondb"))
    assert row["vpn_session_name"] == ["Site-to-Site VPN", "IKEv1 IPsec"]
    assert row["vpn_session_active"] == ["1", "1"]
    assert (row["total_active_and_inactive"], row["device_total_vpn_capacity"], row["device_load_percent"]) == ("1", "300", "0")
    assert row["tunnels_summary_name"] == ["IKEv1", "IPsec"]
    assert (row["totals_active"], row["totals_cumulative"]) == ("2", "2")
    assert run(idle, "show vpn-sessiondb") == "INFO: There are presently no active sessions\n"
    assert run(idle, "show vpn-sessiondb detail l2l") == "INFO: There are presently no active sessions of the type specified\n"


# ---------------------------------------------------------------- running configuration


def test_running_config_hides_keys_and_more_system_shows_them(dev: Device) -> None:
    shown = run(dev, "show running-config")
    assert shown.startswith(": Saved\n")
    assert " ikev1 pre-shared-key *****\n" in shown
    assert PSK not in shown and "en4ble" not in shown and "0psPass" not in shown
    assert shown.rstrip().endswith(": end")
    clear = run(dev, "more system:running-config")
    assert f" ikev1 pre-shared-key {PSK}\n" in clear
    assert clear.replace(PSK, "*****") == shown


def _replay(text: str) -> DeviceConfig:
    cfg = config_asa.new_config("scratch")
    mode = GLOBAL
    for line in text.splitlines():
        mode, _ = config_asa.apply(cfg, mode, line)
    return cfg


def _comparable(cfg: DeviceConfig) -> dict[str, object]:
    return {
        "hostname": cfg.hostname, "domain": cfg.domain_name, "interfaces": cfg.interfaces, "objects": cfg.objects,
        "acls": {n: [replace(e, hits=0) for e in a.entries] for n, a in cfg.acls.items()},
        "access_groups": cfg.access_groups, "nat": [replace(r, hits=0) for r in cfg.nat_rules], "routes": cfg.routes,
        "transform_sets": cfg.transform_sets, "maps": cfg.crypto_maps, "dyn": cfg.dynamic_maps,
        "bindings": {k: (b.map_name, b.interface) for k, b in cfg.bindings.items()},
        "ike": (cfg.isakmp_enabled, cfg.isakmp_policies, cfg.isakmp_identity, cfg.nat_traversal),
        "ipsec": (cfg.ipsec_sa_lifetime_seconds, cfg.ipsec_sa_lifetime_kb, cfg.replay_window),
        "sysopt": (cfg.sysopt_permit_vpn, cfg.sysopt_preserve_vpn_flows),
        "groups": cfg.tunnel_groups, "policies": cfg.group_policies, "extra": cfg.extra_lines, "users": set(cfg.users),
    }


def test_more_system_running_config_replays_through_the_interpreter(dev: Device) -> None:
    cfg = dev.config
    cfg.sysopt_permit_vpn = False
    cfg.sysopt_preserve_vpn_flows = True
    cfg.tunnel_groups[str(PEER)].keepalive = None
    cfg.crypto_maps["OUTSIDE_MAP"][10].pfs_group = 5
    cfg.crypto_maps["OUTSIDE_MAP"][10].reverse_route = True
    cfg.interfaces["GigabitEthernet0/2"] = Interface("GigabitEthernet0/2", shutdown=True, description="spare port")
    replayed = _replay(run(dev, "more system:running-config"))
    replayed.hostname = cfg.hostname
    assert _comparable(replayed) == _comparable(cfg)


def test_running_config_sections_parse_with_stock_templates(dev: Device) -> None:
    [cmap] = parse("show running-config crypto map", run(dev, "show running-config crypto map"))
    assert (cmap["map"], cmap["seq"], cmap["matched_address"], cmap["peer"]) == ("OUTSIDE_MAP", "10", "VPN-ACL", str(PEER))
    assert (cmap["ike"], cmap["transform"], cmap["sa"]) == ("ikev1", "ESP-AES256-SHA", "28800")
    [full] = parse("show running-config all crypto map", run(dev, "show running-config all crypto map"))
    assert (full["connection_type"], full["interface"], full["ikev1_transform_set"]) == ("bidirectional", "outside", "ESP-AES256-SHA")
    [pol] = parse("show running-config crypto ikev1", run(dev, "show running-config crypto ikev1"))
    assert (pol["policy_id"], pol["encryption"], pol["auth_algorithm"], pol["dh_group"]) == ("10", "aes-256", "sha", "group 14")
    assert (pol["auth_method"], pol["lifetime"]) == ("pre-share", "86400")
    [ts] = parse("show running-config ipsec", run(dev, "show running-config ipsec"))
    assert (ts["name"], ts["encryption"], ts["auth"]) == ("ESP-AES256-SHA", ["esp-aes-256"], ["esp-sha-hmac"])
    [tg] = parse("show running-config tunnel-group", run(dev, "show running-config tunnel-group"))
    assert (tg["name"], tg["type"], tg["group_policy"], tg["ikev1_psk"]) == (str(PEER), "ipsec-l2l", "L2L-POLICY", "*****")
    assert parse("show running-config access-group", run(dev, "show running-config access-group")) == [
        {"access_list": "outside_access_in", "interface": "outside"}]
    objects = parse("show running-config object network", run(dev, "show running-config object network"))
    assert row_for(objects, name="REMOTE-NET")["network"] == "10.2.2.0"


def test_running_config_small_sections(dev: Device) -> None:
    assert run(dev, "show running-config tunnel-group 192.0.2.9") == ""
    assert run(dev, "show running-config route") == "route outside 0.0.0.0 0.0.0.0 203.0.113.254 1\n"
    assert run(dev, "show running-config access-group") == "access-group outside_access_in in interface outside\n"
    assert run(dev, "show running-config nat").endswith("object network INSIDE-PAT\n nat (inside,outside) dynamic interface\n")
    assert "group-policy L2L-POLICY attributes\n vpn-idle-timeout 30\n" in run(dev, "show running-config group-policy")
    assert run(dev, "show running-config interface GigabitEthernet0/1").startswith("interface GigabitEthernet0/1\n nameif inside\n")
    assert run(dev, "show running-config access-list VPN-ACL") == (
        "access-list VPN-ACL extended permit ip 10.1.1.0 255.255.255.0 10.2.2.0 255.255.255.0 \n")
    crypto = run(dev, "show running-config crypto")
    assert "crypto ikev1 enable outside\n" in crypto and "crypto map OUTSIDE_MAP interface outside\n" in crypto


def test_running_config_all_sysopt(dev: Device) -> None:
    out = run(dev, "show running-config all sysopt")
    for line in ("no sysopt connection timewait", "sysopt connection tcpmss 1380", "sysopt connection permit-vpn",
                 "no sysopt connection preserve-vpn-flows", "no sysopt noproxyarp outside"):
        assert f"{line}\n" in out
    assert run(dev, "show running-config sysopt") == ""
    dev.config.sysopt_permit_vpn = False
    dev.config.sysopt_preserve_vpn_flows = True
    out = run(dev, "show running-config all sysopt")
    assert "no sysopt connection permit-vpn\n" in out and "\nsysopt connection preserve-vpn-flows\n" in out
    assert run(dev, "show running-config sysopt") == "no sysopt connection permit-vpn\nsysopt connection preserve-vpn-flows\n"


def test_handlers_take_a_plain_match(dev: Device) -> None:
    """The shell calls handlers with the resolved Match; an empty one is the bare command."""
    cmd, _ = TABLE.resolve(["show", "crypto", "ipsec", "sa"])
    assert cmd.handler(dev, Match()) == run(dev, "show crypto ipsec sa")
