"""DYNAMIC_MAP_PRIORITY in the IKEv2 tree: a dynamic crypto map entry numbered below the
static IKEv2 entry for the peer takes the child SA (seed 000: dynamic entries must have
the highest sequence number), diagnosed offline from lab bundles."""

from __future__ import annotations

import pytest

from agent.engine.run import diagnose_bundle
from tests.unit.engine.test_ikev2_engine import _bundle


@pytest.mark.parametrize("name, peer, platform", [
    ("asa-asa-ikev2-dynamic-map-priority", "br-asa", "cisco_asa"),
    ("asa-ios-ikev2-dynamic-map-priority", "br-rtr", "cisco_ios"),
])
def test_a_dynamic_entry_before_the_static_one_is_found_where_the_child_sa_fails(name: str, peer: str, platform: str) -> None:
    diag = diagnose_bundle(_bundle(name))
    assert diag.root_cause.code == "DYNAMIC_MAP_PRIORITY"
    step = next(s for s in diag.steps if s.check == "ikev2_child_config")
    assert step.node == "why_no_child" and step.outcome == "dynamic_priority"
    assert peer in diag.root_cause.summary and "(seq 5)" in diag.root_cause.summary and "(seq 10)" in diag.root_cause.summary
    assert any("65535 ipsec-isakmp dynamic DYN-MAP" in line for line in diag.root_cause.fix[platform])
    assert diag.root_cause.evidence


@pytest.mark.parametrize("name", ["asa-ios-ikev2-transform-mismatch", "asa-asa-ikev2-proxy-mismatch"])
def test_child_sa_failures_without_a_dynamic_entry_are_not_called_dynamic_priority(name: str) -> None:
    diag = diagnose_bundle(_bundle(name))
    step = next(s for s in diag.steps if s.check == "ikev2_child_config")
    assert step.outcome != "dynamic_priority" and diag.root_cause.code != "DYNAMIC_MAP_PRIORITY"
