"""(d) Property tests: any text, random or a garbled real output, fed to every template
and to build_peer_facts, never raises; the result keeps the raw text; an empty record list
is only ever a legitimate empty answer; text no template can read is an explicit UNPARSED."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.parsing import FactStatus, ParseStatus, build_peer_facts, parse
from agent.parsing.facts import BUILDERS
from agent.parsing.templates import OWN_TEMPLATES, template_for
from tests.unit.parsing.conftest import FIXTURES

#: One command per template the facts layer reads (and every project template).
COMMANDS = [
    ("cisco_asa", "show crypto isakmp sa"), ("cisco_asa", "show crypto ipsec sa"),
    ("cisco_asa", "show running-config crypto"), ("cisco_asa", "show running-config tunnel-group"),
    ("cisco_asa", "show running-config all sysopt"), ("cisco_asa", "show asp drop"), ("cisco_asa", "show nat"),
    ("cisco_asa", "show access-list"), ("cisco_asa", "show route"), ("cisco_asa", "show logging"),
    ("cisco_asa", "show interface ip brief"), ("cisco_asa", "ping inside 10.1.1.1"),
    ("cisco_asa", "show running-config nat"), ("cisco_asa", "show running-config object"),
    ("cisco_asa", "show running-config group-policy"), ("cisco_asa", "show version"), ("cisco_ios", "show version"),
    ("cisco_asa", "show running-config | include ^hostname|^domain-name"),
    ("cisco_ios", "show crypto isakmp sa"), ("cisco_ios", "show crypto isakmp sa detail"),
    ("cisco_ios", "show crypto ikev2 sa"), ("cisco_ios", "show crypto ipsec sa"), ("cisco_ios", "show crypto map"),
    ("cisco_ios", "show crypto isakmp policy"), ("cisco_ios", "show crypto ipsec transform-set"),
    ("cisco_ios", "show crypto session detail"), ("cisco_ios", "show running-config"),
    ("cisco_ios", "show ip access-lists"), ("cisco_ios", "show access-list"), ("cisco_ios", "show ip route"),
    ("cisco_ios", "show logging"), ("cisco_ios", "show ip interface brief"), ("cisco_ios", "ping 10.1.1.1"),
    ("cisco_ios", "debug crypto isakmp"), ("cisco_asa", "debug crypto ikev1 127"),
    # remote-access headend (agent/parsing/facts_ra.py)
    ("cisco_asa", "show ip local pool Address-pool"), ("cisco_asa", "show running-config ip local pool"),
    ("cisco_asa", "show vpn-sessiondb detail ra-ikev1-ipsec"), ("cisco_ios", "show ip local pool"),
]
SAMPLES = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*/*/*.txt"))]
RELAXED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_the_property_commands_cover_every_template() -> None:
    used = {template_for(p, c) for p, c in COMMANDS}
    assert {p.name for p in OWN_TEMPLATES.glob("*.textfsm")} <= used
    assert set(BUILDERS) <= used


def _garble(text: str, cut: int, insert: str, where: int) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return insert
    where %= len(lines)
    lines.insert(where, insert + "\n")
    joined = "".join(lines)
    return joined[: max(1, cut % (len(joined) + 1))]


def _check(platform: str, command: str, text: str) -> None:
    result = parse(platform, command, text)
    assert result.raw == text
    assert (result.status is ParseStatus.OK) == bool(result.records)
    if result.status is ParseStatus.EMPTY_OK:
        assert result.records == []
    assert result.status is not ParseStatus.NO_TEMPLATE
    if result.status in (ParseStatus.UNPARSED, ParseStatus.DEVICE_ERROR):
        assert result.error


@pytest.mark.parametrize(("platform", "command"), COMMANDS)
@RELAXED
@given(text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300))
def test_random_text_never_breaks_a_template(platform: str, command: str, text: str) -> None:
    _check(platform, command, text)


@pytest.mark.parametrize(("platform", "command"), COMMANDS)
@RELAXED
@given(sample=st.sampled_from(SAMPLES), cut=st.integers(0, 10_000), where=st.integers(0, 200),
       insert=st.text(max_size=60))
def test_garbled_real_output_never_breaks_a_template(platform: str, command: str, sample: str, cut: int, where: int,
                                                     insert: str) -> None:
    _check(platform, command, _garble(sample, cut, insert, where))


@pytest.mark.parametrize(("platform", "command"), [pc for pc in COMMANDS if not pc[1].startswith(("show logging", "debug"))])
@RELAXED
@given(words=st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=40), min_size=1, max_size=8))
def test_unreadable_text_is_an_explicit_unparsed(platform: str, command: str, words: list[str]) -> None:
    text = "".join(f"@@ {w}\n" for w in words)
    result = parse(platform, command, text)
    assert result.status is ParseStatus.UNPARSED and result.raw == text and result.records == []


@RELAXED
@given(picks=st.lists(st.tuples(st.sampled_from(COMMANDS), st.sampled_from(SAMPLES), st.integers(0, 10_000),
                                st.text(max_size=40)), max_size=8),
       run_key=st.one_of(st.none(), st.binary(min_size=1, max_size=16)))
def test_build_peer_facts_never_raises(picks: list[tuple[tuple[str, str], str, int, str]], run_key: bytes | None) -> None:
    for platform in ("cisco_asa", "cisco_ios"):
        outputs = {cmd: _garble(sample, cut, junk, cut) for (plat, cmd), sample, cut, junk in picks if plat == platform}
        facts = build_peer_facts(platform, outputs, run_key)
        for name in facts.__dataclass_fields__:
            known = getattr(facts, name)
            if not hasattr(known, "status"):
                continue
            assert (known.value is not None) == known.readable, name
            if known.status is FactStatus.EMPTY:
                assert known.value == []
            if known.status is FactStatus.UNPARSED:
                assert known.raw and known.notes


def test_samples_are_there() -> None:
    assert len(SAMPLES) >= 15 and all(isinstance(s, str) for s in SAMPLES)
    assert Path(FIXTURES).is_dir()
