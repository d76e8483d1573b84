"""What every fix function shares: the registry (code -> function), one side of the
tunnel with the facts a fix reads (its crypto map entry toward the other peer, ACLs,
routes, policies), and the builders of a change.  Pure: facts in, lines out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any

from agent.engine.model import Change, DeviceChange, FixOption
from agent.engine.registry import Context, Outcome, PeerCtx
from agent.engine.select import is_ikev2
from agent.parsing.model import (
    AclAction,
    AclEntry,
    CryptoMapEntry,
    IkeSettings,
    IsakmpPolicy,
    Known,
    NatRule,
    NetworkObject,
    Route,
    TransformSet,
    TunnelGroup,
)

Net = IPv4Network | IPv6Network
FixFn = Callable[["Tunnel", Outcome], Change | None]

#: code -> the function computing its change (registered with ``@fix``).
FIXES: dict[str, FixFn] = {}

#: The codes of the remote-access tree (playbooks/ra-headend.yaml): their change is computed
#: for a remote-access tunnel only, from the headend's facts (fixes/remote_access.py).
RA_CODES = frozenset({"VPN_POOL_EXHAUSTED", "SIMULTANEOUS_LOGINS_LIMIT", "SPLIT_TUNNEL_MISCONFIG",
                      "L2TP_TRANSPORT_MODE", "PFS_WITH_NATIVE_CLIENT"})

ASA = "cisco_asa"
IOS = "cisco_ios"
AFTER = "After the lines are in: clear this peer's SAs on both devices and send interesting traffic."


def fix(*codes: str) -> Callable[[FixFn], FixFn]:
    def deco(fn: FixFn) -> FixFn:
        for code in codes:
            if code in FIXES:
                raise ValueError(f"fix for {code} registered twice")
            FIXES[code] = fn
        return fn

    return deco


def value(peer: PeerCtx, group: str) -> Any:
    if peer.facts is None:
        return None
    k: Known[Any] = getattr(peer.facts, group)
    return k.value if k.readable else None


@dataclass
class Side:
    """One device of the tunnel and the facts a fix reads from it."""

    peer: PeerCtx
    other: PeerCtx
    ikev2: bool

    @property
    def name(self) -> str:
        return self.peer.name

    @property
    def platform(self) -> str:
        return self.peer.platform or ""

    @property
    def asa(self) -> bool:
        return self.platform == ASA

    @property
    def remote(self) -> str:
        """The other peer's address as this one names it (its crypto endpoint)."""
        return next((r for r in self.peer.remotes if r and any(r in e.peers for e in self.entries)),
                    self.other.endpoint or "")

    @cached_property
    def entries(self) -> list[CryptoMapEntry]:
        return sorted(value(self.peer, "crypto_maps") or [], key=lambda e: (e.map_name, e.seq))

    @cached_property
    def entry(self) -> CryptoMapEntry | None:
        """The static entry toward the other peer; else the static entry whose ACL mirrors
        the other side's (a wrong ``set peer``); else the only static entry."""
        static = [e for e in self.entries if not e.dynamic]
        names = {self.other.endpoint, *self.peer.remotes} - {None}
        found = next((e for e in static if names & set(e.peers)), None)
        if found is not None:
            return found
        theirs = Side(self.other, self.peer, self.ikev2).entry_for_me()
        if theirs is not None:
            want = {(d, s) for s, d in Side(self.other, self.peer, self.ikev2).pairs(theirs.acl)}
            found = next((e for e in static if want and set(self.pairs(e.acl)) == want), None)
        return found or (static[0] if len(static) == 1 else None)

    def entry_for_me(self) -> CryptoMapEntry | None:
        names = {self.other.endpoint, *self.peer.remotes} - {None}
        return next((e for e in self.entries if not e.dynamic and names & set(e.peers)), None)

    @cached_property
    def acl_entries(self) -> list[AclEntry]:
        return list(value(self.peer, "acl_entries") or [])

    def acl(self, name: str | None) -> list[AclEntry]:
        return [e for e in self.acl_entries if name and e.acl == name]

    def pairs(self, acl: str | None) -> list[tuple[Net, Net]]:
        return [(e.src, e.dst) for e in self.acl(acl) if e.action is AclAction.PERMIT and e.src and e.dst]

    @property
    def protected(self) -> list[tuple[Net, Net]]:
        """The tunnel's (local, remote) networks as this side's crypto ACL names them."""
        return self.pairs(self.entry.acl) if self.entry else []

    @cached_property
    def routes(self) -> list[Route]:
        return list(value(self.peer, "routes") or [])

    @cached_property
    def policies(self) -> list[IsakmpPolicy]:
        v = 2 if self.ikev2 else 1
        return [p for p in value(self.peer, "isakmp_policies") or [] if not p.builtin and p.ike_version == v]

    @cached_property
    def transform_sets(self) -> list[TransformSet]:
        return list(value(self.peer, "transform_sets") or [])

    @cached_property
    def groups(self) -> list[TunnelGroup]:
        return list(value(self.peer, "tunnel_groups") or [])

    @cached_property
    def nat_rules(self) -> list[NatRule]:
        return list(value(self.peer, "nat_rules") or [])

    @cached_property
    def objects(self) -> list[NetworkObject]:
        return list(value(self.peer, "objects") or [])

    @property
    def ike(self) -> IkeSettings | None:
        v = value(self.peer, "ike")
        return v if isinstance(v, IkeSettings) else None

    def connected(self) -> list[Route]:
        return [r for r in self.routes if r.protocol == "C" and r.network is not None]

    def local_networks(self) -> list[Net]:
        """Networks this device has on an interface other than its crypto endpoint's."""
        endpoint = _addr(self.peer.endpoint)
        return [r.network for r in self.connected()
                if r.network is not None and (endpoint is None or endpoint not in r.network)]

    def interface_toward(self, address: str | None) -> str:
        """The interface (ASA nameif, IOS name) of the connected network holding ``address``."""
        addr = _addr(address)
        for r in self.connected():
            if addr is not None and r.network is not None and addr in r.network and r.interface:
                return r.interface
        for i in value(self.peer, "interfaces") or []:
            if address and str(i.address) == address:
                return str(i.name)
        return ""

    @property
    def crypto_interface(self) -> str:
        if self.entry and self.entry.interfaces:
            return self.entry.interfaces[0]
        return self.interface_toward(self.peer.endpoint)

    def route_to(self, address: Any) -> Route | None:
        """The longest-prefix route with a next hop toward ``address``."""
        addr = _addr(str(address)) if address is not None else None
        best = [r for r in self.routes if addr is not None and r.network is not None and r.next_hop is not None
                and addr in r.network]
        return max(best, key=lambda r: r.network.prefixlen if r.network else -1, default=None)

    def uses(self, acl: str) -> list[CryptoMapEntry]:
        return [e for e in self.entries if e.acl == acl]

    def change(self, lines: list[str], rollback: list[str]) -> DeviceChange:
        return DeviceChange(self.name, self.platform, _compact(lines), _compact(rollback))

    def config_text(self) -> str:
        return "\n".join(v for k, v in self.peer.outputs.items() if "running-config" in k or "system:running" in k)


