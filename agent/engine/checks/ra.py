"""The checks of the remote-access / L2TP-over-IPsec headend tree (playbooks/ra-headend.yaml):
seed 000's remote-access sections (address pool, simultaneous logins, split tunnel) and
seed 003 (L2TP over IPsec with the Windows native client: transport mode, l2tp-ipsec,
no PFS).  The headend is the peer we read; the other peer is the client of the ticket,
known by its public address (``Context.remote_access`` may name the tunnel group, group
policy, pool and user).  Pure: facts in, outcome out."""

from __future__ import annotations

import re
from typing import Any

from agent.engine.checks import facts as pf
from agent.engine.model import Evidence
from agent.engine.registry import Context, Outcome, PeerCtx, check
from agent.parsing.facts_ra import AddressPool, RaFacts, RaGroup, RaPolicy, RaSession, build_ra_facts
from agent.parsing.model import FactStatus, Known, LogLine, Mode, Phase2Sa

# ---------------------------------------------------------------- helpers


def headend(ctx: Context) -> PeerCtx | None:
    return next((p for p in ctx.peers if p.facts is not None), None)


def client(ctx: Context, head: PeerCtx) -> str | None:
    return ctx.other(head).endpoint


def ra_facts(ctx: Context, peer: PeerCtx) -> RaFacts:
    """The headend's remote-access facts, built once per set of outputs."""
    key = f"ra:{peer.name}:{len(peer.outputs)}"
    cached = ctx.scratch.get(key)
    if not isinstance(cached, RaFacts):
        cached = build_ra_facts(peer.platform or "", peer.outputs)
        ctx.scratch[key] = cached
    return cached


def _ok(known: Known[Any]) -> list[Any] | None:
    return list(known.value or []) if known.status in (FactStatus.OK, FactStatus.EMPTY) else None


def _user_sas(peer: PeerCtx, remote: str | None) -> list[Phase2Sa] | None:
    k = pf.known_phase2(peer)
    if k is None:
        return None
    # with the client's address, its SAs; without it, any L2TP (UDP 1701) user SA
    return [sa for sa in k.value or []
            if sa.has_sa and (str(sa.peer) == remote if remote is not None else sa.protocol == 17)]


def _sessions(ctx: Context, peer: PeerCtx, remote: str | None) -> list[RaSession] | None:
    found = _ok(ra_facts(ctx, peer).sessions)
    if found is None:
        return None
    return [s for s in found if remote is None or str(s.public_ip) == remote]


def users_policy(ctx: Context, peer: PeerCtx) -> tuple[RaPolicy | None, list[RaPolicy] | None]:
    """The group policy the tunnel's users land on: the hint, else the remote-access
    tunnel group's default-group-policy, else the one policy with remote-access settings."""
    facts = ra_facts(ctx, peer)
    policies = _ok(facts.policies)
    if policies is None:
        return None, None
    name = ctx.remote_access.get("group_policy")
    if not name:
        groups = _ok(facts.groups) or []
        tg = ctx.remote_access.get("tunnel_group")
        ra = [g for g in groups if g.type == "remote-access" and (not tg or g.name == tg)]
        name = ra[0].group_policy if ra and ra[0].group_policy else None
    if name:
        return next((p for p in policies if p.name == name), None), policies
    with_split = [p for p in policies if p.split_policy or p.split_acl or "l2tp-ipsec" in p.tunnel_protocols]
    return (with_split[0] if len(with_split) == 1 else None), policies


def users_group(ctx: Context, peer: PeerCtx) -> RaGroup | None:
    """The remote-access tunnel group the users land on: the hint, else the only one."""
    groups = [g for g in _ok(ra_facts(ctx, peer).groups) or [] if g.type == "remote-access"]
    tg = ctx.remote_access.get("tunnel_group")
    if tg:
        return next((g for g in groups if g.name == tg), None)
    return groups[0] if len(groups) == 1 else None


