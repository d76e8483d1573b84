"""The facts layer: state mapping, peer resolution, PSK fingerprints (never the key's
text), canonical transforms, merging and scoping of configuration lines."""

from __future__ import annotations

import pytest

from agent.parsing import FactStatus, Phase1State, build_peer_facts, parse
from agent.parsing.model import Mode, Role
from agent.parsing.normalize import canonical_transforms
from agent.parsing.secrets import fingerprint
from agent.parsing.states import STATE_TABLE, phase1_state

KEY = "Sup3r-s3cret-PSK"
RUN_KEY = b"run-key-for-this-diagnosis"

ASA_TUNNEL_GROUP = f"""tunnel-group 198.51.100.2 type ipsec-l2l
tunnel-group 198.51.100.2 general-attributes
 default-group-policy L2L-POLICY
tunnel-group 198.51.100.2 ipsec-attributes
 ikev1 pre-shared-key {KEY}
 isakmp keepalive threshold 15 retry 10
tunnel-group 192.0.2.50 type ipsec-l2l
tunnel-group 192.0.2.50 ipsec-attributes
 ikev1 pre-shared-key *****
 isakmp keepalive disable
tunnel-group 192.0.2.60 type ipsec-l2l
"""
IOS_CRYPTO = f"""crypto isakmp policy 10
 encr aes 256
 authentication pre-share
 group 14
crypto isakmp key {KEY} address 203.0.113.1 no-xauth
crypto isakmp key 6 FLgBaJHXdYY_AcHZZMgQ_RhTDJXHUBAAB address 192.0.2.7
crypto isakmp keepalive 10 2
crypto ipsec transform-set ESP-AES256-SHA esp-aes 256 esp-sha-hmac
 mode tunnel
crypto map VPN-MAP 10 ipsec-isakmp
 set peer 203.0.113.1
 set transform-set ESP-AES256-SHA
 set pfs group14
 match address VPN-ACL
crypto map VPN-MAP 20 ipsec-isakmp
 set peer 192.0.2.7
 set transform-set ESP-AES256-SHA
 set pfs
 match address VPN-ACL2
interface GigabitEthernet0/0
 ip address 198.51.100.2 255.255.255.0
 crypto map VPN-MAP
"""
ASA_CRYPTO = """crypto ipsec ikev1 transform-set ESP-AES256-SHA esp-aes-256 esp-sha-hmac
crypto ipsec ikev1 transform-set TRANSPORT-SET esp-aes esp-sha-hmac
crypto ipsec ikev1 transform-set TRANSPORT-SET mode transport
crypto map OUTSIDE_MAP 10 match address VPN-ACL
crypto map OUTSIDE_MAP 10 set pfs
crypto map OUTSIDE_MAP 10 set peer 198.51.100.2 198.51.100.3
crypto map OUTSIDE_MAP 10 set ikev1 transform-set ESP-AES256-SHA
crypto map OUTSIDE_MAP 10 set security-association lifetime seconds 28800
crypto map OUTSIDE_MAP 10 set nat-t-disable
crypto map OUTSIDE_MAP 65535 ipsec-isakmp dynamic DYN
crypto map OUTSIDE_MAP interface outside
crypto isakmp identity address
no crypto isakmp nat-traversal
crypto ikev1 enable outside
crypto ikev1 policy 10
 authentication pre-share
 encryption aes-256
 hash sha
 group 14
 lifetime 86400
"""


