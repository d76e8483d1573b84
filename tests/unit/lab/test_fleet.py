from __future__ import annotations

from agent.lab.fleet import FleetSpec, build_fleet
from agent.lab.model import Platform


def test_fleet_shape_and_faults() -> None:
    spec = FleetSpec.parse("50:20")
    built = build_fleet(spec)
    assert len(built.lab.devices) == 20 and len(built.tunnels) == 50
    assert {d.platform for d in built.lab.devices.values()} == {Platform.ASA, Platform.IOS}
    per_device = {name: 0 for name in built.lab.devices}
    for t in built.tunnels:
        per_device[t.a] += 1
        per_device[t.b] += 1
    assert min(per_device.values()) >= 3  # a device terminates several tunnels on one map
    for k, t in enumerate(built.tunnels):
        a, b = built.lab.devices[t.a], built.lab.devices[t.b]
        a_sas = [s for s in a.state.ipsec_sas if s.peer == t.b_endpoint]
        b_sas = [s for s in b.state.ipsec_sas if s.peer == t.a_endpoint]
        fault = spec.faults.get(k)
        if fault is None:
            assert a_sas and b_sas and a_sas[0].spi_out == b_sas[0].spi_in, t.name
            assert a_sas[0].counters.decaps > 0
        elif fault in ("psk_mismatch", "transform_mismatch", "no_traffic"):
            assert not a_sas and not b_sas, (t.name, fault)
        elif fault == "stale_sa":
            assert a_sas and not b_sas
        elif fault == "esp_blocked":
            assert a_sas and a_sas[0].counters.decaps == 0


def test_fleet_spec_parsing() -> None:
    assert FleetSpec.parse("10").devices == 6
    assert FleetSpec.parse("10:5").tunnels == 10
