"""What every command group shares: the consoles (the CLI is the only place that prints),
the error exit, progress lines, the inventory's tunnel, a diagnosis printed or written."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from agent.errors import AgentError

if TYPE_CHECKING:
    from agent.engine.model import Diagnosis


console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def progress_printer() -> Callable[[str, str], None]:
    """Plain lines, one per connection step (two peers interleave readably)."""
    lock = threading.Lock()

    def show(peer: str, text: str) -> None:
        if text.startswith("show ") or text.startswith("more "):
            return
        with lock:
            console.print(f"[{peer}] {text}", highlight=False, markup=False)

    return show


@contextlib.contextmanager
def collect_progress(peers: list[str]) -> Iterator[Callable[[str, str], None]]:
    """A rich progress display (one line per peer, the command it is running) on a
    terminal; plain lines otherwise."""
    if not console.is_terminal:
        yield progress_printer()
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


def load_tunnel(inventory: Path, tunnel: str) -> tuple[Any, list[Any]]:
    """The tunnel and its peers' targets, or a clear error (exit 2)."""
    from agent.inventory import load_inventory
    from agent.targets import peer_targets

    try:
        inv = load_inventory(inventory)
        tun = inv.tunnel(tunnel)
        return tun, peer_targets(inv, tun)
    except AgentError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits


def print_diagnosis(diag: Diagnosis, json_out: bool, extra: dict[str, Any] | None = None) -> None:
    import json

    from agent.report import render

    if json_out:
        sys.stdout.write(json.dumps({**diag.to_json(), **(extra or {})}, indent=2) + "\n")
    else:
        render(diag, console)


def write_fix(diag: Diagnosis, fix_out: Path | None, json_out: bool) -> None:
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
