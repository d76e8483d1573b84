"""The tunnel's own log and debug lines read against the signature table
(``agent.engine.signatures``): which cause they name, as a check outcome, and the command
that would check each cause the evidence could not. Shared by the L2L checks and the
evidence checks."""

from __future__ import annotations

from typing import Any

from agent.engine.checks import facts as pf
from agent.engine.registry import Context, Outcome, PeerCtx
from agent.engine.signatures import SIGNATURES, first_match
from agent.parsing.model import LogLine
from agent.platforms import CHECK_WITH

#: signature code -> the branch the signature checks return for it
BRANCH = {
    "TUNNEL_GROUP_MISMATCH": "tunnel_group", "PSK_MISMATCH": "psk", "PEER_ADDRESS_MISMATCH": "peer_address",
    "CRYPTO_MAP_NOT_APPLIED": "map_not_applied", "IKE_POLICY_MISMATCH": "policy", "PROXY_ID_MISMATCH": "proxy",
    "TRANSFORM_SET_MISMATCH": "transform", "STALE_SA": "stale", "ANTI_REPLAY_FAILURES": "replay",
    "CRYPTO_ENGINE_ERRORS": "engine", "CRYPTO_BANDWIDTH_LIMIT": "bandwidth", "MTU_MSS": "mtu",
    "IKE_LIFETIME_MISMATCH": "lifetime", "PEER_UNREACHABLE": "unreachable", "CRYPTO_MAP_INCOMPLETE": "map_incomplete",
    "PFS_MISMATCH": "pfs", "DYNAMIC_MAP_PRIORITY": "dynamic_priority", "CRYPTO_ACL_OVERLAP": "acl_overlap",
    "NAT_T_DISABLED": "nat_t", "NAT_EXEMPTION_MISSING": "nat_exemption", "IDLE_TIMEOUT": "idle_timeout",
    "ISAKMP_IDENTITY_MISMATCH": "identity",
}
SIGNATURE_BRANCHES = ("isakmp_off", *BRANCH.values(), "none")

def command_for(ctx: Context, code: str) -> str:
    platforms = [p.platform for p in ctx.peers if p.platform] or ["cisco_ios"]
    return "; ".join(dict.fromkeys(CHECK_WITH.get(p, {}).get(code, "") for p in platforms if CHECK_WITH.get(p, {}).get(code))) \
        or "debug crypto isakmp / debug crypto ipsec, scoped to the peer"


def suspect_all(ctx: Context, why: str, *codes: str) -> None:
    for code in codes:
        ctx.suspect(code, why, command_for(ctx, code))


def signature_outcome(ctx: Context, codes: set[str] | None = None) -> Outcome | None:
    """The first catalog signature (in flow order) that this tunnel's own recent log or
    debug lines show, on either peer."""
    best: tuple[int, PeerCtx, Any, list[LogLine]] | None = None
    for peer in ctx.readable():
        found = first_match(pf.logs(peer, ""), codes)
        if found is None:
            continue
        sig, lines = found
        rank = SIGNATURES.index(sig)
        if best is None or rank < best[0]:
            best = (rank, peer, sig, lines)
    if best is None:
        return None
    _, peer, sig, lines = best
    other = ctx.other(peer)
    for code in sig.also:
        ctx.suspect(code, f"{lines[-1].code} fits it too: {sig.why}", command_for(ctx, code))
    line = lines[-1]
    summary = (f"{peer.name} logs {line.code}: \"{line.message[:160]}\" for {other.name} ({other.endpoint or '?'}): "
               f"{sig.why}.")
    return Outcome(BRANCH[sig.code], f"{peer.name}: {line.code} {line.message[:120]}", pf.log_ev(peer, lines[-2:]),
                   peer=peer.name, confidence=sig.confidence,
                   values={"peer": peer.name, "remote": other.endpoint or "?", "remote_peer": other.name,
                           "signature": line.code, "why": sig.why, "summary": summary})
