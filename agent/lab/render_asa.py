"""ASA exec show commands, rendered from the device model (ASA5516-X, ASA 9.12).

Layouts follow real captures (ntc-templates fixtures, genieparser goldens, the Cisco TAC
seeds) closely enough for the stock ntc-templates to parse them; where a stock template
cannot parse what a real 9.x ASA prints, the real layout wins and the gap is noted at the
handler.  `show running-config` and its sections are built in ``render_asa_config``.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timezone
from ipaddress import IPv4Address

from agent.lab import debug, logformat, render_ikev2
from agent.lab import render_asa_config as rc
from agent.lab.grammar import CommandTable, Match
from agent.lab.model import Acl, AclEntry, DeviceConfig, IkeSa, IpsecSa, LogLine
from agent.lab.world import Device

TABLE: CommandTable[Device] = CommandTable()

VERSION = "9.12(4)56"
ASDM_VERSION = "7.12(2)14"
VPN_CAPACITY = 300  # ASA5516-X "Other VPN Peers"
LEVELS = ["emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging"]


# ---------------------------------------------------------------- small helpers


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def asa_time(ts: float) -> str:
    """`03:14:15 UTC Sun Nov 22 2026` (vpn-sessiondb login time, configuration changes)."""
    t = utc(ts)
    return f"{t:%H:%M:%S} UTC {t:%a %b} {t.day} {t.year}"


def uptime(seconds: float) -> str:
    """`41 days 19 hours`, `2 hours 12 mins`, `5 mins 3 secs` as `show version` prints it."""
    s = max(0, int(seconds))
    years, s = divmod(s, 365 * 86400)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    mins, secs = divmod(s, 60)
    parts = [(years, "year"), (days, "day"), (hours, "hour"), (mins, "min"), (secs, "sec")]
    while len(parts) > 2 and parts[0][0] == 0:
        parts.pop(0)
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts[:2])


def duration(seconds: float) -> str:
    """`0h:04m:05s`, `10d 7h:26m:52s` (vpn-sessiondb)."""
    s = max(0, int(seconds))
    days, s = divmod(s, 86400)
    text = f"{s // 3600}h:{s % 3600 // 60:02d}m:{s % 60:02d}s"
    return f"{days}d {text}" if days else text


def fake_hex(*parts: object) -> int:
    """A stable 32-bit value (pointers, hashes) derived from ``parts``."""
    return zlib.crc32(" ".join(str(p) for p in parts).encode())


def mac(dev: Device, index: int) -> str:
    v = fake_hex(dev.hostname, "mac", index) & 0xFFFFFF
    return f"00a7.42{v >> 16:02x}.{v & 0xFFFF:04x}"


def elapsed(dev: Device, since: float) -> int:
    return max(0, int(dev.now() - since))


# ---------------------------------------------------------------- identity and platform


@TABLE.register("show version", privileged=False)
def show_version(dev: Device, m: Match) -> str:
    cfg = dev.config
    itfs = [i.name for i in rc.interfaces_sorted(cfg)]
    if not any(n.startswith("Management") for n in itfs):
        itfs.append("Management0/0")
    lines = [
        f"Cisco Adaptive Security Appliance Software Version {VERSION} ",
        f"Device Manager Version {ASDM_VERSION}",
        "",
        "Compiled on Wed 08-Feb-23 19:28 GMT by builders",
        f'System image file is "disk0:/asa{VERSION.replace("(", "-").replace(")", "-").replace(".", "-")}-lfbff-k8.SPA"',
        'Config file at boot was "startup-config"',
        "",
        f"{cfg.hostname} up {uptime(dev.now() - dev.state.boot_time)}",
        "",
        f"Hardware:   {rc.HARDWARE}",
        "Internal ATA Compact Flash, 8192MB",
        "BIOS Flash M25P64 @ 0xfed01000, 16384KB",
        "",
        "Encryption hardware device : Cisco ASA Crypto on-board accelerator (revision 0x1)",
        "                             Number of accelerators: 1",
        "",
    ]
    for i, name in enumerate(itfs, 1):
        lines.append(f"{i:>2}: Ext: {name:<20}: address is {mac(dev, i)}, irq 255")
    n = len(itfs)
    lines += [
        f"{n + 1:>2}: Int: {'Internal-Data1/1':<20}: address is 0000.0001.0002, irq 255",
        f"{n + 2:>2}: Int: {'Internal-Control1/1':<20}: address is 0000.0001.0001, irq 0",
        "",
        "Licensed features for this platform:",
    ]
    features = [
        ("Maximum Physical Interfaces", "Unlimited"), ("Maximum VLANs", "150"), ("Inside Hosts", "Unlimited"),
        ("Failover", "Active/Active"), ("Encryption-DES", "Enabled"), ("Encryption-3DES-AES", "Enabled"),
        ("Carrier", "Disabled"), ("AnyConnect Premium Peers", "4"), ("AnyConnect Essentials", "Disabled"),
        ("Other VPN Peers", str(VPN_CAPACITY)), ("Total VPN Peers", str(VPN_CAPACITY)),
        ("AnyConnect for Mobile", "Disabled"), ("AnyConnect for Cisco VPN Phone", "Disabled"),
        ("Advanced Endpoint Assessment", "Disabled"), ("Shared License", "Disabled"),
        ("Total TLS Proxy Sessions", "320"), ("Botnet Traffic Filter", "Disabled"), ("Cluster", "Disabled"),
    ]
    lines += [f"{name:<34}: {value:<15}perpetual" for name, value in features]
    key = " ".join(f"0x{fake_hex(cfg.hostname, 'key', k):08x}" for k in range(5))
    modified = asa_time(dev.state.boot_time + 42).replace(" UTC", ".429 UTC", 1)
    lines += [
        "",
        "This platform has an ASA 5516 Security Plus license.",
        "",
        f"Serial Number: {rc.serial_number(cfg.hostname)}",
        f"Running Permanent Activation Key: {key}",
        "Configuration register is 0x1",
        "Image type                : Release",
        "Key Version               : A",
        f"Configuration last modified by enable_15 at {modified}",
    ]
    return "\n".join(lines) + "\n"


def _curpriv(level: int) -> str:
    mode = "P_PRIV" if level == 15 else "P_UNPR"
    return f"Username : enable_{level}\nCurrent privilege level : {level}\nCurrent Mode/s : {mode}\n"


@TABLE.register("show curpriv")
def show_curpriv(dev: Device, m: Match) -> str:
    return _curpriv(15)


@TABLE.register("show curpriv", privileged=False)
def show_curpriv_user(dev: Device, m: Match) -> str:
    return _curpriv(1)


@TABLE.register("show clock", privileged=False)
def show_clock(dev: Device, m: Match) -> str:
    t = utc(dev.now())
    return f"{t:%H:%M:%S}.{t.microsecond // 1000:03d} UTC {t:%a %b} {t.day} {t.year}\n"


# ---------------------------------------------------------------- interfaces, routes, NAT, ACLs


@TABLE.register("show interface ip brief", privileged=False)
def show_interface_ip_brief(dev: Device, m: Match) -> str:
    lines = [f"{'Interface':<27}{'IP-Address':<16}OK? Method Status                Protocol"]
    itfs = rc.interfaces_sorted(dev.config)
    for itf in itfs:
        ip = str(itf.ip.ip) if itf.ip is not None else "unassigned"
        method = "CONFIG" if itf.ip is not None else "unset"
        status, proto = ("administratively down", "down") if itf.shutdown else ("up", "up")
        lines.append(f"{itf.name:<27}{ip:<16}YES {method:<7}{status:<22}{proto:<4}")
    if not any(i.name.startswith("Management") for i in itfs):
        lines.append(f"{'Management0/0':<27}{'unassigned':<16}YES {'unset':<7}{'administratively down':<22}down")
    return "\n".join(lines) + "\n"


ROUTE_CODES = "\n".join([
    "Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP",
    "       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area ",
    "       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2",
    "       E1 - OSPF external type 1, E2 - OSPF external type 2, V - VPN",
    "       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2",
    "       ia - IS-IS inter area, * - candidate default, U - per-user static route",
    "       o - ODR, P - periodic downloaded static route, + - replicated route",
    "       SI - Static InterVRF",
])


@TABLE.register("show route")
def show_route(dev: Device, m: Match) -> str:
    cfg = dev.config
    rows: list[tuple[tuple[int, int, int], str]] = []
    gateway = "Gateway of last resort is not set"
    for r in cfg.routes:
        out = cfg.interface_by_label(r.interface) if r.interface else None
        if out is None or out.shutdown or r.next_hop is None or out.ip is None:
            continue
        default = r.network.prefixlen == 0
        code = "S*" if default else "S"
        if default:
            gateway = f"Gateway of last resort is {r.next_hop} to network 0.0.0.0"
        text = f"{code:<9}{rc.addr_mask(r.network)} [{r.distance}/0] via {r.next_hop}, {out.label}"
        rows.append(((0 if default else 1, int(r.network.network_address), r.network.prefixlen), text))
    for itf in cfg.interfaces.values():
        if itf.ip is None or itf.shutdown or not itf.nameif:
            continue
        netw = itf.ip.network
        rows.append(((1, int(netw.network_address), netw.prefixlen), f"{'C':<9}{rc.addr_mask(netw)} is directly connected, {itf.nameif}"))
        rows.append(((1, int(itf.ip.ip), 32), f"{'L':<9}{itf.ip.ip} 255.255.255.255 is directly connected, {itf.nameif}"))
    body = [text for _, text in sorted(rows)]
    return f"{ROUTE_CODES}\n{gateway}\n\n" + "\n".join(body) + "\n\n"


def _nat_hits(translate: int, untranslate: int) -> str:
    return f"    translate_hits = {translate}, untranslate_hits = {untranslate}"


@TABLE.register("show nat")
def show_nat(dev: Device, m: Match) -> str:
    """Twice NAT in section 1, object NAT in section 2.  The engine counts a twice-NAT rule's
    hits when it translates inside-to-outside traffic: they are the translate hits."""
    cfg = dev.config
    out: list[str] = []
    if cfg.nat_rules:
        out.append("Manual NAT Policies (Section 1)")
        for i, rule in enumerate(cfg.nat_rules, 1):
            line = f"{i} ({rule.real_if}) to ({rule.mapped_if}) source {rule.kind} {rule.src_real} {rule.src_mapped}  "
            if rule.dst_real is not None:
                line += f" destination static {rule.dst_real} {rule.dst_mapped or rule.dst_real}"
            if rule.flags:
                line += " " + " ".join(rule.flags)
            out += [line, _nat_hits(rule.hits, 0)]
    auto = [o for o in cfg.objects.values() if o.nat_dynamic_interface]
    if auto:
        if out:
            out.append("")
        out.append("Auto NAT Policies (Section 2)")
        for i, obj in enumerate(auto, 1):
            assert obj.nat_dynamic_interface is not None
            real_if, mapped_if = obj.nat_dynamic_interface
            out += [f"{i} ({real_if}) to ({mapped_if}) source dynamic {obj.name} interface  ", _nat_hits(0, 0)]
    return "\n".join(out) + "\n" if out else ""


def _expand(cfg: DeviceConfig, ace: AclEntry) -> str | None:
    """The ACE with its `object NAME` operands replaced by the objects' addresses, or None
    when it names no object (the ASA then prints no expanded child line)."""
    words = ace.text.split()
    if "object" not in words:
        return None
    out: list[str] = []
    i = 0
    while i < len(words):
        obj = cfg.objects.get(words[i + 1]) if words[i] == "object" and i + 1 < len(words) else None
        if obj is not None and obj.network is not None:
            n = obj.network
            out.append(f"host {n.network_address}" if n.prefixlen == 32 else rc.addr_mask(n))
            i += 2
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def _acl_block(cfg: DeviceConfig, acl: Acl) -> list[str]:
    lines = [f"access-list {acl.name}; {len(acl.entries)} elements; name hash: 0x{fake_hex(acl.name):08x}"]
    for n, ace in enumerate(acl.entries, 1):
        h = fake_hex(acl.name, n, ace.text)
        kind = "standard" if acl.standard else "extended"
        lines.append(f"access-list {acl.name} line {n} {kind} {ace.text} (hitcnt={ace.hits}) 0x{h:08x} ")
        child = _expand(cfg, ace)
        if child is not None:
            lines.append(f"  access-list {acl.name} line {n} extended {child} (hitcnt={ace.hits}) 0x{fake_hex(h, child):08x} ")
    return lines


@TABLE.register("show access-list [<word:name>]")
def show_access_list(dev: Device, m: Match) -> str:
    cfg = dev.config
    name = m.get("name")
    if name is not None:
        acl = cfg.acls.get(name)
        if acl is None:
            return f"ERROR: access-list <{name}> does not exist\n"
        return "\n".join(_acl_block(cfg, acl)) + "\n"
    lines = [
        "access-list cached ACL log flows: total 0, denied 0 (deny-flow-max 4096)",
        "            alert-interval 300",
    ]
    for acl in cfg.acls.values():
        lines += _acl_block(cfg, acl)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- logging and ASP


def _buffer_level(cfg: DeviceConfig) -> int:
    for line in reversed(cfg.extra_lines):
        words = line.split()
        if words[:2] == ["logging", "buffered"] and len(words) > 2:
            if words[2].isdigit():
                return min(7, int(words[2]))
            if words[2] in LEVELS:
                return LEVELS.index(words[2])
    return 7


def _severity(text: str) -> int:
    if not text.startswith("%"):
        return 7
    try:
        return int(text.split("-")[1])
    except (IndexError, ValueError):
        return 7


@TABLE.register("show debug")
def show_debugging(dev: Device, m: Match) -> str:
    return debug.show(dev)


@TABLE.register("show logging")
def show_logging(dev: Device, m: Match) -> str:
    """Header block, then the buffer in the form the configuration asks for (``logformat``:
    `Nov 22 2026 03:14:15: %ASA-4-402101: ...` with `logging timestamp`, no stamp without),
    filtered by the `logging buffered` level if set.  Debug output reaches the buffer only
    with `logging debug-trace`, as `%ASA-7-711001: ` + the debug line."""
    level = _buffer_level(dev.config)
    trace = logformat.has(dev.config, "logging debug-trace")
    logs = [ln for ln in dev.state.logs if (not ln.debug or trace) and _severity(ln.text) <= level]
    device_id = f'hostname "{dev.config.hostname}"' if logformat.has(dev.config, logformat.ASA_DEVICE_ID) else "disabled"
    head = [
        "Syslog logging: enabled",
        "    Facility: 20",
        f"    Timestamp logging: {'enabled' if logformat.has(dev.config, logformat.ASA_TIMESTAMP) else 'disabled'}",
        "    Hide Username logging: enabled",
        "    Standby logging: disabled",
        "    Debug-trace logging: disabled",
        "    Console logging: disabled",
        "    Monitor logging: disabled",
        f"    Buffer logging: level {LEVELS[level]}, {len(logs)} messages logged",
        "    Trap logging: disabled",
        "    Permit-hostdown logging: disabled",
        "    History logging: disabled",
        f"    Device ID: {device_id}",
        "    Mail logging: disabled",
        "    ASDM logging: disabled",
    ]
    body = [logformat.render(dev.platform, dev.config, debug_trace(ln), dev.state.boot_time) for ln in logs]
    return "\n".join(head + body) + "\n"


def debug_trace(line: LogLine) -> LogLine:
    """A debug line as `logging debug-trace` writes it to syslog (message 711001)."""
    return LogLine(line.timestamp, "%ASA-7-711001: " + line.text, line.seq) if line.debug else line


# (description, counts per hour of uptime): generic firewall noise any real ASA shows;
# every reason is one the stock ntc template knows.
BASELINE_FRAME = [
    ("Flow is denied by configured rule (acl-drop)", 37),
    ("First TCP packet not SYN (tcp-not-syn)", 11),
    ("TCP failed 3 way handshake (tcp-3whs-failed)", 3),
    ("TCP RST/FIN out of order (tcp-rstfin-ooo)", 5),
    ("Slowpath security checks failed (sp-security-failed)", 1),
]
BASELINE_FLOW = [("Flow is denied by access rule (acl-drop)", 29)]
FLOW_REASONS = ("(vpn-handle-not-found)", "(vpn-overlap-conflict)", "(vpn-missing-decrypt)", "(ipsec-selector-failure)",
                "(inspect-fail)", "(nat-failed)")


def _asp_line(label: str, count: int) -> str:
    line = f"  {label}"
    if len(line) + len(str(count)) + 1 > 80:
        return f"{line}{count:>40}"
    return f"{line}{count:>{80 - len(line)}}"


_CLEARED: dict[int, tuple[int, float]] = {}  # id(device) -> (clear commands seen, when first seen)


def _last_clearing(dev: Device) -> float | None:
    """When `clear asp drop` was last used.  Commands are recorded without a time, so the
    time is taken when a new clear is first noticed (the next `show asp drop`)."""
    n = 0
    for cmd in dev.state.commands:
        words = cmd.lower().split()
        if len(words) == 3 and all(full.startswith(w) for w, full in zip(words, ("clear", "asp", "drop"), strict=True)):
            n += 1
    if not n:
        return None
    seen = _CLEARED.get(id(dev))
    if seen is None or seen[0] != n:
        seen = _CLEARED[id(dev)] = (n, dev.now())
    return max(seen[1], dev.state.boot_time)


@TABLE.register("show asp drop")
def show_asp_drop(dev: Device, m: Match) -> str:
    """Frame and flow drop counters: the engine's (``state.asp_drops``) plus baseline noise
    that grows with uptime since boot or the last `clear asp drop`.  The stock ntc template
    errors on any reason it does not list, and it does not list `vpn-context-expired`:
    the real ASA prints that reason, so we do too (a parser must cope)."""
    cleared = _last_clearing(dev)
    hours = elapsed(dev, cleared if cleared is not None else dev.state.boot_time) // 3600
    frame = [(label, rate * hours) for label, rate in BASELINE_FRAME if hours]
    flow = [(label, rate * hours) for label, rate in BASELINE_FLOW if hours]
    for label, count in dev.state.asp_drops.items():
        if count:
            (flow if label.endswith(FLOW_REASONS) else frame).append((label, count))
    last = "Never"
    if cleared is not None:
        t = utc(cleared)
        last = f"{t:%H:%M:%S} UTC {t:%b} {t.day} {t.year} by enable_15"
    lines = ["Frame drop:", *(_asp_line(lbl, n) for lbl, n in frame), "", f"Last clearing: {last}", "", "Flow drop:"]
    lines += [*(_asp_line(lbl, n) for lbl, n in flow), "", f"Last clearing: {last}"]
    return "\n".join(lines) + "\n"


def _contexts(dev: Device) -> list[tuple[IpsecSa, bool]]:
    """One VPN context per SA direction (inbound = DECR, outbound = ENCR), newest first."""
    out: list[tuple[IpsecSa, bool]] = []
    for sa in reversed(dev.state.ipsec_sas):
        out += [(sa, True), (sa, False)]
    return out


@TABLE.register("show asp table vpn-context [detail]")
def show_asp_table_vpn_context(dev: Device, m: Match) -> str:
    """No real capture shows a context whose outbound SA has expired (seed 000's stale
    context): its state reads UP like a live one, and the evidence is the
    `vpn-context-expired` counter in `show asp drop` and the context's frozen packet count."""
    cfg = dev.config
    groups = list(cfg.tunnel_groups)
    out: list[str] = []
    for sa, inbound in _contexts(dev):
        spi = sa.spi_in if inbound else sa.spi_out
        ctx, ptr, sa_ptr = (fake_hex(spi, k) for k in ("ctx", "ptr", "sa"))
        flags = "DECR+ESP" if inbound else "ENCR+ESP"
        if sa.nat_t:
            flags += "+NATT"
        if cfg.sysopt_preserve_vpn_flows:
            flags += "+PRESERVE"
        pkts = sa.counters.decaps if inbound else sa.counters.encaps
        bad = sa.counters.recv_errors if inbound else 0
        if not m.has("detail"):
            out.append(f"VPN CTX=0x{ctx & 0xFFFFFF:08X}, Ptr=0x{ptr:08X}, {flags}, UP, pk={pkts:010d}, rk=0000000000, gc=0")
            continue
        group = groups.index(str(sa.peer)) + 1 if str(sa.peer) in groups else 0
        out += [
            f"VPN CTX  = 0x{ctx & 0xFFFFFF:08X}", "",
            f"Peer IP  = {sa.peer}",
            f"Pointer  = 0x{ptr:08X}",
            "State    = UP",
            f"Flags    = {flags}",
            f"SA   = 0x{sa_ptr & 0x0FFFFFFF:08X}",
            f"SPI  = 0x{spi:08X}",
            f"Group    = {group}",
            f"Pkts     = {pkts}",
            f"Bad Pkts = {bad}",
            "Bad SPI  = 0",
            "Spoof    = 0",
            f"Bad Crypto = {bad - sa.counters.replay_failures if inbound else 0}",
            "Rekey Pkt  = 0",
            "Rekey Call = 0",
            "VPN Filter = <none>",
            "",
        ]
    return "\n".join(out) + "\n" if out else ""


