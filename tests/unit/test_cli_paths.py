"""Paths given on the command line that cannot be written: a clear error and exit 2
before anything is done, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

INVENTORY = """\
devices:
  - {name: a, host: 127.0.0.1, port: 1, platform: cisco_asa, username: u, password_env: T_PW}
  - {name: b, host: 127.0.0.1, port: 1, platform: cisco_ios, username: u, password_env: T_PW}
tunnels:
  - name: a-b
    peers:
      - {device: a, crypto_endpoint: 192.0.2.1}
      - {device: b, crypto_endpoint: 192.0.2.2}
"""


def _agent(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "T_PW": "not-a-secret-x", "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("args, says", [
    (["collect", "a-b", "-i", "inv.yaml", "--out", "/proc/no-such-dir/bundle"], "error: /proc/no-such-dir"),
    (["sweep", "-i", "inv.yaml", "--report", "md", "/proc/no-such-dir/r.md"], "--report /proc/no-such-dir/r.md"),
    (["sweep", "-i", "inv.yaml", "--report", "md", "r.md", "--report", "html", "/proc/no-such-dir/r.html"],
     "--report /proc/no-such-dir/r.html"),
    (["sweep", "-i", "inv.yaml", "--prom", "/no-such-dir/x.prom"], "--prom /no-such-dir/x.prom"),
])
def test_unwritable_output_is_a_clear_error(tmp_path: Path, args: list[str], says: str) -> None:
    (tmp_path / "inv.yaml").write_text(INVENTORY)
    done = _agent(tmp_path, *args, "--db", str(tmp_path / "h.sqlite")) if args[0] == "sweep" else _agent(tmp_path, *args)
    text = done.stdout + done.stderr
    assert done.returncode == 2, text
    assert says in " ".join(text.split()) and "Traceback" not in text
    assert not (tmp_path / "h.sqlite").exists()  # refused before any sweep ran
