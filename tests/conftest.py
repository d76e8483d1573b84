from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Generator
from functools import cache
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@cache
def diagnosis_codes() -> set[str]:
    """Root-cause codes of shared/diagnoses.md (the contract), or a built-in copy when the
    shared folder is not beside the checkout."""
    path = SHARED / "diagnoses.md"
    if path.exists():
        return set(re.findall(r"^\| `([A-Z0-9_]+)`", path.read_text(encoding="utf-8"), re.M)) | {"INSUFFICIENT_EVIDENCE"}
    from agent.codes import CODES

    return set(CODES)


# ---------------------------------------------------------------- no change without confirmation
#
# Every test runs with the lab's change journal on (agent/lab/journal.py), a default
# audit log and a tunnel-lock directory of its own.  After the test, every state-changing line a lab device was sent
# must appear in an audit record that says who confirmed it (prompt, --yes or --allow-debug) and that
# was not a dry run.  Tests of the lab itself, which drive devices as an operator would,
# are marked ``lab_direct`` and only have their journal kept.

_CHANGES = pytest.StashKey[tuple[Path, dict[str, str | None]]]()


def pytest_runtest_setup(item: pytest.Item) -> None:
    from agent.lab.journal import JOURNAL_ENV
    from agent.remediate.audit import DEFAULT_PATH_ENV

    where = Path(tempfile.mkdtemp(prefix="changes-"))
    saved = {k: os.environ.get(k) for k in (JOURNAL_ENV, DEFAULT_PATH_ENV, "IPSEC_AGENT_LOCK_DIR")}
    os.environ[JOURNAL_ENV] = str(where / "journal.jsonl")
    os.environ[DEFAULT_PATH_ENV] = str(where / "audit.jsonl")
    # tunnel locks of this test only: two suites on one machine share lab tunnel names
    os.environ["IPSEC_AGENT_LOCK_DIR"] = str(where / "locks")
    item.stash[_CHANGES] = (where, saved)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    result = yield  # the test's fixtures (and labs) are gone by now
    if _CHANGES not in item.stash:
        return result
    where, saved = item.stash[_CHANGES]
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        if item.get_closest_marker("lab_direct") is None:
            tmp = getattr(item, "funcargs", {}).get("tmp_path")
            places = [where] + ([tmp] if isinstance(tmp, Path) else [])
            unconfirmed = unconfirmed_changes(where / "journal.jsonl", places)
            assert not unconfirmed, f"state-changing commands sent without a confirmed audit record: {unconfirmed}"
    finally:
        shutil.rmtree(where, ignore_errors=True)
    return result


def unconfirmed_changes(journal: Path, places: list[Path]) -> list[dict[str, object]]:
    """The journal's changes that no confirmed, non-dry-run audit record under ``places`` covers."""
    from agent.lab.journal import read

    sent = read(str(journal))
    if not sent:
        return []
    confirmed: set[tuple[str, str]] = set()
    for place in places:
        for path in place.rglob("*.jsonl"):
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(rec, dict) or rec.get("confirmed_by") not in ("prompt", "--yes", "--allow-debug"):
                    continue
                if rec.get("outcome") == "dry_run" or "action" not in rec:
                    continue
                for command in str(rec.get("command", "")).splitlines():
                    confirmed.add((str(rec.get("device")), command.strip()))
    return [e for e in sent if (str(e["device"]), str(e["command"]).strip()) not in confirmed]


# ---------------------------------------------------------------- the lab's production noise
#
# Tests that build noisy labs (agent/lab/noise.py) take the seed from ``--noise-seed N`` or
# the environment variable IPSEC_LAB_NOISE_SEED, else a random one per run; it is printed in
# the run's header and named in the tests' assertion messages, so a failure can be replayed.

NOISE_SEED_ENV = "IPSEC_LAB_NOISE_SEED"
_NOISE_SEED = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--noise-seed", type=int, default=None,
                     help=f"seed of the lab's production noise (default: ${NOISE_SEED_ENV}, else random)")


def pytest_configure(config: pytest.Config) -> None:
    import random

    seed = config.getoption("--noise-seed")
    if seed is None and os.environ.get(NOISE_SEED_ENV, "").strip():
        seed = int(os.environ[NOISE_SEED_ENV])
    config.stash[_NOISE_SEED] = seed if seed is not None else random.SystemRandom().randrange(1, 1_000_000)


def pytest_report_header(config: pytest.Config) -> str:
    return f"lab noise seed: {config.stash[_NOISE_SEED]} (replay with --noise-seed {config.stash[_NOISE_SEED]})"


@pytest.fixture(scope="session")
def noise_seed(request: pytest.FixtureRequest) -> int:
    return request.config.stash[_NOISE_SEED]
