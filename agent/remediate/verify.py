"""After a change: send interesting traffic, read both peers again, diagnose again, and
say what changed (phase 1 state, SAs, SPIs pairing, counters)."""

from __future__ import annotations

from dataclasses import dataclass

from agent.collector import TunnelCollector
from agent.engine.checks import asp_baseline
from agent.engine.model import Diagnosis, Status
from agent.engine.playbook import library
from agent.engine.registry import Context
from agent.engine.run import SA_COMMANDS, ProbeSpec, probe_command, rebuild_facts, same_kind, success_rate
from agent.engine.walker import diagnose


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
        session = collector.session(probe.peer)
        platform = next((p.platform for p in ctx.peers if p.name == probe.peer), None)
        if session is not None and platform is not None:
            session.run(probe_command(platform, probe))  # the first packet may be lost while IKE negotiates
            result = session.run(probe_command(platform, probe))
            last = result.output.strip().splitlines()[-1] if result.output.strip() else ""
    for peer in ctx.peers:
        if peer.facts is None or peer.platform is None:
            continue
        remote = ctx.other(peer).endpoint or ""
        for cmd in SA_COMMANDS.get(peer.platform, []):
            reread = collector.run(peer.name, cmd.format(peer=remote))
            if reread is not None and reread.ok:
                peer.outputs = {k: v for k, v in peer.outputs.items() if not same_kind(k, reread.command)}
                peer.outputs[reread.command] = reread.output
        rebuild_facts(peer)
    fresh = Context(ctx.tunnel, ctx.peers, live=True, scratch={"asp_baseline": baseline}, kind=ctx.kind,
                    remote_access=dict(ctx.remote_access))
    diag = diagnose(library(), fresh)
    rate = success_rate(last) if last else None
    up = diag.status is Status.UP and (rate is None or rate > 0)
    return Verification(up, last, before, snapshot(fresh), diag)
