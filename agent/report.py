"""A diagnosis as an engineer reads it: rich on a terminal, plain text otherwise."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agent.engine.model import Change, Diagnosis, Finding, Status

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
    if f.change is not None:
        parts += _change_lines(f.change)
    elif f.fix:
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


def _change_lines(change: Change) -> list[Text]:
    """The change per device, each option with its lines and rollback (favoured first)."""
    parts = [Text("  change (computed from both configurations; the agent applies none of it):", style="bold")]
    for i, option in enumerate(change.options, 1):
        mark = " - favoured" if option.favoured else ""
        parts.append(Text(f"   option {i}{mark}: {option.label}", style="bold green" if option.favoured else "bold"))
        if option.why:
            parts.append(Text(f"     why: {option.why}", style="dim"))
        if option.warning:
            parts.append(Text(f"     warning: {option.warning}", style="yellow"))
        for dev in option.changes:
            parts.append(Text(f"     {dev.device} ({dev.platform}), {dev.mode}:", style="cyan"))
            parts += [Text(f"       {line}") for line in dev.lines]
            if dev.rollback:
                parts.append(Text("     rollback:", style="dim"))
                parts += [Text(f"       {line}", style="dim") for line in dev.rollback]
    parts += [Text(f"   note: {n}", style="dim") for n in change.notes]
    return parts


def snippets(diag: Diagnosis) -> dict[str, str]:
    """One configuration snippet per device for the root cause's first option (the
    favoured one when the evidence favours one), and one with its rollback: file name ->
    text, ready to paste after ``configure terminal``."""
    change = diag.root_cause.change
    if change is None:
        return {}
    option = change.options[0]
    out: dict[str, str] = {}
    for dev in option.changes:
        head = [f"! {diag.tunnel}: {diag.root_cause.code} - {option.label}", f"! device {dev.device} ({dev.platform})"]
        if option.warning:
            head.append(f"! warning: {option.warning}")
        for kind, lines in (("", dev.lines), ("rollback", dev.rollback)):
            if not lines:
                continue
            name = f"{dev.device}{'.' + kind if kind else ''}.cfg"
            title = ["! rollback of the change above"] if kind else []
            out[name] = "\n".join([*head, *title, dev.mode, *lines, "end", ""])
    return out


def render(diag: Diagnosis, console: Console, show_steps: bool = True) -> None:
    title = Text(f"{diag.tunnel}: ")
    title.append(diag.status.value.upper(), style=STATUS_STYLE[diag.status])
    title.append(f" - root cause {diag.root_cause.code}")
    console.print(title)
    console.print(_table(None, ("peer", "platform", "reachable", "note"),
                         [(name, p.platform or "?", "yes" if p.reachable else "no", p.error or "")
                          for name, p in diag.peers.items()], fold=False))
    if diag.sides:
        names = list(diag.sides)
        keys = list(dict.fromkeys(k for row in diag.sides.values() for k in row))
        console.print(_table("the two peers, side by side", ("", *names),
                             [(k, *[diag.sides[n].get(k, "") for n in names]) for k in keys], fold_from=1))
    if show_steps:
        console.print(_table("what was checked", ("node", "check", "outcome", "detail"),
                             [(s.node, s.check, s.outcome, s.detail) for s in diag.steps]))
    console.print(Panel(_finding_block(diag.root_cause, True), title="root cause", expand=False))
    for f in diag.findings:
        if f is not diag.root_cause:
            console.print(Panel(_finding_block(f, False), title="also", expand=False, style="dim"))
    if diag.possible_causes:
        console.print(_table("possible causes (not checked: run the command to tell)", ("code", "why", "check with"),
                             [(c.code, c.why, c.check_with) for c in diag.possible_causes]))
    if diag.not_checked:
        console.print("not checked:", style="yellow")
        for note in diag.not_checked:
            console.print(f"  - {note}", style="yellow")


def _table(title: str | None, columns: tuple[str, ...], rows: list[tuple[str, ...]], fold: bool = True,
           fold_from: int = 0) -> Table:
    """A borderless table with a bold header; ``fold``: long cells wrap (from column ``fold_from``)."""
    table = Table(title=title, show_header=True, header_style="bold", box=None)
    for i, col in enumerate(columns):
        if fold and i >= fold_from:
            table.add_column(col, overflow="fold")
        else:
            table.add_column(col)
    for row in rows:
        table.add_row(*row)
    return table
