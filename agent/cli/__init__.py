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
app.command("demo")(lab.demo)
app.command("collect")(evidence.collect)
app.command("sweep", cls=sweep.PairedReports)(sweep.sweep_cmd)
app.command("history")(sweep.history_cmd)
app.command("clear")(diagnose.clear_cmd)
app.command("parse")(playbooks.parse_cmd)
app.command("diagnose")(diagnose.diagnose_cmd)
app.command("import")(evidence.import_cmd)


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
