"""No secret leaves in clear (issue 9): against labs whose PSKs, passwords, enable secrets,
SNMP communities and RADIUS keys are unique random strings, run every command that reads
or changes a device (collect, diagnose with remediation, the offline and parse entry
points with full pasted configurations, sweep with every output, history, clear) and the
error paths, as separate processes, then search every file written and every byte of
stdout and stderr: zero hits."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from netmiko import ConnectHandler

from agent.lab import scenarios as S
from agent.lab.runner import PASSWORD_ENV, RunningLab
from agent.platforms import tunnel_commands

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], env: dict[str, str], outputs: list[tuple[str, bytes]]) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run([sys.executable, "-m", "agent", *args], env=env, capture_output=True, timeout=240, check=False)
    outputs.append((" ".join(args) + " (stdout)", done.stdout))
    outputs.append((" ".join(args) + " (stderr)", done.stderr))
    return done


def _paste_full_configs(built: S.BuiltLab, lab: RunningLab, where: Path) -> Path:
    """A bundle as a user pastes it from a ticket: the agent's own commands and the whole
    configurations, straight from the devices, keys in clear."""
    peers = []
    tunnel = built.tunnels[0]
    for side in ("a", "b"):
        dev = built.device(side)
        other = tunnel.b_endpoint if side == "a" else tunnel.a_endpoint
        commands = [c.command for c in tunnel_commands(dev.platform.value, str(other))] + ["show running-config"]
        if dev.platform.value == "cisco_asa":
            commands.append("more system:running-config")
        outputs = {}
        with ConnectHandler(**lab.netmiko_params(dev.name)) as conn:
            conn.enable()
            for n, command in enumerate(commands):
                (where / dev.name).mkdir(parents=True, exist_ok=True)
                (where / dev.name / f"{n}.txt").write_text(conn.send_command(command), encoding="utf-8")
                outputs[command] = f"{dev.name}/{n}.txt"
        peers.append({"name": dev.name, "platform": dev.platform.value, "outputs": outputs})
    (where / "bundle.yaml").write_text(yaml.safe_dump({"tunnel": tunnel.name, "peers": peers}), encoding="utf-8")
    return where


@pytest.mark.parametrize("scenario", ["asa-ios-stale-sa", "ios-ios-psk-mismatch"])
def test_no_secret_in_any_file_or_output(scenario: str, tmp_path: Path) -> None:
    built = S.build(scenario)
    secrets_ = built.secrets.all
    wrong_password = "pw-wrong-" + secrets.token_hex(8)
    work = tmp_path / "work"
    work.mkdir()
    outputs: list[tuple[str, bytes]] = []
    with RunningLab(built) as lab:
        inv = work / "inventory.yaml"
        _, env_file = lab.write_inventory(inv)
        env_file.unlink()  # the lab's own credential file for a human operator: not the agent's output
        env = {**os.environ, **lab.env(), "HOME": str(work / "home"), "XDG_STATE_HOME": str(work / "state"),
               "PYTHONPATH": str(ROOT), "COLUMNS": "160", "IPSEC_AGENT_AUDIT_LOG": str(work / "default-audit.jsonl")}
        # the pasted bundle must hold the secrets, or the offline part proves nothing
        pasted = _paste_full_configs(built, lab, tmp_path / "pasted")
        pasted_text = "".join(p.read_text() for p in pasted.rglob("*.txt"))
        assert built.secrets.snmp in pasted_text and built.secrets.psk in pasted_text

        tunnel = built.tunnels[0].name
        platform_a = built.device("a").platform.value
        psk_command = next(c for c in tunnel_commands(platform_a, "x") if "pre-shared-key" in c.command
                           or "section crypto" in c.command).command
        first_peer = yaml.safe_load((pasted / "bundle.yaml").read_text())["peers"][0]
        psk_file = first_peer["outputs"][psk_command]
        db, prom = work / "history.sqlite", work / "metrics.prom"
        steps = [
            ["collect", tunnel, "-i", str(inv), "--out", str(work / "bundle")],
            ["diagnose", "--offline", str(work / "bundle"), "--json"],
            ["diagnose", "--offline", str(pasted)],
            ["diagnose", "--offline", str(pasted), "--json"],
            ["parse", str(pasted / psk_file), "-p", platform_a, "-c", psk_command],
            ["diagnose", tunnel, "-i", str(inv), "--dry-run"],
            ["diagnose", tunnel, "-i", str(inv), "--yes", "--json", "--audit-log", str(work / "audit.jsonl")],
            ["sweep", "-i", str(inv), "--json", "--db", str(db), "--prom", str(prom)],
            ["sweep", "-i", str(inv), "--db", str(db), "--report", "md", str(work / "r.md")],
            ["sweep", "-i", str(inv), "--db", str(db), "--report", "html", str(work / "r.html"), "--probe"],
            ["history", tunnel, "--db", str(db)],
            ["clear", tunnel, "-i", str(inv), "--yes", "--json", "--audit-log", str(work / "audit.jsonl")],
            ["clear", tunnel, "-i", str(inv), "--dry-run"],
        ]
        codes = [_run(step, env, outputs).returncode for step in steps]
        # error paths: a rejected password, an unknown tunnel
        bad_env = {**env, PASSWORD_ENV: wrong_password}
        codes.append(_run(["diagnose", tunnel, "-i", str(inv), "--json"], bad_env, outputs).returncode)
        codes.append(_run(["collect", tunnel, "-i", str(inv), "--out", str(work / "b2")], bad_env, outputs).returncode)
        codes.append(_run(["diagnose", "no-such-tunnel", "-i", str(inv)], env, outputs).returncode)
    assert codes[0] == 0 and codes[6] in (0, 1) and codes[-1] == 2, list(zip([s[0] for s in steps], codes, strict=False))
    assert (work / "audit.jsonl").exists() and (work / "r.html").exists() and db.exists() and prom.exists()
    written = [p for p in work.rglob("*") if p.is_file()]
    assert len(written) > 15  # bundles, session logs, agent.log, reports, history, audit
    needles = {**secrets_, "wrong_password": wrong_password}
    hits = [(where, name) for where, data in outputs for name, value in needles.items() if value.encode() in data]
    hits += [(str(p), name) for p in written for name, value in needles.items() if value.encode() in p.read_bytes()]
    assert not hits, hits
