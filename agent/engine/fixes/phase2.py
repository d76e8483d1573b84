"""Fixes of IPsec (phase 2) and data-plane causes: transform set, proxy identities (the
crypto ACL), PFS, an incomplete map, dynamic entry priority, overlapping ACLs, NAT
exemption, routing, sysopt, MTU/MSS, anti-replay."""

from __future__ import annotations

from agent.engine.fixes import syntax as X
from agent.engine.fixes.base import AFTER, Change, Net, Outcome, Side, Tunnel, fix, option, result
from agent.engine.model import FixOption
from agent.parsing.model import AclAction, Mode, TransformSet


def _sets(s: Side) -> list[TransformSet]:
    e = s.entry
    if e is None:
        return []
    names = e.ikev2_proposals if e.ikev2_proposals else e.transform_sets
    return [ts for n in names for ts in s.transform_sets if ts.name == n]


def _weak_set(ts: TransformSet) -> bool:
    return bool(set(ts.transforms) & X.WEAK) or ts.mode is Mode.TRANSPORT


@fix("TRANSFORM_SET_MISMATCH")
def transform(t: Tunnel, _: Outcome) -> Change | None:
    options: list[FixOption] = []
    for s in t.sides:
        o, e = t.other(s), s.entry
        if o is None or e is None or e.ikev2_proposals:
            continue  # an ASA IKEv2 proposal: the side with a transform set is changed
        theirs = [ts for ts in _sets(o) if not _weak_set(ts)] or _sets(o)
        mine = _sets(s)
        if not theirs or not mine:
            continue
        want = theirs[0]
        weak_here = all(_weak_set(ts) for ts in mine)
        target = mine[0]
        shared = [x for x in s.entries if x is not e and target.name in x.transform_sets]
        if not shared:  # redefine the entry's own set
            lines = X.transform_set(s.platform, target.name, want.transforms)
            back = X.transform_set(s.platform, target.name, target.transforms, target.mode is Mode.TRANSPORT)
            label = f"redefine {s.name}'s transform set {target.name} as {' '.join(want.transforms)}"
        else:  # a new set beside it: the other entries keep theirs
            taken = {ts.name for ts in s.transform_sets}
            name = next(n for n in (want.name, f"{want.name}-2", f"{want.name}-3", f"{want.name}-4") if n not in taken)
            setword = "set ikev1 transform-set" if s.asa else "set transform-set"
            lines = X.transform_set(s.platform, name, want.transforms) + X.map_entry(
                s.platform, e.map_name, e.seq, f"{setword} {name} {' '.join(e.transform_sets)}")
            back = X.map_entry(s.platform, e.map_name, e.seq, f"{setword} {' '.join(e.transform_sets)}") + (
                [f"no crypto ipsec ikev1 transform-set {name}"] if s.asa else [f"no crypto ipsec transform-set {name}"])
            label = f"add transform set {name} ({' '.join(want.transforms)}) to {s.name}'s {e.map_name} {e.seq}"
        options.append(option(label, s.change(lines, back), favoured=weak_here,
                              why=f"{s.name}'s set is weak or in transport mode" if weak_here else "",
                              warning=f"{target.name} is shared with entry {shared[0].seq}: a new set is added instead"
                              if shared else ""))
    return result(options, AFTER)


def _inside(s: Side, n: Net) -> bool:
    return any(n.subnet_of(x) for x in s.local_networks() if x.version == n.version)  # type: ignore[arg-type]


