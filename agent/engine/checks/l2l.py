"""The checks the playbooks name.  Each reads the normalised facts of BOTH peers
(``agent.parsing.model.PeerFacts``) and returns an outcome with the evidence it rests on.
No I/O: what a check cannot see it lists in ``not_checked``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from agent.engine.checks import facts as pf
from agent.engine.checks.signs import signature_outcome
from agent.engine.registry import Context, Outcome, PeerCtx, check
from agent.parsing.model import (
    AclAction,
    CryptoMapEntry,
    LogLine,
    Phase1,
    Phase1State,
)
from agent.platforms import CHECK_PHASE2_WITH

# ---------------------------------------------------------------- evidence and phase 1


def infer_nat(ctx: Context) -> list[str]:
    """A peer behind NAT is known to the other side by another address (issue 18, rule 6).
    When both SA tables were read and one side has no flow for the other's own address,
    a flow whose inbound SPI is the other's outbound SPI toward it is the same tunnel: its
    current peer is the other's translated address. Returns what was inferred, to say so."""
    said = []
    for me, other in pf.pair(ctx):
        if other.nat_address or pf.known_phase2(me) is None or pf.known_phase2(other) is None:
            continue
        if pf.phase2(me, other.endpoint):
            continue
        theirs = {s for f in pf.phase2(other, me.endpoint) or [] for s in (f.spis_out or ((f.spi_out,) if f.spi_out else ()))}
        k = pf.known_phase2(me)
        for flow in (k.value or []) if k else []:
            mine = set(flow.spis_in or ((flow.spi_in,) if flow.spi_in else ()))
            if flow.peer is not None and mine & theirs:
                other.nat_address = str(flow.peer)
                me.remotes = other.addresses
                said.append(f"{me.name} sees {other.name} as {flow.peer} (behind NAT: the SPIs pair up)")
                break
    return said


@check("evidence", "both", "one", "other", "none")
def evidence(ctx: Context) -> Outcome:
    """Which peers' SA tables could be read; without any, whether logs, debug output,
    configuration or counters were given (each answers the checks it can)."""
    nat = infer_nat(ctx)
    readable = [p for p in ctx.peers if pf.known_phase1(p) is not None or pf.known_phase2(p) is not None]
    missing = [p.name for p in ctx.peers if p not in readable]
    why = "; ".join(f"{p.name}: {p.error or 'no SA table (show crypto isakmp sa / show crypto ipsec sa) read'}"
                    for p in ctx.peers if p not in readable)
    not_checked = [f"{name}: SA tables (not read)" for name in missing]
    if len(readable) == len(ctx.peers) and len(readable) >= 2:
        return Outcome("both", "; ".join(["both peers readable", *nat]))
    if readable:
        return Outcome("one", f"only {readable[0].name}'s SA tables read ({why})", not_checked=not_checked)
    given = {p.name: pf.any_fact(p) for p in ctx.peers if pf.any_fact(p)}
    if given:
        return Outcome("other", "no SA table read; walking what was given: "
                       + "; ".join(f"{n}: {', '.join(g)}" for n, g in given.items()), not_checked=not_checked)
    return Outcome("none", why, not_checked=not_checked, values={"why": why or "no peer could be read"})


PRIORITY = [Phase1State.XAUTH, Phase1State.AUTH_FAILED_OR_PENDING, Phase1State.NEGOTIATING_KEY,
            Phase1State.NEGOTIATING_NO_REPLY]
STATE_BRANCH = {Phase1State.XAUTH: "xauth", Phase1State.AUTH_FAILED_OR_PENDING: "auth",
                Phase1State.NEGOTIATING_KEY: "no_key", Phase1State.NEGOTIATING_NO_REPLY: "no_reply"}


@check("phase1_state", "established", "absent", "no_reply", "no_key", "auth", "xauth", "unknown")
def phase1_state(ctx: Context) -> Outcome:
    """Phase 1 toward the other peer on each side; a stuck state wins over none."""
    seen: dict[Phase1State, list[tuple[PeerCtx, Phase1]]] = {}
    readable = 0
    for me, other in pf.pair(ctx):
        sas = pf.phase1(me, other.endpoint)
        if sas is None:
            continue
        readable += 1
        for sa in sas:
            seen.setdefault(sa.state, []).append((me, sa))
    with_sas = [p for p in ctx.readable() if pf.phase2(p, ctx.other(p).endpoint)]
    if not readable:
        if with_sas:
            return Outcome("established", "phase 1 not read; IPsec SAs exist, so it was established",
                           not_checked=["phase 1 table (not collected)"])
        return Outcome("unknown", "no phase 1 table could be read", values={"why": "no phase 1 table could be read"})
    if not seen and with_sas:  # IPsec SAs outlive their IKE SA; a pasted table may list other peers only
        return Outcome("established", f"no IKE SA listed for this peer, but {with_sas[0].name} holds IPsec SAs with it: "
                       "phase 1 was established")
    states = ", ".join(f"{p.name} {sa.state_raw}" for hits in seen.values() for p, sa in hits)
    evidence = [e for hits in seen.values() for p, _ in hits for e in pf.ev(p, "phase1", r"MM_|QM_|AM_|AG_|CONF_|READY|State")]
    for state in PRIORITY:
        if state in seen:
            peer, sa = seen[state][0]
            return Outcome(STATE_BRANCH[state], f"phase 1: {states}", evidence, peer=peer.name,
                           values={"states": states, "peer": peer.name, "remote": ctx.other(peer).endpoint})
    if Phase1State.ESTABLISHED in seen:
        return Outcome("established", f"phase 1: {states}", evidence)
    return Outcome("absent", "no IKE SA for this tunnel on any readable peer", evidence)


# ---------------------------------------------------------------- why no negotiation at all


def _bound(peer: PeerCtx, entry: CryptoMapEntry | None) -> bool:
    return entry is not None and bool(entry.interfaces)


