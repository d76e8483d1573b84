"""ASA `show running-config` and its sections, printed from the device model in the syntax
of ``docs/lab-config-language.md`` so that the output replays through ``config_asa``.

Layout and order follow a real ASA 9.x running-config.  Lines a real ASA prints but the
lab's interpreter does not accept (`ASA Version 9.x`, `Cryptochecksum:...`) are left out,
so a captured configuration can be fed back line by line; `:` and `!` lines are kept (the
interpreter skips them).  `show running-config` hides the pre-shared keys (`*****`) as the
ASA does; `more system:running-config` prints them in clear.  Passwords are printed as
PBKDF2 hashes in both, as on a real ASA.  The `all` forms add the defaults a real ASA
lists (`set ikev1 phase1-mode main`, `no ... set tfc-packets`, the full sysopt list), some
of which the interpreter does not model, exactly like replaying a real `show run all`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from ipaddress import IPv4Network

from agent.lab import render_ikev2
from agent.lab.grammar import CommandTable, Match
from agent.lab.model import (
    CryptoMapEntry,
    DeviceConfig,
    GroupPolicy,
    Interface,
    NatRule,
    TunnelGroup,
)
from agent.lab.world import Device

HARDWARE = "ASA5516, 8192 MB RAM, CPU Atom C2000 series 2416 MHz, 1 CPU (8 cores)"
DFLT_GROUP_POLICY = GroupPolicy("DfltGrpPolicy", 30, ["ikev1", "ikev2", "l2tp-ipsec"])
HIDDEN = "*****"

# extra (accepted but not modelled) lines, by where a real ASA prints them
_EARLY = ("names",)
_MIDDLE = ("pager", "logging", "mtu")


# ---------------------------------------------------------------- small text helpers


def serial_number(hostname: str) -> str:
    """A stable ASA5516-X style serial (`JAD` + 8 characters) derived from the hostname."""
    digest = hashlib.sha256(hostname.encode()).hexdigest().upper()
    return f"JAD{int(digest[:6], 16) % 10000:04d}{digest[6:10]}"


def pbkdf2(secret: str, salt_seed: str) -> str:
    """`$sha512$5000$salt$hash`, the form an ASA 9.x shows for stored passwords."""
    salt = hashlib.sha256(salt_seed.encode()).digest()[:16]
    key = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, 5000, dklen=16)
    return f"$sha512$5000${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def addr_mask(network: IPv4Network) -> str:
    return f"{network.network_address} {network.netmask}"


def natural_key(name: str) -> tuple[object, ...]:
    """GigabitEthernet0/10 after GigabitEthernet0/2."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def interfaces_sorted(cfg: DeviceConfig) -> list[Interface]:
    return sorted(cfg.interfaces.values(), key=lambda i: natural_key(i.name))


def header(cfg: DeviceConfig) -> list[str]:
    return [
        ": Saved",
        "",
        ": ",
        f": Serial Number: {serial_number(cfg.hostname)}",
        f": Hardware:   {HARDWARE}",
        ":",
    ]


# ---------------------------------------------------------------- sections


def interface_lines(cfg: DeviceConfig, name: str | None = None) -> list[str]:
    out: list[str] = []
    for itf in interfaces_sorted(cfg):
        if name is not None and itf.name.lower() != name.lower():
            continue
        out.append(f"interface {itf.name}")
        if itf.description:
            out.append(f" description {itf.description}")
        if itf.shutdown:
            out.append(" shutdown")
        out.append(f" nameif {itf.nameif}" if itf.nameif else " no nameif")
        out.append(f" security-level {itf.security_level}" if itf.security_level is not None else " no security-level")
        out.append(f" ip address {itf.ip.ip} {itf.ip.netmask} " if itf.ip is not None else " no ip address")
        if itf.mtu != 1500:
            out.append(f" mtu {itf.mtu}")
        out.append("!")
    return out


def object_lines(cfg: DeviceConfig) -> list[str]:
    out: list[str] = []
    for obj in cfg.objects.values():
        out.append(f"object network {obj.name}")
        net = obj.network
        if net is not None:
            out.append(f" host {net.network_address}" if net.prefixlen == 32 else f" subnet {addr_mask(net)}")
    return out


