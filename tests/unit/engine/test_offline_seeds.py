"""Offline diagnosis of bundles made of the seeds' and the corpus' real outputs: the
engine names the cause the documents give, from one peer and a few commands, and says
what it could not check."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.collector import Bundle, BundlePeer
from agent.engine.run import diagnose_bundle
from tests.unit.parsing.conftest import CORPUS

FIX = Path(__file__).resolve().parents[1] / "parsing" / "fixtures"


def one_peer(platform: str, outputs: dict[str, Path]) -> Bundle:
    texts = {cmd: path.read_text() for cmd, path in outputs.items()}
    return Bundle([BundlePeer("device", platform, None, None, texts), BundlePeer("peer")], "seed")


@pytest.mark.parametrize(
    "platform, command, fixture, code",
    [
        # seed 000, "pre-shared key mismatch": MM_WAIT_MSG_6
        ("cisco_asa", "show crypto isakmp sa", "cisco_asa/show_crypto_isakmp_sa/seed000_mm_wait_msg_6.txt", "PSK_MISMATCH"),
        # seed 001, PIX: MM_KEY_EXCH = wrong pre-shared key (or peer address)
        ("cisco_asa", "show crypto isakmp sa", "cisco_asa/show_crypto_isakmp_sa/seed001_pix_mm_key_exch.txt", "PSK_MISMATCH"),
        # seed 000, "verify the peer IP address": MM_WAIT_MSG4
        ("cisco_asa", "show crypto isakmp sa", "cisco_asa/show_crypto_isakmp_sa/seed000_mm_wait_msg4.txt",
         "PEER_ADDRESS_MISMATCH"),
        # seed 000, "test connectivity": a failed SA in MM_WAIT_MSG2
        ("cisco_asa", "show crypto isakmp sa", "cisco_asa/show_crypto_isakmp_sa/seed000_mm_wait_msg2.txt", "PEER_UNREACHABLE"),
        # seed 001: MM_NO_STATE = main mode failed: the phase 1 policies do not match
        ("cisco_ios", "show crypto isakmp sa", "cisco_ios/show_crypto_isakmp_sa/seed001_mm_no_state_tabs.txt",
         "IKE_POLICY_MISMATCH"),
        # seed 000: CONF_XAUTH for an L2L peer
        ("cisco_ios", "show crypto isakmp sa", "cisco_ios/show_crypto_isakmp_sa/seed000_conf_xauth.txt", "XAUTH_ON_L2L"),
    ],
)
def test_seed_phase1_states(platform: str, command: str, fixture: str, code: str) -> None:
    diag = diagnose_bundle(one_peer(platform, {command: FIX / fixture}))
    assert diag.root_cause.code == code, [(s.node, s.outcome, s.detail) for s in diag.steps]
    assert diag.root_cause.evidence
    assert diag.not_checked or code == "XAUTH_ON_L2L"  # one peer, one command: some things were not checked


def test_seed_one_way_counters_rank_the_documents_three_causes() -> None:
    """seed 000, 'cannot pass traffic through the VPN tunnel': decaps without encaps; the
    document lists the crypto ACL / NAT 0, routing and sysopt permit-vpn to check."""
    diag = diagnose_bundle(one_peer("cisco_asa", {
        "show crypto ipsec sa peer y.y.y.y": FIX / "cisco_asa/show_crypto_ipsec_sa/seed000_decaps_only_truncated.txt"}))
    assert diag.root_cause.code == "ONE_WAY_TRAFFIC"
    # the three causes the document lists could not be checked (their outputs were not read):
    # possible causes with the command that checks each, never findings (issue 18, rule 5)
    assert [f.code for f in diag.findings] == ["ONE_WAY_TRAFFIC"]
    possible = {c.code: c.check_with for c in diag.possible_causes}
    assert list(possible) == ["NAT_EXEMPTION_MISSING", "ROUTING_MISSING", "SYSOPT_PERMIT_VPN_DISABLED"]
    assert possible["NAT_EXEMPTION_MISSING"] == "show nat" and possible["ROUTING_MISSING"] == "show route"
    assert any("NAT exemption" in n for n in diag.not_checked)


def test_seed_003_healthy_l2tp_session() -> None:
    diag = diagnose_bundle(one_peer("cisco_asa", {
        "show crypto ikev1 sa": FIX / "cisco_asa/show_crypto_ikev1_sa/seed003_l2tp_user.txt",
        "show crypto ipsec sa": FIX / "cisco_asa/show_crypto_ipsec_sa/seed003_ra_l2tp.txt"}))
    assert diag.root_cause.code == "TUNNEL_UP", [(s.node, s.outcome, s.detail) for s in diag.steps]
    assert diag.status.value == "up" and diag.exit_code == 0
    # the bundle does not say remote access: its user IKE SA and L2TP flow do (issue 18, rule 11)
    assert diag.steps[0].check == "ra_evidence"


def test_corpus_asa_ipsec_sa_with_traffic_both_ways() -> None:
    raw = CORPUS / "ntc/cisco_asa/show_crypto_ipsec_sa/cisco_asa_show_crypto_ipsec_sa.raw"
    text = raw.read_text()
    colo = text[text.index("interface: COLO"):]
    bundle = Bundle([BundlePeer("asa", "cisco_asa", "172.16.248.119", None, {"show crypto ipsec sa": colo}),
                     BundlePeer("partner", None, "8.8.8.8")], "colo")
    diag = diagnose_bundle(bundle)
    assert diag.root_cause.code == "TUNNEL_UP", [(s.node, s.outcome, s.detail) for s in diag.steps]
    assert "phase 1 table (not collected)" in diag.not_checked


def test_empty_bundle_peer_is_insufficient_evidence() -> None:
    diag = diagnose_bundle(Bundle([BundlePeer("a", None, "192.0.2.1"), BundlePeer("b", None, "192.0.2.2")], "t"))
    assert diag.root_cause.code == "INSUFFICIENT_EVIDENCE" and diag.exit_code == 3