@fix("PROXY_ID_MISMATCH")
def proxy(t: Tunnel, _: Outcome) -> Change | None:
    if len(t.sides) < 2:
        return None
    a, b = t.sides[0], t.sides[1]
    notes = []
    options = []
    for s, o in ((a, b), (b, a)):
        e = s.entry
        if e is None or not e.acl or o.entry is None:
            continue
        mine, theirs = set(s.protected), {(d, src) for src, d in o.protected}
        if not theirs or mine == theirs:
            continue
        if len(s.uses(e.acl)) > 1:
            notes.append(f"{s.name}'s {e.acl} serves {len(s.uses(e.acl))} map entries: changing it would change the "
                         "other tunnels too, not proposed")
            continue
        right = all(_inside(s, src) and _inside(o, dst) for src, dst in mine)
        lines: list[str] = []
        back: list[str] = []
        for entry in s.acl(e.acl):
            if entry.action is AclAction.PERMIT and entry.src and entry.dst and (entry.src, entry.dst) not in theirs:
                lines += X.acl_remove(s.platform, e.acl, "permit", entry.src_raw, entry.dst_raw, entry.protocol)
                back += X.acl_add(s.platform, e.acl, "permit", entry.src_raw, entry.dst_raw, proto=entry.protocol)
        for src, dst in sorted(theirs - mine, key=str):
            lines += X.acl_add(s.platform, e.acl, "permit", X.net(s.platform, src), X.net(s.platform, dst))
            back = X.acl_remove(s.platform, e.acl, "permit", X.net(s.platform, src), X.net(s.platform, dst)) + back
        wrong = [f"{src} -> {dst}" for src, dst in mine if not (_inside(s, src) and _inside(o, dst))]
        options.append(option(f"make {s.name}'s {e.acl} the mirror of {o.name}'s", s.change(lines, back),
                              favoured=not right,
                              why=f"{s.name}'s {e.acl} names {', '.join(wrong)}, not networks the two devices have"
                              if not right else "",
                              warning="" if not right else f"{s.name}'s {e.acl} already names the networks both devices "
                                                           "have: this would make it name networks they do not"))
    return result(options, *notes, AFTER)


