"""The lab's production noise (agent/lab/noise.py), its log stamps (agent/lab/logformat.py)
and `debug crypto` (agent/lab/debug.py): the forms real devices print, the stock
ntc-templates still parse every noisy output they have a template for, and a seed gives the
same noise again.  The seed is the run's (tests/conftest.py: --noise-seed /
IPSEC_LAB_NOISE_SEED) and is named in the assertion messages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from ntc_templates.parse import ParsingException, parse_output
from textfsm import TextFSMError

from agent.lab import scenarios as S
from agent.lab.noise import NoiseOptions
from agent.lab.shell import DeviceShell
from agent.lab.traffic import EXPIRED_CONTEXT
from agent.lab.world import Device
from agent.parsing.commands import commands_for
from agent.parsing.result import Platform

EXTRA = {"cisco_asa": ("show crypto ipsec sa detail", "show vpn-sessiondb detail l2l"),
         "cisco_ios": ("show crypto ipsec sa detail", "show crypto session detail")}


def shell(dev: Device) -> DeviceShell:
    sh = DeviceShell(dev)
    sh.privileged = True
    return sh


def run(dev: Device, command: str) -> str:
    return shell(dev).handle_line(command).output


def _flows_under_one_interface(text: str) -> int:
    return max((block.count("protected vrf:") for block in text.split("interface: ")), default=0)


def has_template(platform: str, command: str) -> bool:
    try:
        parse_output(platform=platform, command=command, data="")
    except ParsingException:
        return False
    return True


#: real layouts the stock ntc templates refuse; the real layout wins (docs/lab-realism.md):
#: (platform, command, when the output has it, what the template's error names)
REFUSED: list[tuple[str, str, Callable[[str], bool], str]] = [
    # the ASA prints this reason; the template lists no such reason
    ("cisco_asa", "show asp drop", lambda out: EXPIRED_CONTEXT in out, "vpn-context-expired"),
    # IOS lists every flow of a map under one `interface:` header (real-cases/
    # ios-ikev2-crypto-map-narrowed-selector-one-peer); the template knows one flow per header
    ("cisco_ios", "show crypto ipsec sa detail", lambda out: _flows_under_one_interface(out) > 1, "protected vrf"),
    # `permit ip 0.0.0.0/0.0.0.0 host 3.3.3.4` (corpus genie/iosxe/ShowCryptoSession/golden_output1_output.txt)
    ("cisco_ios", "show crypto session detail", lambda out: re.search(r"IPSEC FLOW: permit \S+ \S+/\S+ host ", out) is not None,
     "IPSEC FLOW"),
    # an ASA with no L2L session (no other tunnel when the crypto map is not applied or IKEv1 is off)
    ("cisco_asa", "show vpn-sessiondb detail l2l", lambda out: out.startswith("INFO: There are presently no active sessions"),
     "INFO: There are presently"),
]


def _check_against_ntc(name: str, seed: int, options: NoiseOptions) -> None:
    built = S.build(name, noise=seed, noise_options=options)
    sc = built.scenario
    assert sc is not None
    if sc.observe.after_probe:
        S.probe(built, sc.probe)
    checked = 0
    for side in built.sides:
        dev = built.device(side)
        platform = dev.platform.value
        for command in commands_for(Platform(platform)) + EXTRA[platform]:
            if not has_template(platform, command):
                continue
            out = run(dev, command)
            where = f"{name} {dev.name} `{command}` (--noise-seed {seed}, {options})"
            refused = next((match for plat, cmd, when, match in REFUSED if (plat, cmd) == (platform, command) and when(out)), None)
            if refused is not None:
                with pytest.raises(TextFSMError, match=refused):
                    parse_output(platform=platform, command=command, data=out)
                continue
            rows = parse_output(platform=platform, command=command, data=out)
            checked += 1
            if command == "show logging" and platform == "cisco_asa":
                assert len(rows) >= 40, where  # every message of the busy buffer is a record
    assert checked >= 3, name


@pytest.mark.parametrize("name", sorted(S.catalog()))
def test_noisy_outputs_parse_with_the_stock_ntc_templates(name: str, noise_seed: int) -> None:
    """Every scenario, each device stamping its log lines or not as the seed decides."""
    _check_against_ntc(name, noise_seed, NoiseOptions())


@pytest.mark.parametrize("name", ["asa-ios-healthy", "ios-ios-stale-sa", "asa-ios-natt-healthy"])
@pytest.mark.parametrize("stamped", [True, False])
def test_noisy_outputs_parse_with_every_stamp(name: str, stamped: bool, noise_seed: int) -> None:
    _check_against_ntc(name, noise_seed, NoiseOptions(stamped=stamped))


def test_other_tunnels_fill_the_sa_tables_and_the_tunnel_is_still_there(noise_seed: int) -> None:
    built = S.build("asa-ios-healthy", noise=noise_seed)
    S.probe(built, "a")
    asa, rtr = built.device("a"), built.device("b")
    where = f"--noise-seed {noise_seed}"
    isakmp = run(asa, "show crypto isakmp sa")
    peers = re.findall(r"IKE Peer: (\S+)", isakmp)
    assert "198.51.100.2" in peers and len(set(peers)) >= 5, where
    assert "Rekey SA: 1 " in isakmp and "Rekey   : yes" in isakmp, where  # a phase 1 rekey of another peer
    assert "MM_WAIT_MSG2" in isakmp, where  # another peer failing right now
    assert run(asa, "show crypto ipsec sa").count("current_peer:") >= 4, where
    rtr_sa = run(rtr, "show crypto isakmp sa")
    assert "ACTIVE (deleted)" in rtr_sa and re.search(r"MM_NO_STATE\s+0 ACTIVE \(deleted\)", rtr_sa), where
    drops = run(asa, "show asp drop")
    assert "(ipsec-tun-down)" in drops and "(vpn-overlap-conflict)" in drops and "Last clearing: Never" in drops, where
    assert "(vpn-context-expired)" in drops, where


def test_the_same_seed_gives_the_same_noise(noise_seed: int) -> None:
    one = S.build("ios-ios-psk-mismatch", noise=noise_seed)
    two = S.build("ios-ios-psk-mismatch", noise=noise_seed)
    other = S.build("ios-ios-psk-mismatch", noise=noise_seed + 1)
    assert one.noise == two.noise and one.noise_seed == noise_seed, noise_seed
    assert one.noise != other.noise, noise_seed
    texts = [ln.text for ln in one.device("a").state.logs]
    assert texts == [ln.text for ln in two.device("a").state.logs], noise_seed


def test_a_reboot_in_the_setup_wipes_the_noise_of_the_rebooted_device(noise_seed: int) -> None:
    built = S.build("asa-ios-stale-sa", noise=noise_seed)  # the router reboots in the setup
    rtr = built.device("b")
    assert not rtr.state.old_ike_sas and not rtr.state.ike_sas, noise_seed
    assert [ln.text for ln in rtr.state.logs][:1] == ["%SYS-5-RESTART: System restarted --"], noise_seed


# ---------------------------------------------------------------- log stamps


def _last_line(dev: Device) -> str:
    return run(dev, "show logging").rstrip("\n").splitlines()[-1]


@pytest.mark.parametrize("lines, pattern", [
    ([], r"^\*Nov 22 03:\d\d:\d\d\.\d{3}: %"),
    (["service timestamps log uptime"], r"^1w5d: %"),
    (["service timestamps log datetime msec localtime show-timezone", "ntp server 10.1.1.123"],
     r"^Nov 22 03:\d\d:\d\d\.\d{3} UTC: %"),
    (["service timestamps log datetime msec localtime show-timezone", "service sequence-numbers"],
     r"^\d{6}: \*Nov 22 03:\d\d:\d\d\.\d{3} UTC: %"),
    (["no service timestamps"], r"^%CRYPTO"),
])
def test_ios_log_stamps_follow_the_configuration(lines: list[str], pattern: str) -> None:
    built = S.build("ios-ios-psk-mismatch")
    dev = built.device("b")
    S.apply_config(dev, lines)
    S.probe(built, "a")
    assert re.match(pattern, _last_line(dev)), _last_line(dev)


@pytest.mark.parametrize("lines, pattern", [
    ([], r"^Nov 22 2026 03:\d\d:\d\d: %ASA-"),
    (["no logging timestamp"], r"^%ASA-"),
    (["logging device-id hostname"], r"^Nov 22 2026 03:\d\d:\d\d hq-asa : %ASA-"),
    (["no logging timestamp", "logging device-id hostname"], r"^hq-asa : %ASA-"),
])
def test_asa_log_stamps_follow_the_configuration(lines: list[str], pattern: str) -> None:
    built = S.build("asa-ios-psk-mismatch")
    dev = built.device("a")
    S.apply_config(dev, lines)
    S.probe(built, "a")
    assert re.match(pattern, _last_line(dev)), _last_line(dev)
    assert parse_output(platform="cisco_asa", command="show logging", data=run(dev, "show logging"))


# ---------------------------------------------------------------- syslog and debug


@pytest.mark.parametrize("name, debug_only", [
    ("ios-ios-policy-mismatch", "atts are not acceptable"),
    ("ios-ios-proxy-mismatch", "proxy identities not supported"),
    ("asa-ios-transform-mismatch", "not supported"),
])
def test_ios_syslog_carries_no_debug_only_text(name: str, debug_only: str) -> None:
    built = S.build(name)
    S.probe(built, "a")
    log = run(built.device("b"), "show logging")
    assert "%CRYPTO-6-IKMP_MODE_FAILURE: Processing of" in log
    assert debug_only not in log


@pytest.mark.lab_direct  # switches debugging on and off as an operator would
def test_ios_debug_goes_to_the_monitor_and_the_buffer_until_undebug() -> None:
    built = S.build("ios-ios-proxy-mismatch")
    rtr = built.device("b")
    sh = shell(rtr)
    assert sh.handle_line("debug crypto isakmp").output == "Crypto ISAKMP debugging is on\n"
    assert sh.handle_line("debug crypto ipsec").output == "Crypto IPSEC debugging is on\n"
    assert "  Crypto ISAKMP debugging is on\n  Crypto IPSEC debugging is on" in sh.handle_line("show debug").output
    sh.handle_line("terminal monitor")
    S.probe(built, "a")
    shown = sh.handle_line("show clock").output
    assert "IPSec(validate_transform_proposal): proxy identities not supported" in shown
    assert "IPSEC(validate_proposal_request): proposal part #1," in shown and "src= 203.0.113.1" in shown
    assert "ISAKMP: IPSec policy invalidated proposal" in shown
    assert "proxy identities not supported" in run(rtr, "show logging")  # logging buffered debugging
    assert sh.handle_line("undebug all").output == "All possible debugging has been turned off\n"
    before = len(rtr.state.logs)
    S.probe(built, "a")
    assert not any(ln.debug for ln in rtr.state.logs[before:])


@pytest.mark.lab_direct  # switches debugging on as an operator would
def test_ios_debug_condition_scopes_to_the_named_peer() -> None:
    built = S.build("ios-ios-policy-mismatch")
    rtr = built.device("b")
    sh = shell(rtr)
    sh.handle_line("debug crypto condition peer ipv4 192.0.2.99")
    sh.handle_line("debug crypto isakmp")
    S.probe(built, "a")
    assert not any(ln.debug for ln in rtr.state.logs)
    sh.handle_line("debug crypto condition peer ipv4 203.0.113.1")
    S.probe(built, "a")
    assert any("atts are not acceptable. Next payload is 0" in ln.text for ln in rtr.state.logs if ln.debug)


@pytest.mark.lab_direct  # switches debugging on as an operator would
def test_asa_debug_prints_ikev1_lines_and_the_buffer_only_with_debug_trace() -> None:
    built = S.build("asa-asa-psk-mismatch")
    peer_asa = built.device("b")  # the responder: "probably due to mismatched pre-shared key"
    sh = shell(peer_asa)
    assert sh.handle_line("debug crypto ikev1 127").output == ""
    sh.handle_line("terminal monitor")
    S.probe(built, "a")
    shown = sh.handle_line("show clock").output
    assert re.search(r"\[IKEv1\]: Group = 203\.0\.113\.1, IP = 203\.0\.113\.1, ERROR, had problems decrypting packet", shown)
    assert "[IKEv1]" not in run(peer_asa, "show logging")
    S.apply_config(peer_asa, ["logging debug-trace"])
    assert "%ASA-7-711001: [IKEv1]: Group = 203.0.113.1" in run(peer_asa, "show logging")
    assert sh.handle_line("show debug").output == "debug crypto ikev1 enabled at level 127\n"
    sh.handle_line("no debug all")
    assert not peer_asa.state.debug.kinds and sh.handle_line("show debug").output == ""


def test_debug_lines_are_journaled_as_changes() -> None:
    from agent.lab import journal

    assert journal.is_change("debug crypto isakmp", False) and journal.is_change("undebug all", False)
    assert journal.is_change("no debug all", False)
    assert not journal.is_change("terminal monitor", False) and not journal.is_change("show debugging", False)


def test_the_other_tunnels_keys_never_leave_the_redactor(noise_seed: int) -> None:
    from agent.redact import Redactor
    from tests.unit.engine.test_offline_lab_bundles import bundle_of

    built = S.build("asa-ios-healthy", noise=noise_seed)
    S.probe(built, "a")
    asa, rtr = built.device("a"), built.device("b")
    keys = {g.psk for g in asa.config.tunnel_groups.values() if g.psk} | {k.key for k in rtr.config.isakmp_keys}
    keys -= {built.secrets.psk, built.secrets.psk_other}
    assert len(keys) >= 4, noise_seed
    assert any(k in run(rtr, "show running-config | section crypto") for k in keys)  # IOS prints them, as it does
    text = "\n".join(out for peer in bundle_of(built, Redactor()).peers for out in peer.outputs.values())
    assert not [k for k in keys if k in text], f"--noise-seed {noise_seed}"


def test_the_headend_lists_twenty_peers_and_only_one_is_broken() -> None:
    built = S.build("asa-headend-20-peers-one-broken")
    S.probe(built, "a")
    blocks = re.findall(r"IKE Peer: (\S+)\n.*\n.*State   : (\S+)", run(built.device("a"), "show crypto isakmp sa"))
    assert len({peer for peer, _ in blocks}) == 20
    assert [peer for peer, state in blocks if state != "MM_ACTIVE"] == ["198.51.100.2"]