@check("local_config", "map_not_applied", "isakmp_not_enabled", "map_incomplete", "acl_overlap", "idle_timeout", "none")
def local_config(ctx: Context) -> Outcome:
    """Nothing negotiated: a map not on the interface, IKE not enabled, an entry never
    activated, an overlapping entry, or an idle timeout that took the tunnel down."""
    for me, other in pf.pair(ctx):
        if me.facts is None:
            continue
        verdict = _map_or_ike(me, other)
        if verdict is not None:
            return verdict
    for me, other in pf.pair(ctx):
        # 713063 names no peer ("destination 0.0.0.0"): with no IKE SA for this tunnel, a recent one is its
        found = pf.logs(me, "713063", "INCOMPLETE_CRYPTO_MAP", "entry incomplete") or pf.device_logs(
            me, "713063", "INCOMPLETE_CRYPTO_MAP", "entry incomplete")
        entry = pf.entry_for(me, other.endpoint)
        if found or (entry is not None and entry.incomplete):
            return Outcome("map_incomplete", f"{me.name}: crypto map entry incomplete or inactive",
                           pf.log_ev(me, found) + pf.ev(me, "crypto_maps", "incomplete"), peer=me.name,
                           values={"peer": me.name, "map": entry.map_name if entry else "?",
                                   "seq": entry.seq if entry else "?", "interface": _tunnel_interface(me)})
    for me, other in pf.pair(ctx):
        overlap = _overlap(me, other.endpoint)
        if overlap is not None:
            shadow, entry = overlap
            found = pf.logs(me, "752006", "KEY_ACQUIRE")
            return Outcome("acl_overlap", f"{me.name}: entry {shadow.seq} overlaps entry {entry.seq}",
                           pf.log_ev(me, found) + pf.ev(me, "crypto_maps", shadow.acl or ""), peer=me.name,
                           values={"peer": me.name, "map": shadow.map_name, "seq": shadow.seq, "acl": shadow.acl,
                                   "tunnel_seq": entry.seq})
    hit = pf.any_logs(ctx, "Idle Timeout", "idle-time")
    if hit is not None:
        peer, lines = hit
        return Outcome("idle_timeout", f"{peer.name}: torn down after idle time", pf.log_ev(peer, lines), peer=peer.name,
                       values={"signature": lines[0].code})
    ctx.wants.append("probe")
    return Outcome("none", "configuration allows negotiation; no SA was ever attempted",
                   values={"after_probe": ""})


def _map_or_ike(me: PeerCtx, other: PeerCtx) -> Outcome | None:
    """``me``'s crypto map entry toward ``other`` bound to no interface (as far as the
    outputs read can show), or IKE not enabled where it is bound."""
    entry = pf.entry_for(me, other.endpoint)
    if entry is not None and not entry.interfaces and binding_known(me):
        return Outcome("map_not_applied", f"{me.name}: crypto map {entry.map_name} is bound to no interface",
                       pf.ev(me, "crypto_maps", entry.map_name), peer=me.name,
                       values={"peer": me.name, "map": entry.map_name, "interface": _tunnel_interface(me)})
    return _ike_enabled(me, entry)


def binding_known(peer: PeerCtx) -> bool:
    """Whether the outputs read show every interface a crypto map is applied to: the ASA's
    crypto configuration does; on IOS `show crypto map` ("Interfaces using crypto map") or
    a whole running-config, not a filtered one (`| section crypto` drops the interface
    line above an applied map, `| include` drops whole blocks)."""
    k = pf.known_crypto_maps(peer)
    if k is None:
        return False
    if peer.platform != "cisco_ios":
        return True
    return any("|" not in c and ("crypto m" in c or "run" in c) for c in k.commands)


def isakmp_off(ctx: Context) -> Outcome | None:
    """IOS logs `%CRYPTO-6-ISAKMP_ON_OFF: ISAKMP is OFF` when no crypto map or tunnel
    protection is left on any interface; its newest such line says how it stands."""
    for peer in ctx.readable():
        lines = pf.device_logs(peer, "ISAKMP_ON_OFF")
        if lines and "off" in lines[-1].message.lower():
            line = lines[-1]
            return Outcome("isakmp_off", f"{peer.name}: {line.code}: {line.message} (its newest such line)",
                           pf.log_ev(peer, [line]), peer=peer.name,
                           values={"peer": peer.name, "interface": _tunnel_interface(peer),
                                   "summary": f"{peer.name} has turned ISAKMP off ('{line.message}'): no crypto map "
                                              "or tunnel protection is applied to any of its interfaces, so it "
                                              "answers no IKE negotiation."})
    return None


def _tunnel_interface(peer: PeerCtx) -> str:
    for e in pf.entries(peer):
        if e.interfaces:
            return e.interfaces[0]
    return "outside" if peer.platform == "cisco_asa" else "<WAN interface>"


def _ike_enabled(me: PeerCtx, entry: CryptoMapEntry | None) -> Outcome | None:
    ike = pf.known_ike(me)
    if ike is None or ike.value is None or entry is None or not entry.interfaces:
        return None
    settings = ike.value
    if me.platform == "cisco_asa":
        off = [i for i in entry.interfaces if i not in settings.enabled_interfaces]
        if off:
            return Outcome("isakmp_not_enabled", f"{me.name}: no 'crypto ikev1 enable {off[0]}'",
                           pf.ev(me, "ike", r"enable") or pf.ev(me, "crypto_maps", "interface"), peer=me.name,
                           values={"peer": me.name, "interface": off[0]})
    elif settings.enabled_globally is False:
        return Outcome("isakmp_not_enabled", f"{me.name}: no crypto isakmp enable", pf.ev(me, "ike", "enable"),
                       peer=me.name, values={"peer": me.name, "interface": entry.interfaces[0]})
    return None


def _overlap(me: PeerCtx, remote: str | None) -> tuple[CryptoMapEntry, CryptoMapEntry] | None:
    entry = pf.entry_for(me, remote)
    if entry is None:
        return None
    mine = pf.acl(me, entry.acl)
    for other in pf.entries(me):
        if other.map_name != entry.map_name or other.seq >= entry.seq or other.dynamic:
            continue
        theirs = pf.acl(me, other.acl)
        if any(s1.overlaps(s2) and d1.overlaps(d2) for s1, d1 in mine for s2, d2 in theirs):
            return other, entry
    return None


# ---------------------------------------------------------------- main mode stuck


def _stuck(ctx: Context, state: Phase1State) -> tuple[PeerCtx, PeerCtx]:
    """(initiator, responder) for a tunnel stuck in ``state``."""
    for me, other in pf.pair(ctx):
        sas = pf.phase1(me, other.endpoint) or []
        if any(sa.state is state for sa in sas):
            return me, other
    return ctx.a, ctx.b


