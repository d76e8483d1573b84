"""The lab's IKEv2: configuration lines of both platforms, what each negotiation failure
leaves on each side, the clear commands, and that the rendered `show crypto ikev2 sa` /
`show crypto isakmp sa` parse into IKEv2 phase-1 facts."""

from __future__ import annotations

import pytest

from agent.lab import ikev2
from agent.lab import scenarios as S
from agent.lab.config_common import GLOBAL, ConfigError
from agent.lab.scenarios import apply_config
from agent.lab.shell import DeviceShell
from agent.lab.world import Device
from agent.parsing.facts import build_peer_facts
from agent.parsing.model import Phase1State


def shell(dev: Device) -> DeviceShell:
    sh = DeviceShell(dev)
    sh.privileged = True
    return sh


def run(dev: Device, command: str) -> str:
    return shell(dev).handle_line(command).output


def test_ios_ikev2_lines_build_the_model_and_keys_per_direction() -> None:
    built = S.build("ios-ios-ikev2-psk-mismatch")
    cfg = built.device("b").config
    assert cfg.ikev2_proposals["IKEV2-PROP"].offers() == {("aes-256", "sha256", 14)}
    assert cfg.ikev2_policies == {"IKEV2-POL": ["IKEV2-PROP"]}
    peer = cfg.ikev2_keyrings["IKEV2-KEYS"]["PEER"]
    assert peer.local_key == built.secrets.psk and peer.remote_key == built.secrets.psk_other
    assert cfg.crypto_maps["VPN-MAP"][10].ikev2_profile == "IKEV2-PROF" and cfg.crypto_maps["VPN-MAP"][10].uses_ikev2
    assert ikev2.keys_for(cfg, built.tunnels[0].a_endpoint) == (built.secrets.psk, built.secrets.psk_other)
    assert ikev2.keys_for(cfg, built.tunnels[0].b_endpoint) is None  # no profile matches that identity


def test_asa_ikev2_lines_build_the_model() -> None:
    built = S.build("asa-asa-ikev2-psk-mismatch")
    cfg = built.device("b").config
    assert cfg.ikev2_asa_policies[10].offers() == {("aes-256", "sha256", 14)}
    assert cfg.ikev2_enabled == {"outside"} and not cfg.isakmp_enabled
    assert cfg.ipsec_proposals["AES256-SHA"].signatures() == {(("esp-aes-256", "esp-sha-hmac"), "tunnel")}
    group = cfg.tunnel_groups[str(built.tunnels[0].a_endpoint)]
    assert (group.ikev2_local_psk, group.ikev2_remote_psk, group.psk) == (built.secrets.psk_other, built.secrets.psk, None)


@pytest.mark.parametrize("name", ["asa-asa-ikev2-healthy", "ios-ios-ikev2-healthy", "asa-ios-ikev2-healthy"])
def test_running_config_replays_into_the_same_ikev2_model(name: str) -> None:
    built = S.build(name)
    for side in "ab":
        dev = built.device(side)
        text = run(dev, "more system:running-config" if dev.platform.value == "cisco_asa" else "show running-config")
        fresh = S.build(name, sec=built.secrets)
        copy = fresh.device(side)
        for table in ("ikev2_proposals", "ikev2_policies", "ikev2_asa_policies", "ikev2_keyrings", "ikev2_profiles",
                      "ipsec_proposals", "ikev2_enabled"):
            getattr(copy.config, table).clear()
        apply_config(copy, [ln for ln in text.splitlines() if ln.strip() and not ln.startswith((":", "Building", "Current"))])
        for table in ("ikev2_proposals", "ikev2_policies", "ikev2_asa_policies", "ikev2_keyrings", "ikev2_profiles",
                      "ipsec_proposals", "ikev2_enabled"):
            assert getattr(copy.config, table) == getattr(dev.config, table), (side, table)


def test_bad_ikev2_lines_are_refused() -> None:
    from agent.lab import config_asa, config_ios

    ios = config_ios.new_config("r")
    mode, _ = config_ios.apply(ios, GLOBAL, "crypto ikev2 policy P")
    with pytest.raises(ConfigError, match="does not exist"):
        config_ios.apply(ios, mode, "proposal NOPE")
    with pytest.raises(ConfigError):
        config_ios.apply(ios, GLOBAL, "crypto ikev2 bogus X")
    asa = config_asa.new_config("a")
    mode, _ = config_asa.apply(asa, GLOBAL, "crypto ikev2 policy 10")
    with pytest.raises(ConfigError):
        config_asa.apply(asa, mode, "encryption rot13")


