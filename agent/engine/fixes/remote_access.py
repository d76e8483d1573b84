"""Fixes of the remote-access headend causes (playbooks/ra-headend.yaml): a full address
pool, the simultaneous-logins cap, the split-tunnel list, L2TP/IPsec (transport mode,
l2tp-ipsec) and PFS toward the Windows native client.  The headend is the one side with
facts; its remote-access facts (group policies, tunnel groups, pools, sessions) are read
as the checks read them (``agent.engine.checks.ra``).  Pure: facts in, lines out."""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Network, ip_network, summarize_address_range
from typing import Any

from agent.engine.checks.ra import dynamic_entries, ra_facts, users_group, users_policy
from agent.engine.fixes import syntax as X
from agent.engine.fixes.base import Change, Net, Outcome, Side, Tunnel, fix, option, result
from agent.parsing.facts_ra import AddressPool, RaPolicy
from agent.parsing.model import AclAction, CryptoMapEntry, FactStatus, Known, Mode, TransformSet

RECONNECT = "After the lines are in: the refused user connects again."
RECONNECT_ALL = "The users already connected keep the old setting until they connect again."


def _head(t: Tunnel) -> Side | None:
    return t.sides[0] if t.sides else None


def _ok(known: Known[Any]) -> list[Any] | None:
    return list(known.value or []) if known.status in (FactStatus.OK, FactStatus.EMPTY) else None


def _policies(t: Tunnel, s: Side) -> list[RaPolicy]:
    return [p for p in _ok(ra_facts(t.ctx, s.peer).policies) or [] if isinstance(p, RaPolicy)]


# ---------------------------------------------------------------- address pool


def shown_networks(s: Side, pools: list[AddressPool]) -> list[Net]:
    """Every network the headend's facts name: routes, interfaces' networks, ACLs, pools."""
    nets: list[Net] = [r.network for r in s.routes if r.network is not None and r.network.prefixlen > 0]
    nets += [n for e in s.acl_entries for n in (e.src, e.dst) if n is not None and n.prefixlen > 0]
    for p in pools:
        if p.first is not None and p.last is not None:
            nets += [n for n in _summarize(p.first, p.last)]
    return nets


def _summarize(first: IPv4Address, last: IPv4Address) -> list[IPv4Network]:
    return list(summarize_address_range(first, last))


def _home(pool: AddressPool, mask: IPv4Address | None, nets: list[Net]) -> IPv4Network | None:
    """The pool's own network: its mask's (ASA), else the smallest network shown that
    holds the whole range (a route or NAT object made for the pool)."""
    assert pool.first is not None and pool.last is not None
    if mask is not None:
        return ip_network(f"{pool.first}/{mask}", strict=False)  # type: ignore[return-value]
    holding = [n for n in nets if isinstance(n, IPv4Network) and pool.first in n and pool.last in n
               and _summarize(pool.first, pool.last) != [n]]
    return min(holding, key=lambda n: n.num_addresses, default=None)


def free_range(pool: AddressPool, mask: IPv4Address | None, pools: list[AddressPool], nets: list[Net],
               limit: int = 1 << 16) -> tuple[IPv4Address, IPv4Address, IPv4Network | None] | None:
    """The next ``pool.size`` consecutive addresses after the pool that no pool holds and no
    other network shown overlaps: inside the pool's own network when it has room (its
    mask, NAT exemption and routes then cover them), else after it; with the network
    the range is outside of (None: inside)."""
    assert pool.first is not None and pool.last is not None and pool.size
    home = _home(pool, mask, nets)
    taken = [(int(p.first), int(p.last)) for p in pools if p.first is not None and p.last is not None]
    # a network holding the whole pool is the pool's own addressing (its mask, a NAT object, a route)
    owned = [(int(n.network_address), int(n.broadcast_address)) for n in nets if not (pool.first in n and pool.last in n)]

    def free(a: int) -> bool:
        return not any(x <= a <= y for x, y in taken) and not any(x <= a <= y for x, y in owned)

    def scan(start: int, stop: int) -> tuple[int, int] | None:
        run = 0
        for a in range(start, min(stop, start + limit)):
            run = run + 1 if free(a) else 0
            if run == pool.size:
                return a - pool.size + 1, a
        return None

    if home is not None:
        inside = scan(int(pool.last) + 1, int(home.broadcast_address))  # the broadcast address is never given
        if inside is not None:
            return IPv4Address(inside[0]), IPv4Address(inside[1]), None
        after = scan(int(home.broadcast_address) + 2, 1 << 32)
    else:
        after = scan(int(pool.last) + 1, 1 << 32)
    return (IPv4Address(after[0]), IPv4Address(after[1]), home) if after else None