def _compact(lines: list[str]) -> tuple[str, ...]:
    """A sub-mode head that repeats the one still open (only its sub-mode lines since) is dropped."""
    out: list[str] = []
    head = ""
    for line in lines:
        if not line.startswith(" "):
            if line == head:
                continue
            head = line if any(nxt.startswith(" ") for nxt in lines[lines.index(line) + 1:][:1]) else ""
        out.append(line)
    return tuple(out)


def _addr(text: str | None) -> Any:
    try:
        return ip_address(text) if text else None
    except ValueError:
        return None


@dataclass
class Tunnel:
    """Both sides of the tunnel as the fix functions see them."""

    ctx: Context
    sides: list[Side]

    @classmethod
    def of(cls, ctx: Context) -> Tunnel:
        v2 = is_ikev2(ctx)
        return cls(ctx, [Side(p, ctx.other(p), v2) for p in ctx.peers if p.facts is not None and p.platform])

    @property
    def ikev2(self) -> bool:
        return bool(self.sides) and self.sides[0].ikev2

    def other(self, side: Side) -> Side | None:
        return next((s for s in self.sides if s is not side), None)


def option(label: str, *changes: DeviceChange, favoured: bool = False, why: str = "", warning: str = "") -> FixOption:
    return FixOption(label, tuple(c for c in changes if c.lines), favoured, why, warning)


def result(options: list[FixOption], *notes: str) -> Change | None:
    """The change: the favoured option first; None when no option has a line."""
    options = [o for o in options if o.changes]
    if not options:
        return None
    options.sort(key=lambda o: not o.favoured)
    return Change(tuple(options), tuple(n for n in notes if n))


def compute(code: str, ctx: Context, outcome: Outcome) -> Change | None:
    """The change that fixes ``code`` on this tunnel, from both configurations, or None
    (not a configuration change, or the facts it needs were not read)."""
    fn = FIXES.get(code)
    if fn is None or (code in RA_CODES) != (ctx.kind == "remote-access"):
        return None
    tunnel = Tunnel.of(ctx)
    if not tunnel.sides:
        return None
    return fn(tunnel, outcome)
