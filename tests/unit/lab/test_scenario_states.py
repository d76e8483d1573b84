"""Every scenario's computed state (no SSH): the IKE/IPsec model must produce what the
seeds say each fault looks like.  The same observations are checked over SSH, through
the rendered show commands, in tests/integration/test_scenarios.py."""

from __future__ import annotations

import pytest

from agent.lab import ike
from agent.lab import scenarios as S
from agent.lab.world import Device

NAMES = sorted(S.catalog())


def _check_side(dev: Device, obs: S.SideObservation) -> list[str]:
    states = [sa.state for sa in dev.state.ike_sas.values() if sa.version == 1]
    v2_states = [sa.state for sa in dev.state.ike_sas.values() if sa.version == 2]
    sas = dev.state.ipsec_sas
    encaps = sum(s.counters.encaps for s in sas)
    decaps = sum(s.counters.decaps for s in sas)
    logs = "\n".join(line.text for line in dev.state.logs)
    problems = []
    if obs.isakmp_state and obs.isakmp_state not in states:
        problems.append(f"IKE states {states}, expected {obs.isakmp_state}")
    if obs.no_isakmp_sa and states:
        problems.append(f"unexpected IKE SAs {states}")
    if obs.ikev2_state and obs.ikev2_state not in v2_states:
        problems.append(f"IKEv2 states {v2_states}, expected {obs.ikev2_state}")
    if obs.no_ikev2_sa and v2_states:
        problems.append(f"unexpected IKEv2 SAs {v2_states}")
    if obs.ipsec_sa is not None and bool(sas) != obs.ipsec_sa:
        problems.append(f"IPsec SA present={bool(sas)}")
    for name, value, want in (("encaps", encaps, obs.encaps), ("decaps", decaps, obs.decaps)):
        if want == "zero" and value:
            problems.append(f"{name}={value}, expected 0")
        if want == "positive" and not value:
            problems.append(f"{name}=0, expected > 0")
    problems += [f"no log line with {text!r}" for text in obs.log if text not in logs]
    if obs.asp_drop and not any(obs.asp_drop in k for k in dev.state.asp_drops):
        problems.append(f"no ASP drop {obs.asp_drop!r}")
    return problems


def _check_ra(built: S.BuiltLab, obs: S.RaObservation) -> list[str]:
    sc = built.scenario
    assert sc is not None and sc.remote_access is not None and sc.remote_access.pool
    head = built.device("a")
    users = [sa for sa in head.state.ipsec_sas if sa.username is not None]
    problems = []
    if obs.sessions is not None and len(users) != obs.sessions:
        problems.append(f"{len(users)} remote-access sessions, expected {obs.sessions}")
    if obs.transport is not None and any((sa.mode == "transport") != obs.transport for sa in users):
        problems.append(f"user SA modes {[sa.mode for sa in users]}")
    if obs.pool_free is not None:
        pool = head.config.ip_pools[sc.remote_access.pool]
        free = len(pool.addresses()) - sum(1 for sa in users if sa.assigned_ip in pool.addresses())
        if free != obs.pool_free:
            problems.append(f"pool free {free}, expected {obs.pool_free}")
    return problems


@pytest.mark.parametrize("name", NAMES)
def test_scenario_state_matches_observation(name: str) -> None:
    built = S.build(name)
    sc = built.scenario
    assert sc is not None
    results = S.probe(built, sc.probe) if sc.observe.after_probe else None
    problems = [f"{side}: {p}" for side in built.sides for p in _check_side(built.device(side), getattr(sc.observe, side))]
    if sc.observe.ra is not None:
        problems += _check_ra(built, sc.observe.ra)
    if sc.observe.ping is not None and results is not None:
        ok = sum(results) >= 3
        if ok != (sc.observe.ping == "success"):
            problems.append(f"probe results {results}, expected {sc.observe.ping}")
    assert not problems, problems


def _healthy(built: S.BuiltLab, side: str) -> bool:
    results = S.probe(built, side)
    a, b = built.device("a"), built.device("b")
    return sum(results[1:]) == 4 and bool(a.state.ipsec_sas) and bool(b.state.ipsec_sas)


def _clear_both(built: S.BuiltLab) -> None:
    t = built.tunnels[0]
    for dev, peer in ((built.device("a"), t.b_nat or t.b_endpoint), (built.device("b"), t.a_nat or t.a_endpoint)):
        ike.clear_ipsec(built.lab, dev, peer)
        ike.clear_ike(built.lab, dev, peer)


@pytest.mark.parametrize("name", NAMES)
def test_clear_repairs_exactly_the_clearable_scenarios(name: str) -> None:
    built = S.build(name)
    sc = built.scenario
    assert sc is not None
    if sc.observe.ping != "fail" and sc.repair == "none":
        pytest.skip("traffic passes already, or a remote-access configuration fault: nothing for a clear to repair")
    _clear_both(built)
    fixed = _healthy(built, sc.probe)
    assert fixed == (sc.repair in ("clear", "probe")), f"repair={sc.repair}, healthy after clear={fixed}"


def test_reapply_repairs_the_incomplete_map() -> None:
    built = S.build("asa-ios-map-incomplete")
    asa = built.device("a")
    _clear_both(built)
    assert not _healthy(built, "a")
    S.apply_config(asa, ["no crypto map OUTSIDE_MAP interface outside", "crypto map OUTSIDE_MAP interface outside"])
    assert _healthy(built, "a")


def test_stale_sa_is_not_repaired_by_traffic_alone() -> None:
    built = S.build("asa-ios-stale-sa")
    for _ in range(3):
        assert not _healthy(built, "a")


def test_catalog_covers_at_least_25_root_causes_on_all_pairs() -> None:
    cat = S.catalog().values()
    faults = {sc.expect for sc in cat} - {"TUNNEL_UP", "TUNNEL_IDLE"}
    assert len(faults) >= 25
    assert {sc.pair for sc in cat} == {"asa-asa", "asa-ios", "ios-ios", "asa-ra", "ios-ra"}
    for pair in ("asa-asa", "asa-ios", "ios-ios"):
        assert any(sc.pair == pair and sc.repair == "clear" for sc in cat), pair
    assert any(sc.repair == "reapply" for sc in cat)
    assert any(sc.ssh for sc in cat)


def test_catalog_codes_are_in_the_shared_catalog() -> None:
    from tests.conftest import diagnosis_codes

    codes = diagnosis_codes()
    for sc in S.catalog().values():
        assert sc.expect in codes, sc.expect