def _pool_mask(s: Side, name: str) -> IPv4Address | None:
    """The ASA pool's `mask` as its configuration line shows it."""
    m = re.search(rf"^ip local pool {re.escape(name)} \S+ mask (\S+)", s.config_text() + "\n" + "\n".join(
        s.peer.outputs.get(k, "") for k in s.peer.outputs if "ip local pool" in k), re.M)
    try:
        return IPv4Address(m.group(1)) if m else None
    except ValueError:
        return None


@fix("VPN_POOL_EXHAUSTED")
def pool(t: Tunnel, outcome: Outcome) -> Change | None:
    s = _head(t)
    if s is None:
        return None
    all_pools = [p for p in _ok(ra_facts(t.ctx, s.peer).pools) or [] if isinstance(p, AddressPool)]
    name = str(outcome.values.get("pool") or t.ctx.remote_access.get("pool") or "")
    ranges = {(p.first, p.last): p for p in all_pools if p.name == name and p.first is not None and p.last is not None}
    if not ranges:
        return None
    current = max(ranges.values(), key=lambda p: int(p.last or 0))
    size = sum(p.size or 0 for p in ranges.values())
    current = AddressPool(current.name, current.first, current.last, size, None, None)
    mask = _pool_mask(s, name) if s.asa else None
    found = free_range(current, mask, all_pools, shown_networks(s, all_pools))
    if found is None:
        return result([], f"No {size} free consecutive addresses were found after {name}: the operator must choose "
                          "the range of a second pool.")
    first, last, outside = found
    group = users_group(t.ctx, s.peer)
    notes = [RECONNECT]
    warning = ""
    if outside is not None:
        warning = (f"{first}-{last} is outside {outside}, the pool's network: the NAT exemption, routes and split "
                   "lists that name it do not cover the new addresses")
    if s.asa:
        if group is None:
            return None
        taken = {p.name for p in all_pools}
        new = next(n for n in (f"{name}-2", f"{name}-3", f"{name}-4", f"{name}-5") if n not in taken)
        mask_words = f" mask {mask}" if mask is not None else ""
        pools = list(group.address_pools) or [name]
        lines = [f"ip local pool {new} {first}-{last}{mask_words}",
                 f"tunnel-group {group.name} general-attributes", f" address-pool {' '.join([*pools, new])}"]
        back = [f"tunnel-group {group.name} general-attributes", f" address-pool {' '.join(pools)}",
                f"no ip local pool {new} {first}-{last}{mask_words}"]
        label = f"add pool {new} ({first}-{last}) to {s.name}'s tunnel-group {group.name} after {name}"
        sharing = [g.name for g in _ok(ra_facts(t.ctx, s.peer).groups) or []
                   if getattr(g, "name", None) != group.name and name in getattr(g, "address_pools", ())]
        if sharing:
            notes.append(f"{name} also serves tunnel-group(s) {', '.join(sharing)}: they keep only {name}.")
    else:
        lines = [f"ip local pool {name} {first} {last}"]
        back = [f"no ip local pool {name} {first} {last}"]
        label = f"add the range {first}-{last} to {s.name}'s pool {name}"
    home = _home(current, mask, shown_networks(s, all_pools))
    why = f"{name} ({size} addresses) has none free; {first}-{last} is the next free range of the same size" + (
        f" in {home}" if outside is None and home is not None else "")
    return result([option(label, s.change(lines, back), favoured=True, why=why, warning=warning)], *notes)


# ---------------------------------------------------------------- simultaneous logins


@fix("SIMULTANEOUS_LOGINS_LIMIT")
def logins(t: Tunnel, _: Outcome) -> Change | None:
    s = _head(t)
    if s is None:
        return None
    policy, _all = users_policy(t.ctx, s.peer)
    if policy is None:
        return None
    default = 3 if s.asa else None
    limit = policy.simultaneous_logins if policy.simultaneous_logins is not None else default
    user = t.ctx.remote_access.get("user")
    sessions = _ok(ra_facts(t.ctx, s.peer).sessions) or []
    have = sum(1 for x in sessions if user and getattr(x, "username", None) == user)
    want = max(limit or 0, have) + 1
    if s.asa:
        head = f"group-policy {policy.name} attributes"
        word = "vpn-simultaneous-logins"
    else:
        head = f"crypto isakmp client configuration group {policy.name}"
        word = "max-logins"
    back = f" {word} {policy.simultaneous_logins}" if policy.simultaneous_logins is not None else f" no {word}"
    return result([option(f"allow {want} simultaneous logins per user in {s.name}'s {policy.name}",
                          s.change([head, f" {word} {want}"], [head, back]), favoured=True,
                          why=f"{user or 'the user'} has {have or limit} session(s), the limit of {policy.name} is {limit}",
                          warning=f"every user of {policy.name} may then log in {want} times at once")],
                  f"The limit may be deliberate (one login per account): logging off the user's stale session "
                  f"({'vpn-sessiondb logoff name ' + user if s.asa and user else 'clear crypto session remote ADDRESS'}) "
                  "is the alternative that changes no configuration.", RECONNECT)


