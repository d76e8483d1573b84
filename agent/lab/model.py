"""The lab's device model: configuration and runtime state of one simulated device.

Configuration is built only by the platform's config interpreter (``config_asa`` /
``config_ios``) from real CLI lines, so scenarios are written in the devices' own
language and ``send_config_set`` exercises the same code.  Runtime state (IKE SAs,
IPsec SAs, counters, logs, ASP drops) is written only by ``engine`` (negotiation and
traffic) and by the clear commands.  Renderers read both and never write.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from agent.platforms import Platform

ANY = IPv4Network("0.0.0.0/0")


# the lab's devices are of the platforms the agent knows: one type (agent/platforms.py)


# ---------------------------------------------------------------- configuration


@dataclass
class Interface:
    name: str  # GigabitEthernet0/0
    ip: IPv4Interface | None = None
    nameif: str | None = None  # ASA only: outside / inside
    security_level: int | None = None  # ASA only
    shutdown: bool = False
    description: str = ""
    crypto_map: str | None = None  # IOS: `crypto map NAME` under the interface
    nat_role: str | None = None  # IOS: "inside" | "outside"
    mtu: int = 1500
    tcp_adjust_mss: int | None = None

    @property
    def label(self) -> str:
        """Name used in routes and show output: nameif on ASA, the interface name on IOS."""
        return self.nameif or self.name


@dataclass
class IsakmpPolicy:
    priority: int
    encryption: str = "des"  # des | 3des | aes | aes-192 | aes-256
    hash: str = "sha"  # sha | md5 | sha256 ...
    authentication: str = "pre-share"
    group: int = 2
    lifetime: int = 86400

    def proposal(self) -> tuple[str, str, str, int]:
        return (self.encryption, self.hash, self.authentication, self.group)


@dataclass
class IsakmpKey:
    """IOS `crypto isakmp key KEY address A [MASK] [no-xauth]`."""

    key: str
    address: IPv4Network
    no_xauth: bool = False


@dataclass
class TransformSet:
    name: str
    transforms: tuple[str, ...]  # ("esp-aes-256", "esp-sha-hmac")
    mode: str = "tunnel"  # tunnel | transport

    def signature(self) -> tuple[tuple[str, ...], str]:
        return (tuple(sorted(self.transforms)), self.mode)


@dataclass
class AclEntry:
    action: str  # permit | deny
    protocol: str  # ip | icmp | tcp | udp | esp ...
    src: IPv4Network
    dst: IPv4Network
    text: str = ""  # the line as configured (without the ACL name on ASA)
    hits: int = 0
    seq: int = 0  # IOS sequence number (10, 20, ... unless given)

    def matches(self, src: IPv4Address, dst: IPv4Address) -> bool:
        return self.protocol in ("ip", "icmp") and src in self.src and dst in self.dst


@dataclass
class Acl:
    name: str
    entries: list[AclEntry] = field(default_factory=list)
    standard: bool = False
    numbered: bool = False

    def first_match(self, src: IPv4Address, dst: IPv4Address) -> AclEntry | None:
        for entry in self.entries:
            if entry.matches(src, dst):
                return entry
        return None

    def permits(self, src: IPv4Address, dst: IPv4Address) -> bool:
        entry = self.first_match(src, dst)
        return entry is not None and entry.action == "permit"

    def permitted_pairs(self) -> list[tuple[IPv4Network, IPv4Network]]:
        return [(e.src, e.dst) for e in self.entries if e.action == "permit"]


@dataclass
class CryptoMapEntry:
    map_name: str
    seq: int
    dynamic_map: str | None = None  # `ipsec-isakmp dynamic NAME`
    match_acl: str | None = None
    peers: list[IPv4Address] = field(default_factory=list)
    transform_sets: list[str] = field(default_factory=list)
    pfs_group: int | None = None
    lifetime_seconds: int | None = None
    lifetime_kb: int | None = None
    reverse_route: bool = False
    connection_type: str | None = None  # ASA: answer-only | originate-only | bidirectional
    ikev2_proposals: list[str] = field(default_factory=list)  # ASA `set ikev2 ipsec-proposal P..`
    ikev2_profile: str | None = None  # IOS `set ikev2-profile P`

    @property
    def uses_ikev2(self) -> bool:
        """The entry negotiates with IKEv2 (ASA: an IKEv2 IPsec proposal; IOS: an IKEv2 profile)."""
        return bool(self.ikev2_proposals) or self.ikev2_profile is not None

    @property
    def is_dynamic(self) -> bool:
        return self.dynamic_map is not None

    def missing(self) -> list[str]:
        """What a static entry lacks to be usable (the 'crypto map entry incomplete' warning)."""
        if self.is_dynamic:
            return []
        out = []
        if not self.match_acl:
            out.append("match address")
        if not self.peers:
            out.append("set peer")
        if not self.transform_sets and not self.ikev2_proposals:
            out.append("transform-set")
        return out


@dataclass
class Ikev2Proposal:
    """IOS `crypto ikev2 proposal NAME`, or an ASA `crypto ikev2 policy N` (which carries its
    proposal inline).  Canonical names: encryption aes | aes-192 | aes-256 | 3des | des,
    integrity sha1 | sha256 | sha384 | sha512 | md5."""

    name: str
    encryption: list[str] = field(default_factory=list)
    integrity: list[str] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    prf: list[str] = field(default_factory=list)
    lifetime: int = 86400  # ASA policy `lifetime seconds N`

    def offers(self) -> set[tuple[str, str, int]]:
        return {(e, i, g) for e in self.encryption for i in self.integrity for g in self.groups}


@dataclass
class IpsecProposal:
    """ASA `crypto ipsec ikev2 ipsec-proposal NAME` (ESP encryption / integrity lists,
    stored as the canonical transform names of a transform set)."""

    name: str
    encryption: list[str] = field(default_factory=list)  # esp-aes-256 ...
    integrity: list[str] = field(default_factory=list)  # esp-sha-hmac ...

    def signatures(self) -> set[tuple[tuple[str, ...], str]]:
        return {(tuple(sorted((e, i))), "tunnel") for e in self.encryption for i in self.integrity}


@dataclass
class Ikev2KeyringPeer:
    """IOS `crypto ikev2 keyring K` / ` peer NAME` block."""

    name: str
    address: IPv4Network | None = None
    local_key: str | None = None  # `pre-shared-key local K` (or both from `pre-shared-key K`)
    remote_key: str | None = None


@dataclass
class Ikev2Profile:
    """IOS `crypto ikev2 profile NAME`."""

    name: str
    match_remote: list[IPv4Network] = field(default_factory=list)  # match identity remote address
    match_fqdn: list[str] = field(default_factory=list)  # match identity remote fqdn [domain] NAME: "NAME" / "domain NAME"
    identity_local: str | None = None  # identity local address | fqdn NAME | email NAME | dn (None: address)
    auth_local: str | None = None  # pre-share | rsa-sig
    auth_remote: str | None = None
    keyring: str | None = None  # keyring local NAME
    lifetime: int = 86400


@dataclass
class DynamicMapEntry:
    name: str
    seq: int
    transform_sets: list[str] = field(default_factory=list)
    match_acl: str | None = None
    pfs_group: int | None = None


@dataclass
class MapBinding:
    """A crypto map applied to an interface.  ``inactive_seqs`` are the entries that were
    incomplete when the map was applied: completing such an entry later does not activate
    it until the map is removed and reapplied (seed 000, 'WARNING: crypto map entry
    incomplete').  Entries added complete, or edited, take effect at once."""

    map_name: str
    interface: str  # interface name (IOS) or nameif (ASA)
    inactive_seqs: set[int] = field(default_factory=set)


@dataclass
class TunnelGroup:
    """ASA `tunnel-group NAME type ipsec-l2l` with its ipsec-attributes."""

    name: str
    type: str = "ipsec-l2l"
    psk: str | None = None  # ikev1 pre-shared-key
    ikev2_local_psk: str | None = None  # `ikev2 local-authentication pre-shared-key K`
    ikev2_remote_psk: str | None = None  # `ikev2 remote-authentication pre-shared-key K`
    default_group_policy: str | None = None
    keepalive: tuple[int, int] | None = (10, 2)  # `isakmp keepalive threshold T retry R`; None = disable
    address_pools: list[str] = field(default_factory=list)  # remote access: general-attributes `address-pool`
    ppp_auth: list[str] = field(default_factory=list)  # ppp-attributes `authentication ...` (L2TP)


@dataclass
class GroupPolicy:
    name: str
    vpn_idle_timeout: int | None = 30  # minutes; None = none
    vpn_tunnel_protocol: list[str] = field(default_factory=lambda: ["ikev1"])
    simultaneous_logins: int | None = None  # `vpn-simultaneous-logins N`; None: inherited (default 3)
    split_tunnel_policy: str | None = None  # tunnelall | tunnelspecified | excludespecified
    split_tunnel_acl: str | None = None  # `split-tunnel-network-list value ACL`
    extra: list[str] = field(default_factory=list)  # attributes accepted but not modelled (dns-server ...)


@dataclass
class IpPool:
    """`ip local pool NAME FIRST-LAST mask M` (ASA) / `ip local pool NAME FIRST LAST` (IOS)."""

    name: str
    first: IPv4Address
    last: IPv4Address
    mask: IPv4Address | None = None
    #: IOS: further ranges of the same pool (`ip local pool NAME A B` again with another range)
    more: list[tuple[IPv4Address, IPv4Address]] = field(default_factory=list)

    def ranges(self) -> list[tuple[IPv4Address, IPv4Address]]:
        return [(self.first, self.last), *self.more]

    def addresses(self) -> list[IPv4Address]:
        return [IPv4Address(i) for a, b in self.ranges() for i in range(int(a), int(b) + 1)]


@dataclass
class NetObject:
    name: str
    network: IPv4Network | None = None
    nat_dynamic_interface: tuple[str, str] | None = None  # (real_if, mapped_if) for `nat (...) dynamic interface`


@dataclass
class NatRule:
    """ASA twice-NAT, the form used for NAT exemption:
    `nat (inside,outside) source static SRC SRC destination static DST DST no-proxy-arp route-lookup`."""

    real_if: str
    mapped_if: str
    src_real: str
    src_mapped: str
    dst_real: str | None = None
    dst_mapped: str | None = None
    kind: str = "static"  # static | dynamic
    flags: list[str] = field(default_factory=list)
    hits: int = 0


@dataclass
class IosNat:
    """IOS `ip nat inside source list ACL interface IF overload` (or route-map ACL-based)."""

    acl: str
    interface: str
    overload: bool = True
    route_map: str | None = None


@dataclass
class Route:
    network: IPv4Network
    interface: str | None  # ASA: nameif (always given); IOS: optional exit interface
    next_hop: IPv4Address | None
    distance: int = 1


@dataclass
class DeviceConfig:
    hostname: str
    platform: Platform
    enable_secret: str = ""
    domain_name: str = ""
    interfaces: dict[str, Interface] = field(default_factory=dict)
    isakmp_policies: dict[int, IsakmpPolicy] = field(default_factory=dict)
    isakmp_enabled: set[str] = field(default_factory=set)  # ASA: nameifs with `crypto ikev1 enable`
    isakmp_enabled_global: bool = True  # IOS: `no crypto isakmp enable` turns it off
    isakmp_identity: str = "address"  # address | hostname | auto
    isakmp_keepalive: tuple[int, int] | None = None  # IOS `crypto isakmp keepalive 10 2`
    nat_traversal: int | None = 20  # ASA `crypto isakmp nat-traversal 20`; None = off. IOS: on by default
    isakmp_keys: list[IsakmpKey] = field(default_factory=list)  # IOS
    ikev2_proposals: dict[str, Ikev2Proposal] = field(default_factory=dict)  # IOS proposals
    ikev2_policies: dict[str, list[str]] = field(default_factory=dict)  # IOS policy -> proposal names
    ikev2_asa_policies: dict[int, Ikev2Proposal] = field(default_factory=dict)  # ASA `crypto ikev2 policy N`
    ikev2_enabled: set[str] = field(default_factory=set)  # ASA nameifs with `crypto ikev2 enable`
    ikev2_keyrings: dict[str, dict[str, Ikev2KeyringPeer]] = field(default_factory=dict)  # IOS
    ikev2_profiles: dict[str, Ikev2Profile] = field(default_factory=dict)  # IOS
    ipsec_proposals: dict[str, IpsecProposal] = field(default_factory=dict)  # ASA
    transform_sets: dict[str, TransformSet] = field(default_factory=dict)
    crypto_maps: dict[str, dict[int, CryptoMapEntry]] = field(default_factory=dict)
    crypto_map_client_auth: dict[str, str] = field(default_factory=dict)  # IOS map -> xauth list
    dynamic_maps: dict[str, dict[int, DynamicMapEntry]] = field(default_factory=dict)
    bindings: dict[str, MapBinding] = field(default_factory=dict)  # interface -> binding
    acls: dict[str, Acl] = field(default_factory=dict)
    access_groups: dict[str, str] = field(default_factory=dict)  # ASA nameif -> ACL (in)
    tunnel_groups: dict[str, TunnelGroup] = field(default_factory=dict)
    group_policies: dict[str, GroupPolicy] = field(default_factory=dict)
    objects: dict[str, NetObject] = field(default_factory=dict)
    nat_rules: list[NatRule] = field(default_factory=list)
    ios_nat: list[IosNat] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    sysopt_permit_vpn: bool = True
    sysopt_preserve_vpn_flows: bool = False
    ipsec_sa_lifetime_seconds: int = 3600  # ASA's interpreter sets its default, 28800
    ipsec_sa_lifetime_kb: int = 4608000
    ipsec_idle_time: int | None = None  # IOS `crypto ipsec security-association idle-time`
    replay_window: int = 64
    logging_buffered: bool = True
    users: dict[str, str] = field(default_factory=dict)  # username -> password
    ip_pools: dict[str, IpPool] = field(default_factory=dict)  # remote access address pools
    extra_lines: list[str] = field(default_factory=list)  # accepted but not modelled

    # ---- helpers used by the engine and the renderers

    def interface_by_label(self, label: str) -> Interface | None:
        for itf in self.interfaces.values():
            if itf.label == label or itf.name == label:
                return itf
        return None

    def interface_owning(self, addr: IPv4Address) -> Interface | None:
        for itf in self.interfaces.values():
            if itf.ip is not None and itf.ip.ip == addr:
                return itf
        return None

    def connected(self, addr: IPv4Address) -> Interface | None:
        for itf in self.interfaces.values():
            if itf.ip is not None and not itf.shutdown and addr in itf.ip.network:
                return itf
        return None

    def route_lookup(self, addr: IPv4Address) -> tuple[Interface, IPv4Address | None] | None:
        """Longest-prefix match over connected networks and static routes."""
        best: tuple[int, Interface, IPv4Address | None] | None = None
        itf = self.connected(addr)
        if itf is not None and itf.ip is not None:
            best = (itf.ip.network.prefixlen, itf, None)
        for route in self.routes:
            if addr not in route.network:
                continue
            if best is not None and route.network.prefixlen <= best[0]:
                continue
            out = self.interface_by_label(route.interface) if route.interface else None
            if out is None and route.next_hop is not None:
                out = self.connected(route.next_hop)
            if out is None or out.shutdown:
                continue
            best = (route.network.prefixlen, out, route.next_hop)
        return None if best is None else (best[1], best[2])

    def psk_for(self, peer: IPv4Address) -> str | None:
        """The pre-shared key this device would use with ``peer`` (None: no key)."""
        if self.platform is Platform.ASA:
            group = self.tunnel_groups.get(self.l2l_group_name(peer))
            if group is not None and group.type == "ipsec-l2l":
                return group.psk
            return None
        best: IsakmpKey | None = None
        for key in self.isakmp_keys:
            if peer in key.address and (best is None or key.address.prefixlen > best.address.prefixlen):
                best = key
        return None if best is None else best.key

    def l2l_group_name(self, peer: IPv4Address) -> str:
        """ASA: the tunnel group an L2L peer lands on - the one named by its address, else
        DefaultL2LGroup (seed 000: "Group = DefaultL2LGroup, IP = x.x.x.x, ... probably due
        to mismatched pre-shared key" when the peer's address is not the group's name)."""
        if str(peer) in self.tunnel_groups or "DefaultL2LGroup" not in self.tunnel_groups:
            return str(peer)
        return "DefaultL2LGroup"

    def isakmp_key_entry(self, peer: IPv4Address) -> IsakmpKey | None:
        best: IsakmpKey | None = None
        for key in self.isakmp_keys:
            if peer in key.address and (best is None or key.address.prefixlen > best.address.prefixlen):
                best = key
        return best

    def map_entries(self, map_name: str) -> list[CryptoMapEntry]:
        return [self.crypto_maps[map_name][s] for s in sorted(self.crypto_maps.get(map_name, {}))]

    def binding_for(self, itf: Interface) -> MapBinding | None:
        return self.bindings.get(itf.label)

    def active_entries(self, binding: MapBinding) -> list[CryptoMapEntry]:
        """The entries of a bound map the device really uses, in sequence order."""
        return [
            e for e in self.map_entries(binding.map_name)
            if e.seq not in binding.inactive_seqs and not e.missing()
        ]


# ---------------------------------------------------------------- runtime state


@dataclass
class IkeSa:
    """An ISAKMP (IKEv1) SA, or an attempt at one stuck in an intermediate state."""

    peer: IPv4Address
    local: IPv4Address
    role: str  # initiator | responder
    state: str  # platform string: MM_ACTIVE, MM_WAIT_MSG6, QM_IDLE, MM_NO_STATE, ...
    conn_id: int
    established: bool = False
    encryption: str = ""
    hash: str = ""
    authentication: str = "pre-share"
    group: int = 0
    lifetime: int = 86400
    nat_t: bool = False
    created_at: float = 0.0
    tunnel_group: str | None = None  # ASA: the group the peer landed on
    version: int = 1  # 2: an IKEv2 SA (state READY / IN-NEG); renderers of IKEv1 tables skip it
    prf: str = ""  # IKEv2
    spi_local: int = 0  # IKEv2 IKE SPIs (`show crypto ikev2 sa detail`)
    spi_remote: int = 0
    user: bool = False  # a remote-access client (ASA `Type : user`), not an L2L peer


@dataclass
class SaCounters:
    encaps: int = 0
    decaps: int = 0
    send_errors: int = 0
    recv_errors: int = 0
    replay_failures: int = 0
    frag_needed: int = 0


@dataclass
class IpsecSa:
    """One phase-2 SA pair (inbound + outbound ESP) for one proxy-identity pair."""

    peer: IPv4Address
    local: IPv4Address
    interface: str  # label of the crypto interface
    map_name: str
    seq: int
    local_ident: IPv4Network
    remote_ident: IPv4Network
    spi_in: int
    spi_out: int
    transforms: tuple[str, ...]
    mode: str
    pfs_group: int | None
    lifetime_seconds: int
    lifetime_kb: int
    conn_id: int
    nat_t: bool = False
    counters: SaCounters = field(default_factory=SaCounters)
    created_at: float = 0.0
    context_expired: bool = False  # ASA: outbound VPN context expired (seed 000)
    acl_text: str = ""  # ASA shows the crypto ACL line that created the SA
    ike_version: int = 1  # negotiated by IKEv1 quick mode or an IKEv2 child SA exchange
    username: str | None = None  # remote access: the user of the session
    assigned_ip: IPv4Address | None = None  # remote access: the pool address given to the client
    proto_port: tuple[int, int] | None = None  # proxy identity protocol/port (L2TP: 17/1701)


@dataclass
class LogLine:
    timestamp: float
    text: str  # the message without the timestamp prefix, e.g. "%ASA-4-402101: ..."
    seq: int = 0  # IOS `service sequence-numbers`: the message's number on this device
    debug: bool = False  # a `debug crypto ...` line, not a syslog message


@dataclass
class DebugState:
    """`debug crypto ...` switched on at the exec prompt: the kinds on (IOS `isakmp`,
    `ipsec`; ASA `ikev1`, `ikev2`, `ipsec`) with their level, and the peers of `debug crypto
    condition peer` that scope them (empty: every peer)."""

    kinds: dict[str, int] = field(default_factory=dict)
    peers: set[IPv4Address] = field(default_factory=set)


@dataclass
class DeviceState:
    ike_sas: dict[IPv4Address, IkeSa] = field(default_factory=dict)
    ipsec_sas: list[IpsecSa] = field(default_factory=list)
    logs: list[LogLine] = field(default_factory=list)
    log_seq: int = 0  # the last sequence number given to a log line
    debug: DebugState = field(default_factory=DebugState)
    old_ike_sas: list[IkeSa] = field(default_factory=list)  # rekeyed / deleted IKE SAs still listed
    asp_drops: dict[str, int] = field(default_factory=dict)  # "Expired VPN context (vpn-context-expired)" -> n
    next_conn_id: int = 1
    boot_time: float = 0.0
    logins: int = 0  # successful SSH logins (sweeps must log in once per device)
    commands: list[str] = field(default_factory=list)  # every command line received, in order

    def sas_with(self, peer: IPv4Address) -> list[IpsecSa]:
        return [sa for sa in self.ipsec_sas if sa.peer == peer]


def net(text: str, mask: str | None = None, *, is_wildcard: bool = False) -> IPv4Network:
    """Network from `a.b.c.d m.m.m.m` (netmask, or wildcard with ``is_wildcard``), `any` or a prefix."""
    if text in ("any", "any4"):
        return ANY
    if mask is None:
        return IPv4Network(text, strict=False)
    m = int(IPv4Address(mask))
    if is_wildcard:
        m = 0xFFFFFFFF ^ m
    return IPv4Network(f"{text}/{IPv4Address(m)}", strict=False)


def wildcard(network: IPv4Network) -> str:
    return str(ipaddress.IPv4Address(int(network.hostmask)))
