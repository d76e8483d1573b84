"""The `ipsec-agent` command line.  The only module that prints."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from agent import inventory_cmd
from agent.errors import AgentError
from agent.lab import scenarios as lab_scenarios
from agent.targets import collector_kind, probe_spec

if TYPE_CHECKING:
    from agent.collector import TunnelCollector
    from agent.engine.model import Diagnosis, Step
    from agent.live import Live
    from agent.platforms import ProbeSpec
    from agent.remediate.actions import Plan
    from agent.remediate.audit import AuditLog
    from agent.remediate.flow import Outcome as RemediationOutcome

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
        _fail(str(exc))
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
        with TunnelCollector(tunnel.name, running.targets(), progress=_progress_printer()) as collector:
            live = diagnose_live(collector, running.probe(),
                                 progress=lambda t: console.print(t, style="dim", highlight=False))
            render(live.diagnosis, console)
            audit = AuditLog(audit_log)
            outcome = _remediate(collector, live, running.probe(), audit, yes=yes, dry_run=False, quiet=False)
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

    tun, targets = _load_tunnel(inventory, tunnel)
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "agent.log"
    with log_path.open("a", encoding="utf-8") as log_stream:
        logs.configure(json=True, level="info", stream=log_stream)
        with _collect_progress([t.name for t in targets if t.connection]) as progress, TunnelCollector(
            tun.name, targets, session_log_dir=out / "sessions" if session_logs else None, progress=progress,
            **collector_kind(tun),
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


def _interval(text: str) -> float:
    import re

    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smh]?)", text.strip())
    if not m:
        raise typer.BadParameter("use e.g. 30s, 15m or 1h")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


class _PairedReports(typer.core.TyperCommand):
    """``--report KIND FILE``, repeatable (one report per occurrence).  Typer cannot declare
    a repeatable option of two values, so the option is a list of single values and each
    ``--report KIND FILE`` is read as ``--report KIND --report FILE``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        spread: list[str] = []
        rest = list(args)
        while rest:
            token = rest.pop(0)
            if token == "--":  # the end of the options: the rest is left as it is
                spread += [token, *rest]
                break
            spread.append(token)
            if token == "--report" and len(rest) >= 2:
                spread += [rest.pop(0), "--report", rest.pop(0)]
        result: list[str] = super().parse_args(ctx, spread)
        return result


def _report_pairs(values: list[str]) -> list[tuple[str, Path]]:
    """The (kind, file) of each ``--report KIND FILE``, in the order given."""
    if len(values) % 2 or any(kind not in ("md", "html") for kind in values[::2]):
        _fail("--report takes md or html and a file")
    return [(kind, Path(path)) for kind, path in zip(values[::2], values[1::2], strict=True)]


