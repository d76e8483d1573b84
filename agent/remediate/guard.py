"""Before any change, check that the devices are the ones the inventory names and that
the tunnel's crypto map is where the inventory says.  An address re-used by another box,
a port forward to the wrong firewall, or an inventory out of date would otherwise turn a
clear or a reapply into an outage of somebody else's tunnels; refusing costs a minute.

Pure: the plan, the engine's context (both peers' facts) and the inventory's targets in,
the reasons to refuse out (empty: go ahead)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.collector import PeerTarget
from agent.engine.registry import Context, PeerCtx
from agent.remediate.actions import Plan

ABBREVIATIONS = {"gi": "gigabitethernet", "te": "tengigabitethernet", "fa": "fastethernet", "lo": "loopback",
                 "tu": "tunnel", "po": "port-channel", "vl": "vlan", "et": "ethernet", "mg": "management"}


def same_interface(a: str, b: str) -> bool:
    """`Gi0/0` and `GigabitEthernet0/0` are one interface; ASA nameifs compare as words."""
    return _canonical(a) == _canonical(b)


def _canonical(name: str) -> str:
    low = name.strip().lower().replace(" ", "")
    m = re.fullmatch(r"([a-z-]+)([\d/.:]+)", low)
    if m is None:
        return low
    word, number = m.groups()
    for short, full in ABBREVIATIONS.items():
        if full.startswith(word) and word.startswith(short):
            return full + number
    return low


def refusals(plan: Plan, ctx: Context, targets: Sequence[PeerTarget]) -> list[str]:
    by_name = {t.name: t for t in targets}
    out: list[str] = []
    for step in plan.steps:
        peer = next((p for p in ctx.peers if p.name == step.device), None)
        target = by_name.get(step.device)
        if peer is None or target is None:
            out.append(f"{step.device}: not a peer of tunnel {plan.tunnel} in the inventory")
            continue
        out += _identity(peer, target)
        out += _map_place(peer, target)
    return out


def _identity(peer: PeerCtx, target: PeerTarget) -> list[str]:
    """The device that answered holds the tunnel's crypto endpoint on one of its interfaces."""
    endpoint = target.crypto_endpoint
    if endpoint is None:
        return []
    known = peer.facts.interfaces if peer.facts is not None else None
    if known is None or not known.readable:
        return [f"{peer.name}: its interface addresses were not read, so nothing shows that the device "
                f"answering is the one holding {endpoint}"]
    addresses = sorted({str(i.address) for i in known.value or [] if i.address is not None})
    if endpoint not in addresses:
        return [f"{peer.name}: the device that answered does not hold the tunnel's crypto endpoint {endpoint} "
                f"(its addresses: {', '.join(addresses) or 'none'}); the inventory may point at the wrong device"]
    return []


def _map_place(peer: PeerCtx, target: PeerTarget) -> list[str]:
    """The crypto map the inventory names exists and is bound where the inventory says."""
    if target.crypto_map is None and target.interface is None:
        return []
    known = peer.facts.crypto_maps if peer.facts is not None else None
    if known is None or not known.readable:
        return [f"{peer.name}: its crypto maps were not read, so nothing shows where the tunnel's map is"]
    entries = list(known.value or [])
    if target.crypto_map is not None:
        names = sorted({e.map_name for e in entries})
        entries = [e for e in entries if e.map_name == target.crypto_map]
        if not entries:
            return [f"{peer.name}: no crypto map {target.crypto_map}, which the inventory says carries the tunnel "
                    f"(maps on the device: {', '.join(names) or 'none'})"]
    if target.interface is not None:
        bound = sorted({i for e in entries for i in e.interfaces})
        if not any(same_interface(target.interface, i) for i in bound):
            what = f"crypto map {target.crypto_map}" if target.crypto_map else "no crypto map"
            return [f"{peer.name}: {what} is bound to {', '.join(bound) or 'no interface'}, "
                    f"not to {target.interface} as the inventory says"]
    return []
