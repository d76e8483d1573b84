"""Cisco-style command matching: abbreviations, optional words, typed arguments, and the
position of the first bad token for the `% Invalid input detected at '^' marker.` caret.

A command is registered with a syntax string::

    show crypto ipsec sa [peer <ip:peer>] [detail]
    ping [<word:ifname>] <ip:target> [repeat <int:repeat>] [size <int:size>]
    show running-config [all] sysopt
    clear crypto {isakmp|ikev1} sa [<ip:peer>]

Literals match any unambiguous prefix (``sh cry isa sa``).  ``[...]`` is optional,
``{a|b}`` a choice, ``<kind:name>`` an argument of kind ``ip``, ``int``, ``word`` or
``rest`` (the remaining tokens, joined).  A handler receives a ``Match`` whose
``words`` holds every literal present and ``args`` every argument.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Ctx = TypeVar("Ctx")


@dataclass(frozen=True)
class Lit:
    word: str


@dataclass(frozen=True)
class Arg:
    kind: str
    name: str


@dataclass(frozen=True)
class Opt:
    body: tuple[Any, ...]


@dataclass(frozen=True)
class Choice:
    options: tuple[tuple[Any, ...], ...]


@dataclass
class Match:
    words: set[str] = field(default_factory=set)
    args: dict[str, str] = field(default_factory=dict)
    exact: int = 0  # literals typed in full (a tie-breaker between two matching commands)

    def has(self, word: str) -> bool:
        return word in self.words

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.args.get(name, default)


class SyntaxSpecError(ValueError):
    pass


def _tokenize_spec(spec: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(spec):
        c = spec[i]
        if c.isspace():
            i += 1
        elif c in "[]{}|":
            out.append(c)
            i += 1
        elif c == "<":
            j = spec.index(">", i)
            out.append(spec[i : j + 1])
            i = j + 1
        else:
            j = i
            while j < len(spec) and not spec[j].isspace() and spec[j] not in "[]{}|<":
                j += 1
            out.append(spec[i:j])
            i = j
    return out


def compile_spec(spec: str) -> tuple[Any, ...]:
    tokens = _tokenize_spec(spec)
    pos = 0

    def seq(stop: set[str]) -> tuple[Any, ...]:
        nonlocal pos
        items: list[Any] = []
        while pos < len(tokens) and tokens[pos] not in stop:
            tok = tokens[pos]
            pos += 1
            if tok == "[":
                items.append(Opt(seq({"]"})))
                pos += 1
            elif tok == "{":
                options = [seq({"|", "}"})]
                while tokens[pos] == "|":
                    pos += 1
                    options.append(seq({"|", "}"}))
                pos += 1
                items.append(Choice(tuple(options)))
            elif tok.startswith("<"):
                kind, _, name = tok[1:-1].partition(":")
                if kind not in ("ip", "int", "word", "rest", "net"):
                    raise SyntaxSpecError(f"unknown argument kind {kind!r} in {spec!r}")
                items.append(Arg(kind, name or kind))
            else:
                items.append(Lit(tok.lower()))
        return tuple(items)

    return seq(set())


def _arg_ok(kind: str, token: str) -> bool:
    if kind == "ip":
        try:
            ipaddress.IPv4Address(token)
        except ValueError:
            return False
        return True
    if kind == "int":
        return token.isdigit()
    return True


def _match(items: tuple[Any, ...], tokens: list[str], i: int, m: Match, best: list[int]) -> list[tuple[int, Match]]:
    """All ways ``items`` can consume ``tokens`` from ``i``; records the furthest token reached."""
    if not items:
        return [(i, m)]
    head, rest = items[0], items[1:]
    results: list[tuple[int, Match]] = []
    if isinstance(head, Lit):
        if i < len(tokens) and head.word.startswith(tokens[i].lower()):
            m2 = Match(set(m.words) | {head.word}, dict(m.args), m.exact + (head.word == tokens[i].lower()))
            best[0] = max(best[0], i + 1)
            results += _match(rest, tokens, i + 1, m2, best)
    elif isinstance(head, Arg):
        if head.kind == "rest":
            if i < len(tokens):
                m2 = Match(set(m.words), dict(m.args) | {head.name: " ".join(tokens[i:])}, m.exact)
                best[0] = max(best[0], len(tokens))
                results += _match(rest, tokens, len(tokens), m2, best)
        elif i < len(tokens) and _arg_ok(head.kind, tokens[i]):
            m2 = Match(set(m.words), dict(m.args) | {head.name: tokens[i]}, m.exact)
            best[0] = max(best[0], i + 1)
            results += _match(rest, tokens, i + 1, m2, best)
    elif isinstance(head, Opt):
        for j, m2 in _match(head.body, tokens, i, m, best):
            results += _match(rest, tokens, j, m2, best)
        results += _match(rest, tokens, i, m, best)
    elif isinstance(head, Choice):
        for option in head.options:
            for j, m2 in _match(option, tokens, i, m, best):
                results += _match(rest, tokens, j, m2, best)
    return results


Handler = Callable[[Ctx, Match], str]


@dataclass
class Command(Generic[Ctx]):
    spec: str
    items: tuple[Any, ...]
    handler: Callable[[Any, Match], Any]
    privileged: bool


class NoMatch(Exception):
    """No command matched; ``position`` is the index of the first token no command accepted."""

    def __init__(self, position: int, ambiguous: bool = False, incomplete: bool = False) -> None:
        super().__init__(position)
        self.position = position
        self.ambiguous = ambiguous
        self.incomplete = incomplete


class CommandTable(Generic[Ctx]):
    """A platform's exec commands.  ``register`` is used as a decorator."""

    def __init__(self) -> None:
        self.commands: list[Command[Ctx]] = []

    def register(self, spec: str, *, privileged: bool = True) -> Callable[[Callable[[Ctx, Match], Any]], Callable[[Ctx, Match], Any]]:
        items = compile_spec(spec)

        def deco(fn: Callable[[Ctx, Match], Any]) -> Callable[[Ctx, Match], Any]:
            self.commands.append(Command(spec, items, fn, privileged))
            return fn

        return deco

    def resolve(self, tokens: list[str], privileged: bool = True) -> tuple[Command[Ctx], Match]:
        best = [0]
        full: list[tuple[Command[Ctx], Match]] = []
        prefix_only = False
        for cmd in self.commands:
            if cmd.privileged and not privileged:
                continue
            for end, m in _match(cmd.items, tokens, 0, Match(), best):
                if end == len(tokens):
                    full.append((cmd, m))
            if not full and best[0] == len(tokens) and tokens:
                prefix_only = True
        if not full:
            raise NoMatch(best[0], incomplete=prefix_only and best[0] >= len(tokens))
        full.sort(key=lambda cm: (-cm[1].exact, -len(cm[1].words), -len(cm[1].args)))
        return full[0]


def caret_line(prompt_len: int, line: str, position: int) -> str:
    """The `^` marker under token ``position`` of ``line`` as the device echoes it after the prompt."""
    col = 0
    idx = 0
    in_token = False
    for k, ch in enumerate(line):
        if ch.isspace():
            in_token = False
            continue
        if not in_token:
            if idx == position:
                col = k
                break
            idx += 1
            in_token = True
    else:
        col = len(line)
    return " " * (prompt_len + col) + "^"
