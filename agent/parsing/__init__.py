"""Parsers: TextFSM templates (the project's own first, then ntc-templates) turn command
output into records (``parse``), and the facts layer turns records into typed, normalised
facts per device (``build_peer_facts``)."""

from agent.parsing.facts import build_peer_facts
from agent.parsing.model import FactStatus, Known, PeerFacts, Phase1State
from agent.parsing.result import ParseResult, ParseStatus, Platform
from agent.parsing.templates import parse, template_for

__all__ = [
    "FactStatus",
    "Known",
    "ParseResult",
    "ParseStatus",
    "PeerFacts",
    "Phase1State",
    "Platform",
    "build_peer_facts",
    "parse",
    "template_for",
]
