"""`ipsec-agent diagnose` (live, offline, from captures) with the remediation it offers,
and `ipsec-agent clear`: both go through the one remediation loop (agent.remediate.flow)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.panel import Panel
from rich.table import Table

from agent.cli.common import console, err, fail, load_tunnel, print_diagnosis, progress_printer, write_fix
from agent.cli.evidence import report_import, transcript_draft
from agent.errors import AgentError
from agent.targets import collector_kind, probe_spec

if TYPE_CHECKING:
    from agent.collector import TunnelCollector
    from agent.engine.model import Step
    from agent.live import Live
    from agent.platforms import ProbeSpec
    from agent.remediate.actions import Plan
    from agent.remediate.audit import AuditLog
    from agent.remediate.flow import Outcome as RemediationOutcome


def diagnose_cmd(
    args: list[str] | None = typer.Argument(None, metavar="TUNNEL | FILE...",
                                            help="The tunnel's name in the inventory (live mode), or with "
                                                 "--transcript the capture files ('-' reads standard input)."),
    inventory: Path | None = typer.Option(None, "--inventory", "-i", help="Inventory file (live mode)."),
    offline: Path | None = typer.Option(None, "--offline", help="Diagnose a saved evidence bundle instead."),
    transcript: bool = typer.Option(False, "--transcript", help="Diagnose terminal captures (the FILE arguments)."),
    peer: list[str] = typer.Option([], "--peer", help="NAME=ADDRESS: a crypto endpoint the capture does not show."),
    platform: list[str] = typer.Option([], "--platform", help="NAME=cisco_asa|cisco_ios: a platform it does not show."),
    host: str | None = typer.Option(None, "--host", help="Device name for a capture without prompts (a pasted log)."),
    json_out: bool = typer.Option(False, "--json", help="Print exactly one JSON document."),
    probe: bool = typer.Option(True, help="Send interesting traffic (a ping) when the tree asks for it."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Apply the remediation the playbook allows without asking."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the remediation commands; send nothing."),
    remediate: bool = typer.Option(True, help="Offer the remediation the playbook allows (live mode)."),
    allow_debug: bool = typer.Option(False, "--allow-debug", help="When the tree cannot decide, turn on a debug scoped "
                                                                  "to the peer without asking (--yes does not)."),
    debug_seconds: float = typer.Option(10.0, "--debug-seconds", help="How long a scoped debug captures."),
    audit_log: Path | None = typer.Option(None, "--audit-log", help="Audit log (JSON lines) of state-changing commands."),
    fix_out: Path | None = typer.Option(None, "--fix-out", help="Write the computed change as one configuration "
                                                                 "snippet per device (DEVICE.cfg, DEVICE.rollback.cfg)."),
) -> None:
    """Walk the troubleshooting tree for TUNNEL (live, both peers at once) or for a bundle;
    live, offer the remediation the playbook allows, apply it only when confirmed (or
    --yes), audit it, and verify the tunnel with traffic."""


    tunnel = args[0] if args and len(args) == 1 and not transcript else None
    try:
        if transcript:
            from agent.engine.run import diagnose_bundle
            from agent.redact import Redactor

            draft = transcript_draft(args or [], peer, platform, host, ask=not json_out)
            if not json_out:
                report_import(draft)
            diag = diagnose_bundle(draft.bundle(Redactor()))
            write_fix(diag, fix_out, json_out)
            print_diagnosis(diag, json_out, {"transcript": draft.record()} if json_out else None)
            raise typer.Exit(diag.exit_code)
        if offline is not None:
            from agent.collector import read_bundle
            from agent.engine.run import diagnose_bundle

            diag = diagnose_bundle(read_bundle(offline))
            write_fix(diag, fix_out, json_out)
            print_diagnosis(diag, json_out)
            raise typer.Exit(diag.exit_code)
        if args and len(args) > 1:
            fail("give one TUNNEL for a live diagnosis (capture files need --transcript)")
        if tunnel is None or inventory is None:
            fail("give TUNNEL and --inventory for a live diagnosis, or --offline BUNDLE")
            return
        code = _diagnose_live(tunnel, inventory, probe, json_out, yes=yes, dry_run=dry_run, remediate=remediate,
                              audit_path=audit_log, fix_out=fix_out, debug=(allow_debug, debug_seconds))
    except AgentError as exc:
        fail(str(exc), getattr(exc, "exit_code", 2))
        return
    raise typer.Exit(code)


def _diagnose_live(tunnel: str, inventory: Path, allow_probe: bool, json_out: bool, *, yes: bool, dry_run: bool,
                   remediate: bool, audit_path: Path | None, fix_out: Path | None = None,
                   debug: tuple[bool, float] = (False, 10.0)) -> int:
    from agent.collector import TunnelCollector
    from agent.live import diagnose_live
    from agent.remediate.audit import AuditLog

    tun, targets = load_tunnel(inventory, tunnel)
    probe = probe_spec(tun)
    say = (lambda text: None) if json_out else (lambda text: err.print(text, style="dim", highlight=False))
    with TunnelCollector(tun.name, targets, progress=None if json_out else progress_printer(),
                         **collector_kind(tun)) as collector:
        def step(s: Step) -> None:
            if not json_out:
                err.print(f"  {s.node}: {s.check} -> {s.outcome}  {s.detail}", style="dim", highlight=False, markup=False)

        ask = _ask_operator if sys.stdin.isatty() and not json_out and not yes else None
        live = diagnose_live(collector, probe, allow_probe=allow_probe, progress=say, on_step=step, ask=ask)
        live = _scoped_debug(collector, live, probe, AuditLog(audit_path), allow=debug[0], seconds=debug[1],
                             quiet=json_out, say=say, ask=ask, on_step=step)
        write_fix(live.diagnosis, fix_out, json_out)
        if not remediate:
            print_diagnosis(live.diagnosis, json_out)
            return live.diagnosis.exit_code
        if not json_out:
            print_diagnosis(live.diagnosis, json_out)
        outcome = remediate_and_report(collector, live, probe, AuditLog(audit_path), yes=yes, dry_run=dry_run, quiet=json_out)
        if json_out:
            print_diagnosis(live.diagnosis, True, {"remediation": outcome.to_json()})
        if outcome.status == "no_action":
            return live.diagnosis.exit_code
        if outcome.status == "refused":
            return 2  # the inventory does not match the devices
        return 0 if outcome.status == "applied_up" or (outcome.status in ("declined", "dry_run") and
                                                       live.diagnosis.exit_code == 0) else 1


def _ask_operator(question: str, choices: list[str], default: str) -> str:
    """A question the devices cannot answer (interactive sessions only)."""
    for _ in range(3):
        answer = str(typer.prompt(f"{question} [{'/'.join(choices)}]", default=default)).strip().lower()
        if answer in choices:
            return answer
        err.print(f"answer one of: {', '.join(choices)}")
    return default


def remediate_and_report(collector: TunnelCollector, live: Live, probe: ProbeSpec | None, audit: AuditLog, *,
                         yes: bool, dry_run: bool, quiet: bool) -> RemediationOutcome:
    """Offer, confirm and apply the playbook's remediation; print what happened."""
    from agent.remediate.flow import remediate

    interactive = sys.stdin.isatty() and not yes

    def confirm(plan: Plan) -> bool:
        if not quiet:
            console.print(Panel(plan.describe(), title="proposed remediation", expand=False))
        if yes:
            return True
        if not interactive:
            return False
        if plan.drops_other_tunnels:
            answer = typer.prompt(f"This drops other tunnels. Type the tunnel name ({plan.tunnel}) to confirm",
                                  default="", show_default=False)
            return bool(answer.strip() == plan.tunnel)
        return bool(typer.confirm("Apply it?", default=False))

    try:
        outcome = remediate(collector, live, probe, confirm, audit, confirmed_by="--yes" if yes else "prompt",
                            dry_run=dry_run)
    except KeyboardInterrupt:
        sent = [f"{r.device}: {r.command} ({r.outcome})" for r in audit.written]
        err.print("interrupted: " + ("commands sent: " + "; ".join(sent) if sent else "nothing was changed"))
        raise typer.Exit(130) from None
    if not quiet:
        _report_outcome(live, outcome, audit)
    return outcome


