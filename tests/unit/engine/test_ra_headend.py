"""The remote-access / L2TP-over-IPsec headend tree (playbooks/ra-headend.yaml) offline:
seed 003's real outputs, the corpus' session-database layout, and headend outputs in the
ASA's and IOS's own layouts for each configuration fault the tree names."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.collector import Bundle, BundlePeer
from agent.engine.registry import Context
from agent.engine.run import diagnose_bundle
from agent.engine.select import select_playbook
from agent.parsing.facts_ra import build_ra_facts
from agent.parsing.model import FactStatus
from tests.unit.parsing.conftest import CORPUS

FIX = Path(__file__).resolve().parents[1] / "parsing" / "fixtures" / "cisco_asa"
SEED003 = {
    "show crypto ikev1 sa": FIX / "show_crypto_ikev1_sa/seed003_l2tp_user.txt",
    "show crypto ipsec sa": FIX / "show_crypto_ipsec_sa/seed003_ra_l2tp.txt",
    "show vpn-sessiondb detail ra-ikev1-ipsec filter protocol l2tpOverIpSec":
        FIX / "show_vpn-sessiondb_detail_ra-ikev1-ipsec/seed003_l2tp.txt",
}

GROUP_POLICY = """group-policy L2TP-VPN internal
group-policy L2TP-VPN attributes
 dns-server value 8.8.8.8 4.4.4.2
 vpn-tunnel-protocol {protocols}
 default-domain value cisco.com
{extra}"""
TUNNEL_GROUP = """tunnel-group DefaultRAGroup type remote-access
tunnel-group DefaultRAGroup general-attributes
 address-pool Address-pool
 default-group-policy L2TP-VPN
tunnel-group DefaultRAGroup ipsec-attributes
 ikev1 pre-shared-key *****
