"""ipsec-agent: live troubleshooting of Cisco ASA / IOS IPsec VPN tunnels."""

__version__ = "0.1.0"

from agent import logs as _logs  # noqa: E402

_logs.quiet()
