"""Where the data directories are: the repository's top-level folders in a checkout,
the copies shipped inside the package (agent.playbooks, agent.textfsm_templates) when
installed."""

from __future__ import annotations

from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """``name`` is "playbooks" or "textfsm_templates"."""
    local = _REPO / name
    if local.is_dir() and (_REPO / "pyproject.toml").exists():
        return local
    # installed: the package-dir mapping put the folder inside the package
    return Path(__file__).resolve().parent / name
