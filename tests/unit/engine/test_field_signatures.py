"""The field's signatures (issue 18, rules 8 and 9): each log or debug text of the
signature table names its cause when it is this tunnel's, in the forms devices print."""

from __future__ import annotations

import re

import pytest

from agent.collector import Bundle, BundlePeer
from agent.engine.run import diagnose_bundle
from agent.engine.signatures import SIGNATURES, first_match
from agent.parsing.model import LogLine
from tests.unit.engine.test_partial_evidence import rendered

ME, PEER = "192.1.10.2", "192.1.20.2"


def logs_only(platform: str, command: str, text: str) -> Bundle:
    return Bundle([BundlePeer("r1", platform, ME, None, {command: text}), BundlePeer("r2", None, PEER)], "t")


@pytest.mark.parametrize(("platform", "command", "text", "code"), [
    # seed 001: the debug texts, each in the form the document prints
    ("cisco_ios", "debug crypto isakmp",
     f"ISAKMP (0:1): received packet from {PEER} dport 500 sport 500\nISAKMP (0:1): atts are not acceptable. Next payload is 0\n"
     "ISAKMP (0:1); no offers accepted!\nISAKMP (0:1): SA not acceptable!\n", "IKE_POLICY_MISMATCH"),
    ("cisco_ios", "debug crypto ipsec",
     f"ISAKMP (0:2): received packet from {PEER} dport 500 sport 500\n"
     "IPSec(validate_transform_proposal): proxy identities not supported\nISAKMP: IPSec policy invalidated proposal\n"
     "ISAKMP (0:2): SA not acceptable!\n", "PROXY_ID_MISMATCH"),
    ("cisco_ios", "debug crypto ipsec",
     f"ISAKMP (0:2): received packet from {PEER} dport 500 sport 500\nIPSEC(validate_proposal): transform proposal\n"
     "(port 3, trans 2, hmac_alg 2) not supported\nISAKMP (0:2) : atts not acceptable. Next payload is 0\n",
     "TRANSFORM_SET_MISMATCH"),
    ("cisco_ios", "debug crypto isakmp", f"ISAKMP: No cert, and no keys (public or pre-shared) with\nremote peer {PEER}\n",
     "PEER_ADDRESS_MISMATCH"),
    # IOS syslog in its real form
    ("cisco_ios", "show logging", f"*Mar  1 00:42:09.431: %CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {PEER} failed its "
     "sanity check or is malformed\n", "PSK_MISMATCH"),
    ("cisco_ios", "show logging", f"000123: 1d00h: %CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main Mode failed with peer at {PEER}\n",
     "IKE_POLICY_MISMATCH"),
    ("cisco_ios", "show logging", f"%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi for destaddr={ME}, "
     f"prot=50, spi=0x33C701EA(868680170), srcaddr={PEER}\n", "STALE_SA"),
    # seed 000: the ASA forms
    ("cisco_asa", "show logging", f"%ASA-4-713903: Group = DefaultL2LGroup, IP = {PEER}, ERROR, had problems decrypting packet, "
     "probably due to mismatched pre-shared key.  Aborting\n", "TUNNEL_GROUP_MISMATCH"),
    ("cisco_asa", "show logging", f"%ASA-4-713903: Group = {PEER}, IP = {PEER}, ERROR, had problems decrypting packet, "
     "probably due to mismatched pre-shared key.  Aborting\n", "PSK_MISMATCH"),
    ("cisco_asa", "show logging", f"%ASA-5-713068: Group = {PEER}, IP = {PEER}, Received non-routine Notify message: "
     "No proposal chosen (14)\n", "TRANSFORM_SET_MISMATCH"),
    ("cisco_ios", "show logging", f"%CRYPTO-6-IKMP_NOT_ENCRYPTED: IKE packet from {PEER} was not encrypted and it should've "
     "been.\n", "PSK_MISMATCH"),
    ("cisco_asa", "show logging", f"%ASA-5-713257: Phase 2 failure: Mismatched attribute types for class Group Description: "
     f"Rcv'd: Group 14 Cfg'd: Group 2 (IP = {PEER})\n", "PFS_MISMATCH"),
    ("cisco_asa", "show logging", f"%ASA-5-713068: Group = {PEER}, IP = {PEER}, Received non-routine Notify message: "
     "Invalid ID info (18)\n", "PROXY_ID_MISMATCH"),
    ("cisco_ios", "debug crypto isakmp", f"ISAKMP:(1001):peer does not do paranoid keepalives.\n"
     f"ISAKMP:(1001):deleting SA reason \"Death by retransmission P1\" state (I) MM_NO_STATE (peer {PEER})\n",
     "PEER_UNREACHABLE"),
    ("cisco_asa", "show logging", f"%ASA-3-305006: regular translation creation failed for protocol 50 src outside:{PEER} "
     f"dst inside:{ME}\n", "NAT_T_DISABLED"),
    # IKEv2: the ASA's 750003 names the remote; IOS's NEG_ABORT names nobody (a device with one peer)
    ("cisco_asa", "show logging", f"%ASA-4-750003: Local:{ME}:500 Remote:{PEER}:500 Username:{PEER} IKEv2 Negotiation "
     "aborted due to ERROR: Failed to find a matching policy\n", "IKE_POLICY_MISMATCH"),
    ("cisco_ios", "show logging", "%IKEV2-3-NEG_ABORT: Negotiation aborted due to ERROR: Failed to locate an item in "
     "the database\n", "ISAKMP_IDENTITY_MISMATCH"),
    ("cisco_ios", "show logging", "%IKEV2-3-NEG_ABORT: Negotiation aborted due to ERROR: Auth exchange failed\n",
     "PSK_MISMATCH"),
    ("cisco_ios", "show logging", "%IKEV2-3-NEG_ABORT: Negotiation aborted due to ERROR: There was no IPSEC policy found "
     "for received TS\n", "PROXY_ID_MISMATCH"),
])
def test_a_signature_of_this_tunnel_names_its_cause(platform: str, command: str, text: str, code: str) -> None:
    diag = diagnose_bundle(logs_only(platform, command, text))
    assert diag.root_cause.code == code, [(s.node, s.outcome, s.detail) for s in diag.steps]
    assert diag.root_cause.evidence and "{" not in diag.root_cause.summary


