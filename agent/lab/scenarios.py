"""The scenario catalog: two-peer labs with one root cause each, as data.

``catalog.yaml`` names each scenario's pair (asa-asa, asa-ios, ios-ios), the config lines
that differ from ``bases.yaml``, the path between the peers, device and SSH faults, the
setup actions that bring the lab into its state (traffic, a reboot, an aged SA...), the
expected root-cause code from ``shared/diagnoses.md``, and what the seeds say the fault
looks like on each side (``observe``), which the tests assert over SSH."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from ipaddress import IPv4Address
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from agent.lab import config_asa, config_ios, ike, ra, traffic
from agent.lab import noise as noise_layer
from agent.lab.config_common import GLOBAL, ConfigError, Mode
from agent.lab.model import Platform
from agent.lab.shell_api import SshFaults
from agent.lab.syslog import message
from agent.lab.world import Device, DeviceFaults, Lab, PathSpec

Side = Literal["a", "b"]
PAIRS = {"asa-asa": ("asa", "asa"), "asa-ios": ("asa", "ios"), "ios-ios": ("ios", "ios")}
#: remote-access headends: one device (side a) and simulated clients that are not ours
HEADENDS = {"asa-ra": "asa", "ios-ra": "ios"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PathModel(Strict):
    reachable: bool = True
    udp500: bool = True
    udp4500: bool = True
    esp: bool = True
    nat: bool = False
    reorder: bool = False
    mtu: int = 1500
    corrupt: bool = False


class SideObservation(Strict):
    """What one peer shows after the scenario's setup (and the probe, if ``after_probe``)."""

    isakmp_state: str | None = None  # substring of `show crypto isakmp sa`
    ikev2_state: str | None = None  # a status word of `show crypto ikev2 sa` (READY, IN-NEG)
    no_ikev2_sa: bool = False
    no_isakmp_sa: bool = False
    ipsec_sa: bool | None = None  # an IPsec SA exists
    encaps: Literal["zero", "positive"] | None = None
    decaps: Literal["zero", "positive"] | None = None
    log: list[str] = Field(default_factory=list)  # substrings of `show logging`
    asp_drop: str | None = None  # substring of `show asp drop`


class RaObservation(Strict):
    """What a remote-access headend shows of its clients (seed 003 verification)."""

    sessions: int | None = None  # rows of `show vpn-sessiondb detail ra-ikev1-ipsec`
    pool_free: int | None = None  # `show ip local pool NAME` Free column
    transport: bool | None = None  # the user SAs are in transport mode


class Observation(Strict):
    after_probe: bool = True
    ping: Literal["fail", "success"] | None = None
    a: SideObservation = Field(default_factory=SideObservation)
    b: SideObservation = Field(default_factory=SideObservation)
    ra: RaObservation | None = None


class ClientModel(Strict):
    """A remote-access client (not a device of the lab): what it proposes and who logs in."""

    address: str  # its public address
    user: str
    mode: Literal["transport", "tunnel"] = "transport"  # L2TP/IPsec clients propose transport mode
    pfs: bool = False  # the Windows native client does not do PFS
    protocol: str = "l2tp-ipsec"  # `ipsec` for an Easy VPN (Cisco VPN client) user of an IOS headend
    ticket: bool = False  # the user the ticket is about: the tunnel's other peer
    group: str = ra.DEFAULT_GROUP  # the tunnel group / Easy VPN group it connects to


class RaHints(Strict):
    """The inventory hints of a remote-access tunnel (where the users land)."""

    tunnel_group: str = ra.DEFAULT_GROUP
    group_policy: str | None = None
    pool: str | None = None
    user: str | None = None  # the ticket's user (filled in from the ticket's client)


