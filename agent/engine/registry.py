"""Checks are small named functions over both peers' facts, registered by name with the
outcomes they can return; the playbooks refer to them by that name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.engine.model import Evidence
from agent.parsing.model import PeerFacts


@dataclass
class Outcome:
    branch: str
    detail: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    peer: str | None = None  # the peer the problem is on, when it is on one
    confidence: float | None = None  # overrides the branch's default
    against: list[str] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # for the finding's summary and fix templates


@dataclass
class PeerCtx:
    """One side of the tunnel as the engine sees it."""

    name: str
    platform: str | None
    endpoint: str | None
    reachable: bool
    facts: PeerFacts | None = None  #: None for a peer that could not be read
    outputs: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    nat_address: str | None = None  #: the address the other side sees when this peer is behind NAT
    #: the other peer's addresses as this one sees them (its crypto endpoint, its NAT address); set by Context
    remotes: tuple[str, ...] = ()

    @property
    def addresses(self) -> tuple[str, ...]:
        """This peer's own addresses: its crypto endpoint and, behind NAT, the translated one."""
        return tuple(a for a in (self.endpoint, self.nat_address) if a)


@dataclass
class Context:
    tunnel: str
    peers: list[PeerCtx]
    live: bool = False
    candidates: list[tuple[str, float, list[Evidence], str | None]] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)
    wants: list[str] = field(default_factory=list)
    scratch: dict[str, Any] = field(default_factory=dict)  # what one check leaves for the next
    kind: str = "l2l"  # l2l | remote-access (the tunnel kind: agent/engine/select.py picks the tree)
    remote_access: dict[str, str] = field(default_factory=dict)  # tunnel_group, group_policy, pool, user hints
    #: causes that could not be checked: (code, why, the command that would check it)
    possible: list[tuple[str, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for peer in self.peers:
            peer.remotes = self.other(peer).addresses if len(self.peers) > 1 else ()

    @property
    def a(self) -> PeerCtx:
        return self.peers[0]

    @property
    def b(self) -> PeerCtx:
        return self.peers[1] if len(self.peers) > 1 else PeerCtx("peer", None, None, False)

    def other(self, peer: PeerCtx) -> PeerCtx:
        return self.b if peer is self.a else self.a

    def readable(self) -> list[PeerCtx]:
        return [p for p in self.peers if p.facts is not None]

    def suspect(self, code: str, why: str, command: str) -> None:
        """A cause the evidence could not check: listed as possible, never a finding."""
        if all(c != code for c, _, _ in self.possible):
            self.possible.append((code, why, command))

    def note(self, code: str, confidence: float, evidence: list[Evidence], peer: str | None = None) -> None:
        """A secondary finding seen on the way (ranked with the others)."""
        self.candidates.append((code, confidence, evidence, peer))

    def template_values(self) -> dict[str, Any]:
        return {
            "tunnel": self.tunnel,
            "a": self.a.name, "b": self.b.name,
            "a_ip": self.a.endpoint or "?", "b_ip": self.b.endpoint or "?",
        }


CheckFn = Callable[[Context], Outcome]


@dataclass(frozen=True)
class Check:
    name: str
    outcomes: tuple[str, ...]
    fn: CheckFn
    doc: str


CHECKS: dict[str, Check] = {}


def check(name: str, *outcomes: str) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as check ``name`` returning one of ``outcomes``."""

    def deco(fn: CheckFn) -> CheckFn:
        if name in CHECKS:
            raise ValueError(f"check {name!r} registered twice")

        def guarded(ctx: Context) -> Outcome:
            out = fn(ctx)
            if out.branch not in outcomes and out.branch != "ask":
                raise ValueError(f"check {name} returned undeclared outcome {out.branch!r}")
            return out

        CHECKS[name] = Check(name, tuple(outcomes), guarded, (fn.__doc__ or "").strip())
        return fn

    return deco


def outcomes() -> dict[str, tuple[str, ...]]:
    return {name: c.outcomes for name, c in CHECKS.items()}
