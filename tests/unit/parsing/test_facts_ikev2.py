"""IKEv2 configuration facts from the lab's rendered outputs (ASA and IOS): proposals as
IKEv2 suites, ASA IPsec proposals as transform sets, keys fingerprinted per direction,
the crypto map entry's IKEv2 profile / proposals, `crypto ikev2 enable` interfaces."""

from __future__ import annotations

from agent.lab import scenarios as S
from agent.lab.shell import DeviceShell
from agent.parsing.facts import build_peer_facts
from agent.parsing.model import PeerFacts
from agent.platforms import tunnel_commands
from agent.redact import Redactor


def facts(built: S.BuiltLab, side: str, redactor: Redactor) -> PeerFacts:
    dev = built.device(side)
    t = built.tunnels[0]
    other = t.b_endpoint if side == "a" else t.a_endpoint
    sh = DeviceShell(dev)
    sh.privileged = True
    outputs = {spec.command: redactor.redact(sh.handle_line(spec.command).output)
               for spec in tunnel_commands(dev.platform.value, str(other))}
    return build_peer_facts(dev.platform.value, outputs)


def test_asa_ikev2_configuration_facts() -> None:
    red = Redactor()
    built = S.build("asa-asa-ikev2-psk-mismatch")
    f = facts(built, "b", red)
    suites = {(p.encryption, p.hash, p.dh_group) for p in f.isakmp_policies.value or [] if p.ike_version == 2}
    assert suites == {("aes-256", "sha256", 14)}
    sets = [(t.name, t.transforms) for t in f.transform_sets.value or []]
    assert ("AES256-SHA", ("esp-aes-256", "esp-sha-hmac")) in sets  # the IPsec proposal, beside the IKEv1 set
    (entry,) = [e for e in f.crypto_maps.value or [] if e.seq == 10]
    assert entry.ikev2_proposals == ("AES256-SHA",) and entry.uses_ikev2 and entry.transform_sets == ()
    assert f.ike.value is not None and f.ike.value.ikev2_interfaces == ("outside",)
    groups = [g for g in f.tunnel_groups.value or [] if g.psk_local_fingerprint]
    assert groups, f.tunnel_groups
    local, remote = groups[0].psk_local_fingerprint, groups[0].psk_remote_fingerprint
    assert local and remote and local != remote  # the branch signs with another key than it expects
    a = facts(built, "a", red)
    a_group = next(g for g in a.tunnel_groups.value or [] if g.psk_local_fingerprint)
    assert a_group.psk_local_fingerprint == a_group.psk_remote_fingerprint == remote  # same run key: comparable


def test_ios_ikev2_configuration_facts() -> None:
    red = Redactor()
    f = facts(S.build("ios-ios-ikev2-psk-mismatch"), "b", red)
    suites = {(p.encryption, p.hash, p.dh_group) for p in f.isakmp_policies.value or [] if p.ike_version == 2}
    assert suites == {("aes-256", "sha256", 14)}  # the policy block names proposals, it is no suite itself
    (entry,) = [e for e in f.crypto_maps.value or [] if e.seq == 10]
    assert entry.ikev2_profile == "IKEV2-PROF" and entry.uses_ikev2
    (peer,) = [g for g in f.tunnel_groups.value or [] if g.type.startswith("keyring")]
    assert peer.name == "203.0.113.1" and peer.psk_local_fingerprint and peer.psk_remote_fingerprint
    assert peer.psk_local_fingerprint != peer.psk_remote_fingerprint
    assert "psk-" not in f.tunnel_groups.raw  # keys never reach the facts in clear


def test_ikev1_configuration_has_no_ikev2_facts() -> None:
    f = facts(S.build("asa-ios-healthy"), "b", Redactor())
    assert all(p.ike_version == 1 for p in f.isakmp_policies.value or [])
    assert not any(e.uses_ikev2 for e in f.crypto_maps.value or [])
