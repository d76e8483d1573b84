"""ASA configuration interpreter: one CLI line at a time, into the device model.

The syntax accepted is documented in ``docs/lab-config-language.md``.  A line that is
not understood raises ``ConfigError`` with the position of the bad token, which the
shell turns into the ASA's `ERROR: % Invalid input detected at '^' marker.`."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from agent.lab import config_ikev2, config_ra
from agent.lab.config_common import (
    CANON_ENCRYPTION,
    GLOBAL,
    ConfigError,
    Mode,
    apply_line,
    bind_map,
    canon_transforms,
    int_at,
    ip_at,
    parse_addr,
    refresh_binding,
    unbind_map,
)
from agent.lab.model import (
    Acl,
    AclEntry,
    CryptoMapEntry,
    DeviceConfig,
    DynamicMapEntry,
    GroupPolicy,
    Interface,
    IsakmpPolicy,
    NatRule,
    NetObject,
    Platform,
    Route,
    TransformSet,
    TunnelGroup,
    net,
)

PROMPTS = {
    "config": "config",
    "interface": "config-if",
    "ikev1-policy": "config-ikev1-policy",
    "tunnel-general": "config-tunnel-general",
    "tunnel-ipsec": "config-tunnel-ipsec",
    "group-policy": "config-group-policy",
    "object": "config-network-object",
    **config_ikev2.ASA_PROMPTS,
    "ppp": "config-ppp",
}

BAD = "% Invalid input detected at '^' marker."


def new_config(hostname: str) -> DeviceConfig:
    cfg = DeviceConfig(hostname=hostname, platform=Platform.ASA)
    cfg.ipsec_sa_lifetime_seconds = 28800
    cfg.nat_traversal = 20
    cfg.group_policies["DfltGrpPolicy"] = GroupPolicy("DfltGrpPolicy", 30, ["ikev1", "ikev2", "l2tp-ipsec"])
    return cfg


def apply(cfg: DeviceConfig, mode: Mode, line: str) -> tuple[Mode, list[str]]:
    """Apply one line in ``mode``; returns the new mode and any warnings printed."""
    tokens = line.split()
    if not tokens or tokens[0].startswith("!") or tokens[0] == ":":
        return mode, []
    return apply_line(tokens, mode, lambda t: _submode(cfg, mode, t), lambda t: _global(cfg, t))


# ---------------------------------------------------------------- sub-modes


def _submode(cfg: DeviceConfig, mode: Mode, tokens: list[str]) -> list[str] | None:
    """Sub-mode commands; None when the line is not a sub-mode command (Cisco then
    tries it as a global command and leaves the sub-mode)."""
    neg = tokens[0] == "no"
    t = tokens[1:] if neg else tokens
    if not t:
        raise ConfigError(BAD, 0)
    key = mode.key
    if mode.kind in ("asa-ikev2-policy", "ipsec-proposal"):
        return config_ikev2.asa_submode(cfg, mode, t, neg)
    if mode.kind == "interface":
        itf = cfg.interfaces[str(key)]
        if t[0] == "nameif":
            itf.nameif = None if neg else t[1]
        elif t[0] == "security-level":
            itf.security_level = None if neg else int_at(t, 1)
        elif t[:2] == ["ip", "address"]:
            itf.ip = None if neg else IPv4Interface(f"{ip_at(t, 2)}/{ip_at(t, 3)}")
        elif t[0] == "shutdown":
            itf.shutdown = not neg
        elif t[0] == "description":
            itf.description = "" if neg else " ".join(t[1:])
        elif t[0] == "mtu":
            itf.mtu = 1500 if neg else int_at(t, 1)
        else:
            return None
        return []
    if mode.kind == "ikev1-policy":
        pol = cfg.isakmp_policies[int(str(key))]
        if t[0] == "authentication":
            pol.authentication = t[1]
        elif t[0] == "encryption":
            enc = CANON_ENCRYPTION.get(tuple(t[1:]))
            if enc is None:
                raise ConfigError(BAD, 1 + neg)
            pol.encryption = enc
        elif t[0] == "hash":
            pol.hash = t[1]
        elif t[0] == "group":
            pol.group = int_at(t, 1)
        elif t[0] == "lifetime":
            pol.lifetime = int_at(t, 1)
        else:
            return None
        return []
    if mode.kind == "tunnel-general":
        group = cfg.tunnel_groups[str(key)]
        if t[0] == "default-group-policy":
            group.default_group_policy = None if neg else t[1]
            return []
        return config_ra.tunnel_general_attr(cfg, mode, t, neg)
    if mode.kind == "ppp":
        return config_ra.ppp_attr(cfg, mode, t, neg)
    if mode.kind == "tunnel-ipsec":
        group = cfg.tunnel_groups[str(key)]
        if t[:2] == ["ikev1", "pre-shared-key"]:
            if not neg and len(t) < 3:
                raise ConfigError("% Incomplete command.", 2)
            group.psk = None if neg else t[2]
        elif config_ikev2.asa_tunnel_ipsec(group, t, neg):
            pass
        elif t[:2] == ["isakmp", "keepalive"]:
            if neg or t[2:3] == ["disable"]:
                group.keepalive = None
            else:
                group.keepalive = (int_at(t, 3), int_at(t, 5))
        else:
            return None
        return []
    if mode.kind == "group-policy":
        gp = cfg.group_policies[str(key)]
        if t[0] == "vpn-idle-timeout":
            gp.vpn_idle_timeout = None if neg or t[1] == "none" else int_at(t, 1)
        elif t[0] == "vpn-tunnel-protocol":
            gp.vpn_tunnel_protocol = [] if neg else t[1:]
        else:
            return config_ra.group_policy_attr(cfg, mode, t, neg)
        return []
    if mode.kind == "object":
        obj = cfg.objects[str(key)]
        if t[0] == "subnet":
            obj.network = net(t[1], t[2])
        elif t[0] == "host":
            obj.network = net(f"{ip_at(t, 1)}/32")
        elif t[0] == "nat" and len(t) >= 3 and t[2] == "dynamic":
            obj.nat_dynamic_interface = None if neg else _if_pair(t[1])
        else:
            return None
        return []
    return None


def _if_pair(text: str) -> tuple[str, str]:
    inner = text.strip("()")
    real, _, mapped = inner.partition(",")
    if not real or not mapped:
        raise ConfigError(BAD, 1)
    return real, mapped


# ---------------------------------------------------------------- global commands


def _global(cfg: DeviceConfig, tokens: list[str]) -> tuple[Mode, list[str]]:
    neg = tokens[0] == "no"
    t = tokens[1:] if neg else tokens
    off = 1 if neg else 0
    if not t:
        raise ConfigError(BAD, 0)
    head = t[0]
    if head == "hostname":
        cfg.hostname = t[1]
    elif head == "domain-name":
        cfg.domain_name = "" if neg else t[1]
    elif head == "enable" and t[1:2] == ["password"]:
        cfg.enable_secret = t[2]
    elif head == "username":
        if neg:
            cfg.users.pop(t[1], None)
        else:
            cfg.users[t[1]] = t[3] if len(t) > 3 and t[2] == "password" else ""
    elif head == "interface":
        itf = cfg.interfaces.setdefault(t[1], Interface(t[1]))
        return Mode("interface", itf.name), []
    elif head == "object" and t[1:2] == ["network"]:
        if neg:
            cfg.objects.pop(t[2], None)
            return GLOBAL, []
        cfg.objects.setdefault(t[2], NetObject(t[2]))
        return Mode("object", t[2]), []
    elif head == "access-list" and t[2:3] == ["standard"]:
        config_ra.standard_acl(cfg, t, neg, off)
    elif head == "access-list":
        _access_list(cfg, t, neg, off)
    elif head == "ip" and t[1:2] == ["local"]:
        config_ra.pool_line(cfg, t, neg, off)
    elif head == "access-group":
        # access-group NAME in interface IF
        if neg:
            cfg.access_groups.pop(t[4], None)
        else:
            cfg.access_groups[t[4]] = t[1]
    elif head == "nat":
        _nat(cfg, t, neg, off)
    elif head == "route":
        _route(cfg, t, neg, off)
    elif head == "crypto":
        return _crypto(cfg, t, neg, off)
    elif head == "tunnel-group":
        return _tunnel_group(cfg, t, neg)
    elif head == "group-policy":
        if neg:
            cfg.group_policies.pop(t[1], None)
            return GLOBAL, []
        gp = cfg.group_policies.setdefault(t[1], GroupPolicy(t[1]))
        if t[2:3] == ["attributes"]:
            return Mode("group-policy", gp.name), []
    elif head == "sysopt" and t[1:2] == ["connection"]:
        if t[2:3] == ["permit-vpn"]:
            cfg.sysopt_permit_vpn = not neg
        elif t[2:3] == ["preserve-vpn-flows"]:
            cfg.sysopt_preserve_vpn_flows = not neg
        else:
            cfg.extra_lines.append(" ".join(tokens))
    elif head in ("logging", "names", "ssh", "aaa", "http", "telnet", "timeout", "mtu", "dns", "ntp", "snmp-server", "pager"):
        line = " ".join(t)
        if neg:  # `no logging timestamp`: the line and its variants go
            cfg.extra_lines = [x for x in cfg.extra_lines if x != line and not x.startswith(line + " ")]
        elif line not in cfg.extra_lines:
            cfg.extra_lines.append(" ".join(tokens))
    else:
        raise ConfigError(BAD, off)
    return GLOBAL, []


def _access_list(cfg: DeviceConfig, t: list[str], neg: bool, off: int) -> None:
    # access-list NAME extended permit ip SRC DST
    if len(t) < 3:
        raise ConfigError("% Incomplete command.", off + len(t))
    name = t[1]
    line: int | None = None
    if t[2] == "line" and len(t) > 4 and t[3].isdigit():  # access-list NAME line N extended ...: insert at N
        line = int(t[3])
        t = t[:2] + t[4:]
    if t[2] != "extended":
        if t[2] == "remark":
            return
        raise ConfigError(BAD, off + 2)
    if len(t) < 5 or t[3] not in ("permit", "deny"):
        raise ConfigError(BAD, off + 3)
    src, i, src_txt = _acl_addr(cfg, t, 5)
    dst, j, dst_txt = _acl_addr(cfg, t, i)
    text = " ".join(t[3:5] + [src_txt, dst_txt] + t[j:])
    if neg:
        acl = cfg.acls.get(name)
        if acl is not None:
            acl.entries = [e for e in acl.entries if e.text != text]
            if not acl.entries:
                del cfg.acls[name]
        return
    acl = cfg.acls.setdefault(name, Acl(name))
    entry = AclEntry(t[3], t[4], src, dst, text)
    if line is None:
        acl.entries.append(entry)
    else:
        acl.entries.insert(max(line - 1, 0), entry)


def _acl_addr(cfg: DeviceConfig, t: list[str], i: int) -> tuple[IPv4Network, int, str]:
    if i < len(t) and t[i] == "object":
        obj = cfg.objects.get(t[i + 1]) if i + 1 < len(t) else None
        if obj is None or obj.network is None:
            raise ConfigError(f"ERROR: specified object ({t[i + 1] if i + 1 < len(t) else ''}) does not exist", i + 1)
        return obj.network, i + 2, f"object {obj.name}"
    return parse_addr(t, i, wildcard=False)


def _nat(cfg: DeviceConfig, t: list[str], neg: bool, off: int) -> None:
    # nat (inside,outside) source static A A destination static B B [no-proxy-arp] [route-lookup]
    if len(t) < 5 or t[2] != "source":
        raise ConfigError(BAD, off + 2)
    real_if, mapped_if = _if_pair(t[1])
    kind = t[3]
    rule = NatRule(real_if, mapped_if, t[4], t[5] if len(t) > 5 else t[4], kind=kind)
    rest = t[6:]
    if rest[:2] == ["destination", "static"]:
        rule.dst_real, rule.dst_mapped = rest[2], rest[3]
        rest = rest[4:]
    rule.flags = rest
    for name in (rule.src_real, rule.dst_real):
        if name is not None and name not in cfg.objects and name not in ("any", "interface"):
            raise ConfigError(f"ERROR: Object ({name}) does not exist.", off)
    if neg:
        cfg.nat_rules = [r for r in cfg.nat_rules if (r.real_if, r.mapped_if, r.src_real, r.dst_real) != (real_if, mapped_if, rule.src_real, rule.dst_real)]
    else:
        cfg.nat_rules.append(rule)


def _route(cfg: DeviceConfig, t: list[str], neg: bool, off: int) -> None:
    # route IF NET MASK GW [DISTANCE]
    if len(t) < 5:
        raise ConfigError("% Incomplete command.", off + len(t))
    network = net(t[2], t[3])
    gw = ip_at(t, 4)
    if neg:
        cfg.routes = [r for r in cfg.routes if not (r.network == network and r.next_hop == gw)]
        return
    if cfg.interface_by_label(t[1]) is None:
        raise ConfigError(f"ERROR: Interface {t[1]} not found", off + 1)
    cfg.routes.append(Route(network, t[1], gw, int(t[5]) if len(t) > 5 else 1))


def _tunnel_group(cfg: DeviceConfig, t: list[str], neg: bool) -> tuple[Mode, list[str]]:
    name = t[1]
    if neg:
        cfg.tunnel_groups.pop(name, None)
        return GLOBAL, []
    if t[2:3] == ["type"]:
        cfg.tunnel_groups[name] = TunnelGroup(name, t[3])
        return GLOBAL, []
    group = cfg.tunnel_groups.get(name)
    if group is None:
        raise ConfigError(f"ERROR: tunnel-group {name} not found", 1)
    if t[2:3] == ["general-attributes"]:
        return Mode("tunnel-general", name), []
    if t[2:3] == ["ipsec-attributes"]:
        return Mode("tunnel-ipsec", name), []
    if t[2:3] == ["ppp-attributes"]:
        return Mode("ppp", name), []
    raise ConfigError(BAD, 2)


def _crypto(cfg: DeviceConfig, t: list[str], neg: bool, off: int) -> tuple[Mode, list[str]]:
    sub = t[1:]
    ikev2_mode = config_ikev2.asa_global(cfg, sub, neg)
    if ikev2_mode is not None:
        return ikev2_mode, []
    if sub[:1] in (["ikev1"], ["isakmp"]) and sub[1:2] == ["policy"]:
        prio = int_at(sub, 2)
        if neg:
            cfg.isakmp_policies.pop(prio, None)
            return GLOBAL, []
        cfg.isakmp_policies.setdefault(prio, IsakmpPolicy(prio))
        return Mode("ikev1-policy", prio), []
    if sub[:1] in (["ikev1"], ["isakmp"]) and sub[1:2] == ["enable"]:
        (cfg.isakmp_enabled.discard if neg else cfg.isakmp_enabled.add)(sub[2])
        return GLOBAL, []
    if sub[:2] == ["isakmp", "identity"]:
        cfg.isakmp_identity = "auto" if neg else sub[2]
        return GLOBAL, []
    if sub[:2] == ["isakmp", "nat-traversal"]:
        cfg.nat_traversal = None if neg else (int(sub[2]) if len(sub) > 2 else 20)
        return GLOBAL, []
    if sub[:3] == ["ipsec", "ikev1", "transform-set"]:
        name = sub[3]
        if neg:
            cfg.transform_sets.pop(name, None)
        elif sub[4:5] == ["mode"]:
            cfg.transform_sets[name].mode = sub[5]
        else:
            old = cfg.transform_sets.get(name)
            cfg.transform_sets[name] = TransformSet(name, canon_transforms(sub, 4), old.mode if old else "tunnel")
        return GLOBAL, []
    if sub[:2] == ["ipsec", "security-association"]:
        if sub[2:4] == ["lifetime", "seconds"]:
            cfg.ipsec_sa_lifetime_seconds = int_at(sub, 4)
        elif sub[2:4] == ["lifetime", "kilobytes"]:
            cfg.ipsec_sa_lifetime_kb = int_at(sub, 4)
        elif sub[2:4] == ["replay", "window-size"]:
            cfg.replay_window = int_at(sub, 4)
        else:
            raise ConfigError(BAD, off + 3)
        return GLOBAL, []
    if sub[:1] == ["map"]:
        return GLOBAL, _crypto_map(cfg, sub, neg, off)
    if sub[:1] == ["dynamic-map"]:
        _dynamic_map(cfg, sub, neg)
        return GLOBAL, []
    raise ConfigError(BAD, off + 1)


def _crypto_map(cfg: DeviceConfig, sub: list[str], neg: bool, off: int) -> list[str]:
    # map NAME interface IF | map NAME SEQ ...
    name = sub[1]
    if sub[2:3] == ["interface"]:
        if neg:
            unbind_map(cfg, name, sub[3])
            return []
        if cfg.interface_by_label(sub[3]) is None:
            raise ConfigError(f"ERROR: Interface {sub[3]} not found", off + 4)
        if name not in cfg.crypto_maps:
            raise ConfigError(f"ERROR: Crypto map {name} does not exist", off + 2)
        return bind_map(cfg, name, sub[3])
    seq = int_at(sub, 2)
    entries = cfg.crypto_maps.setdefault(name, {})
    if neg and len(sub) == 3:
        entries.pop(seq, None)
        if not entries:
            del cfg.crypto_maps[name]
        refresh_binding(cfg, name, seq)
        return []
    entry = entries.setdefault(seq, CryptoMapEntry(name, seq))
    rest = sub[3:]
    if rest[:2] == ["match", "address"]:
        entry.match_acl = None if neg else rest[2]
    elif rest[:2] == ["set", "peer"]:
        if neg:
            drop = {IPv4Address(a) for a in rest[2:]}
            entry.peers = [p for p in entry.peers if drop and p not in drop]
        else:
            entry.peers = [ip_at(rest, i) for i in range(2, len(rest))]
    elif rest[:3] == ["set", "ikev1", "transform-set"]:
        entry.transform_sets = [] if neg else rest[3:]
    elif rest[:3] == ["set", "ikev2", "ipsec-proposal"]:
        entry.ikev2_proposals = [] if neg else rest[3:]
    elif rest[:2] == ["set", "pfs"]:
        entry.pfs_group = None if neg else (int(rest[2].removeprefix("group")) if len(rest) > 2 else 2)
    elif rest[:3] == ["set", "security-association", "lifetime"]:
        if rest[3] == "seconds":
            entry.lifetime_seconds = None if neg else int_at(rest, 4)
        else:
            entry.lifetime_kb = None if neg else int_at(rest, 4)
    elif rest[:2] == ["set", "reverse-route"]:
        entry.reverse_route = not neg
    elif rest[:2] == ["set", "connection-type"]:
        entry.connection_type = None if neg else rest[2]
    elif rest[:2] == ["ipsec-isakmp", "dynamic"]:
        entry.dynamic_map = None if neg else rest[2]
    else:
        raise ConfigError(BAD, off + 4)
    return []


def _dynamic_map(cfg: DeviceConfig, sub: list[str], neg: bool) -> None:
    name, seq = sub[1], int_at(sub, 2)
    entries = cfg.dynamic_maps.setdefault(name, {})
    entry = entries.setdefault(seq, DynamicMapEntry(name, seq))
    rest = sub[3:]
    if rest[:3] == ["set", "ikev1", "transform-set"]:
        entry.transform_sets = [] if neg else rest[3:]
    elif rest[:2] == ["set", "pfs"]:
        entry.pfs_group = None if neg else (int(rest[2].removeprefix("group")) if len(rest) > 2 else 2)
    elif rest[:2] == ["match", "address"]:
        entry.match_acl = None if neg else rest[2]
    elif not rest and neg:
        entries.pop(seq, None)
    else:
        raise ConfigError(BAD, 4)


def prompt_suffix(mode: Mode) -> str:
    return PROMPTS.get(mode.kind, "config")
