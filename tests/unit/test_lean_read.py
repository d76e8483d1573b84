"""The lean driver's read loop (pure: a scripted channel, no SSH): a prompt split across
two reads is still found, a long output is read whole, and only the end is searched."""

from __future__ import annotations

import pytest

from agent.collector.driver import _Lean, prompt_pattern


class _Scripted(_Lean):
    def __init__(self, chunks: list[str]) -> None:
        self.chunks = list(chunks)
        self._read_buffer = ""
        self.read_timeout_override = None

    def read_channel(self) -> str:
        return self.chunks.pop(0) if self.chunks else ""

    def _wait(self, timeout: float) -> None:
        if not self.chunks:
            raise AssertionError("waited with nothing left to read")


@pytest.mark.parametrize("split", [1, 3, 7])
def test_a_prompt_split_across_reads_is_found(split: int) -> None:
    body = "".join(f"line {n} of a long output\n" for n in range(20_000))
    tail = "\nhq-asa# "
    conn = _Scripted([body[: len(body) // 2], body[len(body) // 2:] + tail[:split], tail[split:]])
    out = conn.read_until_pattern(prompt_pattern("hq-asa#"), read_timeout=5)
    assert out == body + tail and conn._read_buffer == ""


def test_what_follows_the_prompt_stays_in_the_buffer() -> None:
    conn = _Scripted(["output\nrtr#", " more"])
    assert conn.read_until_pattern(r"rtr#", read_timeout=5) == "output\nrtr#"
    assert conn._read_buffer == ""  # the second chunk was never read: the first already matched
    conn = _Scripted(["output\nrtr# more"])
    assert conn.read_until_pattern(r"rtr#", read_timeout=5) == "output\nrtr#" and conn._read_buffer == " more"
