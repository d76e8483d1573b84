"""``build_peer_facts``: every collected output of one device -> ``PeerFacts``.

Which template feeds which fact group is a table (``BUILDERS``); a filtered or partial
command (``show running-config | section crypto``, ASA ``show running-config crypto
map``) only speaks for the groups its scope covers (``scope``), so a group the command did
not show stays MISSING rather than looking EMPTY.

Group status: MISSING when no command covered it; UNPARSED when any covering output could
not be read (value None: a partial read must not pass for the whole); DEVICE_ERROR when
every covering command was rejected; otherwise OK or EMPTY from the facts found (a
rejected command beside a readable one only adds a note)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from agent.parsing import facts_config as cfg
from agent.parsing import facts_device as dev
from agent.parsing import facts_ikev2 as ikev2
from agent.parsing import facts_logs as logs
from agent.parsing import facts_net as net
from agent.parsing import facts_sa as sa
from agent.parsing.context import ADDRESS_TEMPLATES, Context, Parsed, learn_addresses
from agent.parsing.forms import resolve
from agent.parsing.model import FactStatus, IkeSettings, Known, PeerFacts, Sysopt
from agent.parsing.result import ParseStatus, Platform, platform_of
from agent.parsing.secrets import scrub
from agent.parsing.templates import parse, template_for

Builder = Callable[[Context, Parsed], list[Any]]

_IOS_RUN = "cisco_ios_show_running-config.textfsm"
_ASA_CRYPTO = "cisco_asa_show_running-config_crypto.textfsm"

#: template -> the fact groups it feeds and how.
BUILDERS: dict[str, tuple[tuple[str, Builder], ...]] = {
    "cisco_ios_show_crypto_isakmp_sa.textfsm": (("phase1", sa.phase1_ios_table),),
    "cisco_ios_show_crypto_isakmp_sa_detail.textfsm": (("phase1", sa.phase1_ios_detail),),
    "cisco_ios_show_crypto_ikev2_sa.textfsm": (("phase1", sa.phase1_ios_ikev2),),
    "cisco_asa_show_crypto_isakmp_sa.textfsm": (("phase1", sa.phase1_asa),),
    "cisco_ios_show_crypto_ipsec_sa.textfsm": (("phase2", sa.phase2_ios),),
    "cisco_asa_show_crypto_ipsec_sa.textfsm": (("phase2", sa.phase2_asa),),
    "cisco_ios_show_crypto_session.textfsm": (("sessions", sa.sessions_ios),),
    "cisco_ios_show_crypto_isakmp_policy.textfsm": (("isakmp_policies", cfg.policies_ios_show),),
    "cisco_ios_show_crypto_ipsec_transform-set.textfsm": (("transform_sets", cfg.transform_sets_ios_show),),
    "cisco_ios_show_crypto_map.textfsm": (("crypto_maps", cfg.crypto_maps_ios_show), ("acl_entries", net.acl_ios_crypto_map)),
    _IOS_RUN: (
        ("isakmp_policies", ikev2.policies_and_proposals),
        ("transform_sets", cfg.transform_sets_config),
        ("crypto_maps", cfg.crypto_maps_config),
        ("tunnel_groups", cfg.keys_ios),
        ("ike", ikev2.ike_settings_ios),
        ("acl_entries", net.acl_config),
        ("nat_rules", net.nat_ios_config),
        ("routes", net.routes_config),
        ("interfaces", net.interfaces_config),
    ),
    _ASA_CRYPTO: (
        ("isakmp_policies", cfg.policies_config),
        ("transform_sets", ikev2.transform_sets_and_proposals),
        ("crypto_maps", cfg.crypto_maps_config),
        ("ike", cfg.ike_settings),
    ),
    "cisco_asa_show_running-config_tunnel-group.textfsm": (("tunnel_groups", cfg.tunnel_groups_asa),),
    "cisco_asa_show_running-config_sysopt.textfsm": (("sysopt", cfg.sysopt_asa),),
    "cisco_asa_show_access-list.textfsm": (("acl_entries", net.acl_ntc),),
    "cisco_ios_show_access-list.textfsm": (("acl_entries", net.acl_ntc),),
    "cisco_ios_show_ip_access-lists.textfsm": (("acl_entries", net.acl_ntc),),
    "cisco_asa_show_nat.textfsm": (("nat_rules", net.nat_asa),),
    "cisco_asa_show_running-config_nat.textfsm": (("nat_rules", net.nat_asa),),
    "cisco_asa_show_running-config_object.textfsm": (("objects", dev.objects_asa),),
    "cisco_asa_show_running-config_group-policy.textfsm": (("group_policies", dev.group_policies_asa),),
    "cisco_asa_show_version.textfsm": (("device", dev.device_ntc),),
    "cisco_asa_show_running-config_hostname.textfsm": (("names", dev.names_asa),),
    "cisco_ios_show_version.textfsm": (("device", dev.device_ntc),),
    "cisco_asa_show_route.textfsm": (("routes", net.routes_ntc),),
    "cisco_ios_show_ip_route.textfsm": (("routes", net.routes_ntc),),
    "cisco_asa_show_interface_ip_brief.textfsm": (("interfaces", net.interfaces_brief),),
    "cisco_ios_show_ip_interface_brief.textfsm": (("interfaces", net.interfaces_brief),),
    "cisco_log_lines.textfsm": (("logs", logs.logs_lines),),
    "cisco_ping.textfsm": (("pings", net.pings),),
    "cisco_asa_show_asp_drop.textfsm": (("asp_drops", net.asp_drops),),
}

_CRYPTO_GROUPS = frozenset({"isakmp_policies", "transform_sets", "crypto_maps", "tunnel_groups", "ike",
                            "policies", "groups"})  # the last two: IOS Easy VPN groups (facts_ra)
#: IOS running-config filters: `| section X` keeps whole blocks, so a keyword covers every
#: group of its blocks; `| include X` keeps single lines, so only groups whose items are
#: single lines (or interface blocks reduced to the lines asked for) are covered.
_IOS_SECTION_SCOPE = (
    (re.compile(r"crypto|isakmp|ipsec|keyring"), _CRYPTO_GROUPS),
    (re.compile(r"access-list"), frozenset({"acl_entries"})),
    (re.compile(r"\bnat\b"), frozenset({"nat_rules"})),
    (re.compile(r"route"), frozenset({"routes"})),
    (re.compile(r"interface"), frozenset({"interfaces"})),
)
_IOS_INCLUDE_SCOPE = (
    (re.compile(r"isakmp key|pre-shared|keyring"), frozenset({"tunnel_groups"})),
    (re.compile(r"isakmp"), frozenset({"ike"})),
    (re.compile(r"\bnat\b"), frozenset({"nat_rules"})),
    (re.compile(r"route"), frozenset({"routes"})),
    (re.compile(r"interface"), frozenset({"interfaces"})),
)
#: ASA `show running-config [all] crypto WORD` / `ipsec`: WORD prefix -> groups covered.
_ASA_CRYPTO_SCOPE = (
    (("map", "dynamic-map"), frozenset({"crypto_maps"})),
    (("ikev1", "ikev2", "isakmp"), frozenset({"isakmp_policies", "ike"})),
    (("ipsec",), frozenset({"transform_sets"})),
)


def scope(template: str, command: str) -> frozenset[str] | None:
    """The groups a (possibly filtered or partial) command covers; None: all its groups."""
    words = command.lower().split()
    if template == _IOS_RUN and "|" in command:
        verb, _, pattern = command.split("|", 1)[1].strip().lower().partition(" ")
        table = _IOS_INCLUDE_SCOPE if verb.startswith("i") else _IOS_SECTION_SCOPE if verb.startswith(("s", "b")) else ()
        return frozenset(g for rx, groups in table if rx.search(pattern) for g in groups)
    if template == _ASA_CRYPTO:
        args = [w for w in words[2:] if w != "all"]
        if args and args[0].startswith("ips"):
            return frozenset({"transform_sets"})
        if len(args) > 1:
            return frozenset(g for names, groups in _ASA_CRYPTO_SCOPE if any(n.startswith(args[1]) for n in names) for g in groups)
    return None


_SINGLE = {"sysopt", "ike", "device", "names"}


def _combine(name: str, items: list[Any]) -> Any:
    """Merge the facts of one group gathered from several outputs."""
    if name == "phase1":
        return sa.merge_phase1(items)
    if name == "crypto_maps":
        return cfg.merge_map_entries(items)
    if name == "sysopt":
        explicit = [s for s in items if isinstance(s, Sysopt) and s.explicit]
        return (explicit or items)[-1]
    if name == "ike":
        return _merge_ike(items)
    if name in ("device", "names"):
        return items[0] if items else None
    if name == "routes":
        rib = [r for r in items if "running-config" not in r.source.command]
        return rib or items  # the routing table when collected, else the configured routes
    if name == "acl_entries":
        return _first_source_per_acl(items)
    return items


def _first_source_per_acl(items: list[Any]) -> list[Any]:
    """Each ACL's entries from the first command that showed it (the same ACL read from
    `show access-list` and from the running-config would otherwise appear twice)."""
    owner: dict[str, str] = {}
    out = []
    for entry in items:
        command = owner.setdefault(entry.acl, entry.source.command)
        if command == entry.source.command:
            out.append(entry)
    return out


def _merge_ike(items: list[IkeSettings]) -> IkeSettings:
    """Several outputs' settings: interfaces united, the first stated value of each field."""
    first = items[0]
    for other in items[1:]:
        first = replace(
            first,
            enabled_interfaces=first.enabled_interfaces + tuple(i for i in other.enabled_interfaces if i not in first.enabled_interfaces),
            enabled_globally=first.enabled_globally if first.enabled_globally is not None else other.enabled_globally,
            nat_traversal=first.nat_traversal if first.nat_traversal is not None else other.nat_traversal,
            nat_t_keepalive=first.nat_t_keepalive or other.nat_t_keepalive,
            identity=first.identity or other.identity, keepalive=first.keepalive or other.keepalive,
            ikev2_interfaces=first.ikev2_interfaces + tuple(i for i in other.ikev2_interfaces if i not in first.ikev2_interfaces),
            ikev2_profiles=first.ikev2_profiles or other.ikev2_profiles,
        )
    return first


