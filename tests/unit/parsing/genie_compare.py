"""genieparser fixtures: the key facts of our parse against genie's expected dict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Comparator = Callable[[list[dict[str, Any]], Any], None]


def _low(value: Any) -> str:
    return str(value).strip().lower()


def _tunnels(expected: Any, key: Any = None) -> list[tuple[str, dict[str, Any]]]:
    """(tunnel id, dict) for every dict in the expected tree that describes one IKEv2 tunnel."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(expected, dict):
        if "status" in expected and ("local" in expected or "local_ip" in expected):
            return [(str(expected.get("tunnel_id", key)), expected)]
        for name, value in expected.items():
            found += _tunnels(value, name)
    return found


def _split(addr_port: str) -> tuple[str, str | None]:
    """"10.1.1.1/500" -> ("10.1.1.1", "500"); genie drops the port of IPv6 addresses."""
    if "/" not in addr_port:
        return addr_port, None
    addr, _, port = addr_port.rpartition("/")
    return addr, port


def ikev2_sa(ours: list[dict[str, Any]], expected: Any) -> None:
    """IOS-XE / ASA `show crypto ikev2 sa [detail]`: addresses, ports, status, role,
    algorithms, lifetimes, SPIs of every tunnel (and child SAs on the ASA)."""
    tunnels = dict(_tunnels(expected))
    by_id = {o.get("tunnel_id") or o.get("index"): o for o in ours}
    assert sorted(by_id) == sorted(tunnels) and len(ours) == len(tunnels)
    for tunnel_id, t in tunnels.items():
        o = by_id[tunnel_id]
        local, lport = (t["local_ip"], str(t["local_port"])) if "local_ip" in t else _split(t["local"])
        remote, rport = (t["remote_ip"], str(t["remote_port"])) if "remote_ip" in t else _split(t["remote"])
        peer = o.get("remote") or o.get("peer")
        assert _low(o["local"]) == _low(local) and lport in (None, o["local_port"])
        assert _low(peer) == _low(remote) and rport in (None, o.get("remote_port") or o.get("peer_port"))
        assert _low(o.get("status") or o.get("state")) == _low(t["status"])
        pairs = (("encryption", "encryption"), ("keysize", "keysize"), ("prf", "prf"), ("hash", "hash"),
                 ("dh_group", "dh_group"), ("dh_group", "dh_grp"), ("auth_sign", "auth_sign"),
                 ("authentication", "authentication_sign"), ("auth_verify", "auth_verify"),
                 ("auth_verify", "authentication_verify"), ("lifetime", "life_time"), ("lifetime", "lifetime_secs"),
                 ("active_time", "active_time"), ("active_time", "activetime_secs"), ("role", "role"),
                 ("local_spi", "local_spi"), ("remote_spi", "remote_spi"), ("session_id", "session_id"))
        for mine, theirs in pairs:
            if theirs in t and mine in o:
                assert _low(o[mine]) == _low(t[theirs]), f"{mine} != {theirs}"
        children = list(t.get("child_sa", {}).values())
        if children:
            assert [_low(c["esp_in"]) for c in children] == [_low(s) for s in o["child_spi_in"]]
            assert [_low(c["esp_out"]) for c in children] == [_low(s) for s in o["child_spi_out"]]
            assert [" ".join(c["local_selector"].split()) for c in children] == o["child_local_selectors"]


def crypto_map(ours: list[dict[str, Any]], expected: Any) -> None:
    entries = [(af, name, e) for af, tags in expected.items() for name, e in tags["crypto_map_tag"].items()]
    assert len(ours) == len(entries)
    for o, (af, name, e) in zip(ours, entries, strict=True):
        assert (_low(o["af"]), _low(o["map"]), int(o["seq"])) == (af, name, e["sequence_number"])
        assert o["map_type"] == e["ipsec"] and o["peers"] == e["peer"]
        assert o["acl"] == e.get("extended_ip_access_list", "")
        life = e.get("security_association_lifetime", {})
        assert (o["lifetime_kb"], o["lifetime_sec"]) == (str(life.get("kilobytes", "")), str(life.get("seconds", "")))
        assert (o["pfs"] == "Y") == e.get("pfs", False)
        assert dict(zip(o["transform_sets"], (t.split() for t in o["transform_set_transforms"]), strict=True)) == e["transform_sets"]
        assert o["interfaces"] == e["interfaces_crypto_map"].get("interfaces", [])
        assert o["current_peer"] == e.get("current_peer", "")


