"""Log and debug signatures of each root cause, as a table (shared/diagnoses.md's
"signatures" column; the Cisco documents say where each text comes from). Matched only
against the lines ``logscope`` gives a tunnel: this tunnel's peer, recent.

Order is the order of the troubleshooting flow (IOS-XE's IKMP_SETUP_FAILURE "fail_reason:
Peer did not respond" says more than the IKMP_MODE_FAILURE printed beside it), with one
exception: the generic
"atts (are) not acceptable" / "SA not acceptable" is printed for phase 1 AND phase 2
refusals (seed 001: "Transform Proposal Not Supported" and "Proxy Identities Not
Supported" show it after their own line), so it is tried after the phase 2 texts."""

from __future__ import annotations

from dataclasses import dataclass

from agent.parsing.model import LogLine


@dataclass(frozen=True)
class Signature:
    code: str
    needles: tuple[str | tuple[str, ...], ...]  #: any of them; a tuple: all of its texts in one line
    why: str  #: what the line means, for the finding's detail
    confidence: float = 0.8
    also: tuple[str, ...] = ()  #: other causes the same text fits: listed as possible causes


SIGNATURES: tuple[Signature, ...] = (
    # the path to the peer
    Signature("PEER_UNREACHABLE", ("Death by retransmission P1", "retransmitting phase 1", "IKE_RETRANS_FAIL",
                                   "Peer did not respond"),
              "this side retransmitted main mode until it gave up: the peer never answered", 0.7),
    # phase 1: authentication and identity
    Signature("TUNNEL_GROUP_MISMATCH", ("713206", "Conflicting protocols", ("DefaultL2LGroup", "pre-shared key")),
              "the ASA matched the peer to a tunnel-group not named after it (DefaultL2LGroup) or one whose protocols conflict"),
    Signature("PSK_MISMATCH", ("mismatched pre-shared key", "sanity check", "IKMP_BAD_MESSAGE", "Reserved Not Zero",
                               "Reserved not Zero on payload", "IKMP_NOT_ENCRYPTED", "was not encrypted and it should",
                               "IKMP_CRYPT_FAILURE", "unable to decrypt packet"),
              "the peer's IKE message could not be decrypted: the pre-shared keys differ", 0.85),
    Signature("PEER_ADDRESS_MISMATCH", ("No cert, and no keys", "no keys (public or pre-shared)", "No pre-shared key"),
              "no key is configured for the address the peer comes from"),
    # IKEv2 (IOS %IKEV2 / debug crypto ikev2, ASA 750xxx): no profile for the identity the peer
    # sends, a failed authentication (a key per direction, or the identity), selectors refused
    Signature("ISAKMP_IDENTITY_MISMATCH", ("Failed to locate an item in the database",),
              "the responder has no IKEv2 profile matching the identity the peer sends", 0.7,
              also=("PSK_MISMATCH",)),
    Signature("PSK_MISMATCH", ("AUTHENTICATION_FAILED", "Auth exchange failed", "Failed to authenticate"),
              "IKE_AUTH failed: the keys (one per direction in IKEv2) or the identities differ", 0.7,
              also=("ISAKMP_IDENTITY_MISMATCH",)),
    Signature("CRYPTO_MAP_NOT_APPLIED", ("invalid local address",),
              "the proposal arrived on an address no crypto map is applied to"),
    Signature("CRYPTO_MAP_INCOMPLETE", ("713063", "entry incomplete", "INCOMPLETE_CRYPTO_MAP"),
              "a crypto map entry lacks its peer, ACL or transform set, or was applied so and never activated", 0.75),
    Signature("IKE_POLICY_MISMATCH", ("phase 1 SA policy not acceptable", "no offers accepted", "NO_PROPOSAL_CHOSEN",
                                      "IKMP_MODE_FAILURE", "Main Mode failed", "does not match policy",
                                      "Phase 1 failure: Mismatched attribute", "IKE SA proposals found unacceptable",
                                      "Phase1 proposal mismatch", "Failed to find a matching policy"),
              "no ISAKMP policy of one peer was accepted by the other", 0.85),
    # phase 2
    Signature("PFS_MISMATCH", (("Phase 2 failure", "Group Description"),),
              "quick mode was refused on the PFS group: PFS is set on one side only, or the groups differ", 0.8),
    Signature("PROXY_ID_MISMATCH", ("proxy identities not supported", "invalid proxy IDs", "402116", "TS_UNACCEPTABLE",
                                    "no IPSEC policy found for received TS",
                                    "no matching crypto map entry", "Invalid ID info", "ACL does not match proxy IDs",
                                    "Crypto Map Policy not found", "RECVD_PKT_NOT_IPSEC"),
              "the proxy identities (crypto ACLs) of the two peers are not mirror images", 0.85),
    Signature("TRANSFORM_SET_MISMATCH", ("transform proposal", "IPSec SA proposals found unacceptable",
                                         "IPsec SA proposals found unacceptable", "Phase 2 failure: Mismatched attribute"),
              "no transform set of one peer was accepted by the other", 0.8),
    # the peer refused quick mode without saying why (seed 000: 713068 - the policy or the crypto ACL differs)
    Signature("TRANSFORM_SET_MISMATCH", ("No proposal chosen",),
              "the peer chose no proposal: most often the transform sets differ, PFS or the crypto ACLs can too", 0.6,
              also=("PFS_MISMATCH", "PROXY_ID_MISMATCH")),
    Signature("DYNAMIC_MAP_PRIORITY", ("Removing peer from correlator table failed", "unable to find policy"),
              "the peer's quick mode landed on an entry that is not its own (a dynamic entry numbered before it?)", 0.55),
    Signature("CRYPTO_ACL_OVERLAP", ("752006", "KEY_ACQUIRE message"),
              "two crypto map entries' ACLs overlap: the tunnel manager could not dispatch the request", 0.7),
    Signature("PROXY_ID_MISMATCH", ("713068", "IPSec policy invalidated proposal"),
              "quick mode was refused: the crypto ACLs (or the transform sets) differ", 0.6,
              also=("TRANSFORM_SET_MISMATCH", "PFS_MISMATCH")),
    Signature("IKE_POLICY_MISMATCH", ("atts are not acceptable", "atts not acceptable", "attrs are not acceptable"),
              "the peer's proposal was refused (no phase 2 text beside it: the ISAKMP policies)", 0.7),
    # data plane
    Signature("NAT_T_DISABLED", ("305006", "regular translation creation failed for protocol 50"),
              "ESP is being translated by NAT: NAT-T is off while a NAT device sits between the peers", 0.7),
    Signature("NAT_EXEMPTION_MISSING", ("305005", "No translation group found"),
              "tunnel traffic is translated before encryption: no NAT exemption matches the crypto ACL", 0.6),
    Signature("STALE_SA", ("invalid spi", "402101", "402114", "RECVD_PKT_INV_SPI", "IKMP_NO_SA"),
              "packets arrive for an SA this side no longer has"),
    Signature("ANTI_REPLAY_FAILURES", ("402119", "PKT_REPLAY_ERR", "replay check failed"),
              "packets fail the anti-replay check"),
    Signature("CRYPTO_ENGINE_ERRORS", ("VPN_HW", "HPRXERR", "402123", "402130", "HMAC verification failed",
                                       "RECVD_PKT_MAC_ERR", "mac verify failed"),
              "the crypto engine reports errors"),
    Signature("CRYPTO_BANDWIDTH_LIMIT", ("TX_BW_LIMIT",), "the crypto bandwidth licence limit is hit"),
    Signature("MTU_MSS", ("400024", "PKT_TOO_BIG", "frag. needed", "722036", "419001"), "large packets are dropped"),
    Signature("IKE_LIFETIME_MISMATCH", ("713092", "rekey collision"), "rekeys collide"),
    Signature("IDLE_TIMEOUT", ("Reason: Idle Timeout", "idle-time expired"), "the tunnel was torn down after a quiet period", 0.7),
)


def _holds(needle: str | tuple[str, ...], text: str) -> bool:
    parts = (needle,) if isinstance(needle, str) else needle
    return all(p.lower() in text for p in parts)


def matches(sig: Signature, line: LogLine) -> bool:
    text = f"{line.code} {line.message}".lower()
    if "atts are acceptable" in text or "attrs are acceptable" in text:
        return False
    return any(_holds(n, text) for n in sig.needles)


def first_match(lines: list[LogLine], codes: set[str] | None = None) -> tuple[Signature, list[LogLine]] | None:
    """The first signature of the table (restricted to ``codes``) that ``lines`` show,
    with the lines that show it."""
    for sig in SIGNATURES:
        if codes is not None and sig.code not in codes:
            continue
        hits = [ln for ln in lines if matches(sig, ln)]
        if hits:
            return sig, hits
    return None
