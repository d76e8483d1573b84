"""Commands by meaning: abbreviations as the devices expand them, aliases, and what each
accepted form feeds (agent/parsing/forms.py)."""

from __future__ import annotations

import pytest

from agent.lab import scenarios as S
from agent.lab.shell import DeviceShell
from agent.parsing.facts import build_peer_facts
from agent.parsing.forms import expand, resolve
from agent.parsing.model import FactStatus
from agent.platforms import RA_COMMANDS, TUNNEL_COMMANDS
from tests.unit.parsing.conftest import corpus_items

A, I = "cisco_asa", "cisco_ios"  # noqa: E741 - the table reads better with one letter
#: Abbreviated forms seen in the seeds, the real cases and the corpus' commands, as typed.
ABBREVIATIONS = [
    (A, "sh cry is sa", "show crypto isakmp sa"), (A, "sh cry isa sa det", "show crypto isakmp sa detail"),
    (A, "sh cry ipse sa peer 24.15.14.61", "show crypto ipsec sa peer 24.15.14.61"),
    (A, "sh crypto ipsec sa peer x.x.x.x", "show crypto ipsec sa peer x.x.x.x"), (A, "sh crypto ipsec sa", "show crypto ipsec sa"),
    (A, "sh cry ips sa pe 1.2.3.4", "show crypto ipsec sa peer 1.2.3.4"), (A, "sh run cry", "show running-config crypto"),
    (A, "sh run cry map", "show running-config crypto map"), (A, "sh run tun", "show running-config tunnel-group"),
    (A, "sh run tunnel-group 1.2.3.4", "show running-config tunnel-group 1.2.3.4"),
    (A, "sh run all sys", "show running-config all sysopt"), (A, "sh run nat", "show running-config nat"),
    (A, "sh run obj", "show running-config object"), (A, "sh run group-p", "show running-config group-policy"),
    (A, "sh ver", "show version"), (A, "sh access-l", "show access-list"), (A, "sh log", "show logging"),
    (A, "sh int ip br", "show interface ip brief"), (A, "sh ro", "show route"), (A, "sh asp dr", "show asp drop"),
    (A, "sh vpn-s det l2l", "show vpn-sessiondb detail l2l"), (A, "sh cry ikev2 sa", "show crypto ikev2 sa"),
    (A, "sh cry ikev1 sa", "show crypto ikev1 sa"), (A, "sh ip lo po POOL", "show ip local pool POOL"),
    (A, "more system:run", "more system:running-config"),
    (A, "sh run | i ^hostname|^domain-name", "show running-config | include ^hostname|^domain-name"),
    (A, "show isakmp sa", "show crypto isakmp sa"), (A, "show ipsec sa", "show crypto ipsec sa"),
    (A, "sh ipsec sa peer 1.2.3.4", "show crypto ipsec sa peer 1.2.3.4"),
    (I, "sh cry isa sa", "show crypto isakmp sa"), (I, "sh crypto isakmp sa", "show crypto isakmp sa"),
    (I, "sh cry isa sa det", "show crypto isakmp sa detail"), (I, "sh cry isa pol", "show crypto isakmp policy"),
    (I, "sh cry ips sa pe 1.2.3.4", "show crypto ipsec sa peer 1.2.3.4"), (I, "sh crypto ipsec sa", "show crypto ipsec sa"),
    (I, "sh cry ips trans", "show crypto ipsec transform-set"), (I, "sh cry map", "show crypto map"),
    (I, "sh cry sess det", "show crypto session detail"), (I, "sh cry ses rem 1.2.3.4 det", "show crypto session remote 1.2.3.4 detail"),
    (I, "sh crypto ikev2 sa", "show crypto ikev2 sa"), (I, "sh cry ikev2 sa det", "show crypto ikev2 sa detail"),
    (I, "sh run | sec crypto", "show running-config | section crypto"), (I, "sh run | s crypto", "show running-config | section crypto"),
    (I, "sh run | i crypto map", "show running-config | include crypto map"), (I, "sh ip int br", "show ip interface brief"),
    (I, "show ip int brief", "show ip interface brief"), (I, "sh ip ro", "show ip route"),
    (I, "sh ip access-l", "show ip access-lists"), (I, "sh ver", "show version"), (I, "sh log", "show logging"),
    (I, "sh dmvpn", "show dmvpn"), (I, "sh ip nhrp nhs det", "show ip nhrp nhs detail"), (I, "sh run", "show running-config"),
    (I, "show isakmp sa detail", "show crypto isakmp sa detail"), (I, "show ipsec sa", "show crypto ipsec sa"),
    (I, "deb cry isa", "debug crypto isakmp"), (I, "sh ip lo po", "show ip local pool"),
]


