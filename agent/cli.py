"""The `ipsec-agent` command line.  The only module that prints."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from agent import inventory_cmd
from agent.errors import AgentError
from agent.lab import scenarios as lab_scenarios

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Troubleshoot Cisco ASA / IOS IPsec tunnels.")
lab_app = typer.Typer(no_args_is_help=True, help="The built-in lab: simulated ASA and IOS devices over SSH on 127.0.0.1.")
app.add_typer(lab_app, name="lab")
app.add_typer(inventory_cmd.app, name="inventory", help="Check an inventory file.")

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
    yes: bool = typer.Option(False, "--yes", "-y", help="Answer yes to every question (for scripts)."),
    scenario: str = typer.Option("asa-ios-stale-sa", "--scenario", help="Lab scenario to demonstrate."),
) -> None:
    """Start a lab with a broken tunnel between an ASA and an IOS router, and look at it
    the way the agent does: both peers at once, over SSH."""
    from agent.collect_basic import collect_pair
    from agent.lab.runner import RunningLab

    try:
        built = lab_scenarios.build(scenario)
    except lab_scenarios.ScenarioError as exc:
        _fail(str(exc))
        return
    sc = built.scenario
    assert sc is not None
    interactive = sys.stdin.isatty() and not yes
    with RunningLab(built) as running:
        tunnel = built.tunnels[0]
        console.print(Panel.fit(
            f"[bold]{tunnel.name}[/]: {sc.summary}\n"
            f"{tunnel.a} ({built.device('a').platform.value}) at 127.0.0.1:{running.port(tunnel.a)}, "
            f"{tunnel.b} ({built.device('b').platform.value}) at 127.0.0.1:{running.port(tunnel.b)}",
            title="ipsec-agent lab",
        ))
        if interactive:
            typer.confirm("Collect the tunnel's state from both peers over SSH?", default=True, abort=True)
        targets = {name: running.netmiko_params(name) for name in (tunnel.a, tunnel.b)}
        results = collect_pair(targets)
        for res in results:
            if res.error:
                console.print(Panel(res.error, title=f"{res.name}: collection failed", style="red"))
                continue
            body = "\n".join(f"{res.name}# {cmd}\n{out.rstrip()}\n" for cmd, out in res.outputs.items())
            console.print(Panel(body, title=f"{res.name} ({res.platform}, {res.seconds:.1f}s)", expand=False))
        console.print(
            "Collected both peers concurrently. Automatic diagnosis and remediation are not built yet: "
            "the outputs above are what the devices report, nothing is inferred from them.",
            style="yellow",
        )
    failed = [r for r in results if r.error]
    raise typer.Exit(1 if failed else 0)


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
        progress = _progress_printer()
        with TunnelCollector(tun.name, targets, session_log_dir=out / "sessions" if session_logs else None,
                             progress=progress) as collector:
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
    """Plain lines, one per step, on a terminal or not (two peers interleave readably)."""
    lock = threading.Lock()

    def show(peer: str, text: str) -> None:
        if text.startswith("show ") or text.startswith("more "):
            return
        with lock:
            console.print(f"[{peer}] {text}", highlight=False, markup=False)

    return show


def main() -> None:
    app()


if __name__ == "__main__":
    main()
