"""Debug streams and syslog buffers as evidence (issue 18, rules 2 and 9): each line gets the
peer it is about and a time on its own clock."""

from __future__ import annotations

import pytest

from agent.parsing.facts import build_peer_facts
from agent.parsing.facts_logs import stamp_seconds

# seed 001 ("IPsec Troubleshooting: Understanding and Using debug Commands"), main mode
# failure: wrapped lines, uptime stamps, a syslog message inside the debug stream
SEED_DEBUG = """\
1d00h: ISAKMP (0:1): atts are not acceptable. Next payload is 0
1d00h: ISAKMP (0:1); no offers accepted!
1d00h: ISAKMP (0:1): SA not acceptable!
1d00h: %CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main Mode failed with
peer at 198.51.100.1
"""


def _lines(platform: str, command: str, text: str):
    facts = build_peer_facts(platform, {command: text})
    assert facts.logs.readable, facts.logs.notes
    return facts.logs.value


def test_debug_lines_and_wrapped_syslog_join_and_name_their_peer():
    lines = _lines("cisco_ios", "debug crypto isakmp", SEED_DEBUG)
    assert [ln.debug for ln in lines] == [True, True, True, False]
    assert lines[0].code == "ISAKMP" and "atts are not acceptable" in lines[0].message
    mode = lines[3]
    assert mode.code == "%CRYPTO-6-IKMP_MODE_FAILURE"
    assert mode.message.endswith("failed with peer at 198.51.100.1") and mode.peer == "198.51.100.1"
    assert {ln.clock for ln in lines} == {"uptime"}


def test_a_debug_line_without_an_address_belongs_to_the_exchange_before_it():
    text = """\
ISAKMP-PAK: (0): received packet from 15.1.1.1 dport 500 sport 500 Global (N)
ISAKMP-ERROR: (0): Proposed key length does not match policy
ISAKMP: (0): received packet from 192.0.2.9 dport 500 sport 500 Global (N)
ISAKMP: (0): atts are acceptable. Next payload is 0
"""
    lines = _lines("cisco_ios", "debug crypto isakmp", text)
    assert [ln.peer for ln in lines] == ["15.1.1.1", "15.1.1.1", "192.0.2.9", "192.0.2.9"]


def test_asa_debug_lines_name_their_peer_by_ip():
    text = "Apr 04 2013 13:23:08: [IKEv1]: Group = DefaultL2LGroup, IP = 198.51.100.7, Received an un-encrypted INVALID_COOKIE\n"
    (line,) = _lines("cisco_asa", "debug crypto ikev1 127", text)
    assert line.debug and line.code == "IKEv1" and line.peer == "198.51.100.7" and line.clock == "date"


def test_a_proxy_identity_is_not_a_peer():
    text = "IPSEC(validate_proposal_request): proposal part #1, dest_proxy= 10.0.0.76/255.255.255.255/0/0 (type=1)\n"
    (line,) = _lines("cisco_ios", "debug crypto ipsec", text)
    assert line.peer == "" and "10.0.0.76" not in line.names


@pytest.mark.parametrize(("stamp", "kind", "seconds"), [
    ("*Mar  1 00:01:02.345", "date", (2 * 31 + 1) * 86400 + 62.345),
    ("Sep 21 07:32:47.108 UTC", "date", (8 * 31 + 21) * 86400 + 7 * 3600 + 32 * 60 + 47.108),
    ("1d00h", "uptime", 86400), ("1w6d", "uptime", 13 * 86400), ("20:44:44", "time", 20 * 3600 + 44 * 60 + 44),
])
def test_timestamps_of_every_form_are_read(stamp: str, kind: str, seconds: float):
    got = stamp_seconds(stamp)
    assert got is not None and got[0] == kind and got[1] == pytest.approx(seconds)


def test_a_text_that_is_no_timestamp_has_none():
    assert stamp_seconds("") is None and stamp_seconds("ISAKMP") is None


def test_asa_buffer_with_device_id_and_every_stamp_form_loses_no_message():
    from pathlib import Path

    text = (Path(__file__).parent / "fixtures/cisco_asa/show_logging/composed_device_id_mixed_stamps.txt").read_text()
    lines = _lines("cisco_asa", "show logging", text)
    assert [ln.code for ln in lines] == ["%ASA-4-402119", "%ASA-5-713904", "%ASA-4-713903", "%ASA-5-713119"]
    assert [ln.peer for ln in lines] == ["192.0.2.77", "198.51.100.2", "198.51.100.2", "198.51.100.2"]
    assert lines[2].at == lines[3].at  # the same moment, with and without the year
