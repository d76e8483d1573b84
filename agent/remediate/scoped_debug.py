"""A scoped live debug, on request (issue 16, item 3).

When the tree cannot decide (phase 2 fails and the configurations that would tell
transform sets, PFS and proxy identities apart were not read; phase 1 stalls and the
other peer is not ours; or the evidence is insufficient), the agent may capture `debug
crypto` output scoped to the tunnel's peer while the probe sends traffic, for a bounded
time, and walk the tree again with the debug lines as log evidence ("IPsec
Troubleshooting: Understanding and Using debug Commands").

Turning a debug on is a change of state: it runs only when confirmed (a prompt, or
``--allow-debug`` for scripts), under the tunnel's lock, every line audited before the
next is sent, and the debug is always turned off afterwards (``undebug all`` / ``no debug
all`` and the peer condition removed) - on success, Ctrl-C, a hung read or a dropped
session, reconnecting when the capture's session is gone.  When even that fails, the
outcome says so with the exact commands to run by hand.

The capture runs on a session of its own per device (`terminal monitor` on that vty), so
the collector's sessions keep answering the probe and the re-read; IOS at `logging
buffered debugging` also keeps the lines in its buffer, which the re-read takes in."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from agent.collector import PeerTarget, TunnelCollector
from agent.collector.session import DeviceError, DeviceSession
from agent.engine.checks.l2l import asp_baseline
from agent.engine.model import Diagnosis, Status, Step
from agent.engine.playbook import Library, library
from agent.engine.registry import Context
from agent.engine.run import rebuild_context, rebuild_facts
from agent.engine.select import is_ikev2
from agent.engine.walker import Ask, OnStep, diagnose
from agent.live import Live, read_again
from agent.platforms import ASA, IOS, ProbeSpec, probe_command
from agent.remediate.actions import DeviceStep, Plan
from agent.remediate.audit import AuditLog, AuditRecord
from agent.remediate.guard import refusals
from agent.remediate.lock import TunnelLock

ACTION = "debug_capture"

# ---------------------------------------------------------------- platform table

#: the lines that switch the scoped debug on, per platform and IKE version; {peer} is the
#: other peer as this device knows it.  The condition comes first, so that nothing is
#: printed for any other peer.
DEBUG_ON: dict[str, dict[str, tuple[str, ...]]] = {
    IOS: {"ikev1": ("debug crypto condition peer ipv4 {peer}", "debug crypto isakmp", "debug crypto ipsec"),
          "ikev2": ("debug crypto condition peer ipv4 {peer}", "debug crypto ikev2", "debug crypto ipsec")},
    ASA: {"ikev1": ("debug crypto condition peer {peer}", "debug crypto ikev1 127"),
          "ikev2": ("debug crypto condition peer {peer}", "debug crypto ikev2 protocol 127")},
}
#: everything off, then the condition removed
DEBUG_OFF: dict[str, tuple[str, ...]] = {
    IOS: ("undebug all", "no debug crypto condition peer ipv4 {peer}"),
    ASA: ("no debug all", "no debug crypto condition peer {peer}"),
}
#: the capture session's own display (changes nothing the tunnel depends on; ends with the session)
MONITOR_ON = "terminal monitor"
#: a command whose answer is one line: the debug lines the device queued for the session come with it
DRAIN = "show clock"
_CLOCK = re.compile(r"^[*.]?\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\s+\S+\s+\w{3}\s+\w{3}\s+\d{1,2}\s+\d{4}\s*$")

#: possible causes only a debug (or the configurations) tells apart
PHASE2_CAUSES = frozenset({"TRANSFORM_SET_MISMATCH", "PFS_MISMATCH", "PROXY_ID_MISMATCH"})
#: phase 1 tried and stalled ("nothing tried" is the probe's business, not a debug's)
PHASE1_CODES = frozenset({"PEER_UNREACHABLE", "IKE_POLICY_MISMATCH", "PSK_MISMATCH",
                          "PEER_ADDRESS_MISMATCH", "TUNNEL_GROUP_MISMATCH", "ISAKMP_IDENTITY_MISMATCH",
                          "ISAKMP_NOT_ENABLED", "CRYPTO_MAP_NOT_APPLIED"})


def debug_key(platform: str, ikev2: bool) -> str:
    """The outputs key the captured text is stored under: the debug command that prints it
    (the log parser reads any `debug crypto ...` output)."""
    return DEBUG_ON[platform]["ikev2" if ikev2 else "ikev1"][1]


# ---------------------------------------------------------------- when to offer


def debug_reason(diag: Diagnosis, ctx: Context) -> str | None:
    """Why a scoped debug would help this diagnosis (None: the tree decided)."""
    if ctx.kind == "remote-access" or diag.status is Status.UP:
        return None
    root = diag.root_cause.code
    if root == "INSUFFICIENT_EVIDENCE":
        return "the evidence cannot decide"
    possible = sorted(PHASE2_CAUSES & {c.code for c in diag.possible_causes})
    if possible:
        return f"phase 2 fails and the evidence cannot tell {', '.join(possible)} apart"
    not_ours = [p for p in ctx.peers if p.platform is None]
    if not_ours and root in PHASE1_CODES and diag.root_cause.confidence < 0.9:
        return f"phase 1 stalls and {not_ours[0].name} is not ours to read"
    return None


# ---------------------------------------------------------------- the plan


@dataclass
class DebugDevice:
    device: str
    platform: str
    scope: str  # the other peer's address as this device knows it
    on: list[str]
    off: list[str]
    key: str  # outputs key of the captured text


@dataclass
class DebugPlan:
    tunnel: str
    reason: str
    devices: list[DebugDevice]
    seconds: float

    def describe(self) -> str:
        lines = [f"scoped debug on tunnel {self.tunnel} ({self.reason}), "
                 f"captured on a `terminal monitor` session for up to {self.seconds:g} s while the probe sends traffic"]
        for d in self.devices:
            lines.append(f"  {d.device} ({d.platform}, exec), scoped to peer {d.scope}:")
            lines += [f"    {c}" for c in d.on]
            lines.append("   always turned off afterwards:")
            lines += [f"    {c}" for c in d.off]
        return "\n".join(lines)

    def as_plan(self) -> Plan:
        """The same lines as a remediation ``Plan`` (for the guard's checks)."""
        return Plan(ACTION, self.tunnel, [DeviceStep(d.device, d.platform, d.on + d.off, False) for d in self.devices],
                    reason=self.reason)


def plan_debug(ctx: Context, targets: Sequence[PeerTarget], reason: str, seconds: float = 10.0) -> DebugPlan:
    """Every peer we manage and can log into, scoped to the other peer."""
    ikev2 = is_ikev2(ctx)
    by_name = {t.name: t for t in targets}
    devices = []
    for peer in ctx.peers:
        target = by_name.get(peer.name)
        other = ctx.other(peer)
        scope = other.nat_address or other.endpoint
        if target is None or target.connection is None or peer.platform not in DEBUG_ON or not scope:
            continue
        version = "ikev2" if ikev2 else "ikev1"
        devices.append(DebugDevice(peer.name, peer.platform, scope,
                                   [c.format(peer=scope) for c in DEBUG_ON[peer.platform][version]],
                                   [c.format(peer=scope) for c in DEBUG_OFF[peer.platform]],
                                   debug_key(peer.platform, ikev2)))
    return DebugPlan(ctx.tunnel, reason, devices, seconds)


# ---------------------------------------------------------------- the outcome


@dataclass
class DebugOutcome:
    """not_needed | not_possible | refused | declined | captured | empty (on and off, nothing printed)"""

    status: str
    live: Live
    plan: DebugPlan | None = None
    captured: dict[str, int] = field(default_factory=dict)  # device -> lines captured (debug and syslog)
    still_on: dict[str, list[str]] = field(default_factory=dict)  # device -> the commands to run by hand
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "notes": self.notes, "captured_lines": self.captured,
                "still_on": self.still_on,
                "plan": None if self.plan is None else {d.device: {"on": d.on, "off": d.off} for d in self.plan.devices}}


