"""What a diagnosis says about the two sides, for the report: a healthy verdict's
wording (saying only what was read) and each peer's state side by side.  Formatting of
facts, not a check: no branch of a tree depends on it."""

from __future__ import annotations

from agent.engine.checks import facts as pf
from agent.engine.checks.l2l import _counts, _fmt_acl, _fmt_pfs, _fmt_sets, _sets
from agent.engine.registry import Context
from agent.parsing.model import TunnelGroup


def health_summary(ctx: Context) -> str:
    """What a healthy verdict rests on, saying only what was read (issue 18, rule 4)."""
    read = [(me, _counts(me, other.endpoint)) for me, other in pf.pair(ctx) if pf.phase2(me, other.endpoint) is not None]
    if len(read) == 2:
        (a, ca), (b, cb) = read
        if (ca and ca != (0, 0)) or (cb and cb != (0, 0)):
            return ("Phase 1 and phase 2 are up on both peers, SPIs pair up and traffic flows both ways "
                    f"({a.name} encaps/decaps {ca[0] if ca else 0}/{ca[1] if ca else 0}, "
                    f"{b.name} {cb[0] if cb else 0}/{cb[1] if cb else 0}).")
        return "SAs are up on both peers and pair up, but no traffic has used them."
    if len(read) == 1:
        me, c = read[0]
        other = ctx.other(me)
        if c and c[0] > 0 and c[1] > 0:
            return (f"Only {me.name} was read: its IPsec SAs with {other.name} ({other.endpoint or '?'}) are up and it "
                    f"both encrypts and decrypts (encaps {c[0]}, decaps {c[1]}), so traffic flows both ways; "
                    f"{other.name}'s side was not read.")
        return (f"Only {me.name} was read: its IPsec SAs with {other.name} are up and no traffic has used them; "
                f"{other.name}'s side was not read.")
    return "The SAs read are up."


# ---------------------------------------------------------------- the two sides, for the report


def side_summary(ctx: Context) -> dict[str, dict[str, str]]:
    """What each peer shows for this tunnel, side by side (phase 1, SAs, SPIs, counters,
    key fingerprint, transform sets, crypto ACL, PFS)."""
    out: dict[str, dict[str, str]] = {}
    for me, other in pf.pair(ctx):
        if me.facts is None:
            out[me.name] = {"reachable": f"no ({me.error or 'not collected'})"}
            continue
        p1 = pf.phase1(me, other.endpoint)
        p2 = pf.phase2(me, other.endpoint)
        entry = pf.entry_for(me, other.endpoint)
        group = pf.group_for(me, other.endpoint)
        sets = _sets(me, entry) if entry else None
        row = {
            "endpoint": me.endpoint or "?",
            "phase 1": ", ".join(f"{s.state_raw} ({s.role.value})" for s in p1) if p1 else ("none" if p1 is not None else "not read"),
            "IPsec SAs": str(len(p2)) if p2 is not None else "not read",
            "SPI out / in": ", ".join(f"{s.spi_out:08X} / {s.spi_in:08X}" for s in (p2 or []) if s.spi_out and s.spi_in) or "-",
            "encaps / decaps": (f"{sum(s.encaps or 0 for s in p2)} / {sum(s.decaps or 0 for s in p2)}" if p2 else "-"),
            "PSK": _psk_text(group),
            "transform sets": _fmt_sets(sets) if sets else "-",
            "crypto ACL": _fmt_acl(pf.acl(me, entry.acl)) if entry else "-",
            "PFS": _fmt_pfs(entry.pfs_group) if entry else "-",
        }
        out[me.name] = row
    return out


def _psk_text(group: TunnelGroup | None) -> str:
    if group is None:
        return "none"
    if group.psk_fingerprint:
        return f"hmac {group.psk_fingerprint}"
    return "masked" if group.psk_masked else "?"
