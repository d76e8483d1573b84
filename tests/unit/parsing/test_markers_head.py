"""``device_error`` reads only the head of a large output, with the same answer as reading
every line: the first three non-blank lines decide, wherever they end."""

from __future__ import annotations

import pytest

from agent.parsing.markers import device_error
from agent.parsing.result import Platform

ERR = "       ^\nERROR: % Invalid input detected at '^' marker.\n"


@pytest.mark.parametrize("text, refused", [
    (ERR, True),
    ("\n" * 6000 + ERR, True),  # blank lines past the head: the full text decides
    (" \r\n" * 3000 + ERR + "x" * 5000, True),
    ("x" * 4095 + "\r\n" + ERR, True),  # a first line that ends at the head boundary; the error third
    ("a\nb\nc\n" + ERR, False),  # not among the first three lines
    ("a\n" + ERR + "y" * 10000, True),
    ("y" * 10000 + "\n" + ERR, True),
])
def test_head_only_answer_is_the_full_answer(text: str, refused: bool) -> None:
    assert (device_error(Platform.ASA, text) is not None) is refused
