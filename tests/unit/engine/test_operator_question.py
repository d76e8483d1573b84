"""A node may ask the operator what the devices cannot show (here: do users see large
transfers hang while the tunnel looks clean?).  Interactive runs ask; non-interactive
runs take the documented default and say so."""

from __future__ import annotations

from agent.engine.playbook import library
from agent.engine.run import context_from_bundle
from agent.engine.walker import diagnose
from agent.lab import scenarios as S
from agent.redact import Redactor
from tests.unit.engine.test_offline_lab_bundles import bundle_of

QUESTION = "Do users report that small things work"


def _healthy_context():  # type: ignore[no-untyped-def]
    built = S.build("asa-ios-healthy")
    S.probe(built, "a")
    return context_from_bundle(bundle_of(built, Redactor()))


def test_non_interactive_takes_the_default_and_says_so() -> None:
    diag = diagnose(library(), _healthy_context())
    assert diag.root_cause.code == "TUNNEL_UP"
    step = next(s for s in diag.steps if s.node == "symptoms")
    assert step.outcome == "no" and "not asked (non-interactive)" in step.detail
    assert any(QUESTION in n and "assumed 'no'" in n for n in diag.not_checked)


def test_the_operator_answer_decides() -> None:
    asked: list[tuple[str, list[str], str]] = []

    def ask(question: str, choices: list[str], default: str) -> str:
        asked.append((question, choices, default))
        return "yes"

    diag = diagnose(library(), _healthy_context(), None, ask)
    assert [(c, d) for _, c, d in asked] == [(["no", "yes"], "no")] and QUESTION in asked[0][0]
    assert diag.root_cause.code == "MTU_MSS" and "reported by the operator" in diag.root_cause.summary
    assert not any(QUESTION in n for n in diag.not_checked)


def test_an_answer_outside_the_choices_takes_the_default() -> None:
    diag = diagnose(library(), _healthy_context(), None, lambda q, c, d: "maybe")
    assert diag.root_cause.code == "TUNNEL_UP"


def test_a_broken_tunnel_asks_nothing() -> None:
    built = S.build("asa-ios-psk-mismatch")
    S.probe(built, "a")
    asked: list[str] = []
    diag = diagnose(library(), context_from_bundle(bundle_of(built, Redactor())), None,
                    lambda q, c, d: asked.append(q) or d)
    assert diag.root_cause.code == "PSK_MISMATCH" and asked == []
