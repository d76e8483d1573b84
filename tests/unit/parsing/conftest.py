"""Shared helpers for the parser tests: where the real-output corpus and the seed
fixtures live, and how to read them."""

from __future__ import annotations

import ast
import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"


def corpus_dir() -> Path:
    """The real-output corpus: $IPSEC_AGENT_CORPUS, else the team's shared/corpus beside
    the checkout, else the copy of it kept in tests/corpus (a fresh clone in CI)."""
    if "IPSEC_AGENT_CORPUS" in os.environ:
        return Path(os.environ["IPSEC_AGENT_CORPUS"])
    shared = HERE.parents[3] / "shared" / "corpus"
    return shared if (shared / "INDEX.tsv").exists() else HERE.parents[1] / "corpus"


CORPUS = corpus_dir()


def real_cases_dir() -> Path:
    """The public real cases (shared/real-cases): beside the checkout, else the copy kept
    in tests/real-cases (a fresh clone in CI)."""
    shared = HERE.parents[3] / "shared" / "real-cases"
    return shared if (shared / "README.md").exists() else HERE.parents[1] / "real-cases"


@dataclass(frozen=True)
class CorpusItem:
    source: str  #: ntc-templates or genieparser
    platform: str  #: cisco_asa / cisco_ios (genie "asa" / "iosxe" mapped)
    command: str  #: as typed, placeholders filled
    path: Path

    @property
    def raw(self) -> str:
        return self.path.read_text(encoding="utf-8", errors="replace")

    def expected(self) -> Any:
        """ntc: the list of records; genie: the expected dict."""
        if self.source == "ntc-templates":
            import yaml

            data = yaml.safe_load(self.path.with_suffix(".yml").read_text(encoding="utf-8")) or {}
            return data.get("parsed_sample") or []
        text = Path(str(self.path).replace("_output.txt", "_expected.py")).read_text(encoding="utf-8")
        return ast.literal_eval(text.split("=", 1)[1].strip())


_GENIE_PLATFORM = {"asa": "cisco_asa", "iosxe": "cisco_ios"}


def _fill(command: str) -> str:
    """Placeholders and genie's argument notes -> a command as typed on the device."""
    command = command.replace("<target>", "192.0.2.1").replace("<addr>", "192.0.2.1")
    command = command.replace("<ip_address>", "192.0.2.1")
    if command.startswith("ping") and "(" in command:
        command = " ".join(command.split()[:2])
    return command


def corpus_items() -> list[CorpusItem]:
    index = CORPUS / "INDEX.tsv"
    if not index.exists():
        return []
    items = []
    with index.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            platform = _GENIE_PLATFORM.get(row["platform"], row["platform"])
            items.append(CorpusItem(row["source"], platform, _fill(row["command"]), CORPUS / row["relative_path"]))
    return items


def fixture_text(platform: str, command_dir: str, name: str) -> str:
    return (FIXTURES / platform / command_dir / name).read_text(encoding="utf-8")


@pytest.fixture
def corpus_present() -> None:
    if not (CORPUS / "INDEX.tsv").exists():
        pytest.skip(f"corpus not found at {CORPUS} (set IPSEC_AGENT_CORPUS)")