@lru_cache(maxsize=32)  # one output feeds several groups: the same text, scrubbed once
def _scrubbed(text: str) -> str:
    return scrub(text)


def known_group(ctx: Context, name: str, feeds: list[tuple[Parsed, Builder]]) -> Known[Any]:
    """One fact group from the outputs that feed it, with the states of the module doc
    (also used by the remote-access facts, ``facts_ra``)."""
    if not feeds:
        return Known(FactStatus.MISSING, notes=("no collected command shows this",))
    commands = tuple(p.command for p, _ in feeds)
    raw = _scrubbed("\n".join(f"--- {p.command} ---\n{p.result.raw}" for p, _ in feeds))
    notes: list[str] = []
    items: list[Any] = []
    readable = 0
    for parsed, builder in feeds:
        result = parsed.result
        if result.ok:
            readable += 1
            built = builder(ctx, parsed)
            items += built
            notes += [f"{parsed.command}: record {s.record} incomplete (output cut?)" for s in _incomplete(built)]
            if result.skipped:
                shown = "; ".join(repr(ln.strip()[:60]) for ln in result.skipped[:3])
                notes.append(f"{parsed.command}: {len(result.skipped)} line(s) not understood and skipped ({shown})")
            if result.truncated:
                notes.append(f"{parsed.command}: output truncated at a pager mark (--More--): the rest is unknown")
            if parsed.partial:
                notes.append(f"{parsed.command}: {parsed.partial}")
        else:
            notes.append(f"{parsed.command}: {result.status.value}: {result.error or ''}".rstrip(": "))
    if any(p.result.status is ParseStatus.UNPARSED for p, _ in feeds):
        return Known(FactStatus.UNPARSED, None, commands, raw, tuple(notes))
    if not readable:  # every covering command was rejected by the device
        return Known(FactStatus.DEVICE_ERROR, None, commands, raw, tuple(notes))
    value = _combine(name, items)
    if name in _SINGLE:
        if value is None:
            return Known(FactStatus.UNPARSED, None, commands, raw, (*notes, "no record to build it from"))
        return Known(FactStatus.OK, value, commands, raw, tuple(notes))
    return Known(FactStatus.OK if value else FactStatus.EMPTY, value, commands, raw, tuple(notes))


