from __future__ import annotations

import re
from functools import cache
from pathlib import Path

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
