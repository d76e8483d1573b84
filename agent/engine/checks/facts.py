"""Public, typed accessors of one peer's facts for the checks (``agent.parsing.model.
PeerFacts``): a fact group is None when it was not read (unparsed is never "none there"),
and the helpers that pick this tunnel's rows out of a group (its SAs, its crypto map
entry, its tunnel-group, its log lines) with the evidence lines they rest on."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from ipaddress import ip_network
from typing import Any, TypeVar

from agent.engine.logscope import recent, tunnel_lines
from agent.engine.model import Evidence
from agent.engine.registry import Context, PeerCtx
from agent.parsing.model import (
    AclAction,
    AclEntry,
    AspDrop,
    CryptoMapEntry,
    CryptoSession,
    DeviceInfo,
    GroupPolicy,
    HostNames,
    IkeSettings,
    InterfaceAddress,
    IsakmpPolicy,
    Known,
    LogLine,
    NatRule,
    NetworkObject,
    PeerFacts,
    Phase1,
    Phase2Sa,
    PingResult,
    Route,
    Sysopt,
    TransformSet,
    TunnelGroup,
)

T = TypeVar("T")


def _read(peer: PeerCtx, pick: Callable[[PeerFacts], Known[T]]) -> Known[T] | None:
    """The group ``pick`` chooses, when the peer was read and the group could be."""
    if peer.facts is None:
        return None
    k = pick(peer.facts)
    return k if k.readable else None


def known_phase1(peer: PeerCtx) -> Known[list[Phase1]] | None:
    return _read(peer, lambda f: f.phase1)


def known_phase2(peer: PeerCtx) -> Known[list[Phase2Sa]] | None:
    return _read(peer, lambda f: f.phase2)


def known_isakmp_policies(peer: PeerCtx) -> Known[list[IsakmpPolicy]] | None:
    return _read(peer, lambda f: f.isakmp_policies)


def known_transform_sets(peer: PeerCtx) -> Known[list[TransformSet]] | None:
    return _read(peer, lambda f: f.transform_sets)


def known_crypto_maps(peer: PeerCtx) -> Known[list[CryptoMapEntry]] | None:
    return _read(peer, lambda f: f.crypto_maps)


def known_acl_entries(peer: PeerCtx) -> Known[list[AclEntry]] | None:
    return _read(peer, lambda f: f.acl_entries)


def known_nat_rules(peer: PeerCtx) -> Known[list[NatRule]] | None:
    return _read(peer, lambda f: f.nat_rules)


def known_routes(peer: PeerCtx) -> Known[list[Route]] | None:
    return _read(peer, lambda f: f.routes)


def known_interfaces(peer: PeerCtx) -> Known[list[InterfaceAddress]] | None:
    return _read(peer, lambda f: f.interfaces)


def known_sysopt(peer: PeerCtx) -> Known[Sysopt] | None:
    return _read(peer, lambda f: f.sysopt)


def known_tunnel_groups(peer: PeerCtx) -> Known[list[TunnelGroup]] | None:
    return _read(peer, lambda f: f.tunnel_groups)


def known_ike(peer: PeerCtx) -> Known[IkeSettings] | None:
    return _read(peer, lambda f: f.ike)


def known_logs(peer: PeerCtx) -> Known[list[LogLine]] | None:
    return _read(peer, lambda f: f.logs)


def known_pings(peer: PeerCtx) -> Known[list[PingResult]] | None:
    return _read(peer, lambda f: f.pings)


def known_sessions(peer: PeerCtx) -> Known[list[CryptoSession]] | None:
    return _read(peer, lambda f: f.sessions)


def known_asp_drops(peer: PeerCtx) -> Known[list[AspDrop]] | None:
    return _read(peer, lambda f: f.asp_drops)


def known_objects(peer: PeerCtx) -> Known[list[NetworkObject]] | None:
    return _read(peer, lambda f: f.objects)


def known_group_policies(peer: PeerCtx) -> Known[list[GroupPolicy]] | None:
    return _read(peer, lambda f: f.group_policies)


def known_device(peer: PeerCtx) -> Known[DeviceInfo] | None:
    return _read(peer, lambda f: f.device)


def known_names(peer: PeerCtx) -> Known[HostNames] | None:
    return _read(peer, lambda f: f.names)


# ---------------------------------------------------------------- by name, and this tunnel's rows


def known(peer: PeerCtx, group: str) -> Known[Any] | None:
    if peer.facts is None:
        return None
    k = getattr(peer.facts, group)
    return k if k.readable else None


def excerpt(known: Known[Any] | None, pattern: str | None = None, limit: int = 3) -> str:
    if known is None:
        return ""
    lines = [ln for ln in known.raw.splitlines() if ln.strip() and not ln.startswith("--- ")]  # not the command headers
    if pattern:
        rx = re.compile(pattern, re.I)
        lines = [ln for ln in lines if rx.search(ln)]
    return "\n".join(lines[:limit])


def ev(peer: PeerCtx, group: str, pattern: str | None = None, limit: int = 3) -> list[Evidence]:
    return known_ev(peer, known(peer, group), pattern, limit)


def known_ev(peer: PeerCtx, known: Known[Any] | None, pattern: str | None = None, limit: int = 3) -> list[Evidence]:
    """Evidence from a fact group's raw output: its first ``limit`` lines matching ``pattern``."""
    if known is None or not known.commands:
        return []
    text = excerpt(known, pattern, limit)
    return [Evidence(peer.name, known.commands[0], text)] if text else []


