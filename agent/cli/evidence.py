"""`ipsec-agent collect` and `ipsec-agent import`: an evidence bundle from both peers read
live, or from terminal captures."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from agent.cli.common import collect_progress, console, err, fail, load_tunnel
from agent.errors import AgentError
from agent.targets import collector_kind

if TYPE_CHECKING:
    pass


def collect(
    tunnel: str = typer.Argument(..., help="The tunnel's name in the inventory."),
    inventory: Path = typer.Option(..., "--inventory", "-i", help="Inventory file."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write the evidence bundle into."),
    session_logs: bool = typer.Option(True, help="Keep redacted netmiko session logs in OUT/sessions/."),
) -> None:
    """Log into both peers of TUNNEL at once and write an evidence bundle."""
    from agent import logs
    from agent.collector import TunnelCollector, write_bundle

    tun, targets = load_tunnel(inventory, tunnel)
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "agent.log"
    with log_path.open("a", encoding="utf-8") as log_stream:
        logs.configure(json=True, level="info", stream=log_stream)
        with collect_progress([t.name for t in targets if t.connection]) as progress, TunnelCollector(
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
        draft = transcript_draft(files, peer, platform, host, ask=True)
    except AgentError as exc:
        fail(str(exc))
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
    report_import(draft)
    console.print(f"bundle written: {path}", highlight=False)


def transcript_draft(files: list[str], peer: list[str], platform: list[str], host: str | None, *,
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
    _ask_open_questions(draft, ask and sys.stdin.isatty() and "-" not in files)
    return draft


def _ask_open_questions(draft: Any, interactive: bool) -> None:
    """At a terminal, ask what the captures do not show; otherwise a platform not shown
    is an error (an endpoint stays unknown)."""
    from agent.collector.transcript import TranscriptError

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


def report_import(draft: Any) -> None:
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
