"""Parse while waiting: a one-thread worker that parses each output as the collector
receives it, so the parse overlaps the device's answer to the next command, and compiles
the templates a collection will need while the logins are still in progress.

Results land in ``parse_cache.CACHE``; building the facts afterwards finds them there (the
same results a parse at that point would give).  Nothing here changes what is parsed or
how: it only moves when."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from agent import logs
from agent.parsing.facts import will_parse
from agent.parsing.templates import parse, warm


class ParseAhead:
    """Use as a context manager; ``wait()`` returns once everything submitted is parsed."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse-ahead")
        self._futures: list[Future[object]] = []

    def __enter__(self) -> ParseAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def warm(self, platform: str, commands: list[str]) -> None:
        self._futures.append(self._pool.submit(warm, platform, commands))

    def output(self, platform: str, command: str, text: str) -> None:
        """An output just collected (redacted, as the facts builder will see it).  Never
        raises into the collector: whatever fails here, the facts builder meets again."""
        try:
            wanted = will_parse(platform, command)
        except Exception:  # noqa: BLE001 - e.g. a missing template index, reported by the builder
            return
        if wanted:
            self._futures.append(self._pool.submit(parse, platform, command, text))

    def wait(self) -> None:
        futures, self._futures = self._futures, []
        for future in futures:
            try:
                future.result()
            except Exception as exc:  # noqa: BLE001 - the facts builder parses again and says what failed
                logs.get().warning("parse_ahead", outcome=type(exc).__name__)
