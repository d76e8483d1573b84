"""Fixes of IKE (phase 1) causes: IKE enabled, map applied, policy, key, peer address,
tunnel-group, identity, XAUTH, lifetime, keepalive, NAT-T."""

from __future__ import annotations

import re

from agent.engine.fixes import syntax as X
from agent.engine.fixes.base import AFTER, Change, Outcome, Side, Tunnel, fix, option, result, value
from agent.engine.model import FixOption
from agent.parsing.model import GroupPolicy, IsakmpPolicy


@fix("ISAKMP_NOT_ENABLED")
def isakmp_not_enabled(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        ike = s.ike
        if ike is None:
            continue
        if s.asa:
            itf = s.crypto_interface
            enabled = ike.ikev2_interfaces if t.ikev2 else ike.enabled_interfaces
            word = "ikev2" if t.ikev2 else "ikev1"
            if itf and itf not in enabled:
                options.append(option(f"enable {word} on {s.name}'s {itf}", s.change(
                    [f"crypto {word} enable {itf}"], [f"no crypto {word} enable {itf}"]), favoured=True,
                    why=f"{s.name} does not enable {word} on {itf}, the interface its crypto map is on"))
        elif ike.enabled_globally is False:
            options.append(option(f"enable ISAKMP on {s.name}", s.change(["crypto isakmp enable"], ["no crypto isakmp enable"]),
                                  favoured=True, why=f"{s.name} has 'no crypto isakmp enable'"))
    return result(options, AFTER)


@fix("CRYPTO_MAP_NOT_APPLIED")
def map_not_applied(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        e = s.entry
        itf = s.interface_toward(s.peer.endpoint)
        if e is None or e.interfaces or not itf:
            continue
        options.append(option(f"apply {e.map_name} to {s.name}'s {itf}", s.change(
            X.map_on_interface(s.platform, e.map_name, itf), X.map_on_interface(s.platform, e.map_name, itf, remove=True)),
            favoured=True, why=f"{s.name}'s map {e.map_name} is on no interface; {itf} holds its crypto endpoint"))
    return result(options, AFTER)


def _weak(p: object) -> bool:
    return bool({getattr(p, "encryption", ""), getattr(p, "hash", "")} & X.WEAK) or getattr(p, "dh_group", None) in X.WEAK_GROUPS


def policy_mismatch(t: Tunnel, _: Outcome) -> Change | None:
    if t.ikev2 or len(t.sides) < 2:
        return None
    options = []
    for s in t.sides:
        o = t.other(s)
        if o is None or not o.policies:
            continue
        best = sorted(o.policies, key=lambda p: (_weak(p), p.priority or 0))[0]
        used = {p.priority for p in s.policies}
        n = next(n for n in range(10, 65536, 10) if n not in used)
        weak_here = bool(s.policies) and all(_weak(p) for p in s.policies)
        label = f"add {o.name}'s policy ({best.encryption}/{best.hash}/group {best.dh_group}) to {s.name} as policy {n}"
        options.append(option(label, s.change(
            X.policy(s.platform, n, best.encryption, best.hash, best.authentication, best.dh_group, best.lifetime),
            [f"no {X.POLICY_HEAD[s.platform].format(n=n)}"]),
            favoured=weak_here and not _weak(best),
            why=f"{s.name} offers only weak suites (DES/3DES, MD5, group 1/2/5)" if weak_here and not _weak(best) else "",
            warning="" if not _weak(best) else f"adds a weak suite to {s.name}"))
    return result(options, "A new policy is added and none is changed: the other IKEv1 peers of the device keep theirs.",
                  AFTER)


def _key_has_no_xauth(s: Side, address: str) -> bool:
    return bool(re.search(rf"crypto isakmp key \S+ address {re.escape(address)}(\s+\S+)* no-xauth", s.config_text()))


def _psk_lines(s: Side, t: Tunnel, key: str) -> list[str] | None:
    remote = s.remote
    if s.asa:
        group = next((g.name for g in s.groups if g.type == "ipsec-l2l" and g.name == remote), remote)
        return X.asa_group_key(group, key, 2 if t.ikev2 else 1)
    if t.ikev2:
        block = _ios_keyring_peer(s, remote)
        if block is None:
            return None
        keyring, peer = block
        return [f"crypto ikev2 keyring {keyring}", f" peer {peer}", f"  pre-shared-key {key}"]
    return X.isakmp_key(key, remote, no_xauth=_key_has_no_xauth(s, remote) or True)


def _ios_keyring_peer(s: Side, address: str) -> tuple[str, str] | None:
    keyring = peer = ""
    for line in s.config_text().splitlines():
        if m := re.match(r"crypto ikev2 keyring (\S+)", line):
            keyring, peer = m.group(1), ""
        elif m := re.match(r"\s+peer (\S+)", line):
            peer = m.group(1)
        elif keyring and peer and re.match(rf"\s+address {re.escape(address)}\b", line):
            return keyring, peer
    return None


@fix("PSK_MISMATCH")
def psk_mismatch(t: Tunnel, _: Outcome) -> Change | None:
    if t.ikev2 and (directional := psk_ikev2(t)) is not None:
        return directional
    options = []
    for s in t.sides:
        lines = _psk_lines(s, t, X.KEY)
        back = _psk_lines(s, t, X.OLD_KEY)
        if lines and back:
            options.append(option(f"set {s.name}'s key for {s.remote} to the agreed key", s.change(lines, back)))
    return result(options, "Either side can take the key agreed with the peer; the keys are compared only as "
                           "fingerprints, so the evidence cannot tell which one is the agreed key.", AFTER)


@fix("PEER_ADDRESS_MISMATCH")
def peer_address(t: Tunnel, _: Outcome) -> Change | None:
    options: list[FixOption] = []
    notes = []
    for s in t.sides:
        e, want = s.entry, s.other.endpoint
        if e is None or not want or want in e.peers or not e.peers:
            continue
        old = e.peers[0]
        if s.asa:
            lines = [f"crypto map {e.map_name} {e.seq} set peer {want}"]
            back = [f"crypto map {e.map_name} {e.seq} set peer {' '.join(e.peers)}"]
            if not any(g.name == want for g in s.groups):
                policy = next((g.group_policy for g in s.groups if g.name == old and g.group_policy), "")
                lines += X.asa_l2l_group(want, policy, 2 if t.ikev2 else 1)
                back = [f"no tunnel-group {want}"] + back
        elif t.ikev2:
            block = _ios_keyring_peer(s, old)
            profile = e.ikev2_profile
            if block is None or not profile:
                continue
            keyring, kpeer = block
            lines = [f"crypto ikev2 keyring {keyring}", f" peer {kpeer}", f"  address {want}",
                     f"crypto ikev2 profile {profile}", f" no match identity remote address {old} 255.255.255.255",
                     f" match identity remote address {want} 255.255.255.255",
                     *X.map_entry(s.platform, e.map_name, e.seq, f"no set peer {old}", f"set peer {want}")]
            back = [f"crypto ikev2 keyring {keyring}", f" peer {kpeer}", f"  address {old}",
                    f"crypto ikev2 profile {profile}", f" no match identity remote address {want} 255.255.255.255",
                    f" match identity remote address {old} 255.255.255.255",
                    *X.map_entry(s.platform, e.map_name, e.seq, f"no set peer {want}", f"set peer {old}")]
        else:
            lines = X.isakmp_key(X.KEY, want) + X.map_entry(s.platform, e.map_name, e.seq, f"no set peer {old}", f"set peer {want}")
            back = X.map_entry(s.platform, e.map_name, e.seq, f"no set peer {want}", f"set peer {old}") + \
                X.isakmp_key(X.KEY, want, remove=True)
        options.append(option(f"point {s.name}'s {e.map_name} {e.seq} at {want}", s.change(lines, back), favoured=True,
                              why=f"{s.name}'s entry names {old}; the other peer's crypto endpoint is {want}"))
        notes.append(f"{s.name}'s configuration for {old} (key, tunnel-group) is left in place: remove it once nothing uses {old}.")
    return result(options, *notes, AFTER)


@fix("TUNNEL_GROUP_MISMATCH")
def tunnel_group(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    version = "ikev2" if t.ikev2 else "ikev1"
    for s in t.sides:
        if not s.asa:
            continue
        remote = s.remote
        mine = [g for g in s.groups if g.name == remote]
        if not mine:
            l2l = [g for g in s.groups if g.type == "ipsec-l2l"]
            policy = next((g.group_policy for g in l2l if g.group_policy), "")
            misnamed = ", ".join(sorted({g.name for g in l2l})) or "none"
            options.append(option(f"create {s.name}'s tunnel-group {remote}", s.change(
                X.asa_l2l_group(remote, policy, 2 if t.ikev2 else 1), [f"no tunnel-group {remote}"]), favoured=True,
                why=f"an L2L tunnel-group must be named after the peer's address; {s.name}'s L2L groups: {misnamed}"))
            continue
        policy = next((g.group_policy for g in mine if g.group_policy), "")
        gp = next((p for p in _group_policies(s) if p.name == policy), None)
        if gp is not None and gp.tunnel_protocols and version not in gp.tunnel_protocols:
            now = " ".join(gp.tunnel_protocols)
            options.append(option(f"allow {version} in {s.name}'s group-policy {policy}", s.change(
                [f"group-policy {policy} attributes", f" vpn-tunnel-protocol {now} {version}"],
                [f"group-policy {policy} attributes", f" vpn-tunnel-protocol {now}"]), favoured=True,
                why=f"tunnel-group {remote} negotiates {version}; its group-policy {policy} allows only {now}",
                warning=f"{policy} may serve other tunnels: the change adds {version} and takes nothing away"))
    return result(options, AFTER)


def _group_policies(s: Side) -> list[GroupPolicy]:
    return list(value(s.peer, "group_policies") or [])


@fix("ISAKMP_IDENTITY_MISMATCH")
def identity(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        ike = s.ike
        if ike is None or ike.identity in ("", "address"):
            continue
        o = t.other(s)
        if t.ikev2 and o is not None and not o.asa:
            profile = next((p for p in o.ike.ikev2_profiles if p.match_addresses or p.match_fqdns), None) if o.ike else None
            fqdn = _fqdn(s)
            if profile is not None and fqdn:
                options.append(option(f"let {o.name}'s profile {profile.name} match {fqdn}", o.change(
                    [f"crypto ikev2 profile {profile.name}", f" match identity remote fqdn {fqdn}"],
                    [f"crypto ikev2 profile {profile.name}", f" no match identity remote fqdn {fqdn}"]), favoured=True,
                    why=f"{s.name} sends {fqdn}; adding a match changes nothing for {s.name}'s other peers"))
        options.append(option(f"make {s.name} send its address", s.change(
            ["crypto isakmp identity address"], [f"crypto isakmp identity {ike.identity}"]), favoured=not t.ikev2,
            why="" if t.ikev2 else f"{s.name} sends its {ike.identity}; a pre-shared-key main mode peer is known by its address",
            warning=f"the identity is global: every peer of {s.name} then sees its address"))
    for s in t.sides:  # IOS IKEv2 profile sending an FQDN / matching only an FQDN
        if not t.ikev2 or s.asa or s.ike is None:
            continue
        o = t.other(s)
        for p in s.ike.ikev2_profiles:
            if p.identity_local.startswith("fqdn") and o is not None:
                options.append(option(f"make {s.name}'s profile {p.name} send its address", s.change(
                    [f"crypto ikev2 profile {p.name}", " identity local address"],
                    [f"crypto ikev2 profile {p.name}", f" identity local {p.identity_local}"]), favoured=True,
                    why=f"{s.name} sends {p.identity_local}; {o.name} matches it by address"))
            elif p.match_fqdns and not p.match_addresses and o is not None and o.peer.endpoint:
                addr = o.peer.endpoint
                options.append(option(f"let {s.name}'s profile {p.name} match {addr}", s.change(
                    [f"crypto ikev2 profile {p.name}", f" match identity remote address {addr} 255.255.255.255"],
                    [f"crypto ikev2 profile {p.name}", f" no match identity remote address {addr} 255.255.255.255"]),
                    favoured=True, why=f"{s.name}'s profile matches only an FQDN; {o.name} sends its address"))
    return result(options, AFTER)


def _fqdn(s: Side) -> str:
    names = value(s.peer, "names")
    return str(names.fqdn) if names is not None else ""


@fix("XAUTH_ON_L2L")
def xauth(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        if s.asa or t.ikev2:
            continue
        if re.search(r"crypto map \S+ client authentication", s.config_text()) and not _key_has_no_xauth(s, s.remote):
            options.append(option(f"exempt {s.remote} from XAUTH on {s.name}", s.change(
                X.isakmp_key(X.KEY, s.remote), X.isakmp_key(X.OLD_KEY, s.remote, no_xauth=False)), favoured=True,
                why=f"{s.name}'s map asks for XAUTH and its key for {s.remote} lacks no-xauth"))
    return result(options, "The remote-access users of the map keep XAUTH: only the L2L peer's key changes.", AFTER)


def _matching(s: Side, o: Side) -> tuple[object, object] | None:
    for p in s.policies:
        for q in o.policies:
            if (p.encryption, p.hash, p.dh_group, p.authentication) == (q.encryption, q.hash, q.dh_group, q.authentication):
                return p, q
    return None


@fix("IKE_LIFETIME_MISMATCH")
def lifetime(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        o = t.other(s)
        pair = _matching(s, o) if o is not None else None
        if o is None or pair is None:
            continue
        mine, theirs = pair
        mine_l, theirs_l = getattr(mine, "lifetime", None), getattr(theirs, "lifetime", None)
        if mine_l is None or theirs_l is None or mine_l == theirs_l:
            continue
        n = getattr(mine, "priority", 0)
        head = X.POLICY_HEAD[s.platform].format(n=n)
        if t.ikev2 and s.asa:
            head = f"crypto ikev2 policy {n}"
        word = " lifetime seconds" if t.ikev2 and s.asa else " lifetime"
        options.append(option(f"set {s.name}'s policy {n} lifetime to {theirs_l}", s.change(
            [head, f"{word} {theirs_l}"], [head, f"{word} {mine_l}"]), favoured=mine_l != 86400 and theirs_l == 86400,
            why=f"{s.name}'s {mine_l} s differs from the default 86400 s the other peer keeps" if mine_l != 86400 else "",
            warning=f"policy {n} serves every IKE peer of {s.name}"))
    return result(options, AFTER)


@fix("KEEPALIVE_MISMATCH")
def keepalive(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        o = t.other(s)
        if not s.asa or o is None:
            continue
        group = next((g for g in s.groups if g.name == s.remote and g.keepalive is not None), None)
        if group is None or group.keepalive is None or group.keepalive.enabled:
            continue
        theirs = o.ike.keepalive if o.ike is not None and not o.asa else None
        thr, retry = (theirs.threshold, theirs.retry) if theirs and theirs.threshold else (10, 2)
        options.append(option(f"enable DPD on {s.name}'s tunnel-group {group.name}", s.change(
            [f"tunnel-group {group.name} ipsec-attributes", f" isakmp keepalive threshold {thr} retry {retry or 2}"],
            [f"tunnel-group {group.name} ipsec-attributes", " isakmp keepalive disable"]), favoured=True,
            why=f"DPD is disabled on {s.name}'s group for {s.remote} only; {o.name} runs it"))
        if not o.asa and theirs is not None and theirs.enabled:
            options.append(option(f"turn keepalives off on {o.name}", o.change(
                ["no crypto isakmp keepalive"], [f"crypto isakmp keepalive {thr} {retry or 2}"]),
                warning=f"global on {o.name}: every peer of {o.name} loses dead-peer detection"))
    return result(options, AFTER)


@fix("NAT_T_DISABLED")
def nat_t(t: Tunnel, _: Outcome) -> Change | None:
    options = []
    for s in t.sides:
        if s.ike is None or s.ike.nat_traversal is not False:
            continue
        if s.asa:
            options.append(option(f"enable NAT-T on {s.name}", s.change(
                ["crypto isakmp nat-traversal 20"], ["no crypto isakmp nat-traversal"]), favoured=True,
                why=f"{s.name} has NAT-T disabled and a NAT device sits between the peers"))
        else:
            options.append(option(f"enable NAT-T on {s.name}", s.change(
                ["crypto ipsec nat-transparency udp-encapsulation"], ["no crypto ipsec nat-transparency udp-encapsulation"]),
                favoured=True, why=f"{s.name} has NAT transparency disabled"))
    return result(options, AFTER)


def _ikev2_policy_lines(s: Side, best: IsakmpPolicy) -> tuple[list[str], list[str]] | None:
    enc, integ, group = X.ikev2_suite(s.platform, best.encryption, best.hash, best.dh_group)
    if s.asa:
        used = {p.priority for p in s.policies}
        n = next(n for n in range(10, 65536, 10) if n not in used)
        lines = [f"crypto ikev2 policy {n}", f" encryption {enc}", f" integrity {integ}", f" group {group}", f" prf {integ}"]
        if best.lifetime:
            lines.append(f" lifetime seconds {best.lifetime}")
        return lines, [f"no crypto ikev2 policy {n}"]
    text = s.config_text()
    policy = re.search(r"^crypto ikev2 policy (\S+)", text, re.M)
    names = set(re.findall(r"^crypto ikev2 proposal (\S+)", text, re.M))
    if policy is None:
        return None
    name = next(n for n in ("IKEV2-PROP-PEER", "IKEV2-PROP-PEER-2", "IKEV2-PROP-PEER-3") if n not in names)
    lines = [f"crypto ikev2 proposal {name}", f" encryption {enc}", f" integrity {integ}", f" group {group}",
             f"crypto ikev2 policy {policy.group(1)}", f" proposal {name}"]
    return lines, [f"crypto ikev2 policy {policy.group(1)}", f" no proposal {name}", f"no crypto ikev2 proposal {name}"]


@fix("IKE_POLICY_MISMATCH")
def policy_mismatch_any(t: Tunnel, outcome: Outcome) -> Change | None:
    if not t.ikev2:
        return policy_mismatch(t, outcome)
    options = []
    for s in t.sides:
        o = t.other(s)
        if o is None or not o.policies:
            continue
        best = sorted(o.policies, key=lambda p: (_weak(p), p.priority or 0))[0]
        made = _ikev2_policy_lines(s, best)
        if made is None:
            continue
        weak_here = bool(s.policies) and all(_weak(p) for p in s.policies)
        options.append(option(f"add {o.name}'s IKEv2 suite ({best.encryption}/{best.hash}/group {best.dh_group}) to {s.name}",
                              s.change(*made), favoured=weak_here and not _weak(best),
                              why=f"{s.name} offers only weak suites (3DES, group 1/2/5)" if weak_here and not _weak(best) else "",
                              warning="" if not _weak(best) else f"adds a weak suite to {s.name}"))
    return result(options, "A suite is added and none is changed: the device's other IKEv2 peers keep theirs.", AFTER)


def _ikev2_keys(s: Side) -> tuple[str | None, str | None]:
    """(the key this side signs with, the key it expects) as fingerprints."""
    groups = [g for g in s.groups if g.name == s.remote]
    local = next((g.psk_local_fingerprint for g in groups if g.psk_local_fingerprint), None)
    remote = next((g.psk_remote_fingerprint for g in groups if g.psk_remote_fingerprint), None)
    return local, remote


def _ikev2_key_line(s: Side, direction: str, key: str) -> list[str] | None:
    """``direction``: local (the key it signs with) or remote (the key it expects)."""
    if s.asa:
        return [f"tunnel-group {s.remote} ipsec-attributes", f" ikev2 {direction}-authentication pre-shared-key {key}"]
    block = _ios_keyring_peer(s, s.remote)
    if block is None:
        return None
    return [f"crypto ikev2 keyring {block[0]}", f" peer {block[1]}", f"  pre-shared-key {direction} {key}"]


def psk_ikev2(t: Tunnel) -> Change | None:
    broken = [s for s in t.sides if (o := t.other(s)) is not None and None not in (_ikev2_keys(s)[0], _ikev2_keys(o)[1])
              and _ikev2_keys(s)[0] != _ikev2_keys(o)[1]]
    if len(broken) != 1:
        return None  # both directions (or none known): one key per side, as for IKEv1
    options = []
    for s in broken:  # the direction s -> o: s signs, o verifies
        o = t.other(s)
        if o is None:
            continue
        signs, _ = _ikev2_keys(s)
        _, expects = _ikev2_keys(o)
        if signs is None or expects is None or signs == expects:
            continue
        for side, direction in ((s, "local"), (o, "remote")):
            lines, back = _ikev2_key_line(side, direction, X.KEY), _ikev2_key_line(side, direction, X.OLD_KEY)
            if lines and back:
                what = "signs with" if direction == "local" else "expects"
                options.append(option(f"set the key {side.name} {what} for {side.remote}", side.change(lines, back),
                                      why=f"only the direction {s.name} -> {o.name} disagrees"))
    return result(options, "Either side of the disagreeing direction can take the key agreed with the peer; the keys "
                           "are compared only as fingerprints, so the evidence cannot tell which one is agreed.", AFTER)
