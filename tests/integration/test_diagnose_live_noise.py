"""Live diagnosis over SSH of noisy devices (agent/lab/noise.py): one scenario per root
cause and every pair, each device stamping its log lines, the noise seed the run's
(--noise-seed / IPSEC_LAB_NOISE_SEED, else random; named in every assertion).  The rest of
the catalog is diagnosed with noise offline (tests/unit/engine/test_offline_lab_bundles.py)."""

from __future__ import annotations

import pytest

from agent.collector import TunnelCollector
from agent.lab import scenarios as S
from agent.lab.noise import NoiseOptions
from agent.lab.runner import RunningLab
from agent.live import diagnose_live
from tests.integration.test_diagnose_live import FAST, LIVE_GAPS
from tests.unit.engine.test_offline_lab_bundles import ENGINE_GAPS, NOISE_GAPS

pytestmark = pytest.mark.integration

OPTIONS = NoiseOptions(stamped=True, old_expired_context=False)


def _gap(name: str) -> str | None:
    return ENGINE_GAPS.get(name) or LIVE_GAPS.get(name) or NOISE_GAPS.get((name, "stamped"))


def sample() -> list[str]:
    """One scenario per expected code (one without a known gap where the code has one),
    and every pair."""
    chosen: dict[str, str] = {}
    for name in sorted(S.catalog(), key=lambda n: (_gap(n) is not None, n)):
        chosen.setdefault(S.get(name).expect, name)
    names = set(chosen.values())
    for pair in ("asa-asa", "asa-ios", "ios-ios", "asa-ra", "ios-ra"):
        if not any(S.get(n).pair == pair for n in names):
            names.add(next(n for n in sorted(S.catalog()) if S.get(n).pair == pair and _gap(n) is None))
    return sorted(names)


def _cases() -> list[object]:
    out = []
    for name in sample():
        gap = _gap(name)
        out.append(pytest.param(name, marks=[pytest.mark.xfail(reason=gap, strict=True)] if gap else []))
    return out


@pytest.mark.parametrize("name", _cases())
def test_live_diagnosis_of_a_noisy_lab(name: str, noise_seed: int) -> None:
    built = S.build(name, noise=noise_seed, noise_options=OPTIONS)
    sc = built.scenario
    assert sc is not None
    with RunningLab(built) as lab:
        with TunnelCollector(built.tunnels[0].name, lab.targets(0, **FAST.get(name, {})), **lab.collector_options()) as col:
            diag = diagnose_live(col, lab.probe()).diagnosis
    assert diag.root_cause.code == sc.expect, (
        f"{name} with noise (--noise-seed {noise_seed}): got {diag.root_cause.code}, expected {sc.expect}",
        [(s.node, s.outcome, s.detail) for s in diag.steps])


def test_the_sample_covers_every_code_and_pair() -> None:
    names = sample()
    assert {S.get(n).expect for n in names} == {sc.expect for sc in S.catalog().values()}
    assert {S.get(n).pair for n in names} == {sc.pair for sc in S.catalog().values()}
