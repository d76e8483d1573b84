"""Configuration facts: IKE policies, transform sets, crypto map entries, tunnel groups and
keys, global IKE settings, sysopt. Built from parsed records of running-config sections and
of IOS show commands; PSKs arrive already redacted (``secrets.redact``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from agent.parsing.context import Context, Parsed
from agent.parsing.model import (
    CryptoMapEntry,
    IkeSettings,
    IsakmpPolicy,
    Keepalive,
    Mode,
    Source,
    Sysopt,
    TransformSet,
    TunnelGroup,
)
from agent.parsing.normalize import (
    canonical_transforms,
    dh_group,
    policy_auth,
    policy_encryption,
    policy_hash,
    to_int,
    to_list,
    to_str,
)
from agent.parsing.result import Platform, Record
from agent.parsing.secrets import fingerprint_of, is_masked

#: IOS `crypto isakmp policy` defaults (lines equal to the default are not printed).
IOS_POLICY_DEFAULTS = {"encryption": "des", "hash": "sha", "authentication": "rsa-sig", "group": 1, "lifetime": 86400}
#: "set pfs" without a group: IOS uses group 1, the ASA group 2.
PFS_DEFAULT_GROUP = {Platform.IOS: 1, Platform.ASA: 2}


def _kind(record: Record) -> str:
    return " ".join(to_str(record.get("kind")).split())


# ---------------------------------------------------------------- IKE policies


def policies_ios_show(ctx: Context, parsed: Parsed) -> list[IsakmpPolicy]:
    """IOS `show crypto isakmp policy`."""
    return [
        IsakmpPolicy(
            priority=to_int(r.get("priority")),
            encryption=policy_encryption(to_str(r.get("encryption")), to_str(r.get("key_bits"))),
            hash=policy_hash(to_str(r.get("hash"))), authentication=policy_auth(to_str(r.get("authentication"))),
            dh_group=to_int(r.get("dh_group")), lifetime=to_int(r.get("lifetime")),
            builtin=bool(to_str(r.get("default"))), source=Source(parsed.command, i),
        )
        for i, r in parsed.records()
    ]


def policies_config(ctx: Context, parsed: Parsed) -> list[IsakmpPolicy]:
    """`crypto isakmp policy N` blocks (IOS, defaults applied), ASA `crypto ikev1|ikev2
    policy N` blocks and 8.2 one-line `crypto isakmp policy N attr value` lines."""
    ios = ctx.platform is Platform.IOS
    merged: dict[tuple[str, int | None], dict[str, str]] = {}
    sources: dict[tuple[str, int | None], Source] = {}
    for i, r in parsed.records():
        kind = _kind(r)
        if kind not in ("isakmp policy", "ikev1 policy", "ikev2 policy"):
            continue
        key = (kind, to_int(r.get("priority")))
        acc = merged.setdefault(key, {})
        sources.setdefault(key, Source(parsed.command, i))
        for name in ("encryption", "hash", "authentication", "dh_group", "lifetime"):
            if to_str(r.get(name)):
                acc[name] = to_str(r.get(name))
    out = []
    for (kind, priority), acc in merged.items():
        defaults = IOS_POLICY_DEFAULTS if ios else {}
        out.append(
            IsakmpPolicy(
                priority=priority,
                encryption=policy_encryption(acc.get("encryption", str(defaults.get("encryption", "")))),
                hash=policy_hash(acc.get("hash", str(defaults.get("hash", "")))),
                authentication=policy_auth(acc.get("authentication", str(defaults.get("authentication", "")))),
                dh_group=to_int(acc.get("dh_group", str(defaults.get("group", "")))),
                lifetime=to_int(acc.get("lifetime", str(defaults.get("lifetime", "")))),
                ike_version=2 if kind == "ikev2 policy" else 1, source=sources[(kind, priority)],
            )
        )
    return out


# ---------------------------------------------------------------- transform sets


def _ts_mode(text: str) -> Mode | None:
    low = text.lower()
    return Mode.TRANSPORT if low.startswith("transport") else Mode.TUNNEL if low.startswith("tunnel") else None


def transform_sets_ios_show(ctx: Context, parsed: Parsed) -> list[TransformSet]:
    return [
        TransformSet(
            name=to_str(r.get("name")), transforms=canonical_transforms(to_str(r.get("transforms"))),
            mode=_ts_mode(to_str(r.get("mode"))), source=Source(parsed.command, i),
        )
        for i, r in parsed.records()
    ]


def transform_sets_config(ctx: Context, parsed: Parsed) -> list[TransformSet]:
    """IOS `crypto ipsec transform-set` blocks; ASA `crypto ipsec [ikev1] transform-set`
    lines (tunnel mode unless a "mode transport" line says otherwise)."""
    sets: dict[str, TransformSet] = {}
    for i, r in parsed.records():
        if _kind(r) not in ("ipsec transform-set", "ipsec ikev1 transform-set"):
            continue
        name = to_str(r.get("name"))
        current = sets.get(name)
        transforms = canonical_transforms(to_str(r.get("transforms")))
        mode = _ts_mode(to_str(r.get("mode")))
        if current is None:
            default = Mode.TUNNEL if ctx.platform is Platform.ASA or transforms else None
            sets[name] = TransformSet(name, transforms, mode or default, Source(parsed.command, i))
        else:
            sets[name] = replace(current, transforms=transforms or current.transforms, mode=mode or current.mode)
    return list(sets.values())


# ---------------------------------------------------------------- crypto maps


def merge_map_entries(entries: list[CryptoMapEntry]) -> list[CryptoMapEntry]:
    """Entries with the same map and sequence number merged: first value wins for scalars,
    interfaces are united. Bindings (seq -1) give their interfaces to every entry of the map."""
    bound: dict[str, list[str]] = defaultdict(list)
    merged: dict[tuple[str, int], CryptoMapEntry] = {}
    for e in entries:
        if e.seq < 0:
            bound[e.map_name] += [i for i in e.interfaces if i not in bound[e.map_name]]
            continue
        old = merged.get((e.map_name, e.seq))
        if old is None:
            merged[(e.map_name, e.seq)] = e
            continue
        merged[(e.map_name, e.seq)] = replace(
            old, peers=old.peers or e.peers, acl=old.acl or e.acl, transform_sets=old.transform_sets or e.transform_sets,
            pfs_group=old.pfs_group if old.pfs_group is not None else e.pfs_group, dynamic=old.dynamic or e.dynamic,
            dynamic_map=old.dynamic_map or e.dynamic_map,
            interfaces=old.interfaces + tuple(i for i in e.interfaces if i not in old.interfaces),
            lifetime_seconds=old.lifetime_seconds or e.lifetime_seconds, lifetime_kb=old.lifetime_kb or e.lifetime_kb,
            incomplete=old.incomplete or e.incomplete, ikev2_proposals=old.ikev2_proposals or e.ikev2_proposals,
            ikev2_profile=old.ikev2_profile or e.ikev2_profile,
            merged_from=old.merged_from + (e.source,),
        )
    out = []
    for (name, _), e in sorted(merged.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        extra = tuple(i for i in bound.get(name, []) if i not in e.interfaces)
        out.append(replace(e, interfaces=e.interfaces + extra) if extra else e)
    return out


def _binding(name: str, interface: str, source: Source) -> CryptoMapEntry:
    return CryptoMapEntry(name, -1, (), None, (), None, False, None, (interface,), source=source)


def _pfs(ctx: Context, r: Record) -> int | None:
    if not to_str(r.get("pfs")):
        return None
    return dh_group(r.get("pfs_group")) or PFS_DEFAULT_GROUP[ctx.platform]


def crypto_maps_config(ctx: Context, parsed: Parsed) -> list[CryptoMapEntry]:
    """ASA `crypto map|dynamic-map NAME SEQ ...` lines and `crypto map NAME interface IF`;
    IOS `crypto map|dynamic-map NAME SEQ` blocks and interfaces' `crypto map NAME`."""
    entries: list[CryptoMapEntry] = []
    for i, r in parsed.records():
        kind, name, src = _kind(r), to_str(r.get("name")), Source(parsed.command, i)
        if kind == "interface" and to_str(r.get("crypto_map")):
            entries.append(_binding(to_str(r.get("crypto_map")), name, src))
        if kind not in ("map", "dynamic-map") or to_str(r.get("negated")):
            continue
        if to_str(r.get("interface")) and not to_str(r.get("seq")):
            entries.append(_binding(name, to_str(r.get("interface")), src))
            continue
        seq = to_int(r.get("seq"))
        if seq is None:
            continue
        peers = tuple(p for item in to_list(r.get("peers")) for p in item.split())
        entries.append(
            CryptoMapEntry(
                map_name=name, seq=seq, peers=peers, acl=to_str(r.get("acl")) or None,
                transform_sets=tuple(to_str(r.get("transform_sets")).split()), pfs_group=_pfs(ctx, r),
                dynamic=kind == "dynamic-map" or bool(to_str(r.get("dynamic_map"))),
                dynamic_map=to_str(r.get("dynamic_map")) or (name if kind == "dynamic-map" else None),
                interfaces=(), lifetime_seconds=to_int(r.get("sa_lifetime_seconds")),
                lifetime_kb=to_int(r.get("sa_lifetime_kb")),
                ikev2_proposals=tuple(to_str(r.get("ikev2_proposals")).split()),
                ikev2_profile=to_str(r.get("ikev2_profile")) or None, source=src,
            )
        )
    return merge_map_entries(entries)


