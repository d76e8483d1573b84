"""The lab's IKEv2 identities: IOS `identity local` / `match identity remote fqdn` in the
IKEv2 profile and the ASA's `crypto isakmp identity`, what a mismatch leaves on each
side, that matching the identity brings the tunnel up, and that the rendered profile
parses into the facts the check reads."""

from __future__ import annotations

import pytest

from agent.lab import config_ios
from agent.lab import scenarios as S
from agent.lab.config_common import GLOBAL, ConfigError
from agent.lab.scenarios import apply_config
from agent.parsing.facts import build_peer_facts
from tests.unit.lab.test_ikev2_lab import run


@pytest.mark.parametrize("name", ["asa-ios-ikev2-identity-mismatch", "ios-ios-ikev2-identity-mismatch",
                                  "ios-ios-ikev2-identity-match-fqdn", "asa-ios-ikev2-identity-fqdn-mismatch"])
def test_an_identity_no_profile_matches_fails_ike_auth_on_both_sides(name: str) -> None:
    built = S.build(name)
    assert not any(S.probe(built, "a"))
    a, b = built.device("a"), built.device("b")
    assert not a.state.ike_sas and not b.state.ike_sas and not a.state.ipsec_sas and not b.state.ipsec_sas
    assert any("Failed to locate an item in the database" in line.text for line in b.state.logs)
    assert any("Auth exchange failed" in line.text for line in a.state.logs)
    assert "IPv4 Crypto IKEv2  SA" in run(b, "show crypto ikev2 sa") and "READY" not in run(b, "show crypto ikev2 sa")


@pytest.mark.parametrize("name, b_lines", [
    ("ios-ios-ikev2-identity-mismatch", ["crypto ikev2 profile IKEV2-PROF", "match identity remote fqdn hq-rtr.example.net"]),
    ("asa-ios-ikev2-identity-mismatch", ["crypto ikev2 profile IKEV2-PROF", "match identity remote fqdn hq-asa.example.net"]),
    ("asa-ios-ikev2-identity-mismatch", ["crypto ikev2 profile IKEV2-PROF", "match identity remote fqdn domain example.net"]),
])
def test_the_responder_selects_its_profile_by_the_identity_received(name: str, b_lines: list[str]) -> None:
    built = S.build(name)
    apply_config(built.device("b"), b_lines)
    assert all(S.probe(built, "a")[1:])
    assert [sa.state for sa in built.device("b").state.ike_sas.values()] == ["READY"]


def test_identity_lines_render_and_replay() -> None:
    built = S.build("ios-ios-ikev2-identity-mismatch")
    apply_config(built.device("b"), ["crypto ikev2 profile IKEV2-PROF", "match identity remote fqdn hq-rtr.example.net"])
    for side in "ab":
        dev = built.device(side)
        text = run(dev, "show running-config")
        copy = S.build("ios-ios-ikev2-identity-mismatch", sec=built.secrets).device(side)
        copy.config.ikev2_profiles.clear()
        apply_config(copy, [ln for ln in text.splitlines() if ln.strip() and not ln.startswith(("Building", "Current"))])
        assert copy.config.ikev2_profiles == dev.config.ikev2_profiles, side
    assert " identity local fqdn hq-rtr.example.net" in run(built.device("a"), "show running-config | section crypto")
    assert " match identity remote fqdn hq-rtr.example.net" in run(built.device("b"), "show running-config")


def test_a_domain_match_renders_parses_and_takes_only_its_domain() -> None:
    built = S.build("asa-ios-ikev2-identity-fqdn-mismatch")
    apply_config(built.device("b"), ["crypto ikev2 profile IKEV2-PROF", "no match identity remote fqdn hq-asa.example.com",
                                     "match identity remote fqdn domain example.com"])
    text = run(built.device("b"), "show running-config")
    assert " match identity remote fqdn domain example.com" in text
    facts = build_peer_facts("cisco_ios", {"show running-config": text})
    assert facts.ike.value is not None
    assert [p.match_fqdns for p in facts.ike.value.ikev2_profiles] == [("domain example.com",)]
    assert not any(S.probe(built, "a"))  # hq-asa.example.net is not in example.com


def test_the_asa_names_parse_from_the_lab() -> None:
    built = S.build("asa-ios-ikev2-identity-mismatch")
    command = "show running-config | include ^hostname|^domain-name"
    text = run(built.device("a"), command)
    assert text.splitlines() == ["hostname hq-asa", "domain-name example.net"]
    names = build_peer_facts("cisco_asa", {command: text}).names
    assert names.value is not None and names.value.fqdn == "hq-asa.example.net"


def test_bad_identity_lines_are_refused() -> None:
    ios = config_ios.new_config("r")
    mode, _ = config_ios.apply(ios, GLOBAL, "crypto ikev2 profile P")
    for line in ("identity local fqdn", "identity local address 300.1.1.1", "identity local bogus x",
                 "match identity remote fqdn domain"):
        with pytest.raises(ConfigError):
            config_ios.apply(ios, mode, line)
    config_ios.apply(ios, mode, "identity local email vpn@example.net")
    assert ios.ikev2_profiles["P"].identity_local == "email vpn@example.net"
    config_ios.apply(ios, mode, "no identity local")
    assert ios.ikev2_profiles["P"].identity_local is None


def test_rendered_profiles_parse_into_ike_facts() -> None:
    built = S.build("ios-ios-ikev2-identity-match-fqdn")
    for side, fqdns, addresses, ident in (("a", (), ("198.51.100.2 255.255.255.255",), ""),
                                          ("b", ("hq-rtr.example.net",), (), "")):
        dev = built.device(side)
        cmd = "show running-config | section crypto"
        facts = build_peer_facts(dev.platform.value, {cmd: run(dev, cmd)})
        assert facts.ike.value is not None
        (profile,) = facts.ike.value.ikev2_profiles
        assert (profile.name, profile.match_fqdns, profile.match_addresses, profile.identity_local) == (
            "IKEV2-PROF", fqdns, addresses, ident), side
    dev = S.build("ios-ios-ikev2-identity-mismatch").device("a")
    cmd = "show running-config | section crypto"
    facts = build_peer_facts(dev.platform.value, {cmd: run(dev, cmd)})
    assert facts.ike.value is not None and facts.ike.value.ikev2_profiles[0].identity_local == "fqdn hq-rtr.example.net"