class Scenario(Strict):
    name: str
    pair: Literal["asa-asa", "asa-ios", "ios-ios", "asa-ra", "ios-ra"]
    ike: Literal[1, 2] = 1  # 2: the base is converted to IKEv2 (bases.yaml `ikev2`) before `config`
    expect: str
    summary: str
    reference: str
    config: dict[Side, list[str]] = Field(default_factory=dict)
    path: PathModel = Field(default_factory=PathModel)
    faults: dict[Side, dict[str, bool]] = Field(default_factory=dict)
    ssh: dict[Side, dict[str, Any]] = Field(default_factory=dict)
    setup: list[dict[str, Any]] = Field(default_factory=list)
    probe: Side = "a"
    repair: Literal["clear", "reapply", "none", "probe"] = "none"
    observe: Observation = Field(default_factory=Observation)
    tags: list[str] = Field(default_factory=list)
    clients: list[ClientModel] = Field(default_factory=list)
    remote_access: RaHints | None = None
    #: a side behind a NAT/PAT device: its own outside address (the scenario's config puts it
    #: on the interface); the other peers see it as the base's outside_ip
    nat: dict[Side, str] = Field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "remote-access" if self.pair in HEADENDS else "l2l"

    @property
    def sides(self) -> tuple[Side, ...]:
        """The sides that are devices of the lab (a remote-access lab has the headend only)."""
        return ("a",) if self.pair in HEADENDS else ("a", "b")


class Catalog(Strict):
    scenarios: list[Scenario]


