"""Checks of the IKEv2 tree (``playbooks/l2l-ikev2.yaml``).  IKEv2 differs from IKEv1
where the TAC flow branches: an unanswered IKE_SA_INIT leaves the initiator IN-NEG, a
refused proposal or a failed authentication leaves no SA on either side (the
configuration of both peers and the 750003 / %IKEV2 logs tell why), keys may differ per
direction (local / remote), and a refused child SA leaves the IKE SA READY.  Phase 2
onward reuses the IKEv1 checks (``checks``): the IPsec SAs behave the same."""

from __future__ import annotations

import re
from typing import Any

from agent.engine.checks import facts as pf
from agent.engine.checks.ikev2_identity import identity_mismatch
from agent.engine.checks.l2l import (
    Offers,
    _fmt_pfs,
    _tunnel_interface,
    dynamic_priority,
    entry_differences,
    offered,
)
from agent.engine.registry import Context, Outcome, PeerCtx, check
from agent.parsing.facts_ikev2 import ike_encryption, ike_integrity
from agent.parsing.model import CryptoMapEntry, Phase1, Phase1State

# ---------------------------------------------------------------- helpers


def _v2(peer: PeerCtx, remote: str | None) -> list[Phase1] | None:
    sas = pf.phase1(peer, remote)
    if sas is None:
        return None
    return [s for s in sas if s.ike_version == 2 or s.state_raw.upper() in ("READY", "IN-NEG")]


def offers(peer: PeerCtx) -> set[tuple[str, str, int | None]] | None:
    """IKE_SA_INIT suites (encryption, integrity, DH group) the peer offers or accepts."""
    k = pf.known_isakmp_policies(peer)
    if k is None:
        return None
    out = set()
    for pol in k.value or []:
        if pol.ike_version != 2:
            continue
        for enc in pol.encryption.split():
            out.add((ike_encryption(enc), ike_integrity(pol.hash), pol.dh_group))
    return out


def _fmt_offers(suites: set[tuple[str, str, int | None]]) -> str:
    return ", ".join(f"{e}/{i}/group {g}" for e, i, g in sorted(suites, key=str)) or "none"


def child_offers(peer: PeerCtx, entry: CryptoMapEntry) -> Offers | None:
    """ESP transforms of the entry: ASA IKEv2 IPsec proposals, IOS transform sets."""
    return offered(peer, entry.ikev2_proposals if peer.platform == "cisco_asa" else entry.transform_sets)


def keys(peer: PeerCtx, remote: str | None) -> tuple[str | None, str | None] | None:
    """(local, remote) key fingerprints the peer uses with ``remote``, merged over every
    command that showed them; None when it has no IKEv2 key entry for that address."""
    found = [g for g in pf.groups(peer) if (g.type == "ipsec-l2l" or g.type.startswith("keyring"))
             and (g.name == remote or pf.covers(g.name, remote) or g.name.split()[0] == remote)]
    if not found:
        return None
    local = next((g.psk_local_fingerprint for g in found if g.psk_local_fingerprint), None)
    remote_fp = next((g.psk_remote_fingerprint for g in found if g.psk_remote_fingerprint), None)
    return local, remote_fp


def _ikev2_enabled(me: PeerCtx, entry: CryptoMapEntry | None) -> Outcome | None:
    """ASA: the interface the map is on lacks `crypto ikev2 enable`."""
    ike = pf.known_ike(me)
    if me.platform != "cisco_asa" or ike is None or ike.value is None or entry is None or not entry.interfaces:
        return None
    off = [i for i in entry.interfaces if i not in ike.value.ikev2_interfaces]
    if not off:
        return None
    return Outcome("isakmp_not_enabled", f"{me.name}: no 'crypto ikev2 enable {off[0]}'",
                   pf.ev(me, "ike", r"enable") or pf.ev(me, "crypto_maps", "interface"), peer=me.name,
                   values={"peer": me.name, "interface": off[0]})


