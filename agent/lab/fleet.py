"""Fleet labs: many tunnels across many simulated devices, for sweeps and benchmarks.

Devices alternate ASA / IOS.  Device ``i`` has outside address 100.64.(i // 200).(i % 200 + 1)
and inside network 10.(i // 256).(i % 256).0/24; a tunnel between devices i and j protects
their two inside networks.  Every device keeps ONE crypto map with one entry per tunnel,
as a real hub does, so a device terminates several tunnels on the same map."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from agent.lab import config_asa, config_ios
from agent.lab.model import Platform
from agent.lab.scenarios import BuiltLab, Secrets, TunnelInfo, apply_config, probe
from agent.lab.world import Device, Lab, PathSpec

FAULT_KINDS = ("psk_mismatch", "stale_sa", "esp_blocked", "transform_mismatch", "no_traffic")


@dataclass
class FleetSpec:
    tunnels: int
    devices: int
    faults: dict[int, str] = field(default_factory=dict)  # tunnel index -> kind

    @classmethod
    def parse(cls, text: str) -> FleetSpec:
        """`TUNNELS[:DEVICES]`, e.g. `50:20`; devices default to tunnels // 2 + 1."""
        t, _, d = text.partition(":")
        tunnels = int(t)
        devices = int(d) if d else max(2, tunnels // 2 + 1)
        if tunnels < 1 or devices < 2:
            raise ValueError("a fleet needs at least 1 tunnel and 2 devices")
        if tunnels > devices * (devices - 1) // 2:
            raise ValueError(f"{devices} devices can hold at most {devices * (devices - 1) // 2} tunnels")
        # a few faults spread through the fleet (about 1 in 10 tunnels)
        faults = {i: FAULT_KINDS[(i // 10) % len(FAULT_KINDS)] for i in range(7, tunnels, 10)}
        return cls(tunnels, devices, faults)


def _outside(i: int) -> IPv4Address:
    return IPv4Address(f"100.64.{i // 200}.{i % 200 + 1}")


def _inside(i: int) -> IPv4Network:
    return IPv4Network(f"10.{i // 256}.{i % 256}.0/24")


def _pairs(n_devices: int, n_tunnels: int) -> list[tuple[int, int]]:
    """Spread tunnels evenly: distance 1 ring first, then distance 2, ..."""
    out: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    dist = 1
    while len(out) < n_tunnels:
        for a in range(n_devices):
            b = (a + dist) % n_devices
            key = (min(a, b), max(a, b))
            if a == b or key in seen:
                continue
            seen.add(key)
            out.append(key)
            if len(out) == n_tunnels:
                break
        dist += 1
    return out


def _base_lines(platform: Platform, name: str, i: int) -> list[str]:
    out = _outside(i)
    inside = _inside(i)
    net24 = IPv4Network(f"{out}/24", strict=False)
    gw = net24.network_address + 254
    if platform is Platform.ASA:
        return [
            f"hostname {name}",
            "interface GigabitEthernet0/0", " nameif outside", " security-level 0", f" ip address {out} 255.255.255.0",
            "interface GigabitEthernet0/1", " nameif inside", " security-level 100",
            f" ip address {inside.network_address + 1} 255.255.255.0",
            "object network LOCAL-NET", f" subnet {inside.network_address} 255.255.255.0",
            "object network INSIDE-PAT", f" subnet {inside.network_address} 255.255.255.0",
            " nat (inside,outside) dynamic interface",
            f"route outside 0.0.0.0 0.0.0.0 {gw} 1",
            "crypto ipsec ikev1 transform-set ESP-AES256-SHA esp-aes-256 esp-sha-hmac",
            "crypto ikev1 enable outside",
            "crypto ikev1 policy 10", " authentication pre-share", " encryption aes-256", " hash sha", " group 14",
        ]
    return [
        f"hostname {name}",
        "interface GigabitEthernet0/0", f" ip address {out} 255.255.255.0", " ip nat outside",
        "interface GigabitEthernet0/1", " description LAN", f" ip address {inside.network_address + 1} 255.255.255.0",
        " ip nat inside",
        "crypto isakmp policy 10", " encr aes 256", " hash sha", " authentication pre-share", " group 14",
        "crypto isakmp keepalive 10 2",
        "crypto ipsec transform-set ESP-AES256-SHA esp-aes 256 esp-sha-hmac", " mode tunnel",
        f"ip route 0.0.0.0 0.0.0.0 {gw}",
    ]


def _tunnel_lines(platform: Platform, seq: int, me: int, peer: int, psk: str, transform: str) -> list[str]:
    mine, theirs, peer_ip = _inside(me), _inside(peer), _outside(peer)
    acl = f"VPN-{peer}"
    if platform is Platform.ASA:
        obj = f"REMOTE-{peer}"
        return [
            f"object network {obj}", f" subnet {theirs.network_address} 255.255.255.0",
            f"access-list {acl} extended permit ip {mine.network_address} 255.255.255.0 {theirs.network_address} 255.255.255.0",
            f"nat (inside,outside) source static LOCAL-NET LOCAL-NET destination static {obj} {obj} no-proxy-arp route-lookup",
            f"crypto map OUTSIDE_MAP {seq} match address {acl}",
            f"crypto map OUTSIDE_MAP {seq} set peer {peer_ip}",
            f"crypto map OUTSIDE_MAP {seq} set ikev1 transform-set {transform}",
            f"tunnel-group {peer_ip} type ipsec-l2l",
            f"tunnel-group {peer_ip} ipsec-attributes", f" ikev1 pre-shared-key {psk}",
        ]
    wild = "0.0.0.255"
    return [
        f"crypto isakmp key {psk} address {peer_ip} no-xauth",
        f"ip access-list extended {acl}", f" permit ip {mine.network_address} {wild} {theirs.network_address} {wild}",
        "ip access-list extended NAT-ACL", f" deny ip {mine.network_address} {wild} {theirs.network_address} {wild}",
        f"crypto map VPN-MAP {seq} ipsec-isakmp", f" set peer {peer_ip}", f" set transform-set {transform}",
        f" match address {acl}",
    ]


def build_fleet(spec: FleetSpec, *, sec: Secrets | None = None, seed: int = 11) -> BuiltLab:
    sec = sec or Secrets.generate()
    lab = Lab(seed=seed)
    devices: list[Device] = []
    for i in range(spec.devices):
        platform = Platform.ASA if i % 2 == 0 else Platform.IOS
        name = f"{'asa' if platform is Platform.ASA else 'rtr'}-{i:03d}"
        cfg = (config_asa if platform is Platform.ASA else config_ios).new_config(name)
        cfg.enable_secret = sec.enable
        cfg.users[sec.username] = sec.password
        dev = lab.add(Device(name=name, config=cfg, username=sec.username, password=sec.password))
        apply_config(dev, _base_lines(platform, name, i))
        devices.append(dev)
    pairs = _pairs(spec.devices, spec.tunnels)
    seqs = [10] * spec.devices
    tunnels: list[TunnelInfo] = []
    for k, (a, b) in enumerate(pairs):
        fault = spec.faults.get(k)
        for me, peer in ((a, b), (b, a)):
            dev = devices[me]
            psk = sec.psk_other if fault == "psk_mismatch" and me == b else sec.psk
            transform = "ESP-3DES-MD5" if fault == "transform_mismatch" and me == b else "ESP-AES256-SHA"
            lines = _tunnel_lines(dev.platform, seqs[me], me, peer, psk, transform)
            if transform == "ESP-3DES-MD5":
                ts = ("crypto ipsec ikev1 transform-set ESP-3DES-MD5 esp-3des esp-md5-hmac" if dev.platform is Platform.ASA
                      else "crypto ipsec transform-set ESP-3DES-MD5 esp-3des esp-md5-hmac")
                lines.insert(0, ts)
            apply_config(dev, lines)
            seqs[me] += 10
        da, db = devices[a], devices[b]
        tunnels.append(TunnelInfo(
            name=f"{da.name}--{db.name}", a=da.name, b=db.name, a_endpoint=_outside(a), b_endpoint=_outside(b),
            a_probe=(_inside_label(da), _inside(b).network_address + 10),
            b_probe=(_inside_label(db), _inside(a).network_address + 10),
            probe_side="a",
        ))
        if fault == "esp_blocked":
            lab.set_path(_outside(a), _outside(b), PathSpec(esp=False))
    for i, dev in enumerate(devices):  # apply each device's map last, as an engineer does
        if dev.platform is Platform.ASA:
            apply_config(dev, ["crypto map OUTSIDE_MAP interface outside"])
        else:
            apply_config(dev, ["interface GigabitEthernet0/0", " crypto map VPN-MAP",
                               "ip access-list extended NAT-ACL", f" permit ip {_inside(i).network_address} 0.0.0.255 any",
                               "ip nat inside source list NAT-ACL interface GigabitEthernet0/0 overload"])
    built = BuiltLab(lab, None, sec, tunnels)
    for k, t in enumerate(tunnels):
        fault = spec.faults.get(k)
        if fault == "no_traffic":
            continue
        _probe_tunnel(built, t)
        if fault == "stale_sa":
            peer_dev = lab.devices[t.b]
            peer_dev.state.ipsec_sas = [s for s in peer_dev.state.ipsec_sas if s.peer != t.a_endpoint]
            peer_dev.state.ike_sas.pop(t.a_endpoint, None)
    return built


def _inside_label(dev: Device) -> str:
    return "inside" if dev.platform is Platform.ASA else "GigabitEthernet0/1"


def _probe_tunnel(built: BuiltLab, t: TunnelInfo) -> None:
    one = BuiltLab(built.lab, None, built.secrets, [t])
    probe(one, "a")

