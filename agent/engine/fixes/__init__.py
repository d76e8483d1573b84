"""Fixes an engineer can paste: for a cause whose fix is a configuration change, the
lines per device, in its own syntax and names, computed from both configurations, with
their rollback (issue 17).  Pure: facts in, change out; nothing here is applied.

The fix functions are registered explicitly by importing their modules here."""

from agent.engine.fixes import phase1, phase2, remote_access  # noqa: F401  (registers the fix functions)
from agent.engine.fixes.base import FIXES, compute
from agent.engine.fixes.syntax import PLACEHOLDERS

__all__ = ["FIXES", "PLACEHOLDERS", "compute"]
