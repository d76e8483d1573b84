"""Live diagnosis over SSH names each lab scenario's expected root cause."""

from __future__ import annotations

import pytest

from agent.collector import TunnelCollector
from agent.engine.run import diagnose_live
from agent.lab import scenarios as S
from agent.lab.runner import RunningLab

pytestmark = pytest.mark.integration

# SSH-fault scenarios keep their faults; a peer that cannot be read lowers confidence
# but the tunnel's state is still judged from the other peer.
FAST = {"asa-ios-ssh-hang": {"hq-asa": {"read_timeout": 2}},
        "asa-ios-ssh-slow-banner": {"br-rtr": {"banner_timeout": 1, "connect_attempts": 1}},
        "asa-ios-ssh-dropped": {"br-rtr": {"read_timeout": 2}}}


@pytest.mark.parametrize("name", sorted(S.catalog()))
def test_live_diagnosis_names_the_expected_root_cause(name: str) -> None:
    built = S.build(name)
    sc = built.scenario
    assert sc is not None
    with RunningLab(built) as lab:
        with TunnelCollector(built.tunnels[0].name, lab.targets(0, **FAST.get(name, {})), **lab.collector_options()) as col:
            diag = diagnose_live(col, lab.probe()).diagnosis
    assert diag.root_cause.code == sc.expect, [(s.node, s.outcome, s.detail) for s in diag.steps]
    doc = diag.to_json()
    assert doc["root_cause"]["code"] == sc.expect and doc["findings"]
    assert set(doc["peers"]) == {built.tunnels[0].a, built.tunnels[0].b}
    if sc.expect not in ("TUNNEL_UP", "TUNNEL_IDLE", "NO_INTERESTING_TRAFFIC"):
        assert diag.root_cause.evidence or diag.root_cause.code == "INSUFFICIENT_EVIDENCE", diag.root_cause
        assert diag.exit_code == 1
