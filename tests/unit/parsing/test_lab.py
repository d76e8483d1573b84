"""(e) The lab simulator's rendered output gives the same facts structure as real output
of the same commands, and what each scenario says the peers show (the seeds' states,
SAs, counters, logs, ASP drops) is what the facts say."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from agent.parsing import FactStatus, build_peer_facts
from agent.parsing.commands import COMMANDS, commands_for
from agent.parsing.model import PeerFacts
from agent.parsing.result import Platform
from agent.parsing.states import normalise_state
from tests.unit.parsing.conftest import fixture_text

pytest.importorskip("agent.lab.render_asa")
pytest.importorskip("agent.lab.render_ios")
S = pytest.importorskip("agent.lab.scenarios")
from agent.lab.shell import DeviceShell  # noqa: E402

EXTRA = {
    Platform.ASA: ("show crypto ipsec sa detail", "show crypto ikev1 sa", "show crypto ikev2 sa", "show running-config ipsec",
                   "show vpn-sessiondb detail l2l", "more system:running-config"),
    Platform.IOS: ("show crypto ipsec sa detail", "show crypto session", "show running-config", "show access-lists"),
}
RUN_KEY = b"lab-run-key"


def _facts(built: Any, side: str, run_key: bytes | None = RUN_KEY, ping: bool = False) -> tuple[PeerFacts, dict[str, str]]:
    """Every show command of the collector's table on one side (a ping, which sends traffic
    and so changes the tunnel, only when asked)."""
    dev = built.device(side)
    platform = Platform(dev.platform.value)
    shell = DeviceShell(dev)
    shell.privileged = True
    tunnel = built.tunnels[0]
    label, target = tunnel.a_probe if side == "a" else tunnel.b_probe
    outputs = {cmd: shell.handle_line(cmd).output for cmd in commands_for(platform) + EXTRA[platform]}
    if ping:
        command = f"ping {label} {target}" if platform is Platform.ASA else f"ping {target} source {label}"
        outputs[command] = shell.handle_line(command).output
    return build_peer_facts(platform.value, outputs, run_key), outputs


def _populated(item: Any) -> set[str]:
    return {f.name for f in fields(item) if getattr(item, f.name) not in (None, "", (), [])}


@pytest.mark.parametrize("name", sorted(S.catalog()))
def test_lab_output_reads_and_matches_the_scenario(name: str) -> None:
    built = S.build(name)
    sc = built.scenario
    if sc.observe.after_probe:
        S.probe(built, sc.probe)
    both = {side: _facts(built, side)[0] for side in built.sides}
    for side, facts in both.items():
        unread = {n: getattr(facts, n).notes for n in ("phase1", "phase2", "crypto_maps", "acl_entries", "routes", "logs",
                                                        "tunnel_groups", "isakmp_policies", "transform_sets")
                  if getattr(facts, n).status in (FactStatus.UNPARSED, FactStatus.DEVICE_ERROR)}
        assert not unread, (side, unread)
        assert facts.unused in ((), ("show vpn-sessiondb detail l2l",), ("show vpn-sessiondb detail l2l", "more system:running-config"))
        _check_observation(side, facts, getattr(sc.observe, side))


def _check_observation(side: str, facts: PeerFacts, obs: Any) -> None:
    phase1, phase2 = facts.phase1.value or [], facts.phase2.value or []
    if obs.isakmp_state:
        assert normalise_state(obs.isakmp_state) in {normalise_state(p.state_raw) for p in phase1}, side
    if obs.no_isakmp_sa:
        assert facts.phase1.status is FactStatus.EMPTY, side
    if obs.ipsec_sa is not None:
        assert any(f.has_sa for f in phase2) is obs.ipsec_sa, side
    for counter in ("encaps", "decaps"):
        want = getattr(obs, counter)
        total = sum(getattr(f, counter) or 0 for f in phase2)
        if want:
            assert (total > 0) is (want == "positive"), (side, counter, total)
    messages = " ".join(f"{line.code} {line.message}" for line in facts.logs.value or [])
    for text in obs.log:
        assert text in messages, (side, text)
    if obs.asp_drop:
        assert any(obs.asp_drop in f"{d.reason} {d.description}" for d in facts.asp_drops.value or []), side


def test_lab_facts_have_the_shape_of_real_output_facts() -> None:
    built = S.build("asa-ios-healthy")
    S.probe(built, "a")
    asa, _ = _facts(built, "a", ping=True)
    ios, _ = _facts(built, "b", ping=True)
    assert (asa.pings.value or [])[0].success_pct == 100 and (ios.pings.value or [])[0].received == 5
    real_asa = build_peer_facts("cisco_asa", {
        "show crypto ipsec sa": fixture_text("cisco_asa", "show_crypto_ipsec_sa", "seed003_ra_l2tp.txt"),
        "show crypto isakmp sa": fixture_text("cisco_asa", "show_crypto_isakmp_sa", "seed000_mm_active.txt"),
    })
    real_ios = build_peer_facts("cisco_ios", {
        "show crypto ipsec sa": fixture_text("cisco_ios", "show_crypto_ipsec_sa", "seed001_ios_12x.txt"),
        "show crypto isakmp sa": fixture_text("cisco_ios", "show_crypto_isakmp_sa", "seed001_qm_idle_slot.txt"),
    })
    core2 = {"peer", "local_endpoint", "interface", "crypto_map", "local_ident", "remote_ident", "spi_in", "spi_out",
             "spis_in", "spis_out", "encaps", "decaps", "transform", "mode", "lifetime_kb", "lifetime_seconds"}
    for lab, real in ((asa, real_asa), (ios, real_ios)):
        lab2, real2 = (lab.phase2.value or [])[0], (real.phase2.value or [])[0]
        assert type(lab2) is type(real2) and core2 <= _populated(lab2) and core2 <= _populated(real2)
        assert lab2.complete and real2.complete and lab2.send_errors == 0 and real2.send_errors is not None
        lab1, real1 = (lab.phase1.value or [])[0], (real.phase1.value or [])[0]
        assert {"peer_raw", "state_raw", "state", "ike_version"} <= _populated(lab1) & _populated(real1)
        assert lab1.state is real1.state


def test_lab_psk_mismatch_shows_in_the_fingerprints() -> None:
    for name, equal in (("asa-ios-healthy", True), ("asa-ios-psk-mismatch", False)):
        built = S.build(name)
        asa, outputs = _facts(built, "a")
        ios, _ = _facts(built, "b")
        assert built.secrets.psk not in repr(asa) + repr(ios)
        asa_fp = {t.psk_fingerprint for t in asa.tunnel_groups.value or [] if t.psk_fingerprint}
        ios_fp = {t.psk_fingerprint for t in ios.tunnel_groups.value or [] if t.psk_fingerprint}
        assert asa_fp and ios_fp and (asa_fp == ios_fp) is equal, name


def test_commands_table_is_what_the_lab_answers() -> None:
    for platform, groups in COMMANDS.items():
        assert groups and all(isinstance(c, str) for cmds in groups.values() for c in cmds), platform


def _collect_like_the_collector(built: Any, side: str, redactor: Any) -> dict[str, str]:
    """The collector's command table (agent.platforms), its fallbacks, its redaction."""
    platforms = pytest.importorskip("agent.platforms")
    dev = built.device(side)
    tunnel = built.tunnels[0]
    peer = str(tunnel.b_endpoint if side == "a" else tunnel.a_endpoint)
    shell = DeviceShell(dev)
    shell.privileged = True
    outputs = {}
    for spec in platforms.tunnel_commands(dev.platform.value, peer):
        command, text = spec.command, shell.handle_line(spec.command).output
        if spec.fallback and platforms.is_device_error(dev.platform.value, text):
            command, text = spec.fallback, shell.handle_line(spec.fallback).output
        outputs[command] = redactor.redact(text)
    return outputs


