"""The audit log: one JSON line per state-changing command sent to a device.

It records when, who (the OS user), which device and tunnel, the command, what the
device answered (redacted), the outcome, and the diagnosis that led to the change."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_PATH_ENV = "IPSEC_AGENT_AUDIT_LOG"


def default_path() -> Path:
    env = os.environ.get(DEFAULT_PATH_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "ipsec-agent" / "audit.jsonl"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


@dataclass
class AuditRecord:
    device: str
    command: str
    output: str
    outcome: str  # ok | device_error | failed | dry_run
    tunnel: str | None = None
    diagnosis: str | None = None  # root-cause code that led to the change
    action: str | None = None  # clear_sas | reapply_crypto_map | debug_capture
    confirmed_by: str = "prompt"  # prompt | --yes | --allow-debug (a scoped debug)
    user: str = field(default_factory=_user)
    when: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))


class AuditLog:
    """Append-only JSON lines; each record is written and flushed before the next
    command is sent, so a crash mid-change still leaves what was done."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.written: list[AuditRecord] = []  # this process's records (said on Ctrl-C)

    def write(self, record: AuditRecord) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(record), sort_keys=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.written.append(record)

    def read(self) -> list[dict[str, object]]:
        if not self.path.exists():
            return []
        return [json.loads(x) for x in self.path.read_text(encoding="utf-8").splitlines() if x.strip()]
