"""``FastTextFSM`` gives exactly stock TextFSM's result (or the same error), template by
template, over the real-device corpus, the lab's outputs, and a template that uses every
option and action."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import textfsm

from agent.lab import scenarios as S
from agent.lab.fleet import FleetSpec, build_fleet
from agent.lab.shell import DeviceShell
from agent.parsing.fastfsm import OPTIONS_INPUT, OPTIONS_TEMPLATE, FastTextFSM, join_rules, machine_class
from agent.parsing.result import platform_of
from agent.parsing.templates import _text, find_template
from agent.platforms import device_commands, tunnel_commands
from tests.unit.parsing.conftest import corpus_items

Sample = tuple[str, str, str]  # platform, command, text


def _outcome(fsm: textfsm.TextFSM, text: str) -> tuple[str, object]:
    fsm.Reset()
    try:
        return "ok", fsm.ParseText(_text(text))
    except textfsm.TextFSMError as exc:
        return "error", str(exc)


def _lab_samples() -> list[Sample]:
    samples: list[Sample] = []
    built = [build_fleet(FleetSpec.parse("12:6"))] + [S.build(n) for n in ("asa-ios-psk-mismatch", "ios-ios-healthy")]
    for lab in built:
        for dev in lab.lab.devices.values():
            shell = DeviceShell(dev, "admin")
            shell.privileged = True
            platform = dev.platform.value
            commands = [c.command for c in device_commands(platform)]
            commands += [c.command for c in tunnel_commands(platform, "203.0.113.1")]
            samples += [(platform, c, shell.handle_line(c).output) for c in dict.fromkeys(commands)]
    return samples


def _compare(samples: list[Sample]) -> int:
    stock: dict[Path, textfsm.TextFSM] = {}
    fast: dict[Path, FastTextFSM] = {}
    compared = 0
    for platform, command, text in samples:
        plat = platform_of(platform)
        path = find_template(plat, command) if plat else None
        if path is None:
            continue
        if path not in stock:
            stock[path] = textfsm.TextFSM(path.open(encoding="utf-8"))
            fast[path] = FastTextFSM(path.open(encoding="utf-8"))
        assert _outcome(fast[path], text) == _outcome(stock[path], text), (path.name, command)
        compared += 1
    return compared


@pytest.mark.usefixtures("corpus_present")
def test_same_results_as_textfsm_over_the_corpus() -> None:
    items = corpus_items()
    assert _compare([(i.platform, i.command, i.raw) for i in items]) > 100


def test_same_results_as_textfsm_over_lab_outputs() -> None:
    assert _compare(_lab_samples()) > 50


@pytest.mark.parametrize("text", [OPTIONS_INPUT, OPTIONS_INPUT + "stop\nitem eight state up\nend\n",
                                  OPTIONS_INPUT + "error\n", "", "\n\n", "end\n"])
def test_every_option_and_action_as_textfsm(text: str) -> None:
    stock = textfsm.TextFSM(io.StringIO(OPTIONS_TEMPLATE))
    fast = FastTextFSM(io.StringIO(OPTIONS_TEMPLATE))
    assert _outcome(fast, text) == _outcome(stock, text)
    assert fast.header == stock.header


def test_join_rules_keeps_order_and_refuses_back_references() -> None:
    plan = join_rules([r"^a(?P<X>\d)", r"^a\d+", r"^(?i:B)(?P<Y>\w)"])
    assert plan is not None
    m = plan.regex.match("a12")
    assert m is not None and m.lastgroup == "_0" and m.group("_0_X") == "1"  # the first rule wins
    m = plan.regex.match("bz")
    assert m is not None and m.lastgroup == "_2" and plan.groups[2] == (("_2_Y", "Y"),)
    assert join_rules([r"^(\w)\1", r"^x"]) is None
    assert join_rules([r"^(?P<A>\w)(?P=A)", r"^x"]) is None
    assert join_rules([r"^x", r"(?i)^y"]) is None  # global flags cannot be joined



def test_the_fast_machine_is_used_only_when_it_agrees_with_the_installed_textfsm(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert machine_class() is FastTextFSM  # the installed textfsm: identical on the self-check
    machine_class.cache_clear()
    try:
        # as if textfsm's internals had moved: the fast machine's loop no longer sees its records
        monkeypatch.setattr(FastTextFSM, "_AppendRecord", lambda self: None)
        assert machine_class() is textfsm.TextFSM
    finally:
        monkeypatch.undo()
        machine_class.cache_clear()
    assert machine_class() is FastTextFSM