def access_list_lines(cfg: DeviceConfig, name: str | None = None) -> list[str]:
    return [
        f"access-list {acl.name} {'standard' if acl.standard else 'extended'} {ace.text} "
        for acl in cfg.acls.values()
        if name is None or acl.name == name
        for ace in acl.entries
    ]


def twice_nat_line(rule: NatRule) -> str:
    line = f"nat ({rule.real_if},{rule.mapped_if}) source {rule.kind} {rule.src_real} {rule.src_mapped}"
    if rule.dst_real is not None:
        line += f" destination static {rule.dst_real} {rule.dst_mapped or rule.dst_real}"
    if rule.flags:
        line += " " + " ".join(rule.flags)
    return line


def nat_lines(cfg: DeviceConfig) -> list[str]:
    out = [twice_nat_line(rule) for rule in cfg.nat_rules]
    auto = [obj for obj in cfg.objects.values() if obj.nat_dynamic_interface]
    if auto:
        out.append("!")
    for obj in auto:
        assert obj.nat_dynamic_interface is not None
        real_if, mapped_if = obj.nat_dynamic_interface
        out += [f"object network {obj.name}", f" nat ({real_if},{mapped_if}) dynamic interface"]
    return out


def access_group_lines(cfg: DeviceConfig) -> list[str]:
    return [f"access-group {acl} in interface {itf}" for itf, acl in cfg.access_groups.items()]


def route_lines(cfg: DeviceConfig) -> list[str]:
    return [
        f"route {r.interface} {addr_mask(r.network)} {r.next_hop} {r.distance}"
        for r in cfg.routes
        if r.interface and r.next_hop is not None
    ]


def _extra(cfg: DeviceConfig, heads: tuple[str, ...] | None, exclude: tuple[str, ...] = ()) -> list[str]:
    out = []
    for line in cfg.extra_lines:
        words = line.split()
        head = words[1] if words[0] == "no" and len(words) > 1 else words[0]
        if head in exclude:
            continue
        if heads is None or head in heads:
            out.append(line)
    return out


def _mask_keys(line: str) -> str:
    """`show running-config` prints SNMP communities and server keys as *****."""
    return re.sub(r"\b(community|key) \S+", r"\1 *****", line)


def sysopt_lines(cfg: DeviceConfig, show_all: bool) -> list[str]:
    extra = _extra(cfg, ("sysopt",))
    if not show_all:
        out = [] if cfg.sysopt_permit_vpn else ["no sysopt connection permit-vpn"]
        if cfg.sysopt_preserve_vpn_flows:
            out.append("sysopt connection preserve-vpn-flows")
        return extra + out
    tcpmss = next((ln.split()[-1] for ln in extra if re.fullmatch(r"sysopt connection tcpmss \d+", ln)), "1380")
    timewait = "sysopt connection timewait" in extra
    names = [itf.nameif for itf in interfaces_sorted(cfg) if itf.nameif]
    return [
        ("" if timewait else "no ") + "sysopt connection timewait",
        f"sysopt connection tcpmss {tcpmss}",
        "sysopt connection tcpmss minimum 0",
        ("" if cfg.sysopt_permit_vpn else "no ") + "sysopt connection permit-vpn",
        "sysopt connection reclassify-vpn",
        ("" if cfg.sysopt_preserve_vpn_flows else "no ") + "sysopt connection preserve-vpn-flows",
        "no sysopt radius ignore-secret",
        *(f"no sysopt noproxyarp {n}" for n in names),
    ]


def ipsec_lines(cfg: DeviceConfig) -> list[str]:
    """`show running-config ipsec`: transform sets (with the ASA's trailing blank, which the
    ntc template relies on) and the global SA settings."""
    out: list[str] = []
    for ts in cfg.transform_sets.values():
        out.append(f"crypto ipsec ikev1 transform-set {ts.name} {' '.join(ts.transforms)} ")
        if ts.mode != "tunnel":
            out.append(f"crypto ipsec ikev1 transform-set {ts.name} mode {ts.mode}")
    out += render_ikev2.asa_ipsec_proposal_lines(cfg)
    out.append(f"crypto ipsec security-association lifetime seconds {cfg.ipsec_sa_lifetime_seconds}")
    out.append(f"crypto ipsec security-association lifetime kilobytes {cfg.ipsec_sa_lifetime_kb}")
    if cfg.replay_window != 64:
        out.append(f"crypto ipsec security-association replay window-size {cfg.replay_window}")
    return out


