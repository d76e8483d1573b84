"""The lean netmiko drivers against the lab over SSH: the set-up lines netmiko runs (minus
its readiness probe), enable with the secret, prompts with characters that mean something
to a regex, a banner whose lines end in `#`, and outputs identical to stock netmiko's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from netmiko import ConnectHandler

from agent.collector import DeviceSession
from agent.collector.driver import LeanCiscoAsa, LeanCiscoIos
from agent.lab import scenarios as S
from agent.lab.runner import RunningLab
from agent.lab.shell import DeviceShell
from agent.redact import Redactor

pytestmark = pytest.mark.integration

SETUP = {
    "cisco_ios": ["terminal width 511", "terminal length 0", "enable"],
    "cisco_asa": ["enable", "terminal pager 0", "configure terminal", "terminal width 511", "end"],
}
STATIC = {  # outputs that do not change between two sessions
    "cisco_ios": ["show running-config | section crypto", "show crypto map", "show ip route", "show ip interface brief"],
    "cisco_asa": ["show running-config crypto", "show running-config nat", "show route", "show interface ip brief",
                  "more system:running-config | include pre-shared-key|^tunnel-group"],
}


@contextmanager
def running(name: str, hostnames: dict[str, str] | None = None) -> Iterator[tuple[S.BuiltLab, RunningLab]]:
    built = S.build(name)
    for device, hostname in (hostnames or {}).items():
        built.lab.devices[device].config.hostname = hostname
    with RunningLab(built) as lab:
        yield built, lab


def _sessions(lab: RunningLab, redactor: Redactor | None = None) -> Iterator[tuple[str, DeviceSession]]:
    for target in lab.targets():
        assert target.connection is not None
        with DeviceSession(target.connection, redactor or Redactor()) as session:
            yield target.name, session


BRIEF = {"cisco_ios": "show ip interface brief", "cisco_asa": "show interface ip brief"}


@pytest.mark.parametrize("name", ["asa-ios-healthy", "ios-ios-healthy", "asa-asa-healthy"])
def test_setup_runs_netmikos_lines_and_ends_privileged(name: str) -> None:
    with running(name) as (built, lab):
        start = {n: len(d.state.commands) for n, d in built.lab.devices.items()}
        for device, session in _sessions(lab):
            dev = built.lab.devices[device]
            assert isinstance(session.conn, (LeanCiscoIos, LeanCiscoAsa))
            assert session.conn.lean_prompt == f"{dev.hostname}#"
            assert session.run(BRIEF[session.platform]).ok
            # netmiko's set-up lines, then the command: no prompt hunting, no enable check
            assert dev.state.commands[start[device]:] == SETUP[session.platform] + [BRIEF[session.platform]]


@pytest.mark.parametrize("hostnames", [
    {"hq-asa": "fw.hq+1$", "br-rtr": "r.1+(x)*"},
    {"hq-asa": "a-very-long-asa-hostname-01", "br-rtr": "a-very-long-router-name-01"},
])
def test_prompts_with_regex_characters_and_long_names(hostnames: dict[str, str]) -> None:
    with running("asa-ios-healthy", hostnames) as (built, lab):
        for device, session in _sessions(lab):
            assert session.conn.lean_prompt == f"{hostnames[device]}#"
            for command in STATIC[session.platform][:2]:
                result = session.run(command)
                assert result.ok and result.output.strip(), (device, command)
                # the output is the command's, whole: neither the echo nor the prompt in it
                assert hostnames[device] + "#" not in result.output
                assert not result.output.lstrip().startswith(command)


def test_banner_with_hash_lines_is_not_a_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    banner = "#" * 30 + "\n# Authorised access only #\n" + "#" * 30 + "\n"
    monkeypatch.setattr(DeviceShell, "banner", lambda self: banner)
    with running("asa-ios-healthy") as (built, lab):
        for device, session in _sessions(lab):
            assert session.conn.lean_prompt == f"{built.lab.devices[device].hostname}#"
            assert session.run(STATIC[session.platform][0]).ok


def test_outputs_equal_stock_netmiko() -> None:
    with running("asa-ios-healthy") as (built, lab):
        lean: dict[tuple[str, str], str] = {}
        redactor = Redactor()
        for device, session in _sessions(lab, redactor):
            for command in STATIC[session.platform]:
                lean[(device, command)] = session.run(command).output
        for device in built.lab.devices:
            with ConnectHandler(**lab.netmiko_params(device)) as conn:
                conn.enable()
                for command in STATIC[conn.device_type]:
                    stock = redactor.redact(str(conn.send_command(command)))
                    assert stock == lean[(device, command)], (device, command)


@pytest.mark.parametrize("name, device", [("asa-ios-ssh-enable-refused", "hq-asa"),
                                          ("ios-ios-ssh-enable-refused", "br-rtr")])
def test_rejected_secret_is_an_enable_error(name: str, device: str) -> None:
    from agent.collector import DeviceError

    with running(name) as (built, lab):
        target = next(t for t in lab.targets() if t.name == device)
        assert target.connection is not None
        with pytest.raises(DeviceError) as err:
            DeviceSession(target.connection, Redactor()).open()
    assert err.value.kind == "enable"


def test_session_log_masks_the_secrets(tmp_path: Path) -> None:
    with running("asa-ios-healthy") as (built, lab):
        for target in lab.targets():
            assert target.connection is not None
            log = tmp_path / f"{target.name}.log"
            with DeviceSession(target.connection, Redactor(), log) as session:
                session.run(BRIEF[session.platform])
            text = log.read_text(encoding="utf-8")
            assert BRIEF[session.platform] in text and "enable" in text
            assert target.connection.secret not in text and target.connection.password not in text


def test_device_silent_until_enter(monkeypatch: pytest.MonkeyPatch) -> None:
    """A device that prints no prompt after login gets an Enter, as netmiko would type."""
    from agent.lab import server

    original = server._Session._prompt

    def silent_first(self: server._Session) -> str:
        if not getattr(self, "greeted", False):
            self.greeted = True  # type: ignore[attr-defined]
            return ""
        return original(self)

    monkeypatch.setattr(server._Session, "_prompt", silent_first)
    with running("asa-ios-healthy") as (built, lab):
        for device, session in _sessions(lab):
            assert session.conn.lean_prompt == f"{built.lab.devices[device].hostname}#"
            assert session.run(BRIEF[session.platform]).ok
