"""Root-cause codes: the contract of ``shared/diagnoses.md`` (spelled exactly as there).

Each code maps to its catalog section and one-line meaning.  The engine may add codes;
it may not rename these."""

from __future__ import annotations

CODES: dict[str, tuple[str, str]] = {
    "NO_INTERESTING_TRAFFIC": ("Phase 1 (IKE / ISAKMP)", "Config looks right but no SA exists and nothing tried to build one."),
    "ISAKMP_NOT_ENABLED": ("Phase 1 (IKE / ISAKMP)", "IKE is not enabled on the interface that terminates the tunnel."),
    "CRYPTO_MAP_NOT_APPLIED": ("Phase 1 (IKE / ISAKMP)", "The crypto map is missing from the interface, or on the wrong one."),
    "PEER_UNREACHABLE": ("Phase 1 (IKE / ISAKMP)", "The initiator gets no answer: peer down, UDP 500/4500 blocked in the path, or wrong route to the peer."),
    "IKE_POLICY_MISMATCH": ("Phase 1 (IKE / ISAKMP)", "No ISAKMP policy in common (encryption, hash, authentication, DH group; lifetime rules)."),
    "PSK_MISMATCH": ("Phase 1 (IKE / ISAKMP)", "Pre-shared keys differ."),
    "PEER_ADDRESS_MISMATCH": ("Phase 1 (IKE / ISAKMP)", "One peer points at the wrong address for the other (crypto map `set peer`, ISAKMP key address, or ASA tunnel-group name)."),
    "TUNNEL_GROUP_MISMATCH": ("Phase 1 (IKE / ISAKMP)", "ASA L2L tunnel-group is not named after the peer's IP, or its type/protocols conflict with the group-policy."),
    "ISAKMP_IDENTITY_MISMATCH": ("Phase 1 (IKE / ISAKMP)", "Peers send different identity types (address vs hostname)."),
    "XAUTH_ON_L2L": ("Phase 1 (IKE / ISAKMP)", "IOS prompts an L2L peer for XAUTH because RA and L2L share a crypto map."),
    "IKE_LIFETIME_MISMATCH": ("Phase 1 (IKE / ISAKMP)", "Lifetimes differ; rekeys collide or tunnels drop at odd intervals."),
    "KEEPALIVE_MISMATCH": ("Phase 1 (IKE / ISAKMP)", "DPD/keepalive enabled on one side only, or blocked."),
    "TRANSFORM_SET_MISMATCH": ("Phase 2 (IPsec)", "No transform set in common."),
    "PROXY_ID_MISMATCH": ("Phase 2 (IPsec)", "Crypto ACLs are not mirror images."),
    "PFS_MISMATCH": ("Phase 2 (IPsec)", "PFS on one side only, or different DH groups."),
    "CRYPTO_MAP_INCOMPLETE": ("Phase 2 (IPsec)", "The crypto map entry lacks `match address`, `set peer` or a transform set."),
    "DYNAMIC_MAP_PRIORITY": ("Phase 2 (IPsec)", "A dynamic map entry has a lower sequence number than static entries, so static peers land on it."),
    "CRYPTO_ACL_OVERLAP": ("Phase 2 (IPsec)", "Two crypto map entries' ACLs overlap."),
    "NAT_EXEMPTION_MISSING": ("Data plane (tunnel up, traffic wrong)", "Tunnel traffic is translated before encryption, so it never matches the crypto ACL."),
    "ROUTING_MISSING": ("Data plane (tunnel up, traffic wrong)", "No route sends the remote protected network out of the crypto interface (or no route back inside)."),
    "SYSOPT_PERMIT_VPN_DISABLED": ("Data plane (tunnel up, traffic wrong)", "ASA: decrypted traffic is dropped by the interface ACL."),
    "ESP_BLOCKED": ("Data plane (tunnel up, traffic wrong)", "ESP (or NAT-T UDP 4500) is dropped between the peers."),
    "NAT_T_DISABLED": ("Data plane (tunnel up, traffic wrong)", "A NAT device sits between the peers and NAT-T is off."),
    "ONE_WAY_TRAFFIC": ("Data plane (tunnel up, traffic wrong)", "Traffic flows one way and the cause could not be pinned down further."),
    "MTU_MSS": ("Data plane (tunnel up, traffic wrong)", "Tunnel up, small packets pass, large ones or some applications fail."),
    "ANTI_REPLAY_FAILURES": ("Data plane (tunnel up, traffic wrong)", "Packets reordered (QoS, parallel paths) fail the replay check."),
    "STALE_SA": ("Data plane (tunnel up, traffic wrong)", "One side still uses SAs the other side no longer has."),
    "EXPIRED_VPN_CONTEXT": ("Data plane (tunnel up, traffic wrong)", "ASA: outbound encryption fails after several rekeys while inbound works."),
    "IDLE_TIMEOUT": ("Data plane (tunnel up, traffic wrong)", "The tunnel drops after a quiet period."),
    "CRYPTO_BANDWIDTH_LIMIT": ("Data plane (tunnel up, traffic wrong)", "IOS ISR G2 hit its export-licence crypto bandwidth cap."),
    "PRESERVE_VPN_FLOWS": ("Data plane (tunnel up, traffic wrong)", "TCP sessions die when an L2L tunnel bounces (ASA persistent IPsec tunneled flows)."),
    "CRYPTO_ENGINE_ERRORS": ("Data plane (tunnel up, traffic wrong)", "Hardware crypto errors or corrupt packets."),
    "VPN_POOL_EXHAUSTED": ("Remote access and L2TP headend", "The address pool has no free addresses."),
    "SIMULTANEOUS_LOGINS_LIMIT": ("Remote access and L2TP headend", "The group policy caps logins (default 3)."),
    "SPLIT_TUNNEL_MISCONFIG": ("Remote access and L2TP headend", "RA users cannot reach the internet or remote nets."),
    "L2TP_TRANSPORT_MODE": ("Remote access and L2TP headend", "L2TP/IPsec needs transport mode and `vpn-tunnel-protocol l2tp-ipsec`."),
    "PFS_WITH_NATIVE_CLIENT": ("Remote access and L2TP headend", "PFS enabled where the Windows native client cannot do it."),
    "TUNNEL_UP": ("Healthy", "Phase 1 and phase 2 up on both peers, SPIs pair up, counters rise both ways."),
    "TUNNEL_IDLE": ("Healthy", "SAs up (or absent by design) and no error; no traffic seen."),
    "INSUFFICIENT_EVIDENCE": ("Undecided", "The diagnosis cannot decide; it names what it could not see."),
}
