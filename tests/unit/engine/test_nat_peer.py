"""A peer behind NAT has two addresses: its own, and the one the other side sees (issue 18,
rule 6). SAs and configuration are matched by either, and the diagnosis says so."""

from __future__ import annotations

from agent.collector import Bundle, BundlePeer
from agent.engine.run import diagnose_bundle
from tests.unit.engine.test_partial_evidence import rendered

SEEN_AS = "198.51.100.77"  # the branch's address after the PAT device between the peers


def behind_nat(name: str, nat_address: str | None) -> Bundle:
    """The scenario with the branch's address replaced, in the headquarters' outputs only,
    by the address the headquarters sees."""
    bundle = rendered(name)
    hq, br = bundle.peers
    outputs = {c: t.replace(br.crypto_endpoint or "", SEEN_AS) for c, t in hq.outputs.items()}
    return Bundle([BundlePeer(hq.name, hq.platform, hq.crypto_endpoint, None, outputs),
                   BundlePeer(br.name, br.platform, br.crypto_endpoint, None, dict(br.outputs), nat_address=nat_address)],
                  bundle.tunnel)


def test_the_nat_address_named_in_the_bundle_matches_the_other_sides_sas():
    diag = diagnose_bundle(behind_nat("asa-ios-healthy", SEEN_AS))
    assert diag.root_cause.code == "TUNNEL_UP", [(s.node, s.outcome, s.detail) for s in diag.steps]


def test_an_unnamed_nat_address_is_found_by_the_spis_and_said():
    diag = diagnose_bundle(behind_nat("asa-ios-healthy", None))
    assert diag.root_cause.code == "TUNNEL_UP", [(s.node, s.outcome, s.detail) for s in diag.steps]
    assert f"sees br-rtr as {SEEN_AS} (behind NAT" in diag.steps[0].detail


def test_a_fault_behind_nat_is_still_found():
    diag = diagnose_bundle(behind_nat("asa-ios-nat-exemption-missing", SEEN_AS))
    assert diag.root_cause.code == "NAT_EXEMPTION_MISSING", [(s.node, s.outcome, s.detail) for s in diag.steps]