def _pools(ctx: Context, peer: PeerCtx) -> list[AddressPool] | None:
    """The pools the users are given addresses from: the hinted pool and the other pools
    of their tunnel group (`address-pool A B`: B when A is full); every range of each."""
    pools = _ok(ra_facts(ctx, peer).pools)
    if pools is None:
        return None
    wanted = ctx.remote_access.get("pool")
    group = users_group(ctx, peer)
    names = {wanted, *(group.address_pools if group else ())} - {None}
    return [p for p in pools if not wanted or p.name in names]


def pool_free(ctx: Context, peer: PeerCtx, pools: list[AddressPool]) -> dict[str, tuple[int | None, str]]:
    """Free addresses per pool name (summed over its ranges) and where the number comes
    from: the usage table, else its ranges less the sessions' assigned addresses, else
    unknown (None)."""
    out: dict[str, tuple[int | None, str]] = {}
    sessions = _ok(ra_facts(ctx, peer).sessions)
    for name in dict.fromkeys(p.name or "" for p in pools):
        mine = [p for p in pools if (p.name or "") == name]
        usage = [p for p in mine if p.free is not None]
        ranges = {(p.first, p.last) for p in mine if p.first is not None and p.last is not None}
        if usage:
            out[name] = (sum(p.free or 0 for p in usage), "usage")
        elif ranges and sessions is not None:
            size = sum(int(b) - int(a) + 1 for a, b in ranges)
            used = {s.assigned_ip for s in sessions
                    if s.assigned_ip is not None and any(a <= s.assigned_ip <= b for a, b in ranges)}
            out[name] = (size - len(used), "sessions")
        else:
            out[name] = (None, "")
    return out


def _exhausted(ctx: Context, head: PeerCtx, pools: list[AddressPool]) -> str | None:
    """The first pool's name when no pool of the users has a free address."""
    free = pool_free(ctx, head, pools)
    if free and all(n == 0 for n, _ in free.values()):
        return next(iter(free))
    return None


def _names(text: str, addr: str) -> bool:
    """``addr`` appears in ``text`` as a whole address (192.0.2.2 is not in 192.0.2.25)."""
    return re.search(rf"(?<![\d.]){re.escape(addr)}(?![\d.])", text) is not None


def _logs(peer: PeerCtx, remote: str | None, pattern: str) -> list[LogLine]:
    """Headend log lines matching ``pattern``: those naming the client first, then the
    lines that name no peer at all (713257, 737012 carry no address)."""
    k = pf.known_logs(peer)
    if k is None:
        return []
    rx = re.compile(pattern, re.I)
    hits = [ln for ln in k.value or [] if rx.search(f"{ln.code} {ln.message}")]
    if remote is None:
        return hits
    own = [ln for ln in hits if _names(ln.message, remote)]
    anonymous = [ln for ln in hits if not re.search(r"\bIP\s*=?\s*\d+\.\d+\.\d+\.\d+", ln.message)]
    return own or anonymous


#: log signature -> branch, most specific first (seed 000, seed 003, ASA syslog guide)
REFUSALS: tuple[tuple[str, str], ...] = (
    ("protocol", r"713206|Conflicting protocols"),
    ("transform_mode", r"Phase 2 failure: Mismatched attribute types for class Encapsulation Mode"),
    ("pfs", r"Phase 2 failure: Mismatched attribute types for class Group Description"),
    ("logins", r"113029|Simultaneous logins exceeded|maximum tunnel count|session limit of \d+ reached"),
    ("pool", r"713132|Cannot obtain an IP address|737012|737019|Address assignment failed|no free address"),
)


# ---------------------------------------------------------------- checks


@check("ra_evidence", "readable", "none")
def ra_evidence(ctx: Context) -> Outcome:
    """Can we read the headend at all?"""
    head = headend(ctx)
    if head is None:
        why = "; ".join(f"{p.name}: {p.error or 'no usable output'}" for p in ctx.peers)
        return Outcome("none", why, values={"why": why or "the headend could not be read"})
    remote = client(ctx, head)
    return Outcome("readable", f"headend {head.name}, client {remote or 'not named'}",
                   not_checked=[] if remote else ["the client's public address (no peer address given)"])


