"""Properties of a diagnosis made from partial or noisy evidence (issue 18), over every lab
scenario's bundle:

* with any subset of its outputs removed, the diagnosis never says TUNNEL_UP unless the SA
  tables that were read show traffic both ways, never calls a peer it did not read up,
  never proposes a remediation without the evidence its code needs, never prints an
  unfilled ``{...}`` placeholder, and names every unread output in ``not_checked``;
* adding log lines of other peers, of other tunnel-groups and old events, and since-boot
  drop counters, never changes the root cause."""

from __future__ import annotations

import json
import re
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.collector import Bundle, BundlePeer
from agent.engine.run import diagnose_bundle
from agent.lab import scenarios as S
from agent.parsing.facts import build_peer_facts
from agent.redact import Redactor
from tests.unit.engine.test_offline_lab_bundles import bundle_of

#: tunnel scenarios (the SSH-fault ones are about the session, not the tunnel)
NAMES = sorted(n for n, sc in S.catalog().items() if sc.kind != "remote-access" and "-ssh-" not in n
               and sc.expect != "EXPIRED_VPN_CONTEXT")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def rendered(name: str) -> Bundle:
    built = S.build(name)
    sc = built.scenario
    assert sc is not None
    if sc.observe.after_probe:
        S.probe(built, sc.probe)
    return bundle_of(built, Redactor())


def _subset(bundle: Bundle, keep: list[list[bool]]) -> Bundle:
    peers = []
    for peer, mask in zip(bundle.peers, keep, strict=False):
        kept = {c: t for (c, t), k in zip(peer.outputs.items(), mask + [True] * len(peer.outputs), strict=False) if k}
        peers.append(BundlePeer(peer.name, peer.platform, peer.crypto_endpoint, None, kept))
    return Bundle(peers, bundle.tunnel, kind=bundle.kind, remote_access=dict(bundle.remote_access))


def _directions(bundle: Bundle) -> set[str]:
    """Which directions the SA counters read show traffic in ("ab": a to b)."""
    a, b = bundle.peers[0], bundle.peers[1]
    seen = set()
    for me, other, there, back in ((a, b, "ab", "ba"), (b, a, "ba", "ab")):
        if not me.outputs or me.platform is None:
            continue
        facts = build_peer_facts(me.platform, me.outputs)
        flows = [f for f in (facts.phase2.value or []) if facts.phase2.readable and str(f.peer) == other.crypto_endpoint]
        if any((f.encaps or 0) > 0 for f in flows):
            seen.add(there)
        if any((f.decaps or 0) > 0 for f in flows):
            seen.add(back)
    return seen


@SETTINGS
@given(name=st.sampled_from(NAMES), data=st.data())
def test_partial_evidence_never_claims_more_than_it_read(name: str, data: st.DataObject) -> None:
    full = rendered(name)
    keep = [data.draw(st.lists(st.booleans(), min_size=len(p.outputs), max_size=len(p.outputs))) for p in full.peers]
    bundle = _subset(full, keep)
    diag = diagnose_bundle(bundle)
    text = json.dumps(diag.to_json())
    code = diag.root_cause.code
    assert not PLACEHOLDER.search(text), PLACEHOLDER.findall(text)
    if code == "TUNNEL_UP":
        assert _directions(bundle) == {"ab", "ba"}, (name, keep, diag.root_cause.summary)
    unread = [p.name for p in bundle.peers if not p.outputs]
    for finding in diag.findings:
        if finding.code in ("TUNNEL_UP", "TUNNEL_IDLE"):
            assert not unread or "both peers" not in finding.summary, (name, unread, finding.summary)
        if finding.remediation in ("clear_sas", "reapply_crypto_map"):
            assert finding.evidence, (name, finding.code, "a remediation without evidence")
            assert finding.code in ("STALE_SA", "EXPIRED_VPN_CONTEXT", "CRYPTO_MAP_NOT_APPLIED", "CRYPTO_MAP_INCOMPLETE")
    assert all(c.code not in {f.code for f in diag.findings} for c in diag.possible_causes)
    for peer in bundle.peers:
        if not peer.outputs:
            assert any(n.startswith(f"{peer.name}: not read") for n in diag.not_checked), (peer.name, diag.not_checked)
    for peer, full_peer in zip(bundle.peers, full.peers, strict=True):
        if peer.outputs and peer.platform and len(peer.outputs) < len(full_peer.outputs):
            assert any(n.startswith(f"{peer.name}: ") for n in diag.not_checked), (peer.name, diag.not_checked)


# ------------------------------------------------------------------ noise

