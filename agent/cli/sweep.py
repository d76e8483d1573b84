"""`ipsec-agent sweep` and `ipsec-agent history`: every selected tunnel read-only, and its
timeline across sweeps."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from agent.cli.common import console, err, fail
from agent.errors import AgentError

if TYPE_CHECKING:
    pass


def _interval(text: str) -> float:
    import re

    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smh]?)", text.strip())
    if not m:
        raise typer.BadParameter("use e.g. 30s, 15m or 1h")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


class PairedReports(typer.core.TyperCommand):
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
        fail("--report takes md or html and a file")
    return [(kind, Path(path)) for kind, path in zip(values[::2], values[1::2], strict=True)]


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
            fail(f"{option} {path}: the directory {path.parent} does not exist or cannot be written")
    try:
        inv = load_inventory(inventory)
        selected = inv.select(tags=tag, names=tunnel)
        targets = sweep_tunnels(inv, selected)
        history = History(db)
    except AgentError as exc:
        fail(str(exc))
        return
    except (OSError, ValueError) as exc:
        fail(f"cannot use the history database: {exc}")
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


def history_cmd(
    tunnel: str = typer.Argument(..., help="Tunnel name."),
    db: Path | None = typer.Option(None, "--db", help="History database."),
) -> None:
    """The tunnel's timeline across sweeps."""
    from agent.sweep.history import History

    entries = History(db).timeline(tunnel)
    if not entries:
        fail(f"no sweep has recorded tunnel {tunnel!r}", 2)
    table = Table(title=f"history of {tunnel}", box=None)
    for col in ("at", "status", "root cause", "summary"):
        table.add_column(col, overflow="fold")
    last = None
    for e in entries:
        mark = "" if last in (None, e.status) else " (changed)"
        table.add_row(e.at, e.status + mark, e.root_cause, e.summary)
        last = e.status
    console.print(table)
