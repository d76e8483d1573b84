"""Which playbook a tunnel is walked with: one ordered table, the first rule that holds
names the tree.  The tunnel's kind comes from the inventory or the bundle (remote
access); IKEv1 or IKEv2 is decided from both peers' facts; the default is IKEv1 L2L."""

from __future__ import annotations

from collections.abc import Callable

from agent.engine.checks import facts as pf
from agent.engine.registry import Context, PeerCtx
from agent.parsing.model import CryptoMapEntry

DEFAULT = "l2l-ikev1"


def _entry(peer: PeerCtx, remote: str | None) -> CryptoMapEntry | None:
    k = pf.known_crypto_maps(peer)
    entries = [e for e in (k.value or []) if isinstance(e, CryptoMapEntry)] if k is not None else []
    return next((e for e in sorted(entries, key=lambda e: e.seq) if not e.dynamic and remote in e.peers), None)


def is_ikev2(ctx: Context) -> bool:
    """The tunnel is IKEv2: a peer's crypto map entry toward the other uses IKEv2 (ASA
    `set ikev2 ipsec-proposal`, IOS `set ikev2-profile`), or the only IKE SAs between
    them are IKEv2 SAs."""
    entries = [_entry(p, ctx.other(p).endpoint) for p in ctx.readable()]
    if any(e is not None and e.uses_ikev2 for e in entries):
        return True
    if any(e is not None for e in entries):
        return False  # an entry toward the peer that does not use IKEv2: IKEv1
    versions = set()
    for peer in ctx.readable():
        k = pf.known_phase1(peer)
        remote = ctx.other(peer).endpoint
        for sa in (k.value or []) if k is not None else []:
            if remote is None or str(getattr(sa, "peer", "")) == remote:
                versions.add(getattr(sa, "ike_version", None))
    return versions == {2}


def looks_remote_access(ctx: Context) -> bool:
    """The evidence is a remote-access headend's, whatever the bundle says (issue 18, rule
    11): the IKE SAs toward the other side are `Type: User` ones, or its IPsec SAs are
    transport-mode L2TP (UDP 1701) flows - and no L2L crypto map entry names that peer."""
    for peer in ctx.readable():
        remote = ctx.other(peer).endpoint
        if _entry(peer, remote) is not None:
            return False
        p1 = pf.known_phase1(peer)
        rows = [sa for sa in (p1.value or []) if remote is None or str(getattr(sa, "peer", "")) == remote] if p1 else []
        if rows and all(str(getattr(sa, "sa_type", "")).lower() == "user" for sa in rows):
            return True
        p2 = pf.known_phase2(peer)
        flows = [f for f in (p2.value or []) if remote is None or str(getattr(f, "peer", "")) == remote] if p2 else []
        if flows and all(getattr(f, "protocol", None) == 17 and getattr(getattr(f, "mode", None), "value", "") == "transport"
                         for f in flows):
            return True
    return False


#: (playbook, rule) in order; the first rule that holds wins.
RULES: list[tuple[str, Callable[[Context], bool]]] = [
    ("ra-headend", lambda ctx: ctx.kind == "remote-access" or looks_remote_access(ctx)),
    ("l2l-ikev2", is_ikev2),
]


def select_playbook(ctx: Context) -> str:
    for name, rule in RULES:
        if rule(ctx):
            return name
    return DEFAULT