@app.command("sweep", cls=_PairedReports)
def sweep_cmd(
    inventory: Path = typer.Option(..., "--inventory", "-i", help="Inventory file."),
    tag: list[str] = typer.Option([], "--tag", help="Only tunnels with this tag (repeatable)."),
    tunnel: list[str] = typer.Option([], "--tunnel", help="Only this tunnel (repeatable)."),
    workers: int = typer.Option(8, "--workers", min=1, max=256, help="Devices read in parallel."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
    report: list[str] = typer.Option([], "--report", metavar="md|html FILE",
                                     help="A report for a ticket, Markdown or HTML (repeatable: one file each)."),
    prom: Path | None = typer.Option(None, "--prom", help="Prometheus text file to write (atomically)."),
    db: Path | None = typer.Option(None, "--db", help="History database (default under the user's data directory)."),
    every: str | None = typer.Option(None, "--every", help="Sweep again every INTERVAL (e.g. 15m) until interrupted."),
    probe: bool = typer.Option(False, "--probe", help="Send interesting traffic (pings) before reading; never a clear."),
) -> None:
    """Check every selected tunnel read-only, each device logged into once; record history."""
    from agent import logs
    from agent.inventory import load_inventory
    from agent.sweep.history import History
    from agent.targets import sweep_tunnels

    reports = _report_pairs(report)
    for option, path in [*(("--report", file) for _, file in reports), ("--prom", prom)]:
        if path is not None and not _writable_dir(path.parent):
            _fail(f"{option} {path}: the directory {path.parent} does not exist or cannot be written")
    try:
        inv = load_inventory(inventory)
        selected = inv.select(tags=tag, names=tunnel)
        targets = sweep_tunnels(inv, selected)
        history = History(db)
    except AgentError as exc:
        _fail(str(exc))
        return
    except (OSError, ValueError) as exc:
        _fail(f"cannot use the history database: {exc}")
        return
    if every is None:
        raise typer.Exit(_one_sweep(targets, workers, history, json_out, reports, prom, probe))
    period = _interval(every)
    log = logs.get("ipsec-agent.sweep")
    while True:
        start = time.monotonic()
        try:
            code = _one_sweep(targets, workers, history, json_out, reports, prom, probe)
            log.warning("sweep", outcome=code, tunnels=len(targets))
        except Exception as exc:  # noqa: BLE001 - a long-running loop survives one bad sweep
            log.error("sweep", outcome="error", error=type(exc).__name__)
        try:
            time.sleep(max(0.0, period - (time.monotonic() - start)))
        except KeyboardInterrupt:
            raise typer.Exit(0) from None


def _writable_dir(directory: Path) -> bool:
    import os

    return directory.is_dir() and os.access(directory, os.W_OK | os.X_OK)


def _one_sweep(targets: list[Any], workers: int, history: Any, json_out: bool, reports: list[tuple[str, Path]],
               prom: Path | None, probe: bool = False) -> int:
    import json

    from agent.sweep import outputs
    from agent.sweep.runner import run_sweep

    devices = {p.name for t in targets for p in t.peers if p.connection is not None}
    if json_out or not console.is_terminal:
        sweep = run_sweep(targets, workers, probe=probe)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("reading devices"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TextColumn("{task.description}"), console=console, transient=True) as bar:
            task = bar.add_task("", total=len(devices))
            sweep = run_sweep(targets, workers, probe=probe,
                              progress=lambda text: bar.update(task, advance=1, description=text))
    changes = history.record(sweep)
    since = {r.tunnel: history.since(r.tunnel) for r in sweep.results}
    if prom is not None:
        outputs.write_atomic(prom, outputs.prometheus(sweep))
    for kind, path in reports:
        text = outputs.markdown(sweep, changes, since) if kind == "md" else outputs.html_report(sweep, changes, since)
        outputs.write_atomic(path, text)
    if json_out:
        doc = sweep.to_json()
        doc["changes"] = [vars(c) for c in changes]
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return sweep.exit_code
    table = Table(title=f"sweep {sweep.started_at}: {len(sweep.results)} tunnels, {len(sweep.devices)} devices, "
                        f"{sweep.seconds:.1f} s", box=None)
    for col in ("tunnel", "status", "root cause", "since"):
        table.add_column(col)
    for r in sweep.results:
        table.add_row(r.tunnel, r.status, r.diagnosis.root_cause.code, since.get(r.tunnel) or "")
    console.print(table)
    for c in changes:
        if c.previous is not None:
            flap = f" (flapping: {c.flaps_last_hour} changes in the last hour)" if c.flaps_last_hour > 1 else ""
            console.print(f"{c.tunnel}: {c.previous} -> {c.current} at {c.at}{flap}", highlight=False)
    for name, read in sweep.devices.items():
        if read.error is not None:
            err.print(f"{name}: {read.error.kind}: {read.error}", highlight=False)
    return sweep.exit_code


@app.command("history")
def history_cmd(
    tunnel: str = typer.Argument(..., help="Tunnel name."),
    db: Path | None = typer.Option(None, "--db", help="History database."),
) -> None:
    """The tunnel's timeline across sweeps."""
    from agent.sweep.history import History

    entries = History(db).timeline(tunnel)
    if not entries:
        _fail(f"no sweep has recorded tunnel {tunnel!r}", 2)
    table = Table(title=f"history of {tunnel}", box=None)
    for col in ("at", "status", "root cause", "summary"):
        table.add_column(col, overflow="fold")
    last = None
    for e in entries:
        mark = "" if last in (None, e.status) else " (changed)"
        table.add_row(e.at, e.status + mark, e.root_cause, e.summary)
        last = e.status
    console.print(table)


@app.command("clear")
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
        _fail("--phase is 1, 2 or both")
    tun, targets = _load_tunnel(inventory, tunnel)
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


def _load_tunnel(inventory: Path, tunnel: str) -> tuple[Any, list[Any]]:
    """The tunnel and its peers' targets, or a clear error (exit 2)."""
    from agent.inventory import load_inventory
    from agent.targets import peer_targets

    try:
        inv = load_inventory(inventory)
        tun = inv.tunnel(tunnel)
        return tun, peer_targets(inv, tun)
    except AgentError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


@playbooks_app.command("lint")
def playbooks_lint() -> None:
    """Check the trees: unknown checks, unreachable nodes, cycles, codes not in the catalog, missing references or
    ones not in playbooks/references.yaml."""
    from agent.engine import checks as _checks  # noqa: F401  (registers the checks)
    from agent.engine.playbook import conclusions, library, lint
    from agent.engine.references import references
    from agent.engine.registry import outcomes

    try:
        lib = library()
        refs = references()
    except AgentError as exc:
        _fail(str(exc))
        return
    problems = lint(lib, outcomes(), refs)
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

            draft = _transcript_draft(args or [], peer, platform, host, ask=not json_out)
            if not json_out:
                _report_import(draft)
            diag = diagnose_bundle(draft.bundle(Redactor()))
            _write_fix(diag, fix_out, json_out)
            _print_diagnosis(diag, json_out, {"transcript": draft.record()} if json_out else None)
            raise typer.Exit(diag.exit_code)
        if offline is not None:
            from agent.collector import read_bundle
            from agent.engine.run import diagnose_bundle

            diag = diagnose_bundle(read_bundle(offline))
            _write_fix(diag, fix_out, json_out)
            _print_diagnosis(diag, json_out)
            raise typer.Exit(diag.exit_code)
        if args and len(args) > 1:
            _fail("give one TUNNEL for a live diagnosis (capture files need --transcript)")
        if tunnel is None or inventory is None:
            _fail("give TUNNEL and --inventory for a live diagnosis, or --offline BUNDLE")
            return
        code = _diagnose_live(tunnel, inventory, probe, json_out, yes=yes, dry_run=dry_run, remediate=remediate,
                              audit_path=audit_log, fix_out=fix_out)
    except AgentError as exc:
        _fail(str(exc), getattr(exc, "exit_code", 2))
        return
    raise typer.Exit(code)


@app.command("import")
def import_cmd(
    files: list[str] = typer.Argument(..., metavar="FILE...", help="Terminal captures ('-' reads standard input)."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write the bundle into."),
    peer: list[str] = typer.Option([], "--peer", help="NAME=ADDRESS: a crypto endpoint the capture does not show."),
    platform: list[str] = typer.Option([], "--platform", help="NAME=cisco_asa|cisco_ios: a platform it does not show."),
    host: str | None = typer.Option(None, "--host", help="Device name for a capture without prompts (a pasted log)."),
    tunnel: str | None = typer.Option(None, "--tunnel", help="The tunnel's name in the bundle."),
) -> None:
    """Turn terminal captures of one or both peers into an evidence bundle (outputs by
    command, log evidence, redacted; the original captures kept beside it, redacted)."""
    from agent.collector import write_bundle
    from agent.redact import Redactor

    try:
        draft = _transcript_draft(files, peer, platform, host, ask=True)
    except AgentError as exc:
        _fail(str(exc))
        return
    redactor = Redactor()
    bundle = draft.bundle(redactor, tunnel)
    kept = out / "transcript"
    kept.mkdir(parents=True, exist_ok=True)
    names = []
    for i, (source, text) in enumerate(draft.transcripts.items(), 1):
        base = "stdin.txt" if source == "-" else Path(source).name
        name = base if base not in names else f"{i}-{base}"
        names.append(name)
        (kept / name).write_text(redactor.redact(text), encoding="utf-8")
    bundle.provenance = {**draft.record(), "transcripts": [f"transcript/{n}" for n in names]}
    path = write_bundle(bundle, out)
    _report_import(draft)
    console.print(f"bundle written: {path}", highlight=False)


def _transcript_draft(files: list[str], peer: list[str], platform: list[str], host: str | None, *,
                      ask: bool) -> Any:
    """The captures read, the options applied, and (at a terminal) the open questions asked."""
    from agent.collector.transcript import TranscriptError
    from agent.collector.transcript_import import read_transcripts

    if not files:
        raise TranscriptError("give the capture files (or '-' for standard input)")
    sources = []
    for name in files:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            raise TranscriptError(f"{name}: cannot read: {exc.strerror or exc}") from None
        sources.append((name, text))
    draft = read_transcripts(sources, host)
    for option, values in (("platform", platform), ("endpoint", peer)):
        for value in values:
            name, eq, setting = value.partition("=")
            if not eq or not name or not setting:
                flag = "--platform" if option == "platform" else "--peer"
                raise TranscriptError(f"{flag} {value}: use NAME=VALUE")
            draft.answer(f"{option}:{name}", setting.strip())
    interactive = ask and sys.stdin.isatty() and "-" not in files
    for question in draft.open_questions():
        kind, _, name = question.partition(":")
        if kind == "platform" and not interactive:
            raise TranscriptError(f"cannot tell the platform of {name} from the capture; "
                                  f"pass --platform {name}=cisco_asa or --platform {name}=cisco_ios")
        if not interactive:
            continue
        text = "platform (cisco_asa / cisco_ios)" if kind == "platform" else "crypto endpoint (IPv4 address, empty: unknown)"
        answer = str(typer.prompt(f"{name}: {text}", default="", show_default=False)).strip()
        if answer:
            draft.answer(question, answer)
        elif kind == "platform":
            raise TranscriptError(f"no platform for {name}")
    return draft


def _report_import(draft: Any) -> None:
    for d in draft.devices:
        err.print(f"{d.name}: {d.platform or 'platform unknown'}, crypto endpoint {d.endpoint or 'unknown'}, "
                  f"{len(d.outputs)} outputs, {len(d.logs)} log lines, {len(d.debug)} debug lines",
                  highlight=False, markup=False)
        for command, why in d.partial.items():
            err.print(f"  partial: {command}: {why}", highlight=False, markup=False)
        for line in d.truncated:
            err.print(f"  truncated: {line}", highlight=False, markup=False)
    if len(draft.devices) == 1:
        err.print(f"{draft.remote_name or 'peer'}: not in the capture, crypto endpoint "
                  f"{draft.remote_address or 'unknown (pass --peer NAME=ADDRESS)'}", highlight=False, markup=False)
    if draft.prose:
        err.print(f"{draft.prose} line(s) of text around the outputs left out (kept in the transcript copy)",
                  highlight=False, markup=False)


def _write_fix(diag: Diagnosis, fix_out: Path | None, json_out: bool) -> None:
    """--fix-out DIR: the root cause's change as one snippet per device, with its rollback."""
    if fix_out is None:
        return
    from agent.report import snippets

    files = snippets(diag)
    fix_out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (fix_out / name).write_text(text, encoding="utf-8")
    if not json_out:
        err.print(f"fix snippets written to {fix_out}: {', '.join(sorted(files)) or 'none (no configuration change)'}",
                  highlight=False, markup=False)


def _print_diagnosis(diag: Diagnosis, json_out: bool, extra: dict[str, Any] | None = None) -> None:
    import json

    from agent.report import render

    if json_out:
        sys.stdout.write(json.dumps({**diag.to_json(), **(extra or {})}, indent=2) + "\n")
    else:
        render(diag, console)


def _diagnose_live(tunnel: str, inventory: Path, allow_probe: bool, json_out: bool, *, yes: bool, dry_run: bool,
                   remediate: bool, audit_path: Path | None, fix_out: Path | None = None) -> int:
    from agent.collector import TunnelCollector
    from agent.live import diagnose_live
    from agent.remediate.audit import AuditLog

    tun, targets = _load_tunnel(inventory, tunnel)
    probe = probe_spec(tun)
    say = (lambda text: None) if json_out else (lambda text: err.print(text, style="dim", highlight=False))
    with TunnelCollector(tun.name, targets, progress=None if json_out else _progress_printer(),
                         **collector_kind(tun)) as collector:
        def step(s: Step) -> None:
            if not json_out:
                err.print(f"  {s.node}: {s.check} -> {s.outcome}  {s.detail}", style="dim", highlight=False, markup=False)

        ask = _ask_operator if sys.stdin.isatty() and not json_out and not yes else None
        live = diagnose_live(collector, probe, allow_probe=allow_probe, progress=say, on_step=step, ask=ask)
        _write_fix(live.diagnosis, fix_out, json_out)
        if not remediate:
            _print_diagnosis(live.diagnosis, json_out)
            return live.diagnosis.exit_code
        if not json_out:
            _print_diagnosis(live.diagnosis, json_out)
        outcome = _remediate(collector, live, probe, AuditLog(audit_path), yes=yes, dry_run=dry_run, quiet=json_out)
        if json_out:
            _print_diagnosis(live.diagnosis, True, {"remediation": outcome.to_json()})
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


def _remediate(collector: TunnelCollector, live: Live, probe: ProbeSpec | None, audit: AuditLog, *, yes: bool,
               dry_run: bool, quiet: bool) -> RemediationOutcome:
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
    if quiet:
        return outcome
    if outcome.plan is not None and outcome.status == "dry_run":
        console.print(Panel(outcome.plan.describe(), title="dry run: would send", expand=False))
    for note in outcome.notes:
        console.print(note, style="yellow")
    v = outcome.verification
    if v is not None:
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
    return outcome


def main() -> None:
    try:
        app()
    except OSError as exc:  # a path given on the command line that cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"error: {where}{exc.strerror or exc}", highlight=False, markup=False)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