def test_every_state_in_the_table_maps_and_unknown_ones_stay_raw() -> None:
    assert phase1_state("MM_WAIT_MSG_6") is Phase1State.AUTH_FAILED_OR_PENDING  # seed 000 spelling
    assert phase1_state("AM_Active") is Phase1State.ESTABLISHED  # ntc fixture spelling
    assert phase1_state("CONF_XAUTH") is Phase1State.XAUTH
    assert phase1_state("MM_NO_STATE") is Phase1State.NEGOTIATING_NO_REPLY
    assert phase1_state("MM_WAIT_MSG4") is phase1_state("MM_SA_SETUP") is Phase1State.NEGOTIATING_KEY
    assert phase1_state("MM_KEY_EXCH") is Phase1State.AUTH_FAILED_OR_PENDING
    assert phase1_state("IN-NEG") is Phase1State.OTHER and phase1_state("") is Phase1State.UNKNOWN
    assert set(STATE_TABLE.values()) >= set(Phase1State) - {Phase1State.OTHER, Phase1State.UNKNOWN}


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("esp-256-aes esp-sha-hmac", ("esp-aes-256", "esp-sha-hmac")),  # IOS show
        ("esp-aes 256 esp-sha-hmac", ("esp-aes-256", "esp-sha-hmac")),  # IOS config
        ("esp-aes-256 esp-sha-hmac no compression", ("esp-aes-256", "esp-sha-hmac")),  # ASA SA
        ("esp-192-aes esp-md5-hmac", ("esp-aes-192", "esp-md5-hmac")),
        ("esp-aes esp-sha-hmac", ("esp-aes", "esp-sha-hmac")),
        ("esp-gcm 256", ("esp-gcm-256",)),
    ],
)
def test_transform_names_are_canonical(text: str, canonical: tuple[str, ...]) -> None:
    assert canonical_transforms(text) == canonical


def test_psk_text_never_leaves_the_parsing_layer() -> None:
    for platform, command, text in (("cisco_asa", "more system:running-config", ASA_TUNNEL_GROUP),
                                    ("cisco_asa", "show running-config tunnel-group", ASA_TUNNEL_GROUP),
                                    ("cisco_ios", "show running-config", IOS_CRYPTO)):
        for run_key in (None, RUN_KEY):
            result = parse(platform, command, text, run_key=run_key)
            assert KEY not in repr(result.records)


def test_psk_fingerprints_match_across_platforms() -> None:
    asa = build_peer_facts("cisco_asa", {"show running-config tunnel-group": ASA_TUNNEL_GROUP}, RUN_KEY)
    ios = build_peer_facts("cisco_ios", {"show running-config": IOS_CRYPTO}, RUN_KEY)
    assert asa.tunnel_groups.value is not None and ios.tunnel_groups.value is not None
    clear, masked, none = asa.tunnel_groups.value
    assert (clear.has_psk, clear.psk_masked, clear.psk_fingerprint) == (True, False, fingerprint(KEY, RUN_KEY)[:16])
    assert (masked.has_psk, masked.psk_masked, masked.psk_fingerprint) == (True, True, None)
    assert (none.has_psk, none.psk_fingerprint) == (False, None)
    assert clear.keepalive is not None and (clear.keepalive.threshold, clear.keepalive.retry) == (15, 10)
    assert masked.keepalive is not None and not masked.keepalive.enabled and none.keepalive is None
    ios_key, encrypted = ios.tunnel_groups.value
    assert ios_key.name == "203.0.113.1" and ios_key.psk_fingerprint == clear.psk_fingerprint
    assert encrypted.has_psk and encrypted.psk_masked and encrypted.psk_fingerprint is None
    other = build_peer_facts("cisco_ios", {"show running-config": IOS_CRYPTO.replace(KEY, KEY + "x")}, RUN_KEY)
    assert other.tunnel_groups.value and other.tunnel_groups.value[0].psk_fingerprint != clear.psk_fingerprint
    unkeyed = build_peer_facts("cisco_ios", {"show running-config": IOS_CRYPTO}, None)
    assert unkeyed.tunnel_groups.value and unkeyed.tunnel_groups.value[0].psk_fingerprint is None
    assert unkeyed.tunnel_groups.value[0].has_psk


