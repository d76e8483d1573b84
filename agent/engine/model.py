"""What the engine produces: findings with evidence, ranked, and one diagnosis per
tunnel in the JSON shape the CLI prints (``Diagnosis.to_json``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from agent.engine.references import Citation


class Severity(str, enum.Enum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class Status(str, enum.Enum):
    UP = "up"
    DOWN = "down"
    DEGRADED = "degraded"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Evidence:
    """A line or two of a command's output that a finding rests on."""

    peer: str
    command: str
    excerpt: str

    def to_json(self) -> dict[str, str]:
        return {"peer": self.peer, "command": self.command, "excerpt": self.excerpt}


@dataclass(frozen=True)
class DeviceChange:
    """The configuration change for one device, in its own syntax: ``lines`` entered from
    global configuration mode (``mode``; a line indented by one space belongs to the
    sub-mode the line before it opened), and ``rollback``, the lines that undo them."""

    device: str
    platform: str
    lines: tuple[str, ...]
    rollback: tuple[str, ...]
    mode: str = "configure terminal"

    def to_json(self) -> dict[str, Any]:
        return {"device": self.device, "platform": self.platform, "mode": self.mode,
                "lines": list(self.lines), "rollback": list(self.rollback)}


@dataclass(frozen=True)
class FixOption:
    """One way to fix a cause: the changes per device that make it, whether the evidence
    favours it (and why), and what else it touches (``warning``)."""

    label: str
    changes: tuple[DeviceChange, ...]
    favoured: bool = False
    why: str = ""
    warning: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "favoured": self.favoured, "why": self.why, "warning": self.warning,
                "devices": [c.to_json() for c in self.changes]}


@dataclass(frozen=True)
class Change:
    """A cause's fix computed from both configurations (``agent.engine.fixes``): one
    option, or one per side that could change, the favoured one first; ``notes`` say
    what was not proposed and why (a change that would break another tunnel), and what to
    do after the lines are in (clear the peer's SAs)."""

    options: tuple[FixOption, ...]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"options": [o.to_json() for o in self.options], "notes": list(self.notes)}


@dataclass
class Finding:
    code: str
    severity: Severity
    summary: str
    peer: str | None = None
    confidence: float = 0.5
    evidence: list[Evidence] = field(default_factory=list)
    against: list[str] = field(default_factory=list)  # evidence that speaks against this cause
    fix: dict[str, list[str]] = field(default_factory=dict)  # platform -> commands
    warning: str | None = None
    remediation: str | None = None  # clear_sas | reapply_crypto_map | probe | None
    reference: str = ""  # "Title — Section", one line (references.text(sources))
    sources: tuple[Citation, ...] = ()  # the same, with each document's URL
    change: Change | None = None  # the fix computed from both configurations (None: no configuration change known)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "peer": self.peer,
            "summary": self.summary,
            "confidence": round(self.confidence, 2),
            "evidence": [e.to_json() for e in self.evidence],
            "against": list(self.against),
            "fix": {k: list(v) for k, v in self.fix.items()},
            "warning": self.warning,
            "remediation": self.remediation,
            "reference": self.reference,
            "sources": [c.to_json() for c in self.sources],
            "change": self.change.to_json() if self.change is not None else None,
        }


@dataclass
class Step:
    """One node of the tree as walked: what was checked and what came out."""

    node: str
    check: str
    outcome: str
    detail: str = ""
    reference: str = ""


@dataclass
class PeerStatus:
    reachable: bool
    platform: str | None
    error: str | None = None


@dataclass(frozen=True)
class PossibleCause:
    """A cause the evidence could not check (its outputs were not read): never a finding,
    never a root cause, never a remediation - only what to run to check it."""

    code: str
    why: str
    check_with: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "why": self.why, "check_with": self.check_with}


@dataclass
class Diagnosis:
    tunnel: str
    status: Status
    root_cause: Finding
    findings: list[Finding]
    not_checked: list[str] = field(default_factory=list)
    peers: dict[str, PeerStatus] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    wants: list[str] = field(default_factory=list)  # e.g. ["probe"]: more evidence would help
    sides: dict[str, dict[str, str]] = field(default_factory=dict)  # per peer: what it shows, side by side
    possible_causes: list[PossibleCause] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 up, 1 a problem found, 3 could not decide."""
        if self.root_cause.code == "INSUFFICIENT_EVIDENCE":
            return 3
        return 0 if self.status is Status.UP else 1

    def to_json(self) -> dict[str, Any]:
        rc = self.root_cause
        return {
            "tunnel": self.tunnel,
            "status": self.status.value,
            "root_cause": {"code": rc.code, "confidence": round(rc.confidence, 2), "summary": rc.summary},
            "findings": [f.to_json() for f in self.findings],
            "not_checked": list(self.not_checked),
            "peers": {
                name: {"reachable": p.reachable, "platform": p.platform, **({"error": p.error} if p.error else {})}
                for name, p in self.peers.items()
            },
            "sides": self.sides,
            "possible_causes": [c.to_json() for c in self.possible_causes],
            "steps": [
                {"node": s.node, "check": s.check, "outcome": s.outcome, "detail": s.detail, "reference": s.reference}
                for s in self.steps
            ],
        }
