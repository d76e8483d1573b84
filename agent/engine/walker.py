"""Walk a playbook over one tunnel's facts.  Pure: facts in, diagnosis out.  Live mode
passes a ``fetch`` callback that runs a node's extra commands on the open sessions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.engine.fixes import compute as compute_change
from agent.engine.model import Diagnosis, Evidence, Finding, PeerStatus, PossibleCause, Severity, Status, Step
from agent.engine.playbook import Conclude, FindingSpec, Library, Playbook
from agent.engine.references import references, text
from agent.engine.registry import CHECKS, Context, Outcome
from agent.engine.select import select_playbook
from agent.engine.summary import health_summary, side_summary
from agent.parsing.forms import expand
from agent.platforms import ALIASES, tunnel_commands

MAX_STEPS = 200

Fetch = Callable[[str, list[str]], None]  # (platform, commands) -> runs them on every peer of that platform
Ask = Callable[[str, list[str], str], str]  # (question, choices, default) -> answer
OnStep = Callable[[Step], None]  # told of each node as it is walked (the guided session shows it)


@dataclass
class WalkResult:
    conclusions: list[tuple[str, float, Outcome, str]] = field(default_factory=list)  # code, confidence, outcome, node
    steps: list[Step] = field(default_factory=list)


def walk(pb: Playbook, ctx: Context, fetch: Fetch | None = None, ask: Ask | None = None,
         on_step: OnStep | None = None) -> WalkResult:
    result = WalkResult()
    node_name: str | None = pb.start
    for _ in range(MAX_STEPS):
        if node_name is None:
            break
        node = pb.nodes[node_name]
        if fetch is not None:
            for platform, commands in node.needs.items():
                fetch(platform, commands)
        outcome = CHECKS[node.check].fn(ctx)
        if node.question is not None and outcome.branch == "ask":
            q = node.question
            if ask is not None:
                answer = ask(q.text, q.choices, q.default)
                if answer not in q.choices:
                    answer = q.default
                detail = f"asked: {q.text} - operator answered {answer!r}"
            else:
                answer = q.default
                detail = f"not asked (non-interactive): {q.text} - assumed {answer!r}"
                ctx.not_checked.append(f"operator question not asked (assumed {answer!r}): {q.text}")
            outcome = Outcome(answer, detail, outcome.evidence, peer=outcome.peer, values=outcome.values)
        ctx.not_checked.extend(outcome.not_checked)
        step = Step(node_name, node.check, outcome.branch, outcome.detail, text(references().cite(node.reference)))
        result.steps.append(step)
        if on_step is not None:
            on_step(step)
        branch = node.branches[outcome.branch]
        if isinstance(branch, Conclude):
            confidence = outcome.confidence if outcome.confidence is not None else branch.confidence
            result.conclusions.append((branch.conclude, confidence, outcome, node_name))
            node_name = branch.then
        else:
            node_name = branch
    return result


def _finding(code: str, spec: FindingSpec | None, confidence: float, outcome: Outcome, ctx: Context) -> Finding:
    values = ctx.template_values()
    if code in HEALTHY:
        values["health"] = health_summary(ctx)
    values.update(outcome.values)
    override = values.get("summary")  # a check that knows more than the catalog's wording
    summary = str(override) if override else (spec.summary if spec else code).format_map(_Missing(values))
    fix: dict[str, list[str]] = {}
    present = {p.platform for p in ctx.peers if p.platform}  # an ASA-only tunnel gets no IOS lines
    for platform, cmds in (spec.fix.items() if spec else []):
        if present and str(platform) not in present:
            continue
        fix[str(platform)] = [c.format_map(_Missing({**values, **_platform_values(ctx, str(platform), outcome)},
                                                    unknown="<{}>"))
                              for c in cmds]
    change = None if code in HEALTHY else compute_change(code, ctx, outcome)
    if change is not None and change.options:  # the exact lines replace the template's placeholders
        computed: dict[str, list[str]] = {}
        for dev in change.options[0].changes:
            computed.setdefault(dev.platform, []).extend(dev.lines)
        fix.update(computed)
    sources = references().cite(spec.reference) if spec else ()
    return Finding(
        code=code,
        severity=Severity(spec.severity) if spec else Severity.INFO,
        summary=summary,
        peer=outcome.peer,
        confidence=confidence,
        evidence=list(outcome.evidence),
        against=list(outcome.against),
        fix=fix,
        warning=spec.warning if spec else None,
        remediation=spec.remediation if spec else None,
        reference=text(sources),
        sources=sources,
        change=change,
    )


def _platform_values(ctx: Context, platform: str, outcome: Outcome) -> dict[str, Any]:
    """A fix for one platform names that platform's peer and ITS remote address (the
    finding's peer when it is of that platform, else the tunnel's peer of that platform)."""
    peers = [p for p in ctx.peers if p.platform == platform]
    if not peers:
        return {}
    peer = next((p for p in peers if p.name == outcome.peer), peers[0])
    return {"remote": ctx.other(peer).endpoint or "?", "local": peer.endpoint or "?"}


class _Missing(dict[str, Any]):
    """Template values; a value the evidence did not give reads "?" in a summary and
    "<name>" in a fix line - never a raw "{name}" placeholder."""

    def __init__(self, values: dict[str, Any], unknown: str = "?") -> None:
        super().__init__(values)
        self.unknown = unknown

    def __missing__(self, key: str) -> str:
        return self.unknown.format(key)


HEALTHY = {"TUNNEL_UP", "TUNNEL_IDLE"}


def diagnose(lib: Library, ctx: Context, fetch: Fetch | None = None, ask: Ask | None = None,
             playbook: str | None = None, on_step: OnStep | None = None) -> Diagnosis:
    """Walk ``playbook`` (default: the tree ``select_playbook`` picks for the tunnel)."""
    pb = lib.playbooks[playbook or select_playbook(ctx)]

    def spec(code: str) -> FindingSpec | None:  # the walked tree's own wording first
        return pb.findings.get(code) or lib.finding(code)

    walked = walk(pb, ctx, fetch, ask, on_step)
    findings = [_finding(code, spec(code), conf, outcome, ctx) for code, conf, outcome, _ in walked.conclusions]
    findings += [
        _finding(code, spec(code), conf, Outcome("extra", evidence=ev, peer=peer, values={"peer": peer or "?"}), ctx)
        for code, conf, ev, peer in ctx.candidates
        if code not in {f.code for f in findings}
    ]
    findings.sort(key=lambda f: (f.code in HEALTHY, -f.confidence))
    if not findings:
        findings = [Finding("INSUFFICIENT_EVIDENCE", Severity.WARNING, "The tree reached no conclusion.", confidence=0.0)]
    root = findings[0]
    if root.code in HEALTHY and any(f.code not in HEALTHY and f.severity is not Severity.INFO for f in findings):
        root = next(f for f in findings if f.code not in HEALTHY)
    status = _status(root, findings)
    ctx.not_checked.extend(unread_outputs(ctx))
    peers = {p.name: PeerStatus(p.reachable, p.platform, p.error) for p in ctx.peers}
    named = {f.code for f in findings}
    possible = [PossibleCause(code, why, command) for code, why, command in ctx.possible if code not in named]
    return Diagnosis(ctx.tunnel, status, root, findings, sorted(set(ctx.not_checked)), peers, walked.steps, ctx.wants,
                     side_summary(ctx), possible)


def unread_outputs(ctx: Context) -> list[str]:
    """Every output of the collector's list for this tunnel that was not read: a peer not
    read at all, or each command missing from a peer that was (issue 18, rule 4: a side
    that was not read is "not read", never "nothing there")."""
    out = []
    for peer in ctx.peers:
        if peer.facts is None:
            out.append(f"{peer.name}: not read ({peer.error or 'no outputs'})")
            continue
        for name in peer.facts.__dataclass_fields__:
            known = getattr(peer.facts, name)
            for note in getattr(known, "notes", ()) or ():
                if "skipped" in note or "truncated" in note:
                    out.append(f"{peer.name}: {note}")
        if peer.platform not in ALIASES:
            continue
        have = {expand(peer.platform, c) for c in peer.outputs}
        kinds = {_kind(c) for c in have}
        remote = ctx.other(peer).endpoint or "0.0.0.0"
        missing = [spec.command for spec in tunnel_commands(peer.platform, remote, ctx.kind, ctx.remote_access)
                   if not {expand(peer.platform, c) for c in (spec.command, spec.fallback) if c} & have
                   and _kind(spec.command) not in kinds]
        if missing:
            out.append(f"{peer.name}: not read: " + ", ".join(f"`{c}`" for c in missing))
    return out


def _kind(command: str) -> str:
    """A command without its output filter or peer filter (`show crypto ipsec sa peer X`
    and `show crypto ipsec sa | include peer|caps` both read the SA table)."""
    return re.sub(r" (peer|filter ipaddress|remote) \S+( detail)?$", "", command.split("|")[0].strip())


def _status(root: Finding, findings: list[Finding]) -> Status:
    if root.code == "INSUFFICIENT_EVIDENCE":
        return Status.UNKNOWN
    if root.code in HEALTHY:
        return Status.UP
    if root.severity is Severity.CRITICAL:
        return Status.DOWN
    return Status.DEGRADED


__all__ = ["Evidence", "diagnose", "walk"]
