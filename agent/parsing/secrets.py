"""Pre-shared keys never leave the parsing layer as text.

A record field that holds a key is replaced, before the record is returned, by an HMAC
fingerprint (when the caller gave a run key) or by a redaction marker. Keys that the device
already masked (``*****``) stay as they are: they say "a key is configured" and nothing
more. Keys the collector already replaced (``<psk hmac:0123456789abcdef>``, see
``agent/redact.py``) are fingerprints already and pass through. Two peers' fingerprints
made with the same run key are equal exactly when the keys are equal, which is what the
engine needs to spot a PSK mismatch.

``psk_fingerprint`` in the facts is the first 16 hex digits of the HMAC, the length the
collector's redactor prints, so a fingerprint made here and one made by the collector
under the same run key compare equal."""

from __future__ import annotations

import hashlib
import hmac
import re

#: Prefix of a fingerprint as it appears in a record.
FINGERPRINT_PREFIX = "hmac-sha256:"
#: A clear key seen without a run key to fingerprint it with.
REDACTED = "<redacted>"
_MASKED = re.compile(r"^(\*+|<removed>)$")
#: A key the collector's redactor already replaced (agent/redact.py FINGERPRINT_RE).
COLLECTOR_FINGERPRINT = re.compile(r"^<psk hmac:([0-9a-f]{8,64})>$")
#: Digits of the HMAC kept in ``psk_fingerprint``.
FINGERPRINT_DIGITS = 16


def fingerprint(secret: str, run_key: bytes) -> str:
    """HMAC-SHA256 of ``secret`` under ``run_key``, as 64 hex digits."""
    return hmac.new(run_key, secret.encode("utf-8"), hashlib.sha256).hexdigest()


def is_masked(value: str) -> bool:
    """The device printed the key masked (``*****``) or it was removed: present, value unknown."""
    return bool(_MASKED.match(value))


def redact(value: str, run_key: bytes | None) -> str:
    """The form a key field takes in a record: "" (no key), the mask as printed,
    ``hmac-sha256:<hex>`` (clear key, run key given) or ``<redacted>``."""
    if not value or is_masked(value) or COLLECTOR_FINGERPRINT.match(value):
        return value
    if run_key:
        return FINGERPRINT_PREFIX + fingerprint(value, run_key)
    return REDACTED


def fingerprint_of(field_value: str) -> str | None:
    """The fingerprint (16 hex digits) held in a redacted record field, or None."""
    if field_value.startswith(FINGERPRINT_PREFIX):
        return field_value[len(FINGERPRINT_PREFIX) :][:FINGERPRINT_DIGITS]
    match = COLLECTOR_FINGERPRINT.match(field_value)
    return match.group(1)[:FINGERPRINT_DIGITS] if match else None


#: Lines that carry a pre-shared key (IOS and ASA syntax); group "key" is the key.  Each
#: pattern goes with a literal every line it matches contains, so that a text without it
#: (an SA table that says "key" elsewhere) is not scanned line by line for nothing.
_KEY_LINES = tuple(
    (literal, re.compile(p, re.MULTILINE))
    for literal, p in (
        ("isakmp key ", r"^(?P<head>\s*crypto isakmp key (?:\d\s+)?)(?!<psk hmac:)(?P<key>\S+)(?=\s+(?:address|hostname)\s)"),
        ("isakmp key ", r"^(?P<head>\s*isakmp key )(?!<psk hmac:)(?P<key>\S+)(?=\s+address\s)"),
        ("pre-shared-key ", r"^(?P<head>\s+pre-shared-key address \S+(?:\s+\d+\.\d+\.\d+\.\d+)? key (?:\d\s+)?)(?!<psk hmac:)(?P<key>\S+)"),
        ("pre-shared-key ", r"^(?P<head>\s+pre-shared-key (?:(?:local|remote)\s+)?(?:\d\s+)?)(?!<psk hmac:)(?P<key>\S+)\s*$"),
        ("pre-shared-key ", r"^(?P<head>\s+(?:ikev1 )?pre-shared-key (?:\d+\s+)?)(?!<psk hmac:)(?P<key>\S+)\s*$"),
        ("pre-shared-key ", r"^(?P<head>\s+ikev2 (?:local|remote)-authentication pre-shared-key (?:\d+\s+)?)(?!<psk hmac:)(?P<key>\S+)\s*$"),
        # an indented `key K`: the IOS Easy VPN group key (and RADIUS / TACACS+ server keys)
        ("key ", r"^(?P<head>\s+key (?:\d\s+)?)(?!<psk hmac:)(?P<key>\S+)\s*$"),
    )
)


def scrub(text: str) -> str:
    """``text`` with every pre-shared key on a configuration line replaced by ``<redacted>``
    (masked keys stay as printed). For raw text kept beside facts; the collector should
    already have redacted what it stores."""
    if "key" not in text:  # every key line names one: nothing to scan for
        return text
    for literal, pattern in _KEY_LINES:
        if literal not in text:
            continue
        text = pattern.sub(lambda m: m.group("head") + (m.group("key") if is_masked(m.group("key")) else REDACTED), text)
    return text
