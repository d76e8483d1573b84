"""One change at a time per tunnel: an exclusive, non-blocking file lock that a guided
session and a scripted clear (or a sweep) both take before touching a tunnel."""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path
from types import TracebackType

from agent.errors import AgentError


class TunnelBusy(AgentError):
    exit_code = 3


def lock_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"
    return Path(os.environ.get("IPSEC_AGENT_LOCK_DIR", os.path.join(base, "ipsec-agent-locks")))


class TunnelLock:
    def __init__(self, tunnel: str, directory: Path | None = None) -> None:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", tunnel)
        self.tunnel = tunnel
        self.path = (directory or lock_dir()) / f"{safe}.lock"
        self._fd: int | None = None

    def acquire(self) -> TunnelLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise TunnelBusy(f"tunnel {self.tunnel} is being changed by another session (lock {self.path})") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> TunnelLock:
        return self.acquire()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
