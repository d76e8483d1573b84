"""The decision engine.  Importing the package registers every check (``agent.engine.
checks``: the L2L, IKEv2 and remote-access trees' checks), which the playbooks name."""

from agent.engine import checks  # noqa: F401
