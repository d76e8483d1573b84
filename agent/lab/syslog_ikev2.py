"""IKEv2 syslog messages of the simulated devices.  ASA: the 750xxx / 751xxx family of the
ASA syslog guide (e.g. `%ASA-4-750003: Local:9.8.7.6:500 Remote:2.3.4.5:500
Username:Unknown IKEv2 Negotiation aborted due to ERROR: ...`, `%ASA-5-750006 ... IKEv2 SA
UP`, `%ASA-3-751022 ... Tunnel rejected: Crypto Map Policy not found for remote traffic
selector ...`).  IOS-XE logs the same events under the IKEV2 facility (OSAL_INITIATE_TUNNEL,
RECV_CONNECTION_REQUEST, NEG_ABORT, SA_UP, SA_DOWN) and `%CRYPTO-5-SESSION_STATUS`."""

from __future__ import annotations

from agent.lab.model import Platform

_L = "Local:{local}:500 Remote:{peer}:500"

ASA: dict[str, str] = {
    "request": "%ASA-5-750001: " + _L + " Username:Unknown Received request to establish an IPsec tunnel; "
               "local traffic selector = Address Range: {lts} Protocol: 0 Port Range: 0-65535 ; "
               "remote traffic selector = Address Range: {rts} Protocol: 0 Port Range: 0-65535",
    "init_request": "%ASA-5-750002: " + _L + " Username:Unknown Received a IKE_INIT_SA request",
    "abort": "%ASA-4-750003: " + _L + " Username:{user} IKEv2 Negotiation aborted due to ERROR: {error}",
    "up": "%ASA-5-750006: " + _L + " Username:{peer} IKEv2 SA UP. Reason: New Connection Established",
    "down": "%ASA-5-750007: " + _L + " Username:{peer} IKEv2 SA DOWN. Reason: {reason}",
    "no_profile": "%ASA-3-751002: " + _L + " Username:Unknown No preshared key or trustpoint configured for self in tunnel group DefaultL2LGroup",
    "ts_reject": "%ASA-3-751022: Local: {local}:500 Remote: {peer}:500 Username: {peer} Tunnel rejected: Crypto Map Policy not found for "
                 "remote traffic selector {rts}/0-65535/0 local traffic selector {lts}/0-65535/0!",
    "no_sa": "%ASA-4-750003: " + _L + " Username:{peer} IKEv2 Negotiation aborted due to ERROR: Failed to receive the AUTH msg before the timer expired",
    "child_up": "%ASA-6-602303: IPSEC: An outbound LAN-to-LAN SA (SPI= 0x{spi:08X}) between {local} and {peer} (user= {peer}) has been created.",
    "child_up_in": "%ASA-6-602303: IPSEC: An inbound LAN-to-LAN SA (SPI= 0x{spi:08X}) between {peer} and {local} (user= {peer}) has been created.",
}

IOS: dict[str, str] = {
    "request": "%IKEV2-5-OSAL_INITIATE_TUNNEL: Received request to establish an IPsec tunnel; "
               "local traffic selector = Address Range: {lts} Protocol: 256 Port Range: 0-65535 ; "
               "remote traffic selector = Address Range: {rts} Protocol: 256 Port Range: 0-65535",
    "init_request": "%IKEV2-5-RECV_CONNECTION_REQUEST: Received a IKE_INIT_SA request",
    "abort": "%IKEV2-3-NEG_ABORT: Negotiation aborted due to ERROR: {error}",
    "up": "%CRYPTO-5-SESSION_STATUS: Crypto tunnel is UP  .  Peer {peer}:500       Id: {peer}",
    "down": "%IKEV2-5-SA_DOWN: SA DOWN",
    "no_profile": "%IKEV2-3-NEG_ABORT: Negotiation aborted due to ERROR: Failed to locate an item in the database",
    "ts_reject": "%IKEV2-3-NEG_ABORT: Negotiation aborted due to ERROR: There was no IPSEC policy found for received TS",
    "no_sa": "%CRYPTO-4-IKMP_NO_SA: IKE message from {peer} has no SA and is not an initialization offer",
    "child_up": "%CRYPTO-5-IPSEC_SETUP: IPSEC SA created: local {local}, peer {peer}, outbound spi 0x{spi:08X}",
    "child_up_in": "%CRYPTO-5-IPSEC_SETUP: IPSEC SA created: local {local}, peer {peer}, inbound spi 0x{spi:08X}",
}

TABLE: dict[Platform, dict[str, str]] = {Platform.ASA: ASA, Platform.IOS: IOS}


def message(platform: Platform, key: str, **values: object) -> str:
    return TABLE[platform][key].format(**values)
