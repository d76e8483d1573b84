"""The engine on real, messy evidence (issue 18): every case of shared/real-cases - outputs
engineers posted publicly, with the cause the source established - gets an accepted code,
or, where the evidence honestly cannot decide, INSUFFICIENT_EVIDENCE with the accepted
code among its possible causes. No faulty tunnel is called healthy, and no clear of the
SAs is offered for a cause that is not a stale or expired SA."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.collector import read_bundle
from agent.engine.run import diagnose_bundle
from agent.parsing.facts import build_peer_facts
from agent.parsing.model import FactStatus
from tests.unit.parsing.conftest import real_cases_dir

REAL_CASES = real_cases_dir()
CASES = sorted(p for p in REAL_CASES.iterdir() if (p / "bundle.yaml").exists()) if REAL_CASES.is_dir() else []
HEALTHY = {"TUNNEL_UP", "TUNNEL_IDLE", "NO_INTERESTING_TRAFFIC"}
CLEARS = {"STALE_SA", "EXPIRED_VPN_CONTEXT"}

pytestmark = pytest.mark.skipif(not CASES, reason="shared/real-cases is not beside the checkout")


def _accept(case: Path) -> list[str]:
    return list(json.loads((case / "expected.json").read_text(encoding="utf-8"))["accept"])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_real_case_gets_an_accepted_code_or_says_it_cannot_tell(case: Path) -> None:
    accept = _accept(case)
    diag = diagnose_bundle(read_bundle(case))
    got = diag.root_cause.code
    steps = [(s.node, s.outcome, s.detail) for s in diag.steps]
    if got == "INSUFFICIENT_EVIDENCE":
        possible = {c.code for c in diag.possible_causes}
        assert possible & set(accept), (case.name, possible, steps)
        assert all(c.check_with for c in diag.possible_causes)  # each says how to check it
    else:
        assert got in accept, (case.name, got, steps)
    if not set(accept) & HEALTHY:
        assert got not in HEALTHY, (case.name, got, steps)
    for finding in diag.findings:
        if finding.remediation == "clear_sas":
            assert finding.code in CLEARS, (case.name, finding.code)
    text = json.dumps(diag.to_json())
    assert "{" + "peer}" not in text and "{network}" not in text


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_real_output_is_read_not_lost(case: Path) -> None:
    """An output the engine reads never becomes 'unparsed' as a whole: a line a template
    does not know costs that line, not the output."""
    bundle = read_bundle(case)
    for peer in bundle.peers:
        if not peer.outputs or peer.platform is None:
            continue
        facts = build_peer_facts(peer.platform, peer.outputs)
        lost = {name: getattr(facts, name).notes for name in ("phase1", "phase2", "logs", "isakmp_policies",
                                                             "transform_sets", "crypto_maps", "acl_entries", "routes",
                                                             "interfaces", "pings", "sessions", "tunnel_groups", "ike")
                if getattr(facts, name).status is FactStatus.UNPARSED}
        assert not lost, (case.name, peer.name, lost)


def test_a_healthy_summary_says_which_peer_was_read() -> None:
    case = REAL_CASES / "asa-l2l-healthy-abbreviated-commands"
    if not case.is_dir():
        pytest.skip("case not present")
    diag = diagnose_bundle(read_bundle(case))
    assert diag.root_cause.code == "TUNNEL_UP"
    assert diag.root_cause.summary.startswith("Only bos-fw1a was read")
    assert "both peers" not in diag.root_cause.summary and "encaps 72, decaps 59" in diag.root_cause.summary
