"""Terminal captures in: split a pasted session into its devices' commands and outputs.

A capture is cut at its prompts (``host#``, ``host>``, ``host(config)#``,
``host(config-if)#``, ASA ``host/context#`` and ``host/pri/act#``), each followed by the
command as echoed.  A file may hold one device or several (one hostname each).  What is
not a command's output is kept apart, never mixed into one:

* syslog and debug lines with no command of their own (``terminal monitor``, a bare
  prompt, a copied log buffer; one interleaved in an output) are the device's log
  evidence;
* pager marks (``<--- More --->``, ``--More--``) and cut blocks (``...``, ``<snip>``) are
  removed and reported as truncation;
* prose the author wrote around the outputs (Markdown headings, notes outside code fences,
  ``! comment`` lines, text in another script) is left out and counted.

``split`` only cuts; ``agent.collector.transcript_import`` turns the result into a bundle."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.errors import UsageError


class TranscriptError(UsageError):
    """A transcript that cannot be used (unreadable, no prompt in it)."""


#: A prompt at the start of a line and the command echoed after it.
PROMPT = re.compile(
    r"^(?P<host>[A-Za-z][\w.-]{0,62}?)(?P<context>(?:/[\w.-]+){1,2})?(?P<mode>\((?:config[\w-]*)\))?"
    r"(?P<level>[#>])(?:[ \t]*(?P<command>[A-Za-z].*?))?\s*$")
#: A prompt inside prose ("**F2 hub - RT01# show dmvpn**"): accepted only before a command verb.
PROSE_PROMPT = re.compile(
    r"(?:^|\s)(?P<host>[A-Za-z][\w.-]{0,62}?)(?P<context>(?:/[\w.-]+){1,2})?(?P<level>#)\s*"
    r"(?P<command>(?:sh|show|more|debug|undebug|ping|clear|terminal|term)\b.*?)\s*$", re.I)
#: Markdown around a line: emphasis, inline code, a list or quote marker.
_MARKUP = re.compile(r"^\s*(?:[>*-]\s+)?[*_`]+|[*_`]+\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
#: Pager marks (ASA, IOS); a line holding one was cut by the pager.
PAGER = re.compile(r"<-+\s*More\s*-+>|-+\s*More\s*-+|\x08+")
#: A block the author cut out.
CUT = re.compile(r"^\s*(\.\.\.|…|\[\s*\.\.\.\s*\]|<\s*snip\s*>|\(?output (omitted|truncated|cut)\)?\.?)\s*$", re.I)
#: A syslog message (IOS %FAC-SEV-MNEMONIC, ASA %ASA-SEV-NNNNNN), with or without a timestamp.
SYSLOG = re.compile(r"^\s*(?:[*.]?\w{3}\s+\d+\s+(?:\d{4}\s+)?[\d:.]+(?:\s+\w+)?:\s+)?(?:\S+:\s+)?%(?:ASA|FTD|PIX)?-?"
                    r"[A-Z][A-Z0-9_]*-\d-[A-Z0-9_]+:")
#: A debug line (IOS and ASA crypto debugs).
DEBUG = re.compile(r"^\s*(?:[*.]?\w{3}\s+\d+\s+[\d:.]+:\s+)?(?:ISAKMP(?:-PAK|-ERROR)?\s*[:(]|IPSEC\s*[:(]|IKEv[12]-[A-Z]+|"
                   r"IKEV2[:-]|CRYPTO_[A-Z_]+\s*:|Group\s*=\s*\S+,\s*IP\s*=)")
#: An author's note in IOS comment style ("! no debug shown -> checking routing").
COMMENT = re.compile(r"^\s*!\s+\S")
#: Commands whose echo is not evidence (what a debug then prints is log evidence).
_NOT_SHOWING = ("deb", "undeb", "no deb", "term", "conf", "clear", "clea", "end", "exit", "wr", "copy")
#: A book's callout number at the end of a line: "(#2)".
CALLOUT = re.compile(r"\s*\(#\d+\)\s*$")


@dataclass
class Block:
    """One command and what followed it, up to the next prompt."""

    host: str
    command: str  # as typed; "" for a bare prompt (what follows is unsolicited)
    line: int  # 1-based line of the prompt
    source: str
    level: str = "#"  # '#' privileged, '>' user
    context: str = ""  # ASA multiple context or failover "/pri/act"
    mode: str = ""  # "(config)", "(config-if)"...
    output: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)  # syslog / debug lines met in or after it
    truncated: list[str] = field(default_factory=list)

    @property
    def configuring(self) -> bool:
        return bool(self.mode)


@dataclass
class Capture:
    """One file cut at its prompts."""

    source: str
    blocks: list[Block] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)  # log lines before any prompt
    prose: list[str] = field(default_factory=list)  # text left out of every output
    hosts: list[str] = field(default_factory=list)  # in order of appearance


def _unmarked(line: str) -> str:
    return _MARKUP.sub("", line).rstrip()


def match_prompt(line: str) -> re.Match[str] | None:
    """The prompt at the start of ``line`` (after Markdown markup), or one inside prose
    before a command verb."""
    bare = _unmarked(line).strip()
    return PROMPT.match(bare) or PROSE_PROMPT.search(bare)


def is_log(line: str) -> bool:
    return bool(SYSLOG.match(line) or DEBUG.match(line))


def _is_prose(line: str) -> bool:
    """Text no Cisco device prints: another script, a Markdown heading."""
    return any(ord(c) > 0x2FF for c in line) or line.lstrip().startswith("#" * 2 + " ")


def split(text: str, source: str = "<stdin>", host: str | None = None) -> Capture:
    """Cut ``text`` at its prompts.  ``host``: the device a file without any prompt
    belongs to (a pasted log); without it such a file is a ``TranscriptError``."""
    cap = Capture(source)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fenced = any(FENCE.match(ln) for ln in lines)
    in_fence = False
    current: Block | None = None
    indent = 0
    for number, raw in enumerate(lines, 1):
        if FENCE.match(raw):
            in_fence = not in_fence
            if not in_fence and current is not None and current.command:
                current = Block(current.host, "", number, source, current.level, current.context)
                cap.blocks.append(current)  # the output ended with its code block
            continue
        m = match_prompt(raw)
        if m is not None and not (current is None and m.group("level") == ">" and not m.group("command")):
            name = m.group("host")
            if name not in cap.hosts:
                cap.hosts.append(name)
            current = Block(name, (m.group("command") or "").strip(), number, source, m.group("level"),
                            m.group("context") or "", m.groupdict().get("mode") or "")
            cap.blocks.append(current)
            indent = len(raw) - len(raw.lstrip())
            continue
        line = raw[indent:] if raw[:indent].strip() == "" else raw.lstrip()
        if fenced and not in_fence:
            if line.strip():
                cap.prose.append(line)
            continue
        _take(cap, current, line, number)
    if not cap.blocks:
        if host is None or not (cap.orphans or any(is_log(p) for p in cap.prose)):
            raise TranscriptError(f"{source}: no prompt found (expected lines such as 'R1#show crypto isakmp sa'); "
                                  "a pasted log needs --host NAME")
        logs = cap.orphans + [p for p in cap.prose if is_log(p)]
        cap.prose = [p for p in cap.prose if not is_log(p)]
        cap.hosts.append(host)
        cap.blocks.append(Block(host, "", 0, source, logs=[CALLOUT.sub("", ln) for ln in logs]))
        cap.orphans = []
    return cap


def _take(cap: Capture, block: Block | None, line: str, number: int) -> None:
    """One line after a prompt (or before any): output, log, truncation or prose."""
    if not line.strip():
        if block is not None and block.output:
            block.output.append("")
        return
    if block is None:
        (cap.orphans if is_log(line) else cap.prose).append(line)
        return
    if CUT.match(line) and not block.command.lower().startswith("ping"):
        block.truncated.append(f"line {number}: a block was cut out ({line.strip()})")
        return
    if PAGER.search(line):
        block.truncated.append(f"line {number}: pager mark (the capture may miss lines)")
        line = PAGER.sub("", line)
        if not line.strip():
            return
    logging_cmd = block.command.lower().startswith(("sh log", "show log"))
    if is_log(line) and not logging_cmd:
        block.logs.append(CALLOUT.sub("", line).strip())
        return
    if not block.command or block.configuring or block.command.lower().startswith(_NOT_SHOWING):
        cap.prose.append(line)  # neither a command's output nor a log line
        return
    if COMMENT.match(line) or _is_prose(line):
        cap.prose.append(line)
        return
    block.output.append(line)
