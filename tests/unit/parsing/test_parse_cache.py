"""The parse cache: a hit is exactly what an uncached parse gives, over the whole corpus;
callers cannot change a cached result through the records they got; keys keep platform,
command, run key and text apart; the cache stays within its bounds."""

from __future__ import annotations

import pytest

from agent.parsing.parse_cache import CACHE, ParseCache
from agent.parsing.result import ParseResult, ParseStatus
from agent.parsing.templates import parse, parse_uncached
from tests.unit.parsing.conftest import corpus_items

ASA_SA = """IKEv1 SAs:

   Active SA: 1
    Rekey SA: 0 (A tunnel will report 1 Active and 1 Rekey SA during rekey)
Total IKE SA: 1

1   IKE Peer: 198.51.100.2
    Type    : L2L             Role    : initiator
    Rekey   : no              State   : MM_ACTIVE
"""


@pytest.mark.usefixtures("corpus_present")
def test_cached_parse_equals_uncached_over_the_corpus() -> None:
    CACHE.clear()
    items = corpus_items()
    for item in items:
        fresh = parse_uncached(item.platform, item.command, item.raw)
        first = parse(item.platform, item.command, item.raw)
        again = parse(item.platform, item.command, item.raw)
        assert first == fresh and again == fresh, item.path
    assert CACHE.hits >= len(items) - len(CACHE)  # the second parse of each came from the cache


def test_records_handed_out_are_copies() -> None:
    CACHE.clear()
    first = parse("cisco_asa", "show crypto ikev1 sa detail", ASA_SA)
    assert first.status is ParseStatus.OK
    first.records[0]["state"] = "changed"
    first.records.append({"peer": "x"})
    again = parse("cisco_asa", "show crypto ikev1 sa detail", ASA_SA)
    assert again == parse_uncached("cisco_asa", "show crypto ikev1 sa detail", ASA_SA)
    assert again.records[0]["state"] == "MM_ACTIVE" and len(again.records) == 1


def test_keys_keep_inputs_apart() -> None:
    CACHE.clear()
    base = parse("cisco_asa", "show crypto ikev1 sa detail", ASA_SA)
    other_text = parse("cisco_asa", "show crypto ikev1 sa detail", ASA_SA.replace("MM_ACTIVE", "MM_WAIT_MSG2"))
    assert other_text.records[0]["state"] == "MM_WAIT_MSG2" and base.records[0]["state"] == "MM_ACTIVE"
    assert parse("cisco_ios", "show crypto ikev1 sa detail", ASA_SA).status is not ParseStatus.OK
    run = "crypto isakmp key s3cr3tkey address 198.51.100.2\n"
    keyed = [parse("cisco_ios", "show running-config | section crypto", run, run_key=k) for k in (b"a", b"b", None)]
    assert keyed == [parse_uncached("cisco_ios", "show running-config | section crypto", run, run_key=k)
                     for k in (b"a", b"b", None)]
    uncached = parse("cisco_asa", "show crypto ikev1 sa detail", ASA_SA, cache=False)
    assert uncached == base


def test_bounded_by_entries_and_by_text_size() -> None:
    cache = ParseCache(max_entries=3, max_chars=100)

    def result(text: str) -> ParseResult:
        return ParseResult("cisco_asa", "c", ParseStatus.EMPTY_OK, text)

    for i in range(5):
        text = str(i)
        cache.get_or_parse(("cisco_asa", "c", None, text), lambda text=text: result(text))
    assert len(cache) == 3
    big = "x" * 60
    cache.get_or_parse(("cisco_asa", "c", None, big), lambda: result(big))
    cache.get_or_parse(("cisco_asa", "c", None, big + "y"), lambda: result(big + "y"))
    assert len(cache) <= 2  # 121 characters do not fit in 100
    huge = "z" * 200
    assert cache.get_or_parse(("cisco_asa", "c", None, huge), lambda: result(huge)).raw == huge
    assert ("cisco_asa", "c", None, huge) not in cache._items  # larger than the whole cache: not kept