"""
CRYPTO = """crypto ipsec ikev1 transform-set TRANS-ESP-3DES-SHA esp-3des esp-sha-hmac
{mode}crypto dynamic-map outside_dyn_map 10 {pfs}set ikev1 transform-set TRANS-ESP-3DES-SHA
crypto map outside_map 65535 ipsec-isakmp dynamic outside_dyn_map
crypto map outside_map interface outside
crypto ikev1 enable outside
"""
NO_SA = "\nThere are no ipsec sas\n"
NO_SESSIONS = "INFO: There are presently no active sessions of the type specified\n"


def headend(outputs: dict[str, str], client: str | None = "10.1.1.2", **hints: str) -> Bundle:
    return Bundle([BundlePeer("asa", "cisco_asa", "172.16.1.2", None, outputs), BundlePeer("client", None, client)],
                  "ra", kind="remote-access", remote_access=hints)


def config(protocols: str = "l2tp-ipsec", extra: str = "", mode: str = "transport", pfs: bool = False) -> dict[str, str]:
    return {
        "show running-config group-policy": GROUP_POLICY.format(protocols=protocols, extra=extra),
        "show running-config tunnel-group": TUNNEL_GROUP,
        "show running-config crypto": CRYPTO.format(
            mode=f"crypto ipsec ikev1 transform-set TRANS-ESP-3DES-SHA mode {mode}\n" if mode == "transport" else "",
            pfs="set pfs group2\ncrypto dynamic-map outside_dyn_map 10 " if pfs else ""),
    }


def refused(**kw: object) -> dict[str, str]:
    return {"show crypto ipsec sa peer 10.1.1.2": NO_SA, "show vpn-sessiondb detail ra-ikev1-ipsec": NO_SESSIONS,
            **config(**kw)}  # type: ignore[arg-type]


def steps(diag: object) -> list[tuple[str, str, str]]:
    return [(s.node, s.outcome, s.detail) for s in diag.steps]  # type: ignore[attr-defined]


def test_seed_003_healthy_l2tp_session_through_the_ra_tree() -> None:
    texts = {cmd: path.read_text() for cmd, path in SEED003.items()}
    diag = diagnose_bundle(headend(texts))
    assert diag.root_cause.code == "TUNNEL_UP", steps(diag)
    assert [s.check for s in diag.steps][:2] == ["ra_evidence", "ra_session"]
    assert "test connected from 10.1.1.2 with 192.168.1.1" in diag.steps[1].detail
    assert diag.status.value == "up" and diag.exit_code == 0
    assert any("split-tunnel" in n for n in diag.not_checked)  # the config was not in the document


def test_seed_003_without_the_session_table_still_sees_the_transport_mode_sa() -> None:
    texts = {cmd: SEED003[cmd].read_text() for cmd in ("show crypto ikev1 sa", "show crypto ipsec sa")}
    diag = diagnose_bundle(headend(texts))
    assert diag.root_cause.code == "TUNNEL_UP", steps(diag)
    assert "vpn-sessiondb" in " ".join(diag.not_checked)


def test_seed_003_session_database_reads_as_seed_003_shows_it() -> None:
    text = SEED003["show vpn-sessiondb detail ra-ikev1-ipsec filter protocol l2tpOverIpSec"].read_text()
    facts = build_ra_facts("cisco_asa", {"show vpn-sessiondb detail ra-ikev1-ipsec": text})
    assert facts.sessions.status is FactStatus.OK
    (s,) = facts.sessions.value or []
    assert (s.username, str(s.assigned_ip), str(s.public_ip)) == ("test", "192.168.1.1", "10.1.1.2")
    assert (s.group_policy, s.tunnel_group, s.encapsulation) == ("L2TP-VPN", "DefaultRAGroup", "Transport")


def test_corpus_session_database_layout_reads_every_session() -> None:
    """The corpus' `show vpn-sessiondb anyconnect` prints the same per-session head (Username /
    Index, Assigned IP / Public IP, Group Policy / Tunnel Group) as ra-ikev1-ipsec."""
    text = (CORPUS / "genie/asa/ShowVpnSessiondbAnyconnect/golden_output_2_output.txt").read_text()
    facts = build_ra_facts("cisco_asa", {"show vpn-sessiondb remote": text})
    got = [(s.username, str(s.assigned_ip), str(s.public_ip), s.tunnel_group) for s in facts.sessions.value or []]
    assert got == [("lee", "192.168.246.1", "10.139.1.2", "EngGroup"), ("yumi", "192.168.246.2", "10.139.1.3", "EngGroup")]


def test_unreadable_session_table_is_unparsed_not_empty() -> None:
    facts = build_ra_facts("cisco_asa", {"show vpn-sessiondb detail ra-ikev1-ipsec": "Username garbage\n%%%\n"})
    assert facts.sessions.status is FactStatus.UNPARSED and facts.sessions.value is None
    empty = build_ra_facts("cisco_asa", {"show vpn-sessiondb detail ra-ikev1-ipsec": NO_SESSIONS})
    assert empty.sessions.status is FactStatus.EMPTY
    assert build_ra_facts("cisco_asa", {}).pools.status is FactStatus.MISSING


@pytest.mark.parametrize(
    "outputs, code, branch",
    [
        (refused(mode="tunnel"), "L2TP_TRANSPORT_MODE", "transform_mode"),
        (refused(protocols="ikev1"), "L2TP_TRANSPORT_MODE", "protocol"),
        (refused(pfs=True), "PFS_WITH_NATIVE_CLIENT", "pfs"),
    ],
)
def test_configuration_alone_names_the_l2tp_fault(outputs: dict[str, str], code: str, branch: str) -> None:
    diag = diagnose_bundle(headend(outputs))
    assert diag.root_cause.code == code, steps(diag)
    assert diag.steps[2].outcome == branch
    assert diag.root_cause.evidence and diag.root_cause.remediation is None
    assert any("show logging" in n for n in diag.not_checked)


def test_headend_log_names_the_refusal_of_this_client() -> None:
    log = ("Nov 22 2026 03:00:01: %ASA-4-113029: Group L2TP-VPN User bob IP 10.1.1.2 Session could not be "
           "established: session limit of 1 reached.\n"
           "Nov 22 2026 03:00:00: %ASA-3-713132: Group = DefaultRAGroup, Username = eve, IP = 10.9.9.9, "
           "Cannot obtain an IP address for remote peer\n")
    diag = diagnose_bundle(headend({**refused(), "show logging": log}))
    assert diag.root_cause.code == "SIMULTANEOUS_LOGINS_LIMIT", steps(diag)  # eve's refusal is not this client's
    assert "session limit of 1" in diag.root_cause.evidence[0].excerpt


def test_full_pool_is_named_from_the_pool_table() -> None:
    pool = ("Begin           End             Mask            Free     Held    In use\n"
            "192.168.1.1     192.168.1.2     255.255.255.0      0        0         2\n\nAvailable Addresses:\n\n"
            "In Use Addresses:\n192.168.1.1\n192.168.1.2\n")
    diag = diagnose_bundle(headend({**refused(), "show ip local pool Address-pool": pool}, pool="Address-pool"))
    assert diag.root_cause.code == "VPN_POOL_EXHAUSTED", steps(diag)
    assert "Address-pool" in diag.root_cause.summary


def test_split_tunnel_policy_tunnelall_with_a_list_is_named() -> None:
    texts = {cmd: path.read_text() for cmd, path in SEED003.items()}
    texts.update(config(extra=" split-tunnel-policy tunnelall\n split-tunnel-network-list value SPLIT\n"))
    diag = diagnose_bundle(headend(texts))
    assert diag.root_cause.code == "SPLIT_TUNNEL_MISCONFIG", steps(diag)
    assert diag.status.value == "degraded" and "tunnelall" in diag.root_cause.summary


def test_ios_pool_table_reads() -> None:
    text = (" Pool                     Begin           End             Free  In use\n"
            " VPN-POOL                 10.9.9.1        10.9.9.10          0     10\n")
    facts = build_ra_facts("cisco_ios", {"show ip local pool": text})
    (p,) = facts.pools.value or []
    assert (p.name, p.size, p.free, p.in_use) == ("VPN-POOL", 10, 0, 10)


def test_nothing_explains_a_missing_session_is_insufficient_evidence() -> None:
    diag = diagnose_bundle(headend(refused()))
    assert diag.root_cause.code == "INSUFFICIENT_EVIDENCE" and diag.exit_code == 3, steps(diag)


def test_the_kind_selects_the_tree() -> None:
    assert select_playbook(Context("t", [], kind="remote-access")) == "ra-headend"
    assert select_playbook(Context("t", [])) == "l2l-ikev1"


def test_a_log_line_that_names_no_client_counts_for_less() -> None:
    log = ("Nov 22 2026 03:00:01: %ASA-5-713257: Phase 2 failure: Mismatched attribute types for class Encapsulation "
           "Mode: Rcv'd: Transport Cfg'd: Tunnel\n")
    diag = diagnose_bundle(headend({**refused(), "show logging": log}))
    assert diag.root_cause.code == "L2TP_TRANSPORT_MODE", steps(diag)
    assert diag.root_cause.confidence < 0.9 and diag.root_cause.against
    named = log + ("Nov 22 2026 03:00:01: %ASA-3-713902: Group = DefaultRAGroup, IP = 10.1.1.2, All IPSec SA "
                   "proposals found unacceptable!\n")
    sure = diagnose_bundle(headend({**refused(), "show logging": named}))
    assert sure.root_cause.confidence >= 0.9 and not sure.root_cause.against


def test_the_users_sessions_at_the_limit_name_the_logins_cap_without_a_log() -> None:
    sessions = ("Session Type: IKEv1 IPsec Detailed\n\n"
                "Username     : bob                    Index        : 1\n"
                "Assigned IP  : 192.168.1.1            Public IP    : 10.7.7.7\n"
                "Protocol     : IKEv1 IPsec L2TPOverIPsec\n"
                "Group Policy : L2TP-VPN               Tunnel Group : DefaultRAGroup\n")
    outputs = {**refused(extra=" vpn-simultaneous-logins 1\n"), "show vpn-sessiondb detail ra-ikev1-ipsec": sessions}
    diag = diagnose_bundle(headend(outputs, user="bob"))
    assert diag.root_cause.code == "SIMULTANEOUS_LOGINS_LIMIT", steps(diag)
    assert "limit of L2TP-VPN is 1" in diag.steps[2].detail
    other = diagnose_bundle(headend(outputs, user="carol"))  # carol has no session: not her cap
    assert other.root_cause.code == "INSUFFICIENT_EVIDENCE", steps(other)


def test_another_clients_address_that_contains_this_one_is_not_this_client() -> None:
    log = ("Nov 22 2026 03:00:01: %ASA-4-113029: Group L2TP-VPN User bob IP 10.1.1.25 Session could not be "
           "established: session limit of 1 reached.\n")
    diag = diagnose_bundle(headend({**refused(), "show logging": log}, client="10.1.1.2"))
    assert diag.root_cause.code == "INSUFFICIENT_EVIDENCE", steps(diag)  # 10.1.1.25's refusal, not 10.1.1.2's


# ---------------------------------------------------------------- IOS Easy VPN server


def _ios_headend(lines: list[str], drop: str | None = None) -> Bundle:
    from tests.unit.engine.test_offline_lab_bundles import scenario_bundle

    bundle = scenario_bundle("ios-ra-split-tunnel-misconfig", {"a": lines})
    head = bundle.peers[0]
    head.outputs = {c: t for c, t in head.outputs.items() if c != drop}
    return bundle


def test_ios_easy_vpn_split_list_permitting_any_is_named_in_ios_syntax() -> None:
    """The client configuration group's `acl SPLIT` and SPLIT's `permit ip any any`: the
    split list tunnels everything (seed 000); the fix is the router's, not the ASA's."""
    diag = diagnose_bundle(_ios_headend([]))
    assert diag.root_cause.code == "SPLIT_TUNNEL_MISCONFIG", steps(diag)
    assert "SPLIT permits any" in diag.root_cause.summary
    assert set(diag.root_cause.fix) == {"cisco_ios"}
    # the fix is the change computed from the router's facts: SPLIT narrowed to the network behind it
    assert diag.root_cause.fix["cisco_ios"] == ["ip access-list extended SPLIT", " permit ip 10.1.1.0 0.0.0.255 any",
                                                " no permit ip any any"]
    shown = {e.command: e.excerpt for e in diag.root_cause.evidence}
    assert "acl SPLIT" in shown["show running-config | section crypto"]
    assert "permit ip any any" in shown["show ip access-lists"]


def test_ios_easy_vpn_split_list_of_the_inside_network_is_no_fault() -> None:
    diag = diagnose_bundle(_ios_headend(["ip access-list extended SPLIT", " no permit ip any any",
                                         " permit ip 10.1.1.0 0.0.0.255 any"]))
    assert diag.root_cause.code == "TUNNEL_UP", steps(diag)
    assert ("split_tunnel", "ok") in [(s.node, s.outcome) for s in diag.steps]


def test_ios_easy_vpn_groups_read_as_policies_and_groups() -> None:
    text = ("crypto isakmp client configuration group RA-GROUP\n key <psk redacted>\n pool VPN-POOL\n acl SPLIT\n"
            " max-logins 2\ncrypto isakmp client configuration group OPEN\n pool VPN-POOL\n")
    facts = build_ra_facts("cisco_ios", {"show running-config | section crypto": text})
    by_name = {p.name: p for p in facts.policies.value or []}
    assert (by_name["RA-GROUP"].simultaneous_logins, by_name["RA-GROUP"].split_policy, by_name["RA-GROUP"].split_acl) == (
        2, "tunnelspecified", "SPLIT")
    assert (by_name["OPEN"].simultaneous_logins, by_name["OPEN"].split_policy, by_name["OPEN"].split_acl) == (None, None, None)
    assert [(g.name, g.type, g.address_pool, g.group_policy) for g in facts.groups.value or []] == [
        ("RA-GROUP", "remote-access", "VPN-POOL", "RA-GROUP"), ("OPEN", "remote-access", "VPN-POOL", "OPEN")]


def test_ios_split_list_not_collected_is_said_not_guessed() -> None:
    diag = diagnose_bundle(_ios_headend([], drop="show ip access-lists"))
    step = next(s for s in diag.steps if s.node == "split_tunnel")
    assert step.outcome == "unknown", steps(diag)
    assert any("show ip access-lists" in n for n in diag.not_checked)


def test_seed_001_easy_vpn_group_and_its_split_list_read() -> None:
    """Seed 001's split-tunnel example: group hw-client-groupname, pool dynpool, acl 150,
    and access-list 150 permitting only 192.0.2.0/25 (a proper split list, not any)."""
    from agent.parsing.facts import build_peer_facts
    from tests.unit.parsing.conftest import fixture_text

    text = fixture_text("cisco_ios", "show_running-config", "seed001_ezvpn_split_tunnel.txt")
    facts = build_ra_facts("cisco_ios", {"show running-config": text})
    (policy,) = facts.policies.value or []
    (group,) = facts.groups.value or []
    assert (policy.name, policy.split_policy, policy.split_acl, policy.simultaneous_logins) == (
        "hw-client-groupname", "tunnelspecified", "150", None)
    assert (group.address_pool, group.group_policy) == ("dynpool", "hw-client-groupname")
    assert "hw-client-password" not in facts.policies.raw  # the group key is scrubbed like any key
    acl = build_peer_facts("cisco_ios", {"show running-config": text}).acl_entries.value or []
    assert [(e.acl, e.action.value, str(e.src)) for e in acl] == [("150", "permit", "192.0.2.0/25")]


def test_ios_pool_with_a_second_range_reads_as_two_ranges_of_one_pool() -> None:
    text = (" Pool                     Begin           End             Free  In use\n"
            " VPN-POOL                 10.9.9.1        10.9.9.2           0      2\n"
            "                          10.9.9.3        10.9.9.4           2      0\n")
    facts = build_ra_facts("cisco_ios", {"show ip local pool": text})
    assert [(p.name, str(p.first), p.free) for p in facts.pools.value or []] == [
        ("VPN-POOL", "10.9.9.1", 0), ("VPN-POOL", "10.9.9.3", 2)]


def test_a_tunnel_group_with_two_pools_reads_both_in_order() -> None:
    """`address-pool A B`: B serves the users once A is full (the lab sweep in
    test_fixes_ra.py shows such a group is not exhausted while B has room)."""
    facts = build_ra_facts("cisco_asa", {"show running-config tunnel-group": TUNNEL_GROUP.replace(
        " address-pool Address-pool", " address-pool Address-pool Address-pool-2")})
    (group,) = facts.groups.value or []
    assert group.address_pools == ("Address-pool", "Address-pool-2") and group.address_pool == "Address-pool"
