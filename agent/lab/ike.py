"""IKEv1 main mode and quick mode between two simulated devices, computed from both
configurations and the path between them, and the clear commands that undo them.

The outcome of each step follows the seeds: which side stops in which state, and what
each side logs (seed 001 "show crypto isakmp sa" states; seed 000 phase 1 / phase 2
sections).  State strings differ per platform; see ``STATES``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from agent.lab.debug import proposal_request, say
from agent.lab.model import CryptoMapEntry, DynamicMapEntry, IkeSa, Interface, IpsecSa, Platform, TransformSet
from agent.lab.world import Device, Lab


class Stop(str, enum.Enum):
    """Where main mode stopped, seen from the initiator."""

    NO_REPLY = "no_reply"  # waiting for MM2
    NO_PROPOSAL = "no_proposal"  # responder rejected every proposal
    NO_KEY = "no_key"  # responder has no key for us: waiting for MM4
    KEY_MISMATCH = "key_mismatch"  # waiting for MM6
    REJECTED = "rejected"  # responder aborted after MM5 (identity, tunnel-group policy)
    XAUTH = "xauth"  # responder wants XAUTH from an L2L peer
    DONE = "done"


# Initiator and responder state strings per platform and stop point.
STATES: dict[Platform, dict[str, str]] = {
    Platform.ASA: {
        "i_no_reply": "MM_WAIT_MSG2",
        "i_no_proposal": "MM_WAIT_MSG2",
        "i_no_key": "MM_WAIT_MSG4",
        "i_key_mismatch": "MM_WAIT_MSG6",
        "i_rejected": "MM_WAIT_MSG6",
        "i_xauth": "MM_ACTIVE",
        "i_done": "MM_ACTIVE",
        "r_no_key": "MM_WAIT_MSG3",
        "r_key_mismatch": "MM_WAIT_MSG5",
        "r_rejected": "MM_WAIT_MSG5",
        "r_xauth": "MM_ACTIVE",
        "r_done": "MM_ACTIVE",
    },
    Platform.IOS: {
        "i_no_reply": "MM_NO_STATE",
        "i_no_proposal": "MM_NO_STATE",
        "i_no_key": "MM_SA_SETUP",
        "i_key_mismatch": "MM_KEY_EXCH",
        "i_rejected": "MM_KEY_EXCH",
        "i_xauth": "QM_IDLE",
        "i_done": "QM_IDLE",
        "r_no_proposal": "MM_NO_STATE",
        "r_no_key": "MM_NO_STATE",
        "r_key_mismatch": "MM_KEY_EXCH",
        "r_rejected": "MM_KEY_EXCH",
        "r_xauth": "CONF_XAUTH",
        "r_done": "QM_IDLE",
    },
}


@dataclass
class Proposal:
    local_net: IPv4Network  # initiator's side
    remote_net: IPv4Network
    entry: CryptoMapEntry
    acl_text: str = ""


def ike_enabled(dev: Device, itf: Interface) -> bool:
    cfg = dev.config
    if cfg.platform is Platform.ASA:
        return itf.label in cfg.isakmp_enabled
    return cfg.isakmp_enabled_global


def _set_ike(dev: Device, peer: IPv4Address, local: IPv4Address, role: str, key: str, established: bool) -> IkeSa:
    old = dev.state.ike_sas.get(peer)
    sa = IkeSa(
        peer=peer,
        local=local,
        role=role,
        state=STATES[dev.platform][key],
        conn_id=old.conn_id if old else dev.next_conn_id(),
        established=established,
        created_at=dev.now(),
    )
    dev.state.ike_sas[peer] = sa
    return sa


def _nat_t(lab: Lab, a: Device, b: Device, local: IPv4Address, peer: IPv4Address) -> bool:
    path = lab.path(local, peer)
    if not path.nat:
        return False
    a_on = a.config.nat_traversal is not None
    b_on = b.config.nat_traversal is not None
    return a_on and b_on


def main_mode(lab: Lab, ini: Device, itf: Interface, peer: IPv4Address) -> tuple[Stop, Device | None]:
    """Run main mode from ``ini`` (on ``itf``) to ``peer``; leaves IKE SAs in the states the
    real devices would show and returns where it stopped."""
    assert itf.ip is not None
    own = itf.ip.ip  # the initiator's address; the responder sees it as `local` (behind NAT: the public one)
    local = lab.seen_as(own)
    rpeer = lab.real(peer)  # the responder's own address
    path = lab.path(local, peer)
    resp = lab.owner_of(peer)
    r_itf = resp.config.interface_owning(rpeer) if resp else None
    answers = (
        resp is not None
        and r_itf is not None
        and path.reachable
        and path.udp500
        and ike_enabled(resp, r_itf)
        and resp.config.binding_for(r_itf) is not None
    )
    if not answers or resp is None or r_itf is None:
        _set_ike(ini, peer, own, "initiator", "i_no_reply", False)
        say(ini, "p1_retransmit", peer=peer)
        say(ini, "p1_no_reply", peer=peer, local=own)
        return Stop.NO_REPLY, None

    rplat = resp.platform
    chosen = None
    for rpol in sorted(resp.config.isakmp_policies.values(), key=lambda p: p.priority):
        for ipol in sorted(ini.config.isakmp_policies.values(), key=lambda p: p.priority):
            if ipol.proposal() == rpol.proposal():
                chosen = (ipol, rpol)
                break
        if chosen:
            break
    if chosen is None:
        _set_ike(ini, peer, own, "initiator", "i_no_proposal", False)
        if rplat is Platform.IOS:
            _set_ike(resp, local, rpeer, "responder", "r_no_proposal", False)
        say(ini, "no_proposal_resp", peer=peer)
        say(resp, "no_proposal_local", peer=local)
        return Stop.NO_PROPOSAL, resp

    r_key = resp.config.psk_for(local)
    i_key = ini.config.psk_for(peer)
    if r_key is None or i_key is None:
        _set_ike(ini, peer, own, "initiator", "i_no_key", False)
        if r_key is None:
            say(resp, "no_key", peer=local)
            if rplat is Platform.ASA:
                say(resp, "no_peer_cfg", peer=local)
            else:
                _set_ike(resp, local, rpeer, "responder", "r_no_key", False)
        if i_key is None:
            say(ini, "no_key", peer=peer)
        return Stop.NO_KEY, resp

    if r_key != i_key:
        _set_ike(ini, peer, own, "initiator", "i_key_mismatch", False)
        _set_ike(resp, local, rpeer, "responder", "r_key_mismatch", False)
        say(resp, "psk_mismatch", peer=local, group=resp.config.l2l_group_name(local))
        say(ini, "psk_mismatch_init", peer=peer)
        return Stop.KEY_MISMATCH, resp

    ident = {"auto": "address"}
    if ident.get(ini.config.isakmp_identity, ini.config.isakmp_identity) != ident.get(
        resp.config.isakmp_identity, resp.config.isakmp_identity
    ):
        _set_ike(ini, peer, own, "initiator", "i_rejected", False)
        _set_ike(resp, local, rpeer, "responder", "r_rejected", False)
        say(resp, "identity_mismatch", peer=local)
        say(resp, "identity_stale", peer=local)
        return Stop.REJECTED, resp

    if rplat is Platform.ASA and not _group_policy_allows_ikev1(resp, local):
        _set_ike(ini, peer, own, "initiator", "i_rejected", False)
        _set_ike(resp, local, rpeer, "responder", "r_rejected", False)
        say(resp, "tunnel_group_conflict", peer=local)
        return Stop.REJECTED, resp

    nat_t = _nat_t(lab, ini, resp, local, peer)
    ipol, rpol = chosen
    lifetime = min(ipol.lifetime, rpol.lifetime)
    for dev, other, mine, role, key in (
        (ini, peer, own, "initiator", "i_done"),
        (resp, local, rpeer, "responder", "r_done"),
    ):
        sa = _set_ike(dev, other, mine, role, key, True)
        sa.encryption, sa.hash, sa.group, sa.lifetime = ipol.encryption, ipol.hash, ipol.group, lifetime
        sa.authentication = ipol.authentication
        sa.nat_t = nat_t
        if dev.platform is Platform.ASA:
            sa.tunnel_group = dev.config.l2l_group_name(other)
        say(dev, "p1_complete", peer=other)
    if ipol.lifetime != rpol.lifetime:
        for dev, other in ((ini, peer), (resp, local)):
            say(dev, "rekey_collision", peer=other)

    binding = resp.config.binding_for(r_itf)
    if rplat is Platform.IOS and binding is not None and binding.map_name in resp.config.crypto_map_client_auth:
        key_entry = resp.config.isakmp_key_entry(local)
        if key_entry is not None and not key_entry.no_xauth:
            resp.state.ike_sas[local].state = STATES[rplat]["r_xauth"]
            resp.state.ike_sas[local].established = False
            say(ini, "xauth", peer=peer)
            return Stop.XAUTH, resp
    return Stop.DONE, resp


def _group_policy_allows_ikev1(dev: Device, peer: IPv4Address) -> bool:
    group = dev.config.tunnel_groups.get(str(peer))
    if group is None or group.default_group_policy is None:
        return True
    policy = dev.config.group_policies.get(group.default_group_policy)
    return policy is None or "ikev1" in policy.vpn_tunnel_protocol


def _ts(dev: Device, names: list[str]) -> list[TransformSet]:
    return [dev.config.transform_sets[n] for n in names if n in dev.config.transform_sets]


def _responder_entry(
    resp: Device, r_itf: Interface, ini_addr: IPv4Address, prop: Proposal
) -> tuple[str, CryptoMapEntry | DynamicMapEntry | None]:
    """Which crypto map entry the responder picks for this quick mode: ("ok", entry),
    ("dynamic_first", dyn) when a dynamic entry shadows the peer's static entry, or
    ("proxy", None) when no entry's ACL mirrors the proposal."""
    cfg = resp.config
    binding = cfg.binding_for(r_itf)
    if binding is None:
        return "proxy", None
    entries = cfg.active_entries(binding)
    has_static_for_peer = any(ini_addr in e.peers for e in entries if not e.is_dynamic)
    for entry in entries:
        if entry.is_dynamic:
            dyn_entries = cfg.dynamic_maps.get(entry.dynamic_map or "", {})
            if not dyn_entries:
                continue
            dyn = dyn_entries[sorted(dyn_entries)[0]]
            if has_static_for_peer:
                return "dynamic_first", dyn
            return "ok", dyn
        if ini_addr not in entry.peers or not entry.match_acl:
            continue
        acl = cfg.acls.get(entry.match_acl)
        if acl is None:
            continue
        for src, dst in acl.permitted_pairs():
            if prop.remote_net.subnet_of(src) and prop.local_net.subnet_of(dst):
                return "ok", entry
    return "proxy", None


