"""Serve a built lab over SSH on 127.0.0.1 and describe it as an inventory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from agent.collector import ConnectionSpec, PeerTarget
from agent.engine.run import ProbeSpec
from agent.lab.model import Platform
from agent.lab.scenarios import BuiltLab
from agent.lab.server import DeviceEndpoint, LabServerThread
from agent.lab.shell import DeviceShell
from agent.lab.shell_api import Reply, SshFaults
from agent.lab.world import Device

PASSWORD_ENV = "IPSEC_LAB_PASSWORD"
SECRET_ENV = "IPSEC_LAB_SECRET"


@dataclass
class _Creds:
    dev: Device

    def check_password(self, username: str, password: str) -> bool:
        return username == self.dev.username and password == self.dev.password


def _endpoint(dev: Device) -> DeviceEndpoint:
    def login() -> None:
        dev.state.logins += 1

    return DeviceEndpoint(
        name=dev.name,
        shell_factory=lambda username: DeviceShell(dev, username),
        credentials=_Creds(dev),
        faults=dev.ssh,
        on_login=login,
        error_prefix="ERROR: " if dev.platform is Platform.ASA else "",
    )


class _BastionShell:
    """A Linux-like bastion's shell: the lab only needs its port forwarding."""

    def banner(self) -> str:
        return ""

    def prompt(self) -> str:
        return "bastion$ "

    def echo(self) -> bool:
        return True

    def handle_line(self, line: str) -> Reply:
        return Reply(close=line.strip() in ("exit", "logout"))

    def handle_ctrl_z(self) -> Reply:
        return Reply()


@dataclass
class _BastionCreds:
    username: str
    password: str

    def check_password(self, username: str, password: str) -> bool:
        return (username, password) == (self.username, self.password)


