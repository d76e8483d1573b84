"""The Python API: what the ``ipsec-agent`` command does, callable from a program, with
typed results (``Diagnosis``, ``SweepResult``, ``RemediationOutcome``) and errors that
share one root (``AgentError``).  Nothing here prints or configures logging.

    from agent import diagnose, load_inventory

    inventory = load_inventory("inventory.yaml")
    result = diagnose(inventory, "hq-asa--br-rtr")
    print(result.status.value, result.root_cause.code)

See docs/python-api.md."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from agent.collector import Bundle, TunnelCollector, read_bundle
from agent.engine.model import Diagnosis
from agent.engine.run import diagnose_bundle as _diagnose_bundle
from agent.inventory import Inventory
from agent.inventory import load_inventory as _load_inventory
from agent.live import diagnose_live
from agent.remediate.audit import AuditLog
from agent.remediate.flow import Outcome as RemediationOutcome
from agent.remediate.flow import remediate
from agent.sweep.runner import SweepResult, run_sweep
from agent.targets import collector_kind, peer_targets, probe_spec, sweep_tunnels

__all__ = ["Diagnosis", "Inventory", "RemediationOutcome", "SweepResult", "clear", "diagnose", "diagnose_bundle",
           "load_inventory", "sweep_inventory"]

PathLike = str | os.PathLike[str]
Progress = Callable[[str], None]


def load_inventory(path: PathLike) -> Inventory:
    """Read and check an inventory file (credentials resolved from the environment or the
    keyring now); raises ``agent.inventory.InventoryError`` with every problem found."""
    return _load_inventory(path)


def _inventory(inventory: Inventory | PathLike) -> Inventory:
    return inventory if isinstance(inventory, Inventory) else load_inventory(inventory)


def diagnose(inventory: Inventory | PathLike, tunnel: str, *, probe: bool = True,
             progress: Progress | None = None) -> Diagnosis:
    """Live diagnosis of ``tunnel``: both peers read at once over SSH, the troubleshooting
    tree walked, and (``probe``) interesting traffic sent when the tree asks for it (a
    ping, never a change).  Read-only: a remediation is ``clear``'s job."""
    inv = _inventory(inventory)
    tun = inv.tunnel(tunnel)
    with TunnelCollector(tun.name, peer_targets(inv, tun), **collector_kind(tun)) as collector:
        return diagnose_live(collector, probe_spec(tun), allow_probe=probe, progress=progress).diagnosis


def diagnose_bundle(bundle: Bundle | PathLike, previous: Bundle | PathLike | None = None) -> Diagnosis:
    """Offline diagnosis of an evidence bundle (written by ``ipsec-agent collect`` or
    ``import``), optionally against an earlier read of the same tunnel."""
    def read(b: Bundle | PathLike) -> Bundle:
        return b if isinstance(b, Bundle) else read_bundle(Path(b))

    return _diagnose_bundle(read(bundle), previous=None if previous is None else read(previous))


def sweep_inventory(inventory: Inventory | PathLike, *, tags: Sequence[str] = (), tunnels: Sequence[str] = (),
                    workers: int = 8, probe: bool = False, progress: Progress | None = None) -> SweepResult:
    """Every selected tunnel (all without ``tags``/``tunnels``), read-only, each device
    logged into once; a device that cannot be read is a result, not an exception."""
    inv = _inventory(inventory)
    return run_sweep(sweep_tunnels(inv, inv.select(tags=tags, names=tunnels)), workers, progress=progress, probe=probe)


def clear(inventory: Inventory | PathLike, tunnel: str, phase: str = "both", *, confirm: bool = False,
          dry_run: bool = False, audit_log: PathLike | None = None) -> RemediationOutcome:
    """Clear ``tunnel``'s SAs (``phase`` 1, 2 or both) on both peers, scoped to the other
    peer, and verify with traffic: the same loop as ``ipsec-agent clear`` (refused when the
    devices do not match the inventory; nothing is sent unless ``confirm``; every command
    audited)."""
    inv = _inventory(inventory)
    tun = inv.tunnel(tunnel)
    audit = AuditLog(None if audit_log is None else Path(audit_log))
    with TunnelCollector(tun.name, peer_targets(inv, tun), **collector_kind(tun)) as collector:
        live = diagnose_live(collector, None, allow_probe=False)
        return remediate(collector, live, probe_spec(tun), lambda plan: confirm, audit,
                         confirmed_by="api", dry_run=dry_run, phase=phase)