def _local_blocker(me: PeerCtx, other: PeerCtx) -> Outcome | None:
    """What on ``me`` alone stops the tunnel: no entry for the peer, map not applied,
    IKEv2 not enabled."""
    if pf.known_crypto_maps(me) is None:
        return None
    entry = pf.entry_for(me, other.endpoint)
    if entry is None and pf.entries(me):
        configured = sorted({p for e in pf.entries(me) for p in e.peers})
        first = next((e for e in pf.entries(me) if not e.dynamic), pf.entries(me)[0])
        return Outcome("peer_address", f"{me.name} has no crypto map entry for {other.endpoint}",
                       pf.ev(me, "crypto_maps", "peer") + pf.ev(me, "tunnel_groups", "address|tunnel-group|peer"), peer=me.name,
                       values={"peer": me.name, "configured": ", ".join(configured) or "nothing",
                               "expected": other.endpoint, "map": first.map_name, "seq": first.seq})
    if entry is not None and not entry.interfaces:
        return Outcome("map_not_applied", f"{me.name}: crypto map {entry.map_name} is bound to no interface",
                       pf.ev(me, "crypto_maps", entry.map_name), peer=me.name,
                       values={"peer": me.name, "map": entry.map_name, "interface": _tunnel_interface(me)})
    return _ikev2_enabled(me, entry)


def _policy(ctx: Context) -> Outcome | None:
    oa, ob = offers(ctx.a), offers(ctx.b)
    if oa and ob and not oa & ob:
        return Outcome("policy_mismatch", "no IKEv2 proposal in common",
                       pf.ev(ctx.a, "isakmp_policies", "ikev2|encryption|integrity|group")
                       + pf.ev(ctx.b, "isakmp_policies", "ikev2|encryption|integrity|group"),
                       values={"a": ctx.a.name, "b": ctx.b.name, "a_policies": _fmt_offers(oa), "b_policies": _fmt_offers(ob)})
    return None


# ---------------------------------------------------------------- phase 1


@check("ikev2_sa_state", "established", "negotiating", "absent", "unknown")
def ikev2_sa_state(ctx: Context) -> Outcome:
    """IKEv2 SA toward the other peer on each side: READY, IN-NEG (IKE_SA_INIT unanswered)
    or none at all (refused proposals and failed authentication delete the SA)."""
    readable = 0
    ready: list[tuple[PeerCtx, Phase1]] = []
    waiting: list[tuple[PeerCtx, Phase1]] = []
    for me, other in pf.pair(ctx):
        sas = _v2(me, other.endpoint)
        if sas is None:
            continue
        readable += 1
        ready += [(me, s) for s in sas if s.state is Phase1State.ESTABLISHED]
        waiting += [(me, s) for s in sas if s.state is not Phase1State.ESTABLISHED]
    if not readable:
        if any(pf.phase2(p, ctx.other(p).endpoint) for p in ctx.readable()):
            return Outcome("established", "IKEv2 SAs not read; IPsec SAs exist, so the IKE SA was up",
                           not_checked=["IKEv2 SA table (not collected)"])
        return Outcome("unknown", "no IKE SA table could be read", values={"why": "no IKE SA table could be read"})
    states = ", ".join(f"{p.name} {s.state_raw}" for p, s in ready + waiting)
    evidence = [e for p, _ in ready + waiting for e in pf.ev(p, "phase1", r"READY|IN-NEG|Status")]
    if ready:
        return Outcome("established", f"IKEv2: {states}", evidence)
    if waiting:
        peer = waiting[0][0]
        return Outcome("negotiating", f"IKEv2: {states}", evidence, peer=peer.name,
                       values={"states": states, "peer": peer.name, "remote": ctx.other(peer).endpoint})
    return Outcome("absent", "no IKEv2 SA for this tunnel on any readable peer")


@check("ikev2_responder_config", "isakmp_not_enabled", "map_not_applied", "policy_mismatch", "wrong_peer", "unreachable")
def ikev2_responder_config(ctx: Context) -> Outcome:
    """The initiator's IKE_SA_INIT is not answered: IKEv2 off on the responder's
    interface, its map not applied, no entry for the initiator - or the packets never arrive."""
    ini = next((p for p in ctx.readable() if any(s.state_raw == "IN-NEG" for s in _v2(p, ctx.other(p).endpoint) or [])), ctx.a)
    resp = ctx.other(ini)
    values = {"peer": ini.name, "remote": resp.endpoint, "local": ini.endpoint, "interface": _tunnel_interface(ini)}
    if resp.facts is not None:
        blocker = _local_blocker(resp, ini)
        if blocker is not None:
            if blocker.branch == "peer_address":
                return Outcome("wrong_peer", blocker.detail, blocker.evidence, peer=blocker.peer, values=blocker.values)
            return blocker
        policy = _policy(ctx)
        if policy is not None:
            return policy
        hit = pf.any_logs(ctx, "750001", "OSAL_INITIATE_TUNNEL")
        return Outcome("unreachable", f"{ini.name} gets no answer to IKE_SA_INIT from {resp.endpoint}",
                       pf.ev(ini, "phase1", r"IN-NEG") + (pf.log_ev(*hit) if hit else []),
                       peer=ini.name, confidence=0.75, values=values)
    return Outcome("unreachable", f"{ini.name} gets no answer from {resp.endpoint or 'its peer'}", pf.ev(ini, "phase1", r"IN-NEG"),
                   peer=ini.name, confidence=0.55, not_checked=[f"{resp.name}: configuration (responder not readable)"],
                   values=values)