def test_ios_crypto_configuration_facts() -> None:
    facts = build_peer_facts("cisco_ios", {"show running-config": IOS_CRYPTO})
    (policy,) = facts.isakmp_policies.value or []
    assert (policy.encryption, policy.hash, policy.authentication, policy.dh_group, policy.lifetime) == (
        "aes-256", "sha", "pre-share", 14, 86400)  # hash and lifetime: IOS defaults, not printed
    (ts,) = facts.transform_sets.value or []
    assert ts.transforms == ("esp-aes-256", "esp-sha-hmac") and ts.mode is Mode.TUNNEL
    first, second = facts.crypto_maps.value or []
    assert (first.peers, first.acl, first.pfs_group, first.interfaces) == (("203.0.113.1",), "VPN-ACL", 14, ("GigabitEthernet0/0",))
    assert second.pfs_group == 1  # "set pfs" without a group: IOS default group 1
    ike = facts.ike.value
    assert ike is not None and ike.keepalive is not None and ike.keepalive.threshold == 10 and ike.enabled_globally is not False


def test_asa_crypto_configuration_facts() -> None:
    facts = build_peer_facts("cisco_asa", {"show running-config crypto": ASA_CRYPTO})
    entries = facts.crypto_maps.value or []
    static = next(e for e in entries if e.seq == 10)
    dynamic = next(e for e in entries if e.seq == 65535)
    assert static.peers == ("198.51.100.2", "198.51.100.3") and static.pfs_group == 2  # ASA default group 2
    assert static.interfaces == ("outside",) and static.lifetime_seconds == 28800
    assert dynamic.dynamic and dynamic.dynamic_map == "DYN" and dynamic.interfaces == ("outside",)
    modes = {t.name: t.mode for t in facts.transform_sets.value or []}
    assert modes == {"ESP-AES256-SHA": Mode.TUNNEL, "TRANSPORT-SET": Mode.TRANSPORT}
    ike = facts.ike.value
    assert ike is not None and ike.enabled_interfaces == ("outside",) and ike.nat_traversal is False
    assert ike.identity == "address"
    (policy,) = facts.isakmp_policies.value or []
    assert (policy.priority, policy.encryption, policy.dh_group) == (10, "aes-256", 14)


def test_a_partial_command_only_speaks_for_what_it_shows() -> None:
    facts = build_peer_facts("cisco_asa", {"show running-config crypto map": ASA_CRYPTO})
    assert facts.crypto_maps.status is FactStatus.OK
    assert facts.isakmp_policies.status is FactStatus.MISSING and facts.ike.status is FactStatus.MISSING
    ios = build_peer_facts("cisco_ios", {"show running-config | section crypto": IOS_CRYPTO})
    assert ios.crypto_maps.status is FactStatus.OK and ios.routes.status is FactStatus.MISSING
    assert ios.acl_entries.status is FactStatus.MISSING and ios.interfaces.status is FactStatus.MISSING
    # `include` keeps single lines: a map header without its block says nothing of the entry
    lines = "crypto map VPN-MAP 10 ipsec-isakmp\ncrypto isakmp key 0 k address 192.0.2.1\nip route 0.0.0.0 0.0.0.0 192.0.2.254\n"
    inc = build_peer_facts("cisco_ios", {"show running-config | include crypto|ip route": lines})
    assert inc.crypto_maps.status is FactStatus.MISSING and inc.routes.status is FactStatus.OK
    inc = build_peer_facts("cisco_ios", {"show running-config | include isakmp key": lines})
    assert inc.tunnel_groups.status is FactStatus.OK and inc.crypto_maps.status is FactStatus.MISSING


def test_sysopt_defaults_and_explicit_values() -> None:
    blank = build_peer_facts("cisco_asa", {"show running-config sysopt": ""})
    assert blank.sysopt.value is not None and blank.sysopt.value.permit_vpn and not blank.sysopt.value.explicit
    off = build_peer_facts("cisco_asa", {"show running-config all sysopt": "no sysopt connection permit-vpn\n"})
    assert off.sysopt.value is not None and not off.sysopt.value.permit_vpn and off.sysopt.value.explicit


