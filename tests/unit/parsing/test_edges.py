"""(c) Edge cases: empty output, "no SAs" answers, several peers, IPv6 peers, truncated
output, device errors. An empty record list is only ever EMPTY_OK."""

from __future__ import annotations

import pytest

from agent.parsing import FactStatus, ParseStatus, build_peer_facts, parse
from tests.unit.parsing.conftest import fixture_text

ASA_TWO_PEERS = """IKEv1 SAs:

   Active SA: 2
    Rekey SA: 0 (A tunnel will report 1 Active and 1 Rekey SA during rekey)
Total IKE SA: 2

1   IKE Peer: 198.51.100.2
    Type    : L2L             Role    : initiator
    Rekey   : no              State   : MM_ACTIVE

2   IKE Peer: 192.0.2.77
    Type    : L2L             Role    : responder
    Rekey   : no              State   : MM_WAIT_MSG5

There are no IKEv2 SAs
"""

IOS_V4_V6 = """IPv4 Crypto ISAKMP SA
dst             src             state          conn-id status
198.51.100.2    203.0.113.1     QM_IDLE           1001 ACTIVE
192.0.2.9       203.0.113.1     MM_NO_STATE       1002 ACTIVE

IPv6 Crypto ISAKMP SA

 dst: 2001:DB8:1::2
 src: 2001:DB8:2::1
 state: QM_IDLE         conn-id:   1003 status: ACTIVE
"""


@pytest.mark.parametrize(
    ("platform", "command"),
    [
        ("cisco_ios", "show crypto isakmp sa"),
        ("cisco_ios", "show crypto ipsec sa"),
        ("cisco_ios", "show crypto map"),
        ("cisco_ios", "show running-config | section crypto"),
        ("cisco_asa", "show crypto ipsec sa"),
        ("cisco_asa", "show running-config tunnel-group"),
        ("cisco_asa", "show access-list"),
    ],
)
def test_blank_output_is_a_legitimate_empty_answer(platform: str, command: str) -> None:
    for text in ("", "\n", "   \n\n"):
        assert parse(platform, command, text).status is ParseStatus.EMPTY_OK


def test_blank_ping_is_not_an_answer() -> None:
    assert parse("cisco_ios", "ping 10.1.1.1", "").status is ParseStatus.UNPARSED


@pytest.mark.parametrize(
    ("platform", "command", "text"),
    [
        ("cisco_asa", "show crypto isakmp sa", "There are no IKEv1 SAs\n"),
        ("cisco_asa", "show crypto isakmp sa", "\nThere are no IKEv1 SAs\n\nThere are no IKEv2 SAs\n"),
        ("cisco_asa", "show crypto ikev2 sa", "\nThere are no IKEv2 SAs\n"),
        ("cisco_asa", "show crypto ipsec sa", "There are no ipsec sas\n"),
        ("cisco_ios", "show crypto isakmp sa", "IPv4 Crypto ISAKMP SA\ndst             src             state          conn-id status\n\nIPv6 Crypto ISAKMP SA\n\n"),
        ("cisco_ios", "show crypto isakmp sa", "dst          src          state      conn-id     slot\n"),
        ("cisco_ios", "show crypto ikev2 sa", " IPv4 Crypto IKEv2  SA\n\n IPv6 Crypto IKEv2  SA\n"),
        ("cisco_ios", "show crypto session", "Crypto session current status\n\n"),
        ("cisco_asa", "show asp drop", "Frame drop:\n\nLast clearing: Never\n\nFlow drop:\n\nLast clearing: Never\n"),
    ],
)
def test_no_entries_answers(platform: str, command: str, text: str) -> None:
    result = parse(platform, command, text)
    assert result.status is ParseStatus.EMPTY_OK and result.records == [] and result.raw == text


def test_no_sas_becomes_an_empty_fact_group_not_an_unread_one() -> None:
    facts = build_peer_facts("cisco_asa", {"show crypto isakmp sa": "There are no IKEv1 SAs\n"})
    assert facts.phase1.status is FactStatus.EMPTY and facts.phase1.value == []
    garbled = build_peer_facts("cisco_asa", {"show crypto isakmp sa": "1   IKE Peer: 198.51.100.2\n    Ty"})
    assert garbled.phase1.status is FactStatus.UNPARSED and garbled.phase1.value is None
    assert "IKE Peer" in garbled.phase1.raw
    assert build_peer_facts("cisco_asa", {}).phase1.status is FactStatus.MISSING


def test_several_asa_peers() -> None:
    facts = build_peer_facts("cisco_asa", {"show crypto isakmp sa": ASA_TWO_PEERS})
    assert facts.phase1.value is not None
    assert [(str(p.peer), p.state_raw, p.role.value) for p in facts.phase1.value] == [
        ("198.51.100.2", "MM_ACTIVE", "initiator"),
        ("192.0.2.77", "MM_WAIT_MSG5", "responder"),
    ]


