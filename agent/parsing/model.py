"""The normalised facts the engine reads, for one peer device. Every field is documented;
states are collapsed to closed enums; every fact points back to the command output it came
from (``source``).

A fact group is wrapped in ``Known``: its ``status`` tells "the device has none"
(EMPTY) from "could not read" (UNPARSED), "not collected" (MISSING) and "the device
rejected the command" (DEVICE_ERROR). ``value`` is None unless the status is OK or EMPTY,
so an unread group can never pass for an empty one."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

from agent.parsing.normalize import IPAddress, IPNetwork

T = TypeVar("T")


class FactStatus(str, Enum):
    OK = "ok"  #: read, something there
    EMPTY = "empty"  #: read, the device has none (no SAs, no such configuration)
    UNPARSED = "unparsed"  #: an output was collected but could not be read
    MISSING = "missing"  #: no command for this group was collected (or none exists on the platform)
    DEVICE_ERROR = "device_error"  #: every command for this group was rejected by the device


@dataclass(frozen=True)
class Source:
    """Where a fact came from: the command as collected and the record's index in that
    command's parse (None when the fact is about the whole output, e.g. defaults)."""

    command: str
    record: int | None = None


@dataclass(frozen=True)
class Known(Generic[T]):
    """A fact group with its reading status.

    value    the facts (a list, or one object); None unless status is OK or EMPTY
    commands the commands that fed this group, in collection order
    raw      their raw outputs, joined, pre-shared keys scrubbed (every finding can quote it)
    notes    why a status is what it is, partial reads, sources that failed"""

    status: FactStatus
    value: T | None = None
    commands: tuple[str, ...] = ()
    raw: str = ""
    notes: tuple[str, ...] = ()

    @property
    def readable(self) -> bool:
        """True when the group was read (OK or EMPTY): ``value`` is then not None."""
        return self.status in (FactStatus.OK, FactStatus.EMPTY)


class Phase1State(str, Enum):
    """IKE SA state collapsed to what it says about the tunnel (mapping in ``states.py``)."""

    ESTABLISHED = "established"  #: MM_ACTIVE, QM_IDLE, AM_ACTIVE, READY
    NEGOTIATING_NO_REPLY = "negotiating_no_reply"  #: MM_NO_STATE, MM_WAIT_MSG2, AG_INIT_EXCH
    NEGOTIATING_KEY = "negotiating_key"  #: MM_SA_SETUP, MM_WAIT_MSG3, MM_WAIT_MSG4
    AUTH_FAILED_OR_PENDING = "auth_failed_or_pending"  #: MM_KEY_EXCH, MM_WAIT_MSG5, MM_WAIT_MSG6
    XAUTH = "xauth"  #: CONF_XAUTH: an L2L peer asked for extended authentication
    OTHER = "other"  #: a state the table does not know (raw state kept)
    UNKNOWN = "unknown"  #: the command does not show a state (IOS `isakmp sa detail` alone)


class Role(str, Enum):
    INITIATOR = "initiator"
    RESPONDER = "responder"
    UNKNOWN = "unknown"


class Mode(str, Enum):
    TUNNEL = "tunnel"
    TRANSPORT = "transport"


