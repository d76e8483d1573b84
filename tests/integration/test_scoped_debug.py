"""A scoped live debug over SSH (issue 16, item 3): when the tree cannot decide, a debug
scoped to the peer is captured while the probe sends traffic, the tree is walked again
with its lines, and the debug is always turned off - after success, Ctrl-C, a hung read
and a dropped session - and never turned on without confirmation.

The undecidable case: `ios-ios-transform-mode-mismatch` (the branch's transform set is in
transport mode) on routers that refuse every command that would show the crypto
configuration, so phase 2 fails with nothing to say why (INSUFFICIENT_EVIDENCE); the
responder's `debug crypto ipsec` prints the transform refusal, which no syslog line carries."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.collector import TunnelCollector
from agent.lab import journal
from agent.lab import scenarios as S
from agent.lab.runner import RunningLab
from agent.live import diagnose_live
from agent.remediate.audit import AuditLog
from agent.remediate.scoped_debug import DebugOutcome, DebugPlan, capture_and_diagnose
from tests.integration.lab_helpers import lab_with_inventory

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

SCENARIO = "ios-ios-transform-mode-mismatch"
#: the crypto configuration, as the routers refuse to show it
REFUSED = ["show running-config", "show crypto map", "show ip access-lists", "show crypto ipsec transform-set",
           "show crypto isakmp policy"]
DEBUG_ONLY = "transform proposal (prot 3, trans 12, hmac_alg 2) not supported"
ON = {"hq-rtr": ["debug crypto condition peer ipv4 198.51.100.2", "debug crypto isakmp", "debug crypto ipsec"],
      "br-rtr": ["debug crypto condition peer ipv4 203.0.113.1", "debug crypto isakmp", "debug crypto ipsec"]}
OFF = {"hq-rtr": ["undebug all", "no debug crypto condition peer ipv4 198.51.100.2"],
       "br-rtr": ["undebug all", "no debug crypto condition peer ipv4 203.0.113.1"]}


def undecidable() -> S.BuiltLab:
    built = S.build(SCENARIO)
    for dev in built.lab.devices.values():
        dev.ssh.invalid_commands = list(REFUSED)
    return built


def journaled(path: Path) -> list[tuple[str, str]]:
    return [(str(e["device"]), str(e["command"])) for e in journal.read(str(path))]


def assert_off_after_on(built: S.BuiltLab, sent: list[tuple[str, str]], devices: tuple[str, ...] = ("hq-rtr", "br-rtr")) -> None:
    """Each device got its debug on, then (after the last on) everything off and the condition removed."""
    for device in devices:
        mine = [cmd for dev, cmd in sent if dev == device]
        assert mine[:3] == ON[device], mine
        last_on = max(i for i, cmd in enumerate(mine) if cmd in ON[device])
        assert all(cmd in mine[last_on:] for cmd in OFF[device]), mine
        state = built.lab.devices[device].state.debug
        assert not state.kinds and not state.peers, (device, state)


@contextmanager
def live_lab(built: S.BuiltLab, **overrides: dict[str, object]) -> Iterator[tuple[RunningLab, TunnelCollector]]:
    with RunningLab(built) as lab:
        with TunnelCollector(built.tunnels[0].name, lab.targets(0, **overrides), **lab.collector_options()) as col:
            yield lab, col


def capture(col: TunnelCollector, lab: RunningLab, audit: Path, *, confirm: bool = True,
            say: Callable[[str], None] | None = None, warn: Callable[[str], None] | None = None) -> DebugOutcome:
    live = diagnose_live(col, lab.probe())
    assert live.diagnosis.root_cause.code == "INSUFFICIENT_EVIDENCE", live.diagnosis.root_cause
    assert {c.code for c in live.diagnosis.possible_causes} >= {"TRANSFORM_SET_MISMATCH", "PROXY_ID_MISMATCH"}

    def ok(plan: DebugPlan) -> bool:
        return confirm

    return capture_and_diagnose(col, live, lab.probe(), ok, AuditLog(audit), confirmed_by="prompt", seconds=0,
                                say=say, warn=warn)


def journal_path() -> Path:
    import os

    return Path(os.environ[journal.JOURNAL_ENV])


def test_the_debug_names_the_transform_refusal_and_is_turned_off(tmp_path: Path) -> None:
    built = undecidable()
    said: list[str] = []
    with live_lab(built) as (lab, col):
        out = capture(col, lab, tmp_path / "audit.jsonl", say=said.append)
    diag = out.live.diagnosis
    assert out.status == "captured" and out.captured["br-rtr"] > 0 and not out.still_on
    assert diag.root_cause.code == "TRANSFORM_SET_MISMATCH", [(s.node, s.outcome, s.detail) for s in diag.steps]
    assert any(DEBUG_ONLY in e.excerpt for e in diag.root_cause.evidence), diag.root_cause.evidence
    debug_step = next(s for s in diag.steps if s.node == "debug")
    assert debug_step.outcome == "captured" and "debug off" in debug_step.detail
    assert "br-rtr: debug turned off (undebug all; no debug crypto condition peer ipv4 203.0.113.1)" in said
    sent = journaled(journal_path())
    assert_off_after_on(built, sent)
    records = AuditLog(tmp_path / "audit.jsonl").read()
    assert {(r["device"], r["command"]) for r in records} == set(sent)
    assert all(r["action"] == "debug_capture" and r["confirmed_by"] == "prompt" and r["outcome"] == "ok"
               and r["diagnosis"] == "INSUFFICIENT_EVIDENCE" for r in records)


def test_nothing_is_sent_without_confirmation(tmp_path: Path) -> None:
    built = undecidable()
    with live_lab(built) as (lab, col):
        out = capture(col, lab, tmp_path / "audit.jsonl", confirm=False)
    assert out.status == "declined" and out.live.diagnosis.root_cause.code == "INSUFFICIENT_EVIDENCE"
    assert any("scoped debug (not confirmed" in n for n in out.live.diagnosis.not_checked)
    assert journaled(journal_path()) == []
    assert not (tmp_path / "audit.jsonl").exists()
    assert not any(c.startswith(("debug", "undebug")) for d in built.lab.devices.values() for c in d.state.commands)


def test_ctrl_c_during_the_capture_turns_the_debug_off(tmp_path: Path) -> None:
    built = undecidable()

    def interrupt(text: str) -> None:
        if text.startswith("capturing"):
            raise KeyboardInterrupt

    with live_lab(built) as (lab, col), pytest.raises(KeyboardInterrupt):
        capture(col, lab, tmp_path / "audit.jsonl", say=interrupt)
    assert_off_after_on(built, journaled(journal_path()))


def test_a_hung_read_turns_the_debug_off_and_the_buffer_still_tells(tmp_path: Path) -> None:
    """The responder's capture session never returns its prompt: the debug is turned off
    through the collector's session, and its lines are read from the buffer (IOS at
    `logging buffered debugging`) by the re-read."""
    built = undecidable()
    built.lab.devices["br-rtr"].ssh.hang_commands = ["show clock"]
    with live_lab(built, **{"br-rtr": {"read_timeout": 2}}) as (lab, col):
        out = capture(col, lab, tmp_path / "audit.jsonl")
    assert any("br-rtr: the capture's session failed" in n for n in out.notes), out.notes
    assert out.captured["br-rtr"] == 0 and not out.still_on
    assert_off_after_on(built, journaled(journal_path()))
    diag = out.live.diagnosis
    assert diag.root_cause.code == "TRANSFORM_SET_MISMATCH"
    assert any(DEBUG_ONLY in e.excerpt for e in diag.root_cause.evidence), diag.root_cause.evidence


def test_a_dropped_session_is_reconnected_to_turn_the_debug_off(tmp_path: Path) -> None:
    """The responder drops every session at its next command once the capture runs (the
    capture's and the collector's); a new session turns the debug off."""
    built = undecidable()
    rtr = built.lab.devices["br-rtr"]

    def fault(text: str) -> None:
        if text.startswith("capturing"):
            rtr.ssh.drop_after_commands = 1
        if text.startswith("br-rtr: reconnecting"):
            rtr.ssh.drop_after_commands = None  # the drop was transient

    with live_lab(built) as (lab, col):
        out = capture(col, lab, tmp_path / "audit.jsonl", say=fault)
    assert not out.still_on
    assert_off_after_on(built, journaled(journal_path()))
    outcomes = [(r["command"], r["outcome"]) for r in AuditLog(tmp_path / "audit.jsonl").read() if r["device"] == "br-rtr"]
    assert outcomes[3][0] == "undebug all" and outcomes[3][1] != "ok", outcomes  # sent as the session dropped
    assert outcomes[-2:] == [(c, "ok") for c in OFF["br-rtr"]], outcomes  # again, on a new session


def test_a_debug_that_cannot_be_turned_off_is_said_loudly(tmp_path: Path) -> None:
    built = undecidable()
    rtr = built.lab.devices["br-rtr"]
    warned: list[str] = []

    def fault(text: str) -> None:
        if text.startswith("capturing"):
            rtr.ssh.drop_after_commands = 1  # and every new session too

    with live_lab(built, **{"br-rtr": {"connect_attempts": 1}}) as (lab, col):
        out = capture(col, lab, tmp_path / "audit.jsonl", say=fault, warn=warned.append)
    assert out.still_on == {"br-rtr": OFF["br-rtr"]}
    assert len(warned) == 1 and "THE DEBUG MAY STILL BE ON" in warned[0]
    assert "on br-rtr: undebug all / no debug crypto condition peer ipv4 203.0.113.1" in warned[0]
    assert_off_after_on(built, journaled(journal_path()), ("hq-rtr",))


def test_cli_debugs_only_with_allow_debug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--yes` alone does not turn a debug on; `--allow-debug` does, audited as such."""
    for flags, debugged in ((["--yes"], False), (["--allow-debug", "--debug-seconds", "0"], True)):
        audit = tmp_path / f"audit-{debugged}.jsonl"
        with lab_with_inventory(SCENARIO, tmp_path, monkeypatch) as (built_, inv):
            for dev in built_.lab.devices.values():
                dev.ssh.invalid_commands = list(REFUSED)
            result = CliRunner().invoke(app, ["diagnose", built_.tunnels[0].name, "-i", str(inv), "--json",
                                              "--audit-log", str(audit), *flags])
            sent = journaled(journal_path())
        doc = json.loads(result.output)
        if not debugged:
            assert result.exit_code == 3 and doc["root_cause"]["code"] == "INSUFFICIENT_EVIDENCE", result.output
            assert sent == [] and any("scoped debug (not confirmed" in n for n in doc["not_checked"])
            continue
        assert result.exit_code == 1 and doc["root_cause"]["code"] == "TRANSFORM_SET_MISMATCH", result.output
        assert any(s["node"] == "debug" for s in doc["steps"])
        assert_off_after_on(built_, sent)
        records = AuditLog(audit).read()
        assert records and all(r["confirmed_by"] == "--allow-debug" for r in records)


