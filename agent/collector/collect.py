"""Collect a tunnel's evidence from both peers at once.

``TunnelCollector`` opens one session per peer (concurrently), runs the platform's
command set filtered to the other peer where the platform can, and keeps the sessions
open so the decision engine can ask for more while it walks the tree."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from agent import logs
from agent.collector.bundle import Bundle, BundlePeer, PeerError
from agent.collector.session import CommandResult, ConnectionSpec, DeviceError, DeviceSession
from agent.platforms import CommandSpec, tunnel_commands
from agent.redact import Redactor


@dataclass
class PeerTarget:
    """One side of a tunnel: the device to log into (None: not ours / no access), its
    crypto endpoint, and the other side's crypto endpoint (the filter for its SAs)."""

    name: str
    platform: str | None
    crypto_endpoint: str | None
    remote_endpoint: str | None
    connection: ConnectionSpec | None = None
    crypto_map: str | None = None  # where the inventory says the tunnel is: checked before any change
    interface: str | None = None
    nat_address: str | None = None  # behind NAT: the address the other peer sees this one as


@dataclass
class PeerRun:
    target: PeerTarget
    session: DeviceSession | None = None
    results: dict[str, CommandResult] = field(default_factory=dict)
    error: DeviceError | None = None


Progress = Callable[[str, str], None]  # (peer name, event text)
OnOutput = Callable[[str, str, str], None]  # (platform, command as keyed, redacted output)


class TunnelCollector:
    """Both peers of one tunnel.  Use as a context manager; sessions close on exit."""

    def __init__(
        self,
        tunnel: str | None,
        targets: list[PeerTarget],
        redactor: Redactor | None = None,
        session_log_dir: Path | None = None,
        progress: Progress | None = None,
        kind: str = "l2l",
        remote_access: dict[str, str] | None = None,
    ) -> None:
        self.tunnel = tunnel
        self.kind = kind  # l2l | remote-access: which command set (agent.platforms)
        self.remote_access = dict(remote_access or {})
        self.redactor = redactor or Redactor()
        self.runs = [PeerRun(t) for t in targets]
        self.session_log_dir = session_log_dir
        self.progress = progress or (lambda peer, text: None)
        self.log = logs.get().bind(tunnel=tunnel)
        self.collected_at: str | None = None
        self.on_output: OnOutput | None = None  # told of each output as it arrives (to parse ahead)

    def __enter__(self) -> TunnelCollector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for run in self.runs:
            if run.session is not None:
                run.session.close()
                run.session = None

    # ------------------------------------------------------------ collection

    def collect(self, commands: dict[str, list[CommandSpec]] | None = None) -> Bundle:
        """Connect to every reachable peer and run its command set, all peers at once."""
        self.collected_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=max(1, len(self.runs))) as pool:
            list(pool.map(lambda run: self._collect_peer(run, commands), self.runs))
        self.log.info("collect", seconds=round(time.monotonic() - start, 3), peers=len(self.runs))
        return self.bundle()

    def _collect_peer(self, run: PeerRun, commands: dict[str, list[CommandSpec]] | None) -> None:
        target = run.target
        if target.connection is None:
            return
        log_file = self.session_log_dir / f"{target.name}.log" if self.session_log_dir else None
        self.progress(target.name, "connecting")
        try:
            run.session = DeviceSession(target.connection, self.redactor, log_file).open()
        except DeviceError as err:
            run.error = err
            self.progress(target.name, f"failed: {err.kind}")
            return
        platform = run.session.platform
        specs = (commands or {}).get(platform) or tunnel_commands(platform, target.remote_endpoint or "0.0.0.0",
                                                                   self.kind, self.remote_access)
        for spec in specs:
            self.progress(target.name, spec.command)
            result = run.session.run(spec.command, spec.fallback)
            run.results[spec.command] = result
            self._told(platform, spec.command, result)
            if result.error is not None:
                run.error = DeviceError(result.error, f"{result.detail or result.error} during '{spec.command}'")
                self.progress(target.name, f"failed: {result.error}")
                break
        else:
            self.progress(target.name, "done")

    def run(self, peer: str, command: str, fallback: str | None = None) -> CommandResult | None:
        """One more command on an open session (the engine asking lazily).  None when
        the peer has no usable session."""
        run = next((r for r in self.runs if r.target.name == peer), None)
        if run is None or run.session is None or run.session.broken is not None:
            return None
        result = run.session.run(command, fallback)
        run.results[command] = result
        if result.error is not None and run.error is None:
            run.error = DeviceError(result.error, f"{result.detail or result.error} during '{command}'")
        self._told(run.session.platform, command, result)
        return result

    def _told(self, platform: str, command: str, result: CommandResult) -> None:
        if self.on_output is not None and result.error is None:
            self.on_output(platform, command, result.output)

    @property
    def targets(self) -> list[PeerTarget]:
        return [run.target for run in self.runs]

    def session(self, peer: str) -> DeviceSession | None:
        run = next((r for r in self.runs if r.target.name == peer), None)
        return None if run is None else run.session

    def bundle(self) -> Bundle:
        peers = []
        for run in self.runs:
            t = run.target
            outputs = {cmd: r.output for cmd, r in run.results.items() if r.error is None}
            fallbacks = {cmd: r.sent for cmd, r in run.results.items() if r.sent and r.error is None}
            error = PeerError(run.error.kind, str(run.error)) if run.error else None
            peers.append(BundlePeer(t.name, t.platform, t.crypto_endpoint, error, outputs, fallbacks, t.nat_address))
        return Bundle(peers, self.tunnel, self.collected_at, self.kind, dict(self.remote_access))
