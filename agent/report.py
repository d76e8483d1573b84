"""A diagnosis as an engineer reads it: rich on a terminal, plain text otherwise."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agent.engine.model import Diagnosis, Finding, Status

STATUS_STYLE = {Status.UP: "bold green", Status.DOWN: "bold red", Status.DEGRADED: "bold yellow", Status.UNKNOWN: "bold magenta"}


def _finding_block(f: Finding, primary: bool) -> Group:
    head = Text(f"{f.code}", style="bold red" if primary and f.severity.value == "critical" else "bold")
    head.append(f"  ({f.severity.value}, confidence {f.confidence:.2f})", style="dim")
    parts: list[object] = [head, Text(f.summary)]
    for ev in f.evidence:
        parts.append(Text(f"  {ev.peer}# {ev.command}", style="cyan"))
        parts += [Text(f"    {line}") for line in ev.excerpt.splitlines()]
    for a in f.against:
        parts.append(Text(f"  against: {a}", style="dim"))
    if f.fix:
        parts.append(Text("  fix:", style="bold"))
        for platform, cmds in f.fix.items():
            parts.append(Text(f"    {platform}:", style="dim"))
            parts += [Text(f"      {c}") for c in cmds]
    if f.warning:
        parts.append(Text(f"  warning: {f.warning}", style="yellow"))
    if f.remediation:
        parts.append(Text(f"  the agent can: {f.remediation}", style="green"))
    if f.reference and not f.sources:
        parts.append(Text(f"  reference: {f.reference}", style="dim"))
    for source in f.sources:
        parts.append(Text(f"  reference: {source}", style="dim"))
        if source.url:
            parts.append(Text(f"    {source.url}", style=f"dim link {source.url}"))
    return Group(*parts)  # type: ignore[arg-type]


def render(diag: Diagnosis, console: Console, show_steps: bool = True) -> None:
    title = Text(f"{diag.tunnel}: ")
    title.append(diag.status.value.upper(), style=STATUS_STYLE[diag.status])
    title.append(f" - root cause {diag.root_cause.code}")
    console.print(title)
    peers = Table(show_header=True, header_style="bold", box=None)
    for col in ("peer", "platform", "reachable", "note"):
        peers.add_column(col)
    for name, p in diag.peers.items():
        peers.add_row(name, p.platform or "?", "yes" if p.reachable else "no", p.error or "")
    console.print(peers)
    if diag.sides:
        sides = Table(title="the two peers, side by side", show_header=True, header_style="bold", box=None)
        names = list(diag.sides)
        sides.add_column("")
        for n in names:
            sides.add_column(n, overflow="fold")
        keys = list(dict.fromkeys(k for row in diag.sides.values() for k in row))
        for k in keys:
            sides.add_row(k, *[diag.sides[n].get(k, "") for n in names])
        console.print(sides)
    if show_steps:
        steps = Table(title="what was checked", show_header=True, header_style="bold", box=None)
        for col in ("node", "check", "outcome", "detail"):
            steps.add_column(col, overflow="fold")
        for s in diag.steps:
            steps.add_row(s.node, s.check, s.outcome, s.detail)
        console.print(steps)
    console.print(Panel(_finding_block(diag.root_cause, True), title="root cause", expand=False))
    others = [f for f in diag.findings if f is not diag.root_cause]
    for f in others:
        console.print(Panel(_finding_block(f, False), title="also", expand=False, style="dim"))
    if diag.not_checked:
        console.print("not checked: " + "; ".join(diag.not_checked), style="yellow")