def _report_outcome(live: Live, outcome: RemediationOutcome, audit: AuditLog) -> None:
    """What the remediation did: the dry run's commands, the notes, before / after."""
    if outcome.plan is not None and outcome.status == "dry_run":
        console.print(Panel(outcome.plan.describe(), title="dry run: would send", expand=False))
    for note in outcome.notes:
        console.print(note, style="yellow")
    v = outcome.verification
    if v is None:
        return
    table = Table(title="before / after", box=None)
    for col in ("peer", "phase 1 before", "phase 1 after", "SAs", "encaps", "decaps"):
        table.add_column(col)
    for name, after in v.after.items():
        before = v.before.get(name)
        table.add_row(name, before.phase1 if before else "?", after.phase1,
                      f"{before.sas if before else '?'} -> {after.sas}", str(after.encaps), str(after.decaps))
    console.print(table)
    console.print(f"probe: {v.ping}")
    console.print(f"audit log: {audit.path} ({len(audit.written)} commands)")
    if v.up:
        console.print(f"[bold green]Tunnel {live.diagnosis.tunnel} is up[/] after {outcome.plan.action if outcome.plan else ''}.")
    else:
        console.print(f"[bold red]Tunnel {live.diagnosis.tunnel} is still not up[/]: "
                      f"{v.diagnosis.root_cause.code}: {v.diagnosis.root_cause.summary}")


