"""Production noise: what a device in service carries besides the tunnel a ticket is about.

Applied to any scenario's devices after their configuration and before the scenario's
setup (so a reboot in the setup wipes the noise of the device it reboots, as it would),
from one seed (``ipsec-agent lab up --noise-seed N``): the same seed gives the same noise.

- Other LAN-to-LAN tunnels on the same crypto map, configured and up, with the counters
  of hours of traffic and since-boot errors that do not move (one of them failing phase 1
  right now, one of them in a phase 1 rekey), so SA tables list peers the diagnosis must
  ignore (corpus ntc/cisco_asa/show_crypto_ipsec_sa: several SA blocks; real-cases
  ios-ikev2-gre-ipsec-two-tunnels-one-idle: two tunnels, one idle).
- Log buffers of a busy device: other peers' phase 1 / phase 2 successes and failures,
  remote-access users connecting and timing out, management logins, events hours and
  days old, in the stamp the device is configured for (``logformat``).
- `show asp drop` counters accumulated since boot (`Last clearing: Never`): the VPN
  reasons of corpus ntc/cisco_asa/show_asp_drop/cisco_asa_show_asp_drop2.raw
  (ipsec-tun-down, vpn-overlap-conflict) and an old expired-context count.
- Sometimes `debug crypto isakmp` left on on a router (its debug lines then sit in the
  buffer at `logging buffered debugging`, as seed 001 shows them).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from agent.lab import config_asa, config_ios, ike
from agent.lab.config_common import GLOBAL, Mode
from agent.lab.model import IkeSa, IpsecSa, LogLine, Platform, SaCounters
from agent.lab.traffic import EXPIRED_CONTEXT
from agent.lab.world import Device, Lab

#: the other tunnels' peers (the benchmarking range 198.18.0.0/15) and protected networks:
#: ranges the catalog's scenarios never use
PEER_POOL = [IPv4Address(f"198.{18 + i % 2}.{i * 37 % 250 + 1}.{i * 53 % 250 + 2}") for i in range(120)]
REMOTE_NETS = [IPv4Network(f"172.{20 + i // 200}.{i % 200 + 1}.0/24") for i in range(1000)]
RA_POOL = IPv4Network("10.250.0.0/24")
USERS = ("jdoe", "asmith", "mkumar", "lchen", "pgarcia", "tnguyen", "rmuller", "kobrien")
NOISE_TS = "ESP-AES-SHA"
HOUR, DAY = 3600.0, 86400.0


@dataclass
class OtherTunnel:
    peer: IPv4Address
    remote: IPv4Network
    seq: int
    acl: str


def _configure(dev: Device, lines: Iterable[str]) -> None:
    interp = config_asa if dev.platform is Platform.ASA else config_ios
    mode: Mode = GLOBAL
    for line in lines:
        mode, _ = interp.apply(dev.config, mode, line)


def _log_style(dev: Device, rng: random.Random, stamped: bool | None) -> None:
    """The device's log stamp: ASA default (none), `logging timestamp`, with or without a
    device id; IOS datetime with msec and time zone (NTP-synced), uptime, datetime with the
    clock never set, or none, with or without `service sequence-numbers`.  ``stamped``
    True / False forces a stamp / no stamp (None: the seed decides)."""
    if stamped is None:
        stamped = rng.random() < 0.7
    if dev.platform is Platform.ASA:
        lines = ["logging timestamp" if stamped else "no logging timestamp"]
        if rng.random() < 0.4:
            lines.append("logging device-id hostname")
        _configure(dev, lines)
        return
    stamp = rng.choice(("datetime msec localtime show-timezone", "uptime", "datetime msec")) if stamped else "none"
    lines = ["no service timestamps log" if stamp == "none" else f"service timestamps log {stamp}"]
    if "localtime" in stamp:
        lines.append("ntp server 10.1.1.123")
    if rng.random() < 0.5:
        lines.append("service sequence-numbers")
    _configure(dev, lines)


def _crypto_itf(dev: Device) -> tuple[str, str, IPv4Address, IPv4Network] | None:
    """(map name, interface label, address, inside network) of the device's crypto map on
    its outside interface, None when no map is applied or IKEv1 is off there (no other
    tunnel could be up either)."""
    cfg = dev.config
    for itf in cfg.interfaces.values():
        binding = cfg.binding_for(itf)
        if binding is None or itf.ip is None or itf.shutdown or not ike.ike_enabled(dev, itf):
            continue
        inside = next((i.ip.network for i in cfg.interfaces.values()
                       if i.ip is not None and (i.nameif == "inside" or i.description == "LAN")), None)
        if inside is None:
            return None
        return binding.map_name, itf.label, itf.ip.ip, inside
    return None


def _other_tunnel_config(dev: Device, map_name: str, inside: IPv4Network, tunnels: list[OtherTunnel], key: str) -> None:
    lines: list[str] = []
    mask = str(inside.netmask)
    wild = str(inside.hostmask)
    if dev.platform is Platform.ASA:
        lines.append(f"crypto ipsec ikev1 transform-set {NOISE_TS} esp-aes esp-sha-hmac")
        for t in tunnels:
            lines += [
                f"access-list {t.acl} extended permit ip {inside.network_address} {mask} {t.remote.network_address} {t.remote.netmask}",
                f"crypto map {map_name} {t.seq} match address {t.acl}",
                f"crypto map {map_name} {t.seq} set peer {t.peer}",
                f"crypto map {map_name} {t.seq} set ikev1 transform-set {NOISE_TS}",
                f"tunnel-group {t.peer} type ipsec-l2l",
                f"tunnel-group {t.peer} ipsec-attributes",
                f" ikev1 pre-shared-key {key}{t.seq}",
                "exit",
            ]
    else:
        lines += [f"crypto ipsec transform-set {NOISE_TS} esp-aes esp-sha-hmac", " mode tunnel", "exit"]
        for t in tunnels:
            lines += [
                f"ip access-list extended {t.acl}",
                f" permit ip {inside.network_address} {wild} {t.remote.network_address} {t.remote.hostmask}",
                "exit",
                f"crypto isakmp key {key}{t.seq} address {t.peer} no-xauth",
                f"crypto map {map_name} {t.seq} ipsec-isakmp",
                f" set peer {t.peer}",
                f" set transform-set {NOISE_TS}",
                f" match address {t.acl}",
                "exit",
            ]
    mode: Mode = GLOBAL
    interp = config_asa if dev.platform is Platform.ASA else config_ios
    for line in lines:
        if line == "exit":
            mode = GLOBAL
            continue
        mode, _ = interp.apply(dev.config, mode, line)


def _other_tunnel_state(dev: Device, rng: random.Random, itf: str, local: IPv4Address, inside: IPv4Network,
                        map_name: str, t: OtherTunnel, lab: Lab) -> None:
    now = dev.now()
    up_for = rng.uniform(2 * HOUR, 20 * HOUR)
    state = "MM_ACTIVE" if dev.platform is Platform.ASA else "QM_IDLE"
    ike_sa = IkeSa(peer=t.peer, local=local, role=rng.choice(("initiator", "responder")), state=state,
                   conn_id=dev.next_conn_id(), established=True, encryption="aes-256", hash="sha", group=14,
                   lifetime=86400, created_at=now - up_for)
    if dev.platform is Platform.ASA:
        ike_sa.tunnel_group = str(t.peer)
    dev.state.ike_sas[t.peer] = ike_sa
    sa_life = dev.config.ipsec_sa_lifetime_seconds
    age = rng.uniform(60, max(120.0, min(up_for, sa_life - 300)))
    pkts = int(age * rng.uniform(0.5, 40))
    counters = SaCounters(encaps=pkts, decaps=int(pkts * rng.uniform(0.9, 1.1)),
                          send_errors=rng.choice((0, 0, 0, 3, 17)), recv_errors=rng.choice((0, 0, 1, 6)))
    acl_text = ""
    if dev.platform is Platform.ASA:
        acl_text = (f"access-list {t.acl} extended permit ip {inside.network_address} {inside.netmask} "
                    f"{t.remote.network_address} {t.remote.netmask}")
    dev.state.ipsec_sas.append(IpsecSa(
        peer=t.peer, local=local, interface=itf, map_name=map_name, seq=t.seq, local_ident=inside,
        remote_ident=t.remote, spi_in=lab.spi(), spi_out=lab.spi(), transforms=("esp-aes", "esp-sha-hmac"),
        mode="tunnel", pfs_group=None, lifetime_seconds=sa_life, lifetime_kb=dev.config.ipsec_sa_lifetime_kb,
        conn_id=dev.next_conn_id(), counters=counters, created_at=now - age, acl_text=acl_text,
    ))


def _failing_peer(dev: Device, t: OtherTunnel, local: IPv4Address) -> None:
    """A peer that does not answer right now: phase 1 stuck at its first exchange."""
    state = "MM_WAIT_MSG2" if dev.platform is Platform.ASA else "MM_NO_STATE"
    dev.state.ike_sas[t.peer] = IkeSa(peer=t.peer, local=local, role="initiator", state=state,
                                      conn_id=dev.next_conn_id(), created_at=dev.now() - 40)


def rekeying(dev: Device, peer: IPv4Address) -> None:
    """Phase 1 rekey with ``peer`` in progress: the ASA lists the new SA beside the old one
    (`Rekey SA: 1`, two blocks for one peer); IOS-XE keeps the replaced SA as a
    `MM_NO_STATE  0 ACTIVE (deleted)` row next to the live one."""
    live = dev.state.ike_sas.get(peer)
    if live is None or not live.established:
        return
    if dev.platform is Platform.ASA:
        dev.state.old_ike_sas.append(IkeSa(peer=peer, local=live.local, role=live.role, state="MM_ACTIVE",
                                           conn_id=dev.next_conn_id(), established=True, encryption=live.encryption,
                                           hash=live.hash, group=live.group, lifetime=live.lifetime,
                                           created_at=dev.now() - 5, tunnel_group=live.tunnel_group))
    else:
        dev.state.old_ike_sas.append(IkeSa(peer=peer, local=live.local, role=live.role, state="MM_NO_STATE",
                                           conn_id=0, created_at=live.created_at))


def add_other_tunnels(lab: Lab, dev: Device, peers: list[IPv4Address], rng: random.Random,
                      failing: int = 0) -> list[OtherTunnel]:
    """Configure a LAN-to-LAN tunnel to each of ``peers`` on the device's crypto map and
    bring it up (hours of counters), but for the last ``failing`` ones, stuck in phase 1."""
    crypto = _crypto_itf(dev)
    if crypto is None:
        return []
    map_name, itf_label, local, inside = crypto
    taken = {e.seq for entries in dev.config.crypto_maps.values() for e in entries.values()}
    seqs = [s for s in range(100, 100 + 10 * (len(peers) + len(taken) + 1), 10) if s not in taken]
    nets = rng.sample(REMOTE_NETS, len(peers))
    tunnels = [OtherTunnel(p, net, seq, f"L2L-PEER-{seq}") for p, net, seq in zip(peers, nets, seqs, strict=False)]
    _other_tunnel_config(dev, map_name, inside, tunnels, f"k{rng.randrange(1 << 30):x}-")
    cut = len(tunnels) - failing
    for t in tunnels[:cut]:
        _other_tunnel_state(dev, rng, itf_label, local, inside, map_name, t, lab)
    for t in tunnels[cut:]:
        _failing_peer(dev, t, local)
    return tunnels


# ---------------------------------------------------------------- log history

def _asa_history(rng: random.Random, local: IPv4Address, others: list[IPv4Address], strangers: list[IPv4Address],
                 own_peer: IPv4Address | None) -> list[tuple[float, str]]:
    """(seconds ago, message): ASA syslog texts as the ASA syslog guide and seed 000 word them."""
    out: list[tuple[float, str]] = []

    def at(lo: float, hi: float) -> float:
        return rng.uniform(lo, hi)

    for peer in others:
        out += [
            (at(3 * DAY, 9 * DAY), f"%ASA-5-713119: Group = {peer}, IP = {peer}, PHASE 1 COMPLETED"),
            (at(2 * DAY, 3 * DAY), f"%ASA-5-713120: Group = {peer}, IP = {peer}, PHASE 2 COMPLETED (msgid={rng.randrange(1 << 32):08x})"),
            (at(1 * DAY, 2 * DAY), f"%ASA-4-113019: Group = {peer}, Username = {peer}, IP = {peer}, Session disconnected. "
                                   f"Session Type: LAN-to-LAN, Duration: {rng.randrange(1, 30)}h:{rng.randrange(60):02d}m:"
                                   f"{rng.randrange(60):02d}s, Bytes xmt: {rng.randrange(10**5, 10**9)}, "
                                   f"Bytes rcv: {rng.randrange(10**5, 10**9)}, Reason: Idle Timeout"),
            (at(2 * HOUR, 20 * HOUR), f"%ASA-4-402119: IPSEC: Received an ESP packet (SPI= 0x{rng.randrange(1 << 32):08X}, "
                                      f"sequence number= 0x{rng.randrange(1, 1 << 16):X}) from {peer} (user= {peer}) to {local} "
                                      "that failed anti-replay checking."),
        ]
    for peer in strangers:  # peers that are not configured here, or misconfigured elsewhere
        out += [
            (at(HOUR, 3 * DAY), f"%ASA-5-713904: IP = {peer}, Received an un-encrypted NO_PROPOSAL_CHOSEN notify message, dropping"),
            (at(HOUR, 3 * DAY), f"%ASA-3-713902: Group = {peer}, IP = {peer}, ERROR, had problems decrypting packet, "
                                "probably due to mismatched pre-shared key.  Aborting"),
            (at(5 * 60, 50 * 60), f"%ASA-3-713206: Group = {peer}, IP = {peer}, Tunnel Rejected: Conflicting protocols "
                                  "specified by tunnel-group and group-policy"),
            (at(5 * 60, 50 * 60), f"%ASA-6-713905: IP = {peer}, P1 Retransmit msg dispatched to MM FSM"),
        ]
    for n, user in enumerate(rng.sample(USERS, 4)):
        ip = IPv4Address("100.80.0.0") + rng.randrange(1, 60000)
        assigned = RA_POOL.network_address + 10 + n
        start = at(2 * HOUR, 6 * DAY)
        group = "GroupPolicy_RA-VPN"
        out += [
            (start, f"%ASA-6-113039: Group <{group}> User <{user}> IP <{ip}> AnyConnect parent session started."),
            (start - 1, f"%ASA-6-722022: Group <{group}> User <{user}> IP <{ip}> TCP SVC connection established without compression"),
            (start - 1, f"%ASA-5-722033: Group <{group}> User <{user}> IP <{ip}> First TCP SVC connection established for SVC session."),
            (start - 2, f"%ASA-4-722051: Group <{group}> User <{user}> IP <{ip}> IPv4 Address <{assigned}> IPv6 address <::> assigned to session"),
            (start - 1800, f"%ASA-5-722037: Group <{group}> User <{user}> IP <{ip}> SVC closing connection: Idle Timeout."),
            (start - 1801, f"%ASA-4-113019: Group = RA-VPN, Username = {user}, IP = {ip}, Session disconnected. Session Type: SSL, "
                           f"Duration: 0h:30m:{rng.randrange(60):02d}s, Bytes xmt: {rng.randrange(10**4, 10**7)}, "
                           f"Bytes rcv: {rng.randrange(10**4, 10**7)}, Reason: Idle Timeout"),
        ]
    admin = IPv4Address("10.1.1.50")
    out += [
        (at(HOUR, 5 * DAY), f'%ASA-6-605005: Login permitted from {admin}/{rng.randrange(40000, 60000)} to inside:10.1.1.1/ssh for user "netops"'),
        (at(HOUR, 5 * DAY), f"%ASA-5-111008: User 'netops' executed the 'clear crypto ipsec sa peer {rng.choice(others or strangers)}' command."),
        (at(60, 40 * 60), f'%ASA-4-106023: Deny tcp src outside:{IPv4Address("100.90.0.0") + rng.randrange(1, 60000)}/{rng.randrange(1024, 65535)} '
                          'dst inside:10.1.1.25/445 by access-group "outside_access_in" [0x0, 0x0]'),
    ]
    if own_peer is not None:  # the tunnel itself worked for months before the ticket
        out += [
            (at(4 * DAY, 8 * DAY), f"%ASA-5-713119: Group = {own_peer}, IP = {own_peer}, PHASE 1 COMPLETED"),
            (at(2 * DAY, 4 * DAY), f"%ASA-4-113019: Group = {own_peer}, Username = {own_peer}, IP = {own_peer}, Session disconnected. "
                                   "Session Type: LAN-to-LAN, Duration: 6h:12m:40s, Bytes xmt: 5568210, Bytes rcv: 6120448, Reason: Idle Timeout"),
        ]
    return out


def _ios_history(rng: random.Random, local: IPv4Address, itf: str, others: list[IPv4Address],
                 strangers: list[IPv4Address], own_peer: IPv4Address | None) -> list[tuple[float, str]]:
    """IOS %CRYPTO messages in their syslog form (the IOS system message guide; seed 001's
    syslog lines, not its debug lines)."""
    out: list[tuple[float, str]] = []

    def at(lo: float, hi: float) -> float:
        return rng.uniform(lo, hi)

    for peer in others:
        spi = rng.randrange(1 << 32)
        out += [
            (at(3 * DAY, 9 * DAY), f"%CRYPTO-5-SESSION_STATUS: Crypto tunnel is UP  .  Peer {peer}:500       Id: {peer}"),
            (at(1 * DAY, 3 * DAY), f"%CRYPTO-5-SESSION_STATUS: Crypto tunnel is DOWN. Peer {peer}:500       Id: {peer}"),
            (at(2 * HOUR, 1 * DAY), f"%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi for destaddr={local}, "
                                    f"prot=50, spi=0x{spi:X}({spi}), srcaddr={peer}, input interface={itf}"),
            # two lines, as cisco_ios_show_logging_5.raw shows it
            (at(2 * HOUR, 2 * DAY), "%CRYPTO-4-PKT_REPLAY_ERR: decrypt: replay check failed\n"
                                    f"        connection id={rng.randrange(1, 40)}, sequence number={rng.randrange(1, 5000)}"),
        ]
    for peer in strangers:
        out += [
            (at(HOUR, 3 * DAY), f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main Mode failed with peer at {peer}"),
            (at(HOUR, 3 * DAY), f"%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {peer} failed its sanity check or is malformed"),
            (at(5 * 60, 50 * 60), f"%CRYPTO-4-IKMP_NO_SA: IKE message from {peer} has no SA and is not an initialization offer"),
        ]
    admin = IPv4Address("10.1.1.50")
    out += [
        (at(HOUR, 6 * DAY), f"%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: netops] [Source: {admin}] [localport: 22]"),
        (at(HOUR, 6 * DAY), f"%SYS-5-CONFIG_I: Configured from console by netops on vty0 ({admin})"),
        (at(2 * DAY, 8 * DAY), "%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/2, changed state to down"),
        (at(60, 30 * 60), f"%SSH-5-SSH2_SESSION: SSH2 Session request from {admin} (tty = 0) using crypto cipher 'aes256-ctr', "
                          "hmac 'hmac-sha2-256' Succeeded"),
    ]
    if own_peer is not None:
        out += [(at(4 * DAY, 8 * DAY), f"%CRYPTO-5-SESSION_STATUS: Crypto tunnel is UP  .  Peer {own_peer}:500       Id: {own_peer}")]
    return out


def _insert_history(dev: Device, history: list[tuple[float, str]]) -> None:
    now = dev.now()
    boot = dev.state.boot_time
    old = [LogLine(now - ago, text) for ago, text in history if now - ago > boot]
    merged = sorted(old, key=lambda ln: ln.timestamp) + dev.state.logs
    for n, line in enumerate(merged, 1):
        line.seq = n
    dev.state.logs = merged
    dev.state.log_seq = len(merged)


# ---------------------------------------------------------------- the whole layer

@dataclass(frozen=True)
class NoiseOptions:
    """What the seed does not decide.  ``stamped``: every device stamps its log lines (True),
    none does (False: the ASA's default, `no service timestamps log`), or the seed decides
    (None).  ``old_expired_context``: the ASA's since-boot `vpn-context-expired` count."""

    stamped: bool | None = None
    old_expired_context: bool = True


@dataclass(frozen=True)
class NoiseReport:
    """What one seed put on one device (for `lab up` and the tests' messages)."""

    device: str
    other_peers: tuple[str, ...]
    stamp: str
    debug_left_on: bool


def apply(lab: Lab, seed: int, tunnel_peers: dict[str, IPv4Address | None],
          options: NoiseOptions = NoiseOptions()) -> list[NoiseReport]:
    """Put production noise on every device of ``lab``; ``tunnel_peers`` maps each device
    to the peer address of the tunnel under diagnosis (None: none), whose own history the
    buffer keeps too."""
    used: set[IPv4Address] = set()
    reports = []
    for name in sorted(lab.devices):
        dev = lab.devices[name]
        rng = random.Random(f"{seed}:{name}")
        _log_style(dev, rng, options.stamped)
        crypto = _crypto_itf(dev)
        free = [p for p in PEER_POOL if p not in used and lab.owner_of(p) is None]
        rng.shuffle(free)
        count = rng.randint(4, 7) if name.startswith("hq") else rng.randint(2, 4)
        peers, strangers = free[:count], free[count:count + 2]
        used.update(peers + strangers)
        if crypto is not None:
            tunnels = add_other_tunnels(lab, dev, peers, rng, failing=1)
            rekeying(dev, tunnels[0].peer)
            if dev.platform is Platform.ASA:
                drops = dev.state.asp_drops
                drops["IPSEC tunnel is down (ipsec-tun-down)"] = rng.randrange(100, 5000)
                drops["VPN overlap conflict (vpn-overlap-conflict)"] = rng.randrange(10, 400)
                if options.old_expired_context:
                    drops[EXPIRED_CONTEXT] = drops.get(EXPIRED_CONTEXT, 0) + rng.randrange(2, 40)
        itf = next((i for i in dev.config.interfaces.values() if i.ip is not None and i.label != "inside"
                    and i.description != "LAN"), None)
        local_ip = itf.ip.ip if itf is not None and itf.ip is not None else IPv4Address("0.0.0.0")
        own = tunnel_peers.get(name)
        if dev.platform is Platform.ASA:
            history = _asa_history(rng, local_ip, peers, strangers, own)
        else:
            history = _ios_history(rng, local_ip, itf.name if itf else "GigabitEthernet0/0", peers, strangers, own)
        _insert_history(dev, history)
        debug_on = dev.platform is Platform.IOS and rng.random() < 0.3
        if debug_on:  # left on by the last engineer who looked
            dev.state.debug.kinds["isakmp"] = 1
        reports.append(NoiseReport(name, tuple(str(p) for p in peers), _stamp_name(dev), debug_on))
    return reports


def _stamp_name(dev: Device) -> str:
    lines = [x for x in dev.config.extra_lines if x.startswith(("logging timestamp", "logging device-id", "service ", "no service"))]
    return "; ".join(lines) or "default"
