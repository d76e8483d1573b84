"""Secrets never leave the device in clear.

Every device output enters the program through ``Redactor.redact``: pre-shared keys,
passwords, enable secrets, SNMP communities and RADIUS/TACACS keys are replaced.  A
pre-shared key is replaced by a keyed fingerprint, ``<psk hmac:0123456789abcdef>``: an
HMAC-SHA256 with a random key made for one run, so the two peers of a tunnel collected
in the same run can be compared (a PSK mismatch is visible) while the fingerprint is
useless outside that run.  Other secrets become ``<removed>``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from netmiko.session_log import SessionLog

REMOVED = "<removed>"
FINGERPRINT_RE = re.compile(r"<psk hmac:([0-9a-f]{16})>")
MASKED = {"*****", "******", "********", REMOVED}

# (kind, pattern): group "secret" is replaced; PSK patterns are fingerprinted.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # IOS: crypto isakmp key [0|6] KEY address A [MASK] [no-xauth]
    ("psk", re.compile(r"(?P<pre>crypto isakmp key (?:[067] )?)(?P<secret>\S+)(?P<post> +address\b)")),
    # IOS keyring: pre-shared-key address A [MASK] key [0|6|7] KEY (and hostname H)
    ("psk", re.compile(r"(?P<pre>\bpre-shared-key (?:address \S+(?: \d+\.\d+\.\d+\.\d+)?|hostname \S+) key (?:[067] )?)(?P<secret>\S+)")),
    # ASA / IOS ikev2: pre-shared-key [local|remote] [0|6|7] KEY
    ("psk", re.compile(r"(?P<pre>\bpre-shared-key (?:(?:local|remote) )?(?:[067] )?)(?P<secret>(?!address\b|hostname\b)\S+)")),
    ("psk", re.compile(r"(?P<pre>\b(?:local|remote)-authentication pre-shared-key (?:[067] )?)(?P<secret>\S+)")),
    ("secret", re.compile(r"(?P<pre>\benable (?:secret|password) (?:(?:level \d+ )?[0-9] )?)(?P<secret>\S+)")),
    ("secret", re.compile(r"(?P<pre>\busername \S+ (?:privilege \d+ )?(?:secret|password) (?:[0-9] )?)(?P<secret>\S+)")),
    ("secret", re.compile(r"(?P<pre>^\s*passwd )(?P<secret>\S+)", re.M)),
    ("secret", re.compile(r"(?P<pre>\bsnmp-server (?:community|host \S+ (?:\S+ )*community) )(?P<secret>\S+)")),
    ("secret", re.compile(r"(?P<pre>\bsnmp-server user \S+ \S+ (?:v3 )?(?:auth \S+ |priv \S+ (?:\d+ )?)*)(?P<secret>\S+)")),
    ("secret", re.compile(r"(?P<pre>\b(?:radius-server|tacacs-server|server-private \S+) key (?:[067] )?)(?P<secret>\S+)")),
    # IOS: radius-server host A [auth-port N] [acct-port N] key [0|7] KEY (and tacacs-server host)
    ("secret", re.compile(r"(?P<pre>\b(?:radius|tacacs)-server host \S+ (?:\S+ )*?key (?:[067] )?)(?P<secret>\S+)")),
    # ASA in clear (more system:running-config): aaa-server TAG [(IF)] host A KEY, or `key KEY` beneath
    ("secret", re.compile(r"(?P<pre>\baaa-server \S+ (?:\(\S+\) )?host \S+ (?:key )?)(?P<secret>(?!timeout\b)\S+)")),
    ("secret", re.compile(r"(?P<pre>^\s*key (?:[067] )?)(?P<secret>\S+)", re.M)),
    ("secret", re.compile(r"(?P<pre>\b(?:chap|pap sent-username \S+) password (?:[07] )?)(?P<secret>\S+)")),
]


@dataclass
class Redactor:
    """Redacts one run's outputs; ``run_key`` makes its PSK fingerprints comparable
    between the peers of that run only."""

    run_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    extra: set[str] = field(default_factory=set, repr=False)  # known secrets (passwords from the inventory)

    def fingerprint(self, secret: str) -> str:
        return hmac.new(self.run_key, secret.encode(), hashlib.sha256).hexdigest()[:16]

    def add_known(self, values: Iterable[str | None]) -> None:
        self.extra.update(v for v in values if v and len(v) >= 4)

    def redact(self, text: str) -> str:
        for kind, pattern in PATTERNS:
            text = pattern.sub(lambda m, k=kind: self._replace(m, k), text)  # type: ignore[misc]
        for value in self.extra:
            if value in text:
                text = text.replace(value, REMOVED)
        return text

    def _replace(self, m: re.Match[str], kind: str) -> str:
        secret = m.group("secret")
        post = m.groupdict().get("post") or ""
        if secret in MASKED or FINGERPRINT_RE.fullmatch(secret) or secret.startswith("<"):
            return m.group(0)
        if kind == "psk":
            return f"{m.group('pre')}<psk hmac:{self.fingerprint(secret)}>{post}"
        return f"{m.group('pre')}{REMOVED}{post}"


class RedactingSessionLog(SessionLog):
    """A netmiko session log that writes whole lines only, each redacted first, so a key
    split across two channel reads is still caught."""

    def __init__(self, file_name: str, redactor: Redactor, **kwargs: object) -> None:
        super().__init__(file_name=file_name, **kwargs)  # type: ignore[arg-type]
        self.redactor = redactor
        self._pending = ""

    def write(self, data: str) -> None:
        self._pending += data
        if "\n" not in self._pending:
            return
        complete, _, self._pending = self._pending.rpartition("\n")
        super().write(self.redactor.redact(complete + "\n"))

    def close(self) -> None:
        if self._pending:
            super().write(self.redactor.redact(self._pending))
            self._pending = ""
        super().close()
