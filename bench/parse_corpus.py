"""Benchmark (not a test): parse every output of the real-device corpus in one process.

    python bench/parse_corpus.py [CORPUS_DIR]

Prints how many outputs each status got and the wall time: first a cold pass (template
index loading and compilation included), then a warm pass. Target: under 2 s."""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.parsing import parse  # noqa: E402
from agent.parsing.parse_cache import CACHE  # noqa: E402

PLATFORM = {"asa": "cisco_asa", "iosxe": "cisco_ios"}


def load(corpus: Path) -> list[tuple[str, str, str]]:
    rows = []
    with (corpus / "INDEX.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            command = row["command"].replace("<target>", "192.0.2.1").replace("<addr>", "192.0.2.1")
            text = (corpus / row["relative_path"]).read_text(encoding="utf-8", errors="replace")
            rows.append((PLATFORM.get(row["platform"], row["platform"]), command, text))
    return rows


def run(rows: list[tuple[str, str, str]]) -> tuple[float, Counter[str]]:
    CACHE.clear()  # every pass parses (the parse cache would answer a second pass itself)
    start = time.perf_counter()
    statuses: Counter[str] = Counter(parse(platform, command, text).status.value for platform, command, text in rows)
    return time.perf_counter() - start, statuses


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus"
    if not (corpus / "INDEX.tsv").exists():
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 2
    rows = load(corpus)
    cold, statuses = run(rows)
    warm, _ = run(rows)
    size = sum(len(text) for _, _, text in rows)
    print(f"{len(rows)} outputs, {size / 1024:.0f} KiB: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    print(f"cold pass {cold:.3f} s (index loading and template compilation included), warm pass {warm:.3f} s")
    return 0 if cold < 2.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
