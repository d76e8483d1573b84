"""`ipsec-agent lab ...` and `ipsec-agent demo`: the built-in lab of simulated devices."""

from __future__ import annotations

import os
import random
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.panel import Panel
from rich.table import Table

from agent.cli.common import console, fail, progress_printer
from agent.cli.diagnose import remediate_and_report
from agent.lab import scenarios as lab_scenarios

if TYPE_CHECKING:
    pass


app = typer.Typer(no_args_is_help=True, help="The built-in lab: simulated ASA and IOS devices over SSH on 127.0.0.1.")


@app.command("list")
def lab_list() -> None:
    """List the lab scenarios and the root cause each one should be diagnosed as."""
    table = Table(title="Lab scenarios", show_lines=False)
    table.add_column("scenario", style="bold")
    table.add_column("pair")
    table.add_column("expected root cause")
    table.add_column("fixed by")
    table.add_column("summary", overflow="fold")
    for sc in lab_scenarios.catalog().values():
        table.add_row(sc.name, sc.pair, sc.expect, sc.repair, sc.summary)
    console.print(table)


@app.command("up")
def lab_up(
    scenario: str | None = typer.Option(None, "--scenario", "-s", help="Scenario name (see `ipsec-agent lab list`)."),
    fleet: str | None = typer.Option(None, "--fleet", help="A fleet lab instead: TUNNELS[:DEVICES], e.g. 50:20."),
    inventory_out: Path | None = typer.Option(None, "--inventory-out", "-o", help="Write an inventory for the lab here."),
    duration: float | None = typer.Option(None, "--duration", help="Stop after this many seconds (default: until Ctrl-C)."),
    noise: bool = typer.Option(False, "--noise", help="Devices carry production noise: other tunnels, busy logs, counters since boot."),
    noise_seed: int | None = typer.Option(None, "--noise-seed", help="Replay the noise of this number (implies --noise; default: random, printed)."),
) -> None:
    """Start a scenario's devices (or a fleet) on 127.0.0.1 and keep them running until interrupted."""
    from agent.lab.fleet import FleetSpec, build_fleet
    from agent.lab.runner import RunningLab

    if (scenario is None) == (fleet is None):
        fail("give exactly one of --scenario NAME or --fleet TUNNELS[:DEVICES]")
        return
    if noise_seed is None and noise:
        noise_seed = random.SystemRandom().randrange(1, 1_000_000)
    if noise_seed is not None and fleet is not None:
        fail("--noise applies to a scenario, not to a fleet")
        return
    try:
        built = lab_scenarios.build(scenario, noise=noise_seed) if scenario else build_fleet(FleetSpec.parse(fleet or ""))
    except (lab_scenarios.ScenarioError, ValueError) as exc:
        fail(str(exc))
        return
    if noise_seed is not None:
        console.print(f"noise seed: {noise_seed} (replay with --noise-seed {noise_seed})")
    running = RunningLab(built)
    running.start()
    try:
        title = f"Lab '{scenario}' ({built.scenario.expect})" if built.scenario else f"Fleet lab: {len(built.tunnels)} tunnels"
        table = Table(title=title)
        for col in ("device", "platform", "ssh"):
            table.add_column(col)
        for dev in built.lab.devices.values():
            table.add_row(dev.name, dev.platform.value, f"127.0.0.1:{dev.port}")
        console.print(table)
        if inventory_out is not None:
            kh, env_file = running.write_inventory(inventory_out)
            console.print(f"inventory: {inventory_out}\nknown_hosts: {kh}\ncredentials: source {env_file}")
        else:
            console.print("credentials: pass --inventory-out FILE to get an env file with them")
        console.print("Running; press Ctrl-C to stop.", style="dim")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait(duration)
        except KeyboardInterrupt:
            pass
    finally:
        running.stop()
        console.print("lab stopped")


def demo(
    yes: bool = typer.Option(False, "--yes", "-y", help="Confirm the remediation without asking (for scripts)."),
    scenario: str = typer.Option("asa-ios-stale-sa", "--scenario", help="Lab scenario to demonstrate."),
    audit_log: Path | None = typer.Option(
        None, "--audit-log",
        help="Audit log of the demo's changes to the lab (default: $IPSEC_AGENT_AUDIT_LOG, else a new temporary file).",
    ),
) -> None:
    """Start a lab with a broken tunnel between an ASA and an IOS router and run the agent's
    main job on it: diagnose both peers at once, offer the fix, apply it when confirmed,
    and prove the tunnel is up."""
    import tempfile

    from agent.collector import TunnelCollector
    from agent.lab.runner import RunningLab
    from agent.live import diagnose_live
    from agent.remediate.audit import DEFAULT_PATH_ENV, AuditLog
    from agent.report import render

    if audit_log is None:
        env = os.environ.get(DEFAULT_PATH_ENV)
        audit_log = Path(env) if env else Path(tempfile.mkdtemp(prefix="ipsec-agent-demo-")) / "audit.jsonl"
    try:
        built = lab_scenarios.build(scenario)
    except lab_scenarios.ScenarioError as exc:
        fail(str(exc))
        return
    code = 0
    with RunningLab(built) as running:
        tunnel = built.tunnels[0]
        a, b = built.device("a"), built.device("b")
        console.print(Panel.fit(
            f"A tunnel is down: [bold]{tunnel.name}[/]\n"
            f"{a.name} ({a.platform.value}) at 127.0.0.1:{a.port}, {b.name} ({b.platform.value}) at 127.0.0.1:{b.port}\n"
            "The agent logs into both peers at once, walks Cisco TAC's troubleshooting tree and names the cause.",
            title="ipsec-agent demo (simulated devices on 127.0.0.1)",
        ))
        with TunnelCollector(tunnel.name, running.targets(), progress=progress_printer()) as collector:
            live = diagnose_live(collector, running.probe(),
                                 progress=lambda t: console.print(t, style="dim", highlight=False))
            render(live.diagnosis, console)
            audit = AuditLog(audit_log)
            outcome = remediate_and_report(collector, live, running.probe(), audit, yes=yes, dry_run=False, quiet=False)
            if outcome.status == "no_action":
                console.print(f"No automatic fix for {live.diagnosis.root_cause.code}; the report above says what to change.")
            elif outcome.status == "declined":
                console.print("Not applied: nothing was changed on the devices (confirm at the prompt, or pass --yes).")
            elif outcome.status == "applied_up":
                console.print(f"Summary: {live.diagnosis.root_cause.code} found on {tunnel.name}, fixed by "
                              f"{outcome.plan.action if outcome.plan else 'the remediation'}, verified with traffic.")
            else:
                code = 1
    raise typer.Exit(code)
