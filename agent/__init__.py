"""ipsec-agent: live troubleshooting of Cisco ASA / IOS IPsec VPN tunnels.

Importing the package configures no logging: the ``ipsec-agent`` command does that at
its entry point (``agent.cli``), and an application that imports the package keeps its
own configuration.  Until something is configured the package's log events go nowhere
(a ``NullHandler`` on the ``agent`` logger; structlog events are dropped, see
``agent.logs``)."""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
