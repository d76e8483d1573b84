"""The inventory: loading, one clear problem per mistake (key path and line), credentials
by reference only, the lab's inventories, and `ipsec-agent inventory check`."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from agent.inventory import (
    Inventory,
    InventoryError,
    Problem,
    load_inventory,
    parse_inventory,
)
from agent.inventory_cmd import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "inventory.example.yaml"
SECRETS = {"T_HQ_PASSWORD": "pw-hq-5c1d9e", "T_HQ_ENABLE": "en-hq-77a0b2", "T_BR_PASSWORD": "pw-br-e40f13"}

BASE = """\
devices:
  - name: hq-asa
    host: 192.0.2.10
    platform: cisco_asa
    username: netops
    password_env: T_HQ_PASSWORD
    enable_secret_env: T_HQ_ENABLE
  - name: br-rtr
    host: 192.0.2.20
    platform: cisco_ios
    username: netops
    password_env: T_BR_PASSWORD
tunnels:
  - name: hq-br
    peers:
      - device: hq-asa
        crypto_endpoint: 203.0.113.1
      - device: br-rtr
        crypto_endpoint: 198.51.100.2
    probe_from: hq-asa
    tags: [prod]
"""


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("T_UNSET", raising=False)
    return SECRETS


def write(tmp_path: Path, text: str, name: str = "inventory.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[Problem]:
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    return info.value.problems


def line_of(text: str, marker: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if marker in line]
    return hits[nth - 1]


def test_the_base_inventory_loads(tmp_path: Path, creds: dict[str, str]) -> None:
    inv = load_inventory(write(tmp_path, BASE))
    assert [d.name for d in inv.devices] == ["hq-asa", "br-rtr"]
    assert inv.device("br-rtr").port == 22 and inv.device("br-rtr").ssh.host_key_policy == "strict"
    assert inv.tunnel("hq-br").devices == ["hq-asa", "br-rtr"]


def test_the_example_documents_every_field_and_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    text = EXAMPLE.read_text()
    env_names = re.findall(r"^\s*(?:- )?\w+_env: (\w+)", text, re.M)
    assert len(env_names) == 6
    for name in env_names:
        monkeypatch.setenv(name, f"value-of-{name}")
    inv = load_inventory(EXAMPLE)
    assert [d.name for d in inv.devices] == ["hq-asa", "br-rtr", "dc-rtr"]
    assert inv.device("dc-rtr").platform == "cisco_ios"  # written cisco_xe
    assert inv.device("dc-rtr").ssh.jump_host is not None
    assert inv.device("hq-asa").ssh.known_hosts == Path("~/.ssh/ipsec-agent_known_hosts").expanduser()
    hq_br = inv.tunnel("hq-br")
    assert hq_br.peers[0].crypto_map == "OUTSIDE_MAP" and str(hq_br.peers[1].probe.target) == "10.1.1.10"  # type: ignore[union-attr]
    partner = inv.tunnel("dc-partner")
    assert partner.devices == ["dc-rtr"] and not partner.peers[1].is_ours
    for model in (Inventory, *(_models_below(Inventory))):
        for field in model.model_fields:
            assert re.search(rf"^\s*#?\s*(?:- )?{field}:", text, re.M), f"{model.__name__}.{field} is not documented"


def _models_below(model: Any) -> set[Any]:
    from agent.inventory import _model_in

    found: set[Any] = set()
    for field in model.model_fields.values():
        sub = _model_in(field.annotation)
        if sub is not None and sub not in found:
            found |= {sub} | _models_below(sub)
    return found


MISTAKES = [
    # id, text replaced, replacement, key path, (marker of the line, nth), words of the message
    ("bad-yaml", "    platform: cisco_asa\n", "    platform: cisco_asa: x\n", "", ("platform: cisco_asa", 1),
     ["not valid YAML", "mapping values are not allowed"]),
    ("tab-indent", "    host: 192.0.2.10\n", "\thost: 192.0.2.10\n", "", ("host: 192.0.2.10", 1), ["tabs"]),
    ("missing-host", "    host: 192.0.2.20\n", "", "devices[1].host", ("- name: br-rtr", 1),
     ["missing", "hostname or IP"]),
    ("unknown-platform", "platform: cisco_ios", "platform: junos", "devices[1].platform", ("junos", 1),
     ["unknown platform 'junos'", "cisco_asa, cisco_ios, cisco_xe"]),
    ("duplicate-device", "tunnels:\n", "  - name: hq-asa\n    host: 192.0.2.30\n    platform: cisco_asa\n"
     "    username: x\n    password_env: T_HQ_PASSWORD\ntunnels:\n", "devices[2].name", ("name: hq-asa", 2),
     ["'hq-asa' is already defined at devices[0]"]),
    ("unknown-device", "      - device: br-rtr\n", "      - device: br-rtrr\n", "tunnels[0].peers[1].device",
     ("br-rtrr", 1), ["no device named 'br-rtrr'", "did you mean 'br-rtr'"]),
    ("credential-unset", "password_env: T_BR_PASSWORD", "password_env: T_UNSET", "devices[1].password_env",
     ("T_UNSET", 1), ["environment variable T_UNSET is not set"]),
    ("literal-password", "password_env: T_BR_PASSWORD", "password: hunter2-literal", "devices[1].password",
     ("hunter2-literal", 1), ["never written in the inventory", "password_env"]),
    ("literal-enable", "    enable_secret_env: T_HQ_ENABLE\n", "    enable_secret: hunter2-literal\n",
     "devices[0].enable_secret", ("hunter2-literal", 1), ["enable_secret_env"]),
    ("secret-in-env-key", "password_env: T_BR_PASSWORD", "password_env: hunter2-literal!", "devices[1].password_env",
     ("hunter2-literal", 1), ["NAME of an environment variable"]),
    ("no-password", "    password_env: T_BR_PASSWORD\n", "", "devices[1].password_env", ("- name: br-rtr", 1),
     ["missing", "password_env"]),
    ("bad-endpoint", "crypto_endpoint: 198.51.100.2", "crypto_endpoint: 198.51.100.256",
     "tunnels[0].peers[1].crypto_endpoint", ("198.51.100.256", 1), ["not an IPv4 or IPv6 address"]),
    ("three-peers", "        crypto_endpoint: 198.51.100.2\n",
     "        crypto_endpoint: 198.51.100.2\n      - crypto_endpoint: 192.0.2.99\n", "tunnels[0].peers",
     ("    peers:", 1), ["exactly two peers", "not 3"]),
    ("bad-host", "host: 192.0.2.20", "host: 192.0.2.300", "devices[1].host", ("192.0.2.300", 1),
     ["not a valid IP address"]),
    ("bad-port", "    platform: cisco_asa\n", "    platform: cisco_asa\n    port: 0\n", "devices[0].port",
     ("port: 0", 1), ["greater than or equal to 1"]),
    ("typo", "probe_from: hq-asa", "probe_form: hq-asa", "tunnels[0].probe_form", ("probe_form", 1),
     ["unknown key 'probe_form'", "did you mean 'probe_from'"]),
    ("probe-from-elsewhere", "probe_from: hq-asa", "probe_from: dc-rtr", "tunnels[0].probe_from", ("probe_from", 1),
     ["one of the peers"]),
    ("same-endpoint", "crypto_endpoint: 198.51.100.2", "crypto_endpoint: 203.0.113.1",
     "tunnels[0].peers[1].crypto_endpoint", ("crypto_endpoint: 203.0.113.1", 2), ["same crypto_endpoint"]),
    ("yaml-duplicate-key", "    host: 192.0.2.10\n", "    host: 192.0.2.10\n    host: 192.0.2.11\n",
     "devices[0].host", ("192.0.2.11", 1), ["given twice (also at line 3)"]),
    ("bad-network", "        crypto_endpoint: 203.0.113.1\n",
     "        crypto_endpoint: 203.0.113.1\n        local_networks: [10.1.1.1/16]\n",
     "tunnels[0].peers[0].local_networks[0]", ("local_networks", 1), ["host bits set"]),
    ("not-a-list", "    tags: [prod]\n", "    tags: prod\n", "tunnels[0].tags", ("tags: prod", 1), ["expected a list"]),
]


@pytest.mark.parametrize(("old", "new", "path", "marker", "words"), [m[1:] for m in MISTAKES],
                         ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_one_clear_problem_at_its_key_and_line(
    tmp_path: Path, creds: dict[str, str], old: str, new: str, path: str, marker: tuple[str, int], words: list[str],
) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    found = problems(write(tmp_path, text))
    assert len(found) == 1, found
    problem = found[0]
    assert (problem.key_path, problem.line) == (path, line_of(text, *marker)), problem
    for word in words:
        assert word in problem.message
    assert "hunter2" not in problem.message
    assert str(problem) == f"{tmp_path / 'inventory.yaml'}:{problem.line}: " + (f"{path}: " if path else "") + problem.message


def test_every_problem_is_reported_at_once(tmp_path: Path, creds: dict[str, str]) -> None:
    text = BASE.replace("platform: cisco_ios", "platform: junos").replace("host: 192.0.2.10", "host: 10.0.0.300")
    error = pytest.raises(InventoryError, load_inventory, write(tmp_path, text)).value
    assert [p.key_path for p in error.problems] == ["devices[0].host", "devices[1].platform"]
    assert str(error).splitlines() == [str(p) for p in error.problems]


@pytest.mark.parametrize(("content", "words"), [
    (None, ["no such file"]),
    (b"", ["empty"]),
    (b"- a\n- b\n", ["a list, not a mapping"]),
    (b"devices: []\n\xff\xfe\n", ["not UTF-8"]),
    (b"a: [1, 2\n", ["not valid YAML"]),
    (b"tunnels: []\n", ["devices", "missing"]),
    (b"a: 2024-13-45\n", ["not valid YAML"]),
    (b"a: &x [*x]\n", ["recursive"]),
])
def test_file_level_problems(tmp_path: Path, content: bytes | None, words: list[str]) -> None:
    path = tmp_path / "inventory.yaml"
    if content is not None:
        path.write_bytes(content)
    found = problems(path)
    assert len(found) == 1
    assert all(word in found[0].message for word in words), found


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    from agent.inventory import MAX_BYTES

    path = tmp_path / "inventory.yaml"
    with open(path, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse
    assert "larger than" in problems(path)[0].message


def test_utf16_is_named(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_bytes("devices: []\n".encode("utf-16"))
    assert "not UTF-8" in problems(path)[0].message


def test_a_directory_is_not_an_inventory(tmp_path: Path) -> None:
    assert "directory" in problems(tmp_path)[0].message


def test_inventory_error_is_the_projects_own() -> None:
    assert not issubclass(InventoryError, ValidationError | ValueError)
    assert str(InventoryError([Problem("f.yaml", "devices[2].platform", 7, "bad")])) == "f.yaml:7: devices[2].platform: bad"
    assert str(Problem("f.yaml", "", None, "no such file")) == "f.yaml: no such file"


def test_cisco_xe_is_read_as_cisco_ios(tmp_path: Path, creds: dict[str, str]) -> None:
    inv = load_inventory(write(tmp_path, BASE.replace("platform: cisco_ios", "platform: cisco_xe")))
    assert inv.device("br-rtr").platform == "cisco_ios"
    assert problems(write(tmp_path, BASE.replace("platform: cisco_ios", "platform: cisco_ios_xe")))[0].key_path \
        == "devices[1].platform"


@pytest.mark.parametrize("scenario", ["asa-ios-healthy", "asa-asa-healthy", "ios-ios-healthy"])
def test_an_inventory_written_by_the_lab_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: str) -> None:
    from agent.lab import scenarios
    from agent.lab.runner import RunningLab

    running = RunningLab(scenarios.build(scenario))
    try:
        kh = tmp_path / "inventory.known_hosts"
        kh.write_text(running.known_hosts())
        for port, dev in enumerate(running.built.lab.devices.values(), start=2201):
            dev.port = port  # what start() does; the lab is not started here
        doc = running.inventory(str(kh))
        for name, value in running.env().items():
            monkeypatch.setenv(name, value)
    finally:
        running.server.loop.close()
    inv = load_inventory(write(tmp_path, yaml.safe_dump(doc, sort_keys=False)))
    assert inv.lab is not None and inv.lab.scenario == scenario
    tunnel = inv.tunnels[0]
    assert tunnel.probe_from in tunnel.devices and all(p.probe is not None for p in tunnel.peers)
    assert [d.port for d in inv.devices] == [2201, 2202]
    assert inv.devices[0].credentials().password.get_secret_value() == running.env()["IPSEC_LAB_PASSWORD"]


def test_credentials_are_read_at_call_time_and_never_shown(tmp_path: Path, creds: dict[str, str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    inv = load_inventory(write(tmp_path, BASE))
    user, password, secret = inv.device("hq-asa").credentials()
    assert (user, password.get_secret_value()) == ("netops", creds["T_HQ_PASSWORD"])
    assert secret is not None and secret.get_secret_value() == creds["T_HQ_ENABLE"]
    assert inv.device("br-rtr").credentials().secret is None
    shown = repr(inv) + str(inv) + repr(inv.device("hq-asa").credentials()) + str(inv.model_dump())
    assert not any(value in shown for value in creds.values())
    monkeypatch.delenv("T_HQ_ENABLE")
    error = pytest.raises(InventoryError, inv.device("hq-asa").credentials).value
    assert [str(p) for p in error.problems] == [
        f"{tmp_path / 'inventory.yaml'}:7: devices[0].enable_secret_env: environment variable T_HQ_ENABLE is not set"]


def test_credentials_can_come_from_the_keyring(tmp_path: Path, creds: dict[str, str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    text = BASE.replace("    password_env: T_BR_PASSWORD\n",
                        "    password_keyring: {service: ipsec-agent, username: br-rtr}\n")
    entries = {("ipsec-agent", "br-rtr"): "kr-br-0a9c"}
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, user: entries.get((service, user))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    inv = load_inventory(write(tmp_path, text))
    assert inv.device("br-rtr").credentials().password.get_secret_value() == "kr-br-0a9c"
    entries.clear()
    assert "no keyring entry for service 'ipsec-agent'" in problems(write(tmp_path, text))[0].message
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed
    found = problems(write(tmp_path, text))
    assert found[0].key_path == "devices[1].password_keyring" and "keyring package is not installed" in found[0].message
    assert load_inventory(write(tmp_path, text), resolve_credentials=False).device("br-rtr").password_keyring


def test_known_hosts_is_taken_from_the_inventory_folder_and_must_exist_when_strict(
        tmp_path: Path, creds: dict[str, str]) -> None:
    text = BASE.replace("    username: netops\n    password_env: T_BR_PASSWORD\n",
                        "    username: netops\n    password_env: T_BR_PASSWORD\n    ssh: {known_hosts: kh}\n")
    found = problems(write(tmp_path, text))
    assert [p.key_path for p in found] == ["devices[1].ssh.known_hosts"] and "no such file" in found[0].message
    (tmp_path / "kh").write_text("")
    assert load_inventory(write(tmp_path, text)).device("br-rtr").ssh.known_hosts == tmp_path / "kh"


def test_selecting_tunnels(tmp_path: Path, creds: dict[str, str]) -> None:
    second = "  - name: hq-br2\n    peers:\n      - {device: hq-asa, crypto_endpoint: 203.0.113.1}\n" \
             "      - {crypto_endpoint: 192.0.2.77}\n    tags: [test]\n"
    inv = load_inventory(write(tmp_path, BASE + second))
    assert [t.name for t in inv.select()] == ["hq-br", "hq-br2"]
    assert [t.name for t in inv.select(tags=["test"])] == ["hq-br2"]
    assert [t.name for t in inv.select(names=["hq-br"], tags=["test"])] == ["hq-br", "hq-br2"]
    assert [t.name for t in inv.tunnels_of("br-rtr")] == ["hq-br"]
    error = pytest.raises(InventoryError, inv.select, names=["hq-bR", "nope"], tags=["prd"]).value
    assert [p.message for p in error.problems] == [
        "no tunnel named hq-bR; did you mean 'hq-br'?", "no tunnel named nope", "no tunnel is tagged prd; did you mean 'prod'?"]
    with pytest.raises(InventoryError, match="no device named dc-rtr"):
        inv.tunnels_of("dc-rtr")


runner = CliRunner()


def test_check_shows_devices_and_tunnels(tmp_path: Path, creds: dict[str, str]) -> None:
    result = runner.invoke(app, ["check", "-i", str(write(tmp_path, BASE))], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in ("Devices", "Tunnels", "hq-asa", "cisco_ios", "192.0.2.20:22", "$T_HQ_PASSWORD", "$T_HQ_ENABLE",
                 "hq-br", "203.0.113.1", "198.51.100.2", "prod"):
        assert text in result.stdout
    assert not any(value in result.output for value in creds.values())


def test_check_reports_problems_one_per_line_and_exits_2(tmp_path: Path, creds: dict[str, str]) -> None:
    text = BASE.replace("password_env: T_BR_PASSWORD", "password: hunter2-literal").replace("cisco_asa", "pix")
    path = write(tmp_path, text)
    result = runner.invoke(app, ["check", "-i", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:4: devices[0].platform: unknown platform 'pix': accepted are cisco_asa, cisco_ios, cisco_xe "
        "(cisco_xe is read as cisco_ios)",
        f"{path}:12: devices[1].password: a password is never written in the inventory: put it in an environment "
        "variable and give that variable's name as password_env (or use password_keyring)",
    ]
    assert "Traceback" not in result.output and "hunter2" not in result.output
    missing = runner.invoke(app, ["check", "-i", str(tmp_path / "nope.yaml")])
    assert (missing.exit_code, missing.stderr) == (2, f"{tmp_path / 'nope.yaml'}: no such file\n")


def test_no_secret_value_in_any_problem(tmp_path: Path, creds: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("T_BR_PASSWORD")
    text = BASE.replace("platform: cisco_ios", "platform: cisco_ios\n    port: 99999")
    for variant in (text, BASE):
        error = pytest.raises(InventoryError, load_inventory, write(tmp_path, variant)).value
        assert not any(value in str(error) for value in creds.values())
    result = runner.invoke(app, ["check", "-i", str(tmp_path / "inventory.yaml")])
    assert result.exit_code == 2 and "T_BR_PASSWORD is not set" in result.stderr
    assert not any(value in result.output for value in creds.values())


# --- whatever the file holds, the only exception is InventoryError --------------------

FIELDS = ["devices", "tunnels", "lab", "name", "host", "port", "platform", "username", "password_env", "password",
          "password_keyring", "enable_secret_env", "ssh", "jump_host", "known_hosts", "host_key_policy", "tags",
          "peers", "device", "crypto_endpoint", "probe", "target", "local_networks", "probe_from", "service"]
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
           | st.sampled_from(["cisco_asa", "cisco_xe", "hq-asa", "10.0.0.1", "::1", "10.0.0.0/8", "T_HQ_PASSWORD",
                              "strict", "~/kh", "\x00"]))
KEYS = st.sampled_from(FIELDS) | st.text(max_size=6)
TREES = st.recursive(SCALARS, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(KEYS, kids, max_size=5),
                     max_leaves=25)


def _survives(text: str) -> None:
    try:
        parse_inventory(text, file="fuzz.yaml")
    except InventoryError as exc:
        assert exc.problems and all(isinstance(p, Problem) and p.message for p in exc.problems)
        str(exc)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS[:3]) | KEYS, TREES, max_size=4))
def test_random_documents_raise_only_inventory_error(doc: dict[str, Any]) -> None:
    _survives(yaml.safe_dump(doc))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_damaged_valid_inventory_raises_only_inventory_error(data: st.DataObject) -> None:
    doc = yaml.safe_load(BASE)
    node: Any = doc
    while isinstance(node, dict | list) and node and data.draw(st.booleans()):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = data.draw(st.sampled_from(keys))
        if not isinstance(node[key], dict | list) or data.draw(st.booleans()):
            node[key] = data.draw(TREES)
            break
        node = node[key]
    _survives(yaml.safe_dump(doc))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#%@`,?\n\t 0123456789")) | st.characters(), max_size=80))
def test_garbage_text_raises_only_inventory_error(text: str) -> None:
    _survives(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=60))
def test_garbage_bytes_raise_only_inventory_error(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "inventory.yaml"
    path.write_bytes(raw)
    try:
        load_inventory(path)
    except InventoryError as exc:
        assert exc.problems


def test_a_peer_behind_nat_is_filtered_by_the_address_the_other_side_sees(tmp_path: Path, creds: dict[str, str]) -> None:
    from agent.targets import peer_targets, sweep_tunnels

    text = BASE.replace("        crypto_endpoint: 198.51.100.2\n",
                        "        crypto_endpoint: 192.168.50.2\n        nat_address: 198.51.100.2\n")
    inv = load_inventory(write(tmp_path, text))
    hq, br = peer_targets(inv, inv.tunnel("hq-br"))
    assert (hq.remote_endpoint, hq.nat_address) == ("198.51.100.2", None)  # the ASA sees the PAT address
    assert (br.crypto_endpoint, br.nat_address, br.remote_endpoint) == ("192.168.50.2", "198.51.100.2", "203.0.113.1")
    [swept] = sweep_tunnels(inv, [inv.tunnel("hq-br")])
    assert [p.nat_address for p in swept.peers] == [None, "198.51.100.2"]
