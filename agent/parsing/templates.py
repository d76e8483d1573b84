"""Template lookup and parsing: the project's own TextFSM templates first, then ntc-templates.

Two ``textfsm.clitable`` indexes are consulted in order: ``textfsm_templates/index`` (this
project's templates, for what ntc-templates lacks or reads wrongly) and ntc-templates'
own index. Both use ntc's conventions (``Template, Hostname, Platform, Command``;
``sh[[ow]]`` abbreviations). Each template file is compiled once per process; a parse
resets the compiled state machine under a per-template lock, so parsing is cheap and safe
from several threads (the collector reads both peers at once).

``parse(platform, command, text)`` never raises for bad input: every outcome is a
``ParseResult`` status, and an empty record list never stands for a failure."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import textfsm
from textfsm import clitable

from agent.parsing import markers
from agent.parsing.fastfsm import machine_class
from agent.parsing.index_filter import load_index
from agent.parsing.parse_cache import CACHE
from agent.parsing.result import ParseResult, ParseStatus, Platform, Record, platform_of
from agent.parsing.secrets import redact
from agent.resources import data_dir

#: The project's template directory: textfsm_templates/ in a checkout, the copy shipped as
#: agent.textfsm_templates when installed, or wherever IPSEC_AGENT_TEMPLATES points.
OWN_TEMPLATES = Path(os.environ.get("IPSEC_AGENT_TEMPLATES") or data_dir("textfsm_templates"))
_PIPE = re.compile(r"\s*\|.*$")


def ntc_templates_dir() -> Path:
    """ntc-templates' template directory (the installed package's ``templates``)."""
    import ntc_templates

    return Path(os.path.dirname(ntc_templates.__file__)) / "templates"


@dataclass(frozen=True)
class _Index:
    """One CliTable index: where its templates live and the table that matches commands."""

    name: str
    directory: Path
    table: clitable.CliTable


@dataclass
class _Compiled:
    """A template compiled once, with the lock that serialises its use."""

    fsm: textfsm.TextFSM
    header: list[str]
    lock: threading.Lock


@cache
def _indexes() -> tuple[_Index, ...]:
    """Both indexes, the project's first. A missing index is an installation error, not
    something to degrade around silently (ntc alone would read several commands wrongly)."""
    found = []
    for name, directory in (("own", OWN_TEMPLATES), ("ntc", ntc_templates_dir())):
        if not (directory / "index").exists():
            raise FileNotFoundError(f"{name} TextFSM index not found in {directory} (set IPSEC_AGENT_TEMPLATES)")
        found.append(_Index(name, directory, load_index(directory, [p.value for p in Platform])))
    return tuple(found)


_COMPILED: dict[Path, _Compiled] = {}
_COMPILE_LOCK = threading.Lock()


def _compiled(path: Path) -> _Compiled:
    entry = _COMPILED.get(path)
    if entry is None:
        with _COMPILE_LOCK:
            entry = _COMPILED.get(path)
            if entry is None:
                with path.open(encoding="utf-8") as handle:
                    fsm = machine_class()(handle)
                entry = _COMPILED[path] = _Compiled(fsm, [h.lower() for h in fsm.header], threading.Lock())
    return entry


def normalise_command(command: str) -> str:
    """The command as the indexes match it: single spaces, no surrounding blanks."""
    return " ".join(command.split())


@cache
def find_template(platform: Platform, command: str) -> Path | None:
    """The template file for ``command`` on ``platform``: own index first, then ntc's.
    An output filter (``| include ...``) is kept for the match: the index rows decide
    whether a filtered command still maps to the command's template."""
    attributes = {"Command": normalise_command(command), "Platform": platform.value}
    for index in _indexes():
        row = index.table.index.GetRowMatch(attributes)
        if row:
            # ntc lists several templates for a few commands; the first is the main one.
            template = index.table.index.index[row]["Template"].split(":")[0]
            return index.directory / template
    if _PIPE.search(command):
        return find_template(platform, _PIPE.sub("", command))
    return None


def template_for(platform: str | Platform, command: str) -> str | None:
    """The template file name used for ``command`` on ``platform`` (None: no template)."""
    plat = platform_of(platform)
    path = find_template(plat, command) if plat else None
    return path.name if path else None


def _text(raw: str) -> str:
    """The output as TextFSM should see it: LF line endings, tabs kept, pager marks out."""
    return _PAGER.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))


#: IOS " --More-- " and ASA "<--- More --->" pager marks, with the backspaces and blanks a
#: terminal log keeps after them
_PAGER = re.compile(r"^[ \t]*(?:--More--|<--- More --->)[ \t\x08]*\n?", re.M)
#: how many unknown lines a template may skip before the output counts as unreadable
MAX_SKIPPED = 20
_INPUT_LINE = re.compile(r"Input Line: (.*)\.$", re.S)


