"""Remediation plans and their execution: clear one tunnel's SAs, or remove and reapply a
crypto map.  A plan is shown before it runs (exact commands per device and the other
tunnels a reapply would drop); it runs only when confirmed, one tunnel at a time, every
command audited, never retried."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.collector import TunnelCollector
from agent.engine.registry import Context
from agent.engine.select import is_ikev2
from agent.platforms import CLEAR_COMMANDS, CLEAR_COMMANDS_IKEV2, REAPPLY_COMMANDS
from agent.remediate.audit import AuditLog, AuditRecord


@dataclass
class DeviceStep:
    device: str
    platform: str
    commands: list[str]
    config: bool  # configuration-mode lines (reapply) or exec commands (clear)


@dataclass
class Plan:
    action: str  # clear_sas | reapply_crypto_map
    tunnel: str
    steps: list[DeviceStep]
    blast_radius: dict[str, list[str]] = field(default_factory=dict)  # device -> other peers dropped
    reason: str = ""

    @property
    def drops_other_tunnels(self) -> bool:
        return any(self.blast_radius.values())

    def describe(self) -> str:
        lines = [f"{self.action} on tunnel {self.tunnel}" + (f" ({self.reason})" if self.reason else "")]
        for step in self.steps:
            mode = "configure terminal" if step.config else "exec"
            lines.append(f"  {step.device} ({step.platform}, {mode}):")
            lines += [f"    {c}" for c in step.commands]
        for device, others in self.blast_radius.items():
            if others:
                lines.append(f"  WARNING: on {device} this also drops the tunnels to {', '.join(others)} until the map is back")
        return "\n".join(lines)


def plan_clear(ctx: Context, phase: str = "both", reason: str = "") -> Plan:
    """Clear this tunnel's SAs on every reachable peer we manage, scoped to the other peer
    (with the IKEv2 clear commands when the tunnel is IKEv2)."""
    table = CLEAR_COMMANDS_IKEV2 if is_ikev2(ctx) else CLEAR_COMMANDS
    steps = []
    for peer in ctx.peers:
        other = ctx.other(peer)
        if not peer.reachable or peer.platform is None or other.endpoint is None:
            continue
        cmds = [c.format(peer=other.endpoint) for c in table[peer.platform][phase]]
        steps.append(DeviceStep(peer.name, peer.platform, cmds, config=False))
    return Plan("clear_sas", ctx.tunnel, steps, reason=reason)


def plan_reapply(ctx: Context, device: str, reason: str = "") -> Plan:
    """Remove and reapply the crypto map that carries this tunnel on ``device``; lists
    the other peers on the same map (from the device's own configuration)."""
    peer = next(p for p in ctx.peers if p.name == device)
    other = ctx.other(peer)
    entries = list(peer.facts.crypto_maps.value or []) if peer.facts and peer.facts.crypto_maps.readable else []
    entry = next((e for e in entries if other.endpoint in e.peers), None) or next(iter(entries), None)
    if entry is None or not entry.interfaces or peer.platform is None:
        raise ValueError(f"{device}: no crypto map bound to an interface to reapply")
    interface = entry.interfaces[0]
    cmds = [c.format(map=entry.map_name, interface=interface) for c in REAPPLY_COMMANDS[peer.platform]]
    others = sorted({p for e in entries if e.map_name == entry.map_name for p in e.peers if p != other.endpoint})
    return Plan("reapply_crypto_map", ctx.tunnel, [DeviceStep(device, peer.platform, cmds, config=True)],
                {device: others}, reason)


@dataclass
class Executed:
    ok: bool
    records: list[AuditRecord]


def execute(plan: Plan, collector: TunnelCollector, audit: AuditLog, *, diagnosis: str | None,
            confirmed_by: str, dry_run: bool = False) -> Executed:
    """Run the plan's commands on the open sessions, auditing each before the next."""
    records: list[AuditRecord] = []
    ok = True
    for step in plan.steps:
        session = collector.session(step.device)
        if dry_run:
            for cmd in step.commands:
                rec = AuditRecord(step.device, cmd, "", "dry_run", plan.tunnel, diagnosis, plan.action, confirmed_by)
                audit.write(rec)
                records.append(rec)
            continue
        if session is None or session.broken is not None:
            rec = AuditRecord(step.device, "; ".join(step.commands), "", "failed: no session", plan.tunnel,
                              diagnosis, plan.action, confirmed_by)
            audit.write(rec)
            records.append(rec)
            ok = False
            continue
        if step.config:
            result = session.send_config(step.commands)
            outcome = "ok" if result.ok else (result.error or "device_error")
            rec = AuditRecord(step.device, "\n".join(step.commands), result.output, outcome, plan.tunnel, diagnosis,
                              plan.action, confirmed_by)
            audit.write(rec)
            records.append(rec)
            ok = ok and result.ok
            continue
        for cmd in step.commands:
            result = session.run(cmd)
            outcome = "ok" if result.ok else (result.error or "device_error")
            rec = AuditRecord(step.device, cmd, result.output, outcome, plan.tunnel, diagnosis, plan.action, confirmed_by)
            audit.write(rec)
            records.append(rec)
            if not result.ok:
                ok = False
                break
    return Executed(ok, records)
