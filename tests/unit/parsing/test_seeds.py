"""(b) The seed documents' outputs (excerpts in fixtures/<platform>/<command>/, sources in
each folder's SOURCES.md): the IKE SA forms and states, the IPsec SA counters."""

from __future__ import annotations

import pytest

from agent.parsing import FactStatus, Phase1State, build_peer_facts
from agent.parsing.model import Mode, Role
from tests.unit.parsing.conftest import fixture_text

S = Phase1State


@pytest.mark.parametrize(
    ("platform", "folder", "name", "command", "peer", "state", "expected"),
    [
        ("cisco_asa", "show_crypto_isakmp_sa", "seed000_mm_wait_msg2.txt", "show crypto isakmp sa", "XX.XX.XX.XX", "MM_WAIT_MSG2", S.NEGOTIATING_NO_REPLY),
        ("cisco_asa", "show_crypto_isakmp_sa", "seed000_mm_active.txt", "show crypto isakmp sa", "XX.XX.XX.XX", "MM_ACTIVE", S.ESTABLISHED),
        ("cisco_asa", "show_crypto_isakmp_sa", "seed000_mm_wait_msg4.txt", "show crypto isakmp sa", "XX.XX.XX.XX", "MM_WAIT_MSG4", S.NEGOTIATING_KEY),
        ("cisco_asa", "show_crypto_isakmp_sa", "seed000_mm_wait_msg_6.txt", "show crypto isakmp sa", "10.7.13.20", "MM_WAIT_MSG_6", S.AUTH_FAILED_OR_PENDING),
        ("cisco_asa", "show_crypto_isakmp_sa", "seed001_pix_mm_key_exch.txt", "show crypto isakmp sa", "192.168.254.250", "MM_KEY_EXCH", S.AUTH_FAILED_OR_PENDING),
        ("cisco_asa", "show_crypto_ikev1_sa", "seed003_l2tp_user.txt", "show crypto ikev1 sa", "10.1.1.2", "MM_ACTIVE", S.ESTABLISHED),
        ("cisco_ios", "show_crypto_isakmp_sa", "seed001_qm_idle_slot.txt", "show crypto isakmp sa", "10.1.0.2", "QM_IDLE", S.ESTABLISHED),
        ("cisco_ios", "show_crypto_isakmp_sa", "seed001_mm_no_state_tabs.txt", "show crypto isakmp sa", "10.1.1.2", "MM_NO_STATE", S.NEGOTIATING_NO_REPLY),
        ("cisco_ios", "show_crypto_isakmp_sa", "seed000_conf_xauth.txt", "show crypto isakmp sa", "X.X.X.X", "CONF_XAUTH", S.XAUTH),
    ],
)
def test_seed_ike_sa_forms(platform: str, folder: str, name: str, command: str, peer: str, state: str,
                           expected: Phase1State) -> None:
    facts = build_peer_facts(platform, {command: fixture_text(platform, folder, name)})
    assert facts.phase1.status is FactStatus.OK and facts.phase1.value
    first = facts.phase1.value[0]
    assert (first.peer_raw, first.state_raw, first.state, first.ike_version) == (peer, state, expected, 1)


def test_seed_asa_roles_and_types() -> None:
    facts = build_peer_facts("cisco_asa", {"show crypto ikev1 sa": fixture_text("cisco_asa", "show_crypto_ikev1_sa", "seed003_l2tp_user.txt")})
    (sa,) = facts.phase1.value or []
    assert (sa.role, sa.sa_type) == (Role.RESPONDER, "user")


def test_seed_ios_ipsec_sa_counters() -> None:
    facts = build_peer_facts("cisco_ios", {"show crypto ipsec sa": fixture_text("cisco_ios", "show_crypto_ipsec_sa", "seed001_ios_12x.txt")})
    (flow,) = facts.phase2.value or []
    assert (str(flow.peer), str(flow.local_endpoint), flow.interface, flow.crypto_map) == ("10.1.0.2", "10.1.0.1", "FastEthernet0", "test")
    assert (str(flow.local_ident), str(flow.remote_ident)) == ("10.1.0.0/24", "10.1.1.0/24")
    assert (flow.encaps, flow.decaps, flow.send_errors, flow.recv_errors) == (7767918, 7760382, 1, 0)
    assert (flow.spi_in, flow.spi_out, flow.spis_out) == (0x136A010F, 0x3D3, (979,))
    assert flow.transform == ("esp-3des", "esp-md5-hmac") and flow.mode is Mode.TUNNEL
    assert (flow.lifetime_kb, flow.lifetime_seconds, flow.complete) == (4608000, 52, True)