@check("responder_config", "isakmp_not_enabled", "map_not_applied", "policy_mismatch", "wrong_peer", "unreachable")
def responder_config(ctx: Context) -> Outcome:
    """The initiator gets no answer to main mode 1: IKE off on the responder, its map not
    applied, no common policy - or the packets never arrive."""
    ini, resp = _stuck(ctx, Phase1State.NEGOTIATING_NO_REPLY)
    values = {"peer": ini.name, "remote": resp.endpoint, "local": ini.endpoint, "interface": _tunnel_interface(ini)}
    if resp.facts is not None:
        off = isakmp_off(ctx)
        if off is not None:
            return Outcome("isakmp_not_enabled", off.detail, off.evidence, peer=off.peer, values=off.values)
        verdict = _map_or_ike(resp, ini)
        if verdict is not None:
            return verdict
        a_pol, b_pol = pf.policies(ini), pf.policies(resp)
        if a_pol is not None and b_pol is not None and a_pol and b_pol and not set(a_pol) & set(b_pol):
            return Outcome("policy_mismatch", "no ISAKMP policy in common",
                           pf.ev(ini, "isakmp_policies", "encr|hash|group|policy") + pf.ev(resp, "isakmp_policies", "encr|hash|group|policy"),
                           values={"a": ini.name, "b": resp.name, "a_policies": pf.fmt_policies(a_pol),
                                   "b_policies": pf.fmt_policies(b_pol)})
        entry_b = pf.entry_for(resp, ini.endpoint)
        if entry_b is None and pf.known_crypto_maps(resp) is not None and pf.entries(resp):
            other_peers = sorted({p for e in pf.entries(resp) for p in e.peers})
            return Outcome("wrong_peer", f"{resp.name} has no crypto map entry for {ini.endpoint}",
                           pf.ev(resp, "crypto_maps", "peer"), peer=resp.name,
                           values={"peer": resp.name, "configured": ", ".join(other_peers), "expected": ini.endpoint,
                                   "map": pf.entries(resp)[0].map_name, "seq": pf.entries(resp)[0].seq})
    said = signature_outcome(ctx, set(_NO_REPLY))  # this tunnel's log and debug lines
    if said is not None:
        return Outcome(_NO_REPLY_BRANCH[said.branch], said.detail, said.evidence, said.peer, said.confidence,
                       values={**values, "a": ini.name, "b": resp.name, "a_policies": "?", "b_policies": "?",
                               **said.values})
    if resp.facts is None:
        # the responder cannot be read: rank by what the initiator's state says (seed 001:
        # IOS keeps MM_NO_STATE when main mode is refused; seed 000: ASA MM_WAIT_MSG2 = no answer)
        sas = pf.phase1(ini, resp.endpoint) or []
        not_checked = [f"{resp.name}: configuration (responder not readable)"]
        policy_values = {"a": ini.name, "b": resp.name, "a_policies": pf.fmt_policies(pf.policies(ini) or []), "b_policies": "?"}
        if any(sa.state_raw == "MM_NO_STATE" for sa in sas):
            ctx.suspect("PEER_UNREACHABLE", f"{ini.name} MM_NO_STATE also fits an unanswered main mode",
                        f"ping {resp.endpoint or '<peer>'} (from {ini.name}); the responder's show crypto isakmp sa")
            return Outcome("policy_mismatch", f"{ini.name} MM_NO_STATE: main mode failed (no policy accepted, or no reply)",
                           pf.ev(ini, "phase1", "MM_NO_STATE"), confidence=0.5, not_checked=not_checked,
                           values=policy_values)
        ctx.suspect("IKE_POLICY_MISMATCH", f"{resp.name} could not be read: it may refuse every proposal",
                    "show crypto isakmp policy (both peers)")
        return Outcome("unreachable", f"{ini.name} gets no reply from {resp.endpoint or 'its peer'}",
                       pf.ev(ini, "phase1", r"MM_|AG_"), peer=ini.name, confidence=0.55, not_checked=not_checked,
                       values=values)
    return Outcome("unreachable", f"{ini.name} gets no reply from {resp.endpoint}",
                   pf.ev(ini, "phase1", r"MM_|AG_"), peer=ini.name, confidence=0.75, values=values)


#: what the logs can say about an unanswered main mode, and this check's branch for each
_NO_REPLY = ("IKE_POLICY_MISMATCH", "PEER_UNREACHABLE", "PEER_ADDRESS_MISMATCH", "CRYPTO_MAP_NOT_APPLIED")
_NO_REPLY_BRANCH = {"policy": "policy_mismatch", "unreachable": "unreachable", "peer_address": "wrong_peer",
                    "map_not_applied": "map_not_applied"}


@check("peer_identity_config", "tunnel_group", "peer_address")
def peer_identity_config(ctx: Context) -> Outcome:
    """The responder has no key for the initiator's address."""
    ini, resp = _stuck(ctx, Phase1State.NEGOTIATING_KEY)
    entry = pf.entry_for(resp, ini.endpoint)
    values = {"peer": resp.name, "remote": ini.endpoint, "expected": ini.endpoint}
    if resp.platform == "cisco_asa":
        groups = [g for g in pf.groups(resp) if g.type == "ipsec-l2l"]
        named = [g for g in groups if not re.fullmatch(r"[\d.:a-fA-F]+", g.name)]
        if pf.group_for(resp, ini.endpoint) is None and named and entry is not None:
            return Outcome("tunnel_group", f"{resp.name}: L2L tunnel-group {named[0].name} is not named {ini.endpoint}",
                           pf.ev(resp, "tunnel_groups", "tunnel-group"), peer=resp.name,
                           values={**values, "why": f"it is named {named[0].name}, not {ini.endpoint}"})
    configured = sorted({p for e in pf.entries(resp) for p in e.peers if p != ini.endpoint}) or [
        g.name for g in pf.groups(resp) if g.name != ini.endpoint]
    first = next((e for e in pf.entries(resp) if not e.dynamic), None)
    return Outcome("peer_address", f"{resp.name} has no key/peer for {ini.endpoint}",
                   pf.ev(ini, "phase1", r"MM_|State") + pf.ev(resp, "crypto_maps", "peer")
                   + pf.ev(resp, "tunnel_groups", "tunnel-group|key"), peer=resp.name,
                   values={**values, "configured": ", ".join(configured) or "nothing",
                           "map": first.map_name if first else "?", "seq": first.seq if first else "?"})


