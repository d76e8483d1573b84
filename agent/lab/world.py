"""The lab world: simulated devices, the paths between their crypto endpoints, a clock.

Everything here is plain data plus small helpers; negotiation and traffic live in
``ike`` and ``traffic``, configuration in ``config_asa`` / ``config_ios``.
"""

from __future__ import annotations

import random
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timezone
from ipaddress import IPv4Address

from agent.lab.model import DeviceConfig, DeviceState, LogLine, Platform
from agent.lab.shell_api import SshFaults

# The simulated wall clock starts here, so outputs are reproducible apart from elapsed time.
EPOCH = datetime(2026, 11, 22, 3, 0, 0, tzinfo=timezone.utc).timestamp()


@dataclass
class PathSpec:
    """What lies between two crypto endpoints."""

    reachable: bool = True  # IP reachability at all (routing on the internet, peer powered)
    udp500: bool = True
    udp4500: bool = True
    esp: bool = True
    nat: bool = False  # a NAT/PAT device between the peers
    reorder: bool = False  # packets reordered in the path (QoS, parallel links)
    mtu: int = 1500
    corrupt: bool = False  # packets corrupted in transit (HMAC failures)


@dataclass
class DeviceFaults:
    """Device-internal conditions a scenario can set (not visible in the configuration)."""

    crypto_bandwidth_limit: bool = False  # ISR G2 CERM cap (IOS)
    crypto_engine_errors: bool = False  # hardware crypto module errors
    expire_vpn_context: bool = False  # new outbound SAs get an expired VPN context (ASA)


class MonitorQueue:
    """Log and debug lines waiting to be printed on one `terminal monitor` session."""

    LIMIT = 1000

    def __init__(self) -> None:
        self.lines: list[LogLine] = []

    def put(self, line: LogLine) -> None:
        self.lines.append(line)
        del self.lines[:-self.LIMIT]

    def take(self) -> list[LogLine]:
        out, self.lines = self.lines, []
        return out


@dataclass
class Device:
    name: str
    config: DeviceConfig
    username: str
    password: str
    state: DeviceState = field(default_factory=DeviceState)
    ssh: SshFaults = field(default_factory=SshFaults)
    faults: DeviceFaults = field(default_factory=DeviceFaults)
    lab: Lab | None = None
    port: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    #: the queues of sessions that run `terminal monitor` (held weakly: a session that ends
    #: without `terminal no monitor` just disappears)
    monitors: weakref.WeakSet[MonitorQueue] = field(default_factory=weakref.WeakSet, repr=False)

    @property
    def platform(self) -> Platform:
        return self.config.platform

    @property
    def hostname(self) -> str:
        return self.config.hostname

    def now(self) -> float:
        return self.lab.now() if self.lab else EPOCH

    def log(self, text: str, *, debug: bool = False) -> None:
        """Append a syslog message (``%FAC-SEV-MNEMONIC: ...`` without the timestamp), or a
        debug line, and copy it to the sessions that run `terminal monitor`."""
        self.state.log_seq += 1
        line = LogLine(self.now(), text, self.state.log_seq, debug)
        self.state.logs.append(line)
        if len(self.state.logs) > 2000:
            del self.state.logs[:500]
        for queue in list(self.monitors):
            queue.put(line)

    def next_conn_id(self) -> int:
        cid = self.state.next_conn_id
        self.state.next_conn_id += 1
        return cid


class Lab:
    """A set of devices sharing one simulated internet between their outside addresses."""

    def __init__(self, seed: int = 1) -> None:
        self.devices: dict[str, Device] = {}
        self.paths: dict[frozenset[IPv4Address], PathSpec] = {}
        self.rng = random.Random(seed)
        self._started = time.monotonic()
        self.offset = 0.0  # seconds added by scenarios that age the lab ("an hour later")
        self.lock = threading.RLock()
        #: a NAT/PAT device in front of a lab device: its own address -> the public one the
        #: other peers see (UDP 500/4500 forwarded to it)
        self.nat: dict[IPv4Address, IPv4Address] = {}

    def now(self) -> float:
        return EPOCH + (time.monotonic() - self._started) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def add(self, device: Device) -> Device:
        if device.name in self.devices:
            raise ValueError(f"duplicate device {device.name!r}")
        device.lab = self
        device.state.boot_time = self.now() - 86400 * 12 - 3600 * 5
        if device.platform is Platform.IOS:
            device.state.next_conn_id = 1001  # IOS numbers ISAKMP conn-ids from 1001
        self.devices[device.name] = device
        return device

    def seen_as(self, addr: IPv4Address) -> IPv4Address:
        """The address the internet sees for ``addr``: behind a NAT/PAT device, its public one."""
        return self.nat.get(addr, addr)

    def real(self, addr: IPv4Address) -> IPv4Address:
        """The device's own address behind a public (NAT) address; other addresses as given."""
        return next((inside for inside, public in self.nat.items() if public == addr), addr)

    def owner_of(self, addr: IPv4Address) -> Device | None:
        addr = self.real(addr)
        for dev in self.devices.values():
            itf = dev.config.interface_owning(addr)
            if itf is not None and not itf.shutdown:
                return dev
        return None

    def set_path(self, a: IPv4Address, b: IPv4Address, spec: PathSpec) -> None:
        self.paths[frozenset((self.seen_as(a), self.seen_as(b)))] = spec

    def path(self, a: IPv4Address, b: IPv4Address) -> PathSpec:
        """The path between two addresses (public ones: a NAT'd device's own address is its
        public one here); unknown pairs are plainly reachable if b exists."""
        spec = self.paths.get(frozenset((self.seen_as(a), self.seen_as(b))))
        if spec is not None:
            return spec
        return PathSpec(reachable=self.owner_of(b) is not None)

    def spi(self) -> int:
        return self.rng.randrange(0x10000000, 0xFFFFFFFF)
