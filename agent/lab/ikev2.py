"""IKEv2 between two simulated devices: IKE_SA_INIT (proposals, reachability), then
IKE_AUTH (the initiator's identity against the responder's IKEv2 profiles, pre-shared
keys per direction, the responder's key lookup, and the first
child SA: traffic selectors from the crypto ACLs and the IPsec proposal / transform set).

What each failure leaves behind follows how the devices behave: an initiator with no
answer keeps an IN-NEG SA while it retransmits; a refused proposal or a failed
authentication deletes the half-open SA on both sides and only the logs tell why; a
refused child SA leaves the IKE SA READY with no IPsec SA (also when a dynamic map entry
numbered below the peer's static entry catches the child SA and offers other proposals).  PFS does not apply to the
child SA created in IKE_AUTH (RFC 7296 1.2), so differing `set pfs` lets the tunnel come
up.  Once up, the IPsec SAs are the same objects IKEv1 quick mode makes, so traffic,
counters, clears and reboots act on them through ``ike`` and ``traffic``."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from agent.lab import ike
from agent.lab import ikev2_identity as identity
from agent.lab.model import (
    CryptoMapEntry,
    DeviceConfig,
    DynamicMapEntry,
    IkeSa,
    Ikev2Profile,
    Ikev2Proposal,
    Interface,
    IpsecSa,
    Platform,
)
from agent.lab.syslog_ikev2 import message
from agent.lab.world import Device, Lab

READY, IN_NEG = "READY", "IN-NEG"


# ---------------------------------------------------------------- what each device offers


def ike_offers(cfg: DeviceConfig) -> list[Ikev2Proposal]:
    """IKE_SA_INIT proposals, in preference order (ASA policies by priority; IOS the
    proposals of its policies)."""
    if cfg.platform is Platform.ASA:
        return [cfg.ikev2_asa_policies[p] for p in sorted(cfg.ikev2_asa_policies)]
    names = [n for policy in cfg.ikev2_policies.values() for n in policy]
    return [cfg.ikev2_proposals[n] for n in dict.fromkeys(names) if n in cfg.ikev2_proposals]


def keys_for(cfg: DeviceConfig, peer: IPv4Address, ident: identity.Identity | None = None) -> tuple[str | None, str | None] | None:
    """(local key, remote key) this device uses with ``peer``; None when it has no
    tunnel-group / IKEv2 profile for that peer at all.  ``ident``: the identity the peer
    sent (an IOS responder picks the profile by it)."""
    if cfg.platform is Platform.ASA:
        group = cfg.tunnel_groups.get(str(peer))
        if group is None or group.type != "ipsec-l2l":
            return None
        return group.ikev2_local_psk, group.ikev2_remote_psk
    profile = identity.selected_profile(cfg, peer, ident) if ident is not None else identity.own_profile(cfg, peer)
    if profile is None or profile.keyring is None:
        return None
    ring = cfg.ikev2_keyrings.get(profile.keyring, {})
    matching = [e for e in ring.values() if e.address is not None and peer in e.address]
    if not matching:
        return None
    best = max(matching, key=lambda e: e.address.prefixlen if e.address else -1)
    return best.local_key, best.remote_key


def child_offers(cfg: DeviceConfig, entry: CryptoMapEntry | DynamicMapEntry) -> set[tuple[tuple[str, ...], str]]:
    """ESP transforms the entry proposes or accepts, as (sorted transforms, mode)."""
    out: set[tuple[tuple[str, ...], str]] = set()
    for name in getattr(entry, "ikev2_proposals", []) or []:
        prop = cfg.ipsec_proposals.get(name)
        if prop is not None:
            out |= prop.signatures()
    if cfg.platform is Platform.IOS:
        for name in entry.transform_sets:
            ts = cfg.transform_sets.get(name)
            if ts is not None:
                out.add(ts.signature())
    return out


def enabled(dev: Device, itf: Interface) -> bool:
    """ASA: `crypto ikev2 enable IF`; IOS answers IKEv2 wherever a crypto map is applied."""
    if dev.platform is Platform.ASA:
        return itf.label in dev.config.ikev2_enabled
    return True


def _range(network: IPv4Network) -> str:
    return f"{network.network_address}-{network.broadcast_address}"


def _sa(dev: Device, peer: IPv4Address, local: IPv4Address, role: str, state: str) -> IkeSa:
    old = dev.state.ike_sas.get(peer)
    sa = IkeSa(peer=peer, local=local, role=role, state=state, conn_id=old.conn_id if old else dev.next_conn_id(),
               established=state == READY, created_at=dev.now(), version=2)
    lab = dev.lab
    if lab is not None:
        sa.spi_local, sa.spi_remote = lab.rng.getrandbits(64), lab.rng.getrandbits(64)
    dev.state.ike_sas[peer] = sa
    return sa


def _abort(dev: Device, peer: IPv4Address, local: IPv4Address, error: str, user: str = "Unknown") -> None:
    dev.state.ike_sas.pop(peer, None)
    dev.log(message(dev.platform, "abort", local=local, peer=peer, user=user, error=error))


# ---------------------------------------------------------------- the exchanges


def initiate(lab: Lab, dev: Device, itf: Interface, entry: CryptoMapEntry, prop: ike.Proposal) -> IpsecSa | None:
    """Interesting traffic matched an IKEv2 entry: a child SA on the IKE SA if one is up,
    else IKE_SA_INIT + IKE_AUTH.  Backup peers are tried when one does not answer."""
    assert itf.ip is not None
    local = itf.ip.ip
    for peer in entry.peers:
        single = ike.Proposal(prop.local_net, prop.remote_net, CryptoMapEntry(**{**entry.__dict__, "peers": [peer]}), prop.acl_text)
        resp = lab.owner_of(peer)
        current = dev.state.ike_sas.get(peer)
        if current is not None and current.established and current.version == 2:
            if resp is None or resp.state.ike_sas.get(local) is None:
                dev.log(message(dev.platform, "no_sa", local=local, peer=peer))  # the peer lost its IKE SA
                return None
            return _child(lab, dev, itf, resp, single, create_child=True)
        dev.log(message(dev.platform, "request", local=local, peer=peer, lts=_range(prop.local_net), rts=_range(prop.remote_net)))
        if not _sa_init(lab, dev, itf, peer):
            waiting = dev.state.ike_sas.get(peer)
            if waiting is not None and waiting.state == IN_NEG and peer != entry.peers[-1]:
                continue  # no answer: try the backup peer
            return None
        assert resp is not None
        if not _auth(lab, dev, local, resp, peer):
            return None
        return _child(lab, dev, itf, resp, single, create_child=False)
    return None


def _sa_init(lab: Lab, ini: Device, itf: Interface, peer: IPv4Address) -> bool:
    assert itf.ip is not None
    local = itf.ip.ip
    path = lab.path(local, peer)
    resp = lab.owner_of(peer)
    r_itf = resp.config.interface_owning(peer) if resp else None
    if (resp is None or r_itf is None or not path.reachable or not path.udp500 or not enabled(resp, r_itf)
            or resp.config.binding_for(r_itf) is None):
        _sa(ini, peer, local, "initiator", IN_NEG)  # retransmitting IKE_SA_INIT
        return False
    resp.log(message(resp.platform, "init_request", local=peer, peer=local))
    mine = set().union(*(p.offers() for p in ike_offers(ini.config))) if ike_offers(ini.config) else set()
    chosen = next((p for p in ike_offers(resp.config) if p.offers() & mine), None)
    if chosen is None:
        _abort(resp, local, peer, "Failed to find a matching policy")
        _abort(ini, peer, local, "Received no proposal chosen notify")
        return False
    enc, integ, group = sorted(chosen.offers() & mine)[0]
    lifetime = min([chosen.lifetime] + [p.lifetime for p in ike_offers(ini.config) if (enc, integ, group) in p.offers()])
    nat_t = ike._nat_t(lab, ini, resp, local, peer)
    for dev, other, me, role in ((ini, peer, local, "initiator"), (resp, local, peer, "responder")):
        sa = _sa(dev, other, me, role, IN_NEG)
        sa.encryption, sa.hash, sa.group, sa.prf, sa.lifetime, sa.nat_t = enc, integ, group, integ, lifetime, nat_t
        if dev.platform is Platform.IOS:
            profile = _profile_for(dev.config, other)
            if profile is not None:
                sa.lifetime = profile.lifetime
    return True


def _profile_for(cfg: DeviceConfig, peer: IPv4Address) -> Ikev2Profile | None:
    return next((p for p in cfg.ikev2_profiles.values() if any(peer in n for n in p.match_remote)), None)


def _auth(lab: Lab, ini: Device, local: IPv4Address, resp: Device, peer: IPv4Address) -> bool:
    """IKE_AUTH: the responder verifies the initiator's AUTH with its remote key, then the
    initiator verifies the responder's with its own remote key (keys may differ per
    direction in IKEv2)."""
    idi = identity.sent(ini.config, local, peer)
    r_keys = keys_for(resp.config, local, idi)
    i_keys = keys_for(ini.config, peer)
    if not identity.accepted(resp.config, local, idi):
        # no IKEv2 profile matches the identity the initiator sent
        resp.log(message(resp.platform, "no_profile", local=peer, peer=local))
        _abort(resp, local, peer, "Failed to locate an item in the database")
        _abort(ini, peer, local, "Auth exchange failed")
        return False
    if not r_keys:
        # no tunnel-group / profile for the initiator: the responder cannot authenticate it
        resp.log(message(resp.platform, "no_profile", local=peer, peer=local))
        _abort(resp, local, peer, "Failed to locate an item in the database")
        _abort(ini, peer, local, "Auth exchange failed")
        return False
    i_local = i_keys[0] if i_keys else None
    i_remote = i_keys[1] if i_keys else None
    r_local, r_remote = r_keys
    if i_local is None or r_remote is None or i_local != r_remote:
        _abort(resp, local, peer, "Auth exchange failed", user=str(local))
        _abort(ini, peer, local, "Received AUTHENTICATION_FAILED notify")
        return False
    if r_local is None or i_remote is None or r_local != i_remote:
        # the responder authenticated us and thinks the SA is up until our delete arrives
        _abort(ini, peer, local, "Auth exchange failed", user=str(peer))
        resp.log(message(resp.platform, "down", local=peer, peer=local, reason="Peer Delete"))
        resp.state.ike_sas.pop(local, None)
        return False
    for dev, other, me in ((ini, peer, local), (resp, local, peer)):
        sa = dev.state.ike_sas[other]
        sa.state, sa.established = READY, True
        if dev.platform is Platform.ASA:
            sa.tunnel_group = str(other)
        dev.log(message(dev.platform, "up", local=me, peer=other))
    return True


def _child(lab: Lab, ini: Device, itf: Interface, resp: Device, prop: ike.Proposal, *, create_child: bool) -> IpsecSa | None:
    """The child SA, in IKE_AUTH or in a CREATE_CHILD_SA exchange on the IKE SA."""
    assert itf.ip is not None
    local = itf.ip.ip
    peer = prop.entry.peers[0]
    r_itf = resp.config.interface_owning(peer)
    assert r_itf is not None
    verdict, r_entry = ike._responder_entry(resp, r_itf, local, prop)
    # "dynamic_first": a dynamic entry numbered below the peer's static entry takes the
    # child SA; its proposals (an ASA dynamic entry has no IKEv2 IPsec proposal here) decide
    if verdict not in ("ok", "dynamic_first") or r_entry is None:
        resp.log(message(resp.platform, "ts_reject", local=peer, peer=local, rts=_range(prop.local_net), lts=_range(prop.remote_net)))
        resp.log(message(resp.platform, "abort", local=peer, peer=local, user=str(local), error="There was no IPSEC policy found for received TS"))
        ini.log(message(ini.platform, "abort", local=local, peer=peer, user=str(peer), error="Received TS_UNACCEPTABLE notify"))
        return None
    common = child_offers(ini.config, prop.entry) & child_offers(resp.config, r_entry)
    pfs_ok = not create_child or prop.entry.pfs_group == r_entry.pfs_group
    if not common or not pfs_ok:
        resp.log(message(resp.platform, "abort", local=peer, peer=local, user=str(local), error="Failed to find a matching IPsec proposal"))
        ini.log(message(ini.platform, "abort", local=local, peer=peer, user=str(peer), error="Received NO_PROPOSAL_CHOSEN notify for the child SA"))
        return None
    transforms, mode = sorted(common)[0]
    ike_sa = ini.state.ike_sas[peer]
    secs = min(prop.entry.lifetime_seconds or ini.config.ipsec_sa_lifetime_seconds,
               getattr(r_entry, "lifetime_seconds", None) or resp.config.ipsec_sa_lifetime_seconds)
    kb = min(ini.config.ipsec_sa_lifetime_kb, resp.config.ipsec_sa_lifetime_kb)
    spi_a, spi_b = lab.spi(), lab.spi()
    r_map = r_entry.map_name if isinstance(r_entry, CryptoMapEntry) else ike._binding_map(resp, r_itf)
    i_sa = IpsecSa(peer=peer, local=local, interface=itf.label, map_name=prop.entry.map_name, seq=prop.entry.seq,
                   local_ident=prop.local_net, remote_ident=prop.remote_net, spi_in=spi_a, spi_out=spi_b,
                   transforms=transforms, mode=mode, pfs_group=prop.entry.pfs_group, lifetime_seconds=secs,
                   lifetime_kb=kb, conn_id=ini.next_conn_id(), nat_t=ike_sa.nat_t, created_at=ini.now(),
                   acl_text=prop.acl_text, ike_version=2)
    r_sa = IpsecSa(peer=local, local=peer, interface=r_itf.label, map_name=r_map, seq=r_entry.seq,
                   local_ident=prop.remote_net, remote_ident=prop.local_net, spi_in=spi_b, spi_out=spi_a,
                   transforms=transforms, mode=mode, pfs_group=r_entry.pfs_group, lifetime_seconds=secs,
                   lifetime_kb=kb, conn_id=resp.next_conn_id(), nat_t=ike_sa.nat_t, created_at=resp.now(),
                   acl_text=ike._acl_text_for(resp, r_entry, prop), ike_version=2)
    ike._replace_sa(ini, i_sa)
    ike._replace_sa(resp, r_sa)
    for dev, sa, other in ((ini, i_sa, peer), (resp, r_sa, local)):
        dev.log(message(dev.platform, "child_up", local=sa.local, peer=other, spi=sa.spi_out))
        dev.log(message(dev.platform, "child_up_in", local=sa.local, peer=other, spi=sa.spi_in))
    return i_sa
