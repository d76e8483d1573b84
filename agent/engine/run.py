"""The pure engine: facts in, diagnosis out, no I/O.  A bundle (or the peers read live)
becomes a ``Context``; a context is rebuilt after a fresh read; the tree is walked over it.
The live work around it (collect, probe, read again) is ``agent.live``."""

from __future__ import annotations

from agent.collector import Bundle
from agent.engine.checks.l2l import asp_baseline
from agent.engine.model import Diagnosis
from agent.engine.playbook import Library, library
from agent.engine.registry import Context, PeerCtx
from agent.engine.walker import diagnose
from agent.parsing.facts import build_peer_facts
from agent.platforms import ProbeSpec

__all__ = ["ProbeSpec", "asp_baseline", "context_from_bundle", "diagnose_bundle", "rebuild_context", "rebuild_facts"]


def context_from_bundle(bundle: Bundle, tunnel: str | None = None) -> Context:
    peers = []
    for p in bundle.peers:
        facts = build_peer_facts(p.platform, p.outputs) if p.outputs and p.platform else None
        error = f"{p.error.kind}: {p.error.message}" if p.error else (None if p.outputs else "no outputs (not collected)")
        peers.append(PeerCtx(p.name, p.platform, p.crypto_endpoint, bool(p.outputs) and p.error is None,
                             facts, dict(p.outputs), error, nat_address=p.nat_address))
    if len(peers) == 1:
        peers.append(PeerCtx("other-peer", None, None, False, None, {}, "not in the bundle"))
    return Context(tunnel or bundle.tunnel or "tunnel", peers, kind=bundle.kind, remote_access=dict(bundle.remote_access))


def rebuild_facts(peer: PeerCtx) -> None:
    """The peer's facts again from its outputs (after a fresh read replaced some)."""
    if peer.platform and peer.outputs:
        peer.facts = build_peer_facts(peer.platform, peer.outputs)


def rebuild_context(ctx: Context, baseline: dict[str, dict[str, int]]) -> Context:
    """A fresh context over the same peers after they were read again: live, with the
    counters of the first read (``baseline``, from ``asp_baseline``) to compare against."""
    return Context(ctx.tunnel, ctx.peers, live=True, scratch={"asp_baseline": baseline}, kind=ctx.kind,
                   remote_access=dict(ctx.remote_access))


def diagnose_bundle(bundle: Bundle, lib: Library | None = None, previous: Bundle | None = None) -> Diagnosis:
    """Offline diagnosis of ``bundle``; ``previous``: an earlier read of the same tunnel,
    whose counters since boot the checks compare against (a counter that rose between two
    reads is a current fault, one read of it is only a suspicion)."""
    ctx = context_from_bundle(bundle)
    if previous is not None:
        ctx.scratch["asp_baseline"] = asp_baseline(context_from_bundle(previous))
    return diagnose(lib or library(), ctx)