def quick_mode(lab: Lab, ini: Device, itf: Interface, resp: Device, prop: Proposal) -> IpsecSa | None:
    """Negotiate one phase 2 SA pair for ``prop``; returns the initiator's new SA or None."""
    assert itf.ip is not None
    own = itf.ip.ip
    local = lab.seen_as(own)  # how the responder sees us
    peer = prop.entry.peers[0] if prop.entry.peers else None
    ike = ini.state.ike_sas.get(peer) if peer else None
    if peer is None or ike is None or not ike.established:
        return None
    r_itf = resp.config.interface_owning(lab.real(peer))
    assert r_itf is not None
    msgid = lab.rng.randrange(0x1000, 0xFFFF)
    verdict, r_entry = _responder_entry(resp, r_itf, local, prop)
    lproxy = f"{prop.remote_net.network_address}/{prop.remote_net.netmask}/0/0"
    rproxy = f"{prop.local_net.network_address}/{prop.local_net.netmask}/0/0"
    if verdict == "dynamic_first":
        say(resp, "qm_fsm", peer=local, msgid=msgid)
        say(resp, "qm_remove", peer=local)
        say(resp, "dyn_priority", itf=r_itf.label, src=prop.remote_net.network_address, dst=prop.local_net.network_address, peer=local)
        say(ini, "qm_fsm", peer=peer, msgid=msgid)
        return None
    offered = " ".join(_ts(ini, prop.entry.transform_sets)[0].transforms) if _ts(ini, prop.entry.transform_sets) else "esp-aes"
    request = proposal_request(lab.real(peer), local, prop.remote_net, prop.local_net, offered)
    if verdict == "proxy" or r_entry is None:
        say(resp, "proxy_reject", peer=local, lproxy=lproxy, rproxy=rproxy, itf=r_itf.label, request=request)
        say(ini, "proxy_notify", peer=peer, local=own)
        say(ini, "qm_fsm", peer=peer, msgid=msgid)
        return None

    i_sets = _ts(ini, prop.entry.transform_sets)
    r_sets = _ts(resp, r_entry.transform_sets)
    common = [t for t in i_sets if any(t.signature() == r.signature() for r in r_sets)]
    if not common or prop.entry.pfs_group != r_entry.pfs_group:
        say(resp, "ts_reject", peer=local, request=request)
        if ini.platform is Platform.ASA:
            say(ini, "ts_notify", peer=peer)
        say(ini, "qm_fsm", peer=peer, msgid=msgid)
        return None

    chosen = common[0]
    r_map = r_entry.map_name if isinstance(r_entry, CryptoMapEntry) else _binding_map(resp, r_itf)
    r_seq = r_entry.seq
    secs = min(
        prop.entry.lifetime_seconds or ini.config.ipsec_sa_lifetime_seconds,
        getattr(r_entry, "lifetime_seconds", None) or resp.config.ipsec_sa_lifetime_seconds,
    )
    kb = min(ini.config.ipsec_sa_lifetime_kb, resp.config.ipsec_sa_lifetime_kb)
    spi_a, spi_b = lab.spi(), lab.spi()
    nat_t = ike.nat_t
    i_sa = IpsecSa(
        peer=peer, local=own, interface=itf.label, map_name=prop.entry.map_name, seq=prop.entry.seq,
        local_ident=prop.local_net, remote_ident=prop.remote_net, spi_in=spi_a, spi_out=spi_b,
        transforms=chosen.transforms, mode=chosen.mode, pfs_group=prop.entry.pfs_group,
        lifetime_seconds=secs, lifetime_kb=kb, conn_id=ini.next_conn_id(), nat_t=nat_t,
        created_at=ini.now(), acl_text=prop.acl_text,
    )
    r_acl_text = _acl_text_for(resp, r_entry, prop)
    r_sa = IpsecSa(
        peer=local, local=lab.real(peer), interface=r_itf.label, map_name=r_map, seq=r_seq,
        local_ident=prop.remote_net, remote_ident=prop.local_net, spi_in=spi_b, spi_out=spi_a,
        transforms=chosen.transforms, mode=chosen.mode, pfs_group=r_entry.pfs_group,
        lifetime_seconds=secs, lifetime_kb=kb, conn_id=resp.next_conn_id(), nat_t=nat_t,
        created_at=resp.now(), acl_text=r_acl_text,
    )
    _replace_sa(ini, i_sa)
    _replace_sa(resp, r_sa)
    for dev, sa, other in ((ini, i_sa, peer), (resp, r_sa, local)):
        say(dev, "p2_complete", peer=other, msgid=msgid)
        say(dev, "p2_up", peer=other, local=sa.local, spi=sa.spi_out)
        say(dev, "p2_up_in", peer=other, local=sa.local, spi=sa.spi_in)
    return i_sa


