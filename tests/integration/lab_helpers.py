"""What the CLI integration tests share: a lab scenario running over SSH with its
inventory written and its environment (the lab's known_hosts, credentials) set, and the
commands the simulated devices received."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agent.lab import scenarios as S
from agent.lab.runner import RunningLab


@contextmanager
def lab_with_inventory(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[S.BuiltLab, Path]]:
    """Scenario ``name`` up on loopback; yields the built lab and its inventory's path."""
    built = S.build(name)
    with RunningLab(built) as lab:
        inv = tmp_path / "inventory.yaml"
        lab.write_inventory(inv)
        for key, value in lab.env().items():
            monkeypatch.setenv(key, value)
        yield built, inv


def received(built: S.BuiltLab, prefixes: tuple[str, ...]) -> list[str]:
    """Every command any device of the lab received that starts with one of ``prefixes``."""
    return [c for d in built.lab.devices.values() for c in d.state.commands if c.startswith(prefixes)]
