"""Real variants of the outputs we read, as engineers paste them (issue 18, rule 10): a
filtered `show crypto ipsec sa | include ...`, a paste that starts mid-block, IOS-XE
`ACTIVE (deleted)` rows. Each keeps the records it can read."""

from __future__ import annotations

from pathlib import Path

from agent.collector import Bundle, BundlePeer
from agent.engine.run import diagnose_bundle
from agent.parsing.facts import build_peer_facts
from agent.parsing.facts_sa import kept_by_filter
from agent.parsing.model import FactStatus
from agent.parsing.result import ParseStatus
from agent.parsing.templates import parse

FILTERED = """\
   current_peer 198.51.100.10 port 500
    #pkts encaps: 28, #pkts encrypt: 28, #pkts digest: 28
    #pkts decaps: 26, #pkts decrypt: 26, #pkts verify: 26
        in use settings ={Transport, }
        in use settings ={Transport, }
   current_peer 203.0.113.2 port 500
    #pkts encaps: 0, #pkts encrypt: 0, #pkts digest: 0
    #pkts decaps: 0, #pkts decrypt: 0, #pkts verify: 0
"""
FILTER = "show crypto ipsec sa | include peer|encaps|decaps|in use settings"


def test_filtered_ipsec_sa_gives_one_flow_per_peer_with_its_counters():
    facts = build_peer_facts("cisco_ios", {FILTER: FILTERED})
    flows = {str(f.peer): f for f in facts.phase2.value}
    assert set(flows) == {"198.51.100.10", "203.0.113.2"}
    up, down = flows["198.51.100.10"], flows["203.0.113.2"]
    assert (up.encaps, up.decaps, up.has_sa) == (28, 26, True)
    # the filter keeps the "in use settings" lines: a block without them has no SA
    assert (down.encaps, down.decaps, down.has_sa, down.complete) == (0, 0, False, True)


def test_a_filter_that_drops_the_sa_lines_leaves_the_sa_unknown():
    facts = build_peer_facts("cisco_ios", {"show crypto ipsec sa | include peer|caps": FILTERED})
    flow = next(f for f in facts.phase2.value if str(f.peer) == "203.0.113.2")
    assert flow.complete is False  # not "no SA": the lines that would show one were filtered out


def test_paste_starting_mid_block_keeps_its_counters():
    text = """\
    #pkts encaps: 61, #pkts encrypt: 61, #pkts digest: 61
    #pkts decaps: 0, #pkts decrypt: 0, #pkts verify: 0
     local crypto endpt.: 10.0.0.1, remote crypto endpt.: 10.0.0.2
"""
    facts = build_peer_facts("cisco_ios", {"show crypto ipsec sa": text})
    assert facts.phase2.status is FactStatus.OK
    (flow,) = facts.phase2.value
    assert (flow.encaps, flow.decaps, flow.complete) == (61, 0, False)


def test_empty_filtered_output_is_no_flow_not_unparsed():
    facts = build_peer_facts("cisco_ios", {FILTER: "\n"})
    assert facts.phase2.status is FactStatus.EMPTY


def test_kept_by_filter():
    assert kept_by_filter("show x | include in use|spi", "  in use settings ={Tunnel, }") is True
    assert kept_by_filter("show x | i peer", "  in use settings ={Tunnel, }") is False
    assert kept_by_filter("show x | exclude spi", "  in use settings") is True
    assert kept_by_filter("show x | begin peer", "anything") is None
    assert kept_by_filter("show x", "anything") is None


def test_ios_isakmp_rows_marked_deleted_parse_beside_the_live_row():
    text = """\
IPv4 Crypto ISAKMP SA
dst             src             state          conn-id status
203.0.113.2     198.51.100.2    QM_IDLE           1042 ACTIVE
203.0.113.2     198.51.100.2    MM_NO_STATE          0 ACTIVE (deleted)

IPv6 Crypto ISAKMP SA
"""
    facts = build_peer_facts("cisco_ios", {"show crypto isakmp sa": text})
    assert facts.phase1.status is FactStatus.OK
    assert [(p.state_raw, p.status_raw) for p in facts.phase1.value] == [("QM_IDLE", "ACTIVE"),
                                                                          ("MM_NO_STATE", "ACTIVE (deleted)")]
    assert {p.conn_id for p in facts.phase1.value} == {1042, 0}


def test_an_unknown_line_costs_that_line_not_the_output():
    text = """\
IPv4 Crypto ISAKMP SA
dst             src             state          conn-id status
203.0.113.2     198.51.100.6    QM_IDLE           1006 ACTIVE
this line is in no release we know
203.0.113.2     198.51.100.2    QM_IDLE           1005 ACTIVE
"""
    result = parse("cisco_ios", "show crypto isakmp sa", text)
    assert result.status is ParseStatus.OK and len(result.records) == 2
    assert result.skipped == ("this line is in no release we know",)
    facts = build_peer_facts("cisco_ios", {"show crypto isakmp sa": text})
    assert any("1 line(s) not understood and skipped" in n for n in facts.phase1.notes)


