"""What the fact builders share for one device: the parsed outputs and a few facts that
others depend on (this device's own addresses, the peers it is configured for)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.parsing.normalize import IPAddress, to_ip, to_list, to_str
from agent.parsing.result import ParseResult, Platform, Record


@dataclass
class Parsed:
    """One collected command and its parse.  ``reads_as``: the command the output was
    parsed as when it is not ``command`` itself (a whole ASA configuration read as its
    crypto section: ``agent/parsing/forms.py``); ``partial``: what the output leaves out."""

    command: str
    result: ParseResult
    reads_as: str = ""
    partial: str = ""

    @property
    def template(self) -> str:
        return self.result.template or ""

    @property
    def form(self) -> str:
        """The command as the template index and the scopes see it."""
        return self.reads_as or self.command

    def records(self) -> list[tuple[int, Record]]:
        return list(enumerate(self.result.records))


@dataclass
class Context:
    platform: Platform
    run_key: bytes | None
    parsed: list[Parsed]
    #: addresses this device owns (interfaces, local crypto endpoints)
    local_addresses: set[IPAddress] = field(default_factory=set)
    #: peers the device is configured for or has SAs with
    known_peers: set[IPAddress] = field(default_factory=set)
    #: indexes built once from several outputs (ASA objects, ACL entries by name)
    cache: dict[str, Any] = field(default_factory=dict)

    def by_template(self, *templates: str) -> list[Parsed]:
        return [p for p in self.parsed if p.template in templates]


#: (template, field) pairs that name one of this device's own addresses.
_LOCAL_FIELDS = (
    ("cisco_ios_show_ip_interface_brief.textfsm", "ip_address"),
    ("cisco_asa_show_interface_ip_brief.textfsm", "ip_address"),
    ("cisco_ios_show_running-config.textfsm", "ip_address"),
    ("cisco_ios_show_crypto_ipsec_sa.textfsm", "local_crypto_endpt"),
    ("cisco_ios_show_crypto_ipsec_sa.textfsm", "local_addr"),
    ("cisco_asa_show_crypto_ipsec_sa.textfsm", "local_crypto_endpoint"),
    ("cisco_asa_show_crypto_ipsec_sa.textfsm", "local_address"),
    ("cisco_ios_show_crypto_isakmp_sa_detail.textfsm", "local"),
    ("cisco_ios_show_crypto_ikev2_sa.textfsm", "local"),
    ("cisco_asa_show_crypto_isakmp_sa.textfsm", "local"),
    ("cisco_ios_show_crypto_session.textfsm", "ike_local"),
    ("cisco_ios_show_crypto_map.textfsm", "idb_local_address"),
)
#: (template, field) pairs that name a remote peer.
_PEER_FIELDS = (
    ("cisco_ios_show_running-config.textfsm", "peers"),
    ("cisco_ios_show_crypto_map.textfsm", "peers"),
    ("cisco_ios_show_crypto_ipsec_sa.textfsm", "current_peer"),
    ("cisco_asa_show_crypto_ipsec_sa.textfsm", "current_peer"),
    ("cisco_ios_show_crypto_isakmp_sa_detail.textfsm", "remote"),
    ("cisco_ios_show_crypto_session.textfsm", "peer"),
)

#: every template ``learn_addresses`` reads (it is parsed even when no fact group reads it)
ADDRESS_TEMPLATES = frozenset(t for t, _ in _LOCAL_FIELDS + _PEER_FIELDS) | {"cisco_asa_show_running-config_crypto.textfsm"}


def _by_template(pairs: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for template, name in pairs:
        out[template] = (*out.get(template, ()), name)
    return out


_LOCAL_BY = _by_template(_LOCAL_FIELDS)
_PEER_BY = _by_template(_PEER_FIELDS)


def learn_addresses(ctx: Context) -> None:
    """Fill ``local_addresses`` and ``known_peers`` from every output that shows them."""
    for parsed in ctx.parsed:
        local, peer = _LOCAL_BY.get(parsed.template, ()), _PEER_BY.get(parsed.template, ())
        asa_crypto = parsed.template == "cisco_asa_show_running-config_crypto.textfsm"
        if not (local or peer or asa_crypto):
            continue
        for record in parsed.result.records:
            for name in local:
                ctx.local_addresses.update(a for a in map(to_ip, to_list(record.get(name))) if a)
            for name in peer:
                ctx.known_peers.update(a for a in map(to_ip, to_list(record.get(name))) if a)
            if asa_crypto and to_str(record.get("peers")):
                ctx.known_peers.update(a for a in map(to_ip, to_str(record.get("peers")).split()) if a)
    ctx.known_peers -= ctx.local_addresses