def _ends_paged(raw: str) -> bool:
    lines = [ln for ln in raw.replace("\r", "\n").splitlines() if ln.strip()]
    return bool(lines) and bool(_PAGER.match(lines[-1] + "\n"))


def _run_skipping(path: Path, text: str) -> tuple[list[Record], tuple[str, ...]]:
    """``_run``, leaving out each line the template refuses (its Error rule), one at a
    time: one unknown line costs that line, not the output (issue 18, rule 10)."""
    skipped: list[str] = []
    lines = text.split("\n")
    while True:
        try:
            return _run(path, "\n".join(lines)), tuple(skipped)
        except (textfsm.TextFSMError, textfsm.parser.TextFSMError) as exc:
            m = _INPUT_LINE.search(str(exc))
            bad = m.group(1) if m else None
            if bad is None or len(skipped) >= MAX_SKIPPED or bad not in lines:
                raise
            lines.remove(bad)
            skipped.append(bad)


def _run(path: Path, text: str) -> list[Record]:
    entry = _compiled(path)
    with entry.lock:
        entry.fsm.Reset()
        rows = entry.fsm.ParseText(text)
    return [dict(zip(entry.header, row, strict=True)) for row in rows]


def _redact(template: str, records: list[Record], run_key: bytes | None) -> None:
    for name in markers.SECRET_FIELDS.get(template, ()):
        for record in records:
            value = record.get(name)
            if isinstance(value, str):
                record[name] = redact(value, run_key)


def parse(platform: str | Platform, command: str, text: str, *, run_key: bytes | None = None,
          cache: bool = True) -> ParseResult:
    """Parse one command output (a result already computed for the same platform, command,
    run key and text comes from ``parse_cache.CACHE``: the same result; ``cache=False``
    for outputs parsed once only, as a sweep's, which need no copy kept).

    ``run_key``: when given, pre-shared keys in the records become HMAC fingerprints under
    it; otherwise they become ``<redacted>`` (a masked key stays masked)."""
    plat = platform_of(platform)
    if plat is None or not cache:
        return parse_uncached(platform, command, text, run_key=run_key)
    return CACHE.get_or_parse((plat.value, command, run_key, text),
                              lambda: parse_uncached(plat, command, text, run_key=run_key))


def warm(platform: str | Platform, commands: list[str]) -> None:
    """Load the indexes and compile the templates ``commands`` need (a collector does it
    while it waits for the logins, so the first parse does not)."""
    plat = platform_of(platform)
    if plat is None:
        return
    for command in commands:
        path = find_template(plat, command)
        if path is not None:
            _compiled(path)


def parse_uncached(platform: str | Platform, command: str, text: str, *, run_key: bytes | None = None) -> ParseResult:
    """``parse`` without the cache."""
    plat = platform_of(platform)
    name = plat.value if plat else str(platform)
    if plat is None:
        return ParseResult(name, command, ParseStatus.NO_TEMPLATE, text, error=f"unknown platform {platform!r}")
    error = markers.device_error(plat, text)
    path = find_template(plat, command)
    template = path.name if path else None
    if error is not None:
        return ParseResult(name, command, ParseStatus.DEVICE_ERROR, text, template=template, error=error)
    if path is None or template is None:
        return ParseResult(name, command, ParseStatus.NO_TEMPLATE, text, error=f"no template for {name} {command!r}")
    if not text.strip():
        if markers.is_legitimately_empty(template, text):
            return ParseResult(name, command, ParseStatus.EMPTY_OK, text, template=template)
        return ParseResult(name, command, ParseStatus.UNPARSED, text, template=template, error="empty output")
    paged = _ends_paged(text)
    try:
        records, skipped = _run_skipping(path, _text(text))
    except (textfsm.TextFSMError, textfsm.parser.TextFSMError) as exc:
        # some stock templates raise on a "nothing to show" answer (ASA vpn-sessiondb)
        if markers.is_legitimately_empty(template, _text(text), normalise_command(command)):
            return ParseResult(name, command, ParseStatus.EMPTY_OK, text, template=template)
        return ParseResult(name, command, ParseStatus.UNPARSED, text, template=template, error=str(exc))
    if records:
        _redact(template, records, run_key)
        return ParseResult(name, command, ParseStatus.OK, text, records, template, skipped=skipped, truncated=paged)
    if markers.is_legitimately_empty(template, _text(text), normalise_command(command)):
        return ParseResult(name, command, ParseStatus.EMPTY_OK, text, template=template)
    return ParseResult(
        name, command, ParseStatus.UNPARSED, text, template=template, error="the template read no record from this output"
    )
