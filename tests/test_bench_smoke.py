"""The benchmark script runs on a tiny lab and writes its results (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_quick_runs(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads((tmp_path / "latest.json").read_text())
    for key in ("median_ratio_to_limit", "median_ratio_to_serial", "median_ratio_to_measured_limit", "per_scenario"):
        assert key in doc["diagnosis"]
    assert set(doc["sweep"]["tunnels_per_s"]) == {"agent", "nornir"}
    assert {"agent_500", "nornir_500"} <= set(doc["sweep"]["peak_rss_mb"])
    assert set(doc["parse_share"]) == {"diagnosis", "sweep"}
    assert (tmp_path / "latest.md").read_text().startswith("Benchmark")
