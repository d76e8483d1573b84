"""IOS / IOS-XE exec show commands, rendered from the device model (ISR4331, IOS-XE 17.3).

Layouts follow real captures (ntc-templates fixtures, genieparser goldens, Cisco TAC seeds)
closely enough for the stock ntc-templates to parse them.  `show running-config` and the
text forms shared with it (ACL lines, transform names) are in ``render_ios_config``."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from ipaddress import IPv4Address, IPv4Network

from agent.lab import debug, logformat, render_ikev2, render_ra
from agent.lab.grammar import CommandTable, Match
from agent.lab.model import CryptoMapEntry, IkeSa, Interface, IpsecSa, LogLine
from agent.lab.render_ios_config import (
    acls_text,
    crypto_map_text,
    isakmp_policy_text,
    running_config,
    transform_sets_text,
    transform_show,
)
from agent.lab.world import Device

TABLE: CommandTable[Device] = CommandTable()


# ---------------------------------------------------------------- time helpers


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def hms(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def short_uptime(seconds: float) -> str:
    """IOS short durations: `00:05:12`, `1d02h`, `2w3d`."""
    s = max(0, int(seconds))
    if s < 86400:
        return hms(s)
    days, hours = s // 86400, s % 86400 // 3600
    if days < 7:
        return f"{days}d{hours:02d}h"
    return f"{days // 7}w{days % 7}d"


def long_uptime(seconds: float) -> str:
    """`1 week, 5 days, 5 hours, 3 minutes` as in `show version`."""
    s = max(0, int(seconds))
    parts = [("year", s // (365 * 86400))]
    s %= 365 * 86400
    parts += [("week", s // (7 * 86400))]
    s %= 7 * 86400
    parts += [("day", s // 86400), ("hour", s % 86400 // 3600), ("minute", s % 3600 // 60)]
    while len(parts) > 1 and parts[0][1] == 0:
        parts.pop(0)
    return ", ".join(f"{n} {unit}{'' if n == 1 else 's'}" for unit, n in parts)


def log_stamp(ts: float) -> str:
    """`*Nov 22 03:14:15.123` (`service timestamps log datetime msec`, clock not NTP-synced)."""
    t = utc(ts)
    return f"*{t:%b} {t.day:2d} {t:%H:%M:%S}.{t.microsecond // 1000:03d}"


# ---------------------------------------------------------------- show version

_SW = (
    "Cisco IOS XE Software, Version 17.03.04a\n"
    "Cisco IOS Software [Amsterdam], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 17.3.4a, RELEASE SOFTWARE (fc3)\n"
    "Technical Support: http://www.cisco.com/techsupport\n"
    "Copyright (c) 1986-2021 by Cisco Systems, Inc.\n"
    "Compiled Tue 20-Jul-21 04:59 by mcpre\n"
    "\n\n"
    "Cisco IOS-XE software, Copyright (c) 2005-2021 by cisco Systems, Inc.\n"
    "All rights reserved.  Certain components of Cisco IOS-XE software are\n"
    'licensed under the GNU General Public License ("GPL") Version 2.0.  The\n'
    "software code licensed under GPL Version 2.0 is free software that comes\n"
    "with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such\n"
    "GPL code under the terms of GPL Version 2.0.  For more details, see the\n"
    'documentation or "License Notice" file accompanying the IOS-XE software,\n'
    "or the applicable URL provided on the flyer accompanying the IOS-XE\n"
    "software.\n"
    "\n\n"
    "ROM: IOS-XE ROMMON\n"
    "\n"
)

_EXPORT = (
    "\n\n\n"
    "This product contains cryptographic features and is subject to United\n"
    "States and local country laws governing import, export, transfer and\n"
    "use. Delivery of Cisco cryptographic products does not imply\n"
    "third-party authority to import, export, distribute or use encryption.\n"
    "Importers, exporters, distributors and users are responsible for\n"
    "compliance with U.S. and local country laws. By using this product you\n"
    "agree to comply with applicable local laws and regulations. If you are\n"
    "unable to comply with U.S. and local country laws return this product\n"
    "immediately.\n"
    "\n"
    "A summary of U.S. laws governing Cisco cryptographic products may be found at:\n"
    "http://www.cisco.com/wwl/export/crypto/tool/stqrg.html\n"
    "\n"
    "If you require further assistance please contact us by sending email to\n"
    "export@cisco.com.\n"
    "\n\n\n"
    "Technology Package License Information: \n"
    "\n"
    "-----------------------------------------------------------------\n"
    "Technology    Technology-package           Technology-package\n"
    "              Current       Type           Next reboot  \n"
    "------------------------------------------------------------------\n"
    "appxk9           None             None             None\n"
    "uck9             None             None             None\n"
    "securityk9       securityk9       Permanent        securityk9\n"
    "ipbase           ipbasek9         Permanent        ipbasek9\n"
    "\n"
    "The current throughput level is 100000 kbps \n"
    "\n\n"
    "Smart Licensing Status: UNREGISTERED/No Licenses in Use\n"
    "\n"
)


def serial_number(dev: Device) -> str:
    digest = hashlib.sha256(dev.hostname.encode()).hexdigest().upper()
    return "FDO2152" + "".join(c if c.isalpha() else chr(ord("A") + int(c)) for c in digest[:4])


@TABLE.register("show version", privileged=False)
def show_version(dev: Device, m: Match) -> str:
    up = dev.now() - dev.state.boot_time
    gig = sum(1 for name in dev.config.interfaces if name.startswith("GigabitEthernet")) or 3
    return (
        _SW
        + f"{dev.hostname} uptime is {long_uptime(up)}\n"
        + f"Uptime for this control processor is {long_uptime(up + 150)}\n"
        + "System returned to ROM by PowerOn\n"
        + 'System image file is "bootflash:isr4300-universalk9.17.03.04a.SPA.bin"\n'
        + "Last reload reason: PowerOn\n"
        + _EXPORT
        + "cisco ISR4331/K9 (1RU) processor with 1795979K/6147K bytes of memory.\n"
        + f"Processor board ID {serial_number(dev)}\n"
        + "Router operating mode: Autonomous\n"
        + f"{gig} Gigabit Ethernet interfaces\n"
        + "32768K bytes of non-volatile configuration memory.\n"
        + "4194304K bytes of physical memory.\n"
        + "3207167K bytes of flash memory at bootflash:.\n"
        + "\n"
        + "Configuration register is 0x2102\n"
        + "\n"
    )


@TABLE.register("show clock", privileged=False)
def show_clock(dev: Device, m: Match) -> str:
    t = utc(dev.now())
    return f"*{t:%H:%M:%S}.{t.microsecond // 1000:03d} UTC {t:%a %b} {t.day} {t:%Y}\n"


# ---------------------------------------------------------------- interfaces and routing


@TABLE.register("show ip interface brief", privileged=False)
def show_ip_interface_brief(dev: Device, m: Match) -> str:
    lines = ["Interface              IP-Address      OK? Method Status                Protocol"]
    for itf in dev.config.interfaces.values():
        addr, method = (str(itf.ip.ip), "NVRAM") if itf.ip else ("unassigned", "unset")
        status, proto = ("administratively down", "down") if itf.shutdown else ("up", "up")
        lines.append(f"{itf.name:<22} {addr:<15} YES {method:<6} {status:<21} {proto}")
    return "\n".join(lines) + "\n"


_ROUTE_CODES = (
    "Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP\n"
    "       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area \n"
    "       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2\n"
    "       E1 - OSPF external type 1, E2 - OSPF external type 2, m - OMP\n"
    "       n - NAT, Ni - NAT inside, No - NAT outside, Nd - NAT DIA\n"
    "       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2\n"
    "       ia - IS-IS inter area, * - candidate default, U - per-user static route\n"
    "       H - NHRP, G - NHRP registered, g - NHRP registration summary\n"
    "       o - ODR, P - periodic downloaded static route, l - LISP\n"
    "       a - application route\n"
    "       + - replicated route, % - next hop override, p - overrides from PfR\n"
    "       & - replicated local route overrides by connected\n"
    "\n"
)


def _classful(network: IPv4Network) -> IPv4Network:
    first = int(network.network_address) >> 24
    plen = 8 if first < 128 else 16 if first < 192 else 24
    return IPv4Network(f"{network.network_address}/{plen}", strict=False)


def _rib(dev: Device) -> dict[IPv4Network, list[tuple[str, str]]]:
    """Installed routes: prefix -> [(code, text after the prefix)] (equal-cost paths)."""
    cfg = dev.config
    rib: dict[IPv4Network, list[tuple[str, str]]] = {}
    for itf in cfg.interfaces.values():
        if itf.ip is None or itf.shutdown:
            continue
        rib[itf.ip.network] = [("C", f"is directly connected, {itf.name}")]
        rib[IPv4Network(f"{itf.ip.ip}/32")] = [("L", f"is directly connected, {itf.name}")]
    statics: dict[IPv4Network, list[tuple[int, str]]] = defaultdict(list)
    for r in cfg.routes:
        out = cfg.interface_by_label(r.interface) if r.interface else None
        if r.interface and (out is None or out.shutdown):
            continue
        if r.next_hop is not None and out is None and cfg.connected(r.next_hop) is None:
            continue
        if r.next_hop is None:
            text = f"is directly connected, {r.interface}"
        else:
            text = f"[{r.distance}/0] via {r.next_hop}" + (f", {r.interface}" if r.interface else "")
        statics[r.network].append((r.distance, text))
    for network, paths in statics.items():
        if network in rib:
            continue
        best = min(d for d, _ in paths)
        rib[network] = [("S*" if network.prefixlen == 0 else "S", t) for d, t in paths if d == best]
    return rib


@TABLE.register("show ip route", privileged=False)
def show_ip_route(dev: Device, m: Match) -> str:
    rib = _rib(dev)
    default = rib.get(IPv4Network("0.0.0.0/0"))
    if default:
        via = default[0][1].split(" via ")[1].split(",")[0] if " via " in default[0][1] else "0.0.0.0"
        gateway = f"Gateway of last resort is {via} to network 0.0.0.0"
    else:
        gateway = "Gateway of last resort is not set"
    lines = [gateway, ""]
    groups: dict[IPv4Network, list[IPv4Network]] = defaultdict(list)
    for network in rib:
        major = _classful(network)
        groups[major if network.prefixlen > major.prefixlen else network].append(network)

    def emit(network: IPv4Network, indent: int, with_mask: bool) -> None:
        prefix = f"{network.network_address}/{network.prefixlen}" if with_mask else str(network.network_address)
        for i, (code, text) in enumerate(rib[network]):
            if i == 0:
                lines.append(f"{code:<{indent}}{prefix} {text}")
            else:
                lines.append(f"{'':<{indent + len(prefix) + 1}}{text}")

    for head in sorted(groups, key=lambda n: (int(n.network_address), n.prefixlen)):
        members = sorted(groups[head], key=lambda n: (int(n.network_address), n.prefixlen))
        if members == [head]:
            emit(head, 6, True)
            continue
        masks = {n.prefixlen for n in members}
        if len(masks) == 1:
            lines.append(f"      {head.network_address}/{masks.pop()} is subnetted, {len(members)} subnets")
            for n in members:
                emit(n, 9, False)
        else:
            lines.append(
                f"      {head.network_address}/{head.prefixlen} is variably subnetted, {len(members)} subnets, {len(masks)} masks"
            )
            for n in members:
                emit(n, 9, True)
    return _ROUTE_CODES + "\n".join(lines) + "\n"


# ---------------------------------------------------------------- access lists and NAT


@TABLE.register("show ip access-lists [<word:name>]", privileged=False)
def show_ip_access_lists(dev: Device, m: Match) -> str:
    return acls_text(dev.config, m.get("name"))


@TABLE.register("show access-lists [<word:name>]", privileged=False)
def show_access_lists(dev: Device, m: Match) -> str:
    return acls_text(dev.config, m.get("name"))


@TABLE.register("show ip nat translations [verbose]")
def show_ip_nat_translations(dev: Device, m: Match) -> str:
    """No translation state is modelled: the table is shown empty (PAT entries time out
    after 60 s for ICMP, so an idle router shows none)."""
    return "Pro  Inside global         Inside local          Outside local         Outside global\n\nTotal number of translations: 0\n"


# ---------------------------------------------------------------- logging


LEVELS = ["emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging"]


def _buffer_level(lines: list[str]) -> int:
    """`logging buffered [SIZE] [LEVEL]`: the level, by name or number (default debugging)."""
    for line in reversed(lines):
        words = line.split()
        if words[:2] == ["logging", "buffered"]:
            for w in words[2:]:
                if w in LEVELS:
                    return LEVELS.index(w)
                if w.isdigit() and int(w) < 8:
                    return int(w)
    return 7


def _ios_severity(line: LogLine) -> int:
    if line.debug or not line.text.startswith("%"):
        return 7
    parts = line.text.split("-")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 7


@TABLE.register("show debugging")
def show_debugging(dev: Device, m: Match) -> str:
    return debug.show(dev)


@TABLE.register("show logging")
def show_logging(dev: Device, m: Match) -> str:
    """The buffer in the stamp the configuration asks for (``logformat``); debug lines are
    in it at `logging buffered debugging` (the lab's default level), as IOS writes them."""
    level = _buffer_level(dev.config.extra_lines)
    logs = [ln for ln in dev.state.logs if _ios_severity(ln) <= level] if dev.config.logging_buffered else []
    n = len(dev.state.logs)
    buffered = (
        f"    Buffer logging:  level {LEVELS[level]}, {n} messages logged, xml disabled,\n"
        "                    filtering disabled\n"
        if dev.config.logging_buffered
        else "    Buffer logging:  disabled, xml disabled,\n                    filtering disabled\n"
    )
    head = (
        "Syslog logging: enabled (0 messages dropped, 3 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)\n"
        "\n"
        "No Active Message Discriminator.\n"
        "\n\n\n"
        "No Inactive Message Discriminator.\n"
        "\n\n"
        "    Console logging: disabled\n"
        "    Monitor logging: level debugging, 0 messages logged, xml disabled,\n"
        "                     filtering disabled\n"
        + buffered
        + "    Exception Logging: size (4096 bytes)\n"
        "    Count and timestamp logging messages: disabled\n"
        "    Persistent logging: disabled\n"
        "\n"
        "No active filter modules.\n"
        "\n"
        f"    Trap logging: level informational, {n + 3} message lines logged\n"
        "        Logging Source-Interface:       VRF Name:\n"
        "TLS Profiles: \n"
        "\n"
        "Log Buffer (102400 bytes):\n"
        "\n"
    )
    return head + "".join(logformat.render(dev.platform, dev.config, line, dev.state.boot_time) + "\n" for line in logs)


# ---------------------------------------------------------------- running-config


@TABLE.register("show running-config")
def show_running_config(dev: Device, m: Match) -> str:
    return running_config(dev)


# ---------------------------------------------------------------- crypto: shared

PROTO_NUM = {"ip": 0, "icmp": 1, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ahp": 51}


def _peer_arg(m: Match) -> IPv4Address | None:
    value = m.get("peer")
    return IPv4Address(value) if value else None


def _itf_order(dev: Device, name: str) -> int:
    names = list(dev.config.interfaces)
    return names.index(name) if name in names else len(names)


@dataclass
class Flow:
    """One proxy-identity pair under a crypto interface: from the crypto ACL, or from an SA."""

    local: IPv4Network
    remote: IPv4Network
    proto: str
    peer: IPv4Address | None
    from_acl: bool
    sas: list[IpsecSa] = field(default_factory=list)


@dataclass
class CryptoItf:
    name: str
    map_name: str
    local: IPv4Address | None
    flows: list[Flow] = field(default_factory=list)


def _static_entries(dev: Device, itf: Interface) -> list[CryptoMapEntry]:
    binding = dev.config.binding_for(itf)
    if binding is None:
        return []
    return [e for e in dev.config.active_entries(binding) if not e.is_dynamic]


def _crypto_interfaces(dev: Device) -> list[CryptoItf]:
    """Crypto interfaces with their flows: every permit line of the active entries' ACLs
    (shown with zero counters until an SA exists), plus the SAs' own identities."""
    cfg = dev.config
    out: dict[str, CryptoItf] = {}
    for itf in cfg.interfaces.values():
        binding = cfg.binding_for(itf)
        if binding is None:
            continue
        block = out[itf.label] = CryptoItf(itf.name, binding.map_name, itf.ip.ip if itf.ip else None)
        for entry in _static_entries(dev, itf):
            acl = cfg.acls.get(entry.match_acl or "")
            for ace in acl.entries if acl else []:
                if ace.action == "permit":
                    peer = entry.peers[0] if entry.peers else None
                    block.flows.append(Flow(ace.src, ace.dst, ace.protocol, peer, True))
    for sa in dev.state.ipsec_sas:
        block = out.setdefault(sa.interface, CryptoItf(sa.interface, sa.map_name, sa.local))
        flow = next((f for f in block.flows if f.local == sa.local_ident and f.remote == sa.remote_ident), None)
        if flow is None:
            flow = Flow(sa.local_ident, sa.remote_ident, "ip", sa.peer, False)
            block.flows.append(flow)
        flow.peer = sa.peer
        flow.sas.append(sa)
    return sorted(out.values(), key=lambda c: _itf_order(dev, c.name))


def _ident(network: IPv4Network, proto: str) -> str:
    return f"({network.network_address}/{network.netmask}/{PROTO_NUM.get(proto, 0)}/0)"


def _iv(transforms: tuple[str, ...]) -> int:
    if any(t.startswith("esp-aes") for t in transforms):
        return 16
    return 8 if any(t in ("esp-des", "esp-3des") for t in transforms) else 0


def _overhead(sa: IpsecSa) -> int:
    """ESP bytes IOS subtracts for `plaintext mtu` (1500 -> 1438 for AES/SHA-1 tunnel mode)."""
    icv = 0
    if any(t.endswith("hmac") for t in sa.transforms):
        icv = 16 if "esp-sha256-hmac" in sa.transforms else 12
    tunnel = 20 if sa.mode == "tunnel" else 0
    return tunnel + 8 + _iv(sa.transforms) + icv + 6 + (8 if sa.nat_t else 0)


# ---------------------------------------------------------------- show crypto ipsec sa


def _sa_block(dev: Device, sa: IpsecSa, inbound: bool) -> list[str]:
    spi = sa.spi_in if inbound else sa.spi_out
    pkts = sa.counters.decaps if inbound else sa.counters.encaps
    cid = 2000 + 2 * (sa.conn_id % 1000) - (1 if inbound else 0)  # IOS numbers IPsec SAs from 2001
    settings = ("Tunnel" if sa.mode == "tunnel" else "Transport") + (" UDP-Encaps" if sa.nat_t else "")
    secs = int(sa.lifetime_seconds - (dev.now() - sa.created_at))
    kb = max(0, sa.lifetime_kb - (pkts * 100 + 1023) // 1024)
    replay = "Y" if any(t.endswith("hmac") for t in sa.transforms) else "N"
    return [
        f"      spi: 0x{spi:X}({spi})",
        f"        transform: {transform_show(sa.transforms)} ,",
        f"        in use settings ={{{settings}, }}",
        f"        conn id: {cid}, flow_id: ESG:{cid - 2000}, sibling_flags FFFFFFFF80000048, crypto map: {sa.map_name}",
        f"        sa timing: remaining key lifetime (k/sec): ({kb}/{max(0, secs)})",
        f"        IV size: {_iv(sa.transforms)} bytes",
        f"        replay detection support: {replay}  replay window size: {dev.config.replay_window}",
        "        Status: ACTIVE(ACTIVE)",
        "",
    ]


def _flow_text(dev: Device, block: CryptoItf, flow: Flow, detail: bool) -> list[str]:
    enc = sum(s.counters.encaps for s in flow.sas)
    dec = sum(s.counters.decaps for s in flow.sas)
    serr = sum(s.counters.send_errors for s in flow.sas)
    rerr = sum(s.counters.recv_errors for s in flow.sas)
    replay = sum(s.counters.replay_failures for s in flow.sas)
    sa = flow.sas[-1] if flow.sas else None
    port = 4500 if sa is not None and sa.nat_t else 500
    itf = dev.config.interface_by_label(block.name)
    path_mtu = itf.mtu if itf else 1500
    out = [
        "   protected vrf: (none)",
        f"   local  ident (addr/mask/prot/port): {_ident(flow.local, flow.proto)}",
        f"   remote ident (addr/mask/prot/port): {_ident(flow.remote, flow.proto)}",
        f"   current_peer {flow.peer or '0.0.0.0'} port {port}",
        f"     PERMIT, flags={{{'origin_is_acl,' if flow.from_acl else ''}}}",
        f"    #pkts encaps: {enc}, #pkts encrypt: {enc}, #pkts digest: {enc}",
        f"    #pkts decaps: {dec}, #pkts decrypt: {dec}, #pkts verify: {dec}",
        "    #pkts compressed: 0, #pkts decompressed: 0",
        "    #pkts not compressed: 0, #pkts compr. failed: 0",
        "    #pkts not decompressed: 0, #pkts decompress failed: 0",
    ]
    if detail:
        out += [
            "    #pkts no sa (send) 0, #pkts invalid sa (rcv) 0",
            f"    #pkts encaps failed (send) {serr}, #pkts decaps failed (rcv) 0",
            f"    #pkts invalid prot (recv) 0, #pkts verify failed: {rerr - replay}",
            "    #pkts invalid identity (recv) 0, #pkts invalid len (rcv) 0",
            "    #pkts replay rollover (send): 0, #pkts replay rollover (rcv) 0",
            f"    ##pkts replay failed (rcv): {replay}",
            "    #pkts tagged (send): 0, #pkts untagged (rcv): 0",
            "    #pkts not tagged (send): 0, #pkts not untagged (rcv): 0",
            "    #pkts internal err (send): 0, #pkts internal err (recv) 0",
        ]
    else:
        out.append(f"    #send errors {serr}, #recv errors {rerr}")
    spi = sa.spi_out if sa else 0
    pfs = f"Y, DH group: group{sa.pfs_group}" if sa and sa.pfs_group else "N, DH group: none"
    out += [
        "",
        f"     local crypto endpt.: {block.local or '0.0.0.0'}, remote crypto endpt.: {flow.peer or '0.0.0.0'}",
        f"     plaintext mtu {path_mtu - (_overhead(sa) if sa else 0)}, path mtu {path_mtu}, ip mtu {path_mtu}, ip mtu idb {block.name}",
        f"     current outbound spi: 0x{spi:X}({spi})",
        f"     PFS (Y/N): {pfs}",
        "",
        "     inbound esp sas:",
    ]
    for s in flow.sas:
        out += _sa_block(dev, s, True)
    out += [] if flow.sas else [""]
    out += ["     inbound ah sas:", "", "     inbound pcp sas:", "", "     outbound esp sas:"]
    for s in flow.sas:
        out += _sa_block(dev, s, False)
    out += [] if flow.sas else [""]
    out += ["     outbound ah sas:", "", "     outbound pcp sas:", ""]
    return out


@TABLE.register("show crypto ipsec sa [peer <ip:peer>] [detail]")
def show_crypto_ipsec_sa(dev: Device, m: Match) -> str:
    peer = _peer_arg(m)
    lines: list[str] = []
    for block in _crypto_interfaces(dev):
        flows = [f for f in block.flows if peer is None or f.peer == peer]
        if peer is not None and not flows:
            continue
        lines += [f"interface: {block.name}", f"    Crypto map tag: {block.map_name}, local addr {block.local or '0.0.0.0'}", ""]
        for flow in flows:
            lines += _flow_text(dev, block, flow, m.has("detail"))
    return "\n".join(lines) + "\n" if lines else ""


# ---------------------------------------------------------------- show crypto isakmp sa


def _ike_sort(dev: Device) -> list[IkeSa]:
    return sorted((s for s in dev.state.ike_sas.values() if s.version == 1), key=lambda s: s.conn_id)


def _caps(dev: Device, sa: IkeSa) -> str:
    caps = ("D" if dev.config.isakmp_keepalive else "") + ("N" if sa.nat_t else "")
    return caps


@TABLE.register("show crypto isakmp sa [detail]")
def show_crypto_isakmp_sa(dev: Device, m: Match) -> str:
    if not m.has("detail"):
        lines = ["IPv4 Crypto ISAKMP SA", "dst             src             state          conn-id status"]
        for sa in _ike_sort(dev):
            dst, src = (sa.peer, sa.local) if sa.role == "initiator" else (sa.local, sa.peer)
            lines.append(f"{str(dst):<16}{str(src):<16}{sa.state:<15}{sa.conn_id:>7} ACTIVE")
        for sa in dev.state.old_ike_sas:  # replaced at a rekey, not yet purged (IOS-XE)
            dst, src = (sa.peer, sa.local) if sa.role == "initiator" else (sa.local, sa.peer)
            lines.append(f"{str(dst):<16}{str(src):<16}{sa.state:<15}{sa.conn_id:>7} ACTIVE (deleted)")
        return "\n".join(lines) + "\n\nIPv6 Crypto ISAKMP SA\n\n"
    lines = [
        "Codes: C - IKE configuration mode, D - Dead Peer Detection",
        "       K - Keepalives, N - NAT-traversal",
        "       T - cTCP encapsulation, X - IKE Extended Authentication",
        "       psk - Preshared key, rsig - RSA signature",
        "       renc - RSA encryption",
        "IPv4 Crypto ISAKMP SA",
        "",
        "C-id  Local           Remote          I-VRF  Status Encr Hash   Auth DH Lifetime Cap.",
        "",
    ]
    for sa in _ike_sort(dev):
        encr = sa.encryption.split("-")[0]
        auth = {"pre-share": "psk", "rsa-sig": "rsig", "rsa-encr": "renc"}.get(sa.authentication, "psk")
        group = str(sa.group) if sa.group else ""
        life = hms(sa.lifetime - (dev.now() - sa.created_at)) if sa.established else ""
        caps = _caps(dev, sa) if sa.established else ""
        row = f"{sa.conn_id:<5} {str(sa.local):<16}{str(sa.peer):<16}{'':<7}ACTIVE {encr:<5}{sa.hash:<7}{auth:<5}{group:<3}{life:<9}{caps}"
        lines += [row.rstrip(), f"       Engine-id:Conn-id =  SW:{sa.conn_id}", ""]
    return "\n".join(lines) + "\nIPv6 Crypto ISAKMP SA\n\n"


# ---------------------------------------------------------------- show crypto session


@dataclass
class Session:
    itf: str
    peer: IPv4Address
    flows: list[tuple[IPv4Network, IPv4Network, str]] = field(default_factory=list)


def _sessions(dev: Device) -> list[Session]:
    cfg = dev.config
    out: dict[tuple[str, IPv4Address], Session] = {}
    for itf in cfg.interfaces.values():
        for entry in _static_entries(dev, itf):
            if not entry.peers:
                continue
            peer = next((p for p in entry.peers if p in dev.state.ike_sas or dev.state.sas_with(p)), entry.peers[0])
            session = out.setdefault((itf.name, peer), Session(itf.name, peer))
            acl = cfg.acls.get(entry.match_acl or "")
            session.flows += [(a.src, a.dst, a.protocol) for a in (acl.entries if acl else []) if a.action == "permit"]
    for ike in dev.state.ike_sas.values():
        owner = cfg.interface_owning(ike.local)
        name = owner.name if owner else next((s.itf for s in out.values() if s.peer == ike.peer), "unknown")
        out.setdefault((name, ike.peer), Session(name, ike.peer))
    for sa in dev.state.ipsec_sas:
        owner = cfg.interface_by_label(sa.interface)
        name = owner.name if owner else sa.interface
        session = out.setdefault((name, sa.peer), Session(name, sa.peer))
        if not any(f[0] == sa.local_ident and f[1] == sa.remote_ident for f in session.flows):
            session.flows.append((sa.local_ident, sa.remote_ident, "ip"))
    return sorted(out.values(), key=lambda s: _itf_order(dev, s.itf))


def _flow_addr(network: IPv4Network) -> str:
    if network.prefixlen == 32:
        return f"host {network.network_address}"
    return f"{network.network_address}/{network.netmask}"


@TABLE.register("show crypto session [remote <ip:peer>] [detail]")
def show_crypto_session(dev: Device, m: Match) -> str:
    detail = m.has("detail")
    only = _peer_arg(m)
    lines = ["Crypto session current status", ""]
    if detail:
        lines += [
            "Code: C - IKE Configuration mode, D - Dead Peer Detection     ",
            "K - Keepalives, N - NAT-traversal, T - cTCP encapsulation     ",
            "X - IKE Extended Authentication, F - IKE Fragmentation",
            "R - IKE Auto Reconnect, U - IKE Dynamic Route Update",
            "S - SIP VPN",
            "",
        ]
    now = dev.now()
    for session in _sessions(dev):
        if only is not None and session.peer != only:
            continue
        ike = dev.state.ike_sas.get(session.peer)
        sas = dev.state.sas_with(session.peer)
        up = ike is not None and ike.established
        if up:
            status = "UP-ACTIVE" if sas else "UP-IDLE"
        elif sas:
            status = "UP-NO-IKE"
        else:
            status = "DOWN-NEGOTIATING" if ike is not None else "DOWN"
        port = 4500 if (ike and ike.nat_t) or any(s.nat_t for s in sas) else 500
        lines.append(f"Interface: {session.itf}")
        started = [s.created_at for s in sas] + ([ike.created_at] if up and ike else [])
        if detail and started and status.startswith("UP"):
            lines.append(f"Uptime: {short_uptime(now - min(started))}")
        lines.append(f"Session status: {status:<14}")
        if detail:
            lines += [
                f"Peer: {session.peer} port {port} fvrf: (none) ivrf: (none)",
                f"      Phase1_id: {session.peer if up else '(none)'}",
                "      Desc: (none)",
            ]
        else:
            lines.append(f"Peer: {session.peer} port {port} ")
        if ike is not None:
            lines += [
                "  Session ID: 0  ",
                f"  IKEv{ike.version} SA: local {ike.local}/{port} remote {ike.peer}/{port} {'Active' if up else 'Inactive'} ",
            ]
            if detail:
                caps = (_caps(dev, ike) if up else "") or "(none)"
                life = hms(ike.lifetime - (now - ike.created_at)) if up else "0"
                lines.append(f"          Capabilities:{caps} connid:{ike.conn_id} lifetime:{life}")
        for local, remote, proto in session.flows:
            flow_sas = [s for s in sas if s.local_ident == local and s.remote_ident == remote]
            lines += [
                f"  IPSEC FLOW: permit {proto if proto == 'ip' else PROTO_NUM.get(proto, proto)} {_flow_addr(local)} {_flow_addr(remote)} ",
                f"        Active SAs: {2 * len(flow_sas)}, origin: crypto map",
            ]
            if detail:
                dec = sum(s.counters.decaps for s in flow_sas)
                enc = sum(s.counters.encaps for s in flow_sas)
                life = "0/0"
                if flow_sas:
                    s = flow_sas[-1]
                    life = f"{max(0, s.lifetime_kb - (enc * 100 + 1023) // 1024)}/{max(0, int(s.lifetime_seconds - (now - s.created_at)))}"
                lines += [
                    f"        Inbound:  #pkts dec'ed {dec} drop {sum(s.counters.recv_errors for s in flow_sas)} life (KB/Sec) {life}",
                    f"        Outbound: #pkts enc'ed {enc} drop {sum(s.counters.send_errors for s in flow_sas)} life (KB/Sec) {life}",
                ]
        lines.append("")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- policy, transform sets, maps


@TABLE.register("show crypto ikev2 sa [detail]")
def show_crypto_ikev2_sa(dev: Device, m: Match) -> str:
    """The IOS-XE layout of the genieparser goldens (`ShowCryptoIkev2Sa[Detail]`)."""
    return render_ikev2.ios_ikev2(dev, m.has("detail"))


@TABLE.register("show crypto ikev2 proposal")
def show_crypto_ikev2_proposal(dev: Device, m: Match) -> str:
    return render_ikev2.ios_show_proposal(dev.config)


@TABLE.register("show crypto ikev2 policy")
def show_crypto_ikev2_policy(dev: Device, m: Match) -> str:
    return render_ikev2.ios_show_policy(dev.config)


@TABLE.register("show crypto isakmp policy")
def show_crypto_isakmp_policy(dev: Device, m: Match) -> str:
    return isakmp_policy_text(dev.config)


@TABLE.register("show crypto ipsec transform-set [<word:name>]")
def show_crypto_ipsec_transform_set(dev: Device, m: Match) -> str:
    return transform_sets_text(dev.config, m.get("name"))


@TABLE.register("show crypto map")
def show_crypto_map(dev: Device, m: Match) -> str:
    return crypto_map_text(dev)


render_ra.register_ios(TABLE)
