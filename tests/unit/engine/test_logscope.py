"""A log line counts for a tunnel only when it names the tunnel's peer and is recent
(issue 18, rule 2)."""

from __future__ import annotations

from agent.engine.logscope import RECENT_SECONDS, Owner, owner, recent, tunnel_lines
from agent.parsing.model import LogLine

PEER, OTHER, ME = "198.51.100.2", "192.0.2.77", "203.0.113.1"


def line(message: str, peer: str = "", names: tuple[str, ...] = (), at: float | None = None) -> LogLine:
    return LogLine("CRYPTO", 4, "X", message, "", names=names, peer=peer, at=at, clock="date" if at is not None else "")


def test_owner_by_peer_and_by_name():
    assert owner(line("m", PEER, (PEER,)), (PEER,), (ME,)) is Owner.TUNNEL
    assert owner(line("m", "", (ME, PEER)), (PEER,), (ME,)) is Owner.TUNNEL
    assert owner(line("m", OTHER, (OTHER,)), (PEER,), (ME,)) is Owner.OTHER
    assert owner(line("m", ME, (ME,)), (PEER,), (ME,)) is Owner.NOBODY  # its own address names no peer
    assert owner(line("m"), (PEER,), (ME,)) is Owner.NOBODY


def test_old_lines_are_not_recent():
    old, new = line("old", at=0.0), line("new", at=RECENT_SECONDS + 1)
    undated = line("undated")
    assert recent([old, new, undated]) == [new, undated]


def test_lines_naming_nobody_count_only_where_no_other_peer_is_seen():
    anonymous = line("replay check failed connection id=1")
    mine = line("from peer", PEER, (PEER,))
    theirs = line("from other", OTHER, (OTHER,))
    assert tunnel_lines([anonymous, mine], (PEER,), (ME,)) == [anonymous, mine]
    assert tunnel_lines([anonymous, mine, theirs], (PEER,), (ME,)) == [mine]


def test_without_a_known_remote_every_recent_line_counts():
    theirs = line("from other", OTHER, (OTHER,))
    assert tunnel_lines([theirs], (), (ME,)) == [theirs]
