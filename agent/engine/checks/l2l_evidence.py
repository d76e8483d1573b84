"""Checks that read whatever evidence was given (issue 18): log and debug signatures of
this tunnel, the two configurations compared without SA tables, and what stops a
negotiation that never started (no route, no common policy, no key). Each says what it
could not check; a cause it can only suspect goes to ``Context.suspect``, never into a
finding."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

from agent.engine.checks import facts as pf
from agent.engine.checks.l2l import (
    _tunnel_interface,
    _within,
    entry_differences,
    isakmp_off,
)
from agent.engine.checks.signs import SIGNATURE_BRANCHES, signature_outcome, suspect_all
from agent.engine.registry import Context, Outcome, PeerCtx, check
from agent.parsing.normalize import to_ip


@check("tunnel_signatures", *SIGNATURE_BRANCHES)
def tunnel_signatures(ctx: Context) -> Outcome:
    """What this tunnel's own recent log and debug lines say (a signature of the catalog),
    and whether a peer has turned ISAKMP off."""
    off = isakmp_off(ctx)
    if off is not None:
        return off
    found = signature_outcome(ctx)
    if found is not None:
        return found
    logs = [p.name for p in ctx.readable() if pf.known_logs(p) is not None]
    return Outcome("none", "no log or debug line of this tunnel's peer names a cause"
                   + (f" (logs read: {', '.join(logs)})" if logs else " (no logs read)"))


@check("config_compare", "policy", "transform", "proxy", "pfs", "none")
def config_compare(ctx: Context) -> Outcome:
    """No SA table: compare what the two configurations propose (ISAKMP policies, the
    crypto map entries' transform sets, mirrored ACLs and PFS)."""
    policy = policy_difference(ctx)
    if policy is not None:
        return policy
    ea, eb = pf.entry_for(ctx.a, ctx.b.endpoint), pf.entry_for(ctx.b, ctx.a.endpoint)
    if ea is not None and eb is not None:
        values: dict[str, Any] = {"a": ctx.a.name, "b": ctx.b.name, "a_map": ea.map_name, "a_seq": ea.seq,
                                  "b_map": eb.map_name, "b_seq": eb.seq}
        found = entry_differences(ctx, ea, eb, values)
        if found is not None:
            branch = {"transform_mismatch": "transform", "proxy_mismatch": "proxy", "pfs_mismatch": "pfs"}[found.branch]
            return Outcome(branch, found.detail, found.evidence, found.peer, found.confidence, found.against,
                           found.not_checked, found.values)
    why = "no SA table was read, and the logs and configurations given do not show a cause"
    what = ["show crypto isakmp sa", "show crypto ipsec sa", "show logging"]
    return Outcome("none", why, not_checked=[f"SA tables of both peers ({', '.join(what)})"],
                   values={"why": f"{why}; run {', '.join(what)} on both peers"})


def policy_difference(ctx: Context) -> Outcome | None:
    """Both peers' ISAKMP policies read and none in common."""
    a_pol, b_pol = pf.policies(ctx.a), pf.policies(ctx.b)
    if a_pol and b_pol and not set(a_pol) & set(b_pol):
        return Outcome("policy", "no ISAKMP policy in common",
                       pf.ev(ctx.a, "isakmp_policies", "encr|hash|group|policy") + pf.ev(ctx.b, "isakmp_policies", "encr|hash|group|policy"),
                       values={"a": ctx.a.name, "b": ctx.b.name, "a_policies": pf.fmt_policies(a_pol),
                               "b_policies": pf.fmt_policies(b_pol)})
    return None


def _remote_networks(me: PeerCtx, other: PeerCtx) -> list[Any]:
    entry = pf.entry_for(me, other.endpoint)
    return [d for _, d in pf.acl(me, entry.acl if entry else None)]


def _has_route(routes: list[Any], net: Any) -> bool:
    return any(r.network is not None and _within(net, r.network) for r in routes)


def _traffic_tried(me: PeerCtx) -> list[str]:
    """What shows that this peer had traffic for the tunnel: a failed ping, NHRP
    registrations to the peer that were never answered."""
    out = []
    pings = pf.known_pings(me)
    for p in (pings.value or []) if pings else []:
        if p.success_pct is not None and p.success_pct < 100:
            out.append(f"ping {p.target}: {p.success_pct}% success")
    nhrp = pf.logs(me, "Registration Failure")
    if nhrp:
        out.append(f"{nhrp[-1].code}: NHRP registrations toward the peer fail")
    return out


@check("negotiation_blockers", "policy", "routing", "unreachable", "never_started", "none")
def negotiation_blockers(ctx: Context) -> Outcome:
    """No IKE SA anywhere and nothing in the crypto configuration stops one: do the
    policies intersect, is there a route for the protected network and to the peer, and
    did a peer that had traffic for the tunnel never start main mode?"""
    policy = policy_difference(ctx)
    if policy is not None:
        return policy
    for me, other in pf.pair(ctx):
        routes = pf.known_routes(me)
        if routes is None or me.facts is None:
            continue
        table = list(routes.value or [])
        missing = [n for n in _remote_networks(me, other) if not _has_route(table, n)]
        if missing:
            net = missing[0]
            return Outcome("routing", f"{me.name}: no route for {net}", pf.ev(me, "routes", r"Gateway|^\s*[SC*]"),
                           peer=me.name, values={"peer": me.name, "network": str(net),
                                                 "network_mask": f"{net.network_address} {net.netmask}"})
        peer_ip = to_ip(other.endpoint)
        if peer_ip is not None and table and not _has_route(table, ip_network(peer_ip)):
            return Outcome("unreachable", f"{me.name}: no route to the peer {other.endpoint}",
                           pf.ev(me, "routes", r"Gateway|^\s*[SC*]"), peer=me.name,
                           values={"peer": me.name, "remote": other.endpoint, "local": me.endpoint or "?",
                                   "interface": _tunnel_interface(me)})
    for me, other in pf.pair(ctx):
        if me.platform != "cisco_ios" or pf.phase1(me, other.endpoint) != []:
            continue
        p2 = pf.known_phase2(me)
        flow = [f for f in (p2.value or [] if p2 else []) if other.endpoint and str(f.peer) == other.endpoint]
        tried = _traffic_tried(me)
        if flow and tried:
            why = (f"{me.name} has traffic for {other.name} ({'; '.join(tried)}) and a crypto flow toward "
                   f"{other.endpoint}, yet never started main mode (no ISAKMP SA, not even MM_NO_STATE): IOS does "
                   f"this when it has no pre-shared key for the peer's address")
            suspect_all(ctx, "the initiator never started main mode", "PEER_ADDRESS_MISMATCH", "CRYPTO_MAP_NOT_APPLIED")
            return Outcome("never_started", why, pf.ev(me, "phase2", "current_peer") + pf.ev(me, "phase1"), peer=me.name,
                           confidence=0.55, values={"peer": me.name, "remote": other.endpoint, "summary": why + "."})
    return Outcome("none", "no route, policy or key problem visible")


__all__ = ["config_compare", "negotiation_blockers", "signature_outcome", "suspect_all", "tunnel_signatures"]