@check("ra_session", "connected", "refused", "unknown")
def ra_session(ctx: Context) -> Outcome:
    """Is the client of the ticket connected (a user SA / a remote-access session)?"""
    head = headend(ctx)
    assert head is not None
    remote = client(ctx, head)
    sessions = _sessions(ctx, head, remote)
    sas = _user_sas(head, remote)
    who = remote or "any client"
    facts = ra_facts(ctx, head)
    if sessions:
        s = sessions[0]
        return Outcome("connected", f"{s.username} connected from {s.public_ip} with {s.assigned_ip}",
                       pf.known_ev(head, facts.sessions, r"^(Username|Assigned IP|Encapsulation)"), peer=head.name,
                       values={"user": s.username, "assigned": str(s.assigned_ip)})
    if sas:
        k = pf.known_phase2(head)
        cmd = k.commands[0] if k and k.commands else "show crypto ipsec sa"
        sa = sas[0]
        return Outcome("connected", f"user SA with {sa.peer} ({sa.mode.value if sa.mode else '?'} mode)",
                       [Evidence(head.name, cmd, f"current_peer: {sa.peer}, remote ident {sa.remote_ident}"
                                                 f"{'/17/1701' if sa.protocol == 17 else ''}")],
                       peer=head.name, values={"user": "?", "assigned": "?"},
                       not_checked=[] if sessions is not None else ["the VPN session database (show vpn-sessiondb)"])
    if sessions is None and sas is None:
        return Outcome("unknown", "neither the session database nor the SA table could be read",
                       not_checked=["remote-access sessions and SAs"], peer=head.name)
    where = "the session database" if sessions is not None else "the SA table"
    return Outcome("refused", f"{who} has no session in {where}", peer=head.name)


@check("ra_refusal", "protocol", "transform_mode", "pfs", "logins", "pool", "unknown")
def ra_refusal(ctx: Context) -> Outcome:
    """Why the client got no session: the headend's log first, then its configuration."""
    head = headend(ctx)
    assert head is not None
    remote = client(ctx, head)
    values = {"client": remote or "the client", "peer": head.name}
    for branch, pattern in REFUSALS:
        lines = _logs(head, remote, pattern)
        if lines:
            own = remote is not None and _names(lines[0].message, remote)
            if not own and branch in ("transform_mode", "pfs") and remote is not None:
                # 713257 names no peer; the 713902 "proposals found unacceptable" beside it does
                rejected = _logs(head, remote, r"proposals found unacceptable")
                if rejected and _names(rejected[0].message, remote):
                    own, lines = True, lines + rejected
            # a line that names no peer (713257, 737012) may be another client's: less sure
            return Outcome(branch, f"log: {lines[0].code}: {lines[0].message}", pf.log_ev(head, lines), peer=head.name,
                           confidence=None if own or remote is None else 0.75,
                           against=[] if own or remote is None else [f"the log line does not name {remote}"],
                           values={**values, **_config_values(ctx, head)})
    found = _from_config(ctx, head)
    if found is not None:
        branch, detail, evidence = found
        return Outcome(branch, detail, evidence, peer=head.name, confidence=0.7,
                       values={**values, **_config_values(ctx, head)},
                       not_checked=[] if pf.known_logs(head) else ["the headend's log (show logging)"])
    return Outcome("unknown", "no refusal in the log and nothing in the configuration explains it", peer=head.name,
                   values={"why": f"no session for {remote or 'the client'} and no refusal on {head.name}"},
                   not_checked=["the client's own error (Windows error codes 691, 789, 800, 809: \"Configure L2TP Over IPsec "
                                "Between Windows 8 PC and ASA Using Preshared Key\" — Troubleshoot)"])