@pytest.mark.parametrize("name, a_states, b_states", [
    ("asa-ios-ikev2-proposal-mismatch", [], []),  # NO_PROPOSAL_CHOSEN deletes the half-open SA on both
    ("asa-asa-ikev2-psk-mismatch", [], []),  # one direction's key: the initiator deletes, the responder follows
    ("asa-asa-ikev2-peer-unreachable", ["IN-NEG"], []),  # IKE_SA_INIT retransmitted
    ("asa-asa-ikev2-proxy-mismatch", ["READY"], ["READY"]),  # TS_UNACCEPTABLE: IKE SA up, no child
])
def test_what_each_failure_leaves(name: str, a_states: list[str], b_states: list[str]) -> None:
    built = S.build(name)
    assert not any(S.probe(built, "a"))
    for side, want in (("a", a_states), ("b", b_states)):
        dev = built.device(side)
        assert [sa.state for sa in dev.state.ike_sas.values()] == want, side
        assert all(sa.version == 2 for sa in dev.state.ike_sas.values())
        assert not dev.state.ipsec_sas


def test_pfs_differs_only_at_the_rekey() -> None:
    built = S.build("asa-ios-ikev2-healthy")
    apply_config(built.device("a"), ["crypto map OUTSIDE_MAP 10 set pfs group14"])
    S.probe(built, "a")
    assert built.device("a").state.ipsec_sas  # IKE_AUTH carries no KE payload: the first child SA comes up
    S.run_action(built, {"expire_child": "a"})
    assert not any(S.probe(built, "a"))
    assert not built.device("a").state.ipsec_sas and "NO_PROPOSAL_CHOSEN" in built.device("a").state.logs[-1].text


@pytest.mark.lab_direct  # types the clears as an operator would, not through the agent
def test_asa_clears_ikev2_sas_with_the_ikev2_command_only() -> None:
    built = S.build("asa-asa-ikev2-healthy")
    a = built.device("a")
    peer = str(built.tunnels[0].b_endpoint)
    run(a, f"clear crypto ikev1 sa {peer}")
    assert a.state.ike_sas and a.state.ipsec_sas
    run(a, f"clear crypto ikev2 sa {peer}")
    assert not a.state.ike_sas and not a.state.ipsec_sas
    assert all(S.probe(built, "a")[1:])  # renegotiated on the next packet


@pytest.mark.parametrize("name", ["asa-asa-ikev2-healthy", "ios-ios-ikev2-healthy"])
def test_rendered_ikev2_tables_parse_into_ikev2_facts(name: str) -> None:
    built = S.build(name)
    for side in "ab":
        dev = built.device(side)
        command = "show crypto isakmp sa detail" if dev.platform.value == "cisco_asa" else "show crypto ikev2 sa detail"
        outputs = {command: run(dev, command), "show crypto ikev2 sa": run(dev, "show crypto ikev2 sa")}
        facts = build_peer_facts(dev.platform.value, outputs)
        assert facts.phase1.readable and facts.phase1.value, facts.phase1.notes
        (sa,) = facts.phase1.value  # the same SA from both commands, folded
        assert sa.ike_version == 2 and sa.state is Phase1State.ESTABLISHED and sa.state_raw == "READY"
        assert str(sa.peer) == str(built.tunnels[0].b_endpoint if side == "a" else built.tunnels[0].a_endpoint)
        assert sa.dh_group == 14


def test_asa_isakmp_sa_lists_both_versions() -> None:
    built = S.build("asa-ios-ikev2-healthy")
    out = run(built.device("a"), "show crypto isakmp sa")
    assert "There are no IKEv1 SAs" in out and "IKEv2 SAs:" in out and "READY" in out
    idle = S.build("asa-ios-healthy")
    assert run(idle.device("a"), "show crypto ikev2 sa") == "\nThere are no IKEv2 SAs\n"
