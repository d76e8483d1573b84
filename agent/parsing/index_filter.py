"""Load a TextFSM ``CliTable`` index with only the rows that can match our platforms.

ntc-templates' index has a thousand rows for every vendor; ``clitable`` parses each, expands
its `sh[[ow]]` abbreviations and compiles a regex per field, about 0.3 s per process, of
which 180 rows can ever match `cisco_asa` or `cisco_ios`.  A row whose Platform field
cannot match any of the platforms asked for can never be the first match of a lookup for
them, and the rows kept stay in their order: every lookup finds the same row (same
template) as in the whole index.  An index whose header is not ntc's
`Template, Hostname, Platform, Command` is loaded whole."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from textfsm import clitable

HEADER = ["Template", "Hostname", "Platform", "Command"]


def filtered_rows(text: str, platforms: Iterable[str]) -> str | None:
    """The index text without the rows no platform can match (None: not ntc's layout)."""
    wanted = list(platforms)
    out = []
    header_seen = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            out.append(line)
            continue
        fields = [f.strip() for f in line.split(",", 3)]
        if not header_seen:
            if fields != HEADER:
                return None
            header_seen = True
            out.append(line)
            continue
        if len(fields) < 4:
            return None
        platform = fields[2]
        try:
            keep = not platform or any(re.match(platform, p) for p in wanted)
        except re.error:
            keep = True  # clitable will say what is wrong with it
        if keep:
            out.append(line)
    return "\n".join(out) + "\n" if header_seen else None


def load_index(directory: Path, platforms: Iterable[str]) -> clitable.CliTable:
    """``clitable.CliTable("index", directory)``, reading only the rows ``platforms`` can match."""
    path = directory / "index"
    text = filtered_rows(path.read_text(encoding="utf-8"), platforms)
    if text is None:
        return clitable.CliTable("index", str(directory))
    fd, tmp = tempfile.mkstemp(prefix="ipsec-agent-index-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return clitable.CliTable(tmp, str(directory))  # an absolute index path: read as is
    finally:
        os.unlink(tmp)
