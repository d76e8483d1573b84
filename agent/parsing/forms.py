"""Commands by meaning: what a command as typed (abbreviated, aliased, filtered, a section
of the configuration) shows, per platform.

* ``VOCABULARY``: the keywords the device's parser accepts, per platform, as command
  paths (``a|b`` alternatives, ``*`` an argument).  ``expand`` completes each typed word to
  the one keyword of the path it is a prefix of, the way the device's parser does
  (``sh cry isa sa`` -> ``show crypto isakmp sa``); a word no keyword starts with is an
  argument where the path takes one, else the rest is kept as typed.
* ``ALIASES``: other spellings of the same command (``show isakmp sa`` -> ``show crypto
  isakmp sa``), applied after expansion.
* ``FORMS``: the one table of what each accepted form provides: the commands its output
  is read as (a whole ASA configuration is read as its crypto, tunnel-group, NAT, object,
  group-policy and names sections) and whether it shows only part of what the command
  would (a filter, one access list).  ``resolve`` applies all three; the facts builder,
  ``ipsec-agent parse`` and the transcript importer use it, nothing else names commands.

Expansion is the identity on a command already written in full, so bundles keyed by the
collector's commands read exactly as before."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from agent.parsing.result import Platform, platform_of

ARG = "*"

#: Command paths per platform.  Every prefix of a path is itself accepted.
VOCABULARY: dict[Platform, tuple[str, ...]] = {
    Platform.IOS: (
        "show crypto isakmp|ikev2 sa * detail",
        "show crypto isakmp|ikev2 sa detail",
        "show crypto isakmp policy|key|profile|peers|peer *",
        "show crypto ikev2 session|proposal|policy|profile|stats detail",
        "show crypto ipsec sa peer|address|identity|map|interface * detail",
        "show crypto ipsec sa detail",
        "show crypto ipsec transform-set|profile|security-association *",
        "show crypto map interface|tag *",
        "show crypto session remote|local|interface * detail",
        "show crypto session detail|brief|summary",
        "show crypto engine connections active",
        "show crypto key mypubkey rsa",
        "show crypto pki certificates|trustpoints",
        "show running-config all|full|interface|brief|partition *",
        "show startup-config",
        "show ip interface brief",
        "show ip interface *",
        "show ip route *",
        "show ip access-lists|local *",
        "show ip local pool *",
        "show ip nat translations|statistics",
        "show ip nhrp nhs|brief|detail detail",
        "show ip protocols|arp|cef|bgp|ospf|eigrp *",
        "show access-lists|access-list *",
        "show interfaces *",
        "show logging",
        "show version",
        "show dmvpn detail",
        "show debugging",
        "show users",
        "show clock",
        "show ipsec sa",  # aliases: not IOS syntax, but how people write it (ALIASES)
        "show isakmp sa detail",
        "debug crypto isakmp|ipsec|ikev2|engine|condition *",
        "undebug all",
        "no debug all",
        "terminal monitor|length|no *",
        "ping *",
        "traceroute *",
        "clear crypto sa|session|isakmp|ikev2 *",
        "configure terminal",
    ),
    Platform.ASA: (
        "show crypto isakmp|ikev1|ikev2 sa detail",
        "show crypto isakmp|ikev1|ikev2 stats",
        "show crypto ipsec sa peer|entry|map|identity * detail",
        "show crypto ipsec sa detail|summary",
        "show crypto ipsec stats",
        "show crypto accelerator statistics",
        "show crypto ca certificates|trustpoints",
        "show isakmp sa detail",
        "show ipsec sa peer * detail",
        "show ipsec sa detail",
        "show running-config all crypto map|dynamic-map|ikev1|ikev2|isakmp|ipsec *",
        "show running-config all tunnel-group|nat|object|object-group|group-policy|sysopt|access-list|route|interface|"
        "hostname|domain-name|username|webvpn|ip *",
        "show running-config crypto map|dynamic-map|ikev1|ikev2|isakmp|ipsec *",
        "show running-config tunnel-group|nat|object|object-group|group-policy|sysopt|access-list|route|interface|"
        "hostname|domain-name|username|webvpn *",
        "show running-config ip local pool *",
        "show startup-config",
        "show vpn-sessiondb detail|summary|l2l|ra-ikev1-ipsec|remote|anyconnect|filter *",
        "show vpn-sessiondb detail l2l|ra-ikev1-ipsec|remote|anyconnect filter *",
        "show vpn load-balancing",
        "show access-list *",
        "show nat detail|translated|divert-table",
        "show xlate",
        "show route *",
        "show interface ip brief",
        "show interface *",
        "show asp drop|table *",
        "show ip local pool *",
        "show ip address",
        "show logging",
        "show version",
        "show failover",
        "show conn *",
        "show clock",
        "show debug",
        "more system:running-config",
        "debug crypto isakmp|ikev1|ikev2|ipsec|condition *",
        "undebug all",
        "no debug all",
        "terminal pager|monitor|no *",
        "ping *",
        "packet-tracer input *",
        "clear crypto ipsec|isakmp|ikev1|ikev2 sa *",
        "clear configure *",
        "configure terminal",
    ),
}

#: Spellings of one command by another name, after expansion: prefix -> canonical prefix.
ALIASES: dict[Platform, tuple[tuple[str, str], ...]] = {
    Platform.IOS: (
        ("show isakmp sa", "show crypto isakmp sa"),
        ("show ipsec sa", "show crypto ipsec sa"),
    ),
    Platform.ASA: (
        ("show isakmp sa", "show crypto isakmp sa"),
        ("show ipsec sa", "show crypto ipsec sa"),
    ),
}

#: Output filters (`| include X`): the verbs each platform accepts.
PIPE_VERBS: dict[Platform, tuple[str, ...]] = {
    Platform.IOS: ("include", "exclude", "begin", "section", "count", "append", "redirect", "tee", "format"),
    Platform.ASA: ("include", "exclude", "begin", "grep", "redirect", "append"),
}

_ASA_WHOLE_CONFIG = (
    "show running-config crypto", "show running-config tunnel-group", "show running-config nat",
    "show running-config object", "show running-config group-policy",
    "show running-config | include ^hostname|^domain-name",
)


@dataclass(frozen=True)
class Form:
    """One row of the table: a family of commands (a regular expression on the expanded
    command), the commands its output is read as, and what it leaves out."""

    platform: Platform
    pattern: str
    reads: tuple[str, ...] = ()  # () : read as itself
    partial: str = ""  # why the output is only part of what the group holds ("" : whole)


#: What each accepted form provides; first match wins.  A form not listed is read as
#: itself (the template index decides what it feeds).
FORMS: tuple[Form, ...] = (
    # the ASA's whole configuration: read as each section the facts are built from
    Form(Platform.ASA, r"more system:running-config", ("more system:running-config", *_ASA_WHOLE_CONFIG[:1],
                                                       *_ASA_WHOLE_CONFIG[2:])),
    Form(Platform.ASA, r"show running-config( all)?", _ASA_WHOLE_CONFIG),
    Form(Platform.ASA, r"show startup-config", _ASA_WHOLE_CONFIG),
    Form(Platform.IOS, r"show startup-config", ("show running-config",)),
    # one access list: the others are not shown
    Form(Platform.ASA, r"show access-list (?P<name>\S+)", (), "only access list {name} is shown"),
    Form(Platform.IOS, r"show (ip )?access-lists (?P<name>\S+)", (), "only access list {name} is shown"),
    # an output filter keeps some lines: a line it does not show proves nothing
    Form(Platform.ASA, r".+? \| (?P<verb>\S+) (?P<pattern>.*)", (), "filtered (| {verb} {pattern}): lines it leaves out "
         "prove nothing"),
    Form(Platform.IOS, r".+? \| (?P<verb>\S+) (?P<pattern>.*)", (), "filtered (| {verb} {pattern}): lines it leaves out "
         "prove nothing"),
)


@dataclass(frozen=True)
class Resolution:
    """A command as typed, resolved: its full form, what its output is read as, and
    whether it shows only part of what it would."""

    typed: str
    command: str  # expanded, aliases applied
    reads: tuple[str, ...]  # the commands the output is parsed as (templates, scope)
    partial: str = ""


_Trie = dict[str, "_Trie"]


@cache
def _trie(platform: Platform) -> _Trie:
    root: _Trie = {}
    for line in VOCABULARY[platform]:
        nodes = [root]
        for word in line.split():
            nxt = []
            for node in nodes:
                for alt in word.split("|"):
                    nxt.append(node.setdefault(alt, {}))
            nodes = nxt
    return root


def _expand_words(platform: Platform, words: list[str]) -> list[str]:
    node = _trie(platform)
    out: list[str] = []
    for i, word in enumerate(words):
        low = word.lower()
        keywords = [k for k in node if k != ARG]
        if low in keywords:
            choice: str | None = low
        else:
            matches = sorted((k for k in keywords if k.startswith(low)), key=len)
            # one match; or one keyword the others extend (object / object-group)
            choice = matches[0] if matches and all(m.startswith(matches[0]) for m in matches) else None
        if choice is not None:
            out.append(choice)
            node = node[choice]
        elif ARG in node:
            out.append(word)
            node = node[ARG]
        else:
            return out + words[i:]  # not a command we know: the rest as typed
    return out


def expand(platform: str | Platform, command: str) -> str:
    """``command`` with its keywords written in full, aliases replaced and the output
    filter's verb expanded (``sh run | sec crypto`` -> ``show running-config | section
    crypto``); the identity on a command already in full."""
    plat = platform_of(platform)
    text = " ".join(command.split())
    if plat is None or not text:
        return text
    head, bar, tail = text.partition("|")
    words = _expand_words(plat, head.split())
    full = " ".join(words)
    for alias, canonical in ALIASES[plat]:
        if full == alias or full.startswith(alias + " "):
            full = canonical + full[len(alias):]
            break
    if not bar:
        return full
    verb, _, pattern = tail.strip().partition(" ")
    verbs = [v for v in PIPE_VERBS[plat] if v.startswith(verb.lower())] if verb else []
    verb = verbs[0] if len(verbs) == 1 or (verbs and verbs[0] == verb.lower()) else verb
    return f"{full} | {verb} {pattern}".rstrip()


@cache
def _compiled(platform: Platform) -> tuple[tuple[Form, re.Pattern[str]], ...]:
    return tuple((f, re.compile(f.pattern + r"$", re.I)) for f in FORMS if f.platform is platform)


def resolve(platform: str | Platform, command: str) -> Resolution:
    """What ``command`` (as typed) provides on ``platform`` (see the module doc)."""
    full = expand(platform, command)
    plat = platform_of(platform)
    if plat is None:
        return Resolution(command, full, (full,))
    for form, rx in _compiled(plat):
        m = rx.match(full)
        if m:
            partial = form.partial.format(**m.groupdict()) if form.partial else ""
            return Resolution(command, full, form.reads or (full,), partial)
    return Resolution(command, full, (full,))