def phase1(peer: PeerCtx, remote: str | None) -> list[Phase1] | None:
    """The IKE SAs toward ``remote`` (or its NAT address); a row IOS marks "(deleted)" only
    when no live row stands beside it (a failed attempt next to the SA that is up)."""
    k = known_phase1(peer)
    if k is None:
        return None
    names = {remote, *ctx_remotes(peer)} - {None}
    rows = [p for p in k.value or [] if remote is None or str(p.peer) in names or p.peer_raw in names]
    live = [p for p in rows if "deleted" not in p.status_raw.lower()]
    return live or rows


def ctx_remotes(peer: PeerCtx) -> tuple[str, ...]:
    return peer.remotes


def phase2(peer: PeerCtx, remote: str | None) -> list[Phase2Sa] | None:
    """The IPsec flows whose own current peer is ``remote`` (or its NAT address): several
    peers can share one crypto map entry, so the block's peer decides, not the command."""
    k = known_phase2(peer)
    if k is None:
        return None
    names = {remote, *ctx_remotes(peer)} - {None}
    return [p for p in k.value or []
            if (remote is None or str(p.peer) in names or p.peer_raw in names)
            and (p.has_sa or not p.complete or bool(p.encaps or p.decaps))]  # a cut output keeps its counters


def logs(peer: PeerCtx, *needles: str, history: bool = False) -> list[LogLine]:
    """This tunnel's recent lines (``logscope``) holding one of ``needles``; since it last
    came up unless ``history``."""
    k = known_logs(peer)
    if k is None:
        return []
    mine = tunnel_lines(list(k.value or []), peer.remotes, peer.addresses, other_peers(peer), protected(peer),
                        history=history)
    return [ln for ln in mine if any(n.lower() in f"{ln.code} {ln.message}".lower() for n in needles)]


def protected(peer: PeerCtx) -> tuple[Any, ...]:
    """The networks this tunnel protects, as this peer's crypto ACL and SAs show them."""
    remote = peer.remotes[0] if peer.remotes else None
    entry = entry_for(peer, remote) if remote else None
    nets = [n for pair in acl(peer, entry.acl if entry else None) for n in pair]
    nets += [n for sa in phase2(peer, remote) or [] for n in (sa.local_ident, sa.remote_ident) if n is not None]
    return tuple(dict.fromkeys(nets))


def other_peers(peer: PeerCtx) -> bool | None:
    """Whether this device's crypto maps, L2L tunnel-groups or SA tables name a peer other
    than this tunnel's (None: none of them was read)."""
    seen: set[str] = set()
    read = False
    for group in ("crypto_maps", "phase1", "phase2", "tunnel_groups"):
        k = known(peer, group)
        if k is None:
            continue
        read = True
        for item in k.value or []:
            if group == "crypto_maps":
                seen.update(str(p) for p in item.peers)
            elif group == "tunnel_groups":
                if item.type in ("ipsec-l2l", "isakmp-key") and re.fullmatch(r"[\d.]+", item.name):
                    seen.add(item.name)
            elif getattr(item, "peer", None) is not None and getattr(item, "sa_type", "L2L") in ("", "L2L"):
                seen.add(str(item.peer))
    if not read:
        return None
    return bool(seen - set(peer.remotes) - {"0.0.0.0"})