# ---------------------------------------------------------------- split tunnel


def _inside(s: Side) -> list[Net]:
    """The networks behind the headend: connected, and routed via an interface other
    than the crypto interface (never a default route)."""
    outside = s.interface_toward(s.peer.endpoint)
    nets = [r.network for r in s.routes if r.network is not None and r.protocol in ("C", "S")
            and 0 < r.network.prefixlen < r.network.max_prefixlen and r.interface and r.interface != outside]
    return sorted(set(nets), key=lambda n: (n.version, int(n.network_address)))


def _acl_users(t: Tunnel, s: Side, acl: str, policy: str) -> list[str]:
    """Who else reads ``acl``: other group policies' split lists, crypto map entries."""
    users = [f"group-policy {p.name}" for p in _policies(t, s) if p.split_acl == acl and p.name != policy]
    users += [f"crypto map {e.map_name} {e.seq}" for e in s.uses(acl)]
    return users


def _split_entries(s: Side, acl: str, nets: list[Net]) -> list[str]:
    if s.asa:
        return [f"access-list {acl} standard permit {X.net(s.platform, n)}" for n in nets]
    return [f" permit ip {X.net(s.platform, n)} any" for n in nets]


def _new_split(t: Tunnel, s: Side, policy: RaPolicy, nets: list[Net]) -> tuple[str, list[str], list[str]]:
    """A new split list of ``nets`` for ``policy``: (name, lines, rollback)."""
    taken = {e.acl for e in s.acl_entries}
    name = next(n for n in (f"{policy.name}-SPLIT", f"{policy.name}-SPLIT-2", f"{policy.name}-SPLIT-3") if n not in taken)
    entries = _split_entries(s, name, nets)
    if s.asa:
        return name, entries, [f"no {e}" for e in entries]
    return name, [f"ip access-list extended {name}", *entries], [f"no ip access-list extended {name}"]


