"""ipsec-agent: live troubleshooting of Cisco ASA / IOS IPsec VPN tunnels.

The Python API (docs/python-api.md): ``from agent import diagnose, diagnose_bundle,
sweep_inventory, clear, load_inventory``.

Importing the package configures no logging: the ``ipsec-agent`` command does that at
its entry point (``agent.cli``), and an application that imports the package keeps its
own configuration.  Until something is configured the package's log events go nowhere
(a ``NullHandler`` on the ``agent`` logger; structlog events are dropped, see
``agent.logs``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "clear", "diagnose", "diagnose_bundle", "load_inventory", "sweep_inventory"]

logging.getLogger(__name__).addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from agent.api import clear, diagnose, diagnose_bundle, load_inventory, sweep_inventory


def __getattr__(name: str) -> Any:
    """The API (``agent.api``) is loaded when first used: ``import agent`` stays light."""
    if name in __all__ and name != "__version__":
        from agent import api

        return getattr(api, name)
    raise AttributeError(f"module 'agent' has no attribute {name!r}")