def crypto_maps_ios_show(ctx: Context, parsed: Parsed) -> list[CryptoMapEntry]:
    """IOS `show crypto map`."""
    out = []
    for i, r in parsed.records():
        seq = to_int(r.get("seq"))
        if seq is None:
            continue
        pfs = dh_group(r.get("dh_group")) if to_str(r.get("pfs")) == "Y" else None
        out.append(
            CryptoMapEntry(
                map_name=to_str(r.get("map")), seq=seq, peers=tuple(to_list(r.get("peers"))),
                acl=to_str(r.get("acl")) or None, transform_sets=tuple(to_list(r.get("transform_sets"))),
                pfs_group=pfs if pfs is not None or to_str(r.get("pfs")) != "Y" else PFS_DEFAULT_GROUP[Platform.IOS],
                dynamic=bool(to_str(r.get("dynamic_template"))), dynamic_map=to_str(r.get("dynamic_template")) or None,
                interfaces=tuple(to_list(r.get("interfaces"))), lifetime_seconds=to_int(r.get("lifetime_sec")),
                lifetime_kb=to_int(r.get("lifetime_kb")), incomplete=bool(to_str(r.get("incomplete"))),
                source=Source(parsed.command, i),
            )
        )
    return merge_map_entries(out)


# ---------------------------------------------------------------- tunnel groups and keys


