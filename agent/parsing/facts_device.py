"""Device-level facts: `show version`, ASA network objects and group policies."""

from __future__ import annotations

import re

from agent.parsing.context import Context, Parsed
from agent.parsing.model import DeviceInfo, GroupPolicy, HostNames, NetworkObject, Source
from agent.parsing.normalize import IPNetwork, to_int, to_list, to_network, to_str

_UNITS = {"year": 365 * 86400, "week": 7 * 86400, "day": 86400, "hour": 3600, "minute": 60, "min": 60, "second": 1,
          "sec": 1}
_UPTIME = re.compile(r"(\d+)\s*(year|week|day|hour|minute|min|second|sec)s?", re.I)


def uptime_seconds(text: str) -> int | None:
    """"1 week, 5 days, 5 hours, 3 minutes" (IOS) / "12 days 5 hours" (ASA) -> seconds."""
    parts = _UPTIME.findall(text)
    return sum(int(n) * _UNITS[unit.lower()] for n, unit in parts) if parts else None


def device_ntc(ctx: Context, parsed: Parsed) -> list[DeviceInfo]:
    out = []
    for i, r in parsed.records():
        uptime = to_str(r.get("uptime"))
        out.append(
            DeviceInfo(to_str(r.get("hostname")), to_str(r.get("version")), uptime, uptime_seconds(uptime),
                       to_str(r.get("reload_reason")), Source(parsed.command, i))
        )
    return out[:1]


def names_asa(ctx: Context, parsed: Parsed) -> list[HostNames]:
    """`show running-config | include ^hostname|^domain-name` -> the ASA's names."""
    records = [r for _, r in parsed.records()]
    hostname = next((to_str(r.get("hostname")) for r in records if to_str(r.get("hostname"))), "")
    domain = next((to_str(r.get("domain_name")) for r in records if to_str(r.get("domain_name"))), "")
    return [HostNames(hostname, domain, Source(parsed.command))] if hostname else []


def merged_by_name(parsed: Parsed, keys: tuple[str, ...]) -> list[tuple[str, dict[str, str], Source]]:
    """An item printed as several records (the ASA's `group-policy NAME internal` line and
    its `attributes` block), merged by name: each key's last stated value, and the source
    of the item's first record.  Also read by the remote-access facts (``facts_ra``)."""
    merged: dict[str, tuple[dict[str, str], Source]] = {}
    for i, r in parsed.records():
        acc, _ = merged.setdefault(to_str(r.get("name")), ({}, Source(parsed.command, i)))
        for key in keys:
            if to_str(r.get(key)):
                acc[key] = to_str(r.get(key))
    return [(name, acc, source) for name, (acc, source) in merged.items()]


def tunnel_protocols(acc: dict[str, str]) -> tuple[str, ...]:
    """`vpn-tunnel-protocol P ...` as a tuple; `no vpn-tunnel-protocol` (none allowed): ()."""
    return () if acc.get("no_tunnel_protocols") else tuple(acc.get("tunnel_protocols", "").split())


def group_policies_asa(ctx: Context, parsed: Parsed) -> list[GroupPolicy]:
    """Group policies, the "internal" line and the "attributes" block merged by name."""
    keys = ("idle_timeout", "session_timeout", "tunnel_protocols", "no_tunnel_protocols", "pfs")
    return [
        GroupPolicy(
            name=name, idle_timeout=to_int(acc.get("idle_timeout")), session_timeout=to_int(acc.get("session_timeout")),
            tunnel_protocols=tunnel_protocols(acc), pfs={"enable": True, "disable": False}.get(acc.get("pfs", "")),
            source=source,
        )
        for name, acc, source in merged_by_name(parsed, keys)
    ]


def _raw_objects(ctx: Context) -> dict[str, tuple[int, Parsed, dict[str, object]]]:
    index: dict[str, tuple[int, Parsed, dict[str, object]]] = ctx.cache.setdefault("objects", {})
    if not index:
        for parsed in ctx.by_template("cisco_asa_show_running-config_object.textfsm"):
            for i, r in parsed.records():
                index.setdefault(to_str(r.get("name")), (i, parsed, dict(r)))
    return index


def resolve(ctx: Context, name: str, depth: int = 0) -> tuple[tuple[IPNetwork, ...], tuple[str, ...]]:
    """An object / object-group name -> (its networks, member names no output defines)."""
    entry = _raw_objects(ctx).get(name)
    if entry is None or depth > 8:
        return (), (name,)
    _, _, r = entry
    nets: list[IPNetwork] = []
    missing: list[str] = []
    for host in to_list(r.get("hosts")):
        nets += [n for n in (to_network(host),) if n]
    for pair in to_list(r.get("subnets")):
        addr, _, mask = pair.partition(" ")
        nets += [n for n in (to_network(addr, mask),) if n]
    for member in to_list(r.get("objects")) + to_list(r.get("groups")):
        more, unknown = resolve(ctx, member, depth + 1)
        nets += more
        missing += unknown
    return tuple(dict.fromkeys(nets)), tuple(missing)


def objects_asa(ctx: Context, parsed: Parsed) -> list[NetworkObject]:
    out = []
    for i, r in parsed.records():
        if to_str(r.get("type")) != "network":
            continue
        name = to_str(r.get("name"))
        networks, missing = resolve(ctx, name)
        out.append(NetworkObject(name, to_str(r.get("kind")), networks, to_str(r.get("fqdn")), missing,
                                 Source(parsed.command, i)))
    return out