# ---------------------------------------------------------------- IKE


def _auth(text: str) -> str:
    return {"pre-share": "preshared", "rsa-sig": "rsa-sig"}.get(text, text)


def _ike_block(dev: Device, n: int, sa: IkeSa, detail: bool, rekey: bool = False) -> list[str]:
    lines = [
        f"{n:<4}IKE Peer: {sa.peer}",
        f"    Type    : {'user' if sa.user else 'L2L':<16}Role    : {sa.role}",
        f"    Rekey   : {'yes' if rekey else 'no':<16}State   : {sa.state}",
    ]
    if detail and sa.encryption:
        left = max(0, sa.lifetime - elapsed(dev, sa.created_at))
        lines += [
            f"    Encrypt : {sa.encryption:<16}Hash    : {sa.hash.upper()}",
            f"    Auth    : {_auth(sa.authentication):<16}Lifetime: {sa.lifetime}",
            f"    Lifetime Remaining: {left}",
        ]
    return lines


def _ikev1(dev: Device, detail: bool) -> str:
    live = [s for s in dev.state.ike_sas.values() if s.version == 1]
    rekeys = [s for s in dev.state.old_ike_sas if s.version == 1]
    if not live and not rekeys:
        return "\nThere are no IKEv1 SAs\n"
    lines = [
        "IKEv1 SAs:",
        "",
        f"   Active SA: {len(live)}",
        f"    Rekey SA: {len(rekeys)} (A tunnel will report 1 Active and 1 Rekey SA during rekey)",
        f"Total IKE SA: {len(live) + len(rekeys)}",
        "",
    ]
    rows = sorted([(s, False) for s in live] + [(s, True) for s in rekeys], key=lambda r: r[0].conn_id)
    for n, (sa, rekey) in enumerate(rows, 1):
        lines += _ike_block(dev, n, sa, detail, rekey)
        lines.append("")
    return "\n".join(lines) + "\n"