def test_ios_ipv4_and_ipv6_peers() -> None:
    result = parse("cisco_ios", "show crypto isakmp sa", IOS_V4_V6)
    assert [(r["af"], r["dst"], r["conn_id"]) for r in result.records] == [
        ("IPv4", "198.51.100.2", "1001"), ("IPv4", "192.0.2.9", "1002"), ("IPv6", "2001:DB8:1::2", "1003")]
    facts = build_peer_facts("cisco_ios", {"show crypto isakmp sa": IOS_V4_V6, "show ip interface brief": (
        "Interface              IP-Address      OK? Method Status                Protocol\n"
        "GigabitEthernet0/0     203.0.113.1     YES NVRAM  up                    up\n")})
    assert facts.phase1.value is not None
    peers = [(str(p.peer), p.role.value) for p in facts.phase1.value]
    # 203.0.113.1 is this router's: it initiated both IPv4 SAs; the IPv6 one is unresolved
    assert peers == [("198.51.100.2", "initiator"), ("192.0.2.9", "initiator"), ("2001:db8:1::2", "unknown")]


def test_ios_ipv6_ipsec_flow() -> None:
    text = """interface: Tunnel0
    Crypto map tag: Tunnel0-head-0, local addr 12:1:1::100

   protected vrf: (none)
   local  ident (addr/mask/prot/port): (::/0/0/0)
   remote ident (addr/mask/prot/port): (::/0/0/0)
   current_peer 23:1:1::100 port 500
     PERMIT, flags={origin_is_acl,}
    #pkts encaps: 5, #pkts encrypt: 5, #pkts digest: 5
    #pkts decaps: 5, #pkts decrypt: 5, #pkts verify: 5
"""
    facts = build_peer_facts("cisco_ios", {"show crypto ipsec sa": text})
    assert facts.phase2.value is not None
    (flow,) = facts.phase2.value
    assert str(flow.peer) == "23:1:1::100" and str(flow.local_ident) == "::/0" and flow.encaps == 5
    assert not flow.complete and not flow.has_sa  # cut before its SA sections
    assert any("incomplete" in n for n in facts.phase2.notes)


def test_truncated_asa_ipsec_sa_keeps_the_partial_block_flagged() -> None:
    text = fixture_text("cisco_asa", "show_crypto_ipsec_sa", "seed000_decaps_only_truncated.txt")
    facts = build_peer_facts("cisco_asa", {"show crypto ipsec sa peer y.y.y.y": text})
    assert facts.phase2.status is FactStatus.OK and facts.phase2.value is not None
    (flow,) = facts.phase2.value
    assert (flow.encaps, flow.decaps, flow.complete, flow.has_sa) == (0, 393, False, False)
    assert facts.phase2.notes


def test_truncated_mid_sa_block_is_still_flagged() -> None:
    full = fixture_text("cisco_asa", "show_crypto_ipsec_sa", "seed003_ra_l2tp.txt")
    cut = full[: full.index("outbound esp sas:")]
    (record,) = parse("cisco_asa", "show crypto ipsec sa", cut).records
    assert record["inbound_spis"] == ["0x71F346AB"] and record["complete"] == ""
    (whole,) = parse("cisco_asa", "show crypto ipsec sa", full).records
    assert whole["complete"] == "Y"


def test_truncated_sa_table_row_is_unparsed_not_fewer_sas() -> None:
    text = "IPv4 Crypto ISAKMP SA\ndst             src             state          conn-id status\n198.51.100.2    203.0.1"
    result = parse("cisco_ios", "show crypto isakmp sa", text)
    assert result.status is ParseStatus.UNPARSED and result.raw == text


@pytest.mark.parametrize(
    ("platform", "text"),
    [
        ("cisco_ios", "                   ^\n% Invalid input detected at '^' marker.\n"),
        ("cisco_ios", "% Incomplete command.\n"),
        ("cisco_ios", "% Ambiguous command:  \"show cry\"\n"),
        ("cisco_asa", "             ^\nERROR: % Invalid input detected at '^' marker.\n"),
        ("cisco_asa", "ERROR: % Incomplete command\n"),
    ],
)
def test_device_errors(platform: str, text: str) -> None:
    command = "show crypto ikev1 sa" if platform == "cisco_asa" else "show crypto isakmp sa"
    result = parse(platform, command, text)
    assert result.status is ParseStatus.DEVICE_ERROR and result.error and result.raw == text
    facts = build_peer_facts(platform, {command: text})
    assert facts.phase1.status is FactStatus.DEVICE_ERROR and facts.phase1.value is None


def test_a_rejected_command_beside_a_readable_one_is_a_note() -> None:
    facts = build_peer_facts("cisco_asa", {
        "show crypto ikev1 sa": "ERROR: % Invalid input detected at '^' marker.\n",
        "show crypto isakmp sa": ASA_TWO_PEERS,
    })
    assert facts.phase1.status is FactStatus.OK and len(facts.phase1.value or []) == 2
    assert any("device_error" in n for n in facts.phase1.notes)


def test_crlf_and_tabs() -> None:
    text = "dst\tsrc\tstate\tconn-id\tslot\r\n10.1.1.2\t10.1.1.1\tMM_NO_STATE\t1\t0\r\n"
    (record,) = parse("cisco_ios", "show crypto isakmp sa", text).records
    assert record["state"] == "MM_NO_STATE"


def test_an_unknown_platform_reads_nothing_and_says_so() -> None:
    facts = build_peer_facts("juniper_junos", {"show security ike sa": "x"})
    assert facts.phase1.status is FactStatus.UNPARSED and "unknown platform" in facts.phase1.notes[0]
    assert build_peer_facts("", {}).phase2.status is FactStatus.MISSING
