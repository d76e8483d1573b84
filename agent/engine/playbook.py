"""Playbooks: decision trees as data (``playbooks/*.yaml``).

A node names a registered check, maps each of the check's outcomes to the next node or
to a conclusion, cites the sections of Cisco's documents it comes from (ids of
``playbooks/references.yaml``), and may name commands the check needs (collected
lazily, live) or a question only the operator can answer.  Findings (one per root-cause
code) carry the summary, severity, fix per platform, the document's warning, the
remediation the agent may offer and their references."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from agent.codes import CODES
from agent.engine.references import REFERENCES_FILE, References, references
from agent.errors import AgentError
from agent.resources import data_dir

PLAYBOOK_DIR = data_dir("playbooks")


class PlaybookError(AgentError):
    pass


def _as_list(value: object) -> object:
    """One reference id may be written without the brackets."""
    return [value] if isinstance(value, str) else value


#: ids of ``playbooks/references.yaml`` (``DOCUMENT#SECTION``)
RefIds = Annotated[list[str], BeforeValidator(_as_list)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Conclude(_Strict):
    """A branch that ends the walk with a root cause (and may continue elsewhere to
    collect secondary findings with ``then``)."""

    conclude: str
    confidence: float = Field(0.8, ge=0, le=1)
    then: str | None = None


class Question(_Strict):
    text: str
    choices: list[str]
    default: str  # what a non-interactive run assumes (and says so)


class Node(_Strict):
    check: str
    reference: RefIds
    description: str = ""
    needs: dict[Literal["cisco_asa", "cisco_ios"], list[str]] = Field(default_factory=dict)
    question: Question | None = None
    branches: dict[str, str | Conclude]

    @model_validator(mode="after")
    def _question_choices(self) -> Node:
        if self.question is not None and self.question.default not in self.question.choices:
            raise ValueError("question.default must be one of question.choices")
        return self


class FindingSpec(_Strict):
    severity: Literal["critical", "warning", "info"]
    summary: str
    fix: dict[Literal["cisco_asa", "cisco_ios"], list[str]] = Field(default_factory=dict)
    warning: str | None = None
    remediation: Literal["clear_sas", "reapply_crypto_map", "probe"] | None = None
    reference: RefIds


class Playbook(_Strict):
    name: str
    description: str
    start: str
    nodes: dict[str, Node]
    findings: dict[str, FindingSpec]


@dataclass
class LintProblem:
    playbook: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.playbook}: {self.where}: {self.message}"


@dataclass
class Library:
    playbooks: dict[str, Playbook] = field(default_factory=dict)

    def finding(self, code: str) -> FindingSpec | None:
        for pb in self.playbooks.values():
            if code in pb.findings:
                return pb.findings[code]
        return None


def load_playbook(path: Path) -> Playbook:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PlaybookError(f"{path}: cannot read playbook: {exc}") from None
    try:
        return Playbook.model_validate(doc)
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise PlaybookError(f"{path}: {msgs}") from None


@cache
def library(directory: Path = PLAYBOOK_DIR) -> Library:
    lib = Library()
    for path in sorted(directory.glob("*.yaml")):
        if path.name == REFERENCES_FILE:
            continue
        pb = load_playbook(path)
        lib.playbooks[pb.name] = pb
    if not lib.playbooks:
        raise PlaybookError(f"no playbooks in {directory}")
    return lib


def targets(branch: str | Conclude) -> list[str]:
    if isinstance(branch, str):
        return [branch]
    return [branch.then] if branch.then else []


def lint(lib: Library, outcomes: dict[str, tuple[str, ...]], refs: References | None = None) -> list[LintProblem]:
    """Unknown checks, branches that do not match the check's outcomes, unknown or
    unreachable nodes, cycles, codes not in the catalog, findings without spec, missing
    references or ones not in ``playbooks/references.yaml``."""
    refs = refs or references()
    problems: list[LintProblem] = []
    for pb in lib.playbooks.values():
        def add(where: str, msg: str, pb: Playbook = pb) -> None:
            problems.append(LintProblem(pb.name, where, msg))

        if pb.start not in pb.nodes:
            add("start", f"unknown node {pb.start!r}")
        for name, node in pb.nodes.items():
            _lint_node(lib, pb, name, node, outcomes, add)
            _lint_references(f"nodes.{name}", node.reference, refs, add)
        for code, spec in pb.findings.items():
            if code not in CODES:
                add(f"findings.{code}", "code is not in the catalog")
            _lint_references(f"findings.{code}", spec.reference, refs, add)
        reachable = _reachable(pb)
        for name in pb.nodes:
            if name not in reachable:
                add(f"nodes.{name}", "unreachable from start")
        cycle = _cycle(pb)
        if cycle:
            add("nodes", "cycle: " + " -> ".join(cycle))
    return problems


def _lint_node(lib: Library, pb: Playbook, name: str, node: Node, outcomes: dict[str, tuple[str, ...]],
               add: Callable[[str, str], None]) -> None:
    if node.check not in outcomes:
        add(f"nodes.{name}", f"unknown check {node.check!r}")
    else:
        declared = set(outcomes[node.check]) | (set(node.question.choices) if node.question else set())
        missing, extra = declared - set(node.branches), set(node.branches) - declared
        if missing:
            add(f"nodes.{name}", f"no branch for outcome(s) {sorted(missing)} of {node.check}")
        if extra:
            add(f"nodes.{name}", f"branch(es) {sorted(extra)} are not outcomes of {node.check}")
    for outcome, branch in node.branches.items():
        where = f"nodes.{name}.branches.{outcome}"
        for t in targets(branch):
            if t not in pb.nodes:
                add(where, f"unknown node {t!r}")
        if isinstance(branch, Conclude):
            if branch.conclude not in CODES:
                add(where, f"code {branch.conclude!r} is not in the catalog")
            if branch.conclude not in pb.findings and lib.finding(branch.conclude) is None:
                add(where, f"no finding spec for {branch.conclude}")


def _lint_references(where: str, ids: list[str], refs: References, add: Callable[[str, str], None]) -> None:
    ids = [ref for ref in ids if ref.strip()]
    if not ids:
        add(where, "missing reference (an id of references.yaml: DOCUMENT#SECTION)")
    for ref in ids:
        if not refs.known(ref):
            add(where, f"unknown reference {ref!r} (not in references.yaml)")


def _reachable(pb: Playbook) -> set[str]:
    seen: set[str] = set()
    stack = [pb.start]
    while stack:
        name = stack.pop()
        if name in seen or name not in pb.nodes:
            continue
        seen.add(name)
        for branch in pb.nodes[name].branches.values():
            stack.extend(targets(branch))
    return seen


def _cycle(pb: Playbook) -> list[str]:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(name: str) -> list[str]:
        if state.get(name) == 1:
            return path[path.index(name):] + [name]
        if state.get(name) == 2 or name not in pb.nodes:
            return []
        state[name] = 1
        path.append(name)
        for branch in pb.nodes[name].branches.values():
            for t in targets(branch):
                found = visit(t)
                if found:
                    return found
        path.pop()
        state[name] = 2
        return []

    return visit(pb.start)


def conclusions(lib: Library) -> set[str]:
    """Every code some path of some tree can conclude."""
    out: set[str] = set()
    for pb in lib.playbooks.values():
        for node in pb.nodes.values():
            out |= {b.conclude for b in node.branches.values() if isinstance(b, Conclude)}
    return out


def graph(pb: Playbook, fmt: str = "mermaid") -> str:
    """The tree as a Mermaid flowchart or a Graphviz digraph."""
    if fmt == "dot":
        lines = [f'digraph "{pb.name}" {{', "  rankdir=TB;", '  node [shape=box, fontname="Helvetica"];']
        for name, node in pb.nodes.items():
            lines.append(f'  "{name}" [label="{name}\\n({node.check})"];')
            for outcome, branch in node.branches.items():
                if isinstance(branch, Conclude):
                    leaf = f"{name}__{outcome}"
                    lines.append(f'  "{leaf}" [label="{branch.conclude}", shape=ellipse, style=filled, fillcolor="#f4cccc"];')
                    lines.append(f'  "{name}" -> "{leaf}" [label="{outcome}"];')
                    if branch.then:
                        lines.append(f'  "{leaf}" -> "{branch.then}" [style=dashed, label="then"];')
                else:
                    lines.append(f'  "{name}" -> "{branch}" [label="{outcome}"];')
        lines.append("}")
        return "\n".join(lines) + "\n"
    if fmt != "mermaid":
        raise PlaybookError(f"unknown graph format {fmt!r}; use mermaid or dot")
    lines = ["flowchart TD"]
    for name, node in pb.nodes.items():
        lines.append(f'  {name}["{name}<br/><small>{node.check}</small>"]')
        for outcome, branch in node.branches.items():
            if isinstance(branch, Conclude):
                leaf = f"{name}__{outcome}"
                lines.append(f'  {leaf}(["{branch.conclude}"])')
                lines.append(f"  {name} -- {outcome} --> {leaf}")
                if branch.then:
                    lines.append(f"  {leaf} -. then .-> {branch.then}")
            else:
                lines.append(f"  {name} -- {outcome} --> {branch}")
    return "\n".join(lines) + "\n"
