"""Remote-access clients of an ASA headend (seed 003: L2TP over IPsec with the Windows
native client; seed 000: remote access, address pools, simultaneous logins).

A client is not a device of the lab: it is what it proposes (IPsec transport mode for
L2TP, no PFS for the Windows native client, the tunnelling protocol) and who logs in.
``connect`` runs its negotiation against the headend's configuration and leaves on the
headend what a real ASA would show: a ``Type: user`` IKE SA, an L2TP transport-mode SA
with the assigned pool address, or the syslog lines of the step that refused it."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Literal

from agent.lab.ike import ike_enabled
from agent.lab.model import DynamicMapEntry, GroupPolicy, IkeSa, IpsecSa, Platform, TransformSet, TunnelGroup
from agent.lab.syslog import TABLE, message
from agent.lab.world import Device, Lab

DEFAULT_LOGINS = 3  # vpn-simultaneous-logins default (ASA configuration guide)
DEFAULT_GROUP = "DefaultRAGroup"  # pre-shared-key L2TP clients land here (seed 003)

#: what the Windows native L2TP/IPsec client offers in quick mode
NATIVE_CIPHERS = ("esp-aes-256", "esp-aes", "esp-3des", "esp-des")
NATIVE_HASHES = ("esp-sha-hmac", "esp-md5-hmac")


@dataclass(frozen=True)
class Client:
    address: IPv4Address  # the client's public address (what the headend sees)
    user: str
    mode: Literal["transport", "tunnel"] = "transport"  # L2TP/IPsec clients use transport mode
    pfs: bool = False  # the Windows native client does not do PFS
    protocol: str = "l2tp-ipsec"  # the vpn-tunnel-protocol the client needs
    tunnel_group: str = DEFAULT_GROUP


@dataclass(frozen=True)
class Outcome:
    connected: bool
    stage: str  # done | no_headend | protocol | transform_mode | pfs | logins | pool
    assigned: IPv4Address | None = None


@dataclass(frozen=True)
class _Landing:
    """Where remote-access clients land: the crypto interface and the dynamic map entry."""

    interface: str
    local: IPv4Address
    dyn: DynamicMapEntry
    tag: str  # the `Crypto map tag` of the SAs (ASA: the dynamic map; IOS: the crypto map)
    seq: int


def _outside(dev: Device) -> _Landing | None:
    cfg = dev.config
    for binding in cfg.bindings.values():
        itf = cfg.interface_by_label(binding.interface)
        if itf is None or itf.ip is None or not ike_enabled(dev, itf):
            continue
        for entry in cfg.active_entries(binding):
            dyn = cfg.dynamic_maps.get(entry.dynamic_map or "", {})
            if entry.is_dynamic and dyn:
                first = dyn[sorted(dyn)[0]]
                if dev.platform is Platform.ASA:
                    return _Landing(itf.label, itf.ip.ip, first, entry.dynamic_map or "", first.seq)
                return _Landing(itf.label, itf.ip.ip, first, binding.map_name, entry.seq)
    return None


def _default(dev: Device) -> GroupPolicy:
    """ASA's DfltGrpPolicy; an IOS Easy VPN group inherits nothing (no limit by default)."""
    return dev.config.group_policies.get("DfltGrpPolicy") or GroupPolicy("(none)", None, [])


def group_policy(dev: Device, group: TunnelGroup) -> GroupPolicy:
    return dev.config.group_policies.get(group.default_group_policy or "DfltGrpPolicy") or _default(dev)


def protocols(dev: Device, gp: GroupPolicy) -> list[str]:
    """vpn-tunnel-protocol, inherited from DfltGrpPolicy when the policy sets none."""
    return gp.vpn_tunnel_protocol or _default(dev).vpn_tunnel_protocol


def logins_limit(dev: Device, gp: GroupPolicy) -> int | None:
    """vpn-simultaneous-logins (ASA, default 3) / max-logins (IOS, no default: None)."""
    if gp.simultaneous_logins is not None:
        return gp.simultaneous_logins
    dflt = _default(dev).simultaneous_logins
    return dflt if dflt is not None else DEFAULT_LOGINS if dev.platform is Platform.ASA else None


def _acceptable(ts: TransformSet) -> bool:
    return all(t in NATIVE_CIPHERS + NATIVE_HASHES for t in ts.transforms)


