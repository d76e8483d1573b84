"""Template lookup: the project's index first, then ntc-templates; abbreviations; platform
aliases; each template compiled once per process; thread safety."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
import textfsm

from agent.parsing import templates
from agent.parsing.result import ParseStatus, Platform
from agent.parsing.templates import OWN_TEMPLATES, find_template, parse, template_for

OWN = sorted(p.name for p in OWN_TEMPLATES.glob("*.textfsm"))


@pytest.mark.parametrize(
    ("platform", "command", "template"),
    [
        ("cisco_ios", "show crypto isakmp sa", "cisco_ios_show_crypto_isakmp_sa.textfsm"),
        ("cisco_ios", "sh cry isa sa det", "cisco_ios_show_crypto_isakmp_sa_detail.textfsm"),
        ("cisco_xe", "show crypto ipsec sa detail", "cisco_ios_show_crypto_ipsec_sa.textfsm"),
        ("cisco_ios", "show crypto ipsec sa peer 10.1.1.1", "cisco_ios_show_crypto_ipsec_sa.textfsm"),
        ("cisco_ios", "show crypto ipsec transform-set", "cisco_ios_show_crypto_ipsec_transform-set.textfsm"),
        ("cisco_ios", "show running-config | section crypto", "cisco_ios_show_running-config.textfsm"),
        ("cisco_ios", "show ip route", "cisco_ios_show_ip_route.textfsm"),  # ntc's
        ("cisco_ios", "show logging | include CRYPTO", "cisco_log_lines.textfsm"),  # ntc drops lines it does not know
        ("cisco_asa", "show crypto ikev1 sa detail", "cisco_asa_show_crypto_isakmp_sa.textfsm"),  # replaces ntc's
        ("cisco_asa", "show crypto ipsec sa", "cisco_asa_show_crypto_ipsec_sa.textfsm"),
        ("cisco_asa", "show run all sysopt", "cisco_asa_show_running-config_sysopt.textfsm"),
        ("cisco_asa", "show running-config ipsec", "cisco_asa_show_running-config_crypto.textfsm"),
        ("cisco_asa", "ping inside 10.2.2.10", "cisco_ping.textfsm"),
        ("cisco_asa", "show nat", "cisco_asa_show_nat.textfsm"),  # ntc's
    ],
)
def test_lookup(platform: str, command: str, template: str) -> None:
    assert template_for(platform, command) == template


def test_own_index_comes_first_and_ntc_is_the_fallback() -> None:
    own = find_template(Platform.ASA, "show crypto ipsec sa")
    ntc = find_template(Platform.ASA, "show vpn-sessiondb detail l2l")
    assert own is not None and own.parent == OWN_TEMPLATES
    assert ntc is not None and ntc.parent == templates.ntc_templates_dir()


def test_unknown_command_and_platform() -> None:
    assert parse("cisco_ios", "show flux capacitor", "1.21 GW").status is ParseStatus.NO_TEMPLATE
    result = parse("juniper_junos", "show security ike sa", "x")
    assert result.status is ParseStatus.NO_TEMPLATE and "platform" in (result.error or "")


def test_every_own_template_is_indexed_compiles_and_says_why() -> None:
    index = (OWN_TEMPLATES / "index").read_text(encoding="utf-8")
    listed = set(re.findall(r"^(\S+\.textfsm),", index, re.M))
    assert listed == set(OWN)
    for name in OWN:
        text = (OWN_TEMPLATES / name).read_text(encoding="utf-8")
        assert "Why not ntc-templates" in text, name
        with (OWN_TEMPLATES / name).open(encoding="utf-8") as handle:
            textfsm.TextFSM(handle)


def test_templates_are_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "There are no IKEv1 SAs\n"
    parse("cisco_asa", "show crypto isakmp sa", text)  # warm
    built: list[object] = []
    original = textfsm.TextFSM

    def counting(*args: object, **kwargs: object) -> textfsm.TextFSM:
        built.append(args)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    opened: list[Path] = []
    real_open = Path.open

    def watching(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        opened.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(textfsm, "TextFSM", counting)
    monkeypatch.setattr(Path, "open", watching)
    for _ in range(5):
        assert parse("cisco_asa", "show crypto isakmp sa", text).status is ParseStatus.EMPTY_OK
    assert built == [] and not [p for p in opened if p.suffix == ".textfsm"]


def test_parsing_from_threads_gives_the_same_records() -> None:
    text = (
        "IPv4 Crypto ISAKMP SA\ndst             src             state          conn-id status\n"
        + "".join(f"10.0.0.{i}        192.0.2.1       QM_IDLE           {1000 + i} ACTIVE\n" for i in range(50))
    )
    expected = parse("cisco_ios", "show crypto isakmp sa", text).records
    results: list[int] = []

    def work() -> None:
        for _ in range(20):
            results.append(int(parse("cisco_ios", "show crypto isakmp sa", text).records == expected))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 160 and all(results)


def test_records_use_lower_snake_case_keys() -> None:
    result = parse("cisco_ios", "show crypto isakmp sa", "dst src state conn-id slot\n10.1.0.2 10.1.0.1 QM_IDLE 1 0\n")
    assert result.status is ParseStatus.OK
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in result.records[0])
