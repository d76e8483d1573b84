"""Remote-access headend facts (seed 000 remote access, seed 003 L2TP over IPsec): address
pools and their use, the sessions of remote users, the remote-access attributes of group
policies and tunnel groups.  Built from one device's outputs by the same group reader as
``build_peer_facts`` (``facts.known_group``), with the same states: MISSING (no command
shows it), UNPARSED (an output could not be read), DEVICE_ERROR (rejected), EMPTY / OK.
An unreadable session table is never an empty one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from agent.parsing.context import Context, Parsed
from agent.parsing.facts import Builder, known_group, route_outputs
from agent.parsing.facts_device import merged_by_name, tunnel_protocols
from agent.parsing.forms import resolve
from agent.parsing.model import FactStatus, Known, Source
from agent.parsing.normalize import to_int, to_ip, to_str
from agent.parsing.result import platform_of
from agent.parsing.templates import parse, template_for


@dataclass(frozen=True)
class AddressPool:
    name: str | None  #: from the command (`show ip local pool NAME`) or the config line
    first: IPv4Address | None
    last: IPv4Address | None
    size: int | None  #: addresses in the range
    free: int | None  #: None when only the configuration was seen
    in_use: int | None
    source: Source = Source("")


@dataclass(frozen=True)
class RaSession:
    username: str
    assigned_ip: IPv4Address | None
    public_ip: IPv4Address | None  #: the client's public address
    protocol: str  #: "IKEv1 IPsec L2TPOverIPsec"
    group_policy: str
    tunnel_group: str
    encapsulation: str  #: Transport / Tunnel ("" when not shown)
    source: Source = Source("")


@dataclass(frozen=True)
class RaPolicy:
    """A group policy's remote-access attributes (None: not set here, inherited)."""

    name: str
    simultaneous_logins: int | None
    split_policy: str | None  #: tunnelall | tunnelspecified | excludespecified
    split_acl: str | None
    tunnel_protocols: tuple[str, ...]
    source: Source = Source("")


@dataclass(frozen=True)
class RaGroup:
    name: str
    type: str  #: remote-access, ipsec-l2l, ...
    address_pool: str | None  #: the first of ``address_pools``
    group_policy: str | None
    source: Source = Source("")
    address_pools: tuple[str, ...] = ()  #: `address-pool A B`: tried in this order


@dataclass(frozen=True)
class RaFacts:
    pools: Known[list[AddressPool]]
    sessions: Known[list[RaSession]]
    policies: Known[list[RaPolicy]]
    groups: Known[list[RaGroup]]


def _v4(value: Any) -> IPv4Address | None:
    addr = to_ip(value)
    return addr if isinstance(addr, IPv4Address) else None


def _size(first: IPv4Address | None, last: IPv4Address | None) -> int | None:
    return int(last) - int(first) + 1 if first is not None and last is not None and last >= first else None


def _pools(_: Context, parsed: Parsed) -> list[AddressPool]:
    words = parsed.command.split()
    from_command = words[-1] if len(words) > 3 and words[1].startswith("ip") else None
    out = []
    for i, r in parsed.records():
        first, last = _v4(r.get("begin")), _v4(r.get("end"))
        out.append(AddressPool(to_str(r.get("name")) or from_command or None, first, last, _size(first, last),
                               to_int(r.get("free")), to_int(r.get("in_use")), Source(parsed.command, i)))
    return out


def _sessions(_: Context, parsed: Parsed) -> list[RaSession]:
    return [
        RaSession(to_str(r.get("username")), _v4(r.get("assigned_ip")), _v4(r.get("public_ip")), to_str(r.get("protocol")),
                  to_str(r.get("group_policy")), to_str(r.get("tunnel_group")), to_str(r.get("encapsulation")),
                  Source(parsed.command, i))
        for i, r in parsed.records()
    ]