@cache
def _bases() -> dict[str, Any]:
    text = resources.files("agent.lab").joinpath("data/bases.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def catalog() -> dict[str, Scenario]:
    text = resources.files("agent.lab").joinpath("data/catalog.yaml").read_text(encoding="utf-8")
    cat = Catalog.model_validate(yaml.safe_load(text))
    out: dict[str, Scenario] = {}
    for sc in cat.scenarios:
        if sc.name in out:
            raise ValueError(f"duplicate scenario {sc.name}")
        out[sc.name] = sc
    return out


class ScenarioError(ValueError):
    pass


def get(name: str) -> Scenario:
    try:
        return catalog()[name]
    except KeyError:
        known = ", ".join(sorted(catalog()))
        raise ScenarioError(f"unknown scenario {name!r}; known: {known}") from None


@dataclass
class Secrets:
    """Random per-lab credentials and keys: unique strings a leak test can search for."""

    psk: str
    psk_other: str
    username: str
    password: str
    enable: str
    snmp: str = ""  # SNMP community
    radius: str = ""  # RADIUS shared key

    @property
    def all(self) -> dict[str, str]:
        """Every secret by name, for leak tests."""
        return {k: v for k, v in vars(self).items() if k != "username" and v}

    @classmethod
    def generate(cls) -> Secrets:
        return cls(
            psk="psk-" + secrets.token_hex(8),
            psk_other="psk-" + secrets.token_hex(8),
            username="labadmin",
            password="pw-" + secrets.token_hex(8),
            enable="en-" + secrets.token_hex(8),
            snmp="snmp-" + secrets.token_hex(8),
            radius="rad-" + secrets.token_hex(8),
        )


@dataclass
class TunnelInfo:
    name: str
    a: str
    b: str
    a_endpoint: IPv4Address
    b_endpoint: IPv4Address
    a_probe: tuple[str, IPv4Address]  # (source interface, target host)
    b_probe: tuple[str, IPv4Address]
    probe_side: Side
    kind: str = "l2l"  # l2l | remote-access (side b is then a client, not a device)
    remote_access: RaHints | None = None
    a_nat: IPv4Address | None = None  # behind NAT: the address the other peer sees
    b_nat: IPv4Address | None = None


@dataclass
class BuiltLab:
    lab: Lab
    scenario: Scenario | None
    secrets: Secrets
    tunnels: list[TunnelInfo]
    noise_seed: int | None = None  # the seed of the production noise (``noise``), None: a clean lab
    noise: list[noise_layer.NoiseReport] = field(default_factory=list)

    @property
    def sides(self) -> tuple[Side, ...]:
        return self.scenario.sides if self.scenario is not None else ("a", "b")

    def device(self, side_or_name: str) -> Device:
        if side_or_name in ("a", "b") and self.tunnels:
            t = self.tunnels[0]
            return self.lab.devices[t.a if side_or_name == "a" else t.b]
        return self.lab.devices[side_or_name]


def apply_config(dev: Device, lines: list[str] | str, mode: Mode = GLOBAL) -> Mode:
    """Feed CLI lines through the device's interpreter as `configure terminal` would."""
    interp = config_asa if dev.platform is Platform.ASA else config_ios
    if isinstance(lines, str):
        lines = lines.splitlines()
    for line in lines:
        if not line.strip():
            continue
        if line.strip() == "exit":
            mode = GLOBAL
            continue
        try:
            mode, _warnings = interp.apply(dev.config, mode, line)
        except ConfigError as exc:
            raise ScenarioError(f"{dev.name}: config line rejected: {line.strip()!r}: {exc}") from exc
    return mode


def _new_device(kind: str, name: str, values: dict[str, str], sec: Secrets) -> Device:
    interp = config_asa if kind == "asa" else config_ios
    cfg = interp.new_config(name)
    dev = Device(name=name, config=cfg, username=sec.username, password=sec.password)
    cfg.enable_secret = sec.enable
    cfg.users[sec.username] = sec.password
    template = _bases()["devices"][kind]["hq"]
    apply_config(dev, template.format(**values))
    return dev


def side_values(side: Side, hostname: str, sec: Secrets) -> dict[str, str]:
    sides = _bases()["sides"]
    mine, other = sides[side], sides["b" if side == "a" else "a"]
    return {
        **{k: str(v) for k, v in mine.items()},
        "hostname": hostname,
        "peer_ip": str(other["outside_ip"]),
        "psk": sec.psk,
        "psk_other": sec.psk_other,
        "snmp": sec.snmp or "public-" + sec.psk,
        "radius": sec.radius or "radius-" + sec.psk,
    }


def build(name: str, *, sec: Secrets | None = None, seed: int = 7, noise: int | None = None,
          noise_options: noise_layer.NoiseOptions | None = None) -> BuiltLab:
    """A lab in the state scenario ``name`` describes, ready to be served over SSH; with
    ``noise`` (a seed), its devices carry production noise (``agent.lab.noise``)."""
    sc = get(name)
    sec = sec or Secrets.generate()
    if sc.pair in HEADENDS:
        return _build_headend(sc, sec, seed, noise, noise_options)
    lab = Lab(seed=seed)
    kinds = PAIRS[sc.pair]
    names = {"a": _bases()["names"][kinds[0]]["a"], "b": _bases()["names"][kinds[1]]["b"]}
    devices: dict[Side, Device] = {}
    for side, kind in zip(("a", "b"), kinds, strict=True):
        s: Side = side  # type: ignore[assignment]
        devices[s] = _add_side(lab, sc, s, kind, names[s], sec, "ikev2" if sc.ike == 2 else None)
    sides = _bases()["sides"]
    a_ip, b_ip = IPv4Address(sides["a"]["outside_ip"]), IPv4Address(sides["b"]["outside_ip"])
    own = {side: IPv4Address(addr) for side, addr in sc.nat.items()}
    for side, addr in own.items():  # a PAT device in front of the side, UDP 500/4500 forwarded
        lab.nat[addr] = a_ip if side == "a" else b_ip
    lab.set_path(a_ip, b_ip, PathSpec(**{**sc.path.model_dump(), "nat": sc.path.nat or bool(own)}))
    tunnel = TunnelInfo(
        name=f"{names['a']}--{names['b']}",
        a=names["a"], b=names["b"], a_endpoint=own.get("a", a_ip), b_endpoint=own.get("b", b_ip),
        a_probe=(_inside_label(devices["a"]), IPv4Address(sides["b"]["host"])),
        b_probe=(_inside_label(devices["b"]), IPv4Address(sides["a"]["host"])),
        probe_side=sc.probe,
        a_nat=a_ip if "a" in own else None, b_nat=b_ip if "b" in own else None,
    )
    built = BuiltLab(lab, sc, sec, [tunnel])
    _noise(built, noise, {names["a"]: b_ip, names["b"]: a_ip}, noise_options)
    for action in sc.setup:
        run_action(built, action)
    return built


def _noise(built: BuiltLab, seed: int | None, peers: dict[str, IPv4Address | None],
           options: noise_layer.NoiseOptions | None) -> None:
    if seed is None:
        return
    built.noise_seed = seed
    built.noise = noise_layer.apply(built.lab, seed, peers, options or noise_layer.NoiseOptions())


def _add_side(lab: Lab, sc: Scenario, side: Side, kind: str, name: str, sec: Secrets, base: str | None) -> Device:
    """One device of the scenario: the platform's base configuration, then the lines of
    bases.yaml's section ``base`` (IKEv2, a remote-access headend) when given, then the
    scenario's own lines, then its faults."""
    values = side_values(side, name, sec)
    dev = lab.add(_new_device(kind, name, values, sec))
    if base is not None:
        apply_config(dev, _bases()[base][kind].format(**values))
    apply_config(dev, [ln.format(**values) for ln in sc.config.get(side, [])])
    dev.faults = DeviceFaults(**sc.faults.get(side, {}))
    dev.ssh = SshFaults(**sc.ssh.get(side, {}))
    return dev


def _build_headend(sc: Scenario, sec: Secrets, seed: int, noise: int | None,
                   noise_options: noise_layer.NoiseOptions | None) -> BuiltLab:
    """A remote-access lab: the headend (side a, the base ASA plus seed 003's L2TP/IPsec
    configuration and the scenario's lines) and its clients, which dial in at build."""
    lab = Lab(seed=seed)
    kind = HEADENDS[sc.pair]
    name = _bases()["names"][kind]["a"]
    dev = _add_side(lab, sc, "a", kind, name, sec, "remote_access")
    # the noise goes on before the clients dial in: they are the newest events
    options = noise_options or noise_layer.NoiseOptions()
    reports = noise_layer.apply(lab, noise, {name: None}, options) if noise is not None else []
    if not sc.clients:
        raise ScenarioError(f"{sc.name}: a remote-access scenario needs clients")
    for client in sc.clients:
        dial(lab, dev, client)
    user = ticket_client(sc)
    a_ip = IPv4Address(_bases()["sides"]["a"]["outside_ip"])
    here = (_inside_label(dev), IPv4Address(_bases()["sides"]["a"]["host"]))
    tunnel = TunnelInfo(
        name=f"{name}--ra-{user.user}", a=name, b=f"client-{user.address}", a_endpoint=a_ip,
        b_endpoint=IPv4Address(user.address), a_probe=here, b_probe=here, probe_side="a",
        kind="remote-access", remote_access=(sc.remote_access or RaHints()).model_copy(update={"user": user.user}),
    )
    built = BuiltLab(lab, sc, sec, [tunnel])
    built.noise_seed, built.noise = noise, reports
    for action in sc.setup:
        run_action(built, action)
    return built


def dial(lab: Lab, dev: Device, client: ClientModel) -> ra.Outcome:
    """A remote-access client dials the headend ``dev`` (at build, or again after a change)."""
    return ra.connect(lab, dev, ra.Client(IPv4Address(client.address), client.user, client.mode, client.pfs,
                                          client.protocol, client.group))


def ticket_client(sc: Scenario) -> ClientModel:
    """The client the ticket is about (``ticket: true``, else the last one)."""
    return next((c for c in sc.clients if c.ticket), sc.clients[-1])


def _inside_label(dev: Device) -> str:
    for itf in dev.config.interfaces.values():
        if itf.nameif == "inside" or itf.description == "LAN":
            return itf.label
    raise ScenarioError(f"{dev.name}: no inside interface")


def probe(built: BuiltLab, side: str, count: int = 5, size: int = 100, df: bool = False) -> list[bool]:
    """Interesting traffic from ``side``'s inside interface to the far side's host."""
    t = built.tunnels[0]
    dev = built.device(side)
    itf_label, target = t.a_probe if side == "a" else t.b_probe
    itf = dev.config.interface_by_label(itf_label)
    assert itf is not None and itf.ip is not None
    return traffic.ping(built.lab, dev, itf.ip.ip, target, count=count, size=size, df=df)


def run_action(built: BuiltLab, action: dict[str, Any]) -> None:
    """One setup step: ``ping``, ``reboot``, ``clear_alone``, ``expire_child``, ``expire_context``,
    ``idle_teardown``, ``bounce``, ``advance`` (seconds), ``other_tunnels`` ({side, count}),
    ``rekey`` (side)."""
    if len(action) != 1:
        raise ScenarioError(f"a setup step has exactly one action: {action}")
    (verb, arg), = action.items()
    lab = built.lab
    if verb == "ping":
        spec = arg if isinstance(arg, dict) else {"side": arg}
        probe(built, spec["side"], spec.get("count", 5), spec.get("size", 100), spec.get("df", False))
    elif verb == "reboot":
        ike.reboot(built.device(arg))
    elif verb == "clear_alone":
        dev = built.device(arg)
        dev.state.ipsec_sas.clear()
        dev.state.ike_sas.clear()
    elif verb == "expire_child":
        # the child SAs reached their lifetime: both peers drop them, the IKE SAs stay (IKEv2
        # then negotiates new ones with CREATE_CHILD_SA on the next packet)
        for dev in (built.device("a"), built.device("b")):
            dev.state.ipsec_sas.clear()
    elif verb == "expire_context":
        for sa in built.device(arg).state.ipsec_sas:
            sa.context_expired = True
    elif verb == "idle_teardown":
        for side in ("a", "b"):
            dev = built.device(side)
            for peer in list(dev.state.ike_sas):
                dev.log(message(dev.platform, "idle_down", peer=peer))
            dev.state.ike_sas.clear()
            dev.state.ipsec_sas.clear()
    elif verb == "bounce":
        dev = built.device(arg)
        t = built.tunnels[0]
        src, dst = (t.b_probe[1], t.a_probe[1]) if arg == "a" else (t.a_probe[1], t.b_probe[1])
        if dev.state.ike_sas and dev.platform is Platform.ASA and not dev.config.sysopt_preserve_vpn_flows:
            dev.log(message(dev.platform, "tunnel_torn", src=src, dst=dst))
        ike.clear_ike(lab, dev)
        ike.clear_ipsec(lab, dev)
    elif verb == "advance":
        lab.advance(float(arg))
    elif verb == "other_tunnels":  # {side: a, count: 19}: more L2L peers up on the same map
        dev = built.device(arg["side"])
        rng = random.Random(f"{dev.name}:{arg['count']}")
        known = {e.peers[0] for m in dev.config.crypto_maps.values() for e in m.values() if e.peers}
        free = [p for p in noise_layer.PEER_POOL if p not in known and lab.owner_of(p) is None]
        noise_layer.add_other_tunnels(lab, dev, free[: int(arg["count"])], rng, int(arg.get("failing", 0)))
    elif verb == "rekey":  # a phase 1 rekey with the tunnel's peer in progress on this side
        t = built.tunnels[0]
        noise_layer.rekeying(built.device(arg), (t.b_nat or t.b_endpoint) if arg == "a" else (t.a_nat or t.a_endpoint))
    else:
        raise ScenarioError(f"unknown setup action {verb!r}")
