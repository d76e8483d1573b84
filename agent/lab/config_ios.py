"""IOS / IOS-XE configuration interpreter: one CLI line at a time, into the device model.

The syntax accepted is documented in ``docs/lab-config-language.md``."""

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
    Interface,
    IosNat,
    IsakmpKey,
    IsakmpPolicy,
    Platform,
    Route,
    TransformSet,
    net,
)

PROMPTS = {
    "config": "config",
    "interface": "config-if",
    "isakmp": "config-isakmp",
    "crypto-map": "config-crypto-map",
    "dynamic-map": "config-crypto-map",
    "client-group": "config-isakmp-group",
    "transform": "cfg-crypto-trans",
    "acl": "config-ext-nacl",
    **config_ikev2.IOS_PROMPTS,
}

BAD = "% Invalid input detected at '^' marker."


def new_config(hostname: str) -> DeviceConfig:
    cfg = DeviceConfig(hostname=hostname, platform=Platform.IOS)
    cfg.ipsec_sa_lifetime_seconds = 3600
    cfg.nat_traversal = 20  # IOS does NAT-T by default
    return cfg


def apply(cfg: DeviceConfig, mode: Mode, line: str) -> tuple[Mode, list[str]]:
    tokens = line.split()
    if not tokens or tokens[0].startswith("!"):
        return mode, []
    if mode.kind.startswith("ikev2-"):
        neg = tokens[0] == "no"
        t = tokens[1:] if neg else tokens
        done = config_ikev2.ios_apply(cfg, mode, t, neg) if t else None
        if done is not None:
            return done
        mode = GLOBAL  # not an IKEv2 sub-mode command: Cisco tries it as a global one
    return apply_line(tokens, mode, lambda t: _submode(cfg, mode, t), lambda t: _global(cfg, t))


def _submode(cfg: DeviceConfig, mode: Mode, tokens: list[str]) -> list[str] | None:
    neg = tokens[0] == "no"
    t = tokens[1:] if neg else tokens
    if not t:
        raise ConfigError(BAD, 0)
    key = mode.key
    if mode.kind == "interface":
        return _interface(cfg, cfg.interfaces[str(key)], t, neg)
    if mode.kind == "isakmp":
        pol = cfg.isakmp_policies[int(str(key))]
        if t[0] in ("encr", "encryption"):
            enc = CANON_ENCRYPTION.get(tuple(t[1:]))
            if enc is None:
                raise ConfigError(BAD, 1 + neg)
            pol.encryption = enc
        elif t[0] == "hash":
            pol.hash = t[1]
        elif t[0] == "authentication":
            pol.authentication = t[1]
        elif t[0] == "group":
            pol.group = int_at(t, 1)
        elif t[0] == "lifetime":
            pol.lifetime = 86400 if neg else int_at(t, 1)
        else:
            return None
        return []
    if mode.kind == "transform":
        ts = cfg.transform_sets[str(key)]
        if t[0] == "mode":
            ts.mode = "tunnel" if neg else t[1]
            return []
        return None
    if mode.kind in ("crypto-map", "dynamic-map"):
        return _map_entry(cfg, mode, t, neg)
    if mode.kind == "client-group":
        return config_ra.client_group_attr(cfg, mode, t, neg)
    if mode.kind == "acl":
        acl = cfg.acls[str(key)]
        if t[0] in ("permit", "deny") or (t[0].isdigit() and t[1:2] and t[1] in ("permit", "deny")):
            seq_given = t[0].isdigit()
            body = t[1:] if seq_given else t
            entry = _ace(body, 0 + neg + seq_given)
            if neg:
                acl.entries = [e for e in acl.entries if e.text != entry.text]
            elif seq_given:  # "N permit ...": placed by its sequence number (entries are numbered 10, 20, ...)
                entry.seq = int(t[0])
                at = next((i for i, e in enumerate(acl.entries) if e.seq > entry.seq), len(acl.entries))
                acl.entries.insert(at, entry)
            else:
                entry.seq = (acl.entries[-1].seq if acl.entries else 0) + 10
                acl.entries.append(entry)
            return []
        if t[0] == "remark":
            return []
        return None
    return None