@dataclass(frozen=True)
class Phase1:
    """One IKE (phase 1) SA as the device shows it."""

    peer: IPAddress | None  #: the remote IKE endpoint (None when not an address, e.g. a name)
    peer_raw: str  #: the peer as printed
    local: IPAddress | None  #: this device's IKE endpoint, when shown or resolved
    state_raw: str  #: the state as printed (MM_WAIT_MSG6, QM_IDLE, READY...)
    state: Phase1State  #: normalised state
    role: Role  #: who started the SA (ASA Role column; IOS: src is the initiator)
    ike_version: int | None  #: 1 or 2
    conn_id: int | None  #: IOS conn-id / C-id, ASA IKEv2 tunnel-id, ASA IKEv1 index
    status_raw: str = ""  #: IOS status column (ACTIVE, STDBY) / IKEv2 status
    sa_type: str = ""  #: ASA Type (L2L, User)
    encryption: str = ""  #: negotiated cipher when shown (aes-256, aes, 3des)
    hash: str = ""  #: negotiated hash / integrity when shown (sha, md5, sha256)
    authentication: str = ""  #: psk / preshared / rsig, when shown
    dh_group: int | None = None  #: DH group when shown
    lifetime: int | None = None  #: configured lifetime in seconds, when shown
    lifetime_remaining: str = ""  #: remaining lifetime as printed (seconds or hh:mm:ss)
    nat_t: bool | None = None  #: NAT traversal in use (IOS capability N, IKEv2 port 4500)
    source: Source = Source("")
    merged_from: tuple[Source, ...] = ()  #: other records folded in (IOS `detail` by conn-id)


@dataclass(frozen=True)
class Phase2Sa:
    """One IPsec flow (a local/remote proxy identity pair) and its SAs."""

    peer: IPAddress | None  #: current_peer (None when not an address)
    peer_raw: str  #: current_peer as printed
    local_endpoint: IPAddress | None  #: local crypto endpoint
    interface: str  #: crypto interface (IOS name, ASA nameif)
    crypto_map: str  #: crypto map tag
    seq: int | None  #: crypto map sequence number (ASA shows it)
    local_ident: IPNetwork | None  #: local proxy identity
    remote_ident: IPNetwork | None  #: remote proxy identity
    protocol: int | None  #: proxy identity protocol (0 = ip, 47 = gre)
    spi_in: int | None  #: current inbound SPI (None: no SA)
    spi_out: int | None  #: current outbound SPI (None: no SA)
    spis_in: tuple[int, ...]  #: every inbound ESP SPI listed (two during a rekey)
    spis_out: tuple[int, ...]  #: every outbound ESP SPI listed
    encaps: int | None  #: #pkts encaps
    decaps: int | None  #: #pkts decaps
    send_errors: int | None  #: #send errors (IOS detail: summed encaps-failed counters)
    recv_errors: int | None  #: #recv errors (IOS detail: summed decaps/verify/replay-failed counters)
    transform: tuple[str, ...]  #: canonical transforms of the SAs (esp-aes-256, esp-sha-hmac)
    mode: Mode | None  #: tunnel or transport
    pfs_group: int | None  #: PFS DH group (None: no PFS or not shown)
    lifetime_kb: int | None  #: remaining kilobytes of the newest outbound SA
    lifetime_seconds: int | None  #: remaining seconds of the newest outbound SA
    nat_t: bool  #: UDP encapsulation (NAT-T) in use
    acl: str = ""  #: crypto ACL the block came from (ASA prints it)
    complete: bool = True  #: False when the block was cut (truncated output) or filtered without its SA lines
    source: Source = Source("")
    sa_lines: bool = False  #: an "in use settings" line was shown (one per SA: a filtered output's only SA sign)
    decrypts: int | None = None  #: #pkts decrypt (below #pkts decaps: packets that failed decryption)

    @property
    def has_sa(self) -> bool:
        """True when at least one SA (SPI, or a filtered output's "in use settings") exists for this flow."""
        return bool(self.spis_in or self.spis_out or self.spi_out or self.sa_lines)


@dataclass(frozen=True)
class IsakmpPolicy:
    """One IKE policy (ISAKMP protection suite), configuration keywords."""

    priority: int | None
    encryption: str  #: des, 3des, aes, aes-192, aes-256
    hash: str  #: md5, sha, sha256, ...
    authentication: str  #: pre-share, rsa-sig, rsa-encr
    dh_group: int | None
    lifetime: int | None  #: seconds
    ike_version: int = 1
    builtin: bool = False  #: an IOS default suite, not configured
    source: Source = Source("")