Confirm = Callable[[DebugPlan], bool]
Say = Callable[[str], None]


def _quiet(text: str) -> None:
    return None


# ---------------------------------------------------------------- capture


class _Capture:
    """The debug sessions of one capture; turns everything off whatever happens."""

    def __init__(self, plan: DebugPlan, collector: TunnelCollector, audit: AuditLog, diagnosis: str,
                 confirmed_by: str, say: Say) -> None:
        self.plan, self.collector, self.audit = plan, collector, audit
        self.diagnosis, self.confirmed_by, self.say = diagnosis, confirmed_by, say
        self.sessions: dict[str, DeviceSession] = {}
        self.switched: list[DebugDevice] = []  # devices a debug line may have reached
        self.texts: dict[str, list[str]] = {d.device: [] for d in plan.devices}
        self.still_on: dict[str, list[str]] = {}
        self.notes: list[str] = []
        self.targets = {t.name: t for t in collector.targets}

    def _open(self, device: str) -> DeviceSession | None:
        target = self.targets.get(device)
        if target is None or target.connection is None:
            return None
        try:
            return DeviceSession(target.connection, self.collector.redactor).open()
        except DeviceError as exc:
            self.notes.append(f"{device}: could not open a session ({exc.kind}: {exc})")
            return None

    def _send(self, session: DeviceSession, device: str, command: str) -> bool:
        """One audited line; the record is written even when the send is interrupted."""
        outcome, output = "interrupted", ""
        try:
            result = session.run(command)
            output = result.output
            outcome = "ok" if result.ok else (result.error or "device_error")
            return result.ok
        finally:
            self.audit.write(AuditRecord(device, command, output, outcome, self.plan.tunnel, self.diagnosis, ACTION,
                                         self.confirmed_by))

    def switch_on(self) -> None:
        for d in self.plan.devices:
            session = self._open(d.device)
            if session is None:
                continue
            self.sessions[d.device] = session
            self.switched.append(d)
            for command in d.on:
                if not self._send(session, d.device, command):
                    self.notes.append(f"{d.device}: '{command}' was refused or failed; no debug captured there")
                    break
            else:
                session.run(MONITOR_ON)  # this session's display only (not a change of the device)
                continue
            self.sessions.pop(d.device).close()

    def drain(self) -> None:
        """What the devices printed to the monitor sessions since the last read."""
        for device, session in list(self.sessions.items()):
            result = session.run(DRAIN)
            if result.error is not None:
                self.notes.append(f"{device}: the capture's session failed ({result.detail or result.error}); "
                                  "its debug lines so far are kept")
                session.close()
                del self.sessions[device]
                continue
            lines = [ln for ln in result.output.splitlines() if ln.strip() and not _CLOCK.match(ln.strip())]
            self.texts[device] += lines

    def switch_off(self) -> None:
        """Every device a debug line may have reached: off, on the capture's session, else the
        collector's, else a new one; what could not be sent is kept in ``still_on``."""
        for d in self.switched:
            left = list(d.off)
            for place in ("capture", "collector", "new"):
                session = self._session_for(d.device, place)
                if session is None:
                    continue
                while left and self._send(session, d.device, left[0]):
                    left.pop(0)
                if place == "new":
                    session.close()
                if not left:
                    break
            if left:
                self.still_on[d.device] = list(d.off)
            else:
                self.say(f"{d.device}: debug turned off ({'; '.join(d.off)})")
        for session in self.sessions.values():
            session.close()
        self.sessions.clear()

    def _session_for(self, device: str, place: str) -> DeviceSession | None:
        if place == "capture":
            session = self.sessions.get(device)
        elif place == "collector":
            session = self.collector.session(device)
        else:
            self.say(f"{device}: reconnecting to turn the debug off")
            session = self._open(device)
        if session is None or session.broken is not None or session.conn is None:
            return None
        return session