@check("auth_stage", "psk_mismatch", "psk_unverified", "identity_mismatch", "group_policy_conflict")
def auth_stage(ctx: Context) -> Outcome:
    """Main mode reached MM5/MM6: compare PSK fingerprints, identities, group-policy."""
    ini, resp = _stuck(ctx, Phase1State.AUTH_FAILED_OR_PENDING)
    states = ", ".join(f"{p.name} {sa.state_raw}" for p in ctx.readable() for sa in pf.phase1(p, ctx.other(p).endpoint) or [])
    hit = pf.any_logs(ctx, "713206", "Conflicting protocols")
    if hit is not None:
        peer, lines = hit
        return Outcome("group_policy_conflict", "tunnel-group and group-policy protocols conflict", pf.log_ev(peer, lines),
                       peer=peer.name, values={"peer": peer.name, "remote": ctx.other(peer).endpoint,
                                               "why": "its group-policy does not allow IKEv1 (vpn-tunnel-protocol)"})
    default = signature_outcome(ctx, {"TUNNEL_GROUP_MISMATCH"})  # seed 000: "Group = DefaultL2LGroup ... mismatched key"
    if default is not None:
        ctx.suspect("PEER_ADDRESS_MISMATCH", "the ASA found no tunnel-group named after the address the peer comes "
                    "from: that address may be the wrong one", "show running-config tunnel-group; show crypto isakmp sa")
        return Outcome("group_policy_conflict", default.detail, default.evidence, default.peer, default.confidence,
                       values={"why": "the ASA matched it to DefaultL2LGroup", **default.values})
    fa = pf.group_for(ctx.a, ctx.b.endpoint)
    fb = pf.group_for(ctx.b, ctx.a.endpoint)
    ev = pf.ev(ctx.a, "tunnel_groups", "key") + pf.ev(ctx.b, "tunnel_groups", "key")
    if fa and fb and fa.psk_fingerprint and fb.psk_fingerprint:
        if fa.psk_fingerprint != fb.psk_fingerprint:
            return Outcome("psk_mismatch", f"PSK fingerprints differ ({fa.psk_fingerprint} vs {fb.psk_fingerprint})",
                           ev, values={"states": states, "remote": ctx.b.endpoint})
        ids = _identities(ctx)
        if ids and len(set(ids.values())) > 1:
            return Outcome("identity_mismatch", f"identities differ: {ids}", pf.ev(ctx.a, "ike", "identity") + pf.ev(ctx.b, "ike", "identity"),
                           values={"identities": ", ".join(f"{k} {v}" for k, v in ids.items())})
        return Outcome("psk_unverified", "the fingerprints match; authentication still fails", ev, confidence=0.4,
                       against=["PSK fingerprints are equal"], values={"states": states, "remote": ctx.b.endpoint})
    ids = _identities(ctx)
    if ids and len(set(ids.values())) > 1:
        return Outcome("identity_mismatch", f"identities differ: {ids}", pf.ev(ctx.a, "ike", "identity") + pf.ev(ctx.b, "ike", "identity"),
                       values={"identities": ", ".join(f"{k} {v}" for k, v in ids.items())})
    logs = pf.any_logs(ctx, "mismatched pre-shared key", "sanity check", "IKMP_BAD_MESSAGE")
    return Outcome("psk_unverified", "main mode stops at MM5/MM6; the keys could not be compared",
                   pf.ev(ini, "phase1", "MM_") + (pf.log_ev(*logs) if logs else []),
                   confidence=0.8 if logs else 0.6, not_checked=["PSK fingerprints (keys not readable on both peers)"],
                   values={"states": states, "remote": resp.endpoint})


def _identities(ctx: Context) -> dict[str, str]:
    out = {}
    for p in ctx.readable():
        k = pf.known_ike(p)
        if k is not None and k.value is not None:
            ident = k.value.identity or "address"
            out[p.name] = "address" if ident == "auto" else ident
    return out if len(out) == 2 else {}


# ---------------------------------------------------------------- phase 2


@check("phase2_state", "none", "one_side", "both")
def phase2_state(ctx: Context) -> Outcome:
    """IPsec SAs for this tunnel on each side."""
    have = {}
    for me, other in pf.pair(ctx):
        sas = pf.phase2(me, other.endpoint)
        if sas is not None:
            have[me.name] = bool(sas)
    if len(have) == 2 and sum(have.values()) == 1:
        holder = next(p for p in ctx.peers if have.get(p.name))
        other = ctx.other(holder)
        lines = pf.logs(other, "invalid spi", "402101", "402114", "RECVD_PKT_INV_SPI", "IKMP_NO_SA")
        why = f"{other.name} has no IPsec SA for {holder.endpoint}"
        return Outcome("one_side", why, pf.ev(holder, "phase2", "current_peer|spi") + pf.log_ev(other, lines),
                       peer=holder.name, values={"peer": holder.name, "remote_peer": other.name,
                                                 "remote": other.endpoint, "why": why})
    if any(have.values()):
        return Outcome("both", "IPsec SAs on " + ", ".join(n for n, v in have.items() if v))
    return Outcome("none", "phase 1 up, no IPsec SA", [e for p in ctx.readable() for e in pf.ev(p, "phase2", "no ipsec|There are no")])


def dynamic_priority(ctx: Context) -> Outcome | None:
    """A dynamic entry numbered below a peer's static entry in the same map: the peer's
    phase 2 lands on the dynamic entry (seed 000: dynamic map entries come last)."""
    for me, other in pf.pair(ctx):
        entry = pf.entry_for(me, other.endpoint)
        dyn = [e for e in pf.entries(me) if e.dynamic and entry is not None and e.map_name == entry.map_name and e.seq < entry.seq]
        if dyn and entry is not None:
            return Outcome("dynamic_priority", f"{me.name}: dynamic entry {dyn[0].seq} before static {entry.seq}",
                           pf.ev(me, "crypto_maps", "dynamic"), peer=me.name,
                           values={"peer": me.name, "remote": other.endpoint, "dyn_seq": dyn[0].seq,
                                   "dyn_map": dyn[0].dynamic_map or "?", "map": dyn[0].map_name, "seq": entry.seq})
    return None


