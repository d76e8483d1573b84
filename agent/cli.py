"""The `ipsec-agent` command line.  The only module that prints."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from agent import inventory_cmd
from agent.errors import AgentError
from agent.lab import scenarios as lab_scenarios

if TYPE_CHECKING:
    from agent.engine.run import Live

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Troubleshoot Cisco ASA / IOS IPsec tunnels.")
lab_app = typer.Typer(no_args_is_help=True, help="The built-in lab: simulated ASA and IOS devices over SSH on 127.0.0.1.")
app.add_typer(lab_app, name="lab")
app.add_typer(inventory_cmd.app, name="inventory", help="Check an inventory file.")
playbooks_app = typer.Typer(no_args_is_help=True, help="The decision trees in playbooks/.")
app.add_typer(playbooks_app, name="playbooks")

console = Console()
err = Console(stderr=True)


@app.callback()
def _setup() -> None:
    """Device events go to stderr (JSON when not a terminal) unless a command sends them elsewhere."""
    from agent import logs

    logs.configure(level="warning")


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@lab_app.command("list")
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


@lab_app.command("up")
def lab_up(
    scenario: str | None = typer.Option(None, "--scenario", "-s", help="Scenario name (see `ipsec-agent lab list`)."),
    fleet: str | None = typer.Option(None, "--fleet", help="A fleet lab instead: TUNNELS[:DEVICES], e.g. 50:20."),
    inventory_out: Path | None = typer.Option(None, "--inventory-out", "-o", help="Write an inventory for the lab here."),
    duration: float | None = typer.Option(None, "--duration", help="Stop after this many seconds (default: until Ctrl-C)."),
) -> None:
    """Start a scenario's devices (or a fleet) on 127.0.0.1 and keep them running until interrupted."""
    from agent.lab.fleet import FleetSpec, build_fleet
    from agent.lab.runner import RunningLab

    if (scenario is None) == (fleet is None):
        _fail("give exactly one of --scenario NAME or --fleet TUNNELS[:DEVICES]")
        return
    try:
        built = lab_scenarios.build(scenario) if scenario else build_fleet(FleetSpec.parse(fleet or ""))
    except (lab_scenarios.ScenarioError, ValueError) as exc:
        _fail(str(exc))
        return
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


@app.command("demo")
def demo(
    yes: bool = typer.Option(False, "--yes", "-y", help="Confirm the remediation without asking (for scripts)."),
    scenario: str = typer.Option("asa-ios-stale-sa", "--scenario", help="Lab scenario to demonstrate."),
) -> None:
    """Start a lab with a broken tunnel between an ASA and an IOS router and run the agent's
    main job on it: diagnose both peers at once, offer the fix, apply it when confirmed,
    and prove the tunnel is up."""
    import tempfile

    from agent.collector import TunnelCollector
    from agent.engine.run import diagnose_live
    from agent.lab.runner import RunningLab
    from agent.remediate.actions import execute, plan_clear
    from agent.remediate.audit import AuditLog
    from agent.remediate.lock import TunnelLock
    from agent.remediate.verify import verify
    from agent.report import render

    try:
        built = lab_scenarios.build(scenario)
    except lab_scenarios.ScenarioError as exc:
        _fail(str(exc))
        return
    interactive = sys.stdin.isatty() and not yes
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
        with TunnelCollector(tunnel.name, running.targets(), progress=_progress_printer()) as collector:
            live = diagnose_live(collector, running.probe(),
                                 progress=lambda t: console.print(t, style="dim", highlight=False))
            render(live.diagnosis, console)
            root = live.diagnosis.root_cause
            if root.remediation != "clear_sas":
                console.print(f"No automatic fix for {root.code}; the report above says what to change.")
                raise typer.Exit(0)
            plan = plan_clear(live.ctx, reason=root.code)
            console.print(Panel(plan.describe(), title="proposed remediation", expand=False))
            if not (yes or (interactive and typer.confirm("Clear this tunnel's SAs on both peers?", default=False))):
                console.print("Not applied: nothing was changed on the devices (confirm at the prompt, or pass --yes).")
                raise typer.Exit(0)
            audit = AuditLog(Path(tempfile.mkdtemp(prefix="ipsec-agent-demo-")) / "audit.jsonl")
            with TunnelLock(tunnel.name):
                done = execute(plan, collector, audit, diagnosis=root.code, confirmed_by="--yes" if yes else "prompt")
                result = verify(collector, live.ctx, running.probe())
            table = Table(title="before / after", box=None)
            for col in ("peer", "phase 1 before", "phase 1 after", "SAs", "encaps", "decaps"):
                table.add_column(col)
            for name, after in result.after.items():
                before = result.before.get(name)
                table.add_row(name, before.phase1 if before else "?", after.phase1,
                              f"{before.sas if before else '?'} -> {after.sas}", str(after.encaps), str(after.decaps))
            console.print(table)
            console.print(f"probe: {result.ping}")
            console.print(f"audit log: {audit.path} ({len(done.records)} commands)")
            if done.ok and result.up:
                console.print(f"[bold green]Tunnel {tunnel.name} is up[/]: {root.code} fixed by clearing its SAs "
                              "and sending interesting traffic.")
            else:
                console.print(f"[bold red]Tunnel {tunnel.name} is still not up[/]: "
                              f"{result.diagnosis.root_cause.code}: {result.diagnosis.root_cause.summary}")
                code = 1
    raise typer.Exit(code)


