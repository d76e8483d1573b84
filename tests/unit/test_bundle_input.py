"""Bundles are the way outputs pasted from a ticket enter the program: they are redacted on
the way in, and a malformed, huge, truncated, wrongly encoded or other-platform bundle
gives a clear error or an explicit "not checked / unparsed" answer, never a traceback."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agent.cli import app
from agent.collector import Bundle, BundlePeer, read_bundle, write_bundle
from agent.collector.bundle import MAX_META_BYTES, MAX_OUTPUT_BYTES
from agent.engine.run import diagnose_bundle
from agent.errors import BundleError
from agent.lab import scenarios as S
from agent.redact import FINGERPRINT_RE, Redactor
from tests.unit.engine.test_offline_lab_bundles import bundle_of

runner = CliRunner(env={"COLUMNS": "400"})


class _Clear(Redactor):
    """Leaves outputs as the device printed them: a paste from a ticket."""

    def redact(self, text: str) -> str:
        return text


def _rendered(name: str) -> tuple[S.BuiltLab, Bundle]:
    built = S.build(name)
    sc = built.scenario
    assert sc is not None
    if sc.observe.after_probe:
        S.probe(built, sc.probe)
    return built, bundle_of(built, _Clear())


def test_keys_pasted_in_clear_are_redacted_on_the_way_in_and_still_compared(tmp_path: Path) -> None:
    built, raw = _rendered("asa-ios-psk-mismatch")
    assert any(built.secrets.psk in text for p in raw.peers for text in p.outputs.values())
    back = read_bundle(write_bundle(raw, tmp_path).parent)
    texts = "".join(text for p in back.peers for text in p.outputs.values())
    for secret in built.secrets.all.values():
        assert secret not in texts
    assert len(set(FINGERPRINT_RE.findall(texts))) == 2  # two different keys, comparable in this read
    diag = diagnose_bundle(back)
    assert diag.root_cause.code == "PSK_MISMATCH" and diag.root_cause.confidence >= 0.95


def test_equal_keys_pasted_in_clear_fingerprint_equal(tmp_path: Path) -> None:
    _, raw = _rendered("asa-ios-healthy")
    back = read_bundle(write_bundle(raw, tmp_path).parent)
    texts = "".join(text for p in back.peers for text in p.outputs.values())
    assert len(set(FINGERPRINT_RE.findall(texts))) == 1


def _one_file_bundle(tmp_path: Path, data: bytes, platform: str = "cisco_ios",
                     command: str = "show crypto isakmp sa") -> Path:
    (tmp_path / "p").mkdir(exist_ok=True)
    (tmp_path / "p" / "out.txt").write_bytes(data)
    (tmp_path / "bundle.yaml").write_text(
        f"peers:\n  - name: r1\n    platform: {platform}\n    outputs: {{'{command}': p/out.txt}}\n")
    return tmp_path


def test_a_huge_output_is_refused_clearly(tmp_path: Path) -> None:
    path = _one_file_bundle(tmp_path, b"")
    with open(path / "p" / "out.txt", "wb") as fh:
        fh.truncate(MAX_OUTPUT_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(BundleError, match="larger than"):
        read_bundle(path)
    result = runner.invoke(app, ["diagnose", "--offline", str(path)])
    assert result.exit_code == 2 and "larger than" in result.output and "Traceback" not in result.output


def test_a_huge_bundle_yaml_is_refused_clearly(tmp_path: Path) -> None:
    with open(tmp_path / "bundle.yaml", "wb") as fh:
        fh.truncate(MAX_META_BYTES + 1)
    with pytest.raises(BundleError, match="larger than"):
        read_bundle(tmp_path)


def test_a_bundle_yaml_in_utf16_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bundle.yaml").write_bytes("peers:\n  - name: r1\n".encode("utf-16"))
    result = runner.invoke(app, ["diagnose", "--offline", str(tmp_path)])
    assert result.exit_code == 2 and "not UTF-8" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("data", [
    "IPv4 Crypto ISAKMP SA\ndst  src  state  conn-id status\n".encode("utf-16"),  # wrong encoding
    "Crypto-Map \xabVPN\xbb\n".encode("latin-1"),  # legacy 8-bit
    bytes(range(256)) * 8,  # binary junk
    b"IPv4 Crypto ISAKMP SA\ndst             src             state          conn-id status\n198.51",  # truncated
])
def test_unreadable_outputs_are_not_checked_not_guessed(tmp_path: Path, data: bytes) -> None:
    diag = diagnose_bundle(read_bundle(_one_file_bundle(tmp_path, data)))
    assert diag.root_cause.code == "INSUFFICIENT_EVIDENCE" and diag.not_checked
    assert diag.exit_code == 3


def test_outputs_of_another_platform_are_unparsed_not_empty(tmp_path: Path) -> None:
    built, raw = _rendered("asa-ios-stale-sa")
    asa = raw.peers[0]
    assert asa.platform == "cisco_asa"
    # an ASA's outputs filed as an IOS router's, under the IOS command names
    ios_names = [c for c in bundle_of(S.build("ios-ios-healthy"), Redactor()).peers[0].outputs]
    swapped = dict(zip(ios_names, asa.outputs.values(), strict=False))
    bundle = Bundle([BundlePeer(asa.name, "cisco_ios", asa.crypto_endpoint, None, swapped)], raw.tunnel)
    diag = diagnose_bundle(bundle)
    assert diag.root_cause.code == "INSUFFICIENT_EVIDENCE", diag.root_cause
    assert diag.not_checked


def test_unknown_platform_is_a_clear_error(tmp_path: Path) -> None:
    path = _one_file_bundle(tmp_path, b"x", platform="juniper_junos")
    result = runner.invoke(app, ["diagnose", "--offline", str(path), "--json"])
    assert result.exit_code == 2 and "unknown platform" in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------- properties

_yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
_yaml_values = st.recursive(_yaml_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.one_of(
    st.text(max_size=300),
    st.dictionaries(st.sampled_from(["peers", "tunnel", "collected_at", "x"]), _yaml_values, max_size=4),
    st.fixed_dictionaries({"peers": st.lists(st.dictionaries(
        st.sampled_from(["name", "platform", "outputs", "error", "crypto_endpoint", "sent_instead"]),
        _yaml_values, max_size=6), max_size=3)}),
))
def test_the_bundle_reader_gives_a_bundle_or_a_bundle_error(tmp_path: Path, doc: object) -> None:
    import yaml

    text = doc if isinstance(doc, str) else yaml.safe_dump(doc)
    (tmp_path / "bundle.yaml").write_text(text, encoding="utf-8")
    try:
        bundle = read_bundle(tmp_path)
    except BundleError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return
    diag = diagnose_bundle(bundle)  # whatever was read, the engine answers
    assert diag.root_cause.code


_SCENARIOS = ["asa-ios-stale-sa", "ios-ios-psk-mismatch", "asa-asa-psk-mismatch", "asa-ios-healthy"]


@cache
def _real(name: str) -> Bundle:
    return bundle_of(_rendered(name)[0], Redactor())


def _mangle(data: st.DataObject, text: str) -> str:
    how = data.draw(st.sampled_from(["keep", "drop", "truncate", "lines", "junk", "empty"]))
    if how == "truncate":
        return text[: data.draw(st.integers(0, len(text)))]
    if how == "lines":
        lines = text.splitlines()
        keep = data.draw(st.lists(st.integers(0, max(len(lines) - 1, 0)), max_size=len(lines)))
        return "\n".join(lines[i] for i in sorted(set(keep)) if i < len(lines))
    if how == "junk":
        return data.draw(st.text(max_size=200))
    if how == "empty":
        return ""
    return text if how == "keep" else "\0DROP"


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_engine_answers_any_mix_of_real_mangled_and_missing_outputs(data: st.DataObject) -> None:
    """Random facts: every command's output kept, dropped, cut, thinned, replaced by junk or
    swapped in from another scenario; the engine always returns a diagnosis whose code is in
    the catalog, and never claims the tunnel up when neither peer's SA tables were read."""
    from tests.conftest import diagnosis_codes

    base = _real(data.draw(st.sampled_from(_SCENARIOS)))
    donor = _real(data.draw(st.sampled_from(_SCENARIOS)))
    peers = []
    for mine, theirs in zip(base.peers, donor.peers, strict=True):
        outputs = {}
        for command, text in mine.outputs.items():
            if data.draw(st.booleans()) and command in theirs.outputs and theirs.platform == mine.platform:
                text = theirs.outputs[command]
            mangled = _mangle(data, text)
            if mangled != "\0DROP":
                outputs[command] = mangled
        peers.append(BundlePeer(mine.name, mine.platform, mine.crypto_endpoint, None, outputs))
    if data.draw(st.booleans()):
        peers = peers[: data.draw(st.integers(1, len(peers)))]
    diag = diagnose_bundle(Bundle(peers, base.tunnel))
    assert diag.root_cause.code in diagnosis_codes() | {"TUNNEL_UP", "TUNNEL_IDLE"}
    doc = diag.to_json()
    assert doc["root_cause"]["code"] == diag.root_cause.code
    no_sa_tables = all(not any(re.search(r"ipsec sa|isakmp sa|ikev1 sa", c) for c in p.outputs) for p in peers)
    if no_sa_tables:
        assert diag.root_cause.code not in ("TUNNEL_UP", "TUNNEL_IDLE")
