"""Security-association facts: phase 1 (IKE SAs), phase 2 (IPsec flows and SAs) and IOS
crypto sessions, built from parsed records (never from raw text)."""

from __future__ import annotations

import re
from dataclasses import replace

from agent.parsing.context import Context, Parsed
from agent.parsing.model import CryptoSession, Mode, Phase1, Phase2Sa, Role, Source
from agent.parsing.normalize import (
    canonical_transforms,
    dh_group,
    spi,
    to_int,
    to_ip,
    to_list,
    to_network,
    to_str,
)
from agent.parsing.result import Record
from agent.parsing.states import ike_version_of_state, phase1_state

_ROLE = {"initiator": Role.INITIATOR, "init": Role.INITIATOR, "responder": Role.RESPONDER, "resp": Role.RESPONDER}


def _role(text: str) -> Role:
    return _ROLE.get(text.strip().lower(), Role.UNKNOWN)


def _resolve(ctx: Context, dst: str, src: str) -> tuple[str, str, Role]:
    """IOS / PIX "dst src" columns -> (peer, local, role). dst is the responder of the IKE
    SA, src its initiator; which one is this device is decided from its own addresses,
    then from the configured peers. Unresolved: peer = dst, role UNKNOWN."""
    dst_ip, src_ip = to_ip(dst), to_ip(src)
    if src_ip is not None and src_ip in ctx.local_addresses:
        return dst, src, Role.INITIATOR
    if dst_ip is not None and dst_ip in ctx.local_addresses:
        return src, dst, Role.RESPONDER
    if dst_ip is not None and dst_ip in ctx.known_peers:
        return dst, src, Role.INITIATOR
    if src_ip is not None and src_ip in ctx.known_peers:
        return src, dst, Role.RESPONDER
    return dst, src, Role.UNKNOWN


def _ike_version(record: Record, parsed: Parsed, state: str) -> int | None:
    version = to_int(record.get("ike_version"))
    if version:
        return version
    command = parsed.command.lower()
    if "ikev2" in command:
        return 2
    if "ikev1" in command:
        return 1
    return ike_version_of_state(state)  # `isakmp sa` lists both versions


def phase1_ios_table(ctx: Context, parsed: Parsed) -> list[Phase1]:
    """IOS `show crypto isakmp sa` (dst/src table and IPv6 blocks)."""
    out = []
    for index, r in parsed.records():
        peer, local, role = _resolve(ctx, to_str(r.get("dst")), to_str(r.get("src")))
        state = to_str(r.get("state"))
        out.append(
            Phase1(
                peer=to_ip(peer), peer_raw=peer, local=to_ip(local), state_raw=state, state=phase1_state(state),
                role=role, ike_version=1, conn_id=to_int(r.get("conn_id")), status_raw=to_str(r.get("status")),
                source=Source(parsed.command, index),
            )
        )
    return out


def phase1_ios_detail(ctx: Context, parsed: Parsed) -> list[Phase1]:
    """IOS `show crypto isakmp sa detail`: algorithms, no state (joined with the plain
    table by conn-id in ``merge_phase1``)."""
    out = []
    for index, r in parsed.records():
        peer = to_str(r.get("remote"))
        caps = to_str(r.get("capabilities"))
        out.append(
            Phase1(
                peer=to_ip(peer), peer_raw=peer, local=to_ip(r.get("local")), state_raw="", state=phase1_state(""),
                role=Role.UNKNOWN, ike_version=1, conn_id=to_int(r.get("conn_id")), status_raw=to_str(r.get("status")),
                encryption=to_str(r.get("encryption")), hash=to_str(r.get("hash")),
                authentication=to_str(r.get("auth")), dh_group=to_int(r.get("dh_group")),
                lifetime_remaining=to_str(r.get("lifetime")), nat_t=("N" in caps) if caps or r.get("lifetime") else None,
                source=Source(parsed.command, index),
            )
        )
    return out


