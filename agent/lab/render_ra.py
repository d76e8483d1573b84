"""The ASA's remote-access show commands: the VPN session database for IKEv1 IPsec
remote access (L2TP over IPsec, seed 003's `show vpn-sessiondb detail ra-ikev1-ipsec`
layout) and `show ip local pool NAME`.  Registered into the ASA command table."""

from __future__ import annotations

from ipaddress import IPv4Address

from agent.lab import ra
from agent.lab import render_asa as r
from agent.lab.grammar import CommandTable, Match
from agent.lab.model import IkeSa, IpsecSa
from agent.lab.world import Device

NONE_ACTIVE = "INFO: There are presently no active sessions of the type specified\n"


def _pair(left: str, right: str) -> str:
    return f"{left:<38}{right}"


def _sessions(dev: Device, m: Match) -> list[tuple[IkeSa, IpsecSa]]:
    wanted = m.get("value")
    out = []
    for sa in ra.user_sas(dev):
        ike = dev.state.ike_sas.get(sa.peer)
        if ike is None or not ike.user:
            continue
        if m.has("ipaddress") and wanted not in (str(sa.peer), str(sa.assigned_ip)):
            continue
        if m.has("name") and wanted != sa.username:
            continue
        if m.has("protocol") and (wanted or "").lower() not in ("l2tpoveripsec", "ikev1", "ipsec"):
            continue
        out.append((ike, sa))
    return out


def _policy(dev: Device, ike: IkeSa) -> str:
    group = dev.config.tunnel_groups.get(ike.tunnel_group or "")
    return ra.group_policy(dev, group).name if group is not None else "DfltGrpPolicy"


def _head(dev: Device, index: int, ike: IkeSa, sa: IpsecSa) -> list[str]:
    enc = r.ENC_NAMES.get(r._cipher(sa), "none")
    hsh = r.HASH_NAMES.get(r._hmac(sa), "none")
    ike_enc = r.ENC_NAMES.get(ike.encryption, ike.encryption.upper())
    ike_hash = r.HASH_NAMES.get(ike.hash, ike.hash.upper())
    c = sa.counters
    return [
        _pair(f"Username     : {sa.username}", f"Index        : {index}"),
        _pair(f"Assigned IP  : {sa.assigned_ip}", f"Public IP    : {sa.peer}"),
        "Protocol     : IKEv1 IPsec L2TPOverIPsec",
        "License      : Other VPN",
        f"Encryption   : IKEv1: (1){ike_enc}  IPsec: (1){enc}  L2TPOverIPsec: (1)none",
        f"Hashing      : IKEv1: (1){ike_hash}  IPsec: (1){hsh}  L2TPOverIPsec: (1)none",
        _pair(f"Bytes Tx     : {c.encaps * 54}", f"Bytes Rx     : {c.decaps * 108}"),
        _pair(f"Pkts Tx      : {c.encaps}", f"Pkts Rx      : {c.decaps}"),
        _pair("Pkts Tx Drop : 0", "Pkts Rx Drop : 0"),
        _pair(f"Group Policy : {_policy(dev, ike)}", f"Tunnel Group : {ike.tunnel_group}"),
        f"Login Time   : {r.asa_time(ike.created_at)}",
        f"Duration     : {r.duration(dev.now() - ike.created_at)}",
        "Inactivity   : 0h:00m:00s",
        _pair("VLAN Mapping : N/A", "VLAN         : none"),
        f"Audt Sess ID : {r.fake_hex(sa.peer, sa.username):08x}0000{index:04x}{r.fake_hex(ike.created_at):08x}",
        "Security Grp : none",
    ]


def _detail(dev: Device, ike: IkeSa, sa: IpsecSa, index: int) -> list[str]:
    enc = r.ENC_NAMES.get(r._cipher(sa), "none")
    hsh = r.HASH_NAMES.get(r._hmac(sa), "none")
    idle = r._idle_timeout(dev.config, ike)
    c = sa.counters
    left = max(0, sa.lifetime_seconds - r.elapsed(dev, sa.created_at))
    return [
        "", "IKEv1 Tunnels: 1", "IPsec Tunnels: 1", "L2TPOverIPsec Tunnels: 1", "",
        "IKEv1:",
        f"  Tunnel ID    : {index}.1",
        "  " + _pair("UDP Src Port : 500", "UDP Dst Port : 500"),
        "  " + _pair("IKE Neg Mode : Main", "Auth Mode    : preSharedKeys"),
        "  " + _pair(f"Encryption   : {r.ENC_NAMES.get(ike.encryption, ike.encryption)}",
                     f"Hashing      : {r.HASH_NAMES.get(ike.hash, ike.hash)}"),
        "  " + _pair(f"Rekey Int (T): {ike.lifetime} Seconds",
                     f"Rekey Left(T): {max(0, ike.lifetime - r.elapsed(dev, ike.created_at))} Seconds"),
        f"  D/H Group    : {ike.group}",
        "  Filter Name  : ",
        "",
        "IPsec:",
        f"  Tunnel ID    : {index}.2",
        f"  Local Addr   : {sa.local}/255.255.255.255/17/1701",
        f"  Remote Addr  : {sa.peer}/255.255.255.255/17/1701",
        "  " + _pair(f"Encryption   : {enc}", f"Hashing      : {hsh}"),
        f"  Encapsulation: {sa.mode.capitalize()}",
        "  " + _pair(f"Rekey Int (T): {sa.lifetime_seconds} Seconds", f"Rekey Left(T): {left} Seconds"),
        "  " + _pair(f"Rekey Int (D): {sa.lifetime_kb} K-Bytes", f"Rekey Left(D): {sa.lifetime_kb} K-Bytes"),
        "  " + _pair(f"Idle Time Out: {idle} Minutes", f"Idle TO Left : {max(0, idle - 1)} Minutes"),
        "  " + _pair(f"Bytes Tx     : {c.encaps * 54}", f"Bytes Rx     : {c.decaps * 108}"),
        "  " + _pair(f"Pkts Tx      : {c.encaps}", f"Pkts Rx      : {c.decaps}"),
        "",
        "L2TPOverIPsec:",
        f"  Tunnel ID    : {index}.3",
        f"  Username     : {sa.username}",
        f"  Assigned IP  : {sa.assigned_ip}",
        f"  Public IP    : {sa.peer}",
        "  " + _pair("Encryption   : none", "Hashing      : none"),
        "  Auth Mode    : msCHAPV2",
        "  " + _pair(f"Idle Time Out: {idle} Minutes", f"Idle TO Left : {max(0, idle - 3)} Minutes"),
        "  Client OS    : Microsoft",
        "  Client OS Ver: 6.2",
        "  " + _pair(f"Bytes Tx     : {c.encaps * 16}", f"Bytes Rx     : {c.decaps * 86}"),
        "  " + _pair(f"Pkts Tx      : {max(0, c.encaps - 11)}", f"Pkts Rx      : {max(0, c.decaps - 13)}"),
    ]


