"""From the inventory to what the collector needs: one ``PeerTarget`` per tunnel peer."""

from __future__ import annotations

from agent.collector import ConnectionSpec, JumpSpec, PeerTarget
from agent.engine.run import ProbeSpec, probe_command
from agent.inventory import Device, Inventory, Tunnel
from agent.sweep.runner import SweepPeer, SweepTunnel


def connection_spec(device: Device) -> ConnectionSpec:
    """Resolve a device's credentials (environment or keyring, read now) and SSH options."""
    creds = device.credentials()
    ssh = device.ssh
    jump = None
    if ssh.jump_host is not None:
        secret = device.jump_password()
        jump = JumpSpec(str(ssh.jump_host.host), ssh.jump_host.port, ssh.jump_host.username,
                        secret.get_secret_value() if secret is not None else "")
    return ConnectionSpec(
        name=device.name,
        platform=device.platform,
        host=str(device.host),
        port=device.port,
        username=creds.username,
        password=creds.password.get_secret_value(),
        secret=creds.secret.get_secret_value() if creds.secret is not None else "",
        conn_timeout=ssh.conn_timeout,
        auth_timeout=ssh.auth_timeout,
        banner_timeout=ssh.banner_timeout,
        read_timeout=ssh.read_timeout,
        known_hosts=str(ssh.known_hosts) if ssh.known_hosts else None,
        host_key_policy=ssh.host_key_policy,
        jump=jump,
    )


def peer_targets(inv: Inventory, tunnel: Tunnel) -> list[PeerTarget]:
    """Both sides of ``tunnel``; a peer that is not ours gets no connection, only its
    crypto endpoint (which tells the engine which SAs on our side belong to it).  A peer
    behind NAT is filtered for by the address this side sees (its ``nat_address``)."""
    targets = []
    for i, peer in enumerate(tunnel.peers):
        other = tunnel.peers[1 - i]
        seen = str(other.nat_address or other.crypto_endpoint)
        nat = str(peer.nat_address) if peer.nat_address is not None else None
        if peer.device is not None:
            dev = inv.device(peer.device)
            targets.append(PeerTarget(dev.name, dev.platform, str(peer.crypto_endpoint), seen, connection_spec(dev),
                                      crypto_map=peer.crypto_map, interface=peer.interface, nat_address=nat))
        else:
            targets.append(PeerTarget(f"peer-{peer.crypto_endpoint}", peer.platform, str(peer.crypto_endpoint),
                                      seen, None, nat_address=nat))
    return targets


def sweep_tunnels(inv: Inventory, tunnels: list[Tunnel]) -> list[SweepTunnel]:
    """Selected tunnels with each device's connection resolved once."""
    specs: dict[str, ConnectionSpec] = {}
    out = []
    for t in tunnels:
        peers = []
        for peer in t.peers:
            nat = str(peer.nat_address) if peer.nat_address is not None else None
            if peer.device is not None:
                if peer.device not in specs:
                    specs[peer.device] = connection_spec(inv.device(peer.device))
                dev = inv.device(peer.device)
                peers.append(SweepPeer(dev.name, dev.platform, str(peer.crypto_endpoint), specs[peer.device], nat))
            else:
                peers.append(SweepPeer(f"peer-{peer.crypto_endpoint}", peer.platform, str(peer.crypto_endpoint), None, nat))
        probe = None
        for peer in sorted(t.peers, key=lambda p: p.device != t.probe_from):
            if peer.device is not None and peer.probe is not None:
                spec = ProbeSpec(peer.device, peer.probe.source_interface, str(peer.probe.target))
                probe = (peer.device, probe_command(inv.device(peer.device).platform, spec))
                break
        hints = t.remote_access.model_dump(exclude_none=True) if t.remote_access is not None else {}
        out.append(SweepTunnel(t.name, (peers[0], peers[1]), probe, t.kind, hints))
    return out