def capture_and_diagnose(
    collector: TunnelCollector,
    live: Live,
    probe: ProbeSpec | None,
    confirm: Confirm,
    audit: AuditLog,
    *,
    confirmed_by: str,
    seconds: float = 10.0,
    lib: Library | None = None,
    ask: Ask | None = None,
    say: Say | None = None,
    warn: Say | None = None,
    on_step: OnStep | None = None,
) -> DebugOutcome:
    """Offer the scoped debug when the tree could not decide; when confirmed, capture it
    while the probe sends traffic, turn it off, read both peers again and walk again with
    the debug lines as evidence.  Ctrl-C during the capture turns the debug off and is
    raised again."""
    say = say or _quiet
    warn = warn or _quiet
    ctx = live.ctx
    reason = debug_reason(live.diagnosis, ctx)
    if reason is None:
        return DebugOutcome("not_needed", live)
    plan = plan_debug(ctx, collector.targets, reason, seconds)
    if not plan.devices:
        return DebugOutcome("not_possible", live, plan, notes=["no peer of ours to debug"])
    # the guard's identity check (the device answering holds the crypto endpoint); a debug
    # touches no crypto map, so where the map is bound does not matter here
    loose = [replace(t, crypto_map=None, interface=None) for t in collector.targets]
    refused = refusals(plan.as_plan(), ctx, loose)
    if refused:
        return DebugOutcome("refused", live, plan, notes=["refused: nothing was sent", *refused])
    if not confirm(plan):
        live.diagnosis.not_checked.append("a scoped debug (not confirmed: nothing was sent; confirm at the prompt or "
                                         "--allow-debug)")
        return DebugOutcome("declined", live, plan,
                            notes=["not confirmed: no debug was turned on (confirm at the prompt, or --allow-debug)"])
    code = live.diagnosis.root_cause.code
    cap = _Capture(plan, collector, audit, code, confirmed_by, say)
    ping = None
    with TunnelLock(plan.tunnel):
        try:
            cap.switch_on()
            if cap.sessions:
                ping = _probe(collector, ctx, probe, say)
                deadline = time.monotonic() + max(0.0, seconds)
                say(f"capturing the debug for up to {seconds:g} s")
                while True:
                    cap.drain()
                    if not cap.sessions or time.monotonic() >= deadline:
                        break
                    time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        finally:
            cap.switch_off()
            if cap.still_on:
                warn(_still_on_text(cap.still_on))
    outcome = DebugOutcome("captured" if any(cap.texts.values()) else "empty", live, plan,
                           {k: len(v) for k, v in cap.texts.items()}, cap.still_on, cap.notes)
    if cap.still_on:
        outcome.notes.append(_still_on_text(cap.still_on))
    if not cap.switched:
        live.diagnosis.not_checked.append("a scoped debug (no session to turn it on: " + "; ".join(cap.notes) + ")")
        return outcome
    outcome.live = _walk_again(collector, live, plan, cap.texts, ping, lib, ask, on_step)
    return outcome


