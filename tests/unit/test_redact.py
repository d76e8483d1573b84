from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from agent.redact import FINGERPRINT_RE, RedactingSessionLog, Redactor

ASA = """tunnel-group 198.51.100.2 ipsec-attributes
 ikev1 pre-shared-key Sup3rSecretKey
 ikev2 remote-authentication pre-shared-key Ik2Remote!
enable password 8Ry2YjIyt7RRXU24 encrypted
username admin password Adm1nPass privilege 15
snmp-server community Publ1cComm
aaa-server RAD (inside) host 10.1.1.5
 key RadiusKey99
"""
IOS = """crypto isakmp key IosKey123 address 203.0.113.1 no-xauth
crypto isakmp key 6 EncKey==abc address 0.0.0.0 0.0.0.0
enable secret 9 $9$abcdefgh$ijklmnop
username admin privilege 15 secret 0 PlainSecret
radius-server key 7 0822455D0A16
snmp-server community private RW
 pre-shared-key address 192.0.2.1 key KeyringKey
 pre-shared-key address 192.0.2.0 255.255.255.0 key 6 KeyringKey2
"""
SECRETS = ["Sup3rSecretKey", "Ik2Remote!", "8Ry2YjIyt7RRXU24", "Adm1nPass", "Publ1cComm", "RadiusKey99",
           "IosKey123", "EncKey==abc", "KeyringKey", "KeyringKey2", "$9$abcdefgh$ijklmnop", "PlainSecret", "0822455D0A16", "private"]


def test_every_kind_of_secret_is_removed() -> None:
    r = Redactor()
    out = r.redact(ASA + IOS)
    for secret in SECRETS:
        assert secret not in out, secret
    assert "crypto isakmp key <psk hmac:" in out and "address 203.0.113.1 no-xauth" in out
    assert "ikev1 pre-shared-key <psk hmac:" in out


def test_fingerprints_compare_within_a_run_only() -> None:
    run = Redactor()
    a = run.redact(" ikev1 pre-shared-key SameKey")
    b = run.redact("crypto isakmp key SameKey address 203.0.113.1")
    c = run.redact("crypto isakmp key OtherKey address 203.0.113.1")
    fa, fb, fc = (FINGERPRINT_RE.search(x).group(1) for x in (a, b, c))  # type: ignore[union-attr]
    assert fa == fb != fc
    other_run = Redactor().redact(" ikev1 pre-shared-key SameKey")
    assert FINGERPRINT_RE.search(other_run).group(1) != fa  # type: ignore[union-attr]


def test_redaction_is_idempotent_and_keeps_asa_masks() -> None:
    r = Redactor()
    once = r.redact(ASA)
    assert r.redact(once) == once
    assert r.redact(" ikev1 pre-shared-key *****") == " ikev1 pre-shared-key *****"


def test_known_secrets_are_removed_anywhere() -> None:
    r = Redactor()
    r.add_known(["pw-0123456789", None, ""])
    assert "pw-0123456789" not in r.redact("Password: pw-0123456789 echoed")


def test_session_log_catches_a_key_split_across_reads(tmp_path: Path) -> None:
    log = RedactingSessionLog(str(tmp_path / "s.log"), Redactor())
    log.open()
    for chunk in ["crypto isakmp key Spl", "itKey address 1.2.3.4\n", "end"]:
        log.write(chunk)
    log.close()
    text = (tmp_path / "s.log").read_text()
    assert "SplitKey" not in text and "Spl" not in text and "<psk hmac:" in text and text.endswith("end")


@given(st.text())
def test_redact_never_raises(text: str) -> None:
    Redactor().redact(text)
