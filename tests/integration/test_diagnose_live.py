"""Live diagnosis over SSH names each lab scenario's expected root cause."""

from __future__ import annotations

import pytest

from agent.collector import TunnelCollector
from agent.lab import scenarios as S
from agent.lab.runner import RunningLab
from agent.live import diagnose_live
from tests.unit.engine.test_offline_lab_bundles import ENGINE_GAPS

pytestmark = pytest.mark.integration

# SSH-fault scenarios keep their faults; a peer that cannot be read lowers confidence
# but the tunnel's state is still judged from the other peer.
FAST = {"asa-ios-ssh-hang": {"hq-asa": {"read_timeout": 2}},
        "asa-ios-ssh-slow-banner": {"br-rtr": {"banner_timeout": 1, "connect_attempts": 1}},
        "asa-ios-ssh-dropped": {"br-rtr": {"read_timeout": 2}},
        "asa-ios-ssh-endless-output": {"hq-asa": {"read_timeout": 2}}}


#: scenarios diagnosed wrongly live (each naming the engine gap), as strict expected failures
LIVE_GAPS: dict[str, str] = {}


def _cases() -> list[object]:
    gaps = {**ENGINE_GAPS, **LIVE_GAPS}
    return [pytest.param(name, marks=[pytest.mark.xfail(reason=gaps[name], strict=True)] if name in gaps else [])
            for name in sorted(S.catalog())]


@pytest.mark.parametrize("name", _cases())
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


def test_a_probe_is_claimed_only_when_it_was_sent() -> None:
    """The probe peer's session died during collection (an output that never ended):
    no ping is claimed, the report says the traffic was not sent; with a usable probe
    peer the probe is a step of its own between the two walks."""
    built = S.build("asa-ios-ssh-endless-output")
    with RunningLab(built) as lab:
        with TunnelCollector(built.tunnels[0].name, lab.targets(0, **FAST["asa-ios-ssh-endless-output"])) as col:
            diag = diagnose_live(col, lab.probe()).diagnosis  # the scenario probes from the ASA
    assert lab.probe().peer == "hq-asa"
    assert not any(s.node == "probe" for s in diag.steps)
    assert not any(e.command.startswith("ping") for e in diag.root_cause.evidence)
    assert "interesting traffic (hq-asa has no usable session)" in diag.not_checked
    assert "did not end" in (diag.peers["hq-asa"].error or "")

    built = S.build("asa-ios-healthy")
    with RunningLab(built) as lab:
        with TunnelCollector(built.tunnels[0].name, lab.targets(0)) as col:
            diag = diagnose_live(col, lab.probe()).diagnosis
    probes = [s for s in diag.steps if s.node == "probe"]
    assert len(probes) == 1 and "success rate 100 percent" in probes[0].detail, probes
    nodes = [s.node for s in diag.steps]
    assert nodes.index("probe") > nodes.index("phase1") and nodes.count("phase1") == 2