def _binding_map(dev: Device, itf: Interface) -> str:
    binding = dev.config.binding_for(itf)
    return binding.map_name if binding else ""


def _acl_text_for(dev: Device, entry: CryptoMapEntry | DynamicMapEntry, prop: Proposal) -> str:
    if not entry.match_acl or entry.match_acl not in dev.config.acls:
        return ""
    acl = dev.config.acls[entry.match_acl]
    for ace in acl.entries:
        if ace.action == "permit" and prop.remote_net.subnet_of(ace.src) and prop.local_net.subnet_of(ace.dst):
            return f"access-list {acl.name} extended {ace.text}" if dev.platform is Platform.ASA else ace.text
    return ""


def _replace_sa(dev: Device, sa: IpsecSa) -> None:
    dev.state.ipsec_sas = [
        s for s in dev.state.ipsec_sas
        if not (s.peer == sa.peer and s.local_ident == sa.local_ident and s.remote_ident == sa.remote_ident)
    ]
    dev.state.ipsec_sas.append(sa)


def initiate(lab: Lab, dev: Device, itf: Interface, entry: CryptoMapEntry, prop: Proposal) -> IpsecSa | None:
    """Interesting traffic matched ``entry``: bring up phase 1 if needed, then phase 2.
    Backup peers (several `set peer`) are tried in order when one does not answer."""
    for peer in entry.peers:
        ike = dev.state.ike_sas.get(peer)
        resp: Device | None
        if ike is not None and ike.established:
            resp = lab.owner_of(peer)
            assert itf.ip is not None
            r_ike = resp.state.ike_sas.get(lab.seen_as(itf.ip.ip)) if resp is not None else None
            if resp is None or r_ike is None or not r_ike.established:
                # the peer lost its IKE SA (reboot): our phase 2 requests go unanswered
                say(dev, "p1_giveup", peer=peer)
                return None
            stop = Stop.DONE
        else:
            stop, resp = main_mode(lab, dev, itf, peer)
        if stop is Stop.NO_REPLY and peer != entry.peers[-1]:
            continue
        if stop is not Stop.DONE or resp is None:
            return None
        single = Proposal(prop.local_net, prop.remote_net, entry, prop.acl_text)
        single.entry = CryptoMapEntry(**{**entry.__dict__, "peers": [peer]})
        return quick_mode(lab, dev, itf, resp, single)
    return None


