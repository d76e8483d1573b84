"""Live work around the pure engine, in one place: collect both peers at once, walk the
tree (running a node's extra commands on the open sessions), send interesting traffic,
read both peers again, rebuild the context and walk again.  Live diagnosis, the
verification after a remediation and ``clear`` all go through these functions."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from agent.collector import TunnelCollector
from agent.collector.session import CommandResult
from agent.engine.checks.l2l import asp_baseline
from agent.engine.model import Diagnosis, Evidence, Status, Step
from agent.engine.playbook import Library, library
from agent.engine.registry import Context, PeerCtx
from agent.engine.run import context_from_bundle, rebuild_context, rebuild_facts
from agent.engine.select import is_ikev2
from agent.engine.walker import Ask, Fetch, OnStep, diagnose
from agent.parsing.ahead import ParseAhead
from agent.platforms import (
    ProbeSpec,
    known_platform,
    probe_command,
    reread_commands,
    same_kind,
    success_rate,
    tunnel_commands,
)

__all__ = ["CONFIRM_WITH_TRAFFIC", "Live", "ProbeSpec", "collect", "diagnose_live", "ping", "read_again"]

# A first reading that says "up", "idle" or "nothing tried" is confirmed with traffic.
CONFIRM_WITH_TRAFFIC = {"NO_INTERESTING_TRAFFIC", "TUNNEL_IDLE", "TUNNEL_UP"}


@dataclass
class Live:
    """A live diagnosis and the context it was made from (the sessions stay open in
    the collector, for remediation and verification)."""

    diagnosis: Diagnosis
    ctx: Context


def collect(collector: TunnelCollector, lib: Library | None = None) -> tuple[Context, Library]:
    """Read both peers at once; the playbooks load and each output is parsed while the
    next command's answer is on its way."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="playbooks") as loader, ParseAhead() as ahead:
        playbooks = loader.submit(library) if lib is None else None
        for t in collector.targets:
            if t.connection is not None and t.platform is not None and known_platform(t.platform):
                ahead.warm(t.platform, [c.command for c in tunnel_commands(t.platform, t.remote_endpoint or "0.0.0.0")])
        collector.on_output = ahead.output
        try:
            bundle = collector.collect()
            ahead.wait()
        finally:
            collector.on_output = None
        lib = lib or (playbooks.result() if playbooks is not None else library())
    return context_from_bundle(bundle, collector.tunnel), lib


def fetcher(collector: TunnelCollector, ctx: Context) -> Fetch:
    """The walker's ``fetch``: a node's extra commands, run on every peer of a platform."""

    def fetch(platform: str, commands: list[str]) -> None:
        for peer in ctx.peers:
            if peer.platform != platform:
                continue
            for cmd in commands:
                if cmd not in peer.outputs:
                    result = collector.run(peer.name, cmd)
                    if result is not None and result.ok:
                        peer.outputs[cmd] = result.output
                        rebuild_facts(peer)

    return fetch


def read_again(collector: TunnelCollector, ctx: Context) -> None:
    """Read both peers' SA tables, log and drop counters again (the IKEv2 table too for
    an IKEv2 tunnel), each fresh read replacing the first read of the same table, and
    rebuild their facts.  The peers' sessions are independent: both at once."""
    ikev2 = is_ikev2(ctx)

    def reread(peer: PeerCtx) -> None:
        # the other peer as this one knows it: behind NAT, by its translated address
        remote = next((p.nat_address or p.endpoint for p in ctx.peers if p is not peer), "") or ""
        for cmd in reread_commands(peer.platform, remote, ikev2):
            result = collector.run(peer.name, cmd)
            if result is not None and result.ok:
                # replace the first read of the same kind (the keys are the commands sent)
                for old in [k for k in peer.outputs if same_kind(k, cmd)]:
                    del peer.outputs[old]
                peer.outputs[cmd] = result.output
        rebuild_facts(peer)

    readable = [peer for peer in ctx.peers if peer.facts is not None and peer.platform is not None]
    with ThreadPoolExecutor(max_workers=max(1, len(readable)), thread_name_prefix="reread") as pool:
        list(pool.map(reread, readable))