def _interface(cfg: DeviceConfig, itf: Interface, t: list[str], neg: bool) -> list[str] | None:
    if t[:2] == ["ip", "address"]:
        itf.ip = None if neg else IPv4Interface(f"{ip_at(t, 2)}/{ip_at(t, 3)}")
    elif t[:2] == ["ip", "nat"] and len(t) == 3 and t[2] in ("inside", "outside"):
        itf.nat_role = None if neg else t[2]
    elif t[:2] == ["crypto", "map"]:
        if neg:
            name = itf.crypto_map or (t[2] if len(t) > 2 else "")
            itf.crypto_map = None
            if itf.label in cfg.bindings:
                unbind_map(cfg, name, itf.label)
            return []
        name = t[2]
        if name not in cfg.crypto_maps:
            raise ConfigError(f"% Crypto map {name} does not exist", 2)
        itf.crypto_map = name
        return bind_map(cfg, name, itf.label)
    elif t[:2] == ["ip", "mtu"]:
        itf.mtu = 1500 if neg else int_at(t, 2)
    elif t[:3] == ["ip", "tcp", "adjust-mss"]:
        itf.tcp_adjust_mss = None if neg else int_at(t, 3)
    elif t[0] == "shutdown":
        itf.shutdown = not neg
    elif t[0] == "description":
        itf.description = "" if neg else " ".join(t[1:])
    elif t[0] in ("negotiation", "duplex", "speed", "media-type"):
        pass
    else:
        return None
    return []


def _map_entry(cfg: DeviceConfig, mode: Mode, t: list[str], neg: bool) -> list[str] | None:
    key = mode.key
    assert isinstance(key, tuple)
    name: str = key[0]
    seq: int = key[1]
    entry: CryptoMapEntry | DynamicMapEntry
    if mode.kind == "crypto-map":
        entry = cfg.crypto_maps[name][seq]
    else:
        entry = cfg.dynamic_maps[name][seq]
    if t[:2] == ["set", "peer"]:
        if not isinstance(entry, CryptoMapEntry):
            raise ConfigError(BAD, 1)
        peer = ip_at(t, 2)
        if neg:
            entry.peers = [p for p in entry.peers if p != peer]
        elif peer not in entry.peers:
            entry.peers.append(peer)
    elif t[:2] == ["set", "transform-set"]:
        entry.transform_sets = [] if neg else t[2:]
        for ts in entry.transform_sets:
            if ts not in cfg.transform_sets:
                raise ConfigError(f"ERROR: transform set with tag \"{ts}\" does not exist.", 2)
    elif t[:2] == ["set", "pfs"]:
        entry.pfs_group = None if neg else (int(t[2].removeprefix("group")) if len(t) > 2 else 1)
    elif t[:3] == ["set", "security-association", "lifetime"] and isinstance(entry, CryptoMapEntry):
        if t[3] == "seconds":
            entry.lifetime_seconds = None if neg else int_at(t, 4)
        else:
            entry.lifetime_kb = None if neg else int_at(t, 4)
    elif t[:2] == ["match", "address"]:
        entry.match_acl = None if neg else t[2]
    elif t[:1] == ["set"] and t[1:2] == ["ikev2-profile"] and isinstance(entry, CryptoMapEntry):
        if not neg and t[2] not in cfg.ikev2_profiles:
            raise ConfigError(f"% IKEv2 profile {t[2]} does not exist", 2)
        entry.ikev2_profile = None if neg else t[2]
    elif t[0] == "reverse-route" and isinstance(entry, CryptoMapEntry):
        entry.reverse_route = not neg
    else:
        return None
    return []


def _ace(t: list[str], base: int) -> AclEntry:
    if len(t) < 2 or t[0] not in ("permit", "deny"):
        raise ConfigError(BAD, base)
    proto = t[1]
    src, i, src_txt = parse_addr(t, 2, wildcard=True)
    dst, j, dst_txt = parse_addr(t, i, wildcard=True)
    text = " ".join([t[0], proto, src_txt, dst_txt] + t[j:])
    return AclEntry(t[0], proto, src, dst, text)


