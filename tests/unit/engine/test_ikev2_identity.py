"""ISAKMP_IDENTITY_MISMATCH in the IKEv2 tree: the identity each peer sends in IKE_AUTH
(IOS profile `identity local`, ASA `crypto isakmp identity`) against the IOS profiles of
the other peer (`match identity remote address|fqdn`), diagnosed offline from lab bundles."""

from __future__ import annotations

import pytest

from agent.collector import Bundle
from agent.engine.checks_ikev2_identity import identity_mismatch, sent
from agent.engine.run import context_from_bundle, diagnose_bundle
from agent.lab import scenarios as S
from agent.lab.scenarios import apply_config
from agent.redact import Redactor
from tests.unit.engine.test_ikev2_engine import _bundle
from tests.unit.engine.test_offline_lab_bundles import bundle_of


@pytest.mark.parametrize("name, said", [
    ("asa-ios-ikev2-identity-mismatch", "hq-asa sends identity fqdn (its host name) and br-rtr's IKEv2 profiles match address 203.0.113.1"),
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
    built = S.build(name)
    apply_config(built.device("b"), b_lines)
    S.probe(built, "a")
    return bundle_of(built, Redactor())


@pytest.mark.parametrize("name, b_lines", [
    ("ios-ios-ikev2-identity-mismatch", ["crypto ikev2 profile IKEV2-PROF", "match identity remote fqdn hq-rtr.example.net"]),
    ("asa-ios-ikev2-identity-mismatch", ["crypto ikev2 profile IKEV2-PROF", "match identity remote fqdn hq-asa.example.net"]),
])
def test_a_matched_identity_is_no_mismatch(name: str, b_lines: list[str]) -> None:
    bundle = _fixed(name, b_lines)
    ctx = context_from_bundle(bundle)
    if name.startswith("ios"):
        assert identity_mismatch(ctx) is None
        assert sent(ctx.a, ctx.b.endpoint or "") == ("fqdn", "hq-rtr.example.net")
    else:  # the ASA's FQDN is not in its configuration output: said so, not guessed
        assert identity_mismatch(ctx) is None and any("FQDN" in n for n in ctx.not_checked)
        assert sent(ctx.a, ctx.b.endpoint or "") == ("fqdn", None)
    assert diagnose_bundle(_fixed(name, b_lines)).root_cause.code == "TUNNEL_UP"


@pytest.mark.parametrize("name", ["asa-ios-ikev2-healthy", "ios-ios-ikev2-psk-mismatch", "asa-asa-ikev2-psk-mismatch"])
def test_default_address_identities_are_no_mismatch(name: str) -> None:
    ctx = context_from_bundle(_bundle(name))
    assert identity_mismatch(ctx) is None
    assert sent(ctx.a, ctx.b.endpoint or "") == ("address", ctx.a.endpoint)