def _policies(_: Context, parsed: Parsed) -> list[RaPolicy]:
    keys = ("simultaneous_logins", "split_policy", "split_acl", "tunnel_protocols", "no_tunnel_protocols")
    return [
        RaPolicy(name, to_int(acc.get("simultaneous_logins")), acc.get("split_policy"), acc.get("split_acl"),
                 tunnel_protocols(acc), source)
        for name, acc, source in merged_by_name(parsed, keys)
    ]


def _groups(_: Context, parsed: Parsed) -> list[RaGroup]:
    return [
        RaGroup(to_str(r.get("name")), to_str(r.get("type")), next(iter(to_str(r.get("address_pool")).split()), None),
                to_str(r.get("group_policy")) or None, Source(parsed.command, i), tuple(to_str(r.get("address_pool")).split()))
        for i, r in parsed.records()
        if to_str(r.get("type"))
    ]


_EZVPN = "isakmp client configuration group"


def _ezvpn_groups(parsed: Parsed) -> list[tuple[int, dict[str, Any]]]:
    return [(i, r) for i, r in parsed.records() if " ".join(to_str(r.get("kind")).split()) == _EZVPN]


def _ios_policies(_: Context, parsed: Parsed) -> list[RaPolicy]:
    """IOS Easy VPN groups as policies: `max-logins` (no limit when absent), `acl` (the
    split-tunnel list: tunnel what it permits; without one, everything is tunnelled)."""
    return [
        RaPolicy(to_str(r.get("name")), to_int(r.get("max_logins")), "tunnelspecified" if to_str(r.get("client_acl")) else None,
                 to_str(r.get("client_acl")) or None, (), Source(parsed.command, i))  # () : no protocol list on IOS
        for i, r in _ezvpn_groups(parsed)
    ]


def _ios_groups(_: Context, parsed: Parsed) -> list[RaGroup]:
    """IOS Easy VPN groups as remote-access tunnel groups (each is its own policy)."""
    return [RaGroup(to_str(r.get("name")), "remote-access", to_str(r.get("client_pool")) or None, to_str(r.get("name")),
                    Source(parsed.command, i), tuple(to_str(r.get("client_pool")).split()))
            for i, r in _ezvpn_groups(parsed)]


#: template -> the fact group it feeds and how (the shape of ``facts.BUILDERS``).
TEMPLATES: dict[str, tuple[tuple[str, Builder], ...]] = {
    "cisco_asa_show_ip_local_pool.textfsm": (("pools", _pools),),
    "cisco_ios_show_ip_local_pool.textfsm": (("pools", _pools),),
    "cisco_asa_show_running-config_ip_local_pool.textfsm": (("pools", _pools),),
    "cisco_asa_show_vpn-sessiondb_ra-ikev1-ipsec.textfsm": (("sessions", _sessions),),
    "cisco_asa_show_running-config_group-policy.textfsm": (("policies", _policies),),
    "cisco_asa_show_running-config_tunnel-group.textfsm": (("groups", _groups),),
    "cisco_ios_show_running-config.textfsm": (("policies", _ios_policies), ("groups", _ios_groups)),
}
_FACTS = ("pools", "sessions", "policies", "groups")


def build_ra_facts(platform: str, outputs: Mapping[str, str]) -> RaFacts:
    """The remote-access facts of one headend's outputs (command -> raw text)."""
    plat = platform_of(platform)
    if plat is None:
        return RaFacts(**{name: Known(FactStatus.MISSING, notes=(f"unknown platform {platform!r}",)) for name in _FACTS})
    parsed = [Parsed(res.command, parse(plat, form, t), "" if form == res.command else form, res.partial)
              for res, t in ((resolve(plat, c), t) for c, t in outputs.items())
              for form in res.reads if template_for(plat, form) in TEMPLATES]
    feeds, _ = route_outputs(parsed, TEMPLATES)
    ctx = Context(plat, None, parsed)
    return RaFacts(**{name: known_group(ctx, name, feeds.get(name, [])) for name in _FACTS})
