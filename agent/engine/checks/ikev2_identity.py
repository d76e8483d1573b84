"""IKEv2 identities (seed 000, `crypto isakmp identity`): what each peer sends in IKE_AUTH
against what the other peer matches.  IOS sends its IKEv2 profile's `identity local`
(its address by default) and, as responder, selects a profile by the identity received
(`match identity remote address` / `match identity remote fqdn`); the ASA sends what
`crypto isakmp identity` says (address / auto: its address; hostname: its FQDN, `hostname`
and `domain-name` of its running-config) and maps an L2L peer to the tunnel-group named
after its address, so it takes any identity."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from agent.engine.checks import facts as pf
from agent.engine.registry import Context, Outcome, PeerCtx
from agent.parsing.model import HostNames, IkeSettings, Ikev2Profile
from agent.platforms import fqdn_matches


def _settings(peer: PeerCtx) -> IkeSettings | None:
    k = pf.known_ike(peer)
    return k.value if k is not None and isinstance(k.value, IkeSettings) else None


def _network(text: str) -> IPv4Network | None:
    words = text.split()
    try:
        return IPv4Network(f"{words[0]}/{words[1] if len(words) > 1 else '255.255.255.255'}", strict=False)
    except (ValueError, IndexError):
        return None


def _matches_address(profile: Ikev2Profile, address: str) -> bool:
    try:
        ip = IPv4Address(address)
    except ValueError:
        return False
    return any(n is not None and ip in n for n in map(_network, profile.match_addresses))


def _own_profile(me: PeerCtx, settings: IkeSettings, remote: str) -> Ikev2Profile | None:
    entry = pf.entry_for(me, remote)
    named = entry.ikev2_profile if entry is not None else None
    return next((p for p in settings.ikev2_profiles if p.name == named), None) or next(
        (p for p in settings.ikev2_profiles if _matches_address(p, remote)), None)


def _fqdn(peer: PeerCtx) -> str | None:
    k = pf.known_names(peer)
    return k.value.fqdn if k is not None and isinstance(k.value, HostNames) else None


def sent(me: PeerCtx, remote: str) -> tuple[str, str | None] | None:
    """(type, value) of the identity ``me`` sends to ``remote``; value None when the type
    is known and the value is not (an ASA whose names were not read); None when the
    settings are unread."""
    settings = _settings(me)
    if settings is None or me.endpoint is None:
        return None
    if me.platform == "cisco_asa":
        ident = settings.identity or "auto"
        if ident == "hostname":
            return "fqdn", _fqdn(me)
        return ("address", me.endpoint) if ident in ("address", "auto") else (ident, None)
    profile = _own_profile(me, settings, remote)
    words = (profile.identity_local if profile is not None and profile.identity_local else "address").split()
    if words[0] == "address":
        return "address", words[1] if len(words) > 1 else me.endpoint
    return words[0], words[1] if len(words) > 1 else None


def _fmt(ident: tuple[str, str | None]) -> str:
    kind, value = ident
    return f"{kind} {value}" if value else "fqdn (its host name)" if kind == "fqdn" else kind


def _fmt_matches(profiles: tuple[Ikev2Profile, ...]) -> str:
    parts = [f"address {a.split()[0]}" for p in profiles for a in p.match_addresses] + [
        f"fqdn {f}" for p in profiles for f in p.match_fqdns]
    return ", ".join(parts) or "nothing"


def identity_mismatch(ctx: Context) -> Outcome | None:
    """The first direction in which no IOS profile of the receiver takes the sender's identity."""
    for me, other in pf.pair(ctx):
        if other.platform != "cisco_ios" or other.endpoint is None:
            continue  # the ASA maps the peer by its address
        ident, settings = sent(me, other.endpoint), _settings(other)
        if ident is None or settings is None or not settings.ikev2_profiles:
            continue
        kind, value = ident
        profiles = settings.ikev2_profiles
        if kind == "address" and value is not None:
            taken = any(_matches_address(p, value) for p in profiles)
        elif kind == "fqdn":
            fqdns = [f for p in profiles for f in p.match_fqdns]
            if fqdns and value is None:
                ctx.not_checked.append(f"{me.name}'s FQDN against {other.name}'s match identity remote fqdn")
                continue
            taken = value is not None and any(fqdn_matches(f, value) for f in fqdns)
        else:
            taken = False
        if taken:
            continue
        matches = _fmt_matches(profiles)
        why = f"{me.name} sends identity {_fmt(ident)}, {other.name}'s IKEv2 profiles match {matches}"
        profile = _own_profile(other, settings, me.endpoint or "") or profiles[0]
        return Outcome("identity_mismatch", why, pf.ev(me, "ike", "identity") + pf.ev(other, "ike", "identity"),
                       peer=me.name, values={"identities": why, "sender": me.name, "receiver": other.name,
                                             "sent": _fmt(ident), "matches": matches, "profile": profile.name,
                                             "remote": me.endpoint, "local": other.endpoint})
    return None