@TABLE.register("show crypto ikev1 sa [detail]")
def show_crypto_ikev1_sa(dev: Device, m: Match) -> str:
    """The ASA 9.x layout.  The stock ntc template for `show crypto ikev1 sa detail` only
    knows the one-line-per-SA table of the ASA command reference (`IKE Peer  Type  Dir
    Rky  State  Encrypt Hash  Auth  Lifetime`), which 9.x devices do not print: on this
    (real) output it returns no rows, and the tests pin that."""
    return _ikev1(dev, m.has("detail"))


@TABLE.register("show crypto isakmp sa [detail]")
def show_crypto_isakmp_sa(dev: Device, m: Match) -> str:
    return _ikev1(dev, m.has("detail")).rstrip("\n") + "\n" + render_ikev2.asa_ikev2(dev, m.has("detail"))


@TABLE.register("show isakmp sa [detail]")
def show_isakmp_sa(dev: Device, m: Match) -> str:
    return show_crypto_isakmp_sa(dev, m)


@TABLE.register("show crypto ikev2 sa [detail]")
def show_crypto_ikev2_sa(dev: Device, m: Match) -> str:
    """The 9.x layout of the genieparser golden (`ShowCryptoIkev2Sa`), child SAs included."""
    return render_ikev2.asa_ikev2(dev, m.has("detail"))