@check("phase2_config", "transform_mismatch", "proxy_mismatch", "pfs_mismatch", "dynamic_priority", "unknown")
def phase2_config(ctx: Context) -> Outcome:
    """Quick mode fails: compare transform sets, mirrored ACLs, PFS, dynamic map order."""
    shadowed = dynamic_priority(ctx)
    if shadowed is not None:
        return shadowed
    ea, eb = pf.entry_for(ctx.a, ctx.b.endpoint), pf.entry_for(ctx.b, ctx.a.endpoint)
    values: dict[str, Any] = {"a": ctx.a.name, "b": ctx.b.name, "a_map": ea.map_name if ea else "?",
                              "a_seq": ea.seq if ea else "?", "b_map": eb.map_name if eb else "?", "b_seq": eb.seq if eb else "?"}
    if ea is not None and eb is not None:
        found = entry_differences(ctx, ea, eb, values)
        if found is not None:
            return found
    said = signature_outcome(ctx, set(_PHASE2_CODES))  # the signature table's phase 2 texts
    if said is not None:
        return Outcome(_PHASE2_BRANCH[said.branch], said.detail, said.evidence, said.peer, min(said.confidence or 0.7, 0.75),
                       values={**values, **said.values, "a_sets": "?", "b_sets": "?", "a_acl": "?", "b_acl": "?"})
    unread = [p.name for p in ctx.peers if pf.known_crypto_maps(p) is None or pf.known_transform_sets(p) is None]
    for code in ("TRANSFORM_SET_MISMATCH", "PFS_MISMATCH", "PROXY_ID_MISMATCH"):
        ctx.suspect(code, "phase 1 is up and no IPsec SA forms: quick mode is refused",
                    "; ".join(dict.fromkeys(CHECK_PHASE2_WITH[p.platform or "cisco_ios"] for p in ctx.peers if p.platform))
                    or CHECK_PHASE2_WITH["cisco_ios"])
    why = ("phase 1 is up and quick mode fails, but "
           + (f"the phase 2 configuration of {', '.join(unread)} was not read" if unread
              else "the configurations read do not show why")
           + " (transform sets, PFS and crypto ACLs decide it; a scoped debug crypto ipsec shows the refusal)")
    return Outcome("unknown", "phase 2 fails and the configurations do not show why",
                   not_checked=["phase 2 proposal comparison (configuration not readable on both peers)"],
                   values={"why": why})


#: the phase 2 codes the signature table can name, and its branch for each -> this check's
_PHASE2_CODES = ("PROXY_ID_MISMATCH", "TRANSFORM_SET_MISMATCH", "PFS_MISMATCH", "DYNAMIC_MAP_PRIORITY")
_PHASE2_BRANCH = {"proxy": "proxy_mismatch", "transform": "transform_mismatch", "pfs": "pfs_mismatch",
                  "dynamic_priority": "dynamic_priority"}


Offers = list[tuple[tuple[str, ...], str]]  #: (sorted transforms, mode) per transform set / proposal


def entry_differences(ctx: Context, ea: CryptoMapEntry, eb: CryptoMapEntry, values: dict[str, Any],
                      offers: Callable[[PeerCtx, CryptoMapEntry], Offers | None] | None = None,
                      pfs: Callable[[Context, CryptoMapEntry, CryptoMapEntry, dict[str, Any]], Outcome] | None = None,
                      ) -> Outcome | None:
    """What the two peers' crypto map entries for each other disagree on, in the order
    phase 2 / the child SA negotiates it: the transforms offered (``offers``: IKEv1
    transform sets by default), the crypto ACLs mirrored, PFS (``pfs`` words it)."""
    sa, sb = (offers or _sets)(ctx.a, ea), (offers or _sets)(ctx.b, eb)
    if sa is not None and sb is not None and not set(sa) & set(sb):
        return Outcome("transform_mismatch", "no transform set in common" if offers is None else
                       "no IPsec proposal / transform set in common",
                       pf.ev(ctx.a, "transform_sets") + pf.ev(ctx.b, "transform_sets"),
                       values={**values, "a_sets": _fmt_sets(sa), "b_sets": _fmt_sets(sb)})
    acl_a, acl_b = pf.acl(ctx.a, ea.acl), pf.acl(ctx.b, eb.acl)
    if acl_a and acl_b and not _mirrored(acl_a, acl_b):
        return Outcome("proxy_mismatch", "crypto ACLs are not mirror images",
                       pf.ev(ctx.a, "acl_entries", ea.acl or "") + pf.ev(ctx.b, "acl_entries", eb.acl or ""),
                       values={**values, "a_acl": _fmt_acl(acl_a), "b_acl": _fmt_acl(acl_b)})
    if ea.pfs_group != eb.pfs_group:
        if pfs is not None:
            return pfs(ctx, ea, eb, values)
        return Outcome("pfs_mismatch", f"PFS {ea.pfs_group} vs {eb.pfs_group}",
                       pf.ev(ctx.a, "crypto_maps", "pfs") + pf.ev(ctx.b, "crypto_maps", "pfs"),
                       values={**values, "a_pfs": _fmt_pfs(ea.pfs_group), "b_pfs": _fmt_pfs(eb.pfs_group)})
    return None


def _sets(peer: PeerCtx, entry: CryptoMapEntry) -> Offers | None:
    return offered(peer, entry.transform_sets)


def offered(peer: PeerCtx, names: Iterable[str]) -> Offers | None:
    """The transforms of the named transform sets / IPsec proposals, in the entry's order;
    None when the peer's transform sets could not be read."""
    k = pf.known_transform_sets(peer)
    if k is None:
        return None
    by_name = {t.name: t for t in k.value or []}
    return [(tuple(sorted(t.transforms)), t.mode.value if t.mode else "tunnel")
            for t in (by_name.get(n) for n in names) if t is not None]


def _fmt_sets(sets: list[tuple[tuple[str, ...], str]]) -> str:
    return "; ".join(f"{' '.join(t)} ({m})" for t, m in sets) or "none"


