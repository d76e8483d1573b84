"""Sweep history in SQLite: every sweep's per-tunnel result, so a sweep can say what
changed (went down at, came back at, flapping) and `history TUNNEL` can show a timeline.
The schema is created and migrated here; WAL mode and a busy timeout let concurrent
sweeps write without corrupting it."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from agent.sweep.runner import SweepResult

SCHEMA_VERSION = 1
MIGRATIONS = {
    1: [
        """CREATE TABLE sweeps (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,
                                seconds REAL NOT NULL, tunnels INTEGER NOT NULL)""",
        """CREATE TABLE results (sweep_id INTEGER NOT NULL REFERENCES sweeps(id), tunnel TEXT NOT NULL,
                                 at TEXT NOT NULL, status TEXT NOT NULL, root_cause TEXT NOT NULL,
                                 confidence REAL NOT NULL, summary TEXT NOT NULL)""",
        "CREATE INDEX results_tunnel_at ON results (tunnel, at)",
    ],
}


def default_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "ipsec-agent" / "history.sqlite"


@dataclass
class Entry:
    at: str
    status: str
    root_cause: str
    summary: str


@dataclass
class Change:
    tunnel: str
    previous: str | None  # previous status, None for a new tunnel
    current: str
    at: str
    flaps_last_hour: int


class History:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._wal()
        with self._db() as db:
            self._migrate(db)

    def _wal(self) -> None:
        """Put the file in WAL mode (it stays so).  Switching needs the file to itself, and
        SQLite answers 'database is locked' at once, not after the busy timeout, while
        another process is creating or switching the same file: retried for that time."""
        deadline = time.monotonic() + 30
        while True:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            finally:
                db.close()
            time.sleep(0.02)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        finally:
            db.close()

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in MIGRATIONS[v]:
                    db.execute(stmt)
                db.execute(f"PRAGMA user_version={v}")
            db.execute("COMMIT")
        except Exception:
            db.execute("ROLLBACK")
            raise

    def record(self, sweep: SweepResult) -> list[Change]:
        """Store one sweep; return the tunnels whose status changed since their last result."""
        changes = []
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                cur = db.execute("INSERT INTO sweeps (started_at, seconds, tunnels) VALUES (?, ?, ?)",
                                 (sweep.started_at, sweep.seconds, len(sweep.results)))
                sweep_id = cur.lastrowid
                for r in sweep.results:
                    prev = db.execute("SELECT status FROM results WHERE tunnel = ? ORDER BY at DESC, rowid DESC LIMIT 1",
                                      (r.tunnel,)).fetchone()
                    rc = r.diagnosis.root_cause
                    db.execute("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (sweep_id, r.tunnel, sweep.started_at, r.status, rc.code, rc.confidence, rc.summary))
                    if prev is None or prev[0] != r.status:
                        changes.append(Change(r.tunnel, prev[0] if prev else None, r.status, sweep.started_at,
                                              self._flaps(db, r.tunnel, sweep.started_at)))
                db.execute("COMMIT")
            except Exception:
                db.execute("ROLLBACK")
                raise
        return changes

    @staticmethod
    def _flaps(db: sqlite3.Connection, tunnel: str, now: str) -> int:
        since = (datetime.fromisoformat(now.replace("Z", "+00:00")) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows = [s for (s,) in db.execute("SELECT status FROM results WHERE tunnel = ? AND at >= ? ORDER BY at, rowid",
                                         (tunnel, since))]
        return sum(1 for a, b in zip(rows, rows[1:], strict=False) if a != b)

    def timeline(self, tunnel: str) -> list[Entry]:
        with self._db() as db:
            rows = db.execute("SELECT at, status, root_cause, summary FROM results WHERE tunnel = ? ORDER BY at, rowid",
                              (tunnel,)).fetchall()
        return [Entry(*row) for row in rows]

    def since(self, tunnel: str) -> str | None:
        """When the tunnel entered its current status."""
        entries = self.timeline(tunnel)
        if not entries:
            return None
        at = entries[-1].at
        for e in reversed(entries):
            if e.status != entries[-1].status:
                break
            at = e.at
        return at


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