def _psk(value: str, key_type: str = "") -> tuple[bool, bool, str | None]:
    """(has_psk, masked, fingerprint) from a redacted record field. IOS type 6/7 keys are
    printed encrypted: present, but their fingerprint would not match the peer's clear key."""
    if not value:
        return False, False, None
    if is_masked(value) or key_type in ("6", "7", "8"):
        return True, True, None
    return True, False, fingerprint_of(value)


def tunnel_groups_asa(ctx: Context, parsed: Parsed) -> list[TunnelGroup]:
    out = []
    for i, r in parsed.records():
        keys = [to_str(r.get(n)) for n in ("ikev1_psk", "ikev2_remote_psk", "ikev2_local_psk")]
        key = next((k for k in keys if k), "")
        has, masked, fp = _psk(key)
        threshold, retry, keepalive = to_int(r.get("keepalive_threshold")), to_int(r.get("keepalive_retry")), None
        if threshold is not None:
            keepalive = Keepalive(True, threshold, retry)
        elif to_str(r.get("keepalive")):
            keepalive = Keepalive(to_str(r.get("keepalive")).lower() != "disable")
        out.append(
            TunnelGroup(
                name=to_str(r.get("name")), type=to_str(r.get("type")), has_psk=has, psk_masked=masked,
                psk_fingerprint=fp, keepalive=keepalive, group_policy=to_str(r.get("group_policy")),
                psk_local_fingerprint=_psk(to_str(r.get("ikev2_local_psk")))[2],
                psk_remote_fingerprint=_psk(to_str(r.get("ikev2_remote_psk")))[2],
                source=Source(parsed.command, i),
            )
        )
    return out