def test_ios_dst_src_resolution_uses_own_addresses_then_configured_peers() -> None:
    table = "dst          src          state      conn-id     slot\n10.1.0.2    10.1.0.1    QM_IDLE    1           0\n"
    by_config = build_peer_facts("cisco_ios", {"show crypto isakmp sa": table, "show running-config":
                                               "crypto map M 10 ipsec-isakmp\n set peer 10.1.0.1\n"})
    (sa,) = by_config.phase1.value or []
    assert str(sa.peer) == "10.1.0.1" and sa.role is Role.RESPONDER
    by_itf = build_peer_facts("cisco_ios", {"show crypto isakmp sa": table, "show running-config":
                                            "interface Gi0/0\n ip address 10.1.0.2 255.255.255.0\n"})
    (sa,) = by_itf.phase1.value or []
    assert str(sa.peer) == "10.1.0.1" and str(sa.local) == "10.1.0.2" and sa.role is Role.RESPONDER


def test_ios_detail_rows_fold_into_the_table_rows() -> None:
    table = "IPv4 Crypto ISAKMP SA\ndst             src             state          conn-id status\n198.51.100.2    203.0.113.1     QM_IDLE           1001 ACTIVE\n"
    detail = ("IPv4 Crypto ISAKMP SA\n\nC-id  Local           Remote          I-VRF  Status Encr Hash   Auth DH Lifetime Cap.\n\n"
              "1001  203.0.113.1     198.51.100.2           ACTIVE aes  sha256 psk  14 23:59:01 DN\n       Engine-id:Conn-id =  SW:1\n")
    facts = build_peer_facts("cisco_ios", {"show crypto isakmp sa": table, "show crypto isakmp sa detail": detail})
    (sa,) = facts.phase1.value or []
    assert (str(sa.peer), sa.role, sa.state, sa.hash, sa.dh_group, sa.nat_t) == (
        "198.51.100.2", Role.INITIATOR, Phase1State.ESTABLISHED, "sha256", 14, True)
    assert sa.source.command == "show crypto isakmp sa" and sa.merged_from[0].command.endswith("detail")


def test_every_fact_points_back_to_its_output() -> None:
    facts = build_peer_facts("cisco_ios", {"show running-config": IOS_CRYPTO})
    for entry in facts.crypto_maps.value or []:
        record = parse("cisco_ios", entry.source.command, IOS_CRYPTO).records[entry.source.record or 0]
        assert record["name"] == entry.map_name and record["seq"] == str(entry.seq)
    assert "--- show running-config ---" in facts.crypto_maps.raw


def test_keys_the_collector_already_fingerprinted_pass_through() -> None:
    asa = ASA_TUNNEL_GROUP.replace(KEY, "<psk hmac:0123456789abcdef>")
    ios = IOS_CRYPTO.replace(KEY, "<psk hmac:0123456789abcdef>")
    a = build_peer_facts("cisco_asa", {"more system:running-config | include pre-shared-key|^tunnel-group": asa})
    b = build_peer_facts("cisco_ios", {"show running-config | section crypto": ios}, RUN_KEY)
    assert (a.tunnel_groups.value or [])[0].psk_fingerprint == "0123456789abcdef"
    assert (b.tunnel_groups.value or [])[0].psk_fingerprint == "0123456789abcdef"
    assert "<psk hmac:0123456789abcdef>" in a.tunnel_groups.raw  # scrub leaves fingerprints alone


def test_masks_are_read_as_the_command_prints_them() -> None:
    routes = ("Gateway of last resort is 203.0.113.254 to network 0.0.0.0\n\n"
              "S*       0.0.0.0 0.0.0.0 [1/0] via 203.0.113.254, outside\n"
              "L        10.1.1.1 255.255.255.255 is directly connected, inside\n")
    asa = build_peer_facts("cisco_asa", {"show route": routes})
    assert [str(r.network) for r in asa.routes.value or []] == ["0.0.0.0/0", "10.1.1.1/32"]  # netmasks
    acl = ("Extended IP access list VPN\n    10 permit ip 10.2.2.0 0.0.0.255 any\n"
           "    20 deny ip 0.0.0.0 255.255.255.255 host 10.9.9.9\n")
    ios = build_peer_facts("cisco_ios", {"show ip access-lists": acl})
    assert [(str(e.src), str(e.dst)) for e in ios.acl_entries.value or []] == [
        ("10.2.2.0/24", "0.0.0.0/0"), ("0.0.0.0/0", "10.9.9.9/32")]  # wildcards