def phase1_asa(ctx: Context, parsed: Parsed) -> list[Phase1]:
    """ASA `show crypto isakmp|ikev1|ikev2 sa [detail]`, every layout."""
    out = []
    for index, r in parsed.records():
        state = to_str(r.get("state"))
        if to_str(r.get("peer")):
            peer, local, role = to_str(r.get("peer")), to_str(r.get("local")), _role(to_str(r.get("role")))
        else:
            peer, local, role = _resolve(ctx, to_str(r.get("dst")), to_str(r.get("src")))
        keysize = to_str(r.get("keysize"))
        encryption = to_str(r.get("encryption"))
        version = _ike_version(r, parsed, state)
        out.append(
            Phase1(
                peer=to_ip(peer), peer_raw=peer, local=to_ip(local), state_raw=state, state=phase1_state(state),
                role=role, ike_version=version, conn_id=to_int(r.get("index")),
                status_raw=state if version == 2 else "", sa_type=to_str(r.get("type")),
                encryption=f"{encryption}-{keysize}" if keysize else encryption, hash=to_str(r.get("hash")),
                authentication=to_str(r.get("authentication")), dh_group=to_int(r.get("dh_group")),
                lifetime=to_int(r.get("lifetime")), lifetime_remaining=to_str(r.get("lifetime_remaining")),
                nat_t=(to_str(r.get("peer_port")) == "4500") if r.get("peer_port") else None,
                source=Source(parsed.command, index),
            )
        )
    return out


def phase1_ios_ikev2(ctx: Context, parsed: Parsed) -> list[Phase1]:
    """IOS `show crypto ikev2 sa [detail]`."""
    out = []
    for index, r in parsed.records():
        status = to_str(r.get("status"))
        initiator = to_str(r.get("initiator")).lower()
        keysize = to_str(r.get("keysize"))
        encryption = to_str(r.get("encryption"))
        nat_t = to_str(r.get("nat_t")).lower()
        out.append(
            Phase1(
                peer=to_ip(r.get("remote")), peer_raw=to_str(r.get("remote")), local=to_ip(r.get("local")),
                state_raw=status, state=phase1_state(status),
                role=Role.INITIATOR if initiator == "yes" else Role.RESPONDER if initiator == "no" else Role.UNKNOWN,
                ike_version=2, conn_id=to_int(r.get("tunnel_id")), status_raw=status,
                encryption=f"{encryption}-{keysize}" if keysize else encryption, hash=to_str(r.get("hash")),
                authentication=to_str(r.get("auth_sign")), dh_group=to_int(r.get("dh_group")),
                lifetime=to_int(r.get("lifetime")),
                nat_t=("4500" in (to_str(r.get("remote_port")), to_str(r.get("local_port")))) or nat_t.startswith("detected"),
                source=Source(parsed.command, index),
            )
        )
    return out


def _twins(a: Phase1, b: Phase1) -> bool:
    """The same IOS SA seen by the plain table (state) and by `detail` (no state)."""
    same = a.ike_version == b.ike_version and a.conn_id is not None and a.conn_id == b.conn_id
    return same and (not a.state_raw) != (not b.state_raw)


def merge_phase1(items: list[Phase1]) -> list[Phase1]:
    """Fold IOS `detail` rows (no state) into the table rows with the same conn-id, and
    drop exact repeats (an IKEv2 SA listed by both `isakmp sa` and `ikev2 sa` on an ASA)."""
    out: list[Phase1] = []
    seen: set[tuple[object, ...]] = set()
    for item in items:
        key = (item.ike_version, item.peer_raw, item.conn_id, item.state_raw)
        if key in seen:
            continue
        twin = next((o for o in out if _twins(o, item)), None)
        if twin is None:
            seen.add(key)
            out.append(item)
            continue
        base, extra = (twin, item) if twin.state_raw else (item, twin)
        merged = replace(
            base,
            local=base.local or extra.local,
            encryption=base.encryption or extra.encryption, hash=base.hash or extra.hash,
            authentication=base.authentication or extra.authentication, dh_group=base.dh_group or extra.dh_group,
            lifetime_remaining=base.lifetime_remaining or extra.lifetime_remaining,
            nat_t=base.nat_t if base.nat_t is not None else extra.nat_t,
            merged_from=base.merged_from + (extra.source,),
        )
        out[out.index(twin)] = merged
    return out


