"""SSH to both tunnel peers, evidence bundles, secrets kept out."""

from agent.collector.bundle import Bundle, BundlePeer, PeerError, read_bundle, write_bundle
from agent.collector.collect import PeerTarget, TunnelCollector
from agent.collector.session import CommandResult, ConnectionSpec, DeviceError, DeviceSession, JumpSpec

__all__ = [
    "Bundle", "BundlePeer", "CommandResult", "ConnectionSpec", "DeviceError", "DeviceSession", "JumpSpec", "PeerError",
    "PeerTarget", "TunnelCollector", "read_bundle", "write_bundle",
]