def dynamic_map_lines(cfg: DeviceConfig) -> list[str]:
    out: list[str] = []
    for name, entries in cfg.dynamic_maps.items():
        for seq in sorted(entries):
            e = entries[seq]
            prefix = f"crypto dynamic-map {name} {seq}"
            if e.match_acl:
                out.append(f"{prefix} match address {e.match_acl}")
            if e.pfs_group is not None:
                out.append(f"{prefix} set pfs group{e.pfs_group}")
            if e.transform_sets:
                out.append(f"{prefix} set ikev1 transform-set {' '.join(e.transform_sets)}")
    return out


def _entry_lines(e: CryptoMapEntry, show_all: bool) -> list[str]:
    p = f"crypto map {e.map_name} {e.seq}"
    if e.is_dynamic:
        return [f"{p} ipsec-isakmp dynamic {e.dynamic_map}"]
    out: list[str] = []
    if e.match_acl:
        out.append(f"{p} match address {e.match_acl}")
    if e.pfs_group is not None:
        out.append(f"{p} set pfs group{e.pfs_group}")
    if e.connection_type or show_all:
        out.append(f"{p} set connection-type {e.connection_type or 'bidirectional'}")
    if e.peers:
        out.append(f"{p} set peer {' '.join(str(a) for a in e.peers)} ")
    if show_all:
        out.append(f"{p} set ikev1 phase1-mode main")
    if e.transform_sets:
        out.append(f"{p} set ikev1 transform-set {' '.join(e.transform_sets)}")
    if e.ikev2_proposals:
        out.append(f"{p} set ikev2 ipsec-proposal {' '.join(e.ikev2_proposals)}")
    if show_all:
        out.append(f"{p} set ikev2 mode tunnel")
    if e.lifetime_seconds is not None:
        out.append(f"{p} set security-association lifetime seconds {e.lifetime_seconds}")
    if e.lifetime_kb is not None:
        out.append(f"{p} set security-association lifetime kilobytes {e.lifetime_kb}")
    if e.reverse_route:
        out.append(f"{p} set reverse-route")
    if show_all:
        out.append(f"no {p} set tfc-packets")
    return out


def crypto_map_lines(cfg: DeviceConfig, show_all: bool = False) -> list[str]:
    out: list[str] = []
    for name in cfg.crypto_maps:
        for e in cfg.map_entries(name):
            out += _entry_lines(e, show_all)
        out += [f"crypto map {name} interface {b.interface}" for b in cfg.bindings.values() if b.map_name == name]
    return out


def isakmp_lines(cfg: DeviceConfig) -> list[str]:
    out = [f"crypto isakmp identity {cfg.isakmp_identity}"]
    out.append("no crypto isakmp nat-traversal" if cfg.nat_traversal is None else f"crypto isakmp nat-traversal {cfg.nat_traversal}")
    return out


def ikev1_lines(cfg: DeviceConfig) -> list[str]:
    order = [i.nameif for i in interfaces_sorted(cfg) if i.nameif]
    enabled = sorted(cfg.isakmp_enabled, key=lambda n: (order.index(n) if n in order else len(order), n))
    out = [f"crypto ikev1 enable {name}" for name in enabled]
    for prio in sorted(cfg.isakmp_policies):
        pol = cfg.isakmp_policies[prio]
        out += [
            f"crypto ikev1 policy {prio}",
            f" authentication {pol.authentication}",
            f" encryption {pol.encryption}",
            f" hash {pol.hash}",
            f" group {pol.group}",
            f" lifetime {pol.lifetime}",
        ]
    return out


