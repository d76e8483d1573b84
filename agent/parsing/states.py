"""IKE SA state names -> ``Phase1State``, as a table, with where each mapping comes from.

Both platforms use the same IKEv1 main-mode vocabulary in places, each adds its own:
IOS counts exchanges by what it is doing (MM_NO_STATE, MM_SA_SETUP, MM_KEY_EXCH, QM_IDLE),
the ASA by which of the six main-mode messages it waits for (MM_WAIT_MSG2 ... MM_WAIT_MSG6,
MM_ACTIVE). Seeds are the Cisco TAC documents in /work/shared/seeds:

* seed 000 ("common L2L and remote access IPsec VPN problems"):
  - ASA MM_WAIT_MSG2 when the peer does not answer ("connectivity / wrong crypto peer /
    wrong ISAKMP proposal"), "MM_WAIT_MSG2 to MM_WAIT_MSG5 show the exchange that failed";
  - ASA MM_WAIT_MSG4 when the peer address is wrong in the crypto configuration;
  - ASA MM_WAIT_MSG_6 when the pre-shared keys do not match;
  - ASA MM_ACTIVE when phase 1 is up;
  - IOS CONF_XAUTH when an L2L peer is asked for XAUTH (fix: isakmp key ... no-xauth);
  - IOS AG_INIT_EXCH: ISAKMP policy mismatch or UDP 500 blocked on the path.
* seed 001 ("IPsec troubleshooting: debug commands"):
  - IOS MM_NO_STATE: main mode failed (phase 1 policies do not match);
  - IOS/PIX QM_IDLE is the normal state; MM_KEY_EXCH: wrong pre-shared key or the peer's
    address differs.
States not in the seeds follow the same exchange order (IOS MM_SA_SETUP: policies agreed,
no DH yet; MM_KEY_AUTH: authenticated, moving to QM_IDLE; ASA MM_WAIT_MSG3 / MM_WAIT_MSG5:
responder waiting for the key exchange / the authentication message; aggressive mode AM_*).
IKEv2 status READY is an established SA; other IKEv2 states stay OTHER with the raw text."""

from __future__ import annotations

import re

from agent.parsing.model import Phase1State

S = Phase1State

#: Normalised state name (upper case, "MSG_6" -> "MSG6") -> Phase1State.
STATE_TABLE: dict[str, Phase1State] = {
    # established
    "MM_ACTIVE": S.ESTABLISHED,  # ASA, seed 000
    "QM_IDLE": S.ESTABLISHED,  # IOS / PIX, seed 001
    "AM_ACTIVE": S.ESTABLISHED,  # ASA aggressive mode
    "MM_KEY_AUTH": S.ESTABLISHED,  # IOS: authenticated, about to be QM_IDLE
    "READY": S.ESTABLISHED,  # IKEv2 (IOS and ASA)
    # first exchange unanswered / policy refused
    "MM_NO_STATE": S.NEGOTIATING_NO_REPLY,  # IOS, seed 001
    "MM_WAIT_MSG2": S.NEGOTIATING_NO_REPLY,  # ASA initiator, seed 000
    "AG_INIT_EXCH": S.NEGOTIATING_NO_REPLY,  # IOS aggressive mode, seed 000
    "AG_NO_STATE": S.NEGOTIATING_NO_REPLY,
    "AM_WAIT_MSG2": S.NEGOTIATING_NO_REPLY,  # ASA aggressive initiator
    # policy agreed, Diffie-Hellman exchange under way
    "MM_SA_SETUP": S.NEGOTIATING_KEY,  # IOS
    "MM_WAIT_MSG3": S.NEGOTIATING_KEY,  # ASA responder
    "MM_WAIT_MSG4": S.NEGOTIATING_KEY,  # ASA initiator, seed 000 (wrong peer address)
    # keys exchanged, authentication failed or not finished
    "MM_KEY_EXCH": S.AUTH_FAILED_OR_PENDING,  # IOS / PIX, seed 001 (wrong PSK or peer address)
    "MM_WAIT_MSG5": S.AUTH_FAILED_OR_PENDING,  # ASA responder, seed 000
    "MM_WAIT_MSG6": S.AUTH_FAILED_OR_PENDING,  # ASA initiator, seed 000 (PSK mismatch)
    "AG_AUTH": S.AUTH_FAILED_OR_PENDING,
    "AM_WAIT_MSG3": S.AUTH_FAILED_OR_PENDING,
    # extended authentication asked of a peer
    "CONF_XAUTH": S.XAUTH,  # IOS, seed 000
}

_MSG = re.compile(r"MSG_(\d)")


def normalise_state(raw: str) -> str:
    """"MM_WAIT_MSG_6" -> "MM_WAIT_MSG6", "AM_Active" -> "AM_ACTIVE"."""
    return _MSG.sub(r"MSG\1", raw.strip().upper())


def phase1_state(raw: str) -> Phase1State:
    """The Phase1State for a state as printed (UNKNOWN for "", OTHER when not in the table)."""
    name = normalise_state(raw)
    if not name:
        return S.UNKNOWN
    if name in STATE_TABLE:
        return STATE_TABLE[name]
    if "XAUTH" in name:
        return S.XAUTH
    return S.OTHER


def ike_version_of_state(raw: str) -> int | None:
    """1 for main / aggressive / quick mode names, 2 for IKEv2 status words, else None."""
    name = normalise_state(raw)
    if re.match(r"^(MM|AM|AG|QM|CONF)_", name):
        return 1
    if name in ("READY", "IN-NEG", "DELETE", "UP-ACTIVE"):
        return 2
    return None
