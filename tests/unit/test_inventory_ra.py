"""Remote-access tunnels in the inventory and the bundle: the kind, its hints, and the
clear errors for a tunnel that cannot be a headend and its client."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.collector import Bundle, BundlePeer, read_bundle, write_bundle
from agent.errors import BundleError
from agent.inventory import InventoryError, parse_inventory

DEVICES = """devices:
  - {name: hq-asa, host: 192.0.2.10, platform: cisco_asa, username: u, password_env: HOME}
  - {name: br-rtr, host: 192.0.2.11, platform: cisco_ios, username: u, password_env: HOME}
tunnels:
"""
RA = """  - name: alice
    kind: remote-access
    remote_access: {tunnel_group: DefaultRAGroup, pool: Address-pool, user: alice}
    peers:
      - {device: hq-asa, crypto_endpoint: 203.0.113.1}
      - {crypto_endpoint: 192.0.2.25}
"""


def test_remote_access_tunnel_loads_with_its_hints() -> None:
    inv = parse_inventory(DEVICES + RA)
    t = inv.tunnel("alice")
    assert t.kind == "remote-access" and t.devices == ["hq-asa"]
    assert t.remote_access is not None and t.remote_access.pool == "Address-pool"
    assert parse_inventory(DEVICES + RA.replace("kind: remote-access", "kind: l2l").replace(
        "    remote_access: {tunnel_group: DefaultRAGroup, pool: Address-pool, user: alice}\n", "")).tunnels[0].kind == "l2l"


@pytest.mark.parametrize(
    "text, message",
    [
        (RA.replace("{crypto_endpoint: 192.0.2.25}", "{device: br-rtr, crypto_endpoint: 192.0.2.25}"),
         "one headend (a device) and one client"),
        (RA.replace("kind: remote-access", "kind: l2l"), "remote_access hints need kind: remote-access"),
        (RA.replace("kind: remote-access", "kind: remote"), "kind"),
        (RA.replace("{crypto_endpoint: 192.0.2.25}", "{crypto_endpoint: 192.0.2.25, crypto_map: X}"),
         "the client is not ours"),
    ],
)
def test_bad_remote_access_tunnels_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(InventoryError) as info:
        parse_inventory(DEVICES + text)
    assert message in str(info.value) and "tunnels[0]" in str(info.value)


def test_bundle_keeps_the_kind_and_hints(tmp_path: Path) -> None:
    bundle = Bundle([BundlePeer("asa", "cisco_asa", "203.0.113.1", None, {"show logging": "x\n"}),
                     BundlePeer("client", None, "192.0.2.25")], "alice", kind="remote-access",
                    remote_access={"pool": "Address-pool"})
    back = read_bundle(write_bundle(bundle, tmp_path / "b"))
    assert (back.kind, back.remote_access) == ("remote-access", {"pool": "Address-pool"})
    plain = read_bundle(write_bundle(Bundle(bundle.peers, "t"), tmp_path / "c"))
    assert plain.kind == "l2l" and "kind" not in (tmp_path / "c" / "bundle.yaml").read_text()


def test_bundle_with_an_unknown_kind_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bundle.yaml").write_text("kind: vpn\npeers: [{name: a}]\n")
    with pytest.raises(BundleError, match="kind: 'vpn' is not one of l2l, remote-access"):
        read_bundle(tmp_path)