# ---------------------------------------------------------------- IPsec SAs


def _cipher(sa: IpsecSa) -> str:
    return next((t for t in sa.transforms if not t.endswith("-hmac")), "esp-none")


def _hmac(sa: IpsecSa) -> str:
    return next((t for t in sa.transforms if t.endswith("-hmac")), "esp-none")


def _iv_size(sa: IpsecSa) -> int:
    cipher = _cipher(sa)
    return 16 if cipher.startswith("esp-aes") else 8 if "des" in cipher else 0


def _overhead(sa: IpsecSa) -> str:
    """`74(44)` for AES/SHA in tunnel mode, as real captures show; NAT-T adds 8."""
    inner = (44 if _iv_size(sa) == 16 else 36) + (4 if "sha256" in _hmac(sa) else 0)
    outer = inner + (30 if _iv_size(sa) == 16 else 22) - (20 if sa.mode == "transport" else 0)
    if sa.nat_t:
        inner, outer = inner + 8, outer + 8
    return f"{outer}({inner})"


def _settings(sa: IpsecSa) -> str:
    parts = ["RA" if sa.username is not None else "L2L", "Tunnel" if sa.mode == "tunnel" else "Transport"]
    if sa.nat_t:
        parts.append(" NAT-T-Encaps")
    if sa.pfs_group is not None:
        parts.append(f"PFS Group {sa.pfs_group}")
    parts.append(f"IKEv{sa.ike_version}")
    return ", ".join(parts) + ", "


