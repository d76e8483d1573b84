"""Platform knowledge the parser needs besides the templates, as tables.

* DEVICE_ERRORS: how each platform says it rejected a command.
* EMPTY_LINES: per template, the lines an output may consist of when there is legitimately
  nothing to show (section headers, column headers, "There are no IKEv1 SAs"). An output
  with no record is EMPTY_OK only when every non-blank line is one of these; otherwise it
  is UNPARSED (text was there and nothing read it).
* BLANK_IS_UNPARSED: templates for which an empty output is not a legitimate answer.
* SECRET_FIELDS: per template, the fields that may hold a pre-shared key."""

from __future__ import annotations

import re

from agent.parsing.result import Platform

_FLAGS = re.IGNORECASE

DEVICE_ERRORS: dict[Platform, tuple[re.Pattern[str], ...]] = {
    Platform.IOS: tuple(
        re.compile(p, _FLAGS)
        for p in (
            r"^\s*% ?Invalid input detected",
            r"^\s*% ?Incomplete command",
            r"^\s*% ?Ambiguous command",
            r"^\s*% ?Unknown command",
            r"^\s*% ?Unrecognized command",
        )
    ),
    Platform.ASA: tuple(
        re.compile(p, _FLAGS)
        for p in (
            r"^\s*ERROR: %",
            r"^\s*ERROR: Command (requires|authorization failed)",
            r"^\s*% ?Invalid input detected",
            r"^\s*% ?Incomplete command",
            r"^\s*% ?Ambiguous command",
        )
    ),
}

#: Lines allowed in any "nothing to show" output.
_COMMON_EMPTY = (
    r"There are no .*",
    r"INFO: There are presently no active sessions.*",
    r"No .* (found|configured|entries)\.?",
    r"Load for .*",
    r"Time source is .*",
)

_ROUTE_LEGEND = (
    r"Codes: .*",
    r"\s+\S.*",  # legend continuation lines are indented
    r"Gateway of last resort is .*",
    r"Routing Table: .*",
)

EMPTY_LINES: dict[str, tuple[str, ...]] = {
    "cisco_ios_show_crypto_isakmp_sa.textfsm": (r"IPv[46] Crypto ISAKMP SA", r"dst\s+src\s+state\s+conn-id.*"),
    "cisco_ios_show_crypto_isakmp_sa_detail.textfsm": (
        r"Codes: .*",
        r"\s+\S+ - .*",
        r"IPv[46] Crypto ISAKMP SA",
        r"C-id\s+Local\s+Remote.*",
    ),
    "cisco_ios_show_crypto_ikev2_sa.textfsm": (r"IPv[46] Crypto IKEv2\s+SA", r"Tunnel-id\s.*"),
    "cisco_asa_show_crypto_isakmp_sa.textfsm": (
        r"IKEv[12] SAs:",
        r"Active SA: \d+",
        r"Rekey SA: .*",
        r"Total IKE SA: \d+",
        r"Total\s*: \d+",
        r"Embryonic\s*: \d+",
        r"dst\s+src\s+state\s+pending\s+created",
        r"IKE Peer\s+Type\s+Dir.*",
        r"Tunnel-id\s+Local\s+Remote.*",
    ),
    "cisco_ios_show_crypto_session.textfsm": (r"Crypto session current status", r"Code: .*", r"[A-Z] - .*"),
    "cisco_ios_show_crypto_map.textfsm": (r"Interfaces using crypto map .*", r"\s+\S+"),
    "cisco_ios_show_ip_route.textfsm": _ROUTE_LEGEND,
    "cisco_asa_show_route.textfsm": _ROUTE_LEGEND,
    "cisco_ios_show_ip_interface_brief.textfsm": (r"Interface\s+IP-Address.*",),
    "cisco_asa_show_interface_ip_brief.textfsm": (r"Interface\s+IP-Address.*",),
    # show logging: everything that is not a syslog message is header
    "cisco_ios_show_logging.textfsm": (r"(?!.*%[A-Z][A-Z0-9_]*-\d-).*",),
    "cisco_asa_show_logging.textfsm": (r"(?!.*%ASA-\d-\d+).*",),
    "cisco_asa_show_access-list.textfsm": (r"access-list cached ACL log flows.*", r"\s+alert-interval.*"),
    "cisco_asa_show_nat.textfsm": (r"(Manual|Auto) NAT Policies.*",),
    "cisco_ios_show_ip_nat_translations.textfsm": (r"Pro\s+Inside global.*", r"Total number of translations.*"),
    "cisco_asa_show_vpn-sessiondb_detail_l2l.textfsm": (r"Session Type: .*",),
    "cisco_asa_show_asp_drop.textfsm": (r"(Frame|Flow) drop:", r"Last clearing: .*"),
}

#: Commands whose template reads only part of the output (a whole configuration read for
#: its tunnel groups): with no record, any line is fine; there was nothing of that kind.
PARTIAL_READS: tuple[re.Pattern[str], ...] = (re.compile(r"^more\s+system:", re.I),)

#: An empty output from these is not an answer (a ping always prints something).
BLANK_IS_UNPARSED: frozenset[str] = frozenset(
    {
        "cisco_ping.textfsm",
        "cisco_asa_show_asp_drop.textfsm",
        "cisco_asa_show_version.textfsm",
        "cisco_ios_show_version.textfsm",
    }
)

SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "cisco_ios_show_running-config.textfsm": ("psk", "psk_local", "psk_remote"),
    "cisco_asa_show_running-config_tunnel-group.textfsm": ("ikev1_psk", "ikev2_local_psk", "ikev2_remote_psk"),
}


_HEAD = 4096


def device_error(platform: Platform, text: str) -> str | None:
    """The device's error line when ``text`` is a rejected command, else None. Only the
    first three non-blank lines are looked at (the caret line, then the message)."""
    head = text[:_HEAD]  # the first lines without splitting a large output whole
    cut = len(head) < len(text)
    lines = [ln for ln in (head.splitlines()[:-1] if cut else head.splitlines()) if ln.strip()][:3]
    if cut and len(lines) < 3:
        lines = [ln for ln in text.splitlines() if ln.strip()][:3]
    for line in lines:
        for pattern in DEVICE_ERRORS[platform]:
            if pattern.search(line):
                return line.strip()
    return None


def _compiled(template: str) -> tuple[re.Pattern[str], ...]:
    patterns = EMPTY_LINES.get(template, ()) + _COMMON_EMPTY
    return tuple(re.compile(p + r"\s*$", _FLAGS) for p in patterns)


_EMPTY_CACHE: dict[str, tuple[re.Pattern[str], ...]] = {}


def is_legitimately_empty(template: str, text: str, command: str = "") -> bool:
    """True when ``text`` (which gave no record) holds only "nothing to show" lines."""
    if not text.strip():
        return template not in BLANK_IS_UNPARSED
    if any(p.match(command) for p in PARTIAL_READS):
        return True
    patterns = _EMPTY_CACHE.get(template)
    if patterns is None:
        patterns = _EMPTY_CACHE[template] = _compiled(template)
    for line in text.splitlines():
        if line.strip() and not any(p.match(line) or p.match(line.lstrip()) for p in patterns):
            return False
    return True
