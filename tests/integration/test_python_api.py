"""The example of docs/python-api.md runs as written against the lab (over SSH on
127.0.0.1), and a program needs nothing but the package's public names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.integration.lab_helpers import lab_with_inventory, received

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"


def example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "docs/python-api.md holds one runnable example"
    return str(blocks[0])


def test_the_documented_example_runs_against_the_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with lab_with_inventory("asa-ios-stale-sa", tmp_path, monkeypatch) as (built, inv):
        assert inv.name == "inventory.yaml"
        monkeypatch.chdir(tmp_path)
        exec(compile(example(), str(DOC), "exec"), {"__name__": "__example__"})
    out = capsys.readouterr().out
    assert "STALE_SA" in out and "hq-asa--br-rtr" in out and "dry_run" in out
    assert received(built, ("clear", "crypto map", "no crypto map")) == []  # a dry run sends nothing


def test_the_api_is_the_package_s_public_names() -> None:
    import agent

    assert set(agent.__all__) >= {"diagnose", "diagnose_bundle", "sweep_inventory", "clear", "load_inventory"}
    assert callable(agent.diagnose) and agent.diagnose.__module__ == "agent.api"