def _bitmap(count: int) -> str:
    if count <= 0:
        return "0x00000000 0x00000001"
    low = (1 << min(count, 32)) - 1
    high = (1 << min(max(count - 32, 0), 32)) - 1
    return f"0x{high:08X} 0x{low:08X}"


def _esp_block(dev: Device, sa: IpsecSa, inbound: bool) -> list[str]:
    spi = sa.spi_in if inbound else sa.spi_out
    packets = sa.counters.decaps if inbound else sa.counters.encaps
    kb_left = max(0, sa.lifetime_kb - packets * 100 // 1024)
    sec_left = max(0, sa.lifetime_seconds - elapsed(dev, sa.created_at))
    return [
        f"    {'inbound' if inbound else 'outbound'} esp sas:",
        f"      spi: 0x{spi:08X} ({spi})",
        "         SA State: active",
        f"         transform: {_cipher(sa)} {_hmac(sa)} no compression",
        f"         in use settings ={{{_settings(sa)}}}",
        f"         slot: 0, conn_id: {sa.conn_id * 4096}, crypto-map: {sa.map_name}",
        f"         sa timing: remaining key lifetime (kB/sec): ({kb_left}/{sec_left})",
        f"         IV size: {_iv_size(sa)} bytes",
        "         replay detection support: Y",
        "         Anti replay bitmap:",
        f"          {_bitmap(packets if inbound else 1)}",
    ]


def _sa_block(dev: Device, sa: IpsecSa, detail: bool) -> list[str]:
    c = sa.counters
    itf = dev.config.interface_by_label(sa.interface)
    mtu = itf.mtu if itf is not None else 1500
    port = 4500 if sa.nat_t else 0
    lines = [f"    Crypto map tag: {sa.map_name}, seq num: {sa.seq}, local addr: {sa.local}", ""]
    if sa.acl_text:
        lines.append(f"      {sa.acl_text}")
    ident_proto, ident_port = sa.proto_port or (0, 0)
    pp = f"{ident_proto}/{ident_port}"
    lines += [
        f"      local ident (addr/mask/prot/port): ({sa.local_ident.network_address}/{sa.local_ident.netmask}/{pp})",
        f"      remote ident (addr/mask/prot/port): ({sa.remote_ident.network_address}/{sa.remote_ident.netmask}/{pp})",
    ]
    if sa.username is not None:  # a remote-access session (seed 003)
        lines += [
            f"      current_peer: {sa.peer}, username: {sa.username}",
            f"      dynamic allocated peer ip: {sa.assigned_ip}",
            "      dynamic allocated peer ip(ipv6): 0.0.0.0",
            "",
        ]
    else:
        lines += [f"      current_peer: {sa.peer}", "", ""]
    lines += [
        f"      #pkts encaps: {c.encaps}, #pkts encrypt: {c.encaps}, #pkts digest: {c.encaps}",
        f"      #pkts decaps: {c.decaps}, #pkts decrypt: {c.decaps}, #pkts verify: {c.decaps}",
        "      #pkts compressed: 0, #pkts decompressed: 0",
        f"      #pkts not compressed: {c.encaps}, #pkts comp failed: 0, #pkts decomp failed: 0",
        "      #pre-frag successes: 0, #pre-frag failures: 0, #fragments created: 0",
        f"      #PMTUs sent: {c.frag_needed}, #PMTUs rcvd: 0, #decapsulated frgs needing reassembly: 0",
        "      #TFC rcvd: 0, #TFC sent: 0",
        "      #Valid ICMP Errors rcvd: 0, #Invalid ICMP Errors rcvd: 0",
        f"      #send errors: {c.send_errors}, #recv errors: {c.recv_errors}",
    ]
    if detail:
        bad = c.recv_errors - c.replay_failures
        lines += [
            "      #pkts no sa (send): 0, #pkts invalid sa (rcv): 0",
            f"      #pkts encaps failed (send): {c.send_errors}, #pkts decaps failed (rcv): {c.recv_errors}",
            "      #pkts invalid prot (rcv): 0, #pkts verify failed: 0",
            "      #pkts invalid identity (rcv): 0, #pkts invalid len (rcv): 0",
            f"      #pkts invalid pad (rcv): {bad},",
            "      #pkts invalid ip version (rcv): 0,",
            "      #pkts replay rollover (send): 0, #pkts replay rollover (rcv): 0",
            f"      #pkts replay failed (rcv): {c.replay_failures}",
            f"      #pkts min mtu frag failed (send): {c.frag_needed}, #pkts bad frag offset (rcv): 0",
            f"      #pkts internal err (send): {c.send_errors}, #pkts internal err (rcv): 0",
        ]
    lines += [
        "",
        f"      local crypto endpt.: {sa.local}/{port}, remote crypto endpt.: {sa.peer}/{port}",
        f"      path mtu {mtu}, ipsec overhead {_overhead(sa)}, media mtu {mtu}",
        "      PMTU time remaining (sec): 0, DF policy: copy-df",
        "      ICMP error validation: disabled, TFC packets: disabled",
        f"      current outbound spi: {sa.spi_out:08X}",
        f"      current inbound spi : {sa.spi_in:08X}",
        "",
        *_esp_block(dev, sa, True),
        *_esp_block(dev, sa, False),
    ]
    return lines


@TABLE.register("show crypto ipsec sa [peer <ip:peer>] [detail]")
def show_crypto_ipsec_sa(dev: Device, m: Match) -> str:
    """The 9.x layout of the ntc fixture's second block; with `peer` the ASA heads the
    output with `peer address:` instead of `interface:`."""
    peer = m.get("peer")
    order = [i.label for i in rc.interfaces_sorted(dev.config)]
    sas = [sa for sa in dev.state.ipsec_sas if peer is None or sa.peer == IPv4Address(peer)]
    if not sas:
        return "\nThere are no ipsec sas\n"
    sas.sort(key=lambda s: (order.index(s.interface) if s.interface in order else 99, s.map_name, s.seq))
    lines: list[str] = []
    current = None
    for sa in sas:
        head = f"peer address: {sa.peer}" if peer is not None else f"interface: {sa.interface}"
        if head != current:
            if lines:
                lines.append("")
            lines.append(head)
            current = head
        else:
            lines.append("")
        lines += _sa_block(dev, sa, m.has("detail"))
    return "\n".join(lines) + "\n"


@TABLE.register("show ipsec sa [peer <ip:peer>] [detail]")
def show_ipsec_sa(dev: Device, m: Match) -> str:
    return show_crypto_ipsec_sa(dev, m)


# ---------------------------------------------------------------- VPN session database

ENC_NAMES = {
    "aes": "AES128", "aes-192": "AES192", "aes-256": "AES256", "3des": "3DES", "des": "DES",
    "esp-aes": "AES128", "esp-aes-192": "AES192", "esp-aes-256": "AES256", "esp-3des": "3DES", "esp-des": "DES",
    "esp-null": "none", "esp-none": "none",
}
HASH_NAMES = {
    "sha": "SHA1", "sha1": "SHA1", "md5": "MD5", "sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512",
    "esp-sha-hmac": "SHA1", "esp-md5-hmac": "MD5", "esp-sha256-hmac": "SHA256", "esp-sha384-hmac": "SHA384",
    "esp-none": "none",
}


def _sessions(dev: Device, peer: IPv4Address | None = None) -> list[tuple[IkeSa, list[IpsecSa]]]:
    out = []
    for ike in sorted(dev.state.ike_sas.values(), key=lambda s: s.conn_id):
        if ike.established and not ike.user and (peer is None or ike.peer == peer):
            out.append((ike, [sa for sa in dev.state.ipsec_sas if sa.peer == ike.peer]))
    return out


def _counted(names: list[str]) -> str:
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return " ".join(f"({count}){name}" for name, count in counts.items())


def _idle_timeout(cfg: DeviceConfig, ike: IkeSa) -> int:
    group = cfg.tunnel_groups.get(ike.tunnel_group or str(ike.peer))
    name = group.default_group_policy if group and group.default_group_policy else "DfltGrpPolicy"
    gp = cfg.group_policies.get(name) or cfg.group_policies.get("DfltGrpPolicy")
    if gp is None:
        return 30
    return gp.vpn_idle_timeout or 0


def _pair(left: str, right: str) -> str:
    return f"  {left:<38}{right}"


def _session_block(dev: Device, ike: IkeSa, sas: list[IpsecSa]) -> list[str]:
    natt = ike.nat_t or any(sa.nat_t for sa in sas)
    proto = "IPsecOverNatT" if natt else "IPsec"
    tx = sum(sa.counters.encaps for sa in sas) * 100
    rx = sum(sa.counters.decaps for sa in sas) * 100
    enc = _counted([ENC_NAMES.get(_cipher(sa), _cipher(sa)) for sa in sas])
    hsh = _counted([HASH_NAMES.get(_hmac(sa), _hmac(sa)) for sa in sas])
    ike_enc = ENC_NAMES.get(ike.encryption, ike.encryption.upper())
    ike_hash = HASH_NAMES.get(ike.hash, ike.hash.upper())
    idle = _idle_timeout(dev.config, ike)
    port = 4500 if natt else 500
    v = f"IKEv{ike.version}"
    lines = [
        f"Connection   : {ike.tunnel_group or ike.peer}",
        f"{'Index        : ' + str(ike.conn_id):<38}IP Addr      : {ike.peer}",
        f"Protocol     : {v}{' ' + proto if sas else ''}",
        f"Encryption   : {v}: (1){ike_enc}{f'  {proto}: {enc}' if sas else ''}",
        f"Hashing      : {v}: (1){ike_hash}{f'  {proto}: {hsh}' if sas else ''}",
        f"{'Bytes Tx     : ' + str(tx):<38}Bytes Rx     : {rx}",
        f"Login Time   : {asa_time(ike.created_at)}",
        f"Duration     : {duration(dev.now() - ike.created_at)}",
        "",
        f"{v} Tunnels: 1",
        *([f"{proto} Tunnels: {len(sas)}"] if sas else []),
        "",
        f"{v}:",
        f"  Tunnel ID    : {ike.conn_id}.1",
        _pair(f"UDP Src Port : {port}", f"UDP Dst Port : {port}"),
        *([_pair("IKE Neg Mode : Main", "Auth Mode    : preSharedKeys")] if ike.version == 1 else
          ["  Rem Auth Mode: preSharedKeys", "  Loc Auth Mode: preSharedKeys"]),
        _pair(f"Encryption   : {ike_enc}", f"Hashing      : {ike_hash}"),
        _pair(f"Rekey Int (T): {ike.lifetime} Seconds", f"Rekey Left(T): {max(0, ike.lifetime - elapsed(dev, ike.created_at))} Seconds"),
        f"  D/H Group    : {ike.group}" if ike.version == 1 else
        _pair(f"PRF          : {HASH_NAMES.get(ike.prf, ike.prf.upper())}", f"D/H Group    : {ike.group}"),
        "  Filter Name  : ",
    ]
    for n, sa in enumerate(sas, 2):
        pfs = f"PFS Group    : {sa.pfs_group}" if sa.pfs_group is not None else ""
        used_kb = (sa.counters.encaps + sa.counters.decaps) * 100 // 1024
        lines += [
            "",
            f"{proto}:",
            f"  Tunnel ID    : {ike.conn_id}.{n}",
            f"  Local Addr   : {sa.local_ident.network_address}/{sa.local_ident.netmask}/0/0",
            f"  Remote Addr  : {sa.remote_ident.network_address}/{sa.remote_ident.netmask}/0/0",
            _pair(f"Encryption   : {ENC_NAMES.get(_cipher(sa), _cipher(sa))}", f"Hashing      : {HASH_NAMES.get(_hmac(sa), _hmac(sa))}"),
            _pair(f"Encapsulation: {sa.mode.capitalize()}", pfs).rstrip(),
            _pair(f"Rekey Int (T): {sa.lifetime_seconds} Seconds",
                  f"Rekey Left(T): {max(0, sa.lifetime_seconds - elapsed(dev, sa.created_at))} Seconds"),
            _pair(f"Rekey Int (D): {sa.lifetime_kb} K-Bytes", f"Rekey Left(D): {max(0, sa.lifetime_kb - used_kb)} K-Bytes"),
            _pair(f"Idle Time Out: {idle} Minutes", f"Idle TO Left : {max(0, idle - 1)} Minutes"),
            _pair(f"Bytes Tx     : {sa.counters.encaps * 100}", f"Bytes Rx     : {sa.counters.decaps * 100}"),
            _pair(f"Pkts Tx      : {sa.counters.encaps}", f"Pkts Rx      : {sa.counters.decaps}"),
        ]
    return lines


@TABLE.register("show vpn-sessiondb detail l2l [filter ipaddress <ip:peer>]")
def show_vpn_sessiondb_detail_l2l(dev: Device, m: Match) -> str:
    peer = m.get("peer")
    sessions = _sessions(dev, IPv4Address(peer) if peer else None)
    if not sessions:
        return "INFO: There are presently no active sessions of the type specified\n"
    lines = ["Session Type: LAN-to-LAN Detailed", ""]
    for i, (ike, sas) in enumerate(sessions):
        if i:
            lines.append("")
        lines += _session_block(dev, ike, sas)
    return "\n".join(lines) + "\n"


def _summary_row(name: str, *values: int) -> str:
    widths = (6, 10, 11, 8)
    cells = [f"{v:>{w}}" for v, w in zip(values, widths[: len(values)], strict=True)]
    return f"{name:<29}: " + " : ".join(cells)


@TABLE.register("show vpn-sessiondb")
def show_vpn_sessiondb(dev: Device, m: Match) -> str:
    sessions = _sessions(dev)
    if not sessions:
        return "INFO: There are presently no active sessions\n"
    n = len(sessions)
    sas = [sa for _, sas in sessions for sa in sas]
    natt = sum(1 for sa in sas if sa.nat_t)
    by_version = {v: c for v in (1, 2) if (c := sum(1 for ike, _ in sessions if ike.version == v))}
    rule = "-" * 75
    lines = [
        rule, "VPN Session Summary", rule,
        "                               Active : Cumulative : Peak Concur : Inactive",
        "                             ----------------------------------------------",
        _summary_row("Site-to-Site VPN", n, n, n),
        *(_summary_row(f"  IKEv{v} IPsec", c, c, c) for v, c in by_version.items()),
        rule,
        f"{'Total Active and Inactive':<29}: {n:>6}             Total Cumulative : {n:>6}",
        f"{'Device Total VPN Capacity':<29}: {VPN_CAPACITY:>6}",
        f"{'Device Load':<29}: {round(n * 100 / VPN_CAPACITY):>5}%",
        rule, "", rule, "Tunnels Summary", rule,
        "                               Active : Cumulative : Peak Concurrent",
        "                             ----------------------------------------------",
        *(f"{f'IKEv{v}':<29}: {c:>6} : {c:>10} : {c:>15}" for v, c in by_version.items()),
    ]
    for label, count in (("IPsec", len(sas) - natt), ("IPsecOverNatT", natt)):
        if count:
            lines.append(f"{label:<29}: {count:>6} : {count:>10} : {count:>15}")
    total = n + len(sas)
    lines += [rule, f"{'Totals':<29}: {total:>6} : {total:>10}", rule]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- running configuration

rc.register(TABLE)
# the remote-access headend's commands join this table in agent/lab/render_ra.py (ASA_TABLE)
