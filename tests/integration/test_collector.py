"""The collector against the lab over real SSH: both peers at once, bundles that round
trip, a failed peer that does not sink the other, and no secret in anything written."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agent import logs
from agent.collector import (
    TunnelCollector,
    read_bundle,
    write_bundle,
)
from agent.lab import scenarios as S
from agent.lab.runner import RunningLab
from agent.platforms import is_device_error, tunnel_commands
from agent.redact import FINGERPRINT_RE, Redactor

pytestmark = pytest.mark.integration


@contextmanager
def running(name: str) -> Iterator[tuple[S.BuiltLab, RunningLab]]:
    built = S.build(name)
    with RunningLab(built) as lab:
        yield built, lab


@pytest.mark.parametrize("name", ["asa-asa-healthy", "asa-ios-healthy", "ios-ios-healthy"])
def test_collects_both_peers_and_the_bundle_round_trips(name: str, tmp_path: Path) -> None:
    with running(name) as (built, lab):
        events: list[tuple[float, str, str]] = []
        with TunnelCollector(built.tunnels[0].name, lab.targets(),
                             progress=lambda peer, text: events.append((time.monotonic(), peer, text))) as col:
            bundle = col.collect()
        path = write_bundle(bundle, tmp_path / "b")
        back = read_bundle(path.parent)
    assert back == bundle
    for peer in back.peers:
        assert peer.error is None
        specs = tunnel_commands(peer.platform or "", "x")
        assert len(peer.outputs) == len(specs)
        for command, text in peer.outputs.items():
            assert text.strip(), command
            assert not is_device_error(peer.platform or "", text), (command, text)
    # both sessions were open at once: each peer connected before the other finished
    done = {peer: ts for ts, peer, text in events if text == "done"}
    started = {peer: ts for ts, peer, text in events if text == "connecting"}
    a, b = started
    assert started[a] < done[b] and started[b] < done[a]


def test_session_stays_open_for_more_commands() -> None:
    with running("asa-ios-healthy") as (built, lab):
        with TunnelCollector("t", lab.targets()) as col:
            col.collect()
            logins = built.device("a").state.logins
            extra = col.run("hq-asa", "show crypto ikev1 sa")
            assert extra is not None and "MM_ACTIVE" in extra.output
            assert built.device("a").state.logins == logins  # no reconnect per command


@pytest.mark.parametrize("device, last_line", [("hq-asa", ": end"), ("br-rtr", "end")])
def test_an_output_naming_the_host_is_read_to_its_end(device: str, last_line: str) -> None:
    """The prompt is found once per session; a line like `hostname hq-asa` in the middle
    of an output must not end the read (only the whole prompt at the very end does)."""
    with running("asa-ios-healthy") as (built, lab):
        with TunnelCollector("t", lab.targets()) as col:
            col.collect()
            session = col.session(device)
            assert session is not None and session.prompt_pattern is not None
            result = col.run(device, "show running-config")
    assert result is not None and result.ok
    lines = result.output.rstrip().splitlines()
    assert f"hostname {device}" in result.output and lines[-1].strip() == last_line, lines[-3:]


def test_old_asa_is_read_with_the_isakmp_form() -> None:
    # 8.x rejects `show crypto ikev1 ...`; the collector reads phase 1 with the isakmp form,
    # which every ASA version answers (9.x lists IKEv1 and IKEv2 SAs in it)
    with running("asa-ios-old-asa-version") as (built, lab):
        with TunnelCollector("t", lab.targets()) as col:
            bundle = col.collect()
    asa = bundle.peer("hq-asa")
    assert asa is not None and asa.error is None
    assert "show crypto isakmp sa detail" not in asa.fallbacks
    assert not any(cmd.startswith("show crypto ikev1") for cmd in asa.outputs)
    assert "MM_ACTIVE" in asa.outputs["show crypto isakmp sa detail"]


@pytest.mark.parametrize(
    "scenario, peer, kind, overrides",
    [
        ("asa-ios-ssh-auth-refused", "br-rtr", "auth", {}),
        ("asa-ios-ssh-hang", "hq-asa", "timeout", {"hq-asa": {"read_timeout": 2}}),
        ("asa-ios-ssh-slow-banner", "br-rtr", "timeout", {"br-rtr": {"banner_timeout": 1, "connect_attempts": 1}}),
        ("asa-ios-healthy", "br-rtr", "refused", {"br-rtr": {"port": 1}}),
        ("asa-ios-healthy", "br-rtr", "refused", {"br-rtr": {"host": "127.0.0.99", "port": 1}}),  # nobody there
        ("asa-ios-ssh-enable-refused", "hq-asa", "enable", {}),
        ("ios-ios-ssh-enable-refused", "br-rtr", "enable", {}),
        ("asa-ios-ssh-dropped", "br-rtr", "timeout", {"br-rtr": {"read_timeout": 2}}),
        ("asa-ios-ssh-endless-output", "hq-asa", "timeout", {"hq-asa": {"read_timeout": 2}}),
    ],
)
@pytest.mark.timeout(120)  # a hang guard: every fault ends at its configured timeout
def test_one_failed_peer_keeps_the_other(scenario: str, peer: str, kind: str, overrides: dict, tmp_path: Path) -> None:
    with running(scenario) as (built, lab):
        with TunnelCollector("t", lab.targets(0, **overrides)) as col:
            bundle = col.collect()
    failed = bundle.peer(peer)
    other = next(p for p in bundle.peers if p.name != peer)
    assert failed is not None and failed.error is not None and failed.error.kind == kind, failed
    assert other.error is None and len(other.outputs) == len(tunnel_commands(other.platform or "", "x"))
    back = read_bundle(write_bundle(bundle, tmp_path / "b").parent)
    assert back.peer(peer).error.kind == kind  # type: ignore[union-attr]


@pytest.mark.parametrize("overrides, says", [
    ({"read_timeout": 2}, r"the output did not end: \d+ bytes in 2 s and no prompt during 'show logging'"),
    ({"read_timeout": 30, "max_output_bytes": 200_000},
     r"the output did not end: over 200000 bytes and no prompt during 'show logging'"),
])
def test_an_output_that_never_ends_is_cut_off_and_named(overrides: dict, says: str) -> None:
    """The ASA's `show logging` streams for ever: the read stops at the read timeout or at
    the output budget, whichever comes first, with an error that says which, and every
    command before it is kept."""
    with running("asa-ios-ssh-endless-output") as (built, lab):
        with TunnelCollector("t", lab.targets(0, **{"hq-asa": overrides})) as col:
            bundle = col.collect()
    asa = bundle.peer("hq-asa")
    assert asa is not None and asa.error is not None and asa.error.kind == "timeout"
    assert re.search(says, asa.error.message), asa.error.message
    assert "show logging" not in asa.outputs and "show running-config crypto" in asa.outputs  # the message says which limit ended it


def test_a_silent_device_is_not_called_endless() -> None:
    with running("asa-ios-ssh-hang") as (built, lab):
        with TunnelCollector("t", lab.targets(0, **{"hq-asa": {"read_timeout": 2}})) as col:
            bundle = col.collect()
    asa = bundle.peer("hq-asa")
    assert asa is not None and asa.error is not None
    assert "timed out waiting for the device's prompt" in asa.error.message and "did not end" not in asa.error.message


def _fingerprints(bundle_outputs: dict[str, str]) -> set[str]:
    return {m for text in bundle_outputs.values() for m in FINGERPRINT_RE.findall(text)}


@pytest.mark.parametrize("name, equal", [("asa-ios-healthy", True), ("asa-ios-psk-mismatch", False),
                                          ("asa-asa-healthy", True), ("ios-ios-psk-mismatch", False)])
def test_no_secret_written_and_fingerprints_compare(name: str, equal: bool, tmp_path: Path) -> None:
    log_file = tmp_path / "agent.log"
    with log_file.open("w") as stream:
        logs.configure(json=True, level="info", stream=stream)
        with running(name) as (built, lab):
            with TunnelCollector("t", lab.targets(), Redactor(), session_log_dir=tmp_path / "sessions") as col:
                bundle = col.collect()
            write_bundle(bundle, tmp_path / "bundle")
    logs.configure(json=True, level="warning")
    sec = built.secrets
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" and p.parent.name == "sessions" for p in written)
    for path in written:
        text = path.read_text(errors="replace")
        for secret in (sec.psk, sec.psk_other, sec.password, sec.enable):
            assert secret not in text, f"{secret!r} leaked into {path}"
    events = [json.loads(line) for line in log_file.read_text().splitlines() if line.strip()]
    assert any(e.get("event") == "command" and e.get("device") and "bytes" in e and "seconds" in e for e in events)
    a, b = (_fingerprints(p.outputs) for p in bundle.peers)
    assert a and b
    assert (a == b) is equal, (a, b)


def test_fingerprint_is_useless_across_runs() -> None:
    with running("asa-ios-healthy") as (built, lab):
        runs = []
        for _ in range(2):
            with TunnelCollector("t", lab.targets(), Redactor()) as col:
                runs.append(_fingerprints(col.collect().peers[0].outputs))
    assert runs[0] and runs[1] and runs[0] != runs[1]


def test_bundle_reader_accepts_partial_bundles(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "isakmp.txt").write_text("IPv4 Crypto ISAKMP SA\n")
    (tmp_path / "bundle.yaml").write_text(
        "peers:\n"
        "  - name: hq\n    platform: cisco_xe\n    outputs: {'show crypto isakmp sa': a/isakmp.txt}\n    extra: 1\n"
        "  - name: them\n    crypto_endpoint: 192.0.2.9\n"
        "whatever: ignored\n"
    )
    b = read_bundle(tmp_path)
    assert b.peers[0].platform == "cisco_ios" and "ISAKMP" in b.peers[0].outputs["show crypto isakmp sa"]
    assert b.peers[1].outputs == {} and b.peers[1].crypto_endpoint == "192.0.2.9"


@pytest.mark.parametrize(
    "content, message",
    [
        ("peers: [", "invalid YAML"),
        ("- 1\n- 2\n", "top level must be a mapping"),
        ("peers: []\n", "non-empty list"),
        ("peers:\n  - platform: cisco_ios\n", "needs a 'name'"),
        ("peers:\n  - name: x\n    platform: junos\n", "unknown platform"),
        ("peers:\n  - name: x\n    platform: cisco_ios\n    outputs: {'show x': nope.txt}\n", "missing"),
        ("peers:\n  - name: x\n    platform: cisco_ios\n    outputs: {'show x': ../../etc/passwd}\n", "outside the bundle"),
    ],
)
def test_bundle_reader_errors_are_clear(tmp_path: Path, content: str, message: str) -> None:
    from agent.errors import BundleError

    (tmp_path / "bundle.yaml").write_text(content)
    with pytest.raises(BundleError, match=re.escape(message)):
        read_bundle(tmp_path)


def test_collects_through_a_jump_host() -> None:
    from agent.collector import JumpSpec

    built = S.build("ios-ios-healthy")
    with RunningLab(built, bastion=True) as lab:
        jump = JumpSpec("127.0.0.1", lab.bastion_port(), "jump", built.secrets.password)
        targets = lab.targets(0, **{n: {"jump": jump} for n in built.lab.devices})
        with TunnelCollector("t", targets) as col:
            bundle = col.collect()
        assert all(p.error is None and p.outputs for p in bundle.peers)
        bad = JumpSpec("127.0.0.1", lab.bastion_port(), "jump", "wrong")
        with TunnelCollector("t", lab.targets(0, **{n: {"jump": bad} for n in built.lab.devices})) as col:
            failed = col.collect()
        assert all(p.error is not None and p.error.kind == "auth" for p in failed.peers)


def test_host_key_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    built = S.build("ios-ios-healthy")
    with RunningLab(built) as lab:
        good = tmp_path / "kh"
        good.write_text(lab.known_hosts())
        ok = lab.targets(0, **{n: {"known_hosts": str(good), "host_key_policy": "strict"} for n in built.lab.devices})
        with TunnelCollector("t", ok) as col:
            assert all(p.error is None for p in col.collect().peers)
        other = RunningLab(S.build("ios-ios-healthy"))  # a different lab: a different host key
        bad = tmp_path / "bad"
        bad.write_text("".join(f"[127.0.0.1]:{lab.port(n)} {other.server.host_key_public}\n" for n in built.lab.devices))
        wrong = lab.targets(0, **{n: {"known_hosts": str(bad), "host_key_policy": "strict", "connect_attempts": 1}
                                  for n in built.lab.devices})
        with TunnelCollector("t", wrong) as col:
            peers = col.collect().peers
    assert all(p.error is not None and p.error.kind == "host_key" for p in peers), [p.error for p in peers]
