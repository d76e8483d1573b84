"""Minimal concurrent collection from both peers of a tunnel with netmiko.

The demo uses it to show what the devices say; the full collector (inventory, retries,
evidence bundles, redaction) builds on the same calls."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from netmiko import ConnectHandler
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout

COMMANDS: dict[str, list[str]] = {
    "cisco_asa": ["show crypto isakmp sa", "show crypto ipsec sa", "show logging | include 402101|713|752006"],
    "cisco_ios": ["show crypto isakmp sa", "show crypto ipsec sa", "show logging | include CRYPTO"],
}


@dataclass
class DeviceOutputs:
    name: str
    platform: str
    outputs: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


def collect_one(name: str, params: dict[str, Any], commands: Sequence[str]) -> DeviceOutputs:
    result = DeviceOutputs(name, params["device_type"])
    start = time.monotonic()
    try:
        with ConnectHandler(**params, conn_timeout=10, auth_timeout=10, banner_timeout=10) as conn:
            conn.enable()
            for cmd in commands:
                result.outputs[cmd] = str(conn.send_command(cmd, read_timeout=20))
    except NetmikoAuthenticationException:
        result.error = "authentication failed"
    except (NetmikoTimeoutException, ReadTimeout) as exc:
        result.error = f"timeout: {type(exc).__name__}"
    except OSError as exc:
        result.error = f"connection error: {exc.__class__.__name__}"
    result.seconds = time.monotonic() - start
    return result


def collect_pair(targets: dict[str, dict[str, Any]], commands: dict[str, list[str]] | None = None) -> list[DeviceOutputs]:
    """Collect from every target at once (one thread per device)."""
    commands = commands or COMMANDS
    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        futures = [
            pool.submit(collect_one, name, params, commands[params["device_type"]]) for name, params in targets.items()
        ]
        return [f.result() for f in futures]