def test_the_table_is_large_enough() -> None:
    assert len({(p, t) for p, t, _ in ABBREVIATIONS if t != expand(p, t) or t.startswith("show i")}) >= 40


@pytest.mark.parametrize(("platform", "typed", "full"), ABBREVIATIONS)
def test_abbreviations_expand_as_the_device_does(platform: str, typed: str, full: str) -> None:
    assert expand(platform, typed) == full


def _collector_commands() -> list[tuple[str, str]]:
    return [(p, s.command.format(peer="192.0.2.1", pool="POOL")) for table in (TUNNEL_COMMANDS, RA_COMMANDS)
            for p, specs in table.items() for s in specs]


@pytest.mark.parametrize(("platform", "command"), _collector_commands())
def test_full_commands_stay_as_they_are(platform: str, command: str) -> None:
    """Bundles keyed by the collector's commands read exactly as before."""
    assert expand(platform, command) == command


def test_corpus_commands_stay_as_they_are(corpus_present: None) -> None:
    items = [i for i in corpus_items() if i.platform in (A, I) and " ".join(i.command.split()) == i.command]
    assert items
    changed = [(i.platform, i.command) for i in items if expand(i.platform, i.command) != i.command]
    assert changed == []


def _outputs(platform: str, commands: list[str]) -> dict[str, str]:
    built = S.build("asa-ios-healthy")
    dev = next(d for d in built.lab.devices.values() if d.platform.value == platform)
    shell = DeviceShell(dev)
    shell.privileged = True
    return {c: shell.handle_line(c).output for c in commands}


#: (platform, accepted form, the output it is given as, the groups it must feed)
FORMS = [
    (A, "sh cry isa sa det", "show crypto isakmp sa detail", ("phase1",)),
    (A, "show ipsec sa", "show crypto ipsec sa", ("phase2",)),
    (A, "sh run cry", "show running-config crypto", ("crypto_maps", "isakmp_policies", "transform_sets", "ike")),
    (A, "more system:running-config", "more system:running-config",
     ("crypto_maps", "isakmp_policies", "transform_sets", "tunnel_groups", "nat_rules", "names")),
    (A, "sh run", "show running-config", ("crypto_maps", "tunnel_groups", "names")),
    (A, "sh access-l", "show access-list", ("acl_entries",)),
    (A, "show access-list VPN-ACL", "show access-list VPN-ACL", ("acl_entries",)),
    (A, "sh run cry map", "show running-config crypto map", ("crypto_maps",)),
    (I, "sh cry isa sa", "show crypto isakmp sa", ("phase1",)),
    (I, "show ipsec sa", "show crypto ipsec sa", ("phase2",)),
    (I, "sh run | s crypto", "show running-config | section crypto", ("crypto_maps", "isakmp_policies", "tunnel_groups")),
    (I, "sh run", "show running-config", ("crypto_maps", "acl_entries", "interfaces")),
    (I, "sh ip access-l", "show ip access-lists", ("acl_entries",)),
    (I, "sh cry map", "show crypto map", ("crypto_maps",)),
    (I, "sh ip int br", "show ip interface brief", ("interfaces",)),
    (I, "sh ip ro", "show ip route", ("routes",)),
]


@pytest.mark.parametrize(("platform", "typed", "source", "groups"), FORMS)
def test_every_accepted_form_feeds_its_facts(platform: str, typed: str, source: str, groups: tuple[str, ...]) -> None:
    text = _outputs(platform, [source])[source]
    facts = build_peer_facts(platform, {typed: text})
    for group in groups:
        known = getattr(facts, group)
        assert known.status is FactStatus.OK, (group, known.notes)
        assert known.commands and known.commands[0] == expand(platform, typed)
    assert typed not in facts.unused


def test_a_section_feeds_only_its_groups_and_one_list_is_marked_partial() -> None:
    outputs = _outputs(A, ["show running-config crypto map", "show access-list VPN-ACL"])
    facts = build_peer_facts(A, {"sh run cry map": outputs["show running-config crypto map"],
                                 "show access-list VPN-ACL": outputs["show access-list VPN-ACL"]})
    assert facts.crypto_maps.status is FactStatus.OK and facts.isakmp_policies.status is FactStatus.MISSING
    assert any("only access list VPN-ACL" in n for n in facts.acl_entries.notes)
    assert resolve(I, "sh run | i crypto map").partial.startswith("filtered")


def test_a_whole_configuration_defers_to_a_section_shown_apart() -> None:
    outputs = _outputs(A, ["more system:running-config", "show running-config crypto"])
    both = build_peer_facts(A, outputs)
    alone = build_peer_facts(A, {"show running-config crypto": outputs["show running-config crypto"]})
    assert both.crypto_maps.value == alone.crypto_maps.value
    assert both.tunnel_groups.status is FactStatus.OK