def _config_values(ctx: Context, head: PeerCtx) -> dict[str, str]:
    policy, _ = users_policy(ctx, head)
    pools = _pools(ctx, head) or []
    dyn = dynamic_entries(head)
    return {
        "group_policy": policy.name if policy else ctx.remote_access.get("group_policy", "<group-policy>"),
        "pool": pools[0].name if pools and pools[0].name else ctx.remote_access.get("pool", "<pool>"),
        "dyn_map": dyn[0].map_name if dyn else "<dynamic-map>",
        "dyn_seq": str(dyn[0].seq) if dyn else "<seq>",
        "transform_set": (dyn[0].transform_sets[0] if dyn and dyn[0].transform_sets else "<transform-set>"),
        "logins": str(policy.simultaneous_logins) if policy and policy.simultaneous_logins is not None
        else "3 (default)" if head.platform == "cisco_asa" else "no limit (default)",
    }


def dynamic_entries(head: PeerCtx) -> list[Any]:
    k = pf.known_crypto_maps(head)
    return [e for e in (k.value or []) if e.dynamic and e.transform_sets] if k else []


def _from_config(ctx: Context, head: PeerCtx) -> tuple[str, str, list[Evidence]] | None:
    policy, _ = users_policy(ctx, head)
    if policy is not None and policy.tunnel_protocols and "l2tp-ipsec" not in policy.tunnel_protocols:
        ev = pf.known_ev(head, ra_facts(ctx, head).policies, rf"group-policy {re.escape(policy.name)}|vpn-tunnel-protocol")
        return "protocol", f"group-policy {policy.name} allows {' '.join(policy.tunnel_protocols)}, not l2tp-ipsec", ev
    dyn = dynamic_entries(head)
    ts = pf.known_transform_sets(head)
    l2tp = policy is not None and "l2tp-ipsec" in policy.tunnel_protocols  # the headend serves L2TP clients
    if l2tp and dyn and ts is not None:
        names = {n for e in dyn for n in e.transform_sets}
        sets = [t for t in ts.value or [] if t.name in names]
        if sets and all(t.mode is not Mode.TRANSPORT for t in sets):
            return ("transform_mode", f"the dynamic map's transform sets ({', '.join(sorted(names))}) are in tunnel mode",
                    pf.known_ev(head, ts, "|".join(re.escape(n) for n in names)))
    if l2tp and any(e.pfs_group is not None for e in dyn):
        k = pf.known_crypto_maps(head)
        return "pfs", "the dynamic map used by L2TP clients sets PFS", pf.known_ev(head, k, r"dynamic-map .* set pfs") if k else []
    pools = _pools(ctx, head)
    full = _exhausted(ctx, head, pools or [])
    if full is not None:
        return "pool", f"pool {full} has no free address", _pool_ev(ctx, head)
    user = ctx.remote_access.get("user")
    sessions = _sessions(ctx, head, None)
    default = 3 if head.platform == "cisco_asa" else None  # vpn-simultaneous-logins 3; IOS max-logins: no limit
    if user and sessions is not None and policy is not None:
        mine = [s for s in sessions if s.username == user]
        limit = policy.simultaneous_logins if policy.simultaneous_logins is not None else default
        if mine and limit is not None and len(mine) >= limit:
            ev = pf.known_ev(head, ra_facts(ctx, head).sessions, rf"^Username\s*:\s*{re.escape(user)}\b")
            return "logins", f"{user} already has {len(mine)} session(s), the limit of {policy.name} is {limit}", ev
    return None


def _pool_ev(ctx: Context, head: PeerCtx) -> list[Evidence]:
    return pf.known_ev(head, ra_facts(ctx, head).pools, r"Begin|^\s*\d+\.\d+\.\d+\.\d+\s+\d+\.\d+\.\d+\.\d+|ip local pool", 2)


