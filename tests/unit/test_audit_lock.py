from __future__ import annotations

import stat
from pathlib import Path

import pytest

from agent.remediate.audit import AuditLog, AuditRecord
from agent.remediate.lock import TunnelBusy, TunnelLock


def test_audit_appends_json_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a" / "audit.jsonl")
    log.write(AuditRecord("hq-asa", "clear crypto ipsec sa peer 198.51.100.2", "", "ok", tunnel="t", diagnosis="STALE_SA"))
    log.write(AuditRecord("br-rtr", "clear crypto sa peer 203.0.113.1", "", "ok", tunnel="t"))
    records = log.read()
    assert [r["device"] for r in records] == ["hq-asa", "br-rtr"]
    assert records[0]["diagnosis"] == "STALE_SA" and records[0]["user"] and records[0]["when"]
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600


def test_lock_excludes_a_second_holder(tmp_path: Path) -> None:
    with TunnelLock("hq/br", tmp_path):
        with pytest.raises(TunnelBusy, match="being changed by another session"):
            TunnelLock("hq/br", tmp_path).acquire()
        TunnelLock("other", tmp_path).acquire().release()
    TunnelLock("hq/br", tmp_path).acquire().release()
