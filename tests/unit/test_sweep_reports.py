"""`sweep --report KIND FILE`, given once or more: one report per occurrence, each in its
own format, from the same sweep (devices that refuse the connection: no lab needed)."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_cli_paths import INVENTORY, _agent


def test_every_report_asked_for_is_written(tmp_path: Path) -> None:
    (tmp_path / "inv.yaml").write_text(INVENTORY)
    done = _agent(tmp_path, "sweep", "-i", "inv.yaml", "--db", str(tmp_path / "h.sqlite"),
                  "--report", "md", "r.md", "--report", "html", "r.html", "--report", "md", "again.md")
    assert done.returncode == 3, done.stdout + done.stderr  # the devices cannot be read: undecided
    md, page, again = ((tmp_path / name).read_text(encoding="utf-8") for name in ("r.md", "r.html", "again.md"))
    assert md.startswith("# IPsec sweep") and "| a-b | unknown | INSUFFICIENT_EVIDENCE |" in md
    assert page.startswith("<!doctype html>") and "<td>a-b</td><td>unknown</td>" in page
    assert again == md  # the same sweep, not a second one


def test_a_report_kind_other_than_md_or_html_is_refused(tmp_path: Path) -> None:
    (tmp_path / "inv.yaml").write_text(INVENTORY)
    done = _agent(tmp_path, "sweep", "-i", "inv.yaml", "--db", str(tmp_path / "h.sqlite"),
                  "--report", "md", "r.md", "--report", "pdf", "r.pdf")
    assert done.returncode == 2 and "--report takes md or html and a file" in done.stderr
    assert not (tmp_path / "r.md").exists() and not (tmp_path / "h.sqlite").exists()