def device_logs(peer: PeerCtx, *needles: str) -> list[LogLine]:
    """Recent lines about the device as a whole (ISAKMP turned off, crypto engine, licence
    limits), whoever they name."""
    k = known_logs(peer)
    if k is None:
        return []
    return [ln for ln in recent(list(k.value or [])) if any(n.lower() in f"{ln.code} {ln.message}".lower() for n in needles)]


def log_ev(peer: PeerCtx, lines: list[LogLine]) -> list[Evidence]:
    k = known_logs(peer)
    cmd = k.commands[0] if k and k.commands else "show logging"
    return [Evidence(peer.name, cmd, "\n".join(f"{ln.code}: {ln.message}" for ln in lines[:2]))] if lines else []


def any_logs(ctx: Context, *needles: str, history: bool = False) -> tuple[PeerCtx, list[LogLine]] | None:
    for peer in ctx.readable():
        found = logs(peer, *needles, history=history)
        if found:
            return peer, found
    return None


def entries(peer: PeerCtx) -> list[CryptoMapEntry]:
    k = known_crypto_maps(peer)
    return list(k.value or []) if k else []


def entry_for(peer: PeerCtx, remote: str | None) -> CryptoMapEntry | None:
    """The static crypto map entry toward ``remote`` (or, behind NAT, the address this
    peer knows it by)."""
    names = remote_names(peer, remote)
    for e in sorted(entries(peer), key=lambda e: e.seq):
        if not e.dynamic and names & set(e.peers):
            return e
    return None


def remote_names(peer: PeerCtx, remote: str | None) -> set[str | None]:
    """``remote`` and, when it is this peer's other side, the other's NAT address."""
    return {remote, *peer.remotes} if remote is not None and remote in peer.remotes else {remote}


def acl(peer: PeerCtx, name: str | None) -> list[tuple[Any, Any]]:
    k = known_acl_entries(peer)
    if k is None or not name:
        return []
    return [(e.src, e.dst) for e in k.value or [] if e.acl == name and e.action is AclAction.PERMIT and e.src and e.dst]


def groups(peer: PeerCtx) -> list[TunnelGroup]:
    k = known_tunnel_groups(peer)
    return list(k.value or []) if k else []


def group_for(peer: PeerCtx, remote: str | None) -> TunnelGroup | None:
    """The L2L group / ISAKMP key for ``remote``, merged over every command that showed
    it (`show run tunnel-group` masks the key, `more system:running-config` does not)."""
    names = remote_names(peer, remote) - {None}
    found = [g for g in groups(peer)
             if g.type in ("ipsec-l2l", "isakmp-key") and (g.name in names or any(covers(g.name, n) for n in names))]
    if not found:
        return None
    fingerprint = next((g.psk_fingerprint for g in found if g.psk_fingerprint), None)
    keepalive = next((g.keepalive for g in found if g.keepalive is not None), None)
    return replace(found[0], psk_fingerprint=fingerprint, keepalive=keepalive,
                   has_psk=any(g.has_psk for g in found), psk_masked=fingerprint is None and found[0].psk_masked)


def covers(name: str, addr: str | None) -> bool:
    if addr is None or "/" not in name:
        return False
    try:
        return ip_network(addr) .subnet_of(ip_network(name, strict=False))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False


def policies(peer: PeerCtx) -> list[tuple[str, str, str, int | None]] | None:
    k = known_isakmp_policies(peer)
    if k is None:
        return None
    return [(p.encryption, p.hash, p.authentication, p.dh_group) for p in k.value or [] if not p.builtin and p.ike_version == 1]


def fmt_policies(pols: Iterable[tuple[str, str, str, int | None]]) -> str:
    return ", ".join(f"{e}/{h}/group {g}" for e, h, _, g in pols) or "none"


def pair(ctx: Context) -> list[tuple[PeerCtx, PeerCtx]]:
    return [(ctx.a, ctx.b), (ctx.b, ctx.a)]


def any_fact(peer: PeerCtx) -> list[str]:
    """The fact groups a peer's outputs could be read into."""
    if peer.facts is None:
        return []
    return [name for name in ("logs", "isakmp_policies", "transform_sets", "crypto_maps", "acl_entries", "routes",
                              "tunnel_groups", "ike", "pings", "sessions", "asp_drops", "nat_rules", "sysopt")
            if known(peer, name) is not None]


