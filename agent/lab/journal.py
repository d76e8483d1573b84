"""The lab's change journal: every state-changing line a simulated device was sent over
its CLI (configuration-mode lines, ``clear``, ``write``, ``copy``, ``reload``, ``debug``), one JSON
line each, appended to the file named by ``IPSEC_LAB_JOURNAL`` when it is set.

It is read at write time, so a lab that serves many tests writes each line where the
current test asked.  The test suite uses it to show that the agent never sends a change
that is not in an audit log with its confirmation."""

from __future__ import annotations

import json
import os
import threading
import time

JOURNAL_ENV = "IPSEC_LAB_JOURNAL"
# `debug` / `undebug` change what the device prints (and costs it CPU): journaled like a clear
EXEC_CHANGES = ("clear", "write", "copy", "reload", "erase", "delete", "debug", "undebug")
NOT_CHANGES = ("end", "exit", "quit")
# Display settings of the session that netmiko itself sends on an ASA (`terminal width 511`
# is a configuration-mode line there); they change nothing a tunnel depends on.
SESSION_SETTINGS = ("terminal", "pager")
_lock = threading.Lock()


def is_change(line: str, in_config: bool) -> bool:
    """True for a line that can change the device's state (a mode-leaving word is not)."""
    words = line.lower().split()
    if not words:
        return False
    if in_config:
        return words[0] not in NOT_CHANGES + SESSION_SETTINGS and words[0] != "do"
    if words[0] == "do":
        words = words[1:]
    if words[:1] == ["no"] and len(words) > 1 and "debug".startswith(words[1]) and len(words[1]) >= 3:
        return True  # `no debug all`
    return bool(words) and any(cmd.startswith(words[0]) and len(words[0]) >= 2 for cmd in EXEC_CHANGES)


def record(device: str, user: str, line: str) -> None:
    path = os.environ.get(JOURNAL_ENV)
    if not path:
        return
    entry = json.dumps({"device": device, "user": user, "command": line, "when": time.time()})
    with _lock, open(path, "a", encoding="utf-8") as fh:
        fh.write(entry + "\n")


def read(path: str) -> list[dict[str, object]]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(x) for x in fh if x.strip()]