def test_seed_pix_ipsec_sa() -> None:
    facts = build_peer_facts("cisco_asa", {"show crypto ipsec sa": fixture_text("cisco_asa", "show_crypto_ipsec_sa", "seed001_pix.txt")})
    (flow,) = facts.phase2.value or []
    assert (str(flow.peer), flow.encaps, flow.decaps, flow.send_errors, flow.recv_errors) == ("10.2.1.1", 345, 366, 0, 0)
    assert (flow.spi_in, flow.spi_out) == (0x50B98B5, 0x9A46ECAE) and flow.complete


def test_seed_asa_remote_access_transport_sa() -> None:
    facts = build_peer_facts("cisco_asa", {"show crypto ipsec sa": fixture_text("cisco_asa", "show_crypto_ipsec_sa", "seed003_ra_l2tp.txt")})
    (flow,) = facts.phase2.value or []
    assert (flow.mode, flow.protocol, flow.crypto_map, flow.seq) == (Mode.TRANSPORT, 17, "outside_dyn_map", 10)
    assert (flow.encaps, flow.decaps, flow.spi_in, flow.spi_out) == (29, 118, 0x71F346AB, 0xE8AF927A)
    assert (flow.lifetime_kb, flow.lifetime_seconds) == (237303, 3541)


def test_seed_asa_decaps_without_encaps_is_a_flagged_partial_block() -> None:
    text = fixture_text("cisco_asa", "show_crypto_ipsec_sa", "seed000_decaps_only_truncated.txt")
    facts = build_peer_facts("cisco_asa", {"show crypto ipsec sa": text})
    (flow,) = facts.phase2.value or []
    assert (flow.encaps, flow.decaps, flow.crypto_map, flow.seq, flow.acl) == (0, 393, "IPSec_map", 37, "test")
    assert flow.peer is None and flow.peer_raw == "y.y.y.y" and not flow.complete


@pytest.mark.parametrize(("name", "preserve"), [("seed000_permit_vpn.txt", False), ("seed004_preserve_vpn_flows.txt", True)])
def test_seed_sysopt(name: str, preserve: bool) -> None:
    text = fixture_text("cisco_asa", "show_running-config_all_sysopt", name)
    facts = build_peer_facts("cisco_asa", {"show running-config all sysopt": text})
    sysopt = facts.sysopt.value
    assert sysopt is not None and sysopt.permit_vpn and sysopt.preserve_vpn_flows is preserve and sysopt.tcpmss == 1380


def test_seed_pings() -> None:
    asa = build_peer_facts("cisco_asa", {"ping inside 192.168.200.10": fixture_text("cisco_asa", "ping", "seed000_ping_inside.txt")})
    (run,) = asa.pings.value or []
    assert (run.target, run.sent, run.received, run.success_pct, run.source_address) == ("192.168.200.10", 5, 5, 100, "inside")
    ios = build_peer_facts("cisco_ios", {"ping": fixture_text("cisco_ios", "ping", "seed000_extended.txt")})
    (run,) = ios.pings.value or []
    assert (run.target, run.success_pct, run.source_address, run.complete) == ("192.168.200.1", 100, "192.168.100.1", True)


def test_issue_examples_of_policy_and_transform_sets() -> None:
    facts = build_peer_facts("cisco_ios", {
        "show crypto isakmp policy": fixture_text("cisco_ios", "show_crypto_isakmp_policy", "issue_example.txt"),
        "show crypto ipsec transform-set": fixture_text("cisco_ios", "show_crypto_ipsec_transform-set", "issue_example.txt"),
    })
    configured, default = facts.isakmp_policies.value or []
    assert (configured.priority, configured.encryption, configured.hash, configured.authentication, configured.dh_group,
            configured.lifetime, configured.builtin) == (10, "aes-256", "sha", "pre-share", 14, 86400, False)
    assert (default.priority, default.encryption, default.authentication, default.builtin) == (None, "des", "rsa-sig", True)
    assert [(t.name, t.transforms, t.mode) for t in facts.transform_sets.value or []] == [
        ("ESP-AES256-SHA", ("esp-aes-256", "esp-sha-hmac"), Mode.TUNNEL),
        ("TS-3DES", ("esp-3des", "esp-md5-hmac"), Mode.TRANSPORT),
    ]


def test_seed_asa_names_give_the_fqdn_it_sends() -> None:
    """Seed 004's ASA configuration: `hostname CiscoASA`, `domain-name example.com`; with
    `crypto isakmp identity hostname` it sends CiscoASA.example.com."""
    command = "show running-config | include ^hostname|^domain-name"
    text = fixture_text("cisco_asa", "show_running-config_hostname", "seed004_hostname_domain.txt")
    names = build_peer_facts("cisco_asa", {command: text}).names
    assert names.status is FactStatus.OK and names.value is not None
    assert (names.value.hostname, names.value.domain, names.value.fqdn) == ("CiscoASA", "example.com", "CiscoASA.example.com")
    empty = build_peer_facts("cisco_asa", {command: ""}).names
    assert empty.status is FactStatus.UNPARSED and empty.value is None  # an ASA always has a hostname: no line is no read