@fix("SPLIT_TUNNEL_MISCONFIG")
def split_tunnel(t: Tunnel, _: Outcome) -> Change | None:
    s = _head(t)
    if s is None:
        return None
    policy, _all = users_policy(t.ctx, s.peer)
    nets = _inside(s)
    if policy is None or not nets:
        return None
    head = f"group-policy {policy.name} attributes" if s.asa else f"crypto isakmp client configuration group {policy.name}"
    inside = ", ".join(map(str, nets))
    notes = [RECONNECT_ALL]
    acl = policy.split_acl
    anys = [e for e in s.acl(acl) if e.action is AclAction.PERMIT and (e.src is not None and e.src.prefixlen == 0
                                                                        or e.src_raw.startswith("any"))] if acl else []
    if acl and policy.split_policy == "tunnelall" and not anys:
        return result([option(f"tunnel only {acl}'s networks for {s.name}'s {policy.name}", s.change(
            [head, " split-tunnel-policy tunnelspecified"], [head, " split-tunnel-policy tunnelall"]), favoured=True,
            why=f"{policy.name} tunnels everything although its split list {acl} names the networks to tunnel")], *notes)
    if acl and anys and policy.split_policy != "excludespecified":
        users = _acl_users(t, s, acl, policy.name)
        have = {e.src for e in s.acl(acl) if e.action is AclAction.PERMIT}
        missing = [n for n in nets if n not in have]
        if users:  # a new list: the others keep theirs
            name, lines, back = _new_split(t, s, policy, nets)
            word = "split-tunnel-network-list value" if s.asa else "acl"
            lines += [head, f" {word} {name}"]
            back = [head, f" {word} {acl}", *back]
            return result([option(f"give {s.name}'s {policy.name} its own split list {name} ({inside})",
                                  s.change(lines, back), favoured=True,
                                  why=f"{acl} permits any: every destination is tunnelled",
                                  warning=f"{acl} is left as it is: {', '.join(users)} also read(s) it")], *notes)
        if s.asa:
            add = _split_entries(s, acl, missing)
            remove = [f"no access-list {acl} standard permit {e.src_raw or 'any4'}" for e in anys]
            lines, back = add + remove, [ln.removeprefix("no ") for ln in remove] + [f"no {ln}" for ln in add]
        else:
            add = _split_entries(s, acl, missing)
            remove = [f" no permit {e.protocol or 'ip'} {e.src_raw} {e.dst_raw}".rstrip() for e in anys]
            lines = [f"ip access-list extended {acl}", *add, *remove]
            back = [f"ip access-list extended {acl}", *[" " + ln.strip().removeprefix("no ") for ln in remove],
                    *[f" no {ln.strip()}" for ln in add]]
        if policy.split_policy == "tunnelall":
            lines += [head, " split-tunnel-policy tunnelspecified"]
            back = [head, " split-tunnel-policy tunnelall", *back]
        return result([option(f"make {s.name}'s {acl} name only the networks behind it ({inside})",
                              s.change(lines, back), favoured=True,
                              why=f"{acl} permits any: every destination is tunnelled; {inside} is what {s.name} "
                                  "has behind it")], *notes)
    # a policy that names no list (tunnelspecified without one), or excludes any: a new list of the inside networks
    name, lines, back = _new_split(t, s, policy, nets)
    if s.asa:
        lines += [head, " split-tunnel-policy tunnelspecified", f" split-tunnel-network-list value {name}"]
        old_policy = f" split-tunnel-policy {policy.split_policy}" if policy.split_policy else " no split-tunnel-policy"
        old_list = f" split-tunnel-network-list value {acl}" if acl else " no split-tunnel-network-list"
        back = [head, old_policy, old_list, *back]
    else:
        lines += [head, f" acl {name}"]
        back = [head, f" acl {acl}" if acl else " no acl", *back]
    return result([option(f"tunnel only {inside} for {s.name}'s {policy.name} (new list {name})",
                          s.change(lines, back), favoured=True,
                          why=f"{policy.name}'s split-tunnel policy {policy.split_policy} has no usable list")], *notes)


# ---------------------------------------------------------------- L2TP over IPsec


def _sets_of(s: Side, e: CryptoMapEntry) -> list[TransformSet]:
    return [ts for n in e.transform_sets for ts in s.transform_sets if ts.name == n]


def _dyn(s: Side) -> CryptoMapEntry | None:
    """The dynamic map entry the remote-access clients land on (the first with sets)."""
    found = [e for e in dynamic_entries(s.peer) if isinstance(e, CryptoMapEntry)]
    return min(found, key=lambda e: e.seq, default=None)


def _set_word(s: Side) -> str:
    return "set ikev1 transform-set" if s.asa else "set transform-set"


def _dyn_line(s: Side, e: CryptoMapEntry, setting: str) -> list[str]:
    if s.asa:
        no = "no " if setting.startswith("no ") else ""
        return [f"{no}crypto dynamic-map {e.map_name} {e.seq} {setting.removeprefix('no ')}"]
    return [f"crypto dynamic-map {e.map_name} {e.seq}", f" {setting}"]


def _ts_mode(s: Side, ts: TransformSet, mode: str) -> list[str]:
    if s.asa:
        return [f"crypto ipsec ikev1 transform-set {ts.name} mode {mode}"]
    return [f"crypto ipsec transform-set {ts.name} {X.transform_words(s.platform, ts.transforms)}", f" mode {mode}"]


def _tunnel_mode_users(t: Tunnel, s: Side, ts: TransformSet, dyn: CryptoMapEntry) -> list[str]:
    """What else needs ``ts`` in tunnel mode: other map entries (L2L peers), and group
    policies that let clients use IPsec without L2TP on the same dynamic map."""
    users = [f"crypto map {e.map_name} {e.seq}" + (f" ({', '.join(e.peers)})" if e.peers else "")
             for e in s.entries if e is not dyn and ts.name in e.transform_sets]
    users += [f"group-policy {p.name} ({' '.join(p.tunnel_protocols)})" for p in _policies(t, s)
              if set(p.tunnel_protocols) & {"ikev1", "ipsec", "IPSec"} and p.name in _ra_policy_names(t, s)]
    return users


def _ra_policy_names(t: Tunnel, s: Side) -> set[str]:
    return {str(g.group_policy) for g in _ok(ra_facts(t.ctx, s.peer).groups) or []
            if getattr(g, "type", "") == "remote-access" and getattr(g, "group_policy", None)}


