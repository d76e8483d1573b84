"""Logging as a library should do it: importing the package configures nothing (neither
structlog nor the stdlib root logger), its events go nowhere until the application or the
CLI configures logging, and then they follow that configuration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter: this test process has imported (and configured) everything."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_importing_the_package_configures_no_logging() -> None:
    done = _python(
        "import logging, structlog\n"
        "root = list(logging.getLogger().handlers), logging.getLogger().level\n"
        "import agent, agent.engine.run, agent.collector, agent.sweep.runner, agent.lab.runner\n"
        "assert not structlog.is_configured(), structlog.get_config()\n"
        "assert (list(logging.getLogger().handlers), logging.getLogger().level) == root\n"
        "assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger('agent').handlers)\n"
        "print('ok')\n")
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr


def test_events_go_nowhere_until_logging_is_configured_then_follow_it() -> None:
    done = _python(
        "import sys, structlog\n"
        "from agent import logs\n"
        "log = logs.get().bind(device='r1')  # taken before any configuration, as modules do\n"
        "log.warning('connect', outcome='refused')\n"
        "structlog.configure(processors=[structlog.processors.KeyValueRenderer(sort_keys=True)],\n"
        "                    logger_factory=structlog.PrintLoggerFactory(sys.stderr))\n"
        "log.warning('connect', outcome='timeout')\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip() == "device='r1' event='connect' outcome='timeout'"


def test_the_command_line_configures_its_own_logging() -> None:
    done = _python(
        "import structlog\n"
        "from typer.testing import CliRunner\n"
        "from agent.cli import app\n"
        "assert not structlog.is_configured()\n"
        "result = CliRunner().invoke(app, ['playbooks', 'lint'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(structlog.is_configured())\n")
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stderr