@pytest.mark.parametrize("name, debug_on", [
    ("asa-ios-psk-mismatch", "debug crypto ikev1 127"),
    ("asa-ios-ikev2-psk-mismatch", "debug crypto ikev2 protocol 127"),
])
def test_asa_debug_when_phase_1_stalls_and_the_router_is_not_ours(name: str, debug_on: str, tmp_path: Path) -> None:
    import dataclasses

    built = S.build(name)
    with RunningLab(built) as lab:
        targets = [dataclasses.replace(t, connection=None, platform=None) if t.name == "br-rtr" else t
                   for t in lab.targets(0)]
        with TunnelCollector(built.tunnels[0].name, targets, **lab.collector_options()) as col:
            live = diagnose_live(col, lab.probe())
            out = capture_and_diagnose(col, live, lab.probe(), lambda plan: True, AuditLog(tmp_path / "audit.jsonl"),
                                       confirmed_by="prompt", seconds=0)
    assert out.plan is not None and "br-rtr is not ours" in out.plan.reason
    assert out.status == "captured" and out.captured["hq-asa"] > 0
    peer = next(p for p in out.live.ctx.peers if p.name == "hq-asa")
    assert debug_on in peer.outputs  # the captured text, for the log parser
    sent = [cmd for dev, cmd in journaled(journal_path()) if dev == "hq-asa"]
    assert sent == ["debug crypto condition peer 198.51.100.2", debug_on,
                    "no debug all", "no debug crypto condition peer 198.51.100.2"]
    state = built.lab.devices["hq-asa"].state.debug
    assert not state.kinds and not state.peers


