"""The IKEv2 tree: which playbook a tunnel gets, the clear commands a plan uses, and
real IKEv2 outputs of the corpus (genieparser goldens) diagnosed offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.collector import Bundle, BundlePeer
from agent.engine.playbook import graph, library
from agent.engine.run import context_from_bundle, diagnose_bundle
from agent.engine.select import select_playbook
from agent.lab import scenarios as S
from agent.remediate.actions import plan_clear
from tests.unit.engine.test_offline_lab_bundles import scenario_bundle
from tests.unit.parsing.conftest import CORPUS as CORPUS_ROOT

CORPUS = CORPUS_ROOT / "genie"
PHASE1_FAILURES = {"PEER_UNREACHABLE", "IKE_POLICY_MISMATCH", "PSK_MISMATCH", "ISAKMP_NOT_ENABLED", "PEER_ADDRESS_MISMATCH",
                   "CRYPTO_MAP_NOT_APPLIED", "NO_INTERESTING_TRAFFIC", "TUNNEL_GROUP_MISMATCH", "ISAKMP_IDENTITY_MISMATCH"}


def _bundle(name: str, probe: bool = True) -> Bundle:
    sc = S.get(name)
    return scenario_bundle(name, probe=sc.probe if probe and sc.observe.after_probe else None)


@pytest.mark.parametrize("name, tree", [
    ("asa-ios-healthy", "l2l-ikev1"), ("ios-ios-psk-mismatch", "l2l-ikev1"),
    ("asa-ios-ikev2-healthy", "l2l-ikev2"), ("ios-ios-ikev2-no-traffic", "l2l-ikev2"),  # from the crypto map entry alone
    ("asa-asa-ikev2-psk-mismatch", "l2l-ikev2"),
])
def test_the_tree_follows_the_tunnels_ike_version(name: str, tree: str) -> None:
    ctx = context_from_bundle(_bundle(name))
    assert select_playbook(ctx) == tree
    diag = diagnose_bundle(_bundle(name))
    assert diag.steps[1].node == "phase1" and (diag.steps[1].check == "ikev2_sa_state") == (tree == "l2l-ikev2")


def test_an_ikev2_stale_sa_is_cleared_with_the_ikev2_commands() -> None:
    plan = plan_clear(context_from_bundle(_bundle("asa-ios-ikev2-stale-sa")))
    by_device = {s.device: s.commands for s in plan.steps}
    assert by_device["hq-asa"] == ["clear crypto ipsec sa peer 198.51.100.2", "clear crypto ikev2 sa 198.51.100.2"]
    assert by_device["br-rtr"] == ["clear crypto session remote 203.0.113.1"]
    v1 = {s.device: s.commands for s in plan_clear(context_from_bundle(_bundle("asa-ios-stale-sa"))).steps}
    assert v1["hq-asa"] == ["clear crypto ipsec sa peer 198.51.100.2", "clear crypto ikev1 sa 198.51.100.2"]


def test_ikev2_findings_name_ikev2_configuration() -> None:
    diag = diagnose_bundle(_bundle("asa-asa-ikev2-psk-mismatch"))
    assert diag.root_cause.code == "PSK_MISMATCH" and diag.root_cause.confidence >= 0.95
    assert any("ikev2 local-authentication" in line for line in diag.root_cause.fix["cisco_asa"])
    assert "br-asa signs with" in diag.root_cause.summary  # the direction whose key differs
    assert diag.root_cause.evidence
    stale = diagnose_bundle(_bundle("asa-ios-ikev2-stale-sa"))
    assert "clear crypto ikev2 sa 198.51.100.2" in stale.root_cause.fix["cisco_asa"]


def one_peer(platform: str, command: str, path: Path) -> Bundle:
    return Bundle([BundlePeer("device", platform, None, None, {command: path.read_text()}), BundlePeer("peer")], "corpus")


@pytest.mark.parametrize("platform, command, path", [
    ("cisco_asa", "show crypto ikev2 sa", CORPUS / "asa" / "ShowCryptoIkev2Sa" / "golden_output1_output.txt"),
    ("cisco_asa", "show crypto isakmp sa", CORPUS / "asa" / "ShowCryptoIkev2Sa" / "golden_output1_output.txt"),
    ("cisco_ios", "show crypto ikev2 sa", CORPUS / "iosxe" / "ShowCryptoIkev2Sa" / "golden_output_output.txt"),
    ("cisco_ios", "show crypto ikev2 sa detail", CORPUS / "iosxe" / "ShowCryptoIkev2SaDetail" / "golden_output5_output.txt"),
])
def test_real_ikev2_sa_up_is_not_a_phase1_failure(platform: str, command: str, path: Path) -> None:
    bundle = one_peer(platform, command, path)
    assert select_playbook(context_from_bundle(bundle)) == "l2l-ikev2"
    diag = diagnose_bundle(bundle)
    phase1 = next(s for s in diag.steps if s.node == "phase1")
    assert phase1.outcome == "established", phase1
    assert diag.root_cause.code not in PHASE1_FAILURES
    assert diag.not_checked  # one peer, one command: what could not be seen is said


def test_real_asa_without_ikev2_sas_is_not_called_ikev2() -> None:
    path = CORPUS / "asa" / "ShowCryptoIkev2Sa" / "golden_output2_output.txt"
    assert select_playbook(context_from_bundle(one_peer("cisco_asa", "show crypto ikev2 sa", path))) == "l2l-ikev1"


@pytest.mark.parametrize("fmt, head", [("mermaid", "flowchart TD"), ("dot", "digraph")])
def test_ikev2_graph_renders(fmt: str, head: str) -> None:
    text = graph(library().playbooks["l2l-ikev2"], fmt)
    assert text.startswith(head) and "ikev2_sa_state" in text and "PFS_MISMATCH" in text
