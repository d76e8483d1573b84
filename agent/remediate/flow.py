"""The confirmed-remediation loop, the one that `diagnose`, `demo`, `clear` and the Python
API all go through: plan (from the diagnosis, or a clear of the phase asked for), refuse
when the devices do not match the inventory, stop at a dry run, show the exact commands
and the blast radius, ask (or take --yes), change one tunnel under its lock, audit every
command, verify with traffic, report before/after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.collector import TunnelCollector
from agent.live import Live
from agent.platforms import ProbeSpec
from agent.remediate.actions import Executed, Plan, execute, plan_clear, plan_reapply
from agent.remediate.audit import AuditLog
from agent.remediate.guard import refusals
from agent.remediate.lock import TunnelLock
from agent.remediate.verify import Verification, verify

Confirm = Callable[[Plan], bool]  # asks the operator; True = go
ShowPlan = Callable[[Plan], None]  # told of the plan as soon as it is made
PHASES = ("1", "2", "both")


@dataclass
class Outcome:
    #: no_action | refused | declined | dry_run | no_reachable_peer | applied_up | applied_not_up | failed
    status: str
    plan: Plan | None = None
    executed: Executed | None = None
    verification: Verification | None = None
    notes: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  #: why the change was refused (status refused)

    @property
    def exit_code(self) -> int:
        return 0 if self.status in ("applied_up",) else 1

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"status": self.status, "notes": self.notes}
        if self.plan is not None:
            doc["plan"] = {
                "action": self.plan.action,
                "commands": {s.device: s.commands for s in self.plan.steps},
                "blast_radius": self.plan.blast_radius,
            }
        if self.verification is not None:
            v = self.verification
            doc["verification"] = {
                "up": v.up, "probe": v.ping, "root_cause": v.diagnosis.root_cause.code,
                "before": {k: vars(s) for k, s in v.before.items()},
                "after": {k: vars(s) for k, s in v.after.items()},
            }
        return doc


def make_plan(live: Live) -> Plan | None:
    root = live.diagnosis.root_cause
    if root.remediation == "clear_sas":
        return plan_clear(live.ctx, reason=root.code)
    if root.remediation == "reapply_crypto_map" and root.peer:
        try:
            return plan_reapply(live.ctx, root.peer, reason=root.code)
        except (ValueError, StopIteration):
            return None
    return None


def remediate(
    collector: TunnelCollector,
    live: Live,
    probe: ProbeSpec | None,
    confirm: Confirm,
    audit: AuditLog,
    *,
    confirmed_by: str,
    dry_run: bool = False,
    phase: str | None = None,
    show: ShowPlan | None = None,
) -> Outcome:
    """The remediation the playbook allows (``phase`` None), or a clear of the tunnel's SAs
    of ``phase`` (1, 2 or both: the `clear` command), from plan to verification."""
    if phase is not None and phase not in PHASES:
        raise ValueError(f"phase is one of {', '.join(PHASES)}, not {phase!r}")
    code = live.diagnosis.root_cause.code
    plan = make_plan(live) if phase is None else plan_clear(live.ctx, phase, reason=code)
    if plan is None:
        return Outcome("no_action", notes=["no automatic remediation for " + code])
    if show is not None:
        show(plan)
    refused = refusals(plan, live.ctx, collector.targets)
    if refused:
        return Outcome("refused", plan, refusals=refused,
                       notes=["refused: the devices do not match the inventory; nothing was sent", *refused])
    if dry_run:
        return Outcome("dry_run", plan, notes=["dry run: nothing was sent"])
    if not confirm(plan):
        return Outcome("declined", plan, notes=["not confirmed: nothing was changed"])
    if not plan.steps:
        return Outcome("no_reachable_peer", plan, notes=["no reachable peer to change: nothing was sent"])
    with TunnelLock(plan.tunnel):
        done = execute(plan, collector, audit, diagnosis=code, confirmed_by=confirmed_by)
        if not done.ok:
            sent = [f"{r.device}: {r.command} ({r.outcome})" for r in done.records]
            return Outcome("failed", plan, done, notes=["the change did not complete; sent so far: " + "; ".join(sent)])
        result = verify(collector, live.ctx, probe)
    return Outcome("applied_up" if result.up else "applied_not_up", plan, done, result)
