"""Which decision tree a tunnel is walked with: one ordered table, first match wins.

Each row is (name, predicate over the engine's ``Context``, playbook name).  A tunnel
with no more specific match is an IKEv1 LAN-to-LAN tunnel (``l2l-ikev1``)."""

from __future__ import annotations

from collections.abc import Callable

from agent.engine.registry import Context

Rule = tuple[str, Callable[[Context], bool], str]

RULES: list[Rule] = [
    ("remote-access headend", lambda ctx: ctx.kind == "remote-access", "ra-headend"),
    ("default: IKEv1 LAN-to-LAN", lambda ctx: True, "l2l-ikev1"),
]


def select_playbook(ctx: Context) -> str:
    """The playbook for ``ctx``'s tunnel: the first rule of ``RULES`` that matches."""
    return next(playbook for _, matches, playbook in RULES if matches(ctx))
