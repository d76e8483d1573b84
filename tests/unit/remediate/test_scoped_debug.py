"""The scoped debug's plan and when it is offered (pure: a lab bundle in, no SSH)."""

from __future__ import annotations

import pytest

from agent.collector import Bundle, PeerTarget
from agent.collector.session import ConnectionSpec
from agent.engine.run import context_from_bundle, diagnose_bundle
from agent.lab import scenarios as S
from agent.redact import Redactor
from agent.remediate.scoped_debug import debug_reason, plan_debug
from tests.unit.engine.test_offline_lab_bundles import bundle_of


def targets(bundle: Bundle, ours: tuple[str, ...] | None = None) -> list[PeerTarget]:
    out = []
    for p in bundle.peers:
        spec = ConnectionSpec(p.name, p.platform or "cisco_ios", "127.0.0.1") if ours is None or p.name in ours else None
        out.append(PeerTarget(p.name, p.platform, p.crypto_endpoint, None, spec))
    return out


def lab_bundle(name: str, probe: str | None = "a", drop: tuple[str, ...] = ()) -> Bundle:
    built = S.build(name)
    if probe:
        S.probe(built, probe)
    bundle = bundle_of(built, Redactor())
    for peer in bundle.peers:
        for key in [k for k in peer.outputs if k.startswith(drop)]:
            del peer.outputs[key]
    return bundle


@pytest.mark.parametrize("name, on", [
    ("ios-ios-healthy", {"hq-rtr": ["debug crypto condition peer ipv4 198.51.100.2", "debug crypto isakmp", "debug crypto ipsec"],
                         "br-rtr": ["debug crypto condition peer ipv4 203.0.113.1", "debug crypto isakmp", "debug crypto ipsec"]}),
    ("ios-ios-ikev2-healthy", {"hq-rtr": ["debug crypto condition peer ipv4 198.51.100.2", "debug crypto ikev2", "debug crypto ipsec"],
                               "br-rtr": ["debug crypto condition peer ipv4 203.0.113.1", "debug crypto ikev2", "debug crypto ipsec"]}),
    ("asa-ios-healthy", {"hq-asa": ["debug crypto condition peer 198.51.100.2", "debug crypto ikev1 127"],
                         "br-rtr": ["debug crypto condition peer ipv4 203.0.113.1", "debug crypto isakmp", "debug crypto ipsec"]}),
    ("asa-ios-ikev2-healthy", {"hq-asa": ["debug crypto condition peer 198.51.100.2", "debug crypto ikev2 protocol 127"],
                               "br-rtr": ["debug crypto condition peer ipv4 203.0.113.1", "debug crypto ikev2", "debug crypto ipsec"]}),
])
def test_the_plan_is_scoped_to_the_other_peer_in_each_platforms_syntax(name: str, on: dict[str, list[str]]) -> None:
    bundle = lab_bundle(name)
    plan = plan_debug(context_from_bundle(bundle), targets(bundle), "test", seconds=5)
    assert {d.device: d.on for d in plan.devices} == on
    off = {"cisco_ios": ["undebug all", "no debug crypto condition peer ipv4 {}"],
           "cisco_asa": ["no debug all", "no debug crypto condition peer {}"]}
    for d in plan.devices:
        assert d.off == [c.format(d.scope) for c in off[d.platform]]
        assert d.key == d.on[1]  # the captured text is stored under the debug command that prints it
    assert "always turned off afterwards" in plan.describe()


def test_a_peer_behind_nat_is_debugged_by_the_address_the_other_side_knows() -> None:
    bundle = lab_bundle("asa-ios-natt-healthy")
    ctx = context_from_bundle(bundle)
    natted = next(p for p in ctx.peers if p.nat_address)
    plan = plan_debug(ctx, targets(bundle), "test")
    other = next(d for d in plan.devices if d.device != natted.name)
    assert other.scope == natted.nat_address and natted.nat_address in other.on[0]


def test_only_our_peers_are_debugged() -> None:
    bundle = lab_bundle("asa-ios-healthy")
    plan = plan_debug(context_from_bundle(bundle), targets(bundle, ours=("hq-asa",)), "test")
    assert [d.device for d in plan.devices] == ["hq-asa"]


def test_offered_only_when_the_tree_cannot_decide() -> None:
    decided = lab_bundle("ios-ios-transform-mode-mismatch")
    diag = diagnose_bundle(decided)
    assert diag.root_cause.code == "TRANSFORM_SET_MISMATCH"
    assert debug_reason(diag, context_from_bundle(decided)) is None
    healthy = lab_bundle("ios-ios-healthy")
    assert debug_reason(diagnose_bundle(healthy), context_from_bundle(healthy)) is None
    blind = lab_bundle("ios-ios-transform-mode-mismatch", drop=("show running-config", "show crypto map", "show ip access-lists"))
    diag = diagnose_bundle(blind)
    assert diag.root_cause.code == "INSUFFICIENT_EVIDENCE"
    assert debug_reason(diag, context_from_bundle(blind)) == "the evidence cannot decide"