def test_pager_marks_are_left_out_and_a_paste_ending_at_one_is_truncated():
    text = """\
IPv4 Crypto ISAKMP SA
dst             src             state          conn-id status
203.0.113.2     198.51.100.6    QM_IDLE           1006 ACTIVE
 --More--{END}
203.0.113.2     198.51.100.2    QM_IDLE           1005 ACTIVE
 --More--{END}
""".format(END=" ")  # the pager mark keeps its trailing blank
    result = parse("cisco_ios", "show crypto isakmp sa", text)
    assert result.status is ParseStatus.OK and len(result.records) == 2 and not result.skipped
    assert result.truncated
    facts = build_peer_facts("cisco_ios", {"show crypto isakmp sa": text})
    assert any("truncated at a pager mark" in n for n in facts.phase1.notes)
    asa = "<--- More --->\n"
    assert not parse("cisco_asa", "show crypto isakmp sa", "There are no IKEv1 SAs\n" + asa).skipped


FIELD = Path(__file__).parent / "fixtures"


def test_ios_xe_17_block_with_seconds_only_lifetime():
    text = (FIELD / "cisco_ios/show_crypto_ipsec_sa/composed_iosxe17_transport_sec_lifetime.txt").read_text()
    facts = build_peer_facts("cisco_ios", {"show crypto ipsec sa": text})
    (flow,) = facts.phase2.value
    assert (str(flow.peer), flow.encaps, flow.decaps, flow.lifetime_seconds, flow.lifetime_kb) == ("203.0.113.2", 26, 25,
                                                                                                   3456, None)
    assert flow.has_sa and flow.complete and flow.mode is not None and flow.mode.value == "transport"


def test_asa_rekey_lists_two_rows_for_one_peer():
    text = (FIELD / "cisco_asa/show_crypto_isakmp_sa/composed_rekey_two_rows_one_peer.txt").read_text()
    facts = build_peer_facts("cisco_asa", {"show crypto isakmp sa": text})
    rows = [(str(p.peer), p.state_raw) for p in facts.phase1.value]
    assert rows.count(("198.51.100.2", "MM_ACTIVE")) == 2 and ("192.0.2.77", "MM_WAIT_MSG2") in rows


def test_asa_paste_from_mid_block_keeps_counters_and_is_marked_cut():
    text = (FIELD / "cisco_asa/show_crypto_ipsec_sa/composed_paste_from_mid_block.txt").read_text()
    facts = build_peer_facts("cisco_asa", {"show crypto ipsec sa": text})
    (flow,) = facts.phase2.value
    assert (str(flow.peer), flow.encaps, flow.decaps, flow.complete) == ("198.51.100.2", 61, 0, False)
    assert any("incomplete" in n for n in facts.phase2.notes)


def test_one_peer_encrypting_and_decrypting_nothing_is_never_healthy():
    """The issue's example: one peer read, 61 packets encrypted, none decrypted."""
    text = (FIELD / "cisco_asa/show_crypto_ipsec_sa/composed_paste_from_mid_block.txt").read_text()
    bundle = Bundle([BundlePeer("hq", "cisco_asa", "203.0.113.1", None, {"show crypto ipsec sa": text}),
                     BundlePeer("branch", None, "198.51.100.2")], "t")
    diag = diagnose_bundle(bundle)
    assert diag.root_cause.code == "ONE_WAY_TRAFFIC", [(s.node, s.outcome, s.detail) for s in diag.steps]
    assert "branch" in diag.root_cause.summary and "not read" in diag.root_cause.summary
    assert {"ESP_BLOCKED", "NAT_EXEMPTION_MISSING", "ROUTING_MISSING"} <= {c.code for c in diag.possible_causes}


def test_asa_access_list_entries_with_last_hit():
    text = (FIELD / "cisco_asa/show_access-list/composed_last_hit.txt").read_text()
    facts = build_peer_facts("cisco_asa", {"show access-list": text})
    assert [(e.acl, str(e.src), str(e.dst)) for e in facts.acl_entries.value] == [("VPN-ACL", "10.1.1.0/24", "10.2.2.0/24")]


def test_asa_filtered_ipsec_sa_keeps_one_flow_per_peer():
    text = """\
      current_peer: 198.51.100.2
      #pkts encaps: 72, #pkts encrypt: 72, #pkts digest: 72
      #pkts decaps: 59, #pkts decrypt: 59, #pkts verify: 59
         in use settings ={L2L, Tunnel, IKEv1, }
         in use settings ={L2L, Tunnel, IKEv1, }
      current_peer: 192.0.2.9
      #pkts encaps: 10, #pkts encrypt: 10, #pkts digest: 10
      #pkts decaps: 0, #pkts decrypt: 0, #pkts verify: 0
"""
    facts = build_peer_facts("cisco_asa", {"show crypto ipsec sa | include peer|caps|in use": text})
    flows = {str(f.peer): f for f in facts.phase2.value}
    assert (flows["198.51.100.2"].encaps, flows["198.51.100.2"].decaps, flows["198.51.100.2"].has_sa) == (72, 59, True)
    assert (flows["192.0.2.9"].encaps, flows["192.0.2.9"].decaps, flows["192.0.2.9"].has_sa) == (10, 0, False)
    assert flows["192.0.2.9"].complete  # the filter keeps "in use settings": a block without one has no SA