def _mirrored(a: list[tuple[Any, Any]], b: list[tuple[Any, Any]]) -> bool:
    """Every pair of A is covered by B mirrored, or the other way round (a narrower
    proposal is accepted by the wider side)."""
    def covered(xs: list[tuple[Any, Any]], ys: list[tuple[Any, Any]]) -> bool:
        return all(any(src.subnet_of(d2) and dst.subnet_of(s2) for s2, d2 in ys) for src, dst in xs)

    try:
        return covered(a, b) or covered(b, a)
    except TypeError:
        return True  # mixed IPv4/IPv6: not comparable here


def _fmt_acl(pairs: list[tuple[Any, Any]]) -> str:
    return ", ".join(f"{s} -> {d}" for s, d in pairs)


def _fmt_pfs(group: int | None) -> str:
    return f"PFS group {group}" if group else "no PFS"


# ---------------------------------------------------------------- data plane


@check("spis_pair", "stale", "paired", "unknown")
def spis_pair(ctx: Context) -> Outcome:
    """A's outbound SPI must be B's inbound SPI and the reverse."""
    a, b = pf.phase2(ctx.a, ctx.b.endpoint), pf.phase2(ctx.b, ctx.a.endpoint)
    if not a or not b:
        return Outcome("unknown", "SPIs of one side not readable", not_checked=["SPI pairing (one side not readable)"])
    a_out = {s for f in a for s in (f.spis_out or ((f.spi_out,) if f.spi_out else ()))}
    b_in = {s for f in b for s in (f.spis_in or ((f.spi_in,) if f.spi_in else ()))}
    b_out = {s for f in b for s in (f.spis_out or ((f.spi_out,) if f.spi_out else ()))}
    a_in = {s for f in a for s in (f.spis_in or ((f.spi_in,) if f.spi_in else ()))}
    if (a_out and b_in and not a_out & b_in) or (b_out and a_in and not b_out & a_in):
        return Outcome("stale", "SPIs do not pair up across the peers",
                       pf.ev(ctx.a, "phase2", "spi") + pf.ev(ctx.b, "phase2", "spi"),
                       values={"peer": ctx.a.name, "remote_peer": ctx.b.name, "remote": ctx.b.endpoint,
                               "why": "their SPIs do not pair up"})
    return Outcome("paired", "SPIs pair up")


def asp_baseline(ctx: Context) -> dict[str, dict[str, int]]:
    """The ASP drop counters as read now, for a later read to compare against."""
    out: dict[str, dict[str, int]] = {}
    for peer in ctx.readable():
        k = pf.known_asp_drops(peer)
        if k is not None:
            out[peer.name] = {d.reason: d.count for d in k.value or []}
    return out


@check("asp_expired_context", "expired", "ok")
def asp_expired_context(ctx: Context) -> Outcome:
    """ASA: 'Expired VPN context' drops. The counter counts since boot or the last clear
    (issue 18, rule 3): it is a finding when it rose since a previous read (live: before
    and after the probe). One read of it is a suspicion: what an SA shows beside it (inbound
    decrypted, outbound never encrypted) is also what a missing NAT exemption shows."""
    baseline: dict[str, dict[str, int]] | None = ctx.scratch.get("asp_baseline")
    for peer in ctx.readable():
        k = pf.known_asp_drops(peer)
        if k is None:
            continue
        for drop in k.value or []:
            text = f"{drop.reason} {drop.description}".lower()
            if not ("vpn-context-expired" in text or "expired vpn context" in text) or drop.count <= 0:
                continue
            values = {"peer": peer.name, "count": drop.count, "remote": ctx.other(peer).endpoint}
            if baseline is not None:
                rising = drop.count - baseline.get(peer.name, {}).get(drop.reason, 0)
                if rising > 0:
                    return Outcome("expired", f"{peer.name}: {drop.description or drop.reason} rose by {rising} "
                                   f"(now {drop.count})", pf.ev(peer, "asp_drops", "context"), peer=peer.name, values=values)
                continue
            ctx.suspect("EXPIRED_VPN_CONTEXT",
                        f"{peer.name}'s show asp drop counts {drop.count} expired-context drops since boot or the last "
                        "clear; one read cannot tell whether they still rise",
                        "show asp drop, twice, with traffic sent between the reads")
    return Outcome("ok", "no expired VPN context drops rising")


def _counts(peer: PeerCtx, remote: str | None) -> tuple[int, int] | None:
    sas = pf.phase2(peer, remote)
    if sas is None:
        return None
    return sum(s.encaps or 0 for s in sas), sum(s.decaps or 0 for s in sas)


@check("traffic_direction", "flowing", "idle", "lost_in_path", "not_returned", "one_way")
def traffic_direction(ctx: Context) -> Outcome:
    """Encaps on one side against decaps on the other."""
    ca, cb = _counts(ctx.a, ctx.b.endpoint), _counts(ctx.b, ctx.a.endpoint)
    ev = pf.ev(ctx.a, "phase2", "#pkts (en|de)caps") + pf.ev(ctx.b, "phase2", "#pkts (en|de)caps")
    for (me, c_me), (other, c_other) in (((ctx.a, ca), (ctx.b, cb)), ((ctx.b, cb), (ctx.a, ca))):
        if c_me and c_other is not None and c_me[0] > 0 and c_other[1] == 0:
            return Outcome("lost_in_path", f"{me.name} encaps {c_me[0]}, {other.name} decaps 0", ev, peer=me.name,
                           values={"peer": me.name, "remote_peer": other.name, "encaps": c_me[0],
                                   "remote": other.endpoint})
    for me, c_me in ((ctx.a, ca), (ctx.b, cb)):
        if c_me and c_me[1] > 0 and c_me[0] == 0:
            return Outcome("not_returned", f"{me.name} decaps {c_me[1]} but encaps 0", ev, peer=me.name,
                           values={"peer": me.name})
    for (me, c_me), c_other in (((ctx.a, ca), cb), ((ctx.b, cb), ca)):
        if c_me and c_other is None and c_me[0] > 0 and c_me[1] == 0:
            other = ctx.other(me)
            why = (f"{me.name} encrypts ({c_me[0]} packets) and decrypts nothing; {other.name}'s SAs were not read, "
                   "so where the traffic stops cannot be told")
            for code in ("ESP_BLOCKED", "NAT_EXEMPTION_MISSING", "ROUTING_MISSING"):
                ctx.suspect(code, f"one-way traffic seen from {me.name} only",
                            f"show crypto ipsec sa peer {me.endpoint or '<this peer>'} on {other.name}")
            return Outcome("one_way", why, ev, peer=me.name,
                           values={"peer": me.name, "summary": f"Traffic is one-way: {why}."})
    if (ca is None or ca == (0, 0)) and (cb is None or cb == (0, 0)):
        return Outcome("idle", "no packets counted on the SAs", ev)
    return Outcome("flowing", f"counters: {ctx.a.name} {ca}, {ctx.b.name} {cb}", ev)


