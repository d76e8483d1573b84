"""Cutting captures at their prompts: both platforms, contexts, configuration modes, the
command echo, pager marks, cut blocks, interleaved logs, two devices in one file, prose."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.collector import read_bundle
from agent.collector.transcript import TranscriptError, match_prompt, split
from agent.collector.transcript_import import read_transcripts

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.mark.parametrize(("line", "host", "context", "mode", "command"), [
    ("R1#show crypto isakmp sa", "R1", None, None, "show crypto isakmp sa"),
    ("R1# sh cry isa sa", "R1", None, None, "sh cry isa sa"),
    ("Router>show version", "Router", None, None, "show version"),
    ("R1(config)#crypto isakmp policy 10", "R1", None, "(config)", "crypto isakmp policy 10"),
    ("R1(config-if)#crypto map CMAP", "R1", None, "(config-if)", "crypto map CMAP"),
    ("ciscoasa/admin# show crypto ipsec sa", "ciscoasa", "/admin", None, "show crypto ipsec sa"),
    ("fw1/pri/act# sh run cry", "fw1", "/pri/act", None, "sh run cry"),
    ("fw1/ctx1(config)# crypto ikev1 enable outside", "fw1", "/ctx1", "(config)", "crypto ikev1 enable outside"),
    ("ASA1#", "ASA1", None, None, None),
    ("**F2 hub — RT01# show dmvpn**", "RT01", None, None, "show dmvpn"),
])
def test_prompts_of_both_platforms(line: str, host: str, context: str | None, mode: str | None,
                                   command: str | None) -> None:
    m = match_prompt(line)
    assert m is not None
    assert (m.group("host"), m.group("context"), m.groupdict().get("mode"), m.group("command")) == (
        host, context, mode, command)


@pytest.mark.parametrize("line", ["#pkts encaps: 4, #pkts encrypt: 4", "  Crypto map tag: CMAP, local addr 1.1.1.1",
                                  "NHS Status: E --> Expecting Replies", "IPv4 Crypto ISAKMP SA", "1 IKE Peer: 1.2.3.4"])
def test_output_lines_are_not_prompts(line: str) -> None:
    assert match_prompt(line) is None


TWO_DEVICES = """\
hq-asa# show crypto isakmp sa
IKEv1 SAs:
   Active SA: 1
<--- More --->

Total IKE SA: 1
hq-asa# terminal monitor
%ASA-3-713902: Group = 198.51.100.2, IP = 198.51.100.2, Removing peer from correlator table failed
br-rtr#sh crypto isakmp sa
IPv4 Crypto ISAKMP SA
dst             src             state          conn-id status
*Nov 22 04:00:01.123: %CRYPTO-4-IKMP_NO_SA: IKE message from 203.0.113.1 has no SA
203.0.113.1     198.51.100.2    MM_NO_STATE       1001 ACTIVE
...
br-rtr(config)#crypto isakmp key secret123 address 203.0.113.1
br-rtr(config)#end
"""


def test_two_devices_in_one_file_with_pager_cut_and_interleaved_log() -> None:
    cap = split(TWO_DEVICES, "both.txt")
    assert cap.hosts == ["hq-asa", "br-rtr"]
    asa, monitor, ios = cap.blocks[0], cap.blocks[1], cap.blocks[2]
    assert asa.command == "show crypto isakmp sa" and "Total IKE SA: 1" in asa.output
    assert not any("More" in line for line in asa.output) and "pager mark" in asa.truncated[0]
    assert monitor.logs and monitor.logs[0].startswith("%ASA-3-713902")
    assert all("%CRYPTO" not in line for line in ios.output) and "%CRYPTO-4-IKMP_NO_SA" in ios.logs[0]
    assert "a block was cut out" in ios.truncated[0]
    assert [b.configuring for b in cap.blocks[3:]] == [True, True]


def test_import_finds_platforms_endpoints_and_redacts(tmp_path: Path) -> None:
    draft = read_transcripts([("both.txt", TWO_DEVICES)])
    by = {d.name: d for d in draft.devices}
    assert by["hq-asa"].platform == "cisco_asa" and by["br-rtr"].platform == "cisco_ios"
    assert "show logging" not in by["hq-asa"].outputs and len(by["hq-asa"].logs) == 1
    (tmp_path / "both.txt").write_text(TWO_DEVICES + "br-rtr#show run | sec crypto\ncrypto isakmp key secret123 "
                                                      "address 203.0.113.1\n")
    result = runner.invoke(app, ["import", str(tmp_path / "both.txt"), "--out", str(tmp_path / "b"),
                                 "--peer", "hq-asa=203.0.113.1", "--peer", "br-rtr=198.51.100.2"])
    assert result.exit_code == 0, result.output
    written = "".join(p.read_text() for p in (tmp_path / "b").rglob("*.txt"))
    assert "secret123" not in written and "<psk hmac:" in written
    bundle = read_bundle(tmp_path / "b")
    ios = bundle.peer("br-rtr")
    assert ios is not None and "show running-config | section crypto" in ios.outputs
    assert "show logging" in ios.outputs and "IKMP_NO_SA" in ios.outputs["show logging"]


def test_markdown_prose_stays_out_of_outputs() -> None:
    text = "On the hub:\n\n```\nR1#show crypto isakmp sa\nIPv4 Crypto ISAKMP SA\n```\nIt works, see above.\n"
    cap = split(text, "notes.md")
    assert cap.blocks[0].output == ["IPv4 Crypto ISAKMP SA"]
    assert "It works, see above." in cap.prose


def test_no_prompt_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="no prompt found"):
        split("just some text\n", "x.txt")
    (tmp_path / "x.txt").write_text("just some text\n")
    result = runner.invoke(app, ["import", str(tmp_path / "x.txt"), "--out", str(tmp_path / "b")])
    assert result.exit_code == 2 and "no prompt found" in result.output and "Traceback" not in result.output
    missing = runner.invoke(app, ["diagnose", "--transcript", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "cannot read" in missing.output


def test_a_pasted_log_without_prompt_belongs_to_host() -> None:
    cap = split("*Mar  1 00:42:09.431: %CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 192.1.20.2 failed\n", "log", "r1")
    assert cap.hosts == ["r1"] and cap.blocks[0].logs
