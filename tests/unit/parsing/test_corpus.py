"""(a) Every corpus output of a command the engine reads parses with the chosen template
into what the suite that captured it expects (tests/unit/parsing/corpus_compare.py and
genie_compare.py say how each is compared)."""

from __future__ import annotations

import re

import pytest

from agent.parsing import ParseStatus, parse
from tests.unit.parsing.conftest import CorpusItem, corpus_items
from tests.unit.parsing.corpus_compare import NTC, NTC_ASA_CRYPTO, exact
from tests.unit.parsing.genie_compare import GENIE

ENGINE_COMMANDS = re.compile(
    r"^(show crypto ipsec sa( detail)?|show crypto ikev1 sa detail|show crypto ikev2 sa( (local|remote) \S+)?( detail)?"
    r"|show crypto session( (local|remote) \S+)?( detail)?|show crypto map|show access-list|show ip access-lists"
    r"|show route|show ip route|show nat|show logging|show asp drop|show vpn-sessiondb detail l2l"
    r"|show running-config (crypto map|all crypto map|crypto ikev1|ipsec|tunnel-group)"
    r"|show interface ip brief|show ip interface brief|ping( .*)?)$"
)
ITEMS = [i for i in corpus_items() if ENGINE_COMMANDS.match(i.command)]


def _empty(expected: object) -> bool:
    """[] / {} / {"sessions": {}}: the suite expects nothing."""
    if isinstance(expected, dict):
        return all(_empty(v) for v in expected.values())
    return not expected


def _id(item: CorpusItem) -> str:
    return str(item.path.relative_to(item.path.parents[2]))


@pytest.mark.usefixtures("corpus_present")
@pytest.mark.parametrize("item", ITEMS, ids=[_id(i) for i in ITEMS])
def test_corpus_output_parses_as_expected(item: CorpusItem) -> None:
    result = parse(item.platform, item.command, item.raw)
    expected = item.expected()
    assert result.status in (ParseStatus.OK, ParseStatus.EMPTY_OK), result.error
    assert result.template is not None
    if _empty(expected):
        assert result.status is ParseStatus.EMPTY_OK
        return
    assert result.status is ParseStatus.OK
    if item.source == "genieparser":
        GENIE[result.template](result.records, expected)
    elif result.template == "cisco_asa_show_running-config_crypto.textfsm":
        NTC_ASA_CRYPTO[item.command](result.records, expected)
    elif result.template in NTC:
        NTC[result.template](result.records, expected)
    else:  # ntc's own template: the fixture is its test, it must hold exactly
        exact(result.records, expected)


def test_the_corpus_covers_the_engine_commands(corpus_present: None) -> None:
    assert len(ITEMS) >= 100
    commands = {re.sub(r" \S+\.\S+.*$", "", i.command) for i in ITEMS}
    for needed in ("show crypto ipsec sa", "show crypto ikev2 sa", "show crypto map", "show nat", "show logging"):
        assert needed in commands