@check("path_loss_cause", "nat_t_disabled", "engine_errors", "esp_blocked")
def path_loss_cause(ctx: Context) -> Outcome:
    """Encrypted packets never decrypted: corruption logs, NAT-T off, or ESP dropped."""
    sender = next((p for p in ctx.peers if p.name == (ctx.scratch.get("sender") or ctx.a.name)), ctx.a)
    hit = pf.any_logs(ctx, "VPN_HW", "HPRXERR", "402123", "402130", "HMAC verification failed")
    if hit is not None:
        peer, lines = hit
        return Outcome("engine_errors", f"{peer.name} logs {lines[0].code}", pf.log_ev(peer, lines), peer=peer.name,
                       values={"peer": peer.name, "signature": lines[0].code})
    off = []
    for p in ctx.readable():
        k = pf.known_ike(p)
        if k is not None and k.value is not None and k.value.nat_traversal is False:
            off.append(p.name)
    values = {"peer": sender.name, "remote_peer": ctx.other(sender).name, "remote": ctx.other(sender).endpoint,
              "nat_t_off": ", ".join(off), "encaps": "some"}
    if off:
        return Outcome("nat_t_disabled", f"NAT-T disabled on {', '.join(off)}",
                       [e for p in ctx.readable() if p.name in off for e in pf.ev(p, "ike", "nat-traversal")],
                       values=values, against=["a NAT device in the path is not visible from the peers"])
    return Outcome("esp_blocked", "ESP leaves one peer and never reaches the other",
                   [e for p in ctx.readable() for e in pf.ev(p, "phase2", "#pkts (en|de)caps")], values=values)


@check("return_path_cause", "sysopt", "nat_exemption", "routing", "unknown")
def return_path_cause(ctx: Context) -> Outcome:
    """A side decrypts but never encrypts: sysopt/ACL, NAT exemption, routing."""
    me = next((p for p in ctx.peers if (c := _counts(p, ctx.other(p).endpoint)) and c[1] > 0 and c[0] == 0), ctx.a)
    other = ctx.other(me)
    entry = pf.entry_for(me, other.endpoint)
    pairs = pf.acl(me, entry.acl if entry else None)
    values: dict[str, Any] = {"peer": me.name}
    sysopt = pf.known_sysopt(me)
    if me.platform == "cisco_asa" and sysopt is not None and sysopt.value is not None and not sysopt.value.permit_vpn:
        lines = pf.logs(me, "106023", "Deny")
        return Outcome("sysopt", f"{me.name}: no sysopt connection permit-vpn",
                           pf.ev(me, "sysopt", "permit-vpn") + pf.log_ev(me, lines), peer=me.name, values=values)
    nat = pf.known_nat_rules(me)
    if nat is not None and pairs and not _exempt(me, pairs):
        return Outcome("nat_exemption", f"{me.name}: no NAT exemption for {_fmt_acl(pairs)}",
                       pf.ev(me, "nat_rules", "nat|deny"), peer=me.name, values=values)
    routes = pf.known_routes(me)
    if routes is not None and pairs:
        remote_nets = [d for _, d in pairs]
        missing = [n for n in remote_nets if not any(r.network is not None and _within(n, r.network) for r in routes.value or [])]
        if missing:
            return Outcome("routing", f"{me.name}: no route for {missing[0]}", pf.ev(me, "routes", r"^\s*S|Gateway"),
                           peer=me.name, values={**values, "network": str(missing[0]),
                                                 "network_mask": f"{missing[0].network_address} {missing[0].netmask}"})
    unread = []
    if nat is None:
        unread.append(f"{me.name}: NAT exemption (NAT rules not collected)")
        ctx.suspect("NAT_EXEMPTION_MISSING", f"{me.name}'s NAT rules were not read",
                    "show nat" if me.platform == "cisco_asa" else "show running-config | section ip nat|access-list")
    if routes is None or not pairs:
        unread.append(f"{me.name}: routing to the remote network (routes or crypto ACL not collected)")
        ctx.suspect("ROUTING_MISSING", f"{me.name}'s routes or crypto ACL were not read",
                    "show route" if me.platform == "cisco_asa" else "show ip route")
    if me.platform == "cisco_asa" and sysopt is None:
        unread.append(f"{me.name}: sysopt connection permit-vpn (not collected)")
        ctx.suspect("SYSOPT_PERMIT_VPN_DISABLED", f"{me.name}'s sysopt settings were not read",
                    "show running-config all sysopt")
    return Outcome("unknown", f"{me.name} decrypts but does not encrypt", pf.ev(me, "phase2", "#pkts (en|de)caps"),
                   peer=me.name, values=values, not_checked=unread)


def _within(net: Any, route: Any) -> bool:
    try:
        return bool(net.subnet_of(route))
    except TypeError:
        return False


def _exempt(me: PeerCtx, pairs: list[tuple[Any, Any]]) -> bool:
    """Is local->remote traffic exempt from NAT (or not translated at all)?"""
    k = pf.known_nat_rules(me)
    rules = list(k.value or []) if k else []
    if not rules:
        return True  # no NAT at all: nothing to exempt from
    if me.platform == "cisco_ios":
        acl_names = {r.acl for r in rules if r.acl}
        acl = pf.known_acl_entries(me)
        for src, dst in pairs:
            for name in acl_names:
                entries = [e for e in (acl.value or [] if acl else []) if e.acl == name and e.src and e.dst]
                first = next((e for e in entries if _within(src, e.src) and _within(dst, e.dst)), None)
                if first is None or first.action is not AclAction.DENY:
                    return False
        return True
    return any(r.exempt for r in rules)


