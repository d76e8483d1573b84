"""The `ipsec-agent parse` hook: JSON records, clear messages and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.parsing.cli import EXIT_UNREADABLE, parse_command
from tests.unit.parsing.conftest import FIXTURES


def test_parses_a_file_to_json_records() -> None:
    path = FIXTURES / "cisco_asa" / "show_crypto_isakmp_sa" / "seed000_mm_wait_msg_6.txt"
    code, text = parse_command("cisco_asa", "show crypto isakmp sa", path)
    assert code == 0
    (record,) = json.loads(text)
    assert record["peer"] == "10.7.13.20" and record["state"] == "MM_WAIT_MSG_6"
    assert all(k == k.lower() for k in record)


def test_empty_answer_is_an_empty_list(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("There are no IKEv1 SAs\n")
    assert parse_command("cisco_asa", "show crypto isakmp sa", path) == (0, "[]")


def test_failures_have_non_zero_codes_and_say_why(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("@@ nothing like an SA table\n")
    code, text = parse_command("cisco_ios", "show crypto isakmp sa", path)
    assert code == 1 and text.startswith("unparsed:") and "cisco_ios_show_crypto_isakmp_sa.textfsm" in text
    code, text = parse_command("cisco_ios", "show flux capacitor", path)
    assert code == 2 and "no template" in text
    code, text = parse_command("cisco_ios", "show crypto isakmp sa", tmp_path / "missing.txt")
    assert code == EXIT_UNREADABLE and "cannot read" in text
    path.write_text("% Invalid input detected at '^' marker.\n")
    code, text = parse_command("cisco_ios", "show crypto isakmp sa", path)
    assert code == 1 and text.startswith("device_error")


def test_keys_are_redacted_in_the_json(tmp_path: Path) -> None:
    path = tmp_path / "run.txt"
    path.write_text("crypto isakmp key TopSecret42 address 192.0.2.1\n")
    code, text = parse_command("cisco_ios", "show running-config", path)
    assert code == 0 and "TopSecret42" not in text and "<psk hmac:" in text  # redacted where it enters


@pytest.mark.parametrize("platform", ["cisco_asa", "cisco_ios"])
def test_every_collected_command_has_a_template_and_ipsec_agent_parse_works(platform: str, tmp_path: Path) -> None:
    """Done-when of the parsers issue: each command the collector sends parses through
    `ipsec-agent parse`, on the lab's own output of that command."""
    from typer.testing import CliRunner

    from agent.cli import app
    from agent.lab import scenarios as S
    from agent.lab.shell import DeviceShell
    from agent.platforms import tunnel_commands

    built = S.build("asa-ios-healthy")
    S.probe(built, "a")
    dev = built.device("a" if platform == "cisco_asa" else "b")
    shell = DeviceShell(dev)
    shell.privileged = True
    runner = CliRunner()
    for spec in tunnel_commands(platform, "192.0.2.1"):
        out = tmp_path / "out.txt"
        out.write_text(shell.handle_line(spec.command).output)
        result = runner.invoke(app, ["parse", "--platform", platform, "--command", spec.command, str(out)])
        assert result.exit_code == 0, (spec.command, result.output)
        assert result.output.lstrip().startswith("["), spec.command