@dataclass(frozen=True)
class TransformSet:
    name: str
    transforms: tuple[str, ...]  #: canonical (IOS esp-256-aes and ASA esp-aes-256 -> esp-aes-256)
    mode: Mode | None  #: None when not shown (ASA: tunnel unless "mode transport")
    source: Source = Source("")


@dataclass(frozen=True)
class CryptoMapEntry:
    """One crypto map entry (map + sequence), merged from every line that names it."""

    map_name: str
    seq: int
    peers: tuple[str, ...]  #: set peer, in order (backup peers after the first)
    acl: str | None  #: match address
    transform_sets: tuple[str, ...]  #: IKEv1 transform sets (names)
    pfs_group: int | None  #: set pfs (IOS default group 1, ASA default group 2 when no group)
    dynamic: bool  #: a dynamic-map reference or a dynamic-map entry
    dynamic_map: str | None  #: the dynamic map name ("ipsec-isakmp dynamic NAME")
    interfaces: tuple[str, ...]  #: interfaces the map is bound to
    lifetime_seconds: int | None = None
    lifetime_kb: int | None = None
    incomplete: bool = False  #: IOS shows "incomplete state" (missing peer or ACL)
    ikev2_proposals: tuple[str, ...] = ()  #: ASA `set ikev2 ipsec-proposal` names
    ikev2_profile: str | None = None  #: IOS `set ikev2-profile`
    source: Source = Source("")
    merged_from: tuple[Source, ...] = ()

    @property
    def uses_ikev2(self) -> bool:
        """The entry negotiates with IKEv2 (ASA IKEv2 IPsec proposal, IOS IKEv2 profile)."""
        return bool(self.ikev2_proposals) or bool(self.ikev2_profile)


class AclAction(str, Enum):
    PERMIT = "permit"
    DENY = "deny"


@dataclass(frozen=True)
class AclEntry:
    acl: str  #: access-list name
    action: AclAction
    protocol: str  #: ip, tcp, 47, ...
    src: IPNetwork | None  #: None when an object(-group) or not an address (see src_raw)
    dst: IPNetwork | None
    src_raw: str  #: source as printed (host A, A M, any, object-group X)
    dst_raw: str
    hits: int | None = None
    source: Source = Source("")


@dataclass(frozen=True)
class NatRule:
    """A NAT rule. ``exempt``: an identity twice-NAT (ASA "source static A A destination
    static B B") or an IOS NAT ACL deny line: traffic it matches is not translated."""

    kind: str  #: "twice", "auto" (ASA), "ios"
    real_interface: str
    mapped_interface: str
    source_real: str
    source_mapped: str
    destination_real: str
    destination_mapped: str
    exempt: bool
    acl: str = ""  #: IOS: the NAT ACL
    hits: int | None = None  #: ASA translate_hits
    source_networks: tuple[IPNetwork, ...] = ()  #: source_real resolved (ASA objects, IOS ACL entries)
    destination_networks: tuple[IPNetwork, ...] = ()  #: destination_real resolved
    inactive: bool = False
    source: Source = Source("")


@dataclass(frozen=True)
class NetworkObject:
    """ASA object network / object-group network, with its members resolved to networks
    (nested objects and groups followed; FQDN objects have no networks)."""

    name: str
    kind: str  #: object or object-group
    networks: tuple[IPNetwork, ...]
    fqdn: str = ""
    unresolved: tuple[str, ...] = ()  #: member names that no collected object defines
    source: Source = Source("")


@dataclass(frozen=True)
class GroupPolicy:
    """ASA group-policy (merged from its "internal" line and "attributes" block)."""

    name: str
    idle_timeout: int | None  #: vpn-idle-timeout minutes (None: "none" or not set here)
    session_timeout: int | None
    tunnel_protocols: tuple[str, ...]  #: vpn-tunnel-protocol (ikev1, ikev2, l2tp-ipsec, ...)
    pfs: bool | None = None
    source: Source = Source("")


