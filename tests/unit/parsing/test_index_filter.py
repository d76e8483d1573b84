"""The filtered template index picks exactly the template the whole index picks, for every
command the agent sends, every corpus command and their abbreviations; layouts it does
not know are loaded whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from textfsm import clitable

from agent.parsing.index_filter import filtered_rows, load_index
from agent.parsing.result import Platform, platform_of
from agent.parsing.templates import OWN_TEMPLATES, normalise_command, ntc_templates_dir
from agent.platforms import device_commands, tunnel_commands
from tests.unit.parsing.conftest import corpus_items

EXTRA = ["sh cry isa sa", "sh crypto ipsec sa detail", "show ver", "sh ip int br", "show run", "show interfaces",
         "show ip bgp summary", "show crypto ikev2 sa detail", "show nat detail", "show vlan", "show inventory",
         "sho access-lists", "show crypto map interface GigabitEthernet0/0", "show running-config | include ^interface"]


def _template(table: clitable.CliTable, platform: str, command: str) -> str | None:
    row = table.index.GetRowMatch({"Command": normalise_command(command), "Platform": platform})
    return str(table.index.index[row]["Template"]) if row else None


def _commands() -> list[tuple[str, str]]:
    """(platform as the agent looks it up, command): lookups only ever use our platforms."""
    pairs = [(plat.value, i.command) for i in corpus_items() if (plat := platform_of(i.platform)) is not None]
    for platform in ("cisco_asa", "cisco_ios"):
        pairs += [(platform, c.command) for c in tunnel_commands(platform, "192.0.2.1") + device_commands(platform)]
        pairs += [(platform, c) for c in EXTRA]
    return pairs


@pytest.mark.parametrize("directory", [OWN_TEMPLATES, ntc_templates_dir()], ids=["own", "ntc"])
def test_same_template_as_the_whole_index(directory: Path) -> None:
    whole = clitable.CliTable("index", str(directory))
    small = load_index(directory, [p.value for p in Platform])
    assert small.index.index.size <= whole.index.index.size
    found = 0
    for platform, command in _commands():
        expected = _template(whole, platform, command)
        assert _template(small, platform, command) == expected, (platform, command)
        found += expected is not None
    assert found > 20


def test_rows_kept_and_layouts_refused() -> None:
    index = "# c\nTemplate, Hostname, Platform, Command\n\na.textfsm, .*, cisco_ios, sh[[ow]] a\n" \
            "b.textfsm, .*, juniper_junos, show b\nc.textfsm, .*, cisco_(ios|xe), show c, d\nd.textfsm, .*, , show d\n"
    text = filtered_rows(index, ["cisco_ios"])
    assert text is not None
    assert "a.textfsm" in text and "c.textfsm" in text and "d.textfsm" in text and "juniper" not in text
    assert text.startswith("# c\nTemplate, Hostname, Platform, Command\n")
    assert filtered_rows("Template, Platform, Command\nx, cisco_ios, show x\n", ["cisco_ios"]) is None
    assert filtered_rows("# only comments\n", ["cisco_ios"]) is None
