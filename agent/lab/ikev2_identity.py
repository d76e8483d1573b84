"""The identity each simulated device sends in IKE_AUTH and which IOS IKEv2 profile a
received identity selects (seed 000, `crypto isakmp identity`; IOS profiles).

IOS sends what its profile's `identity local` says (address by default) and selects, as
responder, the profile whose `match identity remote address` (an address identity) or
`match identity remote fqdn` (an FQDN identity) matches what the peer sent.  The ASA sends
what `crypto isakmp identity` says (`address` / `auto` with pre-shared keys: its address;
`hostname`: its FQDN) and maps an L2L peer to the tunnel-group named after its address,
whatever identity it sent."""

from __future__ import annotations

from ipaddress import IPv4Address

from agent.lab.model import CryptoMapEntry, DeviceConfig, Ikev2Profile, Platform
from agent.platforms import fqdn_matches

Identity = tuple[str, str]  # (type, value): ("address", "198.51.100.2"), ("fqdn", "br-rtr.example.com")


def fqdn(cfg: DeviceConfig) -> str:
    return f"{cfg.hostname}.{cfg.domain_name}" if cfg.domain_name else cfg.hostname


def own_profile(cfg: DeviceConfig, peer: IPv4Address) -> Ikev2Profile | None:
    """The profile this device uses toward ``peer``: the crypto map entry's `set
    ikev2-profile`, else the profile matching the peer's address."""
    for entries in cfg.crypto_maps.values():
        for entry in entries.values():
            if isinstance(entry, CryptoMapEntry) and peer in entry.peers and entry.ikev2_profile in cfg.ikev2_profiles:
                return cfg.ikev2_profiles[entry.ikev2_profile]
    return selected_profile(cfg, peer, ("address", str(peer)))


def sent(cfg: DeviceConfig, local: IPv4Address, peer: IPv4Address) -> Identity:
    """The identity (IDi / IDr) this device sends to ``peer``."""
    if cfg.platform is Platform.ASA:
        if cfg.isakmp_identity == "hostname":
            return "fqdn", fqdn(cfg)
        if cfg.isakmp_identity == "key-id":
            return "key-id", ""
        return "address", str(local)
    profile = own_profile(cfg, peer)
    words = (profile.identity_local if profile is not None and profile.identity_local else "address").split()
    if words[0] == "address":
        return "address", words[1] if len(words) > 1 else str(local)
    if words[0] == "dn":
        return "dn", ""
    return words[0], words[1]


def selected_profile(cfg: DeviceConfig, peer: IPv4Address, ident: Identity) -> Ikev2Profile | None:
    """IOS responder: the profile the received identity selects (None: no profile matches)."""
    kind, value = ident
    for profile in cfg.ikev2_profiles.values():
        if kind == "address" and any(IPv4Address(value) in n for n in profile.match_remote):
            return profile
        if kind == "fqdn" and any(fqdn_matches(m, value) for m in profile.match_fqdn):
            return profile
    return None


def accepted(cfg: DeviceConfig, peer: IPv4Address, ident: Identity) -> bool:
    """Does the responder find where the initiator's identity belongs?  The ASA looks the
    L2L peer up by address (the key check that follows finds a missing tunnel-group)."""
    if cfg.platform is Platform.ASA:
        return True
    return selected_profile(cfg, peer, ident) is not None
