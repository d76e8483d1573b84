"""The decision engine.  Importing the package registers every check module's checks
(the playbooks name them): the L2L checks and the remote-access headend checks."""

from agent.engine import checks, checks_ra  # noqa: F401