@check("ikev2_failure", "map_not_applied", "isakmp_not_enabled", "policy_mismatch", "identity_mismatch", "peer_address",
       "tunnel_group", "psk_mismatch", "psk_unverified", "none")
def ikev2_failure(ctx: Context) -> Outcome:
    """No IKEv2 SA anywhere: compare what stops IKE_SA_INIT (map, enable, proposals) and
    IKE_AUTH (the identity each peer sends against the other's IKEv2 profiles, an entry,
    a tunnel-group and a key for the peer, each direction's key) on
    both peers, then the logs; "none" hands over to the checks both IKE versions share
    (incomplete entry, overlapping ACLs, idle timeout, else nothing tried)."""
    for me, other in pf.pair(ctx):
        if me.facts is None:
            continue
        blocker = _local_blocker(me, other)
        if blocker is not None:
            return blocker
    policy = _policy(ctx)
    if policy is not None:
        return policy
    identity = identity_mismatch(ctx)
    if identity is not None:
        return identity
    verdict = _keys(ctx)
    if verdict is not None:
        return verdict
    for branch, needles in (
        ("policy_mismatch", ("no proposal chosen", "Failed to find a matching policy")),
        ("peer_address", ("Failed to locate an item in the database", "751002")),
        ("psk_unverified", ("AUTHENTICATION_FAILED", "Auth exchange failed")),
    ):
        hit = pf.any_logs(ctx, *needles)
        if hit is not None:
            peer, lines = hit
            return Outcome(branch, f"{peer.name} logs: {lines[0].message[:120]}", pf.log_ev(peer, lines), peer=peer.name,
                           confidence=0.7, values={"a": ctx.a.name, "b": ctx.b.name, "a_policies": "?", "b_policies": "?",
                                                   "states": "no IKEv2 SA (deleted after the failure)",
                                                   "peer": peer.name, "configured": "?", "expected": ctx.other(peer).endpoint,
                                                   "remote": ctx.other(peer).endpoint, "map": "?", "seq": "?"},
                           not_checked=["the configuration behind the log (not readable on both peers)"])
    return Outcome("none", "both configurations allow IKE_SA_INIT and IKE_AUTH", values={"after_probe": ""})


def _is_address(name: str) -> bool:
    return bool(re.fullmatch(r"[\d.:a-fA-F/ ]+", name))


def _keys(ctx: Context) -> Outcome | None:
    ka, kb = keys(ctx.a, ctx.b.endpoint), keys(ctx.b, ctx.a.endpoint)
    for me, other, mine in ((ctx.a, ctx.b, ka), (ctx.b, ctx.a, kb)):
        named = [g for g in pf.groups(me) if g.type == "ipsec-l2l" and not _is_address(g.name)]
        if mine is None and me.platform == "cisco_asa" and named:
            return Outcome("tunnel_group", f"{me.name}: L2L tunnel-group {named[0].name} is not named {other.endpoint}",
                           pf.ev(me, "tunnel_groups", "tunnel-group"), peer=me.name,
                           values={"peer": me.name, "remote": other.endpoint,
                                   "why": f"it is named {named[0].name}, not {other.endpoint}"})
        if mine is None and pf.known_tunnel_groups(me) is not None and me.facts is not None:
            return Outcome("peer_address", f"{me.name} has no IKEv2 key for {other.endpoint}",
                           pf.ev(me, "tunnel_groups", "tunnel-group|peer|address"), peer=me.name,
                           values={"peer": me.name, "configured": ", ".join(g.name for g in pf.groups(me)) or "nothing",
                                   "expected": other.endpoint, "map": "?", "seq": "?"})
    if ka is None or kb is None:
        return None
    ev = pf.ev(ctx.a, "tunnel_groups", "pre-shared-key") + pf.ev(ctx.b, "tunnel_groups", "pre-shared-key")
    states = "no IKEv2 SA on either peer (IKE_AUTH failed and deleted it)"
    for signer, verifier, sign_key, verify_key in ((ctx.a, ctx.b, ka[0], kb[1]), (ctx.b, ctx.a, kb[0], ka[1])):
        if sign_key and verify_key and sign_key != verify_key:
            why = f"{signer.name} signs with {sign_key}, {verifier.name} expects {verify_key}"
            return Outcome("psk_mismatch", f"IKEv2 keys differ in one direction: {why}", ev,
                           values={"states": f"{states}; {why}", "remote": ctx.b.endpoint})
    if not all((ka[0], ka[1], kb[0], kb[1])):
        ctx.not_checked.append("IKEv2 key fingerprints (a key not readable on a peer)")
    return None


