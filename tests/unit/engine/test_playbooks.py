from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.codes import CODES
from agent.engine import checks as _checks  # noqa: F401
from agent.engine.playbook import PlaybookError, conclusions, graph, library, lint, load_playbook
from agent.engine.references import references, text
from agent.engine.registry import outcomes

# Every code whose signature shows on a device has a path (the remote-access / L2TP
# headend codes through playbooks/ra-headend.yaml).
NOT_YET: set[str] = set()
RA_CODES = {"VPN_POOL_EXHAUSTED", "SIMULTANEOUS_LOGINS_LIMIT", "SPLIT_TUNNEL_MISCONFIG", "L2TP_TRANSPORT_MODE",
            "PFS_WITH_NATIVE_CLIENT"}


def test_playbooks_lint_clean() -> None:
    assert lint(library(), outcomes()) == []


def test_every_l2l_code_is_reachable() -> None:
    reachable = conclusions(library())
    assert set(CODES) - NOT_YET - reachable == set()


def test_remote_access_codes_are_concluded_by_the_ra_tree() -> None:
    lib = library()
    ra = lib.playbooks["ra-headend"]
    concluded = {b.conclude for node in ra.nodes.values() for b in node.branches.values() if hasattr(b, "conclude")}
    assert RA_CODES | {"TUNNEL_UP"} <= concluded
    for code in RA_CODES:  # the agent recommends a configuration change: it never offers a clear
        assert ra.findings[code].remediation is None, code
        assert ra.findings[code].fix.get("cisco_asa"), code


def test_lint_finds_problems(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "name: bad\ndescription: x\nstart: a\nnodes:\n"
        "  a: {check: evidence, reference: r, branches: {both: b, one: a, none: {conclude: NOPE}}}\n"
        "  b: {check: nosuch, reference: '', branches: {x: a}}\n"
        "  orphan: {check: evidence, reference: r, branches: {both: a, one: a, none: a}}\n"
        "findings: {}\n"
    )
    lib = library.__wrapped__(tmp_path)  # type: ignore[attr-defined]
    text = "\n".join(str(p) for p in lint(lib, outcomes()))
    for needle in ("not in the catalog", "unknown check 'nosuch'", "missing reference", "unknown reference 'r'",
                   "unreachable", "cycle"):
        assert needle in text, text


def test_every_reference_resolves_to_a_title_and_section() -> None:
    refs = references()
    for pb in library().playbooks.values():
        cited = [node.reference for node in pb.nodes.values()] + [f.reference for f in pb.findings.values()]
        for ids in cited:
            for citation in refs.cite(ids):
                assert citation.sections, (pb.name, ids)
                assert str(citation) == citation.title + " — " + "; ".join(citation.sections)


def test_citations_group_sections_by_document_and_keep_unknown_ids_visible() -> None:
    refs = references()
    cited = refs.cite(["common-l2l-ra#clear-sas", "ipsec-debug#invalid-spi", "common-l2l-ra#restart-tunnels",
                       "nosuch#x"])
    assert [c.title for c in cited] == ["Most Common L2L and Remote Access IPsec VPN Troubleshooting Solutions",
                                        "IPsec Troubleshooting: Understanding and Using debug Commands", "nosuch#x"]
    assert cited[0].sections == ("Clear Old or Existing Security Associations (Tunnels)", "Disable/Restart VPN Tunnel")
    assert cited[0].url is not None and cited[0].url.startswith("https://www.cisco.com/")
    assert text(cited[:1]) == ("Most Common L2L and Remote Access IPsec VPN Troubleshooting Solutions — "
                               "Clear Old or Existing Security Associations (Tunnels); Disable/Restart VPN Tunnel")


def test_every_cisco_document_has_a_cisco_url() -> None:
    for doc_id, doc in references().documents.items():
        if doc_id != "ipsec-agent":  # the project's own rules have no document to link
            assert doc.url is not None and doc.url.startswith("https://www.cisco.com/c/en/us/support/docs/"), doc_id


def test_cli_lint_refuses_an_unknown_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "bad.yaml"
    broken.write_text(
        "name: bad\ndescription: x\nstart: a\nnodes:\n"
        "  a: {check: evidence, reference: [common-l2l-ra#nosuch], branches: {both: {conclude: TUNNEL_UP},"
        " one: {conclude: TUNNEL_UP}, none: {conclude: TUNNEL_UP}}}\n"
        "findings: {TUNNEL_UP: {severity: info, summary: up, reference: common-l2l-ra#clear-sas}}\n")
    lib = library.__wrapped__(tmp_path)  # type: ignore[attr-defined]
    monkeypatch.setattr("agent.engine.playbook.library", lambda: lib)
    result = CliRunner().invoke(app, ["playbooks", "lint"])
    assert result.exit_code == 1
    assert "bad: nodes.a: unknown reference 'common-l2l-ra#nosuch'" in result.output


def test_bad_playbook_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("name: x\nnodes: [\n")
    with pytest.raises(PlaybookError, match="cannot read playbook"):
        load_playbook(path)


@pytest.mark.parametrize("fmt, head", [("mermaid", "flowchart TD"), ("dot", "digraph")])
def test_graph_renders(fmt: str, head: str) -> None:
    text = graph(library().playbooks["l2l-ikev1"], fmt)
    assert text.startswith(head) and "PSK_MISMATCH" in text and "phase1" in text


def test_cli_lint_and_graph() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["playbooks", "lint"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["playbooks", "graph", "--format", "dot"])
    assert result.exit_code == 0 and "digraph" in result.output
    result = runner.invoke(app, ["playbooks", "graph", "--format", "png"])
    assert result.exit_code == 2 and "unknown graph format" in result.output