@fix("PFS_MISMATCH")
def pfs(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        o, e = t.other(s), s.entry
        if o is None or e is None or o.entry is None or e.pfs_group == o.entry.pfs_group:
            continue
        want = o.entry.pfs_group
        if want is not None:
            back = f"set pfs group{e.pfs_group}" if e.pfs_group is not None else "no set pfs"
            options.append(option(f"set PFS group {want} on {s.name}'s {e.map_name} {e.seq}", s.change(
                X.map_entry(s.platform, e.map_name, e.seq, f"set pfs group{want}"),
                X.map_entry(s.platform, e.map_name, e.seq, back)), favoured=e.pfs_group is None,
                why=f"{o.name} requires PFS group {want}; keeping PFS keeps the stronger setting" if e.pfs_group is None else ""))
        elif e.pfs_group is not None:
            options.append(option(f"remove PFS from {s.name}'s {e.map_name} {e.seq}", s.change(
                X.map_entry(s.platform, e.map_name, e.seq, "no set pfs"),
                X.map_entry(s.platform, e.map_name, e.seq, f"set pfs group{e.pfs_group}")),
                warning="drops perfect forward secrecy from the tunnel"))
    return result(options, AFTER)


@fix("CRYPTO_MAP_INCOMPLETE")
def map_incomplete(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        e = s.entry
        if e is None:
            continue
        itf = e.interfaces[0] if e.interfaces else s.interface_toward(s.peer.endpoint)
        lines = X.map_entry(s.platform, e.map_name, e.seq, f"set peer {s.other.endpoint}") if not e.peers and s.other.endpoint else []
        if not itf or not (e.incomplete or lines or s.peer.name == _.peer):
            continue
        lines += X.map_on_interface(s.platform, e.map_name, itf, remove=True) + X.map_on_interface(s.platform, e.map_name, itf)
        options.append(option(f"reapply {e.map_name} on {s.name}'s {itf}", s.change(lines, []), favoured=True,
                              why=f"{s.name}'s entry {e.seq} was completed after the map was applied: it stays inactive "
                                  "until the map is applied again",
                              warning=f"every tunnel of {e.map_name} drops while the map is off {itf} (a moment)"))
    return result(options, "Nothing to roll back: reapplying the same map changes no configuration line. "
                           "The agent can do this itself (reapply_crypto_map).")


@fix("DYNAMIC_MAP_PRIORITY")
def dynamic_priority(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        e = s.entry_for_me()
        if e is None:
            continue
        for d in s.entries:
            if not d.dynamic or d.map_name != e.map_name or d.seq >= e.seq or not d.dynamic_map:
                continue
            used = {x.seq for x in s.entries if x.map_name == e.map_name}
            new = next(n for n in range(65535, 0, -1) if n not in used)
            lines = X.dynamic_entry(s.platform, d.map_name, d.seq, d.dynamic_map, remove=True) + \
                X.dynamic_entry(s.platform, d.map_name, new, d.dynamic_map)
            back = X.dynamic_entry(s.platform, d.map_name, new, d.dynamic_map, remove=True) + \
                X.dynamic_entry(s.platform, d.map_name, d.seq, d.dynamic_map)
            options.append(option(f"move {s.name}'s dynamic entry {d.seq} to {new}", s.change(lines, back), favoured=True,
                                  why=f"{s.name}'s dynamic entry {d.seq} comes before the static entry {e.seq} for "
                                      f"{s.remote} and takes its negotiation",
                                  warning="the dynamic map's peers keep their entry, only its place changes"))
    return result(options, AFTER)


@fix("CRYPTO_ACL_OVERLAP")
def acl_overlap(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    notes = []
    for s in t.sides:
        e = s.entry_for_me()
        if e is None or not e.acl:
            continue
        for x in s.entries:
            if x is e or x.dynamic or x.seq >= e.seq or x.map_name != e.map_name or not x.acl:
                continue
            caught = [(src, dst) for src, dst in s.pairs(e.acl)
                      if any(src.subnet_of(a) and dst.subnet_of(b) for a, b in s.pairs(x.acl)  # type: ignore[arg-type]
                             if a.version == src.version)]
            if not caught:
                continue
            if len(s.uses(x.acl)) > 1:
                notes.append(f"{x.acl} serves several entries of {s.name}: narrowing it would change them all, not proposed")
                continue
            lines: list[str] = []
            back: list[str] = []
            for src, dst in caught:
                a, b = X.net(s.platform, src), X.net(s.platform, dst)
                lines += X.acl_add(s.platform, x.acl, "deny", a, b, first=True)
                back += X.acl_remove(s.platform, x.acl, "deny", a, b)
            peer = ", ".join(x.peers) or "no peer"
            options.append(option(f"keep this tunnel's traffic out of {s.name}'s {x.acl} (entry {x.seq})",
                                  s.change(lines, back), favoured=True,
                                  why=f"entry {x.seq} ({peer}) comes first and its {x.acl} also matches this tunnel's traffic",
                                  warning=f"entry {x.seq} ({peer}) keeps every other network it protects"))
            notes.append(f"Removing {s.name}'s entry {x.seq} would break the tunnel to {peer}: not proposed.")
    return result(options, *notes, AFTER)


def _object_for(s: Side, n: Net) -> str | None:
    return next((o.name for o in s.objects if o.kind == "object" and o.networks == (n,)), None)


@fix("NAT_EXEMPTION_MISSING")
def nat_exemption(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        pairs = s.protected
        exempt = [r for r in s.nat_rules if r.exempt and not r.inactive]
        missing = [(a, b) for a, b in pairs
                   if not any(any(a.subnet_of(x) for x in r.source_networks if x.version == a.version)  # type: ignore[arg-type]
                              and any(b.subnet_of(y) for y in r.destination_networks if y.version == b.version)  # type: ignore[arg-type]
                              for r in exempt)]
        if not missing or not any(not r.exempt for r in s.nat_rules):
            continue  # nothing translated on this side: nothing to exempt
        lines: list[str] = []
        back: list[str] = []
        if s.asa:
            outside = s.crypto_interface
            for a, b in missing:
                inside = s.interface_toward(str(a.network_address + 1)) or "inside"
                names = []
                for n in (a, b):
                    name = _object_for(s, n)
                    if name is None:
                        name = f"NET-{n.network_address}-{n.prefixlen}"
                        lines += [f"object network {name}", f" subnet {n.network_address} {n.netmask}"]
                        back.append(f"no object network {name}")
                    names.append(name)
                rule = (f"nat ({inside},{outside}) source static {names[0]} {names[0]} destination static "
                        f"{names[1]} {names[1]} no-proxy-arp route-lookup")
                lines.append(rule)
                back.insert(0, f"no {rule}")
        else:
            acl = next((r.acl for r in s.nat_rules if r.acl and not r.exempt), "")
            if not acl:
                continue
            for a, b in missing:
                src, dst = X.net(s.platform, a), X.net(s.platform, b)
                lines += X.acl_add(s.platform, acl, "deny", src, dst, first=True)
                back += X.acl_remove(s.platform, acl, "deny", src, dst)
        options.append(option(f"exempt the tunnel's traffic from NAT on {s.name}", s.change(lines, back), favoured=True,
                              why=f"{s.name} translates {', '.join(f'{a} -> {b}' for a, b in missing)} before encryption"))
    return result(options, AFTER)


@fix("ROUTING_MISSING")
def routing(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        hop = s.route_to(s.other.endpoint)
        if hop is None or hop.next_hop is None:
            continue
        missing = [b for _, b in s.protected if s.route_to(b.network_address) is None]
        if not missing:
            continue
        itf = hop.interface or s.crypto_interface
        lines = [ln for b in missing for ln in X.route(s.platform, b, str(hop.next_hop), itf)]
        back = [ln for b in missing for ln in X.route(s.platform, b, str(hop.next_hop), itf, remove=True)]
        options.append(option(f"route {', '.join(map(str, missing))} on {s.name} via {hop.next_hop}", s.change(lines, back),
                              favoured=True, why=f"{s.name} has no route to {', '.join(map(str, missing))}; "
                                                 f"{hop.next_hop} is its next hop to {s.other.endpoint}"))
    return result(options, AFTER)


@fix("SYSOPT_PERMIT_VPN_DISABLED")
def sysopt(t: Tunnel, _: Outcome) -> Change | None:
    options = [option(f"let decrypted traffic bypass {s.name}'s interface ACLs", s.change(
        ["sysopt connection permit-vpn"], ["no sysopt connection permit-vpn"]), favoured=True,
        why=f"{s.name} has 'no sysopt connection permit-vpn'",
        warning=f"applies to every tunnel of {s.name}: their decrypted traffic no longer meets the outside ACL")
        for s in t.sides if s.asa and "no sysopt connection permit-vpn" in s.config_text()]
    return result(options, AFTER)


@fix("MTU_MSS")
def mtu(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        if s.asa:
            options.append(option(f"clamp TCP MSS on {s.name}", s.change(
                ["sysopt connection tcpmss 1350"], ["sysopt connection tcpmss 1380"]),
                warning=f"global on {s.name}: every TCP flow through it"))
        else:
            inside = s.interface_toward(str(s.protected[0][0].network_address + 1)) if s.protected else ""
            if inside:
                options.append(option(f"clamp TCP MSS on {s.name}'s {inside}", s.change(
                    [f"interface {inside}", " ip tcp adjust-mss 1360"], [f"interface {inside}", " no ip tcp adjust-mss"])))
    return result(options, "TCP then fits the tunnel; a non-TCP sender with DF set still needs a path MTU above its "
                           "packet size.")


@fix("ANTI_REPLAY_FAILURES")
def anti_replay(t: Tunnel, _: Outcome) -> Change | None:
    options = [option(f"widen the replay window on {s.name}", s.change(
        ["crypto ipsec security-association replay window-size 1024"],
        ["no crypto ipsec security-association replay window-size 1024"]),
        favoured=True, why="packets reordered in the path (QoS) fall out of the default 64-packet window")
        for s in t.sides]
    return result(options, AFTER)
