"""Sweeps over a fleet lab: every tunnel right, each device logged into once, history
across two sweeps, and outputs a monitoring system can read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from agent.cli import app
from agent.lab import ike
from agent.lab.fleet import FleetSpec, build_fleet
from agent.lab.runner import RunningLab

pytestmark = pytest.mark.integration
runner = CliRunner()
EXPECT = {None: "TUNNEL_UP", "psk_mismatch": "PSK_MISMATCH", "stale_sa": "STALE_SA", "esp_blocked": "ESP_BLOCKED",
          "transform_mismatch": "TRANSFORM_SET_MISMATCH", "no_traffic": "NO_INTERESTING_TRAFFIC"}


def test_fleet_sweep_history_and_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = FleetSpec.parse("50:20")
    built = build_fleet(spec)
    db, prom, md, html = tmp_path / "h.sqlite", tmp_path / "m.prom", tmp_path / "r.md", tmp_path / "r.html"
    with RunningLab(built) as lab:
        inv = tmp_path / "inventory.yaml"
        lab.write_inventory(inv)
        for key, value in lab.env().items():
            monkeypatch.setenv(key, value)
        first = runner.invoke(app, ["sweep", "-i", str(inv), "--db", str(db), "--json", "--prom", str(prom),
                                    "--workers", "8"])
        logins = {name: d.state.logins for name, d in built.lab.devices.items()}
        # a fault between two sweeps: a healthy tunnel's far device reboots
        victim = next(i for i in range(len(built.tunnels)) if i not in spec.faults and i > 0)
        t = built.tunnels[victim]
        ike.reboot(built.lab.devices[t.b])
        second = runner.invoke(app, ["sweep", "-i", str(inv), "--db", str(db), "--report", "md", str(md)])
        third = runner.invoke(app, ["sweep", "-i", str(inv), "--db", str(db), "--report", "html", str(html)])
        hist = runner.invoke(app, ["history", t.name, "--db", str(db)], env={"COLUMNS": "200"})
        probed = runner.invoke(app, ["sweep", "-i", str(inv), "--db", str(db), "--json", "--probe"])
    assert first.exit_code == 1, first.output  # some tunnels are down
    doc = json.loads(first.stdout)
    assert doc["sweep"]["tunnels"] == 50 and doc["sweep"]["devices"] == 20
    by_name = {d["tunnel"]: d for d in doc["tunnels"]}
    for k, tun in enumerate(built.tunnels):
        got = by_name[tun.name]["root_cause"]["code"]
        assert got == EXPECT[spec.faults.get(k)], (tun.name, spec.faults.get(k), got)
    assert set(logins.values()) == {1}, logins  # each device logged into exactly once

    assert second.exit_code == 1
    assert f"{t.name}: up -> down" in second.output
    assert "## Changes" in md.read_text() and t.name in md.read_text()
    assert third.exit_code == 1 and "<table>" in html.read_text()
    assert hist.exit_code == 0 and "(changed)" in hist.output and "STALE_SA" in hist.output

    quiet = [built.tunnels[k].name for k, kind in spec.faults.items() if kind == "no_traffic"]
    after_probe = {d["tunnel"]: d for d in json.loads(probed.stdout)["tunnels"]}
    assert quiet and all(after_probe[n]["status"] == "up" for n in quiet)  # --probe sent interesting traffic
    assert not any(c.startswith("clear") for d in built.lab.devices.values() for c in d.state.commands)

    families = {f.name: f for f in text_string_to_metric_families(prom.read_text())}
    up = {s.labels["tunnel"]: s.value for s in families["ipsec_tunnel_up"].samples}
    assert len(up) == 50 and sum(up.values()) == sum(1 for k in range(50) if k not in spec.faults)
    assert "ipsec_sweep_duration_seconds" in families and "ipsec_tunnel_phase1_up" in families


def test_a_faulty_device_does_not_stop_the_sweep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = build_fleet(FleetSpec.parse("12:6"))
    hung = built.lab.devices["rtr-001"]
    hung.ssh.hang_commands = ["show crypto ipsec sa"]
    refused = built.lab.devices["asa-002"]
    refused.ssh.refuse_auth = True
    built.lab.devices["asa-004"].ssh.endless_commands = ["show crypto ipsec sa"]  # output that never ends
    with RunningLab(built) as lab:
        inv = tmp_path / "inventory.yaml"
        lab.write_inventory(inv)
        text = inv.read_text().replace("ssh:\n", "ssh:\n    read_timeout: 2\n")
        inv.write_text(text)
        for key, value in lab.env().items():
            monkeypatch.setenv(key, value)
        result = runner.invoke(app, ["sweep", "-i", str(inv), "--db", str(tmp_path / "h"), "--json"])
    doc = json.loads(result.stdout)  # device events are logged to stderr
    errors = doc["sweep"]["device_errors"]
    assert errors["asa-002"].startswith("auth") and errors["rtr-001"].startswith("timeout")
    assert errors["asa-004"].startswith("timeout") and "did not end" in errors["asa-004"], errors["asa-004"]
    faulty = ("rtr-001", "asa-002", "asa-004")
    healthy = [d for d in doc["tunnels"] if not any(f in d["tunnel"] for f in faulty)]
    assert healthy and all(d["root_cause"]["code"] in ("TUNNEL_UP", "PSK_MISMATCH", "STALE_SA", "ESP_BLOCKED",
                                                       "TRANSFORM_SET_MISMATCH", "NO_INTERESTING_TRAFFIC") for d in healthy)
    assert result.exit_code in (1, 3)


def _sweeps_recorded(db: Path) -> int:
    """Sweeps in the history file so far; 0 until the sweep process has created the file
    and its schema (the file exists a moment before its tables do)."""
    import sqlite3

    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute("SELECT count(*) FROM sweeps").fetchone()[0]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    finally:
        conn.close()


@pytest.mark.slow
def test_every_loops_and_survives_a_failing_device(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    built = build_fleet(FleetSpec.parse("4:4"))
    built.lab.devices["rtr-001"].ssh.refuse_auth = True
    root = Path(__file__).resolve().parents[2]
    with RunningLab(built) as lab:
        inv = tmp_path / "inventory.yaml"
        lab.write_inventory(inv)
        db = tmp_path / "h.sqlite"
        proc = subprocess.Popen(
            [sys.executable, "-m", "agent", "sweep", "-i", str(inv), "--db", str(db), "--every", "1s", "--json"],
            env={**os.environ, **lab.env(), "PYTHONPATH": str(root)}, cwd=root,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # stdout unread: a pipe would fill
        deadline = time.monotonic() + 60
        sweeps = 0
        while time.monotonic() < deadline and sweeps < 3:
            time.sleep(0.5)
            sweeps = _sweeps_recorded(db)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    assert sweeps >= 3, stderr
    assert stderr.count('"event": "sweep"') >= 3  # one structured event per sweep


@pytest.mark.slow
def test_500_tunnels_with_5_percent_of_devices_faulty(tmp_path: Path) -> None:
    """Load (issue 9): 500 tunnels on 200 devices, 10 of them misbehaving over SSH in four
    ways. Every tunnel whose devices answer is reported with its scenario's code, every
    faulty device is named with its error kind, and the sweep's own process stays small."""
    import os
    import resource
    import subprocess
    import sys

    spec = FleetSpec.parse("500:200")
    built = build_fleet(spec)
    names = sorted(built.lab.devices)
    faulty = {n: kind for n, kind in zip(names[5::20], ["auth", "timeout", "dropped", "banner"] * 3, strict=False)}
    for name, kind in faulty.items():
        ssh = built.lab.devices[name].ssh
        if kind == "auth":
            ssh.refuse_auth = True
        elif kind == "timeout":
            ssh.hang_commands = ["show crypto"]
        elif kind == "dropped":
            ssh.drop_after_commands = 2
        else:
            ssh.banner_delay = 30
    assert len(faulty) == 10  # 5% of 200
    root = Path(__file__).resolve().parents[2]
    with RunningLab(built) as lab:
        inv = tmp_path / "inventory.yaml"
        lab.write_inventory(inv)
        inv.write_text(inv.read_text().replace("ssh:\n", "ssh:\n    read_timeout: 3\n    banner_timeout: 3\n"))
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        done = subprocess.run(
            [sys.executable, "-m", "agent", "sweep", "-i", str(inv), "--db", str(tmp_path / "h"), "--json",
             "--workers", "32"],
            env={**os.environ, **lab.env(), "PYTHONPATH": str(root)}, cwd=root, capture_output=True, text=True,
            timeout=900, check=False)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert done.returncode in (1, 3), done.stderr[-2000:]
    doc = json.loads(done.stdout)
    assert doc["sweep"]["tunnels"] == 500 and doc["sweep"]["devices"] == 200
    errors = doc["sweep"]["device_errors"]
    want_kind = {"auth": "auth", "timeout": "timeout", "dropped": ("dropped", "timeout"), "banner": "timeout"}
    for name, kind in faulty.items():
        assert name in errors and errors[name].startswith(want_kind[kind]), (name, errors.get(name))
    assert set(errors) == set(faulty), set(errors) - set(faulty)
    by_name = {d["tunnel"]: d for d in doc["tunnels"]}
    healthy = 0
    for k, tun in enumerate(built.tunnels):
        got = by_name[tun.name]
        if tun.a in faulty or tun.b in faulty:  # the unreadable peer is said to be so, never guessed
            for name in {tun.a, tun.b} & set(faulty):
                assert got["peers"][name]["reachable"] is False, (tun.name, got["peers"])
            continue
        healthy += 1
        assert got["root_cause"]["code"] == EXPECT[spec.faults.get(k)], tun.name
    assert healthy > 400
    assert peak_mb > before / 1024 and peak_mb < 300, peak_mb  # memory bounded: the sweep process, not the lab