def crypto_session(ours: list[dict[str, Any]], expected: Any) -> None:
    if "interfaces" in expected:  # `show crypto session remote A` has its own layout
        return _crypto_session_remote(ours, expected)
    sessions = [(itf, s) for itf, s in expected["interface"].items()]
    assert len(ours) == len(sessions)
    for o, (itf, s) in zip(ours, sessions, strict=True):
        assert o["interface"] == itf and o["session_status"] == s["session_status"]
        assert o["profile"] == s.get("profile", "")
        (peer, ports), = s["peer"].items()
        (port, detail), = ports["port"].items()
        assert (o["peer"], o["port"]) == (peer, port)
        ike = list(detail.get("ike_sa", {}).values())
        assert o["ike_statuses"] == [i["sa_status"] for i in ike]
        assert o["ike_local"] == [i["local"] for i in ike] and o["ike_remote"] == [i["remote"] for i in ike]
        flows = detail.get("ipsec_flow", {})
        assert [" ".join(f.split()) for f in o["flows"]] == list(flows)
        assert [int(n) for n in o["active_sas"]] == [f["active_sas"] for f in flows.values()]


def _crypto_session_remote(ours: list[dict[str, Any]], expected: Any) -> None:
    sessions = list(expected["interfaces"].items())
    assert len(ours) == len(sessions)
    for o, (itf, s) in zip(ours, sessions, strict=True):
        assert (o["interface"], o["profile"], o["session_status"]) == (itf, s["profile"], s["session_status"])
        assert (o["peer"], int(o["port"]), o["session_ids"]) == (s["peer_ip"], s["peer_port"], [str(s["session_id"])])
        (version, ike), = ((k, v) for k, v in s.items() if k.startswith("IKE"))
        assert o["ike_versions"] == [version] and o["ike_local"] == [ike["local_ip"]] and o["ike_remote"] == [ike["remote_ip"]]
        flows = list(s["ipsec_flow"].values())
        assert [" ".join(f.split()) for f in o["flows"]] == [f["flow"] for f in flows]
        assert [int(n) for n in o["active_sas"]] == [f["active_sa"] for f in flows]


def ping(ours: list[dict[str, Any]], expected: Any) -> None:
    (o,), p = ours, expected["ping"]
    assert (o["destination"], int(o["sent_qty"]), int(o["timeout"])) == (p["address"], p["repeat"], p["timeout_secs"])
    assert o["sent_type"].startswith(f"{p['data_bytes']}-byte")
    assert o["source"] == p.get("source", "")
    stats = p["statistics"]
    assert (int(o["success_pct"]), int(o["success_qty"]), int(o["sent_total"])) == (
        stats["success_rate_percent"], stats["received"], stats["send"])
    if "round_trip" in stats:
        rtt = stats["round_trip"]
        assert (int(o["rtt_min"]), int(o["rtt_avg"]), int(o["rtt_max"])) == (rtt["min_ms"], rtt["avg_ms"], rtt["max_ms"])


def asp_drop(ours: list[dict[str, Any]], expected: Any) -> None:
    got = {(o["section"].lower(), o["reason"]): int(o["count"]) for o in ours}
    want = {(section.split("_")[0], reason): count for section, reasons in expected.items()
            for reason, count in reasons.items() if reason != "last_clearing"}
    assert got == want


GENIE: dict[str, Comparator] = {
    "cisco_asa_show_crypto_isakmp_sa.textfsm": ikev2_sa,
    "cisco_ios_show_crypto_ikev2_sa.textfsm": ikev2_sa,
    "cisco_ios_show_crypto_map.textfsm": crypto_map,
    "cisco_ios_show_crypto_session.textfsm": crypto_session,
    "cisco_ping.textfsm": ping,
    "cisco_asa_show_asp_drop.textfsm": asp_drop,
}