class RunningLab:
    """A built lab whose devices listen for SSH; use as a context manager.  With
    ``bastion``, one more endpoint named "bastion" forwards to the devices (a jump host)."""

    def __init__(self, built: BuiltLab, bastion: bool = False) -> None:
        self.built = built
        self.endpoints = [_endpoint(d) for d in built.lab.devices.values()]
        if bastion:
            self.endpoints.append(DeviceEndpoint(
                "bastion", lambda username: _BastionShell(), _BastionCreds("jump", built.secrets.password),
                SshFaults(), allow_forwarding=True,
            ))
        self.server = LabServerThread(self.endpoints)

    def __enter__(self) -> RunningLab:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.server.start()
        for ep in self.endpoints:
            if ep.name in self.built.lab.devices:
                self.built.lab.devices[ep.name].port = ep.port

    def bastion_port(self) -> int:
        return next(ep.port for ep in self.endpoints if ep.name == "bastion")

    def stop(self) -> None:
        self.server.stop()

    def port(self, name: str) -> int:
        return self.built.lab.devices[name].port

    def netmiko_params(self, name: str) -> dict[str, Any]:
        """What a plain netmiko script needs to log into device ``name``."""
        dev = self.built.lab.devices[name]
        return {
            "device_type": dev.platform.value,
            "host": "127.0.0.1",
            "port": dev.port,
            "username": dev.username,
            "password": dev.password,
            "secret": dev.config.enable_secret,
        }

    def targets(self, tunnel: int = 0, **overrides: dict[str, Any]) -> list[PeerTarget]:
        """Both peers of a lab tunnel as collector targets (short timeouts, host key not
        checked: the lab's key is new each run); ``overrides`` per device name."""
        t = self.built.tunnels[tunnel]
        out = []
        for name, mine, nat, other in ((t.a, t.a_endpoint, t.a_nat, t.b_nat or t.b_endpoint),
                                       (t.b, t.b_endpoint, t.b_nat, t.a_nat or t.a_endpoint)):
            nat_address = str(nat) if nat is not None else None
            if name not in self.built.lab.devices:  # a remote-access client: not ours, its address only
                out.append(PeerTarget(name, None, str(mine), str(other), None, nat_address=nat_address))
                continue
            p = self.netmiko_params(name)
            spec = ConnectionSpec(
                name=name, platform=p["device_type"], host=p["host"], port=p["port"], username=p["username"],
                password=p["password"], secret=p["secret"], conn_timeout=5, auth_timeout=5, banner_timeout=5,
                read_timeout=10, host_key_policy="ignore", connect_attempts=2,
            )
            for key, value in overrides.get(name, {}).items():
                setattr(spec, key, value)
            hints = _hints(self.built.lab.devices[name], ("", ""))
            out.append(PeerTarget(name, p["device_type"], str(mine), str(other), spec,
                                  crypto_map=hints.get("crypto_map"), interface=hints.get("interface"),
                                  nat_address=nat_address))
        return out

    def collector_options(self, tunnel: int = 0) -> dict[str, Any]:
        """The ``TunnelCollector`` keywords for a lab tunnel: its kind and remote-access hints."""
        t = self.built.tunnels[tunnel]
        hints = t.remote_access.model_dump(exclude_none=True) if t.remote_access is not None else {}
        return {"kind": t.kind, "remote_access": hints}

    def probe(self, tunnel: int = 0) -> ProbeSpec | None:
        """The scenario's probe: a ping from its probe side's inside interface (None for a
        remote-access tunnel: its client starts the tunnel, the headend has nothing to send)."""
        t = self.built.tunnels[tunnel]
        if t.kind == "remote-access":
            return None
        itf, target = t.a_probe if t.probe_side == "a" else t.b_probe
        return ProbeSpec(t.a if t.probe_side == "a" else t.b, itf, str(target))

    def known_hosts(self) -> str:
        return "\n".join(self.server.known_hosts_lines()) + "\n"

    def inventory(self, known_hosts_file: str | None = None) -> dict[str, Any]:
        """An inventory pointing at the running devices.  Credentials are referenced by
        environment variable names, never written into the file."""
        devices = []
        for dev in self.built.lab.devices.values():
            entry: dict[str, Any] = {
                "name": dev.name,
                "host": "127.0.0.1",
                "port": dev.port,
                "platform": dev.platform.value,
                "username": dev.username,
                "password_env": PASSWORD_ENV,
                "enable_secret_env": SECRET_ENV,
            }
            if known_hosts_file:
                entry["ssh"] = {"known_hosts": known_hosts_file, "host_key_policy": "strict"}
            devices.append(entry)
        tunnels = []
        for t in self.built.tunnels:
            if t.kind == "remote-access":
                tunnels.append(self._ra_tunnel(t))
                continue
            a, b = self.built.lab.devices[t.a], self.built.lab.devices[t.b]
            tunnels.append({
                "name": t.name,
                "peers": [
                    {"device": t.a, "crypto_endpoint": str(t.a_endpoint), **_nat(t.a_nat), **_hints(a, t.a_probe)},
                    {"device": t.b, "crypto_endpoint": str(t.b_endpoint), **_nat(t.b_nat), **_hints(b, t.b_probe)},
                ],
                "probe_from": t.a if t.probe_side == "a" else t.b,
                "tags": ["lab"] + (self.built.scenario.tags if self.built.scenario else []),
            })
        doc: dict[str, Any] = {"devices": devices, "tunnels": tunnels}
        if self.built.scenario is not None:
            doc["lab"] = {"scenario": self.built.scenario.name, "expect": self.built.scenario.expect}
        return doc

    def _ra_tunnel(self, t: Any) -> dict[str, Any]:
        head = self.built.lab.devices[t.a]
        hints = _hints(head, t.a_probe)
        hints.pop("probe", None)
        return {
            "name": t.name,
            "kind": "remote-access",
            "remote_access": t.remote_access.model_dump(exclude_none=True) if t.remote_access is not None else {},
            "peers": [{"device": t.a, "crypto_endpoint": str(t.a_endpoint), **hints},
                      {"crypto_endpoint": str(t.b_endpoint)}],
            "tags": ["lab", "remote-access"] + (self.built.scenario.tags if self.built.scenario else []),
        }

    def env(self) -> dict[str, str]:
        return {PASSWORD_ENV: self.built.secrets.password, SECRET_ENV: self.built.secrets.enable}

    def write_inventory(self, path: Path) -> tuple[Path, Path]:
        """Writes the inventory, a known_hosts file pinning the lab's host key, and a
        0600 env file holding the lab's credentials, to ``source`` before using it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        kh = path.with_suffix(".known_hosts")
        kh.write_text(self.known_hosts(), encoding="utf-8")
        path.write_text(yaml.safe_dump(self.inventory(str(kh.resolve())), sort_keys=False), encoding="utf-8")
        env_file = path.with_suffix(".env")
        fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for k, v in self.env().items():
                fh.write(f"export {k}={v}\n")
        return kh, env_file


def _nat(address: Any) -> dict[str, str]:
    """A peer behind NAT: the inventory's ``nat_address`` (the address the other peer sees)."""
    return {} if address is None else {"nat_address": str(address)}


def _hints(dev: Device, probe: tuple[str, Any]) -> dict[str, Any]:
    cfg = dev.config
    binding = next(iter(cfg.bindings.values()), None)
    hints: dict[str, Any] = {"probe": {"source_interface": probe[0], "target": str(probe[1])}}
    if binding is not None:
        hints["crypto_map"] = binding.map_name
        hints["interface"] = binding.interface
    return hints
