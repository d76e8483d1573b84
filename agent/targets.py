"""From the inventory to what the collector needs: one ``PeerTarget`` per tunnel peer."""

from __future__ import annotations

from typing import Any

from agent.collector import ConnectionSpec, JumpSpec, PeerTarget
from agent.inventory import Device, Inventory, Tunnel
from agent.platforms import ProbeSpec, probe_command
from agent.sweep.runner import SweepPeer, SweepTunnel


def collector_kind(tunnel: Tunnel) -> dict[str, Any]:
    """The collector's tunnel kind and remote-access hints (``TunnelCollector(**...)``)."""
    hints = tunnel.remote_access.model_dump(exclude_none=True) if tunnel.remote_access is not None else {}
    return {"kind": tunnel.kind, "remote_access": hints}


def probe_spec(tunnel: Tunnel) -> ProbeSpec | None:
    """Interesting traffic for the tunnel, from the inventory's probe hints (the peer
    ``probe_from`` names first), or None without one."""
    for peer in sorted(tunnel.peers, key=lambda p: p.device != tunnel.probe_from):
        if peer.device and peer.probe is not None:
            return ProbeSpec(peer.device, peer.probe.source_interface, str(peer.probe.target))
    return None


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
        spec = probe_spec(t)
        probe = None if spec is None else (spec.peer, probe_command(inv.device(spec.peer).platform, spec))
        out.append(SweepTunnel(t.name, (peers[0], peers[1]), probe, t.kind, collector_kind(t)["remote_access"]))
    return out