# ---------------------------------------------------------------- phase 2

_PFS = re.compile(r"PFS\s+Group\s+(\d+)", re.I)


def _mode(settings: str) -> Mode | None:
    low = settings.lower()
    if "transport" in low:
        return Mode.TRANSPORT
    return Mode.TUNNEL if "tunnel" in low else None


def _lifetime(values: object) -> tuple[int | None, int | None]:
    items = to_list(values)
    if not items:
        return None, None
    kb, _, sec = items[-1].rpartition("/")
    return to_int(kb), to_int(sec)


def _sum(record: Record, *names: str) -> int | None:
    values = [to_int(record.get(n)) for n in names]
    known = [v for v in values if v is not None]
    return sum(known) if known else None


_IOS_SEND = ("pkts_encaps_failed", "pkts_no_sa", "pkts_internal_err_send")
_IOS_RECV = (
    "pkts_decaps_failed", "pkts_invalid_sa", "pkts_verify_failed", "pkts_replay_failed", "pkts_invalid_prot",
    "pkts_invalid_identity", "pkts_invalid_len", "pkts_internal_err_recv",
)


#: a line every SA prints; a filter that keeps it makes a block without it a block without SA
_SA_LINE = "        in use settings ={Tunnel, }"


def kept_by_filter(command: str, line: str) -> bool | None:
    """Whether the output filter of ``command`` (`| include X`, `| exclude X`) keeps
    ``line``; None when the command has no filter or one whose effect is not a line test
    (`| begin`, `| section`: what they drop depends on what came before)."""
    if "|" not in command:
        return None
    verb, _, pattern = command.split("|", 1)[1].strip().partition(" ")
    try:
        rx = re.compile(pattern.strip(), re.I)
    except re.error:
        return None
    if verb.lower().startswith("i"):
        return bool(rx.search(line))
    if verb.lower().startswith("e"):
        return not rx.search(line)
    return None


def phase2_ios(ctx: Context, parsed: Parsed) -> list[Phase2Sa]:
    """IOS `show crypto ipsec sa [detail]` flow blocks, also from a filtered or partial
    paste (blocks from their current_peer line on: see the template)."""
    out = []
    filtered = "|" in parsed.command
    sa_lines_kept = kept_by_filter(parsed.command, _SA_LINE)
    for index, r in parsed.records():
        if not (r.get("local_ident_addr") or r.get("current_peer") or r.get("pkts_encaps")):
            continue  # an interface header with no flow under it
        settings = to_str(r.get("in_use_settings"))
        kb, sec = _lifetime(r.get("outbound_lifetimes"))
        peer = to_str(r.get("current_peer")) or to_str(r.get("remote_crypto_endpt"))
        spis_in = tuple(s for s in map(spi, to_list(r.get("inbound_spis"))) if s is not None)
        spis_out = tuple(s for s in map(spi, to_list(r.get("outbound_spis"))) if s is not None)
        current_out = spi(r.get("current_outbound_spi_hex"))
        send = to_int(r.get("send_errors"))
        recv = to_int(r.get("recv_errors"))
        out.append(
            Phase2Sa(
                peer=to_ip(peer), peer_raw=peer, local_endpoint=to_ip(r.get("local_crypto_endpt")),
                interface=to_str(r.get("interface")), crypto_map=to_str(r.get("crypto_map_tag")), seq=None,
                local_ident=to_network(r.get("local_ident_addr"), r.get("local_ident_mask")),
                remote_ident=to_network(r.get("remote_ident_addr"), r.get("remote_ident_mask")),
                protocol=to_int(r.get("local_ident_prot")),
                spi_in=spis_in[-1] if spis_in else None,
                spi_out=current_out if current_out else (spis_out[-1] if spis_out else None),
                spis_in=spis_in, spis_out=spis_out,
                encaps=to_int(r.get("pkts_encaps")), decaps=to_int(r.get("pkts_decaps")),
                send_errors=send if send is not None else _sum(r, *_IOS_SEND),
                recv_errors=recv if recv is not None else _sum(r, *_IOS_RECV),
                transform=canonical_transforms(to_str(r.get("transform"))), mode=_mode(settings),
                pfs_group=dh_group(r.get("dh_group")) if to_str(r.get("pfs")) == "Y" else None,
                lifetime_kb=kb, lifetime_seconds=sec,
                nat_t="udp-encaps" in settings.lower() or to_str(r.get("port")) == "4500",
                complete=bool(sa_lines_kept) if filtered else bool(to_str(r.get("complete"))),
                source=Source(parsed.command, index), sa_lines=bool(settings), decrypts=to_int(r.get("pkts_decrypt")),
            )
        )
    return out


