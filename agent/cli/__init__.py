"""The `ipsec-agent` command line: one module per command group (``lab``, ``evidence``:
collect and import, ``diagnose``: diagnose and clear, ``sweep``: sweep and history,
``playbooks``: playbooks and parse; ``agent.inventory_cmd``), registered here explicitly.
The only package that prints."""

from __future__ import annotations

import typer

from agent import inventory_cmd
from agent.cli import diagnose, evidence, lab, playbooks, sweep
from agent.cli.common import err

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Troubleshoot Cisco ASA / IOS IPsec tunnels.")
app.add_typer(lab.app, name="lab")
app.add_typer(inventory_cmd.app, name="inventory", help="Check an inventory file.")
app.add_typer(playbooks.app, name="playbooks")
# one line each in the command list (a docstring's own line breaks would show there as typed)
app.command("demo", short_help="A lab with a broken tunnel: diagnose it, fix it when confirmed, prove it up.")(lab.demo)
app.command("collect", short_help="Log into both peers of a tunnel at once and write an evidence bundle.")(evidence.collect)
app.command("sweep", cls=sweep.PairedReports,
            short_help="Check every selected tunnel read-only, each device once; record history.")(sweep.sweep_cmd)
app.command("history", short_help="A tunnel's timeline across sweeps.")(sweep.history_cmd)
app.command("clear", short_help="Clear a tunnel's SAs on both peers and verify; exit 0 only when up.")(diagnose.clear_cmd)
app.command("parse", short_help="Parse one saved output with the project's templates, as JSON.")(playbooks.parse_cmd)
app.command("diagnose", short_help="Diagnose a tunnel: live, from a bundle or from terminal captures.")(diagnose.diagnose_cmd)
app.command("import", short_help="Turn terminal captures into an evidence bundle.")(evidence.import_cmd)


@app.callback()
def _setup() -> None:
    """Device events go to stderr (JSON when not a terminal) unless a command sends them elsewhere."""
    from agent import logs

    logs.configure(level="warning")


def main() -> None:
    try:
        app()
    except OSError as exc:  # a path given on the command line that cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"error: {where}{exc.strerror or exc}", highlight=False, markup=False)
        raise SystemExit(2) from None


__all__ = ["app", "main"]