@app.command("collect")
def collect(
    tunnel: str = typer.Argument(..., help="The tunnel's name in the inventory."),
    inventory: Path = typer.Option(..., "--inventory", "-i", help="Inventory file."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write the evidence bundle into."),
    session_logs: bool = typer.Option(True, help="Keep redacted netmiko session logs in OUT/sessions/."),
) -> None:
    """Log into both peers of TUNNEL at once and write an evidence bundle."""
    from agent import logs
    from agent.collector import TunnelCollector, write_bundle
    from agent.inventory import load_inventory
    from agent.targets import peer_targets

    try:
        inv = load_inventory(inventory)
        tun = inv.tunnel(tunnel)
        targets = peer_targets(inv, tun)
    except AgentError as exc:
        _fail(str(exc))
        return
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "agent.log"
    with log_path.open("a", encoding="utf-8") as log_stream:
        logs.configure(json=True, level="info", stream=log_stream)
        with _collect_progress([t.name for t in targets if t.connection]) as progress, TunnelCollector(
            tun.name, targets, session_log_dir=out / "sessions" if session_logs else None, progress=progress
        ) as collector:
            bundle = collector.collect()
        path = write_bundle(bundle, out)
    logs.configure(level="warning")
    for peer in bundle.peers:
        if peer.error is not None:
            err.print(f"{peer.name}: {peer.error.kind}: {peer.error.message}", highlight=False)
        elif not peer.outputs:
            console.print(f"{peer.name}: not ours (crypto endpoint {peer.crypto_endpoint} only)")
        else:
            console.print(f"{peer.name}: {len(peer.outputs)} outputs")
    console.print(f"bundle written: {path}")
    failed = [p for p in bundle.peers if p.error is not None]
    raise typer.Exit(3 if failed else 0)


def _progress_printer() -> Callable[[str, str], None]:
    """Plain lines, one per connection step (two peers interleave readably)."""
    lock = threading.Lock()

    def show(peer: str, text: str) -> None:
        if text.startswith("show ") or text.startswith("more "):
            return
        with lock:
            console.print(f"[{peer}] {text}", highlight=False, markup=False)

    return show


@contextlib.contextmanager
def _collect_progress(peers: list[str]) -> Iterator[Callable[[str, str], None]]:
    """A rich progress display (one line per peer, the command it is running) on a
    terminal; plain lines otherwise."""
    if not console.is_terminal:
        yield _progress_printer()
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("[bold]{task.fields[peer]}"), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        tasks = {p: progress.add_task("waiting", peer=p, total=None) for p in peers}

        def update(peer: str, text: str) -> None:
            if peer in tasks:
                done = text == "done" or text.startswith("failed")
                progress.update(tasks[peer], description=text, completed=1 if done else 0, total=1 if done else None)

        yield update


@playbooks_app.command("lint")
def playbooks_lint() -> None:
    """Check the trees: unknown checks, unreachable nodes, cycles, codes not in the catalog, missing references."""
    from agent.engine import checks as _checks  # noqa: F401
    from agent.engine.playbook import conclusions, library, lint
    from agent.engine.registry import outcomes

    try:
        lib = library()
    except AgentError as exc:
        _fail(str(exc))
        return
    problems = lint(lib, outcomes())
    for problem in problems:
        err.print(str(problem), highlight=False, markup=False)
    codes = conclusions(lib)
    console.print(f"{len(lib.playbooks)} playbook(s), {sum(len(p.nodes) for p in lib.playbooks.values())} nodes, "
                  f"{len(codes)} root causes reachable: {', '.join(sorted(codes))}")
    raise typer.Exit(1 if problems else 0)


@playbooks_app.command("graph")
def playbooks_graph(
    fmt: str = typer.Option("mermaid", "--format", "-f", help="mermaid or dot"),
    name: str | None = typer.Argument(None, help="Playbook name (default: all)."),
) -> None:
    """Print a tree as a Mermaid flowchart or a Graphviz digraph."""
    from agent.engine.playbook import graph, library

    lib = library()
    names = [name] if name else list(lib.playbooks)
    for n in names:
        if n not in lib.playbooks:
            _fail(f"unknown playbook {n!r}; known: {', '.join(lib.playbooks)}")
        try:
            console.print(graph(lib.playbooks[n], fmt), markup=False, highlight=False, soft_wrap=True)
        except AgentError as exc:
            _fail(str(exc))


@app.command("parse")
def parse_cmd(
    file: Path = typer.Argument(..., help="A file holding one command's output."),
    platform: str = typer.Option(..., "--platform", "-p", help="cisco_asa or cisco_ios (cisco_xe)"),
    command: str = typer.Option(..., "--command", "-c", help="The command as typed on the device."),
) -> None:
    """Parse one saved output with the project's templates and print JSON records."""
    from agent.parsing.cli import parse_command

    code, text = parse_command(platform, command, file)
    (console if code == 0 else err).print(text, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@app.command("diagnose")
def diagnose_cmd(
    tunnel: str | None = typer.Argument(None, help="The tunnel's name in the inventory (live mode)."),
    inventory: Path | None = typer.Option(None, "--inventory", "-i", help="Inventory file (live mode)."),
    offline: Path | None = typer.Option(None, "--offline", help="Diagnose a saved evidence bundle instead."),
    json_out: bool = typer.Option(False, "--json", help="Print exactly one JSON document."),
    probe: bool = typer.Option(True, help="Send interesting traffic (a ping) when the tree asks for it."),
) -> None:
    """Walk the troubleshooting tree for TUNNEL (live, both peers at once) or for a bundle."""
    import json

    from agent.report import render

    try:
        if offline is not None:
            from agent.collector import read_bundle
            from agent.engine.run import diagnose_bundle

            diag = diagnose_bundle(read_bundle(offline))
        else:
            if tunnel is None or inventory is None:
                _fail("give TUNNEL and --inventory for a live diagnosis, or --offline BUNDLE")
                return
            diag = _diagnose_live(tunnel, inventory, probe, quiet=json_out).diagnosis
    except AgentError as exc:
        _fail(str(exc))
        return
    if json_out:
        sys.stdout.write(json.dumps(diag.to_json(), indent=2) + "\n")
    else:
        render(diag, console)
    raise typer.Exit(diag.exit_code)


def _diagnose_live(tunnel: str, inventory: Path, allow_probe: bool, quiet: bool) -> Live:
    from agent.collector import TunnelCollector
    from agent.engine.run import ProbeSpec, diagnose_live
    from agent.inventory import load_inventory
    from agent.targets import peer_targets

    inv = load_inventory(inventory)
    tun = inv.tunnel(tunnel)
    targets = peer_targets(inv, tun)
    probe = None
    order = sorted(tun.peers, key=lambda p: p.device != tun.probe_from)
    for peer in order:
        if peer.device and peer.probe is not None:
            probe = ProbeSpec(peer.device, peer.probe.source_interface, str(peer.probe.target))
            break
    say = (lambda text: None) if quiet else (lambda text: err.print(text, style="dim", highlight=False))
    with TunnelCollector(tun.name, targets, progress=None if quiet else _progress_printer()) as collector:
        return diagnose_live(collector, probe, allow_probe=allow_probe, progress=say)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