def clear_cmd(
    tunnel: str = typer.Argument(..., help="The tunnel's name in the inventory."),
    inventory: Path = typer.Option(..., "--inventory", "-i", help="Inventory file."),
    phase: str = typer.Option("both", "--phase", help="1, 2 or both."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the commands; send nothing."),
    json_out: bool = typer.Option(False, "--json", help="Print exactly one JSON document."),
    audit_log: Path | None = typer.Option(None, "--audit-log", help="Audit log (JSON lines)."),
) -> None:
    """Clear TUNNEL's SAs on both peers (scoped to the other peer), verify with traffic.
    Exit 0 only when the tunnel is verified up afterwards."""
    import json

    from agent.collector import TunnelCollector
    from agent.live import diagnose_live
    from agent.remediate.audit import AuditLog
    from agent.remediate.flow import remediate

    if phase not in ("1", "2", "both"):
        fail("--phase is 1, 2 or both")
    tun, targets = load_tunnel(inventory, tunnel)
    audit = AuditLog(audit_log)
    with TunnelCollector(tun.name, targets, **collector_kind(tun)) as collector:
        live = diagnose_live(collector, None, allow_probe=False)

        def ask(plan: Plan) -> bool:
            return yes or (sys.stdin.isatty() and typer.confirm("Clear these SAs?", default=False))

        show = None if json_out else (lambda plan: console.print(plan.describe()))
        outcome = remediate(collector, live, probe_spec(tun), ask, audit, confirmed_by="--yes" if yes else "prompt",
                            dry_run=dry_run, phase=phase, show=show)
    doc = _clear_doc(tun.name, phase, live, outcome, audit)
    if json_out:
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        _print_clear(tun.name, doc, outcome)
    raise typer.Exit(_clear_code(outcome))


CLEAR_STATUS = {"declined": "not_confirmed", "applied_up": "cleared", "applied_not_up": "cleared"}


def _clear_doc(tunnel: str, phase: str, live: Live, outcome: RemediationOutcome, audit: AuditLog) -> dict[str, Any]:
    """`clear --json`: the plan, what happened, and the tunnel's state after it."""
    doc: dict[str, Any] = {"tunnel": tunnel, "phase": phase, "before": live.diagnosis.root_cause.code,
                           "commands": {st.device: st.commands for st in outcome.plan.steps} if outcome.plan else {},
                           "status": CLEAR_STATUS.get(outcome.status, outcome.status)}
    if outcome.refusals:
        doc["why"] = "; ".join(outcome.refusals)
    v = outcome.verification
    if v is not None:
        doc.update(up=v.up, probe=v.ping, after=v.diagnosis.root_cause.code, audit_log=str(audit.path))
        if not v.up:
            doc["why"] = f"{v.diagnosis.root_cause.code}: {v.diagnosis.root_cause.summary}"
    elif outcome.status == "failed":
        doc.update(why="; ".join(outcome.notes), audit_log=str(audit.path))
    unreachable = [p.name for p in live.ctx.peers if not p.reachable and p.platform]
    if unreachable:
        doc["unreachable"] = unreachable
    return doc


def _clear_code(outcome: RemediationOutcome) -> int:
    if outcome.status == "refused":
        return 2
    return 0 if outcome.status == "applied_up" else 1


def _print_clear(tunnel: str, doc: dict[str, Any], outcome: RemediationOutcome) -> None:
    status = doc["status"]
    if outcome.status == "applied_up":
        console.print(f"[bold green]{tunnel} cleared and verified up[/] ({doc.get('probe', '')})")
    elif status in ("cleared", "failed"):
        console.print(f"[bold red]{tunnel} is not up after the clear[/]: {doc.get('why', status)}")
    elif status == "refused":
        err.print("[bold red]refused[/]: nothing was sent; the devices do not match the inventory:\n  "
                  + "\n  ".join(outcome.refusals), highlight=False)
    else:
        console.print(f"{tunnel}: {status.replace('_', ' ')}; nothing was sent")


def _scoped_debug(collector: TunnelCollector, live: Live, probe: ProbeSpec | None, audit: AuditLog, *, allow: bool,
                  seconds: float, quiet: bool, **walk: Any) -> Live:
    """When the tree cannot decide: offer a debug scoped to the peer (docs/diagnosis.md, "Scoped debug")."""
    from agent.remediate.scoped_debug import DebugPlan, capture_and_diagnose

    def confirm(plan: DebugPlan) -> bool:
        if not quiet:
            console.print(Panel(plan.describe(), title="proposed scoped debug", expand=False))
        if allow or not sys.stdin.isatty() or quiet:
            return allow
        return bool(typer.confirm("Turn this debug on?", default=False))

    def loud(text: str) -> None:
        err.print(text, style="bold red", highlight=False, markup=False)

    try:
        outcome = capture_and_diagnose(collector, live, probe, confirm, audit, seconds=seconds, warn=loud,
                                       confirmed_by="--allow-debug" if allow else "prompt", **walk)
    except KeyboardInterrupt:
        sent = [f"{r.device}: {r.command} ({r.outcome})" for r in audit.written]
        err.print("interrupted: " + ("commands sent: " + "; ".join(sent) if sent else "nothing was changed"))
        raise typer.Exit(130) from None
    if not quiet:
        for note in outcome.notes:
            console.print(note, style="yellow")
    return outcome.live