# ---------------------------------------------------------------- the child SA


@check("ikev2_child_config", "dynamic_priority", "transform_mismatch", "proxy_mismatch", "pfs_mismatch", "unknown")
def ikev2_child_config(ctx: Context) -> Outcome:
    """IKE SA READY, no child SA: a dynamic entry ahead of the peer's static one (the
    responder picks it and its proposals), IPsec proposal / transform set, traffic
    selectors (the crypto ACLs mirrored), PFS (which only a CREATE_CHILD_SA - a rekey -
    negotiates)."""
    shadowed = dynamic_priority(ctx)
    if shadowed is not None:
        return shadowed
    ea, eb = pf.entry_for(ctx.a, ctx.b.endpoint), pf.entry_for(ctx.b, ctx.a.endpoint)
    values: dict[str, Any] = {"a": ctx.a.name, "b": ctx.b.name, "a_map": ea.map_name if ea else "?",
                              "a_seq": ea.seq if ea else "?", "b_map": eb.map_name if eb else "?", "b_seq": eb.seq if eb else "?",
                              "a_sets": "?", "b_sets": "?", "a_acl": "?", "b_acl": "?"}
    if ea is not None and eb is not None:
        found = entry_differences(ctx, ea, eb, values, offers=child_offers, pfs=pfs_outcome)
        if found is not None:
            return found
    for branch, needles in (("proxy_mismatch", ("TS_UNACCEPTABLE", "no IPSEC policy found for received TS", "751022")),
                            ("transform_mismatch", ("NO_PROPOSAL_CHOSEN", "matching IPsec proposal"))):
        hit = pf.any_logs(ctx, *needles)
        if hit is not None:
            peer, lines = hit
            return Outcome(branch, f"{peer.name} logs {lines[0].code}", pf.log_ev(peer, lines), confidence=0.7, values=values)
    return Outcome("unknown", "the child SA fails and the configurations do not show why",
                   not_checked=["child SA proposal comparison (configuration not readable on both peers)"],
                   values={"why": "the child SA fails for a reason the configurations do not show"})


def pfs_outcome(ctx: Context, ea: CryptoMapEntry, eb: CryptoMapEntry, values: dict[str, Any]) -> Outcome:
    return Outcome("pfs_mismatch", f"PFS {ea.pfs_group} vs {eb.pfs_group}",
                   pf.ev(ctx.a, "crypto_maps", "pfs") + pf.ev(ctx.b, "crypto_maps", "pfs")
                   + (pf.log_ev(*hit) if (hit := pf.any_logs(ctx, "NO_PROPOSAL_CHOSEN", "matching IPsec proposal")) else []),
                   values={**values, "a_pfs": _fmt_pfs(ea.pfs_group), "b_pfs": _fmt_pfs(eb.pfs_group)})


@check("ikev2_rekey_pfs", "differs", "same")
def ikev2_rekey_pfs(ctx: Context) -> Outcome:
    """The tunnel passes traffic; IKEv2 leaves PFS out of the first child SA, so a PFS
    difference shows only when the child SA is rekeyed (CREATE_CHILD_SA fails then)."""
    ea, eb = pf.entry_for(ctx.a, ctx.b.endpoint), pf.entry_for(ctx.b, ctx.a.endpoint)
    if ea is not None and eb is not None and ea.pfs_group != eb.pfs_group:
        values = {"a": ctx.a.name, "b": ctx.b.name, "a_map": ea.map_name, "a_seq": ea.seq, "b_map": eb.map_name, "b_seq": eb.seq}
        out = pfs_outcome(ctx, ea, eb, values)
        return Outcome("differs", out.detail + " (the next rekey will fail)", out.evidence, values=out.values)
    return Outcome("same", "PFS configured alike on both peers")