def test_the_same_signature_of_another_peer_is_not_a_cause() -> None:
    text = "*Mar  1 00:42:09.431: %CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 192.0.2.99 failed its sanity check or is malformed\n"
    diag = diagnose_bundle(logs_only("cisco_ios", "show logging", text))
    assert diag.root_cause.code == "INSUFFICIENT_EVIDENCE"


def test_an_old_signature_is_not_a_cause() -> None:
    text = (f"*Mar  1 00:42:09.431: %CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {PEER} failed its sanity check or is malformed\n"
            f"*Mar  3 09:00:00.000: %SYS-5-CONFIG_I: Configured from console by admin on vty0 ({PEER})\n")
    diag = diagnose_bundle(logs_only("cisco_ios", "show logging", text))
    assert diag.root_cause.code == "INSUFFICIENT_EVIDENCE"


def test_atts_acceptable_is_no_refusal() -> None:
    line = LogLine("", None, "ISAKMP", "(0):atts are acceptable. Next payload is 0.", "", debug=True)
    assert first_match([line]) is None
    assert all(s.needles for s in SIGNATURES)


def test_402116_with_sas_up_is_a_proxy_mismatch() -> None:
    bundle = rendered("asa-asa-healthy")
    hq, br = bundle.peers
    line = (f"Nov 22 2026 03:00:00: %ASA-4-402116: IPSEC: Received an ESP packet (SPI= 0x12345678, sequence number= 0x1) "
            f"from {br.crypto_endpoint} (user= {br.crypto_endpoint}) to {hq.crypto_endpoint}.  The decapsulated inner "
            "packet doesn't match the negotiated policy in the SA.\n")
    outputs = dict(hq.outputs)
    outputs["show logging"] = outputs["show logging"] + line
    noisy = Bundle([BundlePeer(hq.name, hq.platform, hq.crypto_endpoint, None, outputs), br], bundle.tunnel)
    assert diagnose_bundle(noisy).root_cause.code == "PROXY_ID_MISMATCH"


def test_decrypt_below_decaps_is_a_suspicion_not_a_finding() -> None:
    bundle = rendered("asa-ios-healthy")
    hq, br = bundle.peers
    cmd = next(c for c in br.outputs if c.startswith("show crypto ipsec sa"))
    text = br.outputs[cmd]
    m = re.search(r"#pkts decaps: (\d+), #pkts decrypt: (\d+)", text)
    assert m is not None and int(m.group(1)) > 0
    text = text.replace(m.group(0), f"#pkts decaps: {m.group(1)}, #pkts decrypt: {int(m.group(2)) - 1}")
    changed = Bundle([hq, BundlePeer(br.name, br.platform, br.crypto_endpoint, None, {**br.outputs, cmd: text})], bundle.tunnel)
    diag = diagnose_bundle(changed)
    assert diag.root_cause.code == "TUNNEL_UP"
    assert "CRYPTO_ENGINE_ERRORS" in {c.code for c in diag.possible_causes}


def test_mm_wait_msg6_with_default_l2l_group_is_the_tunnel_group() -> None:
    """Seed 000's other form of a wrong tunnel-group / peer address: main mode stops at
    MM_WAIT_MSG6 and the ASA logs the key failure under DefaultL2LGroup."""
    table = """\
IKEv1 SAs:

   Active SA: 1
    Rekey SA: 0 (A tunnel will report 1 Active and 1 Rekey SA during rekey)
Total IKE SA: 1

1   IKE Peer: 192.1.20.2
    Type    : L2L             Role    : initiator
    Rekey   : no              State   : MM_WAIT_MSG6
"""
    log = (f"Nov 22 2026 03:00:00: %ASA-4-713903: Group = DefaultL2LGroup, IP = {PEER}, ERROR, had problems decrypting "
           "packet, probably due to mismatched pre-shared key.  Aborting\n")
    bundle = Bundle([BundlePeer("fw", "cisco_asa", ME, None, {"show crypto isakmp sa": table, "show logging": log}),
                     BundlePeer("r2", None, PEER)], "t")
    diag = diagnose_bundle(bundle)
    assert diag.root_cause.code == "TUNNEL_GROUP_MISMATCH", [(s.node, s.outcome, s.detail) for s in diag.steps]
    assert "PEER_ADDRESS_MISMATCH" in {c.code for c in diag.possible_causes}