@check("ra_split_tunnel", "misconfig", "ok", "unknown")
def ra_split_tunnel(ctx: Context) -> Outcome:
    """seed 000, split tunnel: a split list permitting any (tunnels everything), a
    tunnelspecified policy without a list, or tunnelall where a list says what was meant.
    ASA: the group policy's split-tunnel-policy / split-tunnel-network-list; IOS Easy VPN:
    the client configuration group's `acl`."""
    head = headend(ctx)
    assert head is not None
    asa = head.platform == "cisco_asa"
    policy, policies = users_policy(ctx, head)
    if policies is None:
        where = "show running-config group-policy" if asa else "show running-config | section crypto"
        return Outcome("unknown", "group policies not collected", not_checked=[f"split-tunnel policy ({where})"])
    if policy is None:
        return Outcome("unknown", "the users' group policy is not known", not_checked=["split-tunnel policy of the users' group policy"])
    name = re.escape(policy.name)
    ev = pf.known_ev(head, ra_facts(ctx, head).policies,
             rf"group-policy {name} attributes|split-tunnel|client configuration group {name}$|^\s+acl\s")
    values = {"group_policy": policy.name, "acl": policy.split_acl or "<split ACL>", "peer": head.name,
              "acl_remove": "! the split list itself needs no change", "acl_ace": "<the entry with any as source>"}
    if policy.split_policy == "tunnelall" and policy.split_acl:
        return Outcome("misconfig", f"{policy.name} tunnels all traffic although split list {policy.split_acl} is set", ev,
                       peer=head.name, values={**values, "why": "policy tunnelall ignores the split-tunnel network list"})
    if policy.split_policy in ("tunnelspecified", "excludespecified"):
        if not policy.split_acl:
            return Outcome("misconfig", f"{policy.split_policy} without a split-tunnel network list", ev, peer=head.name,
                           values={**values, "why": f"split-tunnel-policy {policy.split_policy} has no network list"})
        acl = pf.known_acl_entries(head)
        if acl is None:
            where = "show access-list" if asa else "show ip access-lists"
            return Outcome("unknown", "split ACL not collected", not_checked=[f"split-tunnel ACL {policy.split_acl} ({where})"])
        entries = [e for e in acl.value or [] if e.acl == policy.split_acl and e.action.value == "permit"]
        anys = [e for e in entries if e.src is not None and e.src.prefixlen == 0 or e.src_raw.startswith("any")]
        if anys:
            ev += pf.known_ev(head, acl, rf"access-list {re.escape(policy.split_acl)} .*any|^\s+(\d+\s+)?permit\s+\S+\s+any")
            values["acl_remove"] = f"no access-list {policy.split_acl} standard {anys[0].action.value} {anys[0].src_raw or 'any4'}"
            values["acl_ace"] = " ".join(x for x in (anys[0].action.value, anys[0].protocol, anys[0].src_raw or "any",
                                                    anys[0].dst_raw) if x)
            return Outcome("misconfig", f"split list {policy.split_acl} permits any", ev, peer=head.name,
                           values={**values, "why": f"split-tunnel ACL {policy.split_acl} permits any: every destination is tunnelled"})
    return Outcome("ok", f"{policy.name}: split-tunnel-policy {policy.split_policy or 'tunnelall (default)'}")


@check("ra_pool_headroom", "exhausted", "ok", "unknown")
def ra_pool_headroom(ctx: Context) -> Outcome:
    """The client is in, but is there an address left for the next one?"""
    head = headend(ctx)
    assert head is not None
    pools = _pools(ctx, head)
    if pools is None:
        return Outcome("unknown", "address pool not collected", not_checked=["address pool usage (show ip local pool)"])
    full = _exhausted(ctx, head, pools)
    if full is not None:
        return Outcome("exhausted", f"pool {full} has no free address left", _pool_ev(ctx, head), peer=head.name,
                       values={"pool": full or "<pool>", "client": "the next client", "peer": head.name})
    free = pool_free(ctx, head, pools)
    shown = [f"{name}: {n} free" + (" (its range less the sessions' addresses)" if how == "sessions" else "")
             for name, (n, how) in free.items() if n is not None]
    return Outcome("ok", ", ".join(shown) or "pool range known, usage not shown")
