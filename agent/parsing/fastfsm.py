"""``FastTextFSM``: textfsm's own state machine, with the same results and less work per line.

Stock TextFSM tries a state's rules one by one in Python, each a ``re.match`` call, and on
every record walks every value's options (most values have none) and finds a value by name
with a linear search.  Over the SA tables of a fleet that is most of a sweep's parse time.

Here, per state (and per starting rule, for ``Continue``), the rules are joined into one
alternation ``(?P<_0>rule0)|(?P<_1>rule1)|...`` whose inner groups are made non-capturing:
``re`` tries the alternatives in order and returns the first that matches, which is the
rule stock TextFSM would have picked; that rule's own regex then runs once to give the
named groups.  Actions (Record, Clear, Continue, Error, state changes) are textfsm's own
code.  A state whose rules cannot be joined safely (numbered or named back references, a
pattern that does not compile joined) keeps the rule-by-rule loop.  Value lookup is a dict;
record saving and clearing skip the option hooks of values that have no options.

``tests/unit/parsing/test_fastfsm.py`` compares every template over the corpus and the lab's
outputs with stock TextFSM, result for result."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import textfsm
from textfsm.parser import SkipRecord, SkipValue

_NAMED_GROUP = re.compile(r"(?<!\\)\(\?P<([A-Za-z_]\w*)>")
_BACKREF = re.compile(r"\\[1-9]|\(\?P=")
_BASE = textfsm.TextFSMOptions.OptionBase


@dataclass(frozen=True)
class Plan:
    """A state's rules from ``start`` on, joined: ``regex`` tries them in order; a match's
    ``lastgroup`` is ``_<i>`` for rule ``start + i``, whose named groups are ``groups[i]``
    as (name in the joined regex, name in the rule)."""

    regex: re.Pattern[str]
    groups: tuple[tuple[tuple[str, str], ...], ...]


def join_rules(patterns: list[str]) -> Plan | None:
    """``patterns`` as one ``Plan``, or None when they cannot be joined without changing
    what each matches (back references; a pattern that does not compile joined, as one with
    global inline flags)."""
    parts = []
    groups = []
    for i, pattern in enumerate(patterns):
        if _BACKREF.search(pattern):
            return None
        names = tuple((f"_{i}_{n}", n) for n in _NAMED_GROUP.findall(pattern))
        prefix = f"_{i}_"

        def rename(m: re.Match[str], prefix: str = prefix) -> str:
            return f"(?P<{prefix}{m.group(1)}>"

        parts.append(f"(?P<_{i}>{_NAMED_GROUP.sub(rename, pattern)})")
        groups.append(names)
    try:
        regex = re.compile("|".join(parts))
    except re.error:
        return None
    return Plan(regex, tuple(groups))


def _hooks(value: Any, method: str) -> tuple[Any, ...]:
    """The options of ``value`` whose ``method`` does something (not OptionBase's no-op)."""
    return tuple(o for o in value.options if getattr(type(o), method) is not getattr(_BASE, method))


class FastTextFSM(textfsm.TextFSM):
    """A drop-in ``textfsm.TextFSM`` (same template file, same ``ParseText`` result)."""

    _cur_state: list[Any]
    _cur_state_name: str

    def __init__(self, template: Any, options_class: Any = textfsm.TextFSMOptions) -> None:
        super().__init__(template, options_class)
        self._by_name = {v.name: (v, _hooks(v, "OnAssignVar")) for v in self.values}
        self._save_hooked = [(v, h) for v in self.values if (h := _hooks(v, "OnSaveRecord"))]
        self._clear_hooks = [h for v in self.values for h in _hooks(v, "OnClearVar")]
        self._plans: dict[tuple[str, int], Plan | None] = {}
        for state, rules in self.states.items():  # joined now: a parse finds them ready
            self._plan(state, 0)
            for i, rule in enumerate(rules):
                if rule.line_op == "Continue":
                    self._plan(state, i + 1)

    def _GetValue(self, name: str) -> Any:  # noqa: N802 - textfsm's name
        found = self._by_name.get(name)
        return None if found is None else found[0]

    def _plan(self, state: str, start: int) -> Plan | None:
        key = (state, start)
        if key not in self._plans:
            rules = self.states[state][start:]
            self._plans[key] = join_rules([r.regex for r in rules]) if rules else None
        return self._plans[key]

    def ParseText(self, text: str, eof: bool = True) -> list[list[Any]]:  # noqa: N802 - textfsm's name
        """textfsm's ParseText (the same loop, end states and implicit EOF record)."""
        check = self._CheckLine
        for line in text.splitlines() if text else ():
            check(line)
            if self._cur_state_name in ("End", "EOF"):
                break
        if self._cur_state_name != "End" and "EOF" not in self.states and eof:
            self._AppendRecord()  # implicit EOF performs Next.Record
        return self._result

    def _CheckLine(self, line: str) -> None:  # noqa: N802 - textfsm's name
        start = 0
        while True:
            rules = self._cur_state
            plan = self._plan(self._cur_state_name, start)
            if plan is None:  # rule by rule, as textfsm does
                index = next((i for i in range(start, len(rules)) if rules[i].regex_obj.match(line)), None)
                if index is None:
                    return
                matched = rules[index].regex_obj.match(line)
                assigned = [(n, matched.group(n)) for n in matched.groupdict()]
            else:
                found = plan.regex.match(line)
                if found is None:
                    return
                offset = int(str(found.lastgroup)[1:])
                index = start + offset
                assigned = [(name, found.group(g)) for g, name in plan.groups[offset]]
            for name, text in assigned:  # textfsm's _AssignVar / TextFSMValue.AssignVar
                entry = self._by_name.get(name)
                if entry is not None:
                    value, hooks = entry
                    value.value = text
                    for hook in hooks:
                        hook.OnAssignVar()
            rule = rules[index]
            # textfsm's _Operations; a plain `Next` (no record or line operator) does nothing
            if not (rule.record_op or rule.line_op) or self._Operations(rule, line):
                if rule.new_state:
                    if rule.new_state not in ("End", "EOF"):
                        self._cur_state = self.states[rule.new_state]
                    self._cur_state_name = rule.new_state
                return
            start = index + 1  # Continue: the rules after this one see the same line

    def _AppendRecord(self) -> None:  # noqa: N802 - textfsm's name
        """textfsm's: the options' save hooks in value order (stock options: List fills its
        value, Required raises SkipRecord), then the values; hook-less values do nothing."""
        if not self.values:
            return
        skipped = None
        for value, hooks in self._save_hooked:
            try:
                for hook in hooks:
                    hook.OnSaveRecord()
            except SkipRecord:
                self._ClearRecord()
                return
            except SkipValue:
                skipped = (skipped or set()) | {id(value)}
        values = self.values if skipped is None else [v for v in self.values if id(v) not in skipped]
        record = [v.value for v in values]
        if len(record) == record.count(None) + record.count([]):
            return
        self._result.append(["" if v is None else v for v in record])
        self._ClearRecord()

    def _ClearRecord(self) -> None:  # noqa: N802 - textfsm's name
        for value in self.values:
            value.value = None
        for hook in self._clear_hooks:
            hook.OnClearVar()


# ---------------------------------------------------------------- self-check
# FastTextFSM uses textfsm's own actions but overrides some of its private methods; a
# textfsm release that changes them must not change a parse.  Before the first template
# is compiled, both machines parse a template that uses every option and action; the
# fast one is used only when they agree.

OPTIONS_TEMPLATE = r"""Value Filldown,Required SECTION (\S+)
Value Key NAME (\w+)
Value List TAGS ((?P<tag>\w+)=(?P<val>\d+))
Value Fillup TOTAL (\d+)
Value NUMBER (\d+)
Value Required STATE (up|down)

Start
  ^(?i:section)\s+${SECTION}\s*$$
  ^item\s+${NAME} -> Continue
  ^item\s+\w+\s+number\s+${NUMBER} -> Continue
  ^item\s+.*state\s+${STATE}
  ^\s+tag\s+${TAGS}
  ^end -> Record
  ^reset -> Clear
  ^wipe -> Clearall
  ^total\s+${TOTAL}
  ^error -> Error "bad line"
  ^stop -> End
  ^.* -> Continue
  ^next -> Next.Record Other

Other
  ^back -> Start
  ^\s*${NAME}\s*$$ -> Record
"""

OPTIONS_INPUT = """SECTION alpha
item one number 1 state up
  tag a=1
  tag b=2
end
item two number 2 state down
reset
item three state up
end
next
  four
back
section beta
item five number 5 state up
  tag c=3
end
wipe
item six number 6 state down
end
total 9
item seven number 7
"""


@cache
def machine_class() -> type[textfsm.TextFSM]:
    """FastTextFSM when it parses the self-check exactly as the installed textfsm does,
    else textfsm.TextFSM."""
    for text in (OPTIONS_INPUT, OPTIONS_INPUT + "stop\nitem eight state up\nend\n", OPTIONS_INPUT + "error\n", ""):
        results = []
        for cls in (textfsm.TextFSM, FastTextFSM):
            try:
                fsm = cls(io.StringIO(OPTIONS_TEMPLATE))
                results.append(("ok", fsm.header, fsm.ParseText(text)))
            except textfsm.TextFSMError as exc:
                results.append(("error", str(exc), None))
            except Exception as exc:  # noqa: BLE001 - any failure of the fast machine means: do not use it
                results.append(("crash", type(exc).__name__, None))
        if results[0] != results[1]:
            logging.getLogger(__name__).warning("FastTextFSM disagrees with textfsm %s; using textfsm",
                                                getattr(textfsm, "__version__", "?"))
            return textfsm.TextFSM
    return FastTextFSM
