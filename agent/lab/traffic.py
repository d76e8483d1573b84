"""Packets through the lab: routing, NAT, crypto map matching, ESP across the path, and
the devices' own `ping`.  Interesting traffic is what starts IKE (seed 000: "send
interesting traffic"); the first packet of a new tunnel is lost while it negotiates."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from agent.lab import ike, ikev2
from agent.lab.model import AclEntry, CryptoMapEntry, Interface, IpsecSa, Platform
from agent.lab.syslog import message
from agent.lab.world import Device, Lab

ESP_OVERHEAD = 58
EXPIRED_CONTEXT = "Expired VPN context (vpn-context-expired)"
# The protected networks are RFC 1918 and are not routed on the simulated internet.
PRIVATE = [IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16")]


@dataclass
class Hop:
    """Where a packet ended up: delivered to ``device`` (whose inside host or own address
    is the destination), with the source address it carried when it arrived."""

    ok: bool
    device: Device | None = None
    src: IPv4Address | None = None
    reason: str = ""


def _translate(dev: Device, src: IPv4Address, dst: IPv4Address, ingress: Interface | None, egress: Interface) -> IPv4Address:
    """Source NAT as the device would apply it: exemption (identity NAT / deny in the NAT
    ACL) first, then dynamic PAT to the egress interface."""
    cfg = dev.config
    if ingress is None or egress.ip is None:
        return src
    if cfg.platform is Platform.ASA:
        for rule in cfg.nat_rules:
            if rule.real_if != ingress.label or rule.mapped_if != egress.label or rule.kind != "static":
                continue
            s_obj = cfg.objects.get(rule.src_real)
            d_obj = cfg.objects.get(rule.dst_real or "")
            if s_obj and s_obj.network and src in s_obj.network and (d_obj is None or (d_obj.network and dst in d_obj.network)):
                rule.hits += 1
                return src
        for obj in cfg.objects.values():
            if obj.nat_dynamic_interface and obj.network and src in obj.network:
                real_if, mapped_if = obj.nat_dynamic_interface
                if real_if in (ingress.label, "any") and mapped_if in (egress.label, "any"):
                    return egress.ip.ip
        return src
    if ingress.nat_role != "inside" or egress.nat_role != "outside":
        return src
    for ios_rule in cfg.ios_nat:
        acl = cfg.acls.get(ios_rule.acl)
        if acl is not None and acl.permits(src, dst):
            return egress.ip.ip
    return src


def _find_sa(dev: Device, map_name: str, seq_peers: list[IPv4Address], src: IPv4Address, dst: IPv4Address) -> IpsecSa | None:
    for sa in dev.state.ipsec_sas:
        if sa.map_name == map_name and sa.peer in seq_peers and src in sa.local_ident and dst in sa.remote_ident:
            return sa
    return None


def forward(lab: Lab, dev: Device, src: IPv4Address, dst: IPv4Address, ingress: Interface | None, size: int = 100, df: bool = False) -> Hop:
    """Forward one packet that entered ``dev`` on ``ingress`` (None: the device's own)."""
    cfg = dev.config
    if cfg.interface_owning(dst) is not None:
        return Hop(True, dev, src)
    route = cfg.route_lookup(dst)
    if route is None:
        return Hop(False, reason=f"{dev.name}: no route to {dst}")
    egress, _next_hop = route
    if egress.ip is not None and dst in egress.ip.network and (ingress is None or egress is not ingress):
        binding = cfg.binding_for(egress)
        if binding is None:
            return Hop(True, dev, src)  # a host on a connected network answers
    src2 = _translate(dev, src, dst, ingress, egress)
    binding = cfg.binding_for(egress)
    if binding is not None and egress.ip is not None:
        entries = [e for e in cfg.active_entries(binding) if not e.is_dynamic]
        for entry in entries:
            acl = cfg.acls.get(entry.match_acl or "")
            if acl is None:
                continue
            ace = acl.first_match(src2, dst)
            if ace is None or ace.action != "permit":
                continue
            ace.hits += 1
            overlapping = [
                e for e in entries
                if e is not entry and (other := cfg.acls.get(e.match_acl or "")) is not None and other.permits(src2, dst)
            ]
            if overlapping and dev.platform is Platform.ASA:
                dev.log(message(dev.platform, "key_acquire", map=entry.map_name, seq=overlapping[0].seq))
            return _encrypt(lab, dev, egress, entry, ace, src2, dst, size, df)
        for e in cfg.map_entries(binding.map_name):
            if e.seq in binding.inactive_seqs or e.missing():
                dev.log(message(dev.platform, "map_incomplete", map=e.map_name, seq=e.seq))
                break
    return _cleartext(lab, dev, egress, src2, dst)


def _cleartext(lab: Lab, dev: Device, egress: Interface, src: IPv4Address, dst: IPv4Address) -> Hop:
    """Plain IP out of the outside: reaches another lab device's own address, nothing else
    (the protected networks are private and not routed on the simulated internet)."""
    other = lab.owner_of(dst)
    if other is None or egress.ip is None or any(dst in block for block in PRIVATE):
        return Hop(False, reason=f"{dev.name}: {dst} sent in clear and lost")
    if not lab.path(egress.ip.ip, dst).reachable:
        return Hop(False, reason=f"{dev.name}: {dst} unreachable")
    return Hop(True, other, src)


def _encrypt(
    lab: Lab, dev: Device, egress: Interface, entry: CryptoMapEntry, ace: AclEntry, src: IPv4Address,
    dst: IPv4Address, size: int, df: bool,
) -> Hop:
    sa = _find_sa(dev, entry.map_name, entry.peers, src, dst)
    if sa is None:
        acl_text = f"access-list {entry.match_acl} extended {ace.text}" if dev.platform is Platform.ASA else ace.text
        start = ikev2.initiate if entry.uses_ikev2 else ike.initiate
        start(lab, dev, egress, entry, ike.Proposal(ace.src, ace.dst, entry, acl_text))
        return Hop(False, reason=f"{dev.name}: negotiating with {entry.peers}")
    if sa.context_expired:
        dev.state.asp_drops[EXPIRED_CONTEXT] = dev.state.asp_drops.get(EXPIRED_CONTEXT, 0) + 1
        return Hop(False, reason=f"{dev.name}: expired VPN context")
    if dev.faults.crypto_engine_errors:
        sa.counters.send_errors += 1
        dev.log(message(dev.platform, "hw_error", spi=sa.spi_out, peer=sa.peer))
        return Hop(False, reason=f"{dev.name}: crypto engine error")
    path = lab.path(sa.local, sa.peer)
    if size > 1024 and dev.platform is Platform.ASA:
        dev.log(message(dev.platform, "large_icmp", src=src, dst=dst, itf=egress.label))
    if size + ESP_OVERHEAD > min(path.mtu, egress.mtu):
        if df:
            sa.counters.frag_needed += 1
            dev.log(message(dev.platform, "frag_needed", size=size, itf=egress.label, mtu=min(path.mtu, egress.mtu) - ESP_OVERHEAD, peer=sa.peer, local=sa.local, src=src, dst=dst))
            return Hop(False, reason=f"{dev.name}: packet too big with DF set")
    if dev.faults.crypto_bandwidth_limit and dev.platform is Platform.IOS:
        dev.log(message(dev.platform, "bw_limit"))
    sa.counters.encaps += 1
    if not path.reachable:
        return Hop(False, reason="path down")
    if sa.nat_t:
        if not path.udp4500:
            return Hop(False, reason="UDP 4500 dropped in the path")
    elif not path.esp:
        return Hop(False, reason="ESP dropped in the path")
    elif path.nat:
        return Hop(False, reason="ESP cannot pass the PAT device without NAT-T")
    other = lab.owner_of(sa.peer)
    if other is None:
        return Hop(False, reason="no device at the peer address")
    return _decrypt(lab, other, sa, src, dst, size)


def _decrypt(lab: Lab, dev: Device, sent: IpsecSa, src: IPv4Address, dst: IPv4Address, size: int) -> Hop:
    cfg = dev.config
    local, peer = lab.real(sent.peer), lab.seen_as(sent.local)  # behind NAT: own vs. public address
    sa = next((s for s in dev.state.ipsec_sas if s.spi_in == sent.spi_out and s.peer == peer), None)
    r_itf = cfg.interface_owning(local)
    seq = sent.counters.encaps
    if sa is None:
        dev.log(message(dev.platform, "invalid_spi", local=local, peer=peer, spi=sent.spi_out, seq=seq, itf=r_itf.label if r_itf else ""))
        return Hop(False, reason=f"{dev.name}: invalid SPI 0x{sent.spi_out:08X}")
    path = lab.path(local, peer)
    if path.corrupt:
        sa.counters.recv_errors += 1
        dev.log(message(dev.platform, "padding", spi=sa.spi_in, seq=seq, peer=peer, local=local))
        return Hop(False, reason="corrupted in transit")
    if path.reorder and seq % 3 == 0:
        sa.counters.replay_failures += 1
        sa.counters.recv_errors += 1
        dev.log(message(dev.platform, "replay", spi=sa.spi_in, seq=max(seq - 2, 1), peer=peer, local=local, conn_id=sa.conn_id))
        return Hop(False, reason="anti-replay check failed")
    if not (src in sa.remote_ident and dst in sa.local_ident):
        dev.log(message(dev.platform, "not_policy", spi=sa.spi_in, seq=seq, peer=peer, local=local))
        return Hop(False, reason="inner packet does not match the SA")
    sa.counters.decaps += 1
    if cfg.platform is Platform.ASA and not cfg.sysopt_permit_vpn and r_itf is not None:
        acl_name = cfg.access_groups.get(r_itf.label)
        acl = cfg.acls.get(acl_name or "")
        if acl is None or not acl.permits(src, dst):
            dev.log(message(dev.platform, "acl_deny", src=src, dst=dst, acl=acl_name or "outside_access_in"))
            return Hop(False, reason=f"{dev.name}: decrypted packet denied by the outside ACL")
    return forward(lab, dev, src, dst, r_itf, size)


def echo(lab: Lab, dev: Device, src: IPv4Address, dst: IPv4Address, size: int = 100, df: bool = False) -> Hop:
    """One ICMP echo from ``src`` (an address of ``dev``'s) to ``dst`` and its reply."""
    ingress = dev.config.connected(src)
    if dev.config.interface_owning(src) is not None:
        ingress = dev.config.interface_owning(src)
    out = forward(lab, dev, src, dst, ingress, size, df)
    if not out.ok or out.device is None or out.src is None:
        return out
    far = out.device
    far_in = far.config.connected(dst) or far.config.interface_owning(dst)
    back = forward(lab, far, dst, out.src, far_in, size, df)
    if not back.ok or back.device is not dev:
        return Hop(False, reason=back.reason or f"reply from {dst} lost")
    return back


def ping(lab: Lab, dev: Device, src: IPv4Address, dst: IPv4Address, count: int = 5, size: int = 100, df: bool = False) -> list[bool]:
    with lab.lock:
        return [echo(lab, dev, src, dst, size, df).ok for _ in range(count)]