def _global(cfg: DeviceConfig, tokens: list[str]) -> tuple[Mode, list[str]]:
    neg = tokens[0] == "no"
    t = tokens[1:] if neg else tokens
    off = 1 if neg else 0
    if not t:
        raise ConfigError(BAD, 0)
    head = t[0]
    if head == "hostname":
        cfg.hostname = t[1]
    elif head == "enable" and t[1:2] == ["secret"]:
        cfg.enable_secret = t[-1]
    elif head == "username":
        if neg:
            cfg.users.pop(t[1], None)
        else:
            cfg.users[t[1]] = t[-1]
    elif head == "interface":
        cfg.interfaces.setdefault(t[1], Interface(t[1]))
        return Mode("interface", t[1]), []
    elif head == "crypto":
        return _crypto(cfg, t, neg, off)
    elif head == "ip" and t[1:3] == ["access-list", "extended"]:
        if neg:
            cfg.acls.pop(t[3], None)
            return GLOBAL, []
        cfg.acls.setdefault(t[3], Acl(t[3]))
        return Mode("acl", t[3]), []
    elif head == "access-list":
        name = t[1]
        if neg:
            cfg.acls.pop(name, None)
        else:
            acl = cfg.acls.setdefault(name, Acl(name, numbered=True))
            acl.entries.append(_ace(t[2:], off + 2))
    elif head == "ip" and t[1:3] == ["local", "pool"]:
        config_ra.ios_pool_line(cfg, t, neg, off)
    elif head == "ip" and t[1:2] == ["route"]:
        network = net(t[2], t[3])
        target = t[4]
        try:
            hop: IPv4Address | None = IPv4Address(target)
            itf_name = None
        except ValueError:
            hop, itf_name = None, target
        if neg:
            cfg.routes = [r for r in cfg.routes if not (r.network == network and (r.next_hop == hop and r.interface == itf_name))]
        else:
            cfg.routes.append(Route(network, itf_name, hop))
    elif head == "ip" and t[1:4] == ["nat", "inside", "source"]:
        # ip nat inside source list ACL interface IF overload
        if t[4] != "list":
            raise ConfigError(BAD, off + 4)
        rule = IosNat(acl=t[5], interface=t[7], overload="overload" in t)
        if neg:
            cfg.ios_nat = [r for r in cfg.ios_nat if r.acl != rule.acl]
        else:
            cfg.ios_nat.append(rule)
    elif head in ("service", "logging") and (neg or t[:3] == ["service", "timestamps", "log"]):
        # one `service timestamps log` setting at a time; `no service timestamps [log]` turns
        # the stamp off and shows as `no service timestamps log`; other `no` forms remove the line
        line = " ".join(t)
        stamps = t[:2] == ["service", "timestamps"] and t[2:3] in ([], ["log"])
        cfg.extra_lines = [x for x in cfg.extra_lines
                           if not (x == line or x.startswith(line + " ")
                                   or (stamps and x.startswith(("service timestamps log", "no service timestamps log"))))]
        if stamps and neg:
            cfg.extra_lines.append("no service timestamps log")
        elif not neg:
            cfg.extra_lines.append(line)
    elif head in ("service", "logging", "line", "ntp", "snmp-server", "radius-server", "boot", "license", "version", "ip", "no", "aaa", "archive", "end"):
        if not neg:
            cfg.extra_lines.append(" ".join(tokens))
    else:
        raise ConfigError(BAD, off)
    return GLOBAL, []