@fix("L2TP_TRANSPORT_MODE")
def l2tp(t: Tunnel, _: Outcome) -> Change | None:
    s = _head(t)
    if s is None:
        return None
    policy, _all = users_policy(t.ctx, s.peer)
    lines: list[str] = []
    back: list[str] = []
    whys: list[str] = []
    warnings: list[str] = []
    label: list[str] = []
    if s.asa and policy is not None and "l2tp-ipsec" not in policy.tunnel_protocols:
        head = f"group-policy {policy.name} attributes"
        now = list(policy.tunnel_protocols)
        lines += [head, f" vpn-tunnel-protocol {' '.join([*now, 'l2tp-ipsec'])}"]
        back = [head, f" vpn-tunnel-protocol {' '.join(now)}" if now else " no vpn-tunnel-protocol", *back]
        whys.append(f"{policy.name} allows {' '.join(now) or 'what DfltGrpPolicy allows'}, not l2tp-ipsec")
        label.append(f"allow l2tp-ipsec in {policy.name}")
    dyn = _dyn(s)
    sets = _sets_of(s, dyn) if dyn is not None else []
    if dyn is not None and sets and all(ts.mode is not Mode.TRANSPORT for ts in sets):
        ts = sets[0]
        users = _tunnel_mode_users(t, s, ts, dyn)
        if not users:
            lines += _ts_mode(s, ts, "transport")
            back = _ts_mode(s, ts, "tunnel") + back
            label.append(f"put transform set {ts.name} in transport mode")
        else:  # a transport-mode copy first on the dynamic map: the others keep tunnel mode
            taken = {x.name for x in s.transform_sets}
            name = next(n for n in (f"{ts.name}-TRANS", f"{ts.name}-TRANS-2", f"{ts.name}-TRANS-3") if n not in taken)
            copy = TransformSet(name, ts.transforms, Mode.TRANSPORT)
            lines += X.transform_set(s.platform, name, copy.transforms, transport=True)
            lines += _dyn_line(s, dyn, f"{_set_word(s)} {' '.join([name, *dyn.transform_sets])}")
            back = _dyn_line(s, dyn, f"{_set_word(s)} {' '.join(dyn.transform_sets)}") + [
                f"no crypto ipsec ikev1 transform-set {name}" if s.asa else f"no crypto ipsec transform-set {name}"] + back
            label.append(f"add transform set {name} ({' '.join(ts.transforms)}, transport mode) first on "
                         f"{dyn.map_name} {dyn.seq}")
            warnings.append(f"{ts.name} stays in tunnel mode for {', '.join(users)}")
        whys.append(f"the Windows L2TP client proposes transport mode; {dyn.map_name} {dyn.seq} offers only tunnel mode")
    if not lines:
        return None
    return result([option(f"{' and '.join(label)} on {s.name}", s.change(lines, back), favoured=True,
                          why="; ".join(whys), warning="; ".join(warnings))], RECONNECT)


# ---------------------------------------------------------------- PFS and the native client


@fix("PFS_WITH_NATIVE_CLIENT")
def pfs_native(t: Tunnel, _: Outcome) -> Change | None:
    s = _head(t)
    if s is None:
        return None
    dyn = next((e for e in sorted(dynamic_entries(s.peer), key=lambda e: e.seq)
                if isinstance(e, CryptoMapEntry) and e.pfs_group is not None), None)
    if dyn is None:
        return None
    l2l = [g for g in _ok(ra_facts(t.ctx, s.peer).groups) or []
           if getattr(g, "type", "") == "ipsec-l2l" and not any(getattr(g, "name", "") in e.peers for e in s.entries)]
    warning = ""
    if l2l:
        names = ", ".join(str(getattr(g, "name", "")) for g in l2l)
        warning = (f"{dyn.map_name} {dyn.seq} also answers the L2L peers of tunnel-group(s) {names} (no static entry "
                   "names them): their tunnels lose PFS")
    return result([option(f"remove PFS from {s.name}'s dynamic map {dyn.map_name} {dyn.seq}", s.change(
        _dyn_line(s, dyn, "no set pfs"), _dyn_line(s, dyn, f"set pfs group{dyn.pfs_group}")), favoured=True,
        why=f"{dyn.map_name} {dyn.seq} requires PFS group {dyn.pfs_group}; the Windows native L2TP client does not do PFS",
        warning=warning)], RECONNECT)
