"""`ipsec-agent playbooks ...` (the decision trees) and `ipsec-agent parse` (one saved output)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from agent.cli.common import console, err, fail
from agent.errors import AgentError

if TYPE_CHECKING:
    pass


app = typer.Typer(no_args_is_help=True, help="The decision trees in playbooks/.")


@app.command("lint")
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
        fail(str(exc))
        return
    problems = lint(lib, outcomes(), refs)
    for problem in problems:
        err.print(str(problem), highlight=False, markup=False)
    codes = conclusions(lib)
    console.print(f"{len(lib.playbooks)} playbook(s), {sum(len(p.nodes) for p in lib.playbooks.values())} nodes, "
                  f"{len(codes)} root causes reachable: {', '.join(sorted(codes))}")
    raise typer.Exit(1 if problems else 0)


@app.command("graph")
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
            fail(f"unknown playbook {n!r}; known: {', '.join(lib.playbooks)}")
        try:
            console.print(graph(lib.playbooks[n], fmt), markup=False, highlight=False, soft_wrap=True)
        except AgentError as exc:
            fail(str(exc))


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