OTHERS = ("192.0.2.77", "192.0.2.78", "198.18.7.9")
ASA_NOISE = (
    "%ASA-5-713904: Group = {o}, IP = {o}, Received encrypted packet with no matching SA, dropping",
    "%ASA-3-713902: Group = {o}, IP = {o}, Removing peer from peer table failed, no match!",
    "%ASA-3-713206: Group = BRANCH-9, IP = {o}, Conflicting protocols specified by tunnel-group and group-policy",
    "%ASA-4-713903: Group = DefaultL2LGroup, IP = {o}, ERROR, had problems decrypting packet, probably due to mismatched pre-shared key.  Aborting",
    "%ASA-4-402119: IPSEC: Received an ESP packet (SPI= 0x1A2B3C4D, sequence number= 0x45) from {o} (user= {o}) to {me} that failed anti-replay checking.",
    "%ASA-4-113019: Group = RA-USERS, Username = jdoe, IP = {o}, Session disconnected. Session Type: IKEv1, Duration: 0h:30m:02s, Bytes xmt: 1024, Bytes rcv: 2048, Reason: Idle Timeout",
    "%ASA-5-713068: Group = {o}, IP = {o}, Received non-routine Notify message: No proposal chosen (14)",
    "%ASA-4-402101: decaps: rec'd IPSEC packet has invalid spi for destaddr={me}, prot=esp, spi=0x99887766, srcaddr={o}",
)
IOS_NOISE = (
    "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {o} failed its sanity check or is malformed",
    "%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main Mode failed with peer at {o}",
    "%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi for destaddr={me}, prot=50, spi=0x33C701EA(868680170), srcaddr={o}",
    "%CRYPTO-4-IKMP_NO_SA: IKE message from {o} has no SA and is not an initialization offer",
)
#: an event of this tunnel's own peer, days before the newest line: an old event is context
OLD_ASA = "%ASA-4-713903: Group = {p}, IP = {p}, ERROR, had problems decrypting packet, probably due to mismatched pre-shared key.  Aborting"
OLD_IOS = "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {p} failed its sanity check or is malformed"
ASP_SINCE_BOOT = ("  Expired VPN context (vpn-context-expired)                                   7\n"
                  "  IPsec tunnel is down (ipsec-tun-down)                                      12\n")


def _with_noise(bundle: Bundle, picks: list[int], old: bool, asp: bool) -> Bundle:
    peers = []
    for peer, other in ((bundle.peers[0], bundle.peers[1]), (bundle.peers[1], bundle.peers[0])):
        outputs = dict(peer.outputs)
        log_cmd = next((c for c in outputs if c.startswith("show logging")), None)
        if log_cmd is not None and peer.platform is not None:
            table = ASA_NOISE if peer.platform == "cisco_asa" else IOS_NOISE
            lines = [table[i % len(table)].format(o=OTHERS[i % len(OTHERS)], me=peer.crypto_endpoint) for i in picks]
            if old and other.crypto_endpoint:
                lines.append((OLD_ASA if peer.platform == "cisco_asa" else OLD_IOS).format(p=other.crypto_endpoint))
            outputs[log_cmd] = _insert(outputs[log_cmd], lines, old)
        asp_cmd = next((c for c in outputs if c.startswith("show asp drop")), None)
        if asp and asp_cmd is not None and "vpn-context-expired" not in outputs[asp_cmd]:
            outputs[asp_cmd] = outputs[asp_cmd].replace("Frame drop:\n", "Frame drop:\n" + ASP_SINCE_BOOT, 1)
        peers.append(BundlePeer(peer.name, peer.platform, peer.crypto_endpoint, None, outputs))
    return Bundle(peers, bundle.tunnel, kind=bundle.kind, remote_access=dict(bundle.remote_access))


_STAMP = re.compile(r"^(\*?[A-Z][a-z]{2}\s+\d{1,2}\s+(?:\d{4}\s+)?)(\d{1,2}:\d{2}:\d{2}(?:\.\d+)?)(.*?: )(%)", re.M)


def _insert(text: str, lines: list[str], old: bool) -> str:
    """The noise before the buffer's first message, stamped like the buffer's own lines
    (the old event on a day long before; the others a minute before the first line)."""
    m = _STAMP.search(text)
    if m is None:
        return text.rstrip("\n") + "\n" + "\n".join(lines if not old else lines[:-1]) + "\n"
    date, _time, rest = m.group(1), m.group(2), m.group(3)
    day = re.sub(r"\d{1,2}(\s+(\d{4}\s+)?)$", lambda d: "1" + d.group(1), date) if old else date
    stamped = [f"{date}{_time}{rest}{ln}" for ln in (lines[:-1] if old else lines)]
    if old:
        stamped.insert(0, f"{day}00:00:01{rest}{lines[-1]}")
        if day == date:  # the buffer's first line is already on the 1st: no line can be older by date
            stamped.pop(0)
    return text[:m.start()] + "\n".join(stamped) + "\n" + text[m.start():]


@cache
def clean_code(name: str) -> str:
    return diagnose_bundle(rendered(name)).root_cause.code


@SETTINGS
@given(name=st.sampled_from(NAMES), picks=st.lists(st.integers(0, 40), max_size=8), old=st.booleans(), asp=st.booleans())
def test_noise_of_other_peers_old_events_and_counters_does_not_change_the_cause(name: str, picks: list[int], old: bool,
                                                                              asp: bool) -> None:
    noisy = _with_noise(rendered(name), picks, old, asp)
    diag = diagnose_bundle(noisy)
    assert diag.root_cause.code == clean_code(name), (name, picks, old, asp,
                                                       [(s.node, s.outcome, s.detail) for s in diag.steps])
