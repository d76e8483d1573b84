"""The checks the playbooks name, one module per tree, registered here explicitly (the
playbooks refer to them by name): the L2L IKEv1 tree (``l2l``, and ``l2l_evidence`` for
partial and messy evidence), the IKEv2 tree (``ikev2``, with ``ikev2_identity``) and the
remote-access headend tree (``ra``).  The fact accessors they share are ``facts``."""

from agent.engine.checks import facts, ikev2, ikev2_identity, l2l, l2l_evidence, ra

__all__ = ["facts", "ikev2", "ikev2_identity", "l2l", "l2l_evidence", "ra"]
