"""The package as `pip install .` installs it (not the source tree): its playbooks,
templates and lab data ship inside it and the commands work from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_installed_package_finds_its_data(tmp_path: Path) -> None:
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = tmp_path / "elsewhere"
    run.mkdir()
    probe = subprocess.run(
        [sys.executable, "-c", "import agent, agent.resources as r; print(agent.__file__); "
         "print(r.data_dir('playbooks')); print(r.data_dir('textfsm_templates'))"],
        cwd=run, env=env, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    lines = probe.stdout.splitlines()
    assert lines[0].startswith(str(target)), lines  # the installed copy, not the source tree
    # every module of the source tree is in the wheel and imports from it
    source = sorted(".".join(("agent", *f.relative_to(ROOT / "agent").with_suffix("").parts))
                    for f in (ROOT / "agent").rglob("*.py") if f.name not in ("__init__.py", "__main__.py"))
    imported = subprocess.run(
        [sys.executable, "-c", "import importlib, sys\n"
         "for name in sys.argv[1:]:\n"
         "    mod = importlib.import_module(name)\n"
         f"    assert mod.__file__.startswith({str(target)!r}), mod.__file__\n"
         "print(len(sys.argv) - 1)", *source],
        cwd=run, env=env, capture_output=True, text=True)
    assert imported.returncode == 0 and imported.stdout.strip() == str(len(source)), imported.stderr[-2000:]
    assert Path(lines[1], "l2l-ikev1.yaml").exists() and Path(lines[2], "index").exists()
    lint = subprocess.run([sys.executable, "-m", "agent", "playbooks", "lint"], cwd=run, env=env,
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    out = run / "isakmp.txt"
    out.write_text("IPv4 Crypto ISAKMP SA\ndst             src             state          conn-id status\n"
                   "198.51.100.2    203.0.113.1     QM_IDLE           1001 ACTIVE\n")
    parsed = subprocess.run([sys.executable, "-m", "agent", "parse", "-p", "cisco_ios", "-c", "show crypto isakmp sa",
                             str(out)], cwd=run, env=env, capture_output=True, text=True)
    assert parsed.returncode == 0 and "QM_IDLE" in parsed.stdout, parsed.stdout + parsed.stderr
    listing = subprocess.run([sys.executable, "-m", "agent", "lab", "list"], cwd=run, env={**env, "COLUMNS": "200"},
                             capture_output=True, text=True)
    assert listing.returncode == 0 and "asa-ios-stale-sa" in listing.stdout