def _crypto(cfg: DeviceConfig, t: list[str], neg: bool, off: int) -> tuple[Mode, list[str]]:
    sub = t[1:]
    ikev2_mode = config_ikev2.ios_global(cfg, sub, neg)
    if ikev2_mode is not None:
        return ikev2_mode, []
    if sub[:2] == ["isakmp", "policy"]:
        prio = int_at(sub, 2)
        if neg:
            cfg.isakmp_policies.pop(prio, None)
            return GLOBAL, []
        cfg.isakmp_policies.setdefault(prio, IsakmpPolicy(prio, encryption="des", hash="sha", group=1))
        return Mode("isakmp", prio), []
    if sub[:2] == ["isakmp", "key"]:
        key = sub[2]
        addr = ip_at(sub, 4)
        rest = sub[5:]
        mask = "255.255.255.255"
        if rest and rest[0] != "no-xauth":
            mask = rest[0]
            rest = rest[1:]
        network = IPv4Network(f"{addr}/{mask}", strict=False)
        cfg.isakmp_keys = [k for k in cfg.isakmp_keys if k.address != network]
        if not neg:
            cfg.isakmp_keys.append(IsakmpKey(key, network, "no-xauth" in rest))
        return GLOBAL, []
    if sub[:4] == ["isakmp", "client", "configuration", "group"]:
        return config_ra.client_group(cfg, sub[4], neg) or GLOBAL, []
    if sub[:2] == ["isakmp", "keepalive"]:
        cfg.isakmp_keepalive = None if neg else (int_at(sub, 2), int(sub[3]) if len(sub) > 3 else 2)
        return GLOBAL, []
    if sub[:2] == ["isakmp", "identity"]:
        cfg.isakmp_identity = "address" if neg else sub[2]
        return GLOBAL, []
    if sub[:2] == ["isakmp", "enable"]:
        cfg.isakmp_enabled_global = not neg
        return GLOBAL, []
    if sub[:2] == ["isakmp", "nat"]:
        cfg.extra_lines.append(" ".join(t))
        return GLOBAL, []
    if sub[:2] == ["ipsec", "transform-set"]:
        name = sub[2]
        if neg:
            cfg.transform_sets.pop(name, None)
            return GLOBAL, []
        cfg.transform_sets[name] = TransformSet(name, canon_transforms(sub, 3))
        return Mode("transform", name), []
    if sub[:2] == ["ipsec", "security-association"]:
        rest = sub[2:]
        if rest[:2] == ["lifetime", "seconds"]:
            cfg.ipsec_sa_lifetime_seconds = 3600 if neg else int_at(rest, 2)
        elif rest[:2] == ["lifetime", "kilobytes"]:
            cfg.ipsec_sa_lifetime_kb = 4608000 if neg else int_at(rest, 2)
        elif rest[:1] == ["idle-time"]:
            cfg.ipsec_idle_time = None if neg else int_at(rest, 1)
        elif rest[:2] == ["replay", "window-size"]:
            cfg.replay_window = 64 if neg else int_at(rest, 2)
        else:
            raise ConfigError(BAD, off + 3)
        return GLOBAL, []
    if sub[:1] == ["map"]:
        name = sub[1]
        if sub[2:4] in (["client", "configuration"], ["isakmp", "authorization"]):
            line = " ".join(t)
            cfg.extra_lines = [x for x in cfg.extra_lines if x != line] + ([] if neg else [line])
            return GLOBAL, []
        if sub[2:4] == ["client", "authentication"]:
            if neg:
                cfg.crypto_map_client_auth.pop(name, None)
            else:
                cfg.crypto_map_client_auth[name] = sub[5]
            return GLOBAL, []
        seq = int_at(sub, 2)
        if neg:
            cfg.crypto_maps.get(name, {}).pop(seq, None)
            if name in cfg.crypto_maps and not cfg.crypto_maps[name]:
                del cfg.crypto_maps[name]
            refresh_binding(cfg, name, seq)
            return GLOBAL, []
        entries = cfg.crypto_maps.setdefault(name, {})
        entry = entries.setdefault(seq, CryptoMapEntry(name, seq))
        if sub[3:4] == ["ipsec-isakmp"] and sub[4:5] == ["dynamic"]:
            entry.dynamic_map = sub[5]
            return GLOBAL, []
        if sub[3:4] not in (["ipsec-isakmp"], []):
            raise ConfigError(BAD, off + 4)
        return Mode("crypto-map", (name, seq)), []
    if sub[:1] == ["dynamic-map"]:
        name, seq = sub[1], int_at(sub, 2)
        if neg:
            cfg.dynamic_maps.get(name, {}).pop(seq, None)
            return GLOBAL, []
        cfg.dynamic_maps.setdefault(name, {}).setdefault(seq, DynamicMapEntry(name, seq))
        return Mode("dynamic-map", (name, seq)), []
    raise ConfigError(BAD, off + 1)


def prompt_suffix(mode: Mode) -> str:
    return PROMPTS.get(mode.kind, "config")