def ikev2_lines(cfg: DeviceConfig) -> list[str]:
    return render_ikev2.asa_config_lines(cfg, [i.nameif for i in interfaces_sorted(cfg) if i.nameif])


def crypto_lines(cfg: DeviceConfig, show_all: bool = False) -> list[str]:
    return (
        ipsec_lines(cfg) + dynamic_map_lines(cfg) + crypto_map_lines(cfg, show_all)
        + isakmp_lines(cfg) + ikev2_lines(cfg) + ikev1_lines(cfg)
    )


def _group_policy(gp: GroupPolicy, builtin: bool) -> list[str]:
    out = [] if builtin else [f"group-policy {gp.name} internal"]
    out.append(f"group-policy {gp.name} attributes")
    out.append(f" vpn-idle-timeout {gp.vpn_idle_timeout if gp.vpn_idle_timeout is not None else 'none'}")
    out += [f" {line}" for line in gp.extra]
    if gp.simultaneous_logins is not None:
        out.append(f" vpn-simultaneous-logins {gp.simultaneous_logins}")
    out.append(f" vpn-tunnel-protocol {' '.join(gp.vpn_tunnel_protocol)} " if gp.vpn_tunnel_protocol else " no vpn-tunnel-protocol")
    if gp.split_tunnel_policy is not None:
        out.append(f" split-tunnel-policy {gp.split_tunnel_policy}")
    if gp.split_tunnel_acl is not None:
        out.append(f" split-tunnel-network-list value {gp.split_tunnel_acl}")
    return out


def group_policy_lines(cfg: DeviceConfig, name: str | None = None) -> list[str]:
    out: list[str] = []
    for gp in cfg.group_policies.values():
        if name is not None and gp.name != name:
            continue
        builtin = gp.name == DFLT_GROUP_POLICY.name
        if builtin and gp == DFLT_GROUP_POLICY:
            continue
        out += _group_policy(gp, builtin)
    return out


def user_lines(cfg: DeviceConfig) -> list[str]:
    return [
        f"username {user} password {pbkdf2(pw, cfg.hostname + user)} pbkdf2 privilege 15"
        for user, pw in cfg.users.items()
    ]


def _tunnel_group(group: TunnelGroup, clear_keys: bool) -> list[str]:
    out = [f"tunnel-group {group.name} type {group.type}"]
    general = [f" address-pool {' '.join(group.address_pools)}"] if group.address_pools else []
    if group.default_group_policy:
        general.append(f" default-group-policy {group.default_group_policy}")
    if general:
        out += [f"tunnel-group {group.name} general-attributes", *general]
    ipsec: list[str] = []
    if group.psk is not None:
        ipsec.append(f" ikev1 pre-shared-key {group.psk if clear_keys else HIDDEN}")
    for side in ("remote", "local"):
        key = getattr(group, f"ikev2_{side}_psk")
        if key is not None:
            ipsec.append(f" ikev2 {side}-authentication pre-shared-key {key if clear_keys else HIDDEN}")
    if group.keepalive is None:
        ipsec.append(" isakmp keepalive disable")
    elif group.keepalive != (10, 2):
        ipsec.append(f" isakmp keepalive threshold {group.keepalive[0]} retry {group.keepalive[1]}")
    if ipsec:
        out += [f"tunnel-group {group.name} ipsec-attributes", *ipsec]
    if group.ppp_auth:
        out += [f"tunnel-group {group.name} ppp-attributes", " no authentication chap",
                *[f" authentication {a}" for a in group.ppp_auth]]
    return out


def pool_lines(cfg: DeviceConfig) -> list[str]:
    out = []
    for pool in cfg.ip_pools.values():
        mask = f" mask {pool.mask}" if pool.mask is not None else ""
        out.append(f"ip local pool {pool.name} {pool.first}-{pool.last}{mask}")
    return out


def tunnel_group_lines(cfg: DeviceConfig, name: str | None = None, clear_keys: bool = False) -> list[str]:
    out: list[str] = []
    for group in cfg.tunnel_groups.values():
        if name is None or group.name == name:
            out += _tunnel_group(group, clear_keys)
    return out


# ---------------------------------------------------------------- whole configuration