def user_sas(dev: Device) -> list[IpsecSa]:
    return [sa for sa in dev.state.ipsec_sas if sa.username is not None]


def free_address(dev: Device, group: TunnelGroup) -> IPv4Address | None:
    used = {sa.assigned_ip for sa in user_sas(dev)}
    for name in group.address_pools:
        pool = dev.config.ip_pools.get(name)
        for addr in pool.addresses() if pool else []:
            if addr not in used:
                return addr
    return None


def connect(lab: Lab, dev: Device, client: Client) -> Outcome:
    """The client dials the headend ``dev`` (an ASA with L2TP/IPsec, or an IOS Easy VPN
    server): main mode, quick mode, then the login and the address."""
    found = _outside(dev)
    group = dev.config.tunnel_groups.get(client.tunnel_group)
    if found is None or group is None or group.type != "remote-access":
        return Outcome(False, "no_headend")
    local, dyn = found.local, found.dyn
    peer, gname = client.address, group.name
    asa = dev.platform is Platform.ASA

    def log(key: str, **values: object) -> None:
        if key in TABLE[dev.platform]:  # only the messages the platform has (no invented IOS wording)
            dev.log(message(dev.platform, key, group=gname, peer=peer, user=client.user, local=local, **values))

    ike = IkeSa(peer, local, "responder", "MM_ACTIVE" if asa else "QM_IDLE", dev.next_conn_id(), established=True,
                encryption="3des", hash="sha", group=2, created_at=dev.now(), tunnel_group=gname, user=True)
    dev.state.ike_sas[peer] = ike
    log("ra_p1_complete")
    gp = group_policy(dev, group)
    if client.protocol not in protocols(dev, gp):
        log("ra_conflict")
        del dev.state.ike_sas[peer]
        return Outcome(False, "protocol")
    sets = [dev.config.transform_sets[n] for n in dyn.transform_sets if n in dev.config.transform_sets]
    usable = [ts for ts in sets if _acceptable(ts)]
    chosen = next((ts for ts in usable if ts.mode == client.mode), None)
    if chosen is None:
        if usable:
            log("ra_p2_attr", cls="Encapsulation Mode", rcvd=client.mode.capitalize(), cfgd=usable[0].mode.capitalize())
        log("ra_proposals")
        return Outcome(False, "transform_mode")
    if dyn.pfs_group is not None and not client.pfs:
        log("ra_p2_attr", cls="Group Description", rcvd="Unknown", cfgd=f"Group {dyn.pfs_group}")
        log("ra_proposals")
        return Outcome(False, "pfs")
    limit = logins_limit(dev, gp)
    if limit is not None and sum(1 for sa in user_sas(dev) if sa.username == client.user) >= limit:
        log("ra_logins", policy=gp.name, limit=limit)
        del dev.state.ike_sas[peer]
        return Outcome(False, "logins")
    addr = free_address(dev, group)
    if addr is None:
        log("ra_ipaa", session=ike.conn_id)
        log("ra_no_address")
        del dev.state.ike_sas[peer]
        return Outcome(False, "pool")
    l2tp = client.protocol == "l2tp-ipsec"  # L2TP: host-to-host UDP 1701; Easy VPN: any to the pool address
    sa = IpsecSa(
        peer=peer, local=local, interface=found.interface, map_name=found.tag, seq=found.seq,
        local_ident=IPv4Network(f"{local}/32") if l2tp else IPv4Network("0.0.0.0/0"),
        remote_ident=IPv4Network(f"{peer}/32") if l2tp else IPv4Network(f"{addr}/32"),
        spi_in=lab.spi(), spi_out=lab.spi(), transforms=chosen.transforms, mode=chosen.mode, pfs_group=None,
        lifetime_seconds=3600, lifetime_kb=250000, conn_id=ike.conn_id, created_at=dev.now(),
        username=client.user, assigned_ip=addr, proto_port=(17, 1701) if l2tp else None,
    )
    sa.counters.encaps, sa.counters.decaps = 29, 118  # PPP/L2TP control and the user's first packets
    dev.state.ipsec_sas.append(sa)
    log("ra_p2_complete")
    log("ra_address", assigned=addr)
    return Outcome(True, "done", addr)