def show_sessions(dev: Device, m: Match) -> str:
    sessions = _sessions(dev, m)
    if not sessions:
        return NONE_ACTIVE
    detail = m.has("detail")
    lines = ["Session Type: IKEv1 IPsec Detailed" if detail else "Session Type: IKEv1 IPsec", ""]
    for i, (ike, sa) in enumerate(sessions, 1):
        if i > 1:
            lines.append("")
        lines += _head(dev, i, ike, sa)
        if detail:
            lines += _detail(dev, ike, sa, i)
    return "\n".join(lines) + "\n"


def show_ip_local_pool(dev: Device, m: Match) -> str:
    """The ASA layout: Begin / End / Mask / Free / Held / In use, then the addresses."""
    name = m.get("name") or ""
    pool = dev.config.ip_pools.get(name)
    if pool is None:
        return f"ERROR: Pool {name} not found\n"
    in_use = {sa.assigned_ip for sa in ra.user_sas(dev)}
    addrs = pool.addresses()
    used = [a for a in addrs if a in in_use]
    free = [a for a in addrs if a not in in_use]
    mask = str(pool.mask) if pool.mask is not None else str(IPv4Address(0xFFFFFFFF))
    lines = [
        f"{'Begin':<16}{'End':<16}{'Mask':<16}{'Free':>4}{'Held':>9}{'In use':>10}",
        f"{str(pool.first):<16}{str(pool.last):<16}{mask:<16}{len(free):>4}{0:>9}{len(used):>10}",
        "",
        "Available Addresses:",
        *[str(a) for a in free],
    ]
    if used:
        lines += ["", "In Use Addresses:", *[str(a) for a in used]]
    return "\n".join(lines) + "\n"


def show_ip_local_pool_ios(dev: Device, m: Match) -> str:
    """The IOS layout: one line per pool (Pool / Begin / End / Free / In use)."""
    name = m.get("name")
    in_use = {sa.assigned_ip for sa in ra.user_sas(dev)}
    pools = [p for p in dev.config.ip_pools.values() if name is None or p.name == name]
    if name is not None and not pools:
        return f"%Pool {name} not found\n"
    lines = [f" {'Pool':<25}{'Begin':<16}{'End':<16}{'Free':>4}{'In use':>8}"]
    for p in pools:  # a further range of the pool: its row names no pool
        for i, (a, b) in enumerate(p.ranges()):
            addrs = [IPv4Address(n) for n in range(int(a), int(b) + 1)]
            used = sum(1 for x in addrs if x in in_use)
            lines.append(f" {p.name if i == 0 else '':<25}{str(a):<16}{str(b):<16}{len(addrs) - used:>4}{used:>8}")
    if name is not None and pools:
        used_addrs = [a for a in pools[0].addresses() if a in in_use]
        lines += ["Available addresses:", *[f"   {a}" for a in pools[0].addresses() if a not in in_use],
                  "Inuse addresses:", *[f"   {a}            {_user_of(dev, a)}" for a in used_addrs]]
    return "\n".join(lines) + "\n"


def _user_of(dev: Device, addr: IPv4Address) -> str:
    return next((sa.username or "" for sa in ra.user_sas(dev) if sa.assigned_ip == addr), "")


def register_ios(table: CommandTable[Device]) -> None:
    table.register("show ip local pool [<word:name>]")(show_ip_local_pool_ios)


def register(table: CommandTable[Device]) -> None:
    spec = "[filter {ipaddress|name|protocol} <word:value>]"
    table.register(f"show vpn-sessiondb [detail] ra-ikev1-ipsec {spec}")(show_sessions)
    table.register(f"show vpn-sessiondb [detail] remote {spec}")(show_sessions)
    table.register("show ip local pool <word:name>")(show_ip_local_pool)


#: the ASA's whole show table: render_asa's, with the remote-access headend's commands
register(r.TABLE)
ASA_TABLE = r.TABLE
