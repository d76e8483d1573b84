"""Connection retries: transient failures are retried (bounded), authentication is not."""

from __future__ import annotations

import paramiko
import pytest
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException

from agent.collector import session as S
from agent.collector.session import ConnectionSpec, DeviceError, DeviceSession
from agent.redact import Redactor


def _refused() -> NetmikoTimeoutException:
    """What netmiko raises for a closed port: a timeout whose context is paramiko's refusal."""
    exc = NetmikoTimeoutException("TCP connection to device failed.")
    exc.__context__ = paramiko.ssh_exception.NoValidConnectionsError({("127.0.0.1", 1): ConnectionRefusedError()})
    return exc


@pytest.mark.parametrize("exc, kind, calls", [
    (_refused(), "refused", 3),
    (NetmikoTimeoutException("timed out"), "timeout", 3),
    (NetmikoAuthenticationException("bad password"), "auth", 1),
])
def test_retry_policy(monkeypatch: pytest.MonkeyPatch, exc: Exception, kind: str, calls: int) -> None:
    count = {"n": 0}

    def fake_connect(**kwargs: object) -> None:
        count["n"] += 1
        raise exc

    monkeypatch.setattr(S, "connect_driver", fake_connect)
    monkeypatch.setattr(S, "wait_random_exponential", lambda **kw: (lambda rs: 0))
    spec = ConnectionSpec("r1", "cisco_ios", "127.0.0.1", 1, "u", "p", connect_attempts=3, host_key_policy="ignore")
    with pytest.raises(DeviceError) as err:
        DeviceSession(spec, Redactor()).open()
    assert err.value.kind == kind and count["n"] == calls