# ---------------------------------------------------------------- clearing


def _notify_delete(lab: Lab, dev: Device, sa: IpsecSa) -> None:
    """IKE DELETE for a phase-2 SA: the peer drops its half if the IKE SA still works."""
    ike = dev.state.ike_sas.get(sa.peer)
    other = lab.owner_of(sa.peer)
    if ike is None or not ike.established or other is None or lab.seen_as(sa.local) not in other.state.ike_sas:
        return
    if not lab.path(sa.local, sa.peer).reachable:
        return
    other.state.ipsec_sas = [s for s in other.state.ipsec_sas if s.spi_in != sa.spi_out]


def clear_ipsec(lab: Lab, dev: Device, peer: IPv4Address | None = None, map_name: str | None = None) -> int:
    gone = [
        s for s in dev.state.ipsec_sas
        if (peer is None or s.peer == peer) and (map_name is None or s.map_name == map_name)
    ]
    for sa in gone:
        _notify_delete(lab, dev, sa)
    dev.state.ipsec_sas = [s for s in dev.state.ipsec_sas if s not in gone]
    return len(gone)


def clear_ike(lab: Lab, dev: Device, peer: IPv4Address | None = None, conn_id: int | None = None,
              version: int | None = None) -> int:
    """Delete IKE SAs (of one IKE version when ``version`` is given).  On the ASA this
    tears the whole tunnel down (its IPsec SAs too); on IOS the IPsec SAs stay until they
    expire or are cleared."""
    gone = [
        sa for p, sa in dev.state.ike_sas.items()
        if (peer is None or p == peer) and (conn_id is None or sa.conn_id == conn_id)
        and (version is None or sa.version == version)
    ]
    for sa in gone:
        del dev.state.ike_sas[sa.peer]
        other = lab.owner_of(sa.peer)
        if sa.established and other is not None and lab.path(sa.local, sa.peer).reachable:
            seen = lab.seen_as(sa.local)
            other.state.ike_sas.pop(seen, None)
            if other.platform is Platform.ASA:
                other.state.ipsec_sas = [s for s in other.state.ipsec_sas if s.peer != seen]
        if dev.platform is Platform.ASA:
            clear_ipsec(lab, dev, sa.peer)
            say(dev, "cleared", peer=sa.peer)
    return len(gone)


def reboot(dev: Device) -> None:
    """Power-cycle: every SA and counter is lost without telling the peers."""
    dev.state.ike_sas.clear()
    dev.state.ipsec_sas.clear()
    dev.state.asp_drops.clear()
    dev.state.logs.clear()  # the log buffer is in RAM
    dev.state.log_seq = 0
    dev.state.old_ike_sas.clear()
    dev.state.debug.kinds.clear()  # debugging does not survive a reload
    dev.state.debug.peers.clear()
    dev.state.boot_time = dev.now()
    if dev.platform is Platform.IOS:
        dev.log("%SYS-5-RESTART: System restarted --")
    else:
        dev.log("%ASA-6-199002: Startup completed.  Beginning operation.")
