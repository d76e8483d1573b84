"""`debug crypto ...` on the lab's devices: the exec commands that switch it on and off,
and the debug lines IKE negotiation prints while it is on.

Where the lines go: to every session that ran `terminal monitor`, and into the log buffer
(IOS at `logging buffered debugging`, the lab's default; ASA only with `logging
debug-trace`, as `%ASA-7-711001:`).  `debug crypto condition peer ipv4 X` (IOS) / `debug
crypto condition peer X` (ASA) scopes them to the named peers; `undebug all` / `no debug
all` turns everything off.

The forms are seed 001's ("IPsec Troubleshooting: Understanding and Using debug Commands",
sections "Main Mode failed with peer at", "Proxy Identities Not Supported", "Transform
Proposal Not Supported", "Invalid Proxy IDs"): `ISAKMP (0:1): atts are not acceptable.
Next payload is 0`, `IPSEC(validate_proposal_request): proposal part #1, ...`,
`IPSec(validate_transform_proposal): proxy identities not supported`, `ISAKMP: IPSec policy
invalidated proposal`.  The ASA's IKEv1 debug repeats its 713xxx messages under an
`[IKEv1]: ` tag (seed 000: `[IKEv1]: Group = x.x.x.x, IP = x.x.x.x, QM FSM error ...`)."""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Network

from agent.lab.model import Platform
from agent.lab.syslog import message
from agent.lab.world import Device

#: `debug crypto KIND` words each platform takes, and the kind they switch on
KINDS: dict[Platform, dict[str, str]] = {
    Platform.IOS: {"isakmp": "isakmp", "ipsec": "ipsec", "ikev2": "ikev2"},
    Platform.ASA: {"ikev1": "ikev1", "isakmp": "ikev1", "ikev2": "ikev2", "ipsec": "ipsec"},
}
IOS_ON = {"isakmp": "Crypto ISAKMP debugging is on", "ipsec": "Crypto IPSEC debugging is on",
          "ikev2": "IKEv2 default debugging is on"}
IOS_OFF = {"isakmp": "Crypto ISAKMP debugging is off", "ipsec": "Crypto IPSEC debugging is off",
           "ikev2": "IKEv2 default debugging is off"}
IOS_ALL_OFF = "All possible debugging has been turned off"


class DebugSyntax(ValueError):
    """A `debug` line the device does not take; the position of the bad word."""

    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position


def is_debug(words: list[str]) -> bool:
    low = [w.lower() for w in words]
    return bool(low) and (
        (len(low[0]) >= 3 and "debug".startswith(low[0]))
        or (len(low[0]) >= 3 and "undebug".startswith(low[0]))
        or (low[0] == "no" and len(low) > 1 and len(low[1]) >= 3 and "debug".startswith(low[1]))
    )


def command(dev: Device, words: list[str]) -> str:
    """Run one `debug` / `undebug` / `no debug` exec line; the device's answer."""
    low = [w.lower() for w in words]
    state = dev.state.debug
    off = low[0].startswith("u") or low[0] == "no"
    rest = low[2:] if low[0] == "no" else low[1:]
    if off and rest[:1] == ["all"] or (off and not rest):
        state.kinds.clear()
        state.peers.clear()
        return IOS_ALL_OFF + "\n" if dev.platform is Platform.IOS else ""
    if not rest or not "crypto".startswith(rest[0]) or len(rest) < 2:
        raise DebugSyntax(1 if low[0] != "no" else 2)
    what = rest[1]
    base = len(words) - len(rest)
    if what == "condition":
        return _condition(dev, rest[2:], off, base + 2)
    kinds = KINDS[dev.platform]
    kind = next((k for w, k in kinds.items() if w.startswith(what) and len(what) >= 3), None)
    if kind is None:
        raise DebugSyntax(base + 1)
    if off:
        state.kinds.pop(kind, None)
        return IOS_OFF[kind] + "\n" if dev.platform is Platform.IOS and kind in IOS_OFF else ""
    level = 1
    tail = rest[2:]
    if tail and tail[-1].isdigit():  # ASA `debug crypto ikev1 127`, `debug crypto ikev2 protocol 64`
        level = max(1, min(255, int(tail[-1])))
    state.kinds[kind] = level
    if dev.platform is Platform.IOS:
        return IOS_ON.get(kind, "") + "\n"
    return ""


def _condition(dev: Device, args: list[str], off: bool, base: int) -> str:
    state = dev.state.debug
    if args[:1] == ["reset"] or (off and not args):
        state.peers.clear()
        return ""
    if args[:1] != ["peer"]:
        raise DebugSyntax(base)
    addr_words = args[2:] if args[1:2] in (["ipv4"], ["address"]) else args[1:]
    try:
        addr = IPv4Address(addr_words[0])
    except (IndexError, ValueError):
        raise DebugSyntax(base + len(args) - len(addr_words)) from None
    if off:
        state.peers.discard(addr)
    else:
        state.peers.add(addr)
    return ""


