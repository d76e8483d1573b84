"""After a change: send interesting traffic, read both peers again, diagnose again, and
say what changed (phase 1 state, SAs, SPIs pairing, counters)."""

from __future__ import annotations

from dataclasses import dataclass

from agent.collector import TunnelCollector
from agent.engine.checks.l2l import asp_baseline
from agent.engine.model import Diagnosis, Status
from agent.engine.playbook import library
from agent.engine.registry import Context
from agent.engine.run import rebuild_context
from agent.engine.walker import diagnose
from agent.live import ping, read_again
from agent.platforms import ProbeSpec, success_rate


@dataclass
class PeerSnapshot:
    phase1: str  # states, comma separated ("none")
    sas: int
    encaps: int
    decaps: int


def snapshot(ctx: Context) -> dict[str, PeerSnapshot]:
    out = {}
    for p in ctx.peers:
        if p.facts is None:
            continue
        other = ctx.other(p).endpoint
        p1 = [s.state_raw for s in (p.facts.phase1.value or []) if str(s.peer) == other] if p.facts.phase1.readable else []
        p2 = [s for s in (p.facts.phase2.value or []) if str(s.peer) == other and s.has_sa] if p.facts.phase2.readable else []
        out[p.name] = PeerSnapshot(", ".join(p1) or "none", len(p2), sum(s.encaps or 0 for s in p2),
                                   sum(s.decaps or 0 for s in p2))
    return out


@dataclass
class Verification:
    up: bool
    ping: str  # the probe's last line ("Success rate is ...")
    before: dict[str, PeerSnapshot]
    after: dict[str, PeerSnapshot]
    diagnosis: Diagnosis


def verify(collector: TunnelCollector, ctx: Context, probe: ProbeSpec | None) -> Verification:
    before = snapshot(ctx)
    baseline = asp_baseline(ctx)
    last = ""
    if probe is not None:
        sent = ping(collector, ctx, probe, tries=2)  # the first packet may be lost while IKE negotiates
        if not isinstance(sent, str):
            last = sent.output.strip().splitlines()[-1] if sent.output.strip() else ""
    read_again(collector, ctx)
    fresh = rebuild_context(ctx, baseline)
    diag = diagnose(library(), fresh)
    rate = success_rate(last) if last else None
    up = diag.status is Status.UP and (rate is None or rate > 0)
    return Verification(up, last, before, snapshot(fresh), diag)