@pytest.mark.parametrize("name", ["asa-ios-healthy", "asa-asa-healthy", "ios-ios-healthy", "asa-ios-psk-mismatch",
                                  "ios-ios-psk-mismatch", "asa-asa-psk-mismatch", "asa-ios-nat-exemption-missing"])
def test_the_collectors_commands_all_read_and_its_fingerprints_compare(name: str) -> None:
    redact = pytest.importorskip("agent.redact")
    built = S.build(name)
    redactor = redact.Redactor()
    facts = {}
    for side in "ab":
        outputs = _collect_like_the_collector(built, side, redactor)
        facts[side] = build_peer_facts(built.device(side).platform.value, outputs)
        unread = {n: k.notes for n in PeerFacts.__dataclass_fields__ if hasattr(k := getattr(facts[side], n), "status")
                  and k.status in (FactStatus.UNPARSED, FactStatus.DEVICE_ERROR)}
        assert not unread, (side, unread)
        assert all(c.startswith("show vpn-sessiondb") for c in facts[side].unused), facts[side].unused
        assert built.secrets.psk not in repr(facts[side])
    prints = [{t.psk_fingerprint for t in facts[s].tunnel_groups.value or [] if t.psk_fingerprint} for s in "ab"]
    assert prints[0] and prints[1]
    assert (prints[0] == prints[1]) is ("psk-mismatch" not in name), prints
    if name == "asa-ios-nat-exemption-missing":
        asa = facts["a"] if built.device("a").platform.value == "cisco_asa" else facts["b"]
        assert not any(r.exempt for r in asa.nat_rules.value or [])
    elif name == "asa-ios-healthy":
        exempt = [r for r in facts["a"].nat_rules.value or [] if r.exempt]
        assert exempt and [str(n) for n in exempt[0].source_networks] == ["10.1.1.0/24"]
        ios_exempt = [r for r in facts["b"].nat_rules.value or [] if r.exempt]
        assert ios_exempt and [str(n) for n in ios_exempt[0].destination_networks] == ["10.1.1.0/24"]
