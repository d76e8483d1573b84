"""The one root of the agent's own exceptions.  A user mistake is an ``AgentError``
with a message fit to print; the CLI turns it into an exit status, never a traceback."""

from __future__ import annotations


class AgentError(Exception):
    """Base of every error the agent raises on purpose."""

    exit_code = 2


class UsageError(AgentError):
    """Bad input from the user: a missing file, an unknown tunnel, a malformed bundle."""


class BundleError(UsageError):
    """An evidence bundle that cannot be read."""