# ---------------------------------------------------------------- both ways: lurking problems


SIGNATURES: list[tuple[str, tuple[str, ...]]] = [
    ("proxy", ("402116",)),  # an ESP packet whose addresses do not match the SA's proxies (SAs up)
    ("replay", ("402119", "PKT_REPLAY_ERR", "replay check failed")),
    ("engine_errors", ("VPN_HW", "HPRXERR", "402123", "402130")),
    ("bandwidth", ("CERM-4-TX_BW_LIMIT", "TX_BW_LIMIT")),
    ("mtu", ("400024", "PKT_TOO_BIG", "frag. needed", "722036", "419001")),
    ("preserve_flows", ("Tunnel has been torn down",)),
    ("lifetime", ("713092", "rekey collision")),
]


@check("log_signatures", "proxy", "replay", "mtu", "bandwidth", "engine_errors", "preserve_flows", "lifetime", "keepalive", "clean")
def log_signatures(ctx: Context) -> Outcome:
    """Traffic flows: look for the seeds' warning signs and config differences."""
    found: list[tuple[str, PeerCtx, list[LogLine]]] = []
    for branch, needles in SIGNATURES:
        hit = pf.any_logs(ctx, *needles, history=True) or _device_wide(ctx, branch, needles)
        if hit is None:
            continue
        peer, lines = hit
        if branch == "preserve_flows":
            sysopt = pf.known_sysopt(peer)
            if sysopt is not None and sysopt.value is not None and sysopt.value.preserve_vpn_flows:
                continue
        found.append((branch, peer, lines))
    _counter_suspicions(ctx)
    lifetimes = _lifetimes(ctx)
    if lifetimes and not any(b == "lifetime" for b, _, _ in found) and len(set(lifetimes.values())) > 1:
        found.append(("lifetime", ctx.a, []))
    keep = _keepalives(ctx)
    for branch, peer, lines in found:
        values = {"peer": peer.name, "signature": lines[0].code if lines else "configuration",
                  "lifetimes": ", ".join(f"{k} {v}s" for k, v in lifetimes.items()), "remote": ctx.other(peer).endpoint}
        return Outcome(branch, f"{peer.name}: {values['signature']}", pf.log_ev(peer, lines), peer=peer.name, values=values)
    if keep and len(set(keep.values())) > 1:
        return Outcome("keepalive", f"keepalive differs: {keep}",
                       pf.ev(ctx.a, "tunnel_groups", "keepalive") + pf.ev(ctx.b, "ike", "keepalive"),
                       values={"keepalives": ", ".join(f"{k} {v}" for k, v in keep.items()), "remote": ctx.b.endpoint})
    return Outcome("clean", "traffic both ways, no warning signs")


def _device_wide(ctx: Context, branch: str, needles: tuple[str, ...]) -> tuple[PeerCtx, list[LogLine]] | None:
    """Lines that name no tunnel but still speak for this one: the crypto bandwidth cap is
    the whole device's; IOS replay errors name an SA's connection id, not a peer, and are
    this tunnel's when its own SA counts receive errors."""
    for peer in ctx.readable():
        lines = pf.device_logs(peer, *needles)
        if not lines:
            continue
        if branch == "bandwidth":
            return peer, lines
        if branch == "replay" and any(sa.recv_errors for sa in pf.phase2(peer, ctx.other(peer).endpoint) or []):
            return peer, lines
    return None


def _counter_suspicions(ctx: Context) -> None:
    """SA error counters count since the SA was built: offline, one read of them is a
    suspicion (issue 18, rules 3 and 8) - packets decapsulated but not decrypted (HMAC or
    decryption failures), receive errors (packets for SAs this side does not have)."""
    for me, other in pf.pair(ctx):
        for sa in pf.phase2(me, other.endpoint) or []:
            if sa.decaps is not None and sa.decrypts is not None and sa.decrypts < sa.decaps:
                ctx.suspect("CRYPTO_ENGINE_ERRORS", f"{me.name}: #pkts decrypt {sa.decrypts} below #pkts decaps "
                            f"{sa.decaps}", "show crypto ipsec sa, twice, with traffic sent between the reads")
            if sa.recv_errors:
                ctx.suspect("STALE_SA", f"{me.name}: #recv errors {sa.recv_errors} on its SA with {other.name}",
                            "show crypto ipsec sa, twice, with traffic sent between the reads; show logging")


@check("user_symptoms")
def user_symptoms(ctx: Context) -> Outcome:
    """The devices are clean; only the people using the tunnel know whether large
    transfers hang while small packets pass (seed 000: MTU / MSS).  Asks the operator."""
    mss = [f"{p.name}: tcp-mss {v}" for p in ctx.readable() if (v := _tcp_mss(p)) is not None]
    return Outcome("ask", "the devices cannot show what users experience",
                   values={"signature": "reported by the operator: small packets pass, large transfers hang"
                                        + (f" ({'; '.join(mss)})" if mss else "")})


def _tcp_mss(peer: PeerCtx) -> int | None:
    k = pf.known_sysopt(peer)
    value = getattr(k.value, "tcpmss", None) if k is not None and k.value is not None else None
    return value if isinstance(value, int) else None


def _lifetimes(ctx: Context) -> dict[str, int]:
    out = {}
    for p in ctx.readable():
        k = pf.known_isakmp_policies(p)
        pols = [x for x in (k.value or [] if k else []) if not x.builtin and x.lifetime]
        if pols:
            out[p.name] = min(x.lifetime or 0 for x in pols)
    return out if len(out) == 2 else {}


def _keepalives(ctx: Context) -> dict[str, str]:
    out = {}
    for me, other in pf.pair(ctx):
        if me.facts is None:
            continue
        keep = None
        group = pf.group_for(me, other.endpoint)
        if group is not None and group.keepalive is not None:
            keep = group.keepalive
        else:
            k = pf.known_ike(me)
            if k is not None and k.value is not None:
                keep = k.value.keepalive
        if keep is None and me.platform == "cisco_asa":
            out[me.name] = "on"  # the ASA default: threshold 10 retry 2
        else:
            out[me.name] = "on" if keep is not None and keep.enabled else "off"
    return out if len(out) == 2 else {}