@dataclass(frozen=True)
class DeviceInfo:
    """`show version`: what the device is and how long it has been up."""

    hostname: str
    version: str
    uptime: str  #: as printed
    uptime_seconds: int | None  #: a recent reboot explains stale SAs on the peer
    reload_reason: str = ""
    source: Source = Source("")


@dataclass(frozen=True)
class Route:
    network: IPNetwork | None
    next_hop: IPAddress | None
    interface: str
    protocol: str  #: S, C, L, O... (config routes: S)
    distance: int | None = None
    source: Source = Source("")


@dataclass(frozen=True)
class InterfaceAddress:
    name: str
    address: IPAddress | None
    status: str = ""  #: up, down, administratively down (when shown)
    crypto_map: str = ""  #: IOS running-config: crypto map applied
    source: Source = Source("")


@dataclass(frozen=True)
class Sysopt:
    """ASA sysopt flags. ``explicit``: read from `show running-config all sysopt` (every
    option printed); otherwise options not printed took their defaults."""

    permit_vpn: bool  #: sysopt connection permit-vpn (default on since ASA 7.0)
    preserve_vpn_flows: bool  #: sysopt connection preserve-vpn-flows (default off)
    reclassify_vpn: bool | None
    tcpmss: int | None
    explicit: bool
    source: Source = Source("")


@dataclass(frozen=True)
class Keepalive:
    """ISAKMP keepalive / DPD: enabled, threshold seconds, retry seconds."""

    enabled: bool
    threshold: int | None = None
    retry: int | None = None


@dataclass(frozen=True)
class TunnelGroup:
    """ASA tunnel-group; IOS isakmp keys and keyring keys are given the same shape
    (type "isakmp-key", name = the key's address or hostname)."""

    name: str
    type: str  #: ipsec-l2l, remote-access, isakmp-key
    has_psk: bool  #: a pre-shared key is configured
    psk_masked: bool  #: the device printed it masked (so no fingerprint)
    psk_fingerprint: str | None  #: HMAC-SHA256 under the run key; None without key or when masked
    keepalive: Keepalive | None  #: None when not configured on the group (platform default)
    group_policy: str = ""
    psk_local_fingerprint: str | None = None  #: IKEv2: the key this device signs with (ASA local-authentication, IOS pre-shared-key [local])
    psk_remote_fingerprint: str | None = None  #: IKEv2: the key it expects from the peer (remote-authentication, [remote])
    source: Source = Source("")


@dataclass(frozen=True)
class Ikev2Profile:
    """IOS `crypto ikev2 profile NAME`: what it matches and the identity it sends."""

    name: str
    match_addresses: tuple[str, ...]  #: match identity remote address: "A M" or "A"
    match_fqdns: tuple[str, ...]  #: match identity remote fqdn [domain] NAME: "NAME" or "domain NAME"
    identity_local: str  #: identity local ...: "address", "fqdn NAME", ... ("" when not stated: address)
    source: Source = Source("")


@dataclass(frozen=True)
class IkeSettings:
    """Global IKE settings."""

    enabled_interfaces: tuple[str, ...]  #: ASA: crypto ikev1|ikev2|isakmp enable IF
    enabled_globally: bool | None  #: IOS: False on "no crypto isakmp enable"; None: not stated (on)
    nat_traversal: bool | None  #: None: not stated (platform default)
    nat_t_keepalive: int | None
    identity: str  #: address, hostname, auto, key-id ("" when not stated: address)
    keepalive: Keepalive | None  #: IOS "crypto isakmp keepalive"
    source: Source = Source("")
    ikev2_interfaces: tuple[str, ...] = ()  #: ASA: crypto ikev2 enable IF
    ikev2_profiles: tuple[Ikev2Profile, ...] = ()  #: IOS: crypto ikev2 profile blocks