def running_config(cfg: DeviceConfig, *, show_all: bool = False, clear_keys: bool = False) -> list[str]:
    """The whole configuration, in the order a real ASA 9.x prints it."""
    out = header(cfg)
    out.append(f"hostname {cfg.hostname}")
    if cfg.domain_name:
        out.append(f"domain-name {cfg.domain_name}")
    if cfg.enable_secret:
        out.append(f"enable password {pbkdf2(cfg.enable_secret, cfg.hostname)} pbkdf2")
    out += _extra(cfg, _EARLY)
    out.append("!")
    out += interface_lines(cfg)
    out += object_lines(cfg)
    out += access_list_lines(cfg)
    out += _extra(cfg, _MIDDLE)
    out += pool_lines(cfg)
    out += nat_lines(cfg)
    out += access_group_lines(cfg)
    out += route_lines(cfg)
    rest = _extra(cfg, None, exclude=_EARLY + _MIDDLE + ("sysopt",))
    out += rest if clear_keys else [_mask_keys(line) for line in rest]
    out += sysopt_lines(cfg, show_all)
    out += crypto_lines(cfg, show_all)
    out += group_policy_lines(cfg)
    out += user_lines(cfg)
    out += tunnel_group_lines(cfg, clear_keys=clear_keys)
    out += ["!", ": end"]
    return out


# ---------------------------------------------------------------- exec commands

Section = Callable[[DeviceConfig, Match], list[str]]

# (syntax, lines); `all` only changes the sections where a real ASA adds default lines
SECTIONS: list[tuple[str, Section]] = [
    ("show running-config [all]", lambda cfg, m: running_config(cfg, show_all=m.has("all"))),
    ("more system:running-config", lambda cfg, m: running_config(cfg, clear_keys=True)),
    ("show running-config [all] crypto", lambda cfg, m: crypto_lines(cfg, m.has("all"))),
    ("show running-config [all] crypto map", lambda cfg, m: crypto_map_lines(cfg, m.has("all"))),
    ("show running-config [all] crypto dynamic-map", lambda cfg, m: dynamic_map_lines(cfg)),
    ("show running-config [all] crypto ikev1", lambda cfg, m: ikev1_lines(cfg)),
    ("show running-config [all] crypto ikev2", lambda cfg, m: ikev2_lines(cfg)),
    ("show running-config [all] crypto isakmp", lambda cfg, m: isakmp_lines(cfg)),
    ("show running-config [all] {ipsec|crypto ipsec}", lambda cfg, m: ipsec_lines(cfg)),
    ("show running-config [all] tunnel-group [<word:name>]", lambda cfg, m: tunnel_group_lines(cfg, m.get("name"))),
    ("show running-config [all] sysopt", lambda cfg, m: sysopt_lines(cfg, m.has("all"))),
    ("show running-config [all] nat", lambda cfg, m: nat_lines(cfg)),
    ("show running-config [all] object [network]", lambda cfg, m: object_lines(cfg)),
    ("show running-config [all] access-list [<word:name>]", lambda cfg, m: access_list_lines(cfg, m.get("name"))),
    ("show running-config [all] access-group", lambda cfg, m: access_group_lines(cfg)),
    ("show running-config [all] group-policy [<word:name>]", lambda cfg, m: group_policy_lines(cfg, m.get("name"))),
    ("show running-config [all] route", lambda cfg, m: route_lines(cfg)),
    ("show running-config [all] interface [<word:name>]", lambda cfg, m: interface_lines(cfg, m.get("name"))),
    ("show running-config [all] username", lambda cfg, m: user_lines(cfg)),
    ("show running-config [all] ip local pool", lambda cfg, m: pool_lines(cfg)),
]


def _handler(section: Section) -> Callable[[Device, Match], str]:
    def handler(dev: Device, m: Match) -> str:
        lines = section(dev.config, m)
        return "\n".join(lines) + "\n" if lines else ""

    return handler


def register(table: CommandTable[Device]) -> None:
    """Register `show running-config [all] [SECTION]` and `more system:running-config`."""
    for spec, section in SECTIONS:
        table.register(spec)(_handler(section))
