"""A health sweep: every selected tunnel, read-only, each device logged into ONCE.

Tunnels are grouped by device; a bounded pool of workers reads each device's SA tables
and crypto configuration once (no peer filter), then every tunnel is diagnosed offline
from its two devices' facts.  No probe (unless asked) and never a clear."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from agent import logs
from agent.collector import ConnectionSpec, DeviceError, DeviceSession
from agent.engine.model import Diagnosis
from agent.engine.playbook import library
from agent.engine.registry import Context, PeerCtx
from agent.engine.walker import diagnose
from agent.parsing.facts import build_peer_facts
from agent.parsing.model import PeerFacts
from agent.parsing.templates import warm
from agent.platforms import CommandSpec, device_commands
from agent.redact import Redactor


@dataclass
class SweepPeer:
    name: str  # device name, or a label for a peer that is not ours
    platform: str | None
    endpoint: str
    connection: ConnectionSpec | None
    nat_address: str | None = None  # behind NAT: the address the other peer sees this one as


@dataclass
class SweepTunnel:
    name: str
    peers: tuple[SweepPeer, SweepPeer]
    probe: tuple[str, str] | None = None  # (device, ping command) for --probe
    kind: str = "l2l"  # l2l | remote-access: the tree (agent/engine/select.py)
    remote_access: dict[str, str] = field(default_factory=dict)


@dataclass
class DeviceRead:
    name: str
    platform: str
    outputs: dict[str, str] = field(default_factory=dict)
    error: DeviceError | None = None
    seconds: float = 0.0
    facts: PeerFacts | None = None


@dataclass
class TunnelResult:
    tunnel: str
    diagnosis: Diagnosis

    @property
    def status(self) -> str:
        return self.diagnosis.status.value


@dataclass
class SweepResult:
    started_at: str
    seconds: float
    results: list[TunnelResult]
    devices: dict[str, DeviceRead]
    workers: int
    parse_seconds: float = 0.0  # wall time of building every device's facts
    warm_seconds: float = 0.0  # CPU time of loading the templates, during the reads

    @property
    def exit_code(self) -> int:
        """0 all up, 1 any tunnel down or degraded, 3 some could not be checked."""
        statuses = {r.status for r in self.results}
        if statuses & {"down", "degraded"}:
            return 1
        if "unknown" in statuses:
            return 3
        return 0

    def to_json(self) -> dict[str, Any]:
        return {
            "sweep": {
                "started_at": self.started_at, "seconds": round(self.seconds, 3), "workers": self.workers,
                "tunnels": len(self.results), "devices": len(self.devices),
                "device_errors": {n: f"{d.error.kind}: {d.error}" for n, d in self.devices.items() if d.error},
                "summary": {s: sum(1 for r in self.results if r.status == s) for s in ("up", "down", "degraded", "unknown")},
            },
            "tunnels": [r.diagnosis.to_json() for r in self.results],
        }


Progress = Callable[[str], None]


def _read_device(spec: ConnectionSpec, redactor: Redactor, commands: list[CommandSpec],
                 pings: list[str] | None = None) -> DeviceRead:
    read = DeviceRead(spec.name, spec.platform)
    start = time.monotonic()
    try:
        with DeviceSession(spec, redactor) as session:
            for ping in pings or []:  # --probe: interesting traffic first, then read the counters
                session.run(ping)
            for cmd in commands:
                result = session.run(cmd.command, cmd.fallback)
                if result.error is not None:
                    read.error = DeviceError(result.error, f"{result.detail or result.error} during '{cmd.command}'")
                    break
                read.outputs[cmd.command] = result.output
    except DeviceError as err:
        read.error = err
    read.seconds = time.monotonic() - start
    return read


def run_sweep(tunnels: list[SweepTunnel], workers: int = 8, progress: Progress | None = None,
              probe: bool = False) -> SweepResult:
    say = progress or (lambda text: None)
    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    t0 = time.monotonic()
    redactor = Redactor()
    specs: dict[str, ConnectionSpec] = {}
    for t in tunnels:
        for p in t.peers:
            if p.connection is not None:
                specs.setdefault(p.name, p.connection)
    ra_pools = _ra_pools(tunnels)
    pings = _pings(tunnels) if probe else {}
    reads: dict[str, DeviceRead] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="templates") as warming, \
            ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        # the templates (indexes, state machines) are loaded while the logins wait
        warmed = warming.submit(_warm, sorted({spec.platform for spec in specs.values()}))
        futures = {name: pool.submit(_read_device, spec, redactor, device_commands(spec.platform, ra_pools.get(name)),
                                     pings.get(name))
                   for name, spec in specs.items()}
        for name, fut in futures.items():
            done = reads[name] = fut.result()
            say(f"{name}: failed: {done.error.kind}" if done.error is not None else f"{name}: read")
        warm_seconds = warmed.result()
    # parsed after the reads: parsing in the workers overlaps the I/O but, on a small
    # machine, costs about twice the CPU time (the SSH threads keep taking the GIL)
    p0 = time.monotonic()
    for device in reads.values():
        if device.outputs:
            device.facts = build_peer_facts(device.platform, device.outputs, cache=False)
    parse_seconds = time.monotonic() - p0
    lib = library()
    results = [TunnelResult(t.name, diagnose(lib, _context(t, reads))) for t in tunnels]
    return SweepResult(started, time.monotonic() - t0, results, reads, workers, parse_seconds, warm_seconds)


def _ra_pools(tunnels: list[SweepTunnel]) -> dict[str, list[str]]:
    """The headends of remote-access tunnels and their pool hints (possibly none)."""
    pools: dict[str, list[str]] = {}
    for t in tunnels:
        if t.kind != "remote-access":
            continue
        for p in t.peers:
            if p.connection is not None:
                pools.setdefault(p.name, []).extend([t.remote_access["pool"]] if t.remote_access.get("pool") else [])
    return pools


def _pings(tunnels: list[SweepTunnel]) -> dict[str, list[str]]:
    """--probe: the pings each device sends before it is read."""
    pings: dict[str, list[str]] = {}
    for t in tunnels:
        if t.probe is not None:
            pings.setdefault(t.probe[0], []).append(t.probe[1])
    return pings


def _context(t: SweepTunnel, reads: dict[str, DeviceRead]) -> Context:
    """The engine's view of one tunnel, from its two devices' reads."""
    peers = []
    for p in t.peers:
        got = reads.get(p.name)
        error = None
        if got is None:
            error = "not ours (crypto endpoint only)"
        elif got.error is not None:
            error = f"{got.error.kind}: {got.error}"
        peers.append(PeerCtx(p.name, p.platform, p.endpoint, got is not None and got.error is None,
                             got.facts if got else None, dict(got.outputs) if got else {}, error,
                             nat_address=p.nat_address))
    return Context(t.name, peers, kind=t.kind, remote_access=t.remote_access)


def _warm(platforms: list[str]) -> float:
    """Load the playbooks and the templates the sweep's commands need (never fails: what
    is not loaded now loads when first used); returns the CPU time it took."""
    cpu = time.thread_time()
    try:
        library()
        for platform in platforms:
            warm(platform, [c.command for c in device_commands(platform)])
    except Exception as exc:  # noqa: BLE001 - the sweep reports what really fails, later
        logs.get().warning("warm_up", outcome=type(exc).__name__)
    return time.thread_time() - cpu
