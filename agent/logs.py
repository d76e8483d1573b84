"""Structured logging: one event per device interaction, JSON when not on a terminal."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog


class _Stderr:
    """sys.stderr looked up at every write (test runners and daemons swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure(*, json: bool | None = None, level: str = "warning", stream: TextIO | None = None) -> None:
    """Configure structlog for the process.  ``json=None`` picks JSON unless ``stream``
    is a terminal.  Events go to ``stream`` (stderr by default), never stdout, so
    `--json` output stays one document."""
    stream = stream or _Stderr()  # type: ignore[assignment]
    assert stream is not None
    if json is None:
        json = not stream.isatty()
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper(), logging.WARNING)),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=False,
    )


def quiet() -> None:
    """Library default: warnings only, to stderr (never stdout, which may carry JSON)."""
    configure(level="warning")


def get(name: str = "ipsec-agent") -> Any:
    return structlog.get_logger(name)
