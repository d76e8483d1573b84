"""What a user sees names no internal thing: no "seed" (the project's name for its copies
of Cisco's documents: a user is shown the document's title and section instead), no
reference to the project's private catalog file, and no Python warning (a library's
deprecation notice is the project's business, not the user's).

Covered: every command's --help, `playbooks lint`, `lab list`, the offline diagnosis of
every lab scenario (terminal report, JSON, the sweep's Markdown and HTML reports) and of
the real cases beside the checkout; with the lab over SSH (integration), `demo --yes`
and a sweep writing both reports."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from rich.console import Console
from typer.testing import CliRunner

from agent.cli import app
from agent.engine.model import Diagnosis
from agent.engine.run import diagnose_bundle
from agent.lab import scenarios as S
from agent.report import render
from agent.sweep import outputs
from agent.sweep.runner import SweepResult, TunnelResult
from tests.unit.engine.test_offline_lab_bundles import scenario_bundle
from tests.unit.parsing.conftest import real_cases_dir

# "Warning:" as Python prints it (DeprecationWarning: ...), not a device's "WARNING: crypto map ...";
# the lab's `--noise-seed` (a random number's seed) is not a seed document
INTERNAL = re.compile(r"(?i:(?<!noise[- ])\bseeds?\b|diagnoses\.md)|Warning:")
REAL_CASES = real_cases_dir()
runner = CliRunner()


def assert_public(what: str, text: str) -> None:
    assert text.strip(), f"{what}: no output"
    found = INTERNAL.search(text)
    assert found is None, f"{what}: {found.group(0)!r} in ...{text[max(0, found.start() - 200):found.end() + 100]}..."


def _command_paths() -> Iterator[list[str]]:
    def walk(cmd: object, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, [*path, name])

    yield from walk(typer.main.get_command(app), [])


@pytest.mark.parametrize("path", list(_command_paths()), ids=lambda p: " ".join(p) or "ipsec-agent")
def test_help_texts(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert_public(f"{' '.join(path)} --help", result.output)


@pytest.mark.parametrize("args", [["playbooks", "lint"], ["lab", "list"]], ids=" ".join)
def test_listing_commands(args: list[str]) -> None:
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert_public(" ".join(args), result.output)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: a fresh interpreter, so import-time warnings show."""
    return subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})


@pytest.mark.parametrize("args", [["--help"], ["lab", "list"], ["playbooks", "lint"]], ids=" ".join)
def test_commands_in_a_fresh_process_print_no_warning(args: list[str]) -> None:
    proc = _run(*args)
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr
    assert_public(" ".join(args), proc.stdout + proc.stderr)


@pytest.mark.integration
def test_a_lab_that_starts_prints_no_warning(tmp_path: Path) -> None:
    """`lab up` imports the SSH server (asyncssh, whose DSA support used to print five
    CryptographyDeprecationWarning lines)."""
    proc = _run("lab", "up", "--scenario", "asa-ios-healthy", "--duration", "0.5",
                "--inventory-out", str(tmp_path / "inventory.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "inventory.yaml").exists()
    assert "Warning" not in proc.stderr, proc.stderr


def _terminal(diag: Diagnosis) -> str:
    buf = io.StringIO()
    render(diag, Console(file=buf, width=200, color_system=None))
    return buf.getvalue()


def _scenario_diagnoses() -> list[Diagnosis]:
    out = []
    for name in sorted(S.catalog()):
        sc = S.catalog()[name]
        out.append(diagnose_bundle(scenario_bundle(name, probe=sc.probe if sc.observe.after_probe else None)))
    return out


def test_offline_diagnosis_of_every_lab_scenario_and_the_sweep_reports() -> None:
    diagnoses = _scenario_diagnoses()
    cited = [f for d in diagnoses for f in d.findings if f.sources]
    assert cited, "no finding cites a document: the test would prove nothing"
    assert all(s.url is None or s.url.startswith("https://www.cisco.com/") for f in cited for s in f.sources)
    for diag in diagnoses:
        assert_public(f"{diag.tunnel} (terminal)", _terminal(diag))
        assert_public(f"{diag.tunnel} (JSON)", json.dumps(diag.to_json(), ensure_ascii=False))
    sweep = SweepResult("2026-12-06T00:00:00Z", 1.0, [TunnelResult(d.tunnel, d) for d in diagnoses], {}, 1)
    md, page = outputs.markdown(sweep, [], {}), outputs.html_report(sweep, [], {})
    assert_public("sweep report (md)", md)
    assert_public("sweep report (html)", page)
    assert "Most Common L2L and Remote Access IPsec VPN Troubleshooting Solutions" in md and "cisco.com" in page


@pytest.mark.skipif(not REAL_CASES.is_dir(), reason="shared/real-cases is not beside the checkout")
@pytest.mark.parametrize("case", sorted(p.name for p in REAL_CASES.iterdir() if (p / "bundle.yaml").exists())
                         if REAL_CASES.is_dir() else [])
def test_offline_diagnosis_of_real_cases(case: str) -> None:
    for extra in ([], ["--json"]):
        result = runner.invoke(app, ["diagnose", "--offline", str(REAL_CASES / case), *extra], env={"COLUMNS": "200"})
        assert result.exit_code in (0, 1, 3), result.output
        assert_public(f"diagnose --offline {case} {' '.join(extra)}", result.output)


@pytest.mark.integration
def test_demo_yes() -> None:
    result = runner.invoke(app, ["demo", "--yes"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "reference: " in result.output
    assert_public("demo --yes", result.output)


@pytest.mark.integration
def test_sweep_and_both_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.lab.fleet import FleetSpec, build_fleet
    from agent.lab.runner import RunningLab

    md, page = tmp_path / "r.md", tmp_path / "r.html"
    with RunningLab(build_fleet(FleetSpec.parse("10:5"))) as lab:
        inv = tmp_path / "inventory.yaml"
        lab.write_inventory(inv)
        for key, value in lab.env().items():
            monkeypatch.setenv(key, value)
        result = runner.invoke(app, ["sweep", "-i", str(inv), "--db", str(tmp_path / "h.sqlite"),
                                     "--report", "md", str(md), "--report", "html", str(page)])
    assert result.exit_code == 1, result.output  # the fleet has a faulty tunnel
    assert_public("sweep", result.output)
    assert_public("sweep report (md)", md.read_text(encoding="utf-8"))
    assert_public("sweep report (html)", page.read_text(encoding="utf-8"))
