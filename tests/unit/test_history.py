"""Sweep history: migrations, changes, flapping, and concurrent writers."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from agent.engine.model import Diagnosis, Finding, Severity, Status
from agent.sweep.history import SCHEMA_VERSION, History
from agent.sweep.runner import SweepResult, TunnelResult


def sweep(at: str, statuses: dict[str, str]) -> SweepResult:
    results = []
    for tunnel, status in statuses.items():
        code = "TUNNEL_UP" if status == "up" else "STALE_SA"
        f = Finding(code, Severity.INFO if status == "up" else Severity.CRITICAL, code)
        results.append(TunnelResult(tunnel, Diagnosis(tunnel, Status(status), f, [f])))
    return SweepResult(at, 1.0, results, {}, 4)


def test_schema_is_created_and_versioned(tmp_path: Path) -> None:
    History(tmp_path / "h.sqlite")
    History(tmp_path / "h.sqlite")  # opening again migrates nothing
    version = sqlite3.connect(tmp_path / "h.sqlite").execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION


def test_changes_since_and_flapping(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite")
    assert [c.previous for c in h.record(sweep("2026-11-22T04:00:00Z", {"t": "up"}))] == [None]
    assert h.record(sweep("2026-11-22T04:15:00Z", {"t": "up"})) == []
    down = h.record(sweep("2026-11-22T04:30:00Z", {"t": "down"}))
    assert [(c.previous, c.current) for c in down] == [("up", "down")]
    h.record(sweep("2026-11-22T04:35:00Z", {"t": "up"}))
    flap = h.record(sweep("2026-11-22T04:40:00Z", {"t": "down"}))
    assert flap[0].flaps_last_hour == 3
    assert h.since("t") == "2026-11-22T04:40:00Z"
    assert [e.status for e in h.timeline("t")] == ["up", "up", "down", "up", "down"]


def test_concurrent_sweeps_do_not_corrupt_the_history(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            h = History(path)
            for i in range(20):
                h.record(sweep(f"2026-11-22T05:{i:02d}:{n:02d}Z", {f"t{j}": "up" for j in range(10)}))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM sweeps").fetchone()[0] == 80
    assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 800
