"""Which log lines speak for this tunnel (issue 18, rule 2): a line counts when it names
the tunnel's peer (an address it is known by: crypto endpoint or NAT address) or continues
a debug exchange with it, and when it is recent - within ``RECENT_SECONDS`` of the newest
line on the same clock (a line without a timestamp is taken as recent: nothing says it is
old, or older than the tunnel's newest success (a completed phase, an SA created: what
failed before the tunnel last came up is history, timestamps or not). A line that names
another peer is context, never a cause. A line that names no peer
at all (IOS `%CRYPTO-4-PKT_REPLAY_ERR ... connection id=1`, ASA `713063 ... destination
0.0.0.0`) counts only on a device that terminates no other L2L peer (its configuration and
SA tables say so; unread, its buffer naming no other peer), where it can only be this
tunnel's."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from ipaddress import IPv4Network, IPv6Network, ip_address

from agent.parsing.model import LogLine

RECENT_SECONDS = 3600.0
IPNetwork = IPv4Network | IPv6Network


class Owner(Enum):
    TUNNEL = "tunnel"  # names this tunnel's peer
    OTHER = "other"  # names another peer
    NOBODY = "nobody"  # names no peer


def owner(line: LogLine, remotes: Iterable[str], own: Iterable[str], networks: Iterable[IPNetwork] = ()) -> Owner:
    """Whose line this is: the tunnel's (it names the peer, or a host of the networks the
    tunnel protects: a teardown, a large packet), another peer's, or nobody's."""
    own_set, remote_set = set(own), set(remotes)
    peer = line.peer if line.peer not in own_set else ""
    if peer in remote_set or any(n in remote_set for n in line.names):
        return Owner.TUNNEL
    nets = list(networks)
    if nets and any(_inside(n, nets) for n in line.names if n != peer):
        return Owner.TUNNEL
    if peer:  # named as the peer of the exchange ("from X", "IP = X"): another tunnel's line
        return Owner.OTHER
    return Owner.NOBODY


def _inside(address: str, networks: list[IPNetwork]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks if net.prefixlen > 0)


#: what a device logs when this tunnel came up: a failure logged before it is history
SUCCESS = ("PHASE 1 COMPLETED", "PHASE 2 COMPLETED", "has been created", "Crypto tunnel is UP", "SA_UP")


def current(lines: list[LogLine]) -> list[LogLine]:
    """The lines from the tunnel's newest success on (a completed phase 1 or 2, an SA
    created, the session up): what failed before the tunnel last came up is history,
    whether or not the buffer has timestamps; a success line itself stays."""
    last = max((i for i, ln in enumerate(lines) if any(s.lower() in ln.message.lower() for s in SUCCESS)), default=None)
    return lines if last is None else [ln for i, ln in enumerate(lines)
                                       if i >= last or any(s.lower() in ln.message.lower() for s in SUCCESS)]


def recent(lines: list[LogLine]) -> list[LogLine]:
    """The lines within ``RECENT_SECONDS`` of the newest line on the same clock."""
    newest: dict[str, float] = {}
    for ln in lines:
        if ln.at is not None:
            newest[ln.clock] = max(newest.get(ln.clock, ln.at), ln.at)
    return [ln for ln in lines if ln.at is None or newest[ln.clock] - ln.at <= RECENT_SECONDS]


def tunnel_lines(lines: list[LogLine], remotes: tuple[str, ...], own: tuple[str, ...],
                 other_peers: bool | None = None, networks: tuple[IPNetwork, ...] = (),
                 history: bool = False) -> list[LogLine]:
    """The recent lines of ``lines`` that belong to the tunnel to ``remotes``. Without a
    known remote address nothing can be told apart: every recent line is kept.
    ``other_peers``: whether the device's configuration or SA tables show L2L peers
    besides this one (None: not read - then a buffer that names another peer says so);
    a line that names no peer is this tunnel's only on a device with no other.
    ``history``: keep what happened before the tunnel's newest success too (a tunnel that
    bounced: the teardown that killed the flows precedes the rebuild)."""
    fresh = recent(lines)
    if not remotes:
        return fresh
    owners = [(ln, owner(ln, remotes, own, networks)) for ln in fresh]
    busy = other_peers if other_peers is not None else any(o is Owner.OTHER for _, o in owners)
    mine = [ln for ln, o in owners if o is Owner.TUNNEL or (o is Owner.NOBODY and not busy)]
    return mine if history else current(mine)


def context_lines(lines: list[LogLine], remotes: tuple[str, ...], own: tuple[str, ...]) -> list[LogLine]:
    """Lines that are not this tunnel's: other peers' and old ones (shown, never a cause)."""
    mine = {id(ln) for ln in tunnel_lines(lines, remotes, own)}
    return [ln for ln in lines if id(ln) not in mine]
