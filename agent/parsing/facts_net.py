"""Network facts around the tunnel: access-list entries, NAT rules, routes, interface
addresses, syslog lines, ping results and ASA ASP drop counters."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from agent.parsing.context import Context, Parsed
from agent.parsing.facts_device import resolve
from agent.parsing.model import (
    AclAction,
    AclEntry,
    AspDrop,
    InterfaceAddress,
    NatRule,
    PingResult,
    Route,
    Source,
)
from agent.parsing.normalize import IPNetwork, to_int, to_ip, to_list, to_network, to_str
from agent.parsing.result import Platform, Record

_ANY = {"any": "0.0.0.0/0", "any4": "0.0.0.0/0", "any6": "::/0"}


def _any(word: str) -> IPNetwork | None:
    return ipaddress.ip_network(_ANY[word]) if word in _ANY else None


def parse_ace(
    text: str, wildcard: bool
) -> tuple[str, str, tuple[IPNetwork | None, str], tuple[IPNetwork | None, str]] | None:
    """"permit ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255" (IOS: ``wildcard``), "permit ip
    host A any", ASA "extended permit ip 10.1.1.0 255.255.255.0 10.2.2.0 255.255.255.0" ->
    (action, protocol, (src, src_raw), (dst, dst_raw)); a standard entry has dst (None, "")."""
    words = text.split()
    if words and words[0] in ("extended", "standard"):
        words = words[1:]
    if not words or words[0] not in ("permit", "deny"):
        return None
    action, rest = words[0], words[1:]
    standard = bool(rest) and (to_ip(rest[0]) is not None or rest[0] in ("any", "host"))
    protocol = "ip" if standard else (rest.pop(0) if rest else "")
    if protocol in ("object-group", "object") and rest:
        protocol = f"{protocol} {rest.pop(0)}"
    src = _take_address(rest, wildcard)
    dst = _take_address(rest, wildcard) if not standard else (None, "")
    return action, protocol, src, dst


def _take_address(words: list[str], wildcard: bool) -> tuple[IPNetwork | None, str]:
    if not words:
        return None, ""
    head = words.pop(0)
    if head in _ANY:
        return _any(head), head
    if head in ("host", "object-group", "object", "interface") and words:
        value = words.pop(0)
        return (to_network(value) if head == "host" else None), f"{head} {value}"
    if to_ip(head) is not None and words and to_ip(words[0]) is not None:
        mask = words.pop(0)
        return to_network(head, mask, wildcard=wildcard), f"{head} {mask}"
    return to_network(head), head


def _field_address(r: Record, prefix: str) -> tuple[IPNetwork | None, str]:
    """An address from ntc's split fields (PREFIX_host, _any, _network + _mask|_wildcard,
    v6 forms, object groups)."""
    get = lambda name: to_str(r.get(f"{prefix}_{name}"))  # noqa: E731
    if get("any"):
        return _any(get("any")), get("any")
    for name in ("host", "v6host"):
        if get(name):
            return to_network(get(name)), f"host {get(name)}"
    if get("network"):
        mask, wildcard = (get("wildcard"), True) if get("wildcard") else (get("mask"), False)
        return to_network(get("network"), mask, wildcard=wildcard), f"{get('network')} {mask}".strip()
    if get("v6network"):
        return to_network(get("v6network"), get("v6mask")), f"{get('v6network')}/{get('v6mask')}"
    for name in ("object_grp", "network_object_group_name", "object", "fqdn", "host_fqdn"):
        if get(name):
            return None, f"{name.split('_')[0]} {get(name)}"
    return None, ""


def acl_ntc(ctx: Context, parsed: Parsed) -> list[AclEntry]:
    """ntc `show access-list` (ASA, IOS) and `show ip access-lists` (IOS) records; ASA
    object-group lines and their expanded entries both become entries.  Built once per
    output (the ACL facts and the NAT rules' ACL index both ask; the entries are frozen)."""
    key = f"acl_ntc:{id(parsed)}"
    built: list[AclEntry] | None = ctx.cache.get(key)
    if built is None:
        built = ctx.cache[key] = _acl_ntc(parsed)
    return list(built)


def _acl_ntc(parsed: Parsed) -> list[AclEntry]:
    out = []
    for i, r in parsed.records():
        action = to_str(r.get("action")).lower()
        if action not in ("permit", "deny"):
            continue
        name = to_str(r.get("acl_name")) or to_str(r.get("name"))
        src_text, dst_text = to_str(r.get("source")), to_str(r.get("destination"))
        if src_text:  # IOS `show access-list`: "host A", "A W", "A, wildcard bits W"
            src = _take_address(src_text.replace(", wildcard bits", "").split(), True)
            dst = _take_address(dst_text.split(), True) if dst_text else (None, "")
            protocol = to_str(r.get("protocol"))
        elif any(k.startswith("entry_") and to_str(v) for k, v in r.items()):
            src, dst = _field_address(r, "entry_src"), _field_address(r, "entry_dst")
            protocol = to_str(r.get("entry_protocol")) or to_str(r.get("entry_protocol_icmp"))
        else:
            src, dst = _field_address(r, "src"), _field_address(r, "dst")
            protocol = to_str(r.get("protocol")) or to_str(r.get("svc_object_grp"))
        hits = to_int(r.get("hit_count")) or to_int(r.get("entry_hit_count")) or to_int(r.get("matches"))
        out.append(AclEntry(name, AclAction(action), protocol, src[0], dst[0], src[1], dst[1], hits, Source(parsed.command, i)))
    return out


def acl_config(ctx: Context, parsed: Parsed) -> list[AclEntry]:
    """IOS running-config `access-list N ...` lines and `ip access-list` blocks."""
    out = []
    for i, r in parsed.records():
        if " ".join(to_str(r.get("kind")).split()) not in ("access-list", "ip access-list"):
            continue
        for ace in to_list(r.get("aces")):
            parsed_ace = parse_ace(ace, wildcard=True)
            if parsed_ace is None:
                continue
            action, protocol, src, dst = parsed_ace
            out.append(AclEntry(to_str(r.get("name")), AclAction(action), protocol, src[0], dst[0], src[1], dst[1],
                                None, Source(parsed.command, i)))
    return out


def acl_ios_crypto_map(ctx: Context, parsed: Parsed) -> list[AclEntry]:
    """The ACL lines IOS `show crypto map` prints under each entry."""
    out = []
    for i, r in parsed.records():
        for line in to_list(r.get("acl_entries")):
            words = line.split()
            if len(words) < 3 or words[0] != "access-list":
                continue
            parsed_ace = parse_ace(" ".join(words[2:]), wildcard=True)
            if parsed_ace is not None:
                action, protocol, src, dst = parsed_ace
                out.append(AclEntry(words[1], AclAction(action), protocol, src[0], dst[0], src[1], dst[1], None,
                                    Source(parsed.command, i)))
    return out


def _asa_networks(ctx: Context, name: str) -> tuple[IPNetwork, ...]:
    if name in _ANY or name == "any":
        return (ipaddress.ip_network("0.0.0.0/0"),)
    direct = to_network(name)
    return (direct,) if direct else resolve(ctx, name)[0]


def nat_asa(ctx: Context, parsed: Parsed) -> list[NatRule]:
    """ASA `show nat` and `show running-config nat`: an identity twice NAT (source static
    A A destination static B B) is a NAT exemption. Object names are resolved to networks
    when `show running-config object` was collected."""
    out = []
    for i, r in parsed.records():
        obj = to_str(r.get("object"))
        s_real = obj or to_str(r.get("source_real"))
        s_mapped = to_str(r.get("source_mapped"))
        d_real, d_mapped = to_str(r.get("destination_real")), to_str(r.get("destination_mapped"))
        inactive = bool(to_str(r.get("inactive")))
        exempt = to_str(r.get("source_type")) == "static" and s_real == s_mapped and bool(d_real) and d_real == d_mapped
        auto = bool(obj) or to_str(r.get("nat_section_number")) == "2"
        out.append(
            NatRule(
                kind="auto" if auto else "twice", real_interface=to_str(r.get("source_interface")),
                mapped_interface=to_str(r.get("destination_interface")), source_real=s_real, source_mapped=s_mapped,
                destination_real=d_real, destination_mapped=d_mapped, exempt=exempt and not inactive,
                hits=to_int(r.get("translate_hits")), source_networks=_asa_networks(ctx, s_real),
                destination_networks=_asa_networks(ctx, d_real) if d_real else (), inactive=inactive,
                source=Source(parsed.command, i),
            )
        )
    return out


_ACL_BUILDERS: dict[str, Callable[[Context, Parsed], list[AclEntry]]] = {}


def acl_index(ctx: Context) -> dict[str, list[AclEntry]]:
    """Every ACL entry from any collected output, by ACL name (first output per ACL)."""
    index: dict[str, list[AclEntry]] | None = ctx.cache.get("acls")
    if index is None:
        index = {}
        for parsed in ctx.parsed:
            builder = _ACL_BUILDERS.get(parsed.template)
            if builder is None or not parsed.result.ok:
                continue
            seen = set(index)
            for entry in builder(ctx, parsed):
                if entry.acl not in seen:
                    index.setdefault(entry.acl, []).append(entry)
        ctx.cache["acls"] = index
    return index


def nat_ios_config(ctx: Context, parsed: Parsed) -> list[NatRule]:
    """IOS `ip nat inside source list ACL|route-map RM ...`: the rule, plus one exempt rule
    per deny entry of its ACL (traffic the NAT ACL denies is not translated). The ACL may
    come from this output or any other (`show ip access-lists`)."""
    records = parsed.records()
    route_maps = {to_str(r.get("name")): to_str(r.get("match_acl")) for _, r in records if to_str(r.get("kind")) == "route-map"}
    acls = acl_index(ctx)
    out = []
    for i, r in records:
        if " ".join(to_str(r.get("kind")).split()) != "ip nat":
            continue
        rule = to_str(r.get("nat_rule"))
        match = re.search(r"\b(list|route-map)\s+(\S+)", rule)
        acl = ""
        if match:
            acl = match.group(2) if match.group(1) == "list" else route_maps.get(match.group(2), "")
        itf = re.search(r"\binterface\s+(\S+)", rule)
        mapped = itf.group(1) if itf else ""
        src = Source(parsed.command, i)
        out.append(NatRule("ios", "", mapped, rule, "", "", "", False, acl, None, source=src))
        for entry in acls.get(acl, []):
            if entry.action is AclAction.DENY:
                out.append(NatRule("ios", "", mapped, entry.src_raw, entry.src_raw, entry.dst_raw, entry.dst_raw, True, acl,
                                   None, tuple(n for n in (entry.src,) if n), tuple(n for n in (entry.dst,) if n),
                                   source=src))
    return out


def routes_ntc(ctx: Context, parsed: Parsed) -> list[Route]:
    out = []
    for i, r in parsed.records():
        mask = to_str(r.get("netmask")) or to_str(r.get("prefix_length"))
        out.append(
            Route(
                network=to_network(r.get("network"), mask),
                next_hop=to_ip(r.get("nexthopip")) or to_ip(r.get("nexthop_ip")),
                interface=to_str(r.get("nexthopif")) or to_str(r.get("nexthop_if")),
                protocol=(to_str(r.get("protocol")) + to_str(r.get("type"))).strip(),
                distance=to_int(r.get("distance")), source=Source(parsed.command, i),
            )
        )
    return out


def routes_config(ctx: Context, parsed: Parsed) -> list[Route]:
    """IOS running-config `ip route NET MASK [IF] [NEXT-HOP] [DISTANCE]`."""
    out = []
    for i, r in parsed.records():
        if " ".join(to_str(r.get("kind")).split()) != "ip route":
            continue
        words = to_str(r.get("route")).split()
        if len(words) < 3:
            continue
        hop = next((w for w in words[2:] if to_ip(w)), None)
        itf = words[2] if to_ip(words[2]) is None and not words[2].isdigit() else ""
        distance = next((int(w) for w in words[3:] if w.isdigit()), 1)
        out.append(Route(to_network(words[0], words[1]), to_ip(hop), itf, "S", distance, Source(parsed.command, i)))
    return out


def interfaces_brief(ctx: Context, parsed: Parsed) -> list[InterfaceAddress]:
    return [
        InterfaceAddress(to_str(r.get("interface")), to_ip(r.get("ip_address")), to_str(r.get("status")),
                         source=Source(parsed.command, i))
        for i, r in parsed.records()
    ]


def interfaces_config(ctx: Context, parsed: Parsed) -> list[InterfaceAddress]:
    return [
        InterfaceAddress(to_str(r.get("name")), to_ip(r.get("ip_address")),
                         "administratively down" if to_str(r.get("shutdown")) else "",
                         to_str(r.get("crypto_map")), Source(parsed.command, i))
        for i, r in parsed.records()
        if to_str(r.get("kind")) == "interface"
    ]


def pings(ctx: Context, parsed: Parsed) -> list[PingResult]:
    """`ping` records (cisco_ping.textfsm). The ASA does not print the source: it is the
    interface named in the command (`ping inside 10.2.2.10`)."""
    words = parsed.command.split()
    asa_source = words[1] if ctx.platform is Platform.ASA and len(words) > 2 and to_ip(words[1]) is None else ""
    out = []
    typed_target = next((w for w in words[1:] if to_ip(w) is not None), "")
    for i, r in parsed.records():
        pct = to_int(r.get("success_pct"))
        sent, received = to_int(r.get("sent_total")) or to_int(r.get("sent_qty")), to_int(r.get("success_qty"))
        stream = "".join(to_list(r.get("response_stream")))
        complete = pct is not None
        if pct is None and stream and not r.get("sent_qty"):  # only the reply stream was kept
            sent, received = len(stream), stream.count("!")
            pct = 100 * received // sent
        out.append(
            PingResult(
                target=to_str(r.get("destination")) or to_str(r.get("target")) or typed_target,
                sent=sent, received=received,
                success_pct=pct, source_address=to_str(r.get("source")) or asa_source, complete=complete,
                errors=tuple(to_list(r.get("errors"))), source=Source(parsed.command, i),
            )
        )
    return out


def asp_drops(ctx: Context, parsed: Parsed) -> list[AspDrop]:
    """ASA `show asp drop`: one counter per reason and section."""
    return [
        AspDrop(to_str(r.get("section")).lower(), to_str(r.get("reason")), to_int(r.get("count")) or 0,
                to_str(r.get("description")), Source(parsed.command, i))
        for i, r in parsed.records()
    ]


_ACL_BUILDERS.update({
    "cisco_asa_show_access-list.textfsm": acl_ntc,
    "cisco_ios_show_access-list.textfsm": acl_ntc,
    "cisco_ios_show_ip_access-lists.textfsm": acl_ntc,
    "cisco_ios_show_running-config.textfsm": acl_config,
})