def _incomplete(items: list[Any]) -> list[Any]:
    return [i.source for i in items if getattr(i, "complete", True) is False]


def build_peer_facts(platform: str, outputs: Mapping[str, str], run_key: bytes | None = None, *,
                     cache: bool = True) -> PeerFacts:
    """Parse every output of one device and normalise it into ``PeerFacts``. Never raises
    on what the device printed (an unknown platform too: every group is then UNPARSED).

    ``outputs``: command as collected -> its raw text. ``run_key``: key for the PSK
    fingerprints of keys still in clear (None: such keys are only reported present; keys
    the collector already fingerprinted keep its fingerprint).  ``cache``: see ``parse``."""
    plat = platform_of(platform)
    if plat is None:  # nothing can be read: every group says so, none pretends to be empty
        status = FactStatus.UNPARSED if outputs else FactStatus.MISSING
        raw = scrub("\n".join(f"--- {c} ---\n{t}" for c, t in outputs.items()))
        unknown = Known[Any](status, None, tuple(outputs), raw, (f"unknown platform {platform!r}",))
        return PeerFacts(platform=str(platform), unused=tuple(outputs), **{name: unknown for name in _GROUPS})
    parsed, skipped = parse_outputs(plat, outputs, run_key, cache=cache)
    ctx = Context(plat, run_key, parsed)
    learn_addresses(ctx)
    feeds, unused = route_outputs(parsed, BUILDERS)
    groups = {name: known_group(ctx, name, feeds.get(name, [])) for name in _GROUPS}
    return PeerFacts(platform=plat.value, unused=tuple(unused + skipped), **groups)


