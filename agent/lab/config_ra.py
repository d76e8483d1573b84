"""Remote-access headend lines of the ASA interpreter (seed 003, L2TP over IPsec; seed
000, remote access): address pools, the remote-access attributes of group policies and
tunnel groups, standard ACLs for split tunnelling.  ``config_asa`` calls in here first;
a line that is not a remote-access line returns None and is handled there."""

from __future__ import annotations

from ipaddress import IPv4Address

from agent.lab.config_common import ConfigError, Mode, int_at, ip_at, parse_addr
from agent.lab.model import ANY, Acl, AclEntry, DeviceConfig, IpPool

BAD = "% Invalid input detected at '^' marker."

#: group-policy attributes accepted and shown but not modelled
GROUP_POLICY_EXTRA = ("dns-server", "default-domain", "intercept-dhcp", "wins-server", "address-pools", "banner")


def pool_line(cfg: DeviceConfig, t: list[str], neg: bool, off: int) -> None:
    """`ip local pool NAME FIRST-LAST [mask M]`."""
    if t[:3] != ["ip", "local", "pool"] or len(t) < 4:
        raise ConfigError(BAD, off + min(len(t), 2))
    name = t[3]
    if neg:
        cfg.ip_pools.pop(name, None)
        return
    if len(t) < 5 or "-" not in t[4]:
        raise ConfigError("% Incomplete command." if len(t) < 5 else BAD, off + 4)
    first_txt, _, last_txt = t[4].partition("-")
    try:
        first, last = IPv4Address(first_txt), IPv4Address(last_txt)
    except ValueError:
        raise ConfigError(BAD, off + 4) from None
    if int(last) < int(first):
        raise ConfigError("ERROR: Start address must be less than or equal to end address", off + 4)
    mask = ip_at(t, 6) if t[5:6] == ["mask"] else None
    cfg.ip_pools[name] = IpPool(name, first, last, mask)


def standard_acl(cfg: DeviceConfig, t: list[str], neg: bool, off: int) -> None:
    """`access-list NAME standard permit|deny NET MASK | host A | any4` (split tunnel lists)."""
    name = t[1]
    if len(t) < 5 or t[3] not in ("permit", "deny"):
        raise ConfigError(BAD, off + 3)
    src, _, text = parse_addr(t, 4, wildcard=False)
    line = f"{t[3]} {text}"
    acl = cfg.acls.get(name)
    if neg:
        if acl is not None:
            acl.entries = [e for e in acl.entries if e.text != line]
            if not acl.entries:
                del cfg.acls[name]
        return
    if acl is None:
        acl = cfg.acls[name] = Acl(name, standard=True)
    acl.entries.append(AclEntry(t[3], "ip", src, ANY, line))


def group_policy_attr(cfg: DeviceConfig, mode: Mode, t: list[str], neg: bool) -> list[str] | None:
    gp = cfg.group_policies[str(mode.key)]
    if t[0] == "vpn-simultaneous-logins":
        gp.simultaneous_logins = None if neg else int_at(t, 1)
    elif t[0] == "split-tunnel-policy":
        if not neg and (len(t) < 2 or t[1] not in ("tunnelall", "tunnelspecified", "excludespecified")):
            raise ConfigError(BAD, 1 + neg)
        gp.split_tunnel_policy = None if neg else t[1]
    elif t[0] == "split-tunnel-network-list":
        gp.split_tunnel_acl = None if neg or t[1:2] == ["none"] else t[2]
    elif t[0] in GROUP_POLICY_EXTRA:
        gp.extra = [x for x in gp.extra if x.split()[0] != t[0]]
        if not neg:
            gp.extra.append(" ".join(t))
    else:
        return None
    return []


def tunnel_general_attr(cfg: DeviceConfig, mode: Mode, t: list[str], neg: bool) -> list[str] | None:
    group = cfg.tunnel_groups[str(mode.key)]
    if t[0] == "address-pool":
        names = [w for w in t[1:] if not w.startswith("(")]
        group.address_pools = [] if neg else names
        return []
    if t[0] == "authentication-server-group":
        return []
    return None


def ppp_attr(cfg: DeviceConfig, mode: Mode, t: list[str], neg: bool) -> list[str] | None:
    group = cfg.tunnel_groups[str(mode.key)]
    if t[0] != "authentication" or len(t) < 2:
        return None
    if t[1] not in ("chap", "ms-chap-v1", "ms-chap-v2", "pap", "eap-proxy"):
        raise ConfigError(BAD, 1 + neg)
    group.ppp_auth = [a for a in group.ppp_auth if a != t[1]] + ([] if neg else [t[1]])
    return []


# ---------------------------------------------------------------- IOS headend (Easy VPN)


def ios_pool_line(cfg: DeviceConfig, t: list[str], neg: bool, off: int) -> None:
    """IOS `ip local pool NAME FIRST [LAST]`."""
    if len(t) < 4:
        raise ConfigError("% Incomplete command.", off + len(t))
    name = t[3]
    pool = cfg.ip_pools.get(name)
    if neg and len(t) > 4 and pool is not None:  # `no ip local pool NAME A [B]`: that range only
        first = ip_at(t, 4)
        rest = [r for r in pool.ranges() if r != (first, ip_at(t, 5) if len(t) > 5 else first)]
        if rest:
            cfg.ip_pools[name] = IpPool(name, rest[0][0], rest[0][1], more=rest[1:])
        else:
            del cfg.ip_pools[name]
        return
    if neg:
        cfg.ip_pools.pop(name, None)
        return
    first = ip_at(t, 4)
    last = ip_at(t, 5) if len(t) > 5 else first
    if int(last) < int(first):
        raise ConfigError("%Bad IP range", off + 5)
    if pool is not None:  # another range of the same pool (IOS keeps both)
        pool.more.append((first, last))
        return
    cfg.ip_pools[name] = IpPool(name, first, last)


def client_group(cfg: DeviceConfig, name: str, neg: bool) -> Mode | None:
    """`crypto isakmp client configuration group NAME`: the Easy VPN group, kept as a
    remote-access tunnel group (its pool, key) with a group policy of the same name
    (max-logins, split-tunnel acl)."""
    from agent.lab.model import GroupPolicy, TunnelGroup

    if neg:
        cfg.tunnel_groups.pop(name, None)
        cfg.group_policies.pop(name, None)
        return None
    cfg.tunnel_groups.setdefault(name, TunnelGroup(name, "remote-access", default_group_policy=name, keepalive=None))
    cfg.group_policies.setdefault(name, GroupPolicy(name, None, ["ipsec"]))
    return Mode("client-group", name)


def client_group_attr(cfg: DeviceConfig, mode: Mode, t: list[str], neg: bool) -> list[str] | None:
    name = str(mode.key)
    group, gp = cfg.tunnel_groups[name], cfg.group_policies[name]
    if t[0] == "key":
        group.psk = None if neg else t[1]
    elif t[0] == "pool":
        group.address_pools = [] if neg else [t[1]]
    elif t[0] == "max-logins":
        gp.simultaneous_logins = None if neg else int_at(t, 1)
    elif t[0] == "acl":
        gp.split_tunnel_acl = None if neg else t[1]
        gp.split_tunnel_policy = None if neg else "tunnelspecified"
    elif t[0] in ("dns", "domain", "wins", "save-password", "max-users", "include-local-lan"):
        gp.extra = [x for x in gp.extra if x.split()[0] != t[0]] + ([] if neg else [" ".join(t)])
    else:
        return None
    return []
