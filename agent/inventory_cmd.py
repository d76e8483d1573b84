"""`ipsec-agent inventory ...`: check an inventory and show what it describes."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.inventory import Device, Inventory, InventoryError, KeyringRef, TunnelPeer, load_inventory

app = typer.Typer(no_args_is_help=True, help="Check an inventory of devices and tunnels.")
console = Console()


@app.callback()
def _group() -> None:
    """Check an inventory of devices and tunnels."""


def _ref(label: str, env: str | None, ring: KeyringRef | None) -> str | None:
    if env is not None:
        return f"{label} ${env}"
    if ring is not None:
        return f"{label} keyring {ring.service}/{ring.username}"
    return None


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _ssh(dev: Device) -> str:
    parts = [f"host keys {dev.ssh.host_key_policy}"]
    if dev.ssh.known_hosts is not None:
        parts.append(f"known_hosts {dev.ssh.known_hosts}")
    if dev.ssh.jump_host is not None:
        parts.append(f"via {dev.ssh.jump_host.username}@{_address(dev.ssh.jump_host.host, dev.ssh.jump_host.port)}")
    return ", ".join(parts)


def _devices_table(inv: Inventory) -> Table:
    table = Table(title="Devices")
    for col in ("device", "platform", "ssh address", "login", "credentials", "ssh", "tags"):
        table.add_column(col, overflow="fold")
    for dev in inv.devices:
        login = f"${dev.username_env}" if dev.username_env else str(dev.username)
        creds = [_ref("password", dev.password_env, dev.password_keyring),
                 _ref("enable", dev.enable_secret_env, dev.enable_secret_keyring)]
        table.add_row(*(escape(cell) for cell in (
            dev.name, dev.platform, _address(dev.host, dev.port), login,
            ", ".join(c for c in creds if c), _ssh(dev), ", ".join(dev.tags))))
    return table


def _peer(peer: TunnelPeer) -> str:
    who = peer.device if peer.device is not None else f"not ours ({peer.platform or 'platform unknown'})"
    hints = [f"{k} {v}" for k, v in (("map", peer.crypto_map), ("on", peer.interface)) if v]
    if peer.local_networks:
        hints.append("protects " + " ".join(map(str, peer.local_networks)))
    return f"{who} {peer.crypto_endpoint}" + (f" ({', '.join(hints)})" if hints else "")


def _tunnels_table(inv: Inventory) -> Table:
    table = Table(title="Tunnels")
    for col in ("tunnel", "peers", "probe from", "tags", "groups"):
        table.add_column(col, overflow="fold")
    for t in inv.tunnels:
        table.add_row(*(escape(cell) for cell in (
            t.name, "\n".join(_peer(p) for p in t.peers), t.probe_from or "", ", ".join(t.tags), ", ".join(t.groups))))
    return table


@app.command("check")
def inventory_check(
    inventory: Path = typer.Option(..., "-i", "--inventory", help="The inventory YAML file."),
) -> None:
    """Validate an inventory (and that its credential variables are set) and show it."""
    try:
        inv = load_inventory(inventory)
    except InventoryError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None
    console.print(_devices_table(inv))
    console.print(_tunnels_table(inv))
    if inv.lab is not None:
        console.print(f"lab scenario {escape(inv.lab.scenario)}, expected diagnosis {escape(inv.lab.expect)}")
