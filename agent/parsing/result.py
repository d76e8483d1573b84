"""What one parse of one command output gives: a status, the records, the raw text.

An empty ``records`` list never means "failed": a failure is ``UNPARSED``, ``NO_TEMPLATE``
or ``DEVICE_ERROR``, and ``EMPTY_OK`` is the device saying it has nothing to show."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from agent.platforms import ALIASES, Platform, platform_of

#: One parsed record: lower snake case field -> value (a list for TextFSM ``List`` values).
Record = dict[str, str | list[str]]


# One platform type for the whole program: the table and its aliases live in agent.platforms.
__all__ = ["PLATFORM_ALIASES", "ParseResult", "ParseStatus", "Platform", "Record", "platform_of"]

#: Accepted spellings of a platform (netmiko device types and common names).
PLATFORM_ALIASES: dict[str, Platform] = {name: Platform(canonical) for name, canonical in ALIASES.items()}


class ParseStatus(str, Enum):
    """How a parse went."""

    OK = "ok"  #: one record or more
    EMPTY_OK = "empty_ok"  #: a legitimate "nothing to show" (no SAs, headers only, blank)
    UNPARSED = "unparsed"  #: text was there but the template could not read it
    NO_TEMPLATE = "no_template"  #: no template for this platform and command
    DEVICE_ERROR = "device_error"  #: the device rejected the command (% Invalid input ...)


@dataclass(frozen=True)
class ParseResult:
    """One command output, parsed.

    ``records`` is non-empty exactly when ``status`` is OK. ``raw`` is the text as given,
    ``template`` the template file that read it (None for NO_TEMPLATE), ``error`` a
    human-readable reason for any status other than OK / EMPTY_OK."""

    platform: str
    command: str
    status: ParseStatus
    raw: str
    records: list[Record] = field(default_factory=list)
    template: str | None = None
    error: str | None = None
    skipped: tuple[str, ...] = ()  #: lines the template did not know, left out so the rest could be read
    truncated: bool = False  #: the output ends at a pager mark (--More--): what followed was not captured

    @property
    def ok(self) -> bool:
        """True when the output was read (records, or a legitimate empty answer)."""
        return self.status in (ParseStatus.OK, ParseStatus.EMPTY_OK)
