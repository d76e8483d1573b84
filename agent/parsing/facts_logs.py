"""Log evidence: syslog buffers and debug streams -> ``LogLine``, each with when it
happened (on the buffer's own clock) and the peer it is about, so that the engine can
count a line for a tunnel only when it names that tunnel's peer and is recent (issue 18).

Debug output (seed 001, "IPsec Troubleshooting: Understanding and Using debug Commands")
wraps long messages onto continuation lines and names the peer once per exchange
("received packet from X", then many lines with no address): a continuation is joined to
its line, and a debug line that names no peer belongs to the exchange of the line before."""

from __future__ import annotations

import re

from agent.parsing.context import Context, Parsed
from agent.parsing.model import LogLine, Source
from agent.parsing.normalize import to_int, to_str

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DATE = re.compile(r"^[*.]?(?P<mon>[A-Za-z]{3})\s+(?P<day>\d{1,2})\s+(?:(?P<year>\d{4})\s+)?"
                   r"(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?)")
_TIME = re.compile(r"^[*.]?(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?)$")
_UPTIME = re.compile(r"^[*.]?(?:(?P<y>\d+)y)?(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?$")
_UNIT = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600}


def stamp_seconds(stamp: str) -> tuple[str, float] | None:
    """("date" | "time" | "uptime", seconds) for a log timestamp as printed, None when it
    has none or is not one we know. Seconds compare only within one kind (a date counts
    from the start of its year, printed or not)."""
    text = stamp.strip()
    if not text:
        return None
    m = _DATE.match(text)
    if m and m["mon"].lower() in _MONTHS:  # the year, when printed, is left out: one buffer, one year
        days = _MONTHS[m["mon"].lower()] * 31 + int(m["day"])
        return "date", days * 86400 + int(m["h"]) * 3600 + int(m["m"]) * 60 + float(m["s"])
    m = _TIME.match(text)
    if m:
        return "time", int(m["h"]) * 3600 + int(m["m"]) * 60 + float(m["s"])
    m = _UPTIME.match(text)
    if m and any(m.group(u) for u in _UNIT):
        return "uptime", float(sum(int(m.group(u) or 0) * n for u, n in _UNIT.items()))
    return None


_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
#: "... from X", "remote X", "peer at X", "IP = X", "srcaddr=X": the far end of the exchange
_PEER_WORDS = re.compile(rf"(?:\bremote(?:\s+peer)?|\bfrom|\bpeer(?:\s+at)?|\bIP\s*=|\bsrcaddr\s*=|\bsrc\s*=|\bwith)\s*({_IPV4})\b",
                         re.I)
#: an address that is a proxy identity (dest_proxy= A/M, local ident) rather than an IKE peer
_PROXY = re.compile(rf"(?:proxy\s*=\s*|ident\S*\s*\(?)({_IPV4})|({_IPV4})\s*/\s*\d{{1,3}}\.\d")
_ANY = re.compile(rf"(?<![\d.])({_IPV4})(?![\d.])")


def named_addresses(ctx: Context, text: str) -> tuple[tuple[str, ...], str]:
    """(every remote address the text names, the peer it is about: one named after a
    peer word - "from X", "remote X", "IP = X" - else ""). This device's own addresses,
    proxy identities and 0.0.0.0 are neither."""
    proxies = {a for pair in _PROXY.findall(text) for a in pair if a}
    own = {str(a) for a in ctx.local_addresses}
    names = tuple(dict.fromkeys(a for a in _ANY.findall(text)
                                if a not in proxies and a not in own and not a.startswith(("0.", "255."))))
    explicit = [a for a in _PEER_WORDS.findall(text) if a in names]
    return names, explicit[0] if explicit else ""


#: a syslog message; what stands before it is a stamp the template did not know (the cut
#: first line of a buffer that wrapped: "7:04: %LINEPROTO-5-UPDOWN: ...", a device-id)
_SYSLOG = re.compile(r"^(?:[^%]{0,60}?:\s*)?%(?P<fac>[A-Z][A-Z0-9_]*)-(?P<sev>\d?)-(?P<mnem>[A-Z0-9_]+)\s*:\s*(?P<msg>.*)$")
_ASA_DEBUG = re.compile(r"^\[(?P<tag>IKEv[12](?:\s+[A-Za-z]+)?)\]\s*:?\s*(?P<msg>.*)$")
_DEBUG = re.compile(r"^(?P<tag>[A-Za-z][A-Za-z0-9_-]*(?:\s*\([^)]*\))?)\s*[:;]\s*(?P<msg>.*)$")


def _continues(text: str) -> bool:
    """A wrapped debug / syslog line: it starts lower case or with "(" ("sanity check or
    is malformed", "peer at 198.51.100.1", "(port 3, trans 2, hmac_alg 2) not supported"),
    and is no message of its own (an ASA `logging device-id` line starts with its host)."""
    return bool(text) and (text[0].islower() or text[0] == "(") and not _SYSLOG.match(text)


_BUFFER_START = re.compile(r"^Log Buffer \(\d+ bytes\):?$")


def logs_lines(ctx: Context, parsed: Parsed) -> list[LogLine]:
    """`debug crypto ...` / `terminal monitor` captures and the `show logging` buffer
    (cisco_log_lines.textfsm); the buffer's header (logging settings: up to IOS's "Log
    Buffer (N bytes):", or to the ASA's first message) is not a log line."""
    records = parsed.records()
    start = next((i + 1 for i, (_, r) in enumerate(records) if _BUFFER_START.match(to_str(r.get("text")))), 0)
    if not start and parsed.command.lower().startswith(("sh", "more")):  # a buffer's settings header
        start = next((i for i, (_, r) in enumerate(records)
                      if r.get("timestamp") or _SYSLOG.match(to_str(r.get("text")))), len(records))
    joined: list[tuple[int, str, str]] = []  # (record index, timestamp, text)
    for index, r in records[start:]:
        text, stamp = to_str(r.get("text")), to_str(r.get("timestamp"))
        if joined and not stamp and _continues(text):
            i, s, before = joined[-1]
            joined[-1] = (i, s, f"{before} {text}")
        elif text or stamp:
            joined.append((index, stamp, text))
    out: list[LogLine] = []
    context = ""  # the peer of the debug exchange under way
    for index, stamp, text in joined:
        names, peer = named_addresses(ctx, text)
        when = stamp_seconds(stamp)
        at, clock = (when[1], when[0]) if when else (None, "")
        m = _SYSLOG.match(text)
        if m:
            out.append(LogLine(m["fac"], to_int(m["sev"]), m["mnem"], m["msg"], stamp, Source(parsed.command, index),
                               names, peer, at, clock))
            continue
        m = _ASA_DEBUG.match(text) or _DEBUG.match(text)
        tag, message = (re.sub(r"\s*\(.*", "", m["tag"]), m["msg"]) if m else ("", text)
        context = peer or context
        out.append(LogLine("", None, tag, message, stamp, Source(parsed.command, index), names, context, at, clock,
                           debug=True))
    return out


__all__ = ["logs_lines", "named_addresses", "stamp_seconds"]