def phase2_asa(ctx: Context, parsed: Parsed) -> list[Phase2Sa]:
    """ASA `show crypto ipsec sa` flow blocks (also from a filtered paste or one that
    starts mid-block: blocks from their current_peer line on, see the template)."""
    out = []
    filtered = "|" in parsed.command
    sa_lines_kept = kept_by_filter(parsed.command, _SA_LINE)
    for index, r in parsed.records():
        if not (r.get("local_identity_addr") or r.get("current_peer") or r.get("packets_encapsulated")):
            continue  # an interface header with no flow under it
        settings = to_str(r.get("in_use_settings"))
        kb, sec = _lifetime(r.get("outbound_lifetimes"))
        if sec is None and kb is not None:  # "(sec): 548" form: a single number is seconds
            kb, sec = None, kb
        peer = to_str(r.get("current_peer")) or to_str(r.get("remote_crypto_endpoint"))
        spis_in = tuple(s for s in map(spi, to_list(r.get("inbound_spis"))) if s is not None)
        spis_out = tuple(s for s in map(spi, to_list(r.get("outbound_spis"))) if s is not None)
        pfs = _PFS.search(settings)
        out.append(
            Phase2Sa(
                peer=to_ip(peer), peer_raw=peer, local_endpoint=to_ip(r.get("local_crypto_endpoint")),
                interface=to_str(r.get("interface")), crypto_map=to_str(r.get("crypto_map_tag")),
                seq=to_int(r.get("sequence_number")),
                local_ident=to_network(r.get("local_identity_addr"), r.get("local_identity_mask")),
                remote_ident=to_network(r.get("remote_identity_addr"), r.get("remote_identity_mask")),
                protocol=to_int(r.get("local_identity_protocol")),
                spi_in=spi(r.get("current_inbound_spi")) or (spis_in[-1] if spis_in else None),
                spi_out=spi(r.get("current_outbound_spi")) or (spis_out[-1] if spis_out else None),
                spis_in=spis_in, spis_out=spis_out,
                encaps=to_int(r.get("packets_encapsulated")), decaps=to_int(r.get("packets_decapsulated")),
                send_errors=to_int(r.get("send_errors")), recv_errors=to_int(r.get("receive_errors")),
                transform=canonical_transforms(to_str(r.get("transform"))), mode=_mode(settings),
                pfs_group=int(pfs.group(1)) if pfs else None, lifetime_kb=kb, lifetime_seconds=sec,
                nat_t="nat-t" in settings.lower() or to_str(r.get("remote_crypto_port")) == "4500",
                acl=to_str(r.get("access_list")),
                complete=bool(sa_lines_kept) if filtered else bool(to_str(r.get("complete"))),
                source=Source(parsed.command, index), sa_lines=bool(settings), decrypts=to_int(r.get("packets_decrypted")),
            )
        )
    return out


def sessions_ios(ctx: Context, parsed: Parsed) -> list[CryptoSession]:
    out = []
    for index, r in parsed.records():
        peer = to_str(r.get("peer"))
        out.append(
            CryptoSession(
                interface=to_str(r.get("interface")), peer=to_ip(peer), peer_raw=peer,
                status=to_str(r.get("session_status")),
                ike_active=any(s.lower() == "active" for s in to_list(r.get("ike_statuses"))),
                active_sas=sum(to_int(v) or 0 for v in to_list(r.get("active_sas"))),
                source=Source(parsed.command, index),
            )
        )
    return out

