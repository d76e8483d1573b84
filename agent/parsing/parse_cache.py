"""A bounded cache of parse results, keyed by everything a parse depends on.

A live diagnosis parses the same outputs again and again: the facts are rebuilt after each
command the tree fetches lazily and after the re-reads around the probe, and the collector
parses each output as it arrives (while the next command's answer is on its way) so that
building the facts finds them parsed.  The key is (platform, command, run key, text): the
same text under the same command always parses the same, so a hit is exactly the result a
fresh parse would give.  Callers get their own copy of the records (they are dicts and
lists a builder could change)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from agent.parsing.result import ParseResult, Record

Key = tuple[str, str, bytes | None, str]

MAX_ENTRIES = 512
MAX_CHARS = 16 * 1024 * 1024  # the texts a full cache keeps alive


def _copy(records: list[Record]) -> list[Record]:
    return [{k: list(v) if isinstance(v, list) else v for k, v in r.items()} for r in records]


class ParseCache:
    """LRU by entries and by the size of the texts held; safe from several threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_chars: int = MAX_CHARS) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._items: OrderedDict[Key, ParseResult] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_parse(self, key: Key, parse: Callable[[], ParseResult]) -> ParseResult:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
        if found is None:
            found = parse()
            self._store(key, found)
            with self._lock:
                self.misses += 1
        return replace(found, records=_copy(found.records))

    def _store(self, key: Key, result: ParseResult) -> None:
        size = len(key[3])
        if size > self.max_chars:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = result
            self._chars += size
            while len(self._items) > self.max_entries or self._chars > self.max_chars:
                old, _ = self._items.popitem(last=False)
                self._chars -= len(old[3])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)


CACHE = ParseCache()
