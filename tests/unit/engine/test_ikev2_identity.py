"""ISAKMP_IDENTITY_MISMATCH in the IKEv2 tree: the identity each peer sends in IKE_AUTH
(IOS profile `identity local`, ASA `crypto isakmp identity`) against the IOS profiles of
the other peer (`match identity remote address|fqdn`), diagnosed offline from lab bundles."""

from __future__ import annotations

import pytest

from agent.collector import Bundle
from agent.engine.checks.ikev2_identity import identity_mismatch, sent
from agent.engine.run import context_from_bundle, diagnose_bundle
from tests.unit.engine.test_ikev2_engine import _bundle
from tests.unit.engine.test_offline_lab_bundles import scenario_bundle


@pytest.mark.parametrize("name, said", [
    ("asa-ios-ikev2-identity-mismatch", "hq-asa sends identity fqdn hq-asa.example.net and br-rtr's IKEv2 profiles match address 203.0.113.1"),
    ("asa-ios-ikev2-identity-fqdn-mismatch",
     "hq-asa sends identity fqdn hq-asa.example.net and br-rtr's IKEv2 profiles match fqdn hq-asa.example.com"),
    ("ios-ios-ikev2-identity-mismatch", "hq-rtr sends identity fqdn hq-rtr.example.net and br-rtr's IKEv2 profiles match address 203.0.113.1"),
    ("ios-ios-ikev2-identity-match-fqdn", "hq-rtr sends identity address 203.0.113.1 and br-rtr's IKEv2 profiles match fqdn hq-rtr.example.net"),
])
def test_an_identity_the_other_peer_does_not_match_is_the_root_cause(name: str, said: str) -> None:
    diag = diagnose_bundle(_bundle(name))
    assert diag.root_cause.code == "ISAKMP_IDENTITY_MISMATCH"
    step = next(s for s in diag.steps if s.check == "ikev2_failure")
    assert step.node == "why_absent" and step.outcome == "identity_mismatch"
    assert said in diag.root_cause.summary
    assert {e.peer for e in diag.root_cause.evidence} == {"hq-asa" if name.startswith("asa") else "hq-rtr", "br-rtr"}
    assert any("identity" in e.excerpt for e in diag.root_cause.evidence)


def _fixed(name: str, b_lines: list[str]) -> Bundle:
    return scenario_bundle(name, {"b": b_lines}, probe="a")


@pytest.mark.parametrize("name, b_lines, fqdn", [
    ("ios-ios-ikev2-identity-mismatch", ["crypto ikev2 profile IKEV2-PROF", "match identity remote fqdn hq-rtr.example.net"],
     "hq-rtr.example.net"),
    ("asa-ios-ikev2-identity-mismatch", ["crypto ikev2 profile IKEV2-PROF", "match identity remote fqdn hq-asa.example.net"],
     "hq-asa.example.net"),  # the ASA's hostname and domain-name
    ("asa-ios-ikev2-identity-mismatch", ["crypto ikev2 profile IKEV2-PROF", "match identity remote fqdn domain example.net"],
     "hq-asa.example.net"),  # any name in the domain
    ("asa-ios-ikev2-identity-fqdn-mismatch", ["crypto ikev2 profile IKEV2-PROF", "match identity remote fqdn HQ-ASA.example.NET"],
     "hq-asa.example.net"),  # DNS names compare without case
])
def test_a_matched_identity_is_no_mismatch(name: str, b_lines: list[str], fqdn: str) -> None:
    bundle = _fixed(name, b_lines)
    ctx = context_from_bundle(bundle)
    assert identity_mismatch(ctx) is None and not any("FQDN" in n for n in ctx.not_checked)
    assert sent(ctx.a, ctx.b.endpoint or "") == ("fqdn", fqdn)
    assert diagnose_bundle(_fixed(name, b_lines)).root_cause.code == "TUNNEL_UP"


def test_an_asa_fqdn_not_read_is_said_not_guessed() -> None:
    """Without the ASA's names (an older bundle, the command refused) its FQDN is unknown:
    the comparison is listed as not checked, no mismatch is claimed."""
    bundle = _fixed("asa-ios-ikev2-identity-mismatch",
                    ["crypto ikev2 profile IKEV2-PROF", "match identity remote fqdn hq-asa.example.net"])
    asa = bundle.peer("hq-asa")
    assert asa is not None
    asa.outputs = {c: t for c, t in asa.outputs.items() if "hostname" not in c}
    ctx = context_from_bundle(bundle)
    assert sent(ctx.a, ctx.b.endpoint or "") == ("fqdn", None)
    assert identity_mismatch(ctx) is None and any("FQDN" in n for n in ctx.not_checked)


@pytest.mark.parametrize("name", ["asa-ios-ikev2-healthy", "ios-ios-ikev2-psk-mismatch", "asa-asa-ikev2-psk-mismatch"])
def test_default_address_identities_are_no_mismatch(name: str) -> None:
    ctx = context_from_bundle(_bundle(name))
    assert identity_mismatch(ctx) is None
    assert sent(ctx.a, ctx.b.endpoint or "") == ("address", ctx.a.endpoint)
