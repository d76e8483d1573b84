"""Run the engine: offline over a bundle, or live over the collector's open sessions
(with a probe of interesting traffic when the tree asks for one)."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from agent.collector import Bundle, TunnelCollector
from agent.engine.checks import asp_baseline  # importing the checks registers them
from agent.engine.model import Diagnosis, Evidence, Status, Step
from agent.engine.playbook import Library, library
from agent.engine.registry import Context, PeerCtx
from agent.engine.select import is_ikev2
from agent.engine.walker import Ask, OnStep, diagnose
from agent.parsing.ahead import ParseAhead
from agent.parsing.facts import build_peer_facts
from agent.platforms import ALIASES, tunnel_commands


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
    if peer.platform and peer.outputs:
        peer.facts = build_peer_facts(peer.platform, peer.outputs)


def diagnose_bundle(bundle: Bundle, lib: Library | None = None, previous: Bundle | None = None) -> Diagnosis:
    """Offline diagnosis of ``bundle``; ``previous``: an earlier read of the same tunnel,
    whose counters since boot the checks compare against (a counter that rose between two
    reads is a current fault, one read of it is only a suspicion)."""
    ctx = context_from_bundle(bundle)
    if previous is not None:
        ctx.scratch["asp_baseline"] = asp_baseline(context_from_bundle(previous))
    return diagnose(lib or library(), ctx)


# ---------------------------------------------------------------- live


# A first reading that says "up", "idle" or "nothing tried" is confirmed with traffic.
CONFIRM_WITH_TRAFFIC = {"NO_INTERESTING_TRAFFIC", "TUNNEL_IDLE", "TUNNEL_UP"}

SA_COMMANDS = {
    "cisco_asa": ["show crypto isakmp sa detail", "show crypto ipsec sa peer {peer}", "show logging", "show asp drop"],
    "cisco_ios": ["show crypto isakmp sa", "show crypto isakmp sa detail", "show crypto ipsec sa peer {peer}", "show logging"],
}
# Read again as well for an IKEv2 tunnel (the ASA's `isakmp sa` lists IKEv2 SAs already).
SA_COMMANDS_IKEV2 = {"cisco_ios": ["show crypto ikev2 sa detail"]}


@dataclass
class ProbeSpec:
    peer: str  # device name to ping from
    source_interface: str
    target: str


def probe_command(platform: str, probe: ProbeSpec, repeat: int = 5) -> str:
    if platform == "cisco_asa":
        return f"ping {probe.source_interface} {probe.target} repeat {repeat}"
    return f"ping {probe.target} source {probe.source_interface} repeat {repeat}"


def success_rate(output: str) -> int | None:
    m = re.search(r"Success rate is (\d+) percent", output)
    return int(m.group(1)) if m else None


@dataclass
class Live:
    """A live diagnosis and the context it was made from (the sessions stay open in
    the collector, for remediation and verification)."""

    diagnosis: Diagnosis
    ctx: Context


def diagnose_live(
    collector: TunnelCollector,
    probe: ProbeSpec | None,
    lib: Library | None = None,
    ask: Ask | None = None,
    allow_probe: bool = True,
    progress: Callable[[str], None] | None = None,
    on_step: OnStep | None = None,
) -> Live:
    """Collect, walk; if the tree wants interesting traffic, send it (a ping is not a
    change of state), re-read the SA tables of both peers, walk again."""
    say = progress or (lambda text: None)
    ask = _ask_once(ask) if ask is not None else None  # the tree is walked twice around a probe
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="playbooks") as loader, ParseAhead() as ahead:
        # the agent's own start-up work overlaps the logins; each output is parsed while
        # the next command's answer is on its way
        playbooks = loader.submit(library) if lib is None else None
        for t in collector.targets:
            if t.connection is not None and t.platform in ALIASES:
                ahead.warm(t.platform, [c.command for c in tunnel_commands(t.platform, t.remote_endpoint or "0.0.0.0")])
        collector.on_output = ahead.output
        try:
            bundle = collector.collect()
            ahead.wait()
        finally:
            collector.on_output = None
        lib = lib or (playbooks.result() if playbooks is not None else library())
    ctx = context_from_bundle(bundle, collector.tunnel)

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

    first = diagnose(lib, ctx, fetch, ask, on_step=on_step)
    if ctx.kind == "remote-access":  # the client builds its own tunnel: the headend has nothing to send
        return Live(first, ctx)
    wants = "probe" in ctx.wants or first.root_cause.code in CONFIRM_WITH_TRAFFIC
    if not wants or not allow_probe or probe is None:
        if wants and probe is None:
            first.not_checked.append("interesting traffic (no probe hint in the inventory)")
        elif wants and not allow_probe:
            first.not_checked.append("interesting traffic (probing disabled)")
        return Live(first, ctx)
    say(f"sending interesting traffic from {probe.peer} to {probe.target}")
    session = collector.session(probe.peer)
    platform = next((p.platform for p in ctx.peers if p.name == probe.peer), None)
    if session is None or session.broken is not None or platform is None:
        first.not_checked.append(f"interesting traffic ({probe.peer} has no usable session)")
        return Live(first, ctx)
    baseline = asp_baseline(ctx)
    ikev2 = is_ikev2(ctx)
    ping = session.run(probe_command(platform, probe))
    if ping.error is not None:
        first.not_checked.append(f"interesting traffic (the ping from {probe.peer} failed: {ping.detail or ping.error})")
        return Live(first, ctx)
    _read_again(collector, ctx, ikev2)
    ctx2 = Context(ctx.tunnel, ctx.peers, live=True, scratch={"asp_baseline": baseline}, kind=ctx.kind,
                   remote_access=dict(ctx.remote_access))
    second = diagnose(lib, ctx2, fetch, ask, on_step=on_step)
    ping_ev = Evidence(probe.peer, ping.command, "\n".join(ping.output.strip().splitlines()[-2:]))
    rate = success_rate(ping.output)
    sent = Step("probe", "interesting traffic", "sent",
                f"{ping.command}: success rate {rate if rate is not None else '?'} percent; both peers read again")
    second.steps = first.steps + [sent] + second.steps
    before = first.root_cause.code
    if before in ("NO_INTERESTING_TRAFFIC", "TUNNEL_IDLE") and second.status is Status.UP:
        # the tunnel works once traffic is sent: the first reading is the answer
        root = first.root_cause
        root.summary = root.summary.replace("{after_probe}", "").rstrip(".") + "; it passes traffic once some is sent."
        root.evidence.append(ping_ev)
        second.root_cause = root
        second.findings = [root] + [f for f in second.findings if f.code != root.code]
        second.status = Status.UP
    else:
        second.root_cause.evidence.append(ping_ev)
    return Live(second, ctx2)


def _read_again(collector: TunnelCollector, ctx: Context, ikev2: bool) -> None:
    """After the probe: read both peers' SA tables again, each fresh read replacing the
    first read of the same table.  The peers' sessions are independent: both at once."""

    def reread(peer: PeerCtx) -> None:
        # the other peer as this one knows it: behind NAT, by its translated address
        remote = next((p.nat_address or p.endpoint for p in ctx.peers if p is not peer), "") or ""
        extra = SA_COMMANDS_IKEV2.get(peer.platform or "", []) if ikev2 else []
        for cmd in SA_COMMANDS.get(peer.platform or "", []) + extra:
            cmd = cmd.format(peer=remote)
            result = collector.run(peer.name, cmd)
            if result is not None and result.ok:
                # replace the first read of the same kind (the keys are the commands sent)
                for old in [k for k in peer.outputs if same_kind(k, cmd)]:
                    del peer.outputs[old]
                peer.outputs[cmd] = result.output
        rebuild_facts(peer)

    readable = [peer for peer in ctx.peers if peer.facts is not None]
    with ThreadPoolExecutor(max_workers=max(1, len(readable)), thread_name_prefix="reread") as pool:
        list(pool.map(reread, readable))


def _ask_once(ask: Ask) -> Ask:
    answers: dict[str, str] = {}

    def once(question: str, choices: list[str], default: str) -> str:
        if question not in answers:
            answers[question] = ask(question, choices, default)
        return answers[question]

    return once


def same_kind(a: str, b: str) -> bool:
    """Two commands that read the same table (a fresh read replaces the old one)."""
    def kind(cmd: str) -> str:
        for key in ("ikev1 sa detail", "isakmp sa detail", "ikev2 sa detail", "ikev1 sa", "isakmp sa", "ikev2 sa", "ipsec sa",
                    "logging", "asp drop"):
            if key in cmd:
                return key
        return cmd
    return kind(a) == kind(b)
