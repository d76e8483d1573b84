"""Structured logging: one event per device interaction, JSON when not on a terminal.

The package configures nothing when imported; `configure` is called by the CLI (an
application embedding the package may call it, or configure structlog itself)."""

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


def _drop(*args: Any, **kwargs: Any) -> None:
    return None


class _Logger:
    """structlog's logger once the application has configured structlog (the CLI does, at
    its entry point); until then every event is dropped, as a library's stdlib logger with
    only a ``NullHandler`` would (structlog's own default prints everything to stdout).
    Decided at each call, so a logger taken at import follows a later configuration."""

    def __init__(self, name: str, context: dict[str, Any] | None = None) -> None:
        self._name = name
        self._context = context or {}

    def bind(self, **values: Any) -> _Logger:
        return _Logger(self._name, {**self._context, **values})

    def __getattr__(self, method: str) -> Any:
        if not structlog.is_configured():
            return _drop
        return getattr(structlog.get_logger(self._name).bind(**self._context), method)


def get(name: str = "ipsec-agent") -> Any:
    return _Logger(name)