def _still_on_text(still_on: dict[str, list[str]]) -> str:
    return ("THE DEBUG MAY STILL BE ON: the agent could not turn it off. Log in and run: "
            + "; ".join(f"on {device}: {' / '.join(cmds)}" for device, cmds in still_on.items()))


def _probe(collector: TunnelCollector, ctx: Context, probe: ProbeSpec | None, say: Say) -> str | None:
    if probe is None:
        return None
    session = collector.session(probe.peer)
    platform = next((p.platform for p in ctx.peers if p.name == probe.peer), None)
    if session is None or session.broken is not None or platform is None:
        return None
    say(f"sending interesting traffic from {probe.peer} to {probe.target}")
    result = session.run(probe_command(platform, probe))
    return result.command if result.error is None else None


def _walk_again(collector: TunnelCollector, live: Live, plan: DebugPlan, texts: dict[str, list[str]],
                ping: str | None, lib: Library | None, ask: Ask | None, on_step: OnStep | None) -> Live:
    """Both peers read again (the buffer too), the debug lines added under their debug
    command's key, the facts rebuilt and the tree walked again."""
    ctx = live.ctx
    baseline = asp_baseline(ctx)
    read_again(collector, ctx)
    keys = {d.device: d.key for d in plan.devices}
    added = 0
    for peer in ctx.peers:
        lines = texts.get(peer.name) or []
        if lines:
            peer.outputs[keys[peer.name]] = "\n".join(lines) + "\n"
            added += len(lines)
            rebuild_facts(peer)
    ctx2 = rebuild_context(ctx, baseline)
    second = diagnose(lib or library(), ctx2, None, ask, on_step=on_step)
    detail = (f"{', '.join(d.device for d in plan.devices)} scoped to the peer; {added} debug lines"
              + (f" while '{ping}' ran" if ping else " (no traffic sent)") + "; debug off; both peers read again")
    second.steps = live.diagnosis.steps + [Step("debug", "scoped debug", "captured" if added else "nothing captured",
                                                detail)] + second.steps
    return Live(second, ctx2)