def _on(dev: Device, kind: str, peer: object) -> bool:
    state = dev.state.debug
    if kind not in state.kinds:
        return False
    if not state.peers:
        return True
    try:
        return IPv4Address(str(peer)) in state.peers
    except ValueError:
        return False


def emit(dev: Device, kind: str, peer: object, lines: list[str]) -> None:
    if _on(dev, kind, peer):
        for line in lines:
            dev.log(line, debug=True)


_ASA_TEXT = re.compile(r"^%ASA-\d-(?P<id>\d{6}): (?P<text>.*)$")


def _proxy(network: IPv4Network) -> str:
    kind = 1 if network.prefixlen == 32 else 4
    return f"{network.network_address}/{network.netmask}/0/0 (type={kind})"


def proposal_request(local: IPv4Address, peer: IPv4Address, dest_net: IPv4Network, src_net: IPv4Network,
                     transforms: str) -> list[str]:
    """What IOS prints for a quick mode proposal it validates (seed 001, "Invalid Proxy IDs")."""
    return [
        "IPSEC(validate_proposal_request): proposal part #1,",
        f"  (key eng. msg.) dest= {local}, src= {peer},",
        f"    dest_proxy= {_proxy(dest_net)},",
        f"    src_proxy= {_proxy(src_net)},",
        f"    protocol= ESP, transform= {transforms} ,",
        "    lifedur= 0s and 0kb,",
        "    spi= 0x0(0), conn_id= 0, keysize= 0, flags= 0x4",
    ]


def _ios_lines(dev: Device, key: str, values: dict[str, object]) -> list[tuple[str, list[str]]]:
    peer = values.get("peer")
    ike = dev.state.ike_sas.get(IPv4Address(str(peer))) if peer else None
    cid = ike.conn_id if ike is not None else 0
    request = values.get("request")
    pre = request if isinstance(request, list) else []
    if key == "no_proposal_local":
        return [("isakmp", [f"ISAKMP (0:{cid}): atts are not acceptable. Next payload is 0",
                            f"ISAKMP (0:{cid}): no offers accepted!",
                            f"ISAKMP (0:{cid}): SA not acceptable!"])]
    if key == "proxy_reject":
        return [("ipsec", [*pre, "IPSec(validate_transform_proposal): proxy identities not supported"]),
                ("isakmp", ["ISAKMP: IPSec policy invalidated proposal", f"ISAKMP (0:{cid}): SA not acceptable!"])]
    if key == "ts_reject":
        return [("ipsec", [*pre, "IPSEC(validate_proposal): transform proposal (prot 3, trans 12, hmac_alg 2) not supported"]),
                ("isakmp", [f"ISAKMP (0:{cid}): atts not acceptable. Next payload is 0",
                            f"ISAKMP (0:{cid}): SA not acceptable!"])]
    if key == "psk_mismatch":
        return [("isakmp", [f"ISAKMP (0:{cid}): reserved not zero on payload 5!"])]
    if key == "no_key":
        return [("isakmp", [f"ISAKMP:(0): No pre-shared key with {peer}!"])]
    return []


def say(dev: Device, key: str, **values: object) -> None:
    """Log syslog message ``key`` on ``dev`` and, with debug on, the debug lines that go
    with it.  ``request`` (IOS) is the proposal the responder validated, for the debug."""
    text = message(dev.platform, key, **{k: v for k, v in values.items() if k != "request"})
    dev.log(text)
    peer = values.get("peer")
    if dev.platform is Platform.ASA:
        m = _ASA_TEXT.match(text)
        if m and m["id"].startswith(("713", "715")):
            emit(dev, "ikev1", peer, [f"[IKEv1]: {m['text']}"])
        return
    for kind, lines in _ios_lines(dev, key, values):
        emit(dev, kind, peer, lines)


IOS_SHOW = {"isakmp": "Crypto ISAKMP debugging is on", "ipsec": "Crypto IPSEC debugging is on",
            "ikev2": "IKEv2 default debugging is on"}


def show(dev: Device) -> str:
    """`show debugging` (IOS) / `show debug` (ASA): what is on, and the peer condition."""
    state = dev.state.debug
    if dev.platform is Platform.ASA:
        lines = [f"debug crypto {kind} enabled at level {level}" for kind, level in sorted(state.kinds.items())]
        lines += [f"debug crypto condition peer {p}" for p in sorted(state.peers)]
        return "".join(line + "\n" for line in lines)
    if not state.kinds:
        return ""
    lines = ["", "Cryptographic Subsystem:"] + [f"  {IOS_SHOW[k]}" for k in ("isakmp", "ipsec", "ikev2") if k in state.kinds]
    if state.peers:
        lines += ["", "Crypto conditional debug currently is turned ON",
                  *(f"IKE peer IP address filters:  {p}" for p in sorted(state.peers))]
    return "\n".join(lines) + "\n\n"