@pytest.mark.slow
@pytest.mark.parametrize("answer", ["n", "y"])
def test_at_a_terminal_the_debug_is_asked_for(answer: str, tmp_path: Path) -> None:
    """Through a real pseudo-terminal: the plan is shown and asked `y/N`; `n` sends nothing."""
    import os
    import sys

    import pexpect

    built = undecidable()
    with RunningLab(built) as lab:
        inv = tmp_path / "inventory.yaml"
        lab.write_inventory(inv)
        audit = tmp_path / "audit.jsonl"
        child = pexpect.spawn(
            sys.executable, ["-m", "agent", "diagnose", built.tunnels[0].name, "-i", str(inv), "--audit-log", str(audit),
                             "--debug-seconds", "0"],
            env={**os.environ, **lab.env(), "COLUMNS": "160", "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
            encoding="utf-8", timeout=90, dimensions=(50, 160))
        child.expect("proposed scoped debug")
        child.expect(r"Turn this debug on\? \[y/N\]")
        child.sendline(answer)
        child.expect(pexpect.EOF)
        child.close()
        output = child.before or ""
        sent = journaled(journal_path())
    if answer == "n":
        assert child.exitstatus == 3 and "INSUFFICIENT_EVIDENCE" in output, output
        assert sent == [] and not audit.exists()
    else:
        assert child.exitstatus == 1 and "TRANSFORM_SET_MISMATCH" in output, output
        assert "debug turned off" in output
        assert_off_after_on(built, sent)
        assert {r["confirmed_by"] for r in AuditLog(audit).read()} == {"prompt"}
