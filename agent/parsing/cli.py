"""`ipsec-agent parse --platform P --command C FILE`: parse one saved output, print JSON.

``parse_command`` does the work and returns ``(exit_code, text)``; the CLI prints it.
Exit codes: 0 parsed (records, or a legitimate empty answer: "[]"), 1 the output could
not be read (UNPARSED / DEVICE_ERROR), 2 no template for this platform and command,
3 the file cannot be read."""

from __future__ import annotations

import json
from pathlib import Path

from agent.parsing.forms import resolve
from agent.parsing.result import ParseStatus
from agent.parsing.templates import parse
from agent.redact import Redactor

EXIT = {
    ParseStatus.OK: 0,
    ParseStatus.EMPTY_OK: 0,
    ParseStatus.UNPARSED: 1,
    ParseStatus.DEVICE_ERROR: 1,
    ParseStatus.NO_TEMPLATE: 2,
}
EXIT_UNREADABLE = 3


def parse_command(platform: str, command: str, file: str | Path) -> tuple[int, str]:
    """Parse the output saved in ``file`` as ``command`` on ``platform``.

    Returns the exit code and either the JSON list of records (lower snake case keys;
    pre-shared keys redacted) or a one-line message saying what went wrong."""
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return EXIT_UNREADABLE, f"cannot read {path}: {exc.strerror or exc}"
    # read by what it shows (`sh cry isa sa`, `show ipsec sa`): the same resolution as a bundle's
    result = parse(platform, resolve(platform, command).reads[0], Redactor().redact(text))  # a pasted output enters here
    code = EXIT[result.status]
    if result.ok:
        return code, json.dumps(result.records, indent=2, sort_keys=True)
    where = f" (template {result.template})" if result.template else ""
    return code, f"{result.status.value}: {result.error or 'no record'}{where}"