def parse_outputs(plat: Platform, outputs: Mapping[str, str], run_key: bytes | None = None, *,
                  cache: bool = True) -> tuple[list[Parsed], list[str]]:
    """Each output parsed as what it shows (``forms.resolve``: abbreviations and aliases
    written in full, a whole configuration read as each of its sections); and the commands
    that nothing reads (not parsed at all).  A section read out of a whole configuration is
    left out when another output shows that section itself."""
    resolved = [(command, resolve(plat, command), text) for command, text in outputs.items()]
    direct = {template_for(plat, r.command) for _, r, _ in resolved if r.reads == (r.command,)}
    parsed: list[Parsed] = []
    skipped: list[str] = []
    for command, res, text in resolved:
        reads = [f for f in res.reads if f == res.command or template_for(plat, f) not in direct]
        reads = [f for f in reads if _read_by_anyone(plat, f)]
        if not reads:  # an output that no fact group and no address lookup reads is not parsed at all
            skipped.append(command)
        for form in reads:
            result = parse(plat, form, text, run_key=run_key, cache=cache)
            parsed.append(Parsed(res.command, result, "" if form == res.command else form, res.partial))
    return parsed, skipped


Feeds = dict[str, list[tuple[Parsed, Builder]]]


def route_outputs(parsed: list[Parsed], builders: Mapping[str, tuple[tuple[str, Builder], ...]]) -> tuple[Feeds, list[str]]:
    """Which parsed outputs feed which group (by template, within the command's scope);
    and the commands that feed none."""
    feeds: Feeds = {}
    read: set[str] = set()
    for p in parsed:
        covered = scope(p.template, p.form)
        used = [(g, b) for g, b in builders.get(p.template, ()) if covered is None or g in covered]
        if used:
            read.add(p.command)
        for group, builder in used:
            feeds.setdefault(group, []).append((p, builder))
    return feeds, [c for c in dict.fromkeys(p.command for p in parsed) if c not in read]


def will_parse(platform: str, command: str) -> bool:
    """Whether ``build_peer_facts`` parses this command's output (to parse it ahead)."""
    plat = platform_of(platform)
    return plat is not None and any(_read_by_anyone(plat, f) for f in resolve(plat, command).reads)


def _read_by_anyone(plat: Platform, command: str) -> bool:
    template = template_for(plat, command)
    if template is None:
        return True  # parsed, so that "no template" is said where it is
    if template in ADDRESS_TEMPLATES:
        return True
    covered = scope(template, command)
    return any(covered is None or g in covered for g, _ in BUILDERS.get(template, ()))


_GROUPS = (
    "phase1", "phase2", "isakmp_policies", "transform_sets", "crypto_maps", "acl_entries", "nat_rules", "routes",
    "interfaces", "sysopt", "tunnel_groups", "ike", "logs", "pings", "sessions", "asp_drops", "objects",
    "group_policies", "device", "names",
)
