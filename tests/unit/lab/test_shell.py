"""The device CLI without SSH: privilege, configuration modes, prompts, errors, ping."""

from __future__ import annotations

import pytest

from agent.lab import scenarios as S
from agent.lab.grammar import CommandTable, NoMatch, caret_line
from agent.lab.shell import DeviceShell, apply_filter

pytestmark = pytest.mark.lab_direct  # drives the shell as an operator would


@pytest.fixture
def asa() -> DeviceShell:
    return DeviceShell(S.build("asa-ios-no-traffic").device("a"))


@pytest.fixture
def ios() -> DeviceShell:
    return DeviceShell(S.build("asa-ios-no-traffic").device("b"))


def test_enable_with_the_secret(asa: DeviceShell) -> None:
    assert asa.prompt() == "hq-asa> "
    asa.handle_line("enable")
    assert asa.prompt() == "Password: " and not asa.echo()
    assert asa.handle_line("wrong").output == "Invalid password\n"
    assert asa.prompt() == "hq-asa> "
    asa.handle_line("enable")
    asa.handle_line(asa.dev.config.enable_secret)
    assert asa.prompt() == "hq-asa# "


def test_ios_enable_denied(ios: DeviceShell) -> None:
    ios.handle_line("enable")
    assert ios.handle_line("nope").output == "% Access denied\n"
    assert ios.prompt() == "br-rtr>"


def _priv(shell: DeviceShell) -> DeviceShell:
    shell.handle_line("enable")
    shell.handle_line(shell.dev.config.enable_secret)
    return shell


def test_config_modes_and_prompts(ios: DeviceShell) -> None:
    _priv(ios)
    assert "Enter configuration commands" in ios.handle_line("configure terminal").output
    assert ios.prompt() == "br-rtr(config)#"
    ios.handle_line("crypto map VPN-MAP 10 ipsec-isakmp")
    assert ios.prompt() == "br-rtr(config-crypto-map)#"
    ios.handle_line("set pfs group14")
    assert ios.dev.config.crypto_maps["VPN-MAP"][10].pfs_group == 14
    ios.handle_line("interface GigabitEthernet0/1")  # a global command leaves the sub-mode
    assert ios.prompt() == "br-rtr(config-if)#"
    ios.handle_line("exit")
    assert ios.prompt() == "br-rtr(config)#"
    ios.handle_line("end")
    assert ios.prompt() == "br-rtr#"


def test_config_error_has_caret(asa: DeviceShell) -> None:
    _priv(asa)
    asa.handle_line("configure terminal")
    out = asa.handle_line("crypto frobnicate 10").output
    assert "ERROR: % Invalid input detected at '^' marker." in out
    assert asa.prompt() == "hq-asa(config)# "


def test_ctrl_z_leaves_config(asa: DeviceShell) -> None:
    _priv(asa)
    asa.handle_line("configure terminal")
    asa.handle_line("crypto ikev1 policy 20")
    assert asa.prompt() == "hq-asa(config-ikev1-policy)# "
    asa.handle_ctrl_z()
    assert asa.prompt() == "hq-asa# "


def test_configure_needs_privilege(ios: DeviceShell) -> None:
    assert "Invalid input" in ios.handle_line("configure terminal").output
    assert ios.mode is None


def test_ping_triggers_the_tunnel_and_prints_like_ios(ios: DeviceShell) -> None:
    _priv(ios)
    out = ios.handle_line("ping 10.1.1.10 source Gi0/1").output
    assert "Packet sent with a source address of 10.2.2.1" in out
    assert ".!!!!" in out and "Success rate is 80 percent (4/5)" in out
    assert ios.dev.state.ipsec_sas


def test_asa_ping_from_inside(asa: DeviceShell) -> None:
    out = asa.handle_line("ping inside 10.2.2.10").output
    assert "Success rate is 80 percent (4/5)" in out
    out = asa.handle_line("ping inside 10.2.2.10 repeat 3").output
    assert "!!!\nSuccess rate is 100 percent (3/3)" in out


def test_exit_closes_at_exec(ios: DeviceShell) -> None:
    assert ios.handle_line("exit").close


def test_commands_are_recorded(ios: DeviceShell) -> None:
    ios.handle_line("terminal length 0")
    assert ios.dev.state.commands[-1] == "terminal length 0"


def test_filters() -> None:
    text = "crypto map A 10\n set peer 1.1.1.1\ninterface X\n ip address 1.1.1.1 255.0.0.0\n"
    assert apply_filter(text, "include peer") == " set peer 1.1.1.1\n"
    assert apply_filter(text, "section crypto") == "crypto map A 10\n set peer 1.1.1.1\n"
    assert apply_filter(text, "begin interface").startswith("interface X")
    assert apply_filter(text, "exclude peer").count("\n") == 3


def test_grammar_abbreviations_and_caret() -> None:
    table: CommandTable[None] = CommandTable()

    @table.register("show crypto ipsec sa [peer <ip:peer>] [detail]")
    def _a(ctx: None, m: object) -> str:
        return "ipsec"

    @table.register("show crypto isakmp sa [detail]")
    def _b(ctx: None, m: object) -> str:
        return "isakmp"

    cmd, m = table.resolve("sh cry ips sa pe 1.2.3.4 det".split())
    assert cmd.spec.startswith("show crypto ipsec") and m.args["peer"] == "1.2.3.4" and m.has("detail")
    cmd, _ = table.resolve("sh cry isa sa".split())
    assert cmd.spec.startswith("show crypto isakmp")
    with pytest.raises(NoMatch) as exc:
        table.resolve("show crypto bogus sa".split())
    assert exc.value.position == 2
    assert caret_line(7, "show crypto bogus sa", 2) == " " * (7 + 12) + "^"
    with pytest.raises(NoMatch):
        table.resolve("show crypto ipsec sa peer notanip".split())