def keys_ios(ctx: Context, parsed: Parsed) -> list[TunnelGroup]:
    """IOS `crypto isakmp key`, keyring `pre-shared-key address` and IKEv2 keyring peers,
    in the tunnel-group shape (name = the address, mask or hostname the key is for)."""
    out = []
    for i, r in parsed.records():
        kind = _kind(r)
        if kind not in ("isakmp key", "pre-shared-key", "peer"):
            continue
        name = to_str(r.get("address")) or to_str(r.get("hostname")) or to_str(r.get("name"))
        if to_str(r.get("mask")) and to_str(r.get("mask")) != "255.255.255.255":
            name = f"{name} {to_str(r.get('mask'))}"
        key_type = to_str(r.get("key_type"))
        local = to_str(r.get("psk_local")) or to_str(r.get("psk"))
        remote = to_str(r.get("psk_remote")) or to_str(r.get("psk"))
        has, masked, fp = _psk(to_str(r.get("psk")) or local, key_type)
        out.append(
            TunnelGroup(
                name=name, type="isakmp-key" if kind == "isakmp key" else f"keyring {to_str(r.get('keyring'))}".strip(),
                has_psk=has or bool(remote), psk_masked=masked, psk_fingerprint=fp, keepalive=None,
                psk_local_fingerprint=_psk(local, key_type)[2] if kind == "peer" else None,
                psk_remote_fingerprint=_psk(remote, key_type)[2] if kind == "peer" else None,
                source=Source(parsed.command, i),
            )
        )
    return out


# ---------------------------------------------------------------- global IKE settings, sysopt


def ike_settings(ctx: Context, parsed: Parsed) -> list[IkeSettings]:
    """ASA `show running-config crypto` / IOS running-config crypto lines -> one settings
    object (fields not stated stay None / empty: the platform default applies)."""
    interfaces: list[str] = []
    ikev2_interfaces: list[str] = []
    enabled: bool | None = None
    nat_t: bool | None = None
    nat_keepalive: int | None = None
    identity = ""
    keepalive: Keepalive | None = None
    for _, r in parsed.records():
        kind, negated = _kind(r), bool(to_str(r.get("negated")))
        if kind in ("ikev1 enable", "ikev2 enable", "isakmp enable") and to_str(r.get("interface")):
            interfaces.append(to_str(r.get("interface")))
            if kind == "ikev2 enable":
                ikev2_interfaces.append(to_str(r.get("interface")))
        elif kind == "isakmp enable":
            enabled = not negated
        elif kind in ("isakmp nat-traversal", "ipsec nat-transparency"):
            nat_t, nat_keepalive = not negated, to_int(r.get("nat_t_keepalive"))
        elif kind == "isakmp identity":
            identity = to_str(r.get("identity"))
        elif kind == "isakmp keepalive":
            keepalive = Keepalive(True, to_int(r.get("keepalive")), to_int(r.get("keepalive_retry")))
    return [IkeSettings(tuple(dict.fromkeys(interfaces)), enabled, nat_t, nat_keepalive, identity, keepalive,
                        Source(parsed.command), ikev2_interfaces=tuple(dict.fromkeys(ikev2_interfaces)))]


def sysopt_asa(ctx: Context, parsed: Parsed) -> list[Sysopt]:
    flags: dict[str, bool] = {}
    tcpmss: int | None = None
    for _, r in parsed.records():
        option = " ".join(to_str(r.get("option")).split())
        negated = bool(to_str(r.get("negated")))
        if option.startswith("connection tcpmss") and "minimum" not in option:
            tcpmss = to_int(option.split()[-1])
        flags[option] = not negated
    return [
        Sysopt(
            permit_vpn=flags.get("connection permit-vpn", True),
            preserve_vpn_flows=flags.get("connection preserve-vpn-flows", False),
            reclassify_vpn=flags.get("connection reclassify-vpn"), tcpmss=tcpmss,
            explicit=" all " in f" {parsed.command.lower()} ", source=Source(parsed.command),
        )
    ]