def ping(collector: TunnelCollector, ctx: Context, probe: ProbeSpec, tries: int = 1) -> CommandResult | str:
    """Send interesting traffic (a ping is not a change of state) ``tries`` times; the
    last answer, or why it could not be sent."""
    session = collector.session(probe.peer)
    platform = next((p.platform for p in ctx.peers if p.name == probe.peer), None)
    if session is None or session.broken is not None or platform is None:
        return f"{probe.peer} has no usable session"
    result = session.run(probe_command(platform, probe))
    for _ in range(tries - 1):
        result = session.run(probe_command(platform, probe))
    return result


def diagnose_live(
    collector: TunnelCollector,
    probe: ProbeSpec | None,
    lib: Library | None = None,
    ask: Ask | None = None,
    allow_probe: bool = True,
    progress: Callable[[str], None] | None = None,
    on_step: OnStep | None = None,
) -> Live:
    """Collect, walk; if the tree wants interesting traffic, send it, read both peers
    again, rebuild the context and walk again."""
    say = progress or (lambda text: None)
    ask = _ask_once(ask) if ask is not None else None  # the tree is walked twice around a probe
    ctx, lib = collect(collector, lib)
    fetch = fetcher(collector, ctx)
    first = diagnose(lib, ctx, fetch, ask, on_step=on_step)
    if ctx.kind == "remote-access":  # the client builds its own tunnel: the headend has nothing to send
        return Live(first, ctx)
    wants = "probe" in ctx.wants or first.root_cause.code in CONFIRM_WITH_TRAFFIC
    skipped = _no_probe(wants, allow_probe, probe)
    if probe is None or skipped is not None:
        if skipped:
            first.not_checked.append(skipped)
        return Live(first, ctx)
    say(f"sending interesting traffic from {probe.peer} to {probe.target}")
    baseline = asp_baseline(ctx)
    sent = ping(collector, ctx, probe)
    if isinstance(sent, str) or sent.error is not None:
        why = sent if isinstance(sent, str) else f"the ping from {probe.peer} failed: {sent.detail or sent.error}"
        first.not_checked.append(f"interesting traffic ({why})")
        return Live(first, ctx)
    read_again(collector, ctx)
    ctx2 = rebuild_context(ctx, baseline)
    second = diagnose(lib, ctx2, fetch, ask, on_step=on_step)
    return Live(_after_probe(first, second, probe, sent), ctx2)


def _no_probe(wants: bool, allow_probe: bool, probe: ProbeSpec | None) -> str | None:
    """Why no traffic is sent ("" when the tree does not want any), None to send it."""
    if not wants:
        return ""
    if probe is None:
        return "interesting traffic (no probe hint in the inventory)"
    if not allow_probe:
        return "interesting traffic (probing disabled)"
    return None


def _after_probe(first: Diagnosis, second: Diagnosis, probe: ProbeSpec, sent: CommandResult) -> Diagnosis:
    """The second walk, with the first walk's steps and the probe in front of its own."""
    ping_ev = Evidence(probe.peer, sent.command, "\n".join(sent.output.strip().splitlines()[-2:]))
    rate = success_rate(sent.output)
    step = Step("probe", "interesting traffic", "sent",
                f"{sent.command}: success rate {rate if rate is not None else '?'} percent; both peers read again")
    second.steps = first.steps + [step] + second.steps
    if first.root_cause.code in ("NO_INTERESTING_TRAFFIC", "TUNNEL_IDLE") and second.status is Status.UP:
        # the tunnel works once traffic is sent: the first reading is the answer
        root = first.root_cause
        root.summary = root.summary.replace("{after_probe}", "").rstrip(".") + "; it passes traffic once some is sent."
        root.evidence.append(ping_ev)
        second.root_cause = root
        second.findings = [root] + [f for f in second.findings if f.code != root.code]
        second.status = Status.UP
    else:
        second.root_cause.evidence.append(ping_ev)
    return second


def _ask_once(ask: Ask) -> Ask:
    answers: dict[str, str] = {}

    def once(question: str, choices: list[str], default: str) -> str:
        if question not in answers:
            answers[question] = ask(question, choices, default)
        return answers[question]

    return once