@dataclass(frozen=True)
class HostNames:
    """ASA `hostname` and `domain-name`: with `crypto isakmp identity hostname` the ASA
    sends ``fqdn`` as its IKE identity (seed 000)."""

    hostname: str
    domain: str  #: "" when no domain-name is configured
    source: Source = Source("")

    @property
    def fqdn(self) -> str:
        return f"{self.hostname}.{self.domain}" if self.domain else self.hostname


@dataclass(frozen=True)
class LogLine:
    facility: str  #: ASA, CRYPTO, ...
    severity: int | None
    mnemonic: str  #: ASA message number (713119) or IOS mnemonic (IPSEC_SETUP)
    message: str
    timestamp: str  #: as printed
    source: Source = Source("")
    names: tuple[str, ...] = ()  #: the remote addresses the line names (not this device's own)
    peer: str = ""  #: the peer the line is about: named in it, or (debug) the exchange it continues
    at: float | None = None  #: seconds on the clock of ``clock`` (comparable within one buffer)
    clock: str = ""  #: the timestamp's kind: "date", "time", "uptime" ("" when the line has none)
    debug: bool = False  #: a debug line (ISAKMP (0:1): ..., [IKEv1]: ...), not a syslog message

    @property
    def code(self) -> str:
        """%ASA-5-713119 / %CRYPTO-5-IPSEC_SETUP; a debug line's prefix (ISAKMP-ERROR, IPSEC)."""
        if self.debug:
            return self.mnemonic or "debug"
        sev = "" if self.severity is None else str(self.severity)
        return f"%{self.facility}-{sev}-{self.mnemonic}"


@dataclass(frozen=True)
class PingResult:
    target: str
    sent: int | None  #: echoes sent (the denominator of "(4/5)"; IOS may stop early)
    received: int | None
    success_pct: int | None
    source_address: str  #: IOS "source address of"; ASA: the interface named in the command
    complete: bool = True  #: False when the output stops before "Success rate"
    errors: tuple[str, ...] = ()  #: "% No valid route for destination" and the like
    source: Source = Source("")


@dataclass(frozen=True)
class AspDrop:
    """One ASA accelerated-security-path drop counter."""

    section: str  #: "frame" (packet drops) or "flow" (connection drops)
    reason: str  #: the reason code as printed (acl-drop, vpn-handle-error, ...)
    count: int
    description: str = ""
    source: Source = Source("")


@dataclass(frozen=True)
class CryptoSession:
    """IOS `show crypto session`: the device's own one-line verdict per peer."""

    interface: str
    peer: IPAddress | None
    peer_raw: str
    status: str  #: UP-ACTIVE, UP-IDLE, UP-NO-IKE, DOWN-NEGOTIATING, DOWN
    ike_active: bool  #: an IKE SA line says Active
    active_sas: int  #: sum of "Active SAs" over the flows
    source: Source = Source("")


@dataclass(frozen=True)
class PeerFacts:
    """Everything read from one device of a tunnel."""

    platform: str
    phase1: Known[list[Phase1]]
    phase2: Known[list[Phase2Sa]]
    isakmp_policies: Known[list[IsakmpPolicy]]
    transform_sets: Known[list[TransformSet]]
    crypto_maps: Known[list[CryptoMapEntry]]
    acl_entries: Known[list[AclEntry]]
    nat_rules: Known[list[NatRule]]
    routes: Known[list[Route]]
    interfaces: Known[list[InterfaceAddress]]
    sysopt: Known[Sysopt]
    tunnel_groups: Known[list[TunnelGroup]]
    ike: Known[IkeSettings]
    logs: Known[list[LogLine]]
    pings: Known[list[PingResult]]
    sessions: Known[list[CryptoSession]]
    asp_drops: Known[list[AspDrop]]
    objects: Known[list[NetworkObject]]
    group_policies: Known[list[GroupPolicy]]
    device: Known[DeviceInfo]
    names: Known[HostNames]
    unused: tuple[str, ...] = field(default=())  #: collected commands no fact group reads
