"""One SSH session to one device, through netmiko.

Connecting is retried with tenacity for transient failures only (timeout, refused,
reset); an authentication failure or a host key mismatch is final.  Commands are never
retried: a state-changing one must not run twice, and a show command that hung leaves
the channel in an unknown state, so the session is closed instead.  Every interaction
is one structured log event; every output is redacted before anything else sees it."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paramiko
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from agent import logs
from agent.collector.driver import DRIVERS, prompt_pattern
from agent.errors import AgentError
from agent.platforms import is_device_error, normalise
from agent.redact import RedactingSessionLog, Redactor


class DeviceError(AgentError):
    """A device could not be reached or used; ``kind`` is auth, timeout, refused,
    host_key, enable, dropped or error."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class JumpSpec:
    """An SSH bastion the device is reached through (direct-tcpip channel)."""

    host: str
    port: int = 22
    username: str = ""
    password: str = field(default="", repr=False)


@dataclass
class ConnectionSpec:
    """Everything needed to reach one device (resolved from the inventory)."""

    name: str
    platform: str
    host: str
    port: int = 22
    username: str = ""
    password: str = field(default="", repr=False)
    secret: str = field(default="", repr=False)
    conn_timeout: float = 10
    auth_timeout: float = 10
    banner_timeout: float = 15
    read_timeout: float = 30
    known_hosts: str | None = None
    host_key_policy: str = "strict"  # strict | accept-new | ignore
    connect_attempts: int = 3
    jump: JumpSpec | None = None
    max_output_bytes: int = 64 * 1024 * 1024  # one command's output; beyond it the session is given up


@dataclass
class CommandResult:
    command: str
    output: str  # redacted
    seconds: float
    ok: bool  # False when the device refused the command (error marker) or it failed
    error: str | None = None  # the DeviceError kind when the session failed during the command
    sent: str | None = None  # the command actually sent, when a fallback replaced it
    detail: str | None = None  # the DeviceError message, for the report


class _ReadMeter:
    """Counts what one command reads from the channel (netmiko's read_channel, wrapped on
    the connection): an output that never ends is stopped at ``limit`` bytes instead of
    filling memory until the read timeout, and a timeout is told apart from silence."""

    def __init__(self, conn: Any, limit: int) -> None:
        self.read = conn.read_channel
        self.limit = limit
        self.bytes = 0
        self.last_data = 0.0
        conn.read_channel = self

    def reset(self) -> None:
        self.bytes, self.last_data = 0, time.monotonic()

    def __call__(self) -> str:
        data = str(self.read())
        if data:
            self.bytes += len(data)
            self.last_data = time.monotonic()
            if self.bytes > self.limit:
                raise DeviceError("timeout", f"the output did not end: over {self.limit} bytes and no prompt")
        return data

    def still_sending(self) -> bool:
        """Data was still arriving at the end of the wait (not a device gone silent)."""
        return self.bytes > 0 and time.monotonic() - self.last_data < 1.0


def _classify(exc: BaseException) -> DeviceError:
    if isinstance(exc, DeviceError):
        return exc
    if isinstance(exc, NetmikoAuthenticationException):
        return DeviceError("auth", "authentication failed (username or password rejected)")
    if isinstance(exc, paramiko.BadHostKeyException):
        return DeviceError("host_key", "host key mismatch: the device's key differs from known_hosts")
    if isinstance(exc, paramiko.SSHException) and "known_hosts" in str(exc):
        return DeviceError("host_key", "unknown host key: the device is not in known_hosts")
    if isinstance(exc, NetmikoTimeoutException):
        return _connect_timeout(exc)
    if isinstance(exc, ReadTimeout):
        # netmiko raises the same ReadTimeout for a device gone silent and for an ASA that
        # answered a wrong secret with `>` again; what `enable` had read tells them apart.
        said = _local_of(exc, "enable", "output")
        if isinstance(said, str) and re.search(r"ssword", said, re.I):
            return DeviceError("enable", "enable secret rejected (no privileged prompt after the secret)")
        return DeviceError("timeout", "timed out waiting for the device's prompt")
    if isinstance(exc, ValueError) and "enable" in str(exc).lower():
        return DeviceError("enable", "enable secret rejected")
    if isinstance(exc, (EOFError, OSError, paramiko.SSHException)):
        return DeviceError("dropped", f"session dropped ({type(exc).__name__})")
    return DeviceError("error", f"{type(exc).__name__}")


def _connect_timeout(exc: BaseException) -> DeviceError:
    """What a netmiko connect timeout was: the host key, a refusal, no banner, or silence."""
    ctx = exc.__context__
    if isinstance(ctx, paramiko.BadHostKeyException) or "does not match" in str(exc):
        return DeviceError("host_key", "host key mismatch: the device's key differs from known_hosts")
    if "known_hosts" in str(exc) or "not found in known" in str(ctx or ""):
        return DeviceError("host_key", "unknown host key: the device is not in known_hosts")
    if isinstance(ctx, paramiko.ssh_exception.NoValidConnectionsError) or isinstance(ctx, ConnectionRefusedError):
        return DeviceError("refused", "connection refused")
    if "banner" in str(exc).lower() or "Error reading SSH protocol banner" in str(ctx or ""):
        return DeviceError("timeout", "timed out waiting for the SSH banner")
    return DeviceError("timeout", "timed out connecting")


def _local_of(exc: BaseException, function: str, name: str) -> object:
    """The local variable ``name`` of ``function``'s frame on the traceback of ``exc``."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == function and name in tb.tb_frame.f_locals:
            return tb.tb_frame.f_locals[name]
        tb = tb.tb_next
    return None


def connect_driver(**params: Any) -> Any:
    """An open netmiko connection through the platform's lean driver (``driver.DRIVERS``)."""
    return DRIVERS[params["device_type"]](**params)


def _transient(exc: BaseException) -> bool:
    return _classify(exc).kind in ("timeout", "refused", "dropped") and not isinstance(exc, ReadTimeout)


class DeviceSession:
    """An open, privileged CLI session.  Use as a context manager."""

    def __init__(self, spec: ConnectionSpec, redactor: Redactor, session_log: Path | None = None) -> None:
        self.spec = spec
        self.platform = normalise(spec.platform)
        self.redactor = redactor
        self.redactor.add_known([spec.password, spec.secret])
        self.session_log = session_log
        self.conn: Any = None
        self.log = logs.get().bind(device=spec.name)
        self.broken: DeviceError | None = None
        self.prompt_pattern: str | None = None  # the privileged prompt, found once after login
        self._jump: paramiko.SSHClient | None = None
        self._meter: _ReadMeter | None = None

    def _params(self) -> dict[str, Any]:
        s = self.spec
        params: dict[str, Any] = {
            "device_type": self.platform,
            "host": s.host,
            "port": s.port,
            "username": s.username,
            "password": s.password,
            "secret": s.secret,
            "conn_timeout": s.conn_timeout,
            "auth_timeout": s.auth_timeout,
            "banner_timeout": s.banner_timeout,
            "read_timeout_override": s.read_timeout,
            "allow_agent": False,
            "use_keys": False,
        }
        if s.host_key_policy != "ignore" and s.known_hosts:
            params.update(system_host_keys=False, alt_host_keys=True, alt_key_file=s.known_hosts)
        elif s.host_key_policy != "ignore":
            params.update(system_host_keys=True)  # ~/.ssh/known_hosts
        params["ssh_strict"] = s.host_key_policy == "strict"
        if self.session_log is not None:
            self.session_log.parent.mkdir(parents=True, exist_ok=True)
            params["session_log"] = RedactingSessionLog(str(self.session_log), self.redactor, no_log={"p": s.password, "s": s.secret})
        if s.jump is not None:
            params["sock"] = self._jump_channel(s.jump)
        return params

    def _jump_channel(self, jump: JumpSpec) -> paramiko.Channel:
        """Open (or reuse) the bastion session and a direct-tcpip channel to the device."""
        s = self.spec
        if self._jump is None:
            client = paramiko.SSHClient()
            if s.host_key_policy == "strict" and s.known_hosts:
                client.load_host_keys(s.known_hosts)
                client.set_missing_host_key_policy(paramiko.RejectPolicy())
            else:
                client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
            try:
                client.connect(jump.host, jump.port, jump.username, jump.password, timeout=s.conn_timeout,
                               auth_timeout=s.auth_timeout, banner_timeout=s.banner_timeout,
                               allow_agent=False, look_for_keys=False)
            except paramiko.AuthenticationException:
                client.close()
                raise DeviceError("auth", f"authentication failed on the jump host {jump.host}") from None
            except (OSError, paramiko.SSHException) as exc:
                client.close()
                raise DeviceError("refused" if isinstance(exc, ConnectionRefusedError) else "timeout",
                                  f"jump host {jump.host} not reachable ({type(exc).__name__})") from None
            self._jump = client
        transport = self._jump.get_transport()
        assert transport is not None
        try:
            return transport.open_channel("direct-tcpip", (s.host, s.port), ("127.0.0.1", 0), timeout=s.conn_timeout)
        except paramiko.ChannelException:
            raise DeviceError("refused", f"the jump host refused a channel to {s.host}:{s.port}") from None

    def open(self) -> DeviceSession:
        start = time.monotonic()
        try:
            for attempt in Retrying(
                stop=stop_after_attempt(max(1, self.spec.connect_attempts)),
                wait=wait_random_exponential(multiplier=0.5, max=4),
                retry=retry_if_exception(_transient),
                reraise=True,
            ):
                with attempt:
                    self.conn = connect_driver(**self._params())
            lean = getattr(self.conn, "lean_prompt", None)
            if not (lean and lean.endswith("#")) and not self.conn.check_enable_mode():
                self.conn.enable()
        except (RetryError, Exception) as exc:  # noqa: BLE001 - every failure becomes a DeviceError
            err = _classify(exc)
            self.log.warning("connect", outcome=err.kind, seconds=round(time.monotonic() - start, 3))
            self.close()
            raise err from None
        self._meter = _ReadMeter(self.conn, self.spec.max_output_bytes)
        self._learn_prompt()
        if self.spec.host_key_policy == "accept-new" and self.spec.known_hosts:
            self._save_host_key()
        self.log.info("connect", outcome="ok", seconds=round(time.monotonic() - start, 3))
        return self

    def _learn_prompt(self) -> None:
        """Find the prompt once.  netmiko otherwise finds it again before every command (a
        round trip and a sleep each time); the pattern is the whole prompt at the very end of
        the output, so a line that merely names the host (`hostname hq-asa`) cannot end a read.
        The lean drivers know it from set-up already."""
        lean = getattr(self.conn, "lean_prompt", None)
        if lean and lean.endswith("#"):
            self.prompt_pattern = prompt_pattern(lean)
            return
        try:
            prompt = str(self.conn.find_prompt()).strip()
        except Exception:  # noqa: BLE001 - without it, netmiko finds the prompt per command as before
            return
        if prompt:
            self.prompt_pattern = rf"(?:^|\n){re.escape(prompt)}\s*$"

    def _save_host_key(self) -> None:
        try:
            client = self.conn.remote_conn_pre
            path = Path(self.spec.known_hosts or "")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(exist_ok=True)
            client.save_host_keys(str(path))
        except (OSError, AttributeError):
            self.log.warning("known_hosts", outcome="not saved")

    def run(self, command: str, fallback: str | None = None, read_timeout: float | None = None) -> CommandResult:
        """Run one show command (never retried).  A device error answer is tried once
        more with ``fallback`` (e.g. `show crypto isakmp sa` on an ASA 8.x)."""
        result = self._send(command, read_timeout)
        if not result.ok and result.error is None and fallback:
            second = self._send(fallback, read_timeout)
            second.command, second.sent = command, fallback
            return second
        return result

    def _send(self, command: str, read_timeout: float | None) -> CommandResult:
        if self.broken is not None or self.conn is None:
            err = self.broken or DeviceError("error", "not connected")
            return CommandResult(command, "", 0.0, False, err.kind)
        start = time.monotonic()
        timeout = read_timeout or self.spec.read_timeout
        if self._meter is not None:
            self._meter.reset()
        try:
            raw = self.conn.send_command(command, read_timeout=timeout, expect_string=self.prompt_pattern)
        except Exception as exc:  # noqa: BLE001 - the session is unusable after any of these
            err = _classify(exc)
            if isinstance(exc, ReadTimeout) and err.kind == "timeout" and self._meter and self._meter.still_sending():
                err = DeviceError("timeout", f"the output did not end: {self._meter.bytes} bytes in {timeout:g} s "
                                             "and no prompt")
            self.broken = err
            seconds = time.monotonic() - start
            got = self._meter.bytes if self._meter else 0
            self.log.warning("command", command=command, seconds=round(seconds, 3), bytes=got, outcome=err.kind,
                             detail=str(err))
            return CommandResult(command, "", seconds, False, err.kind, detail=str(err))
        output = self.redactor.redact(raw)
        seconds = time.monotonic() - start
        refused = is_device_error(self.platform, output)
        self.log.info(
            "command", command=command, seconds=round(seconds, 3), bytes=len(raw),
            outcome="device_error" if refused else "ok",
        )
        return CommandResult(command, output, seconds, not refused)

    def send_config(self, lines: list[str]) -> CommandResult:
        """Send configuration lines (state-changing: never retried)."""
        start = time.monotonic()
        try:
            raw = self.conn.send_config_set(lines, cmd_verify=True)
        except Exception as exc:  # noqa: BLE001
            err = _classify(exc)
            self.broken = err
            self.log.warning("config", lines=len(lines), outcome=err.kind)
            return CommandResult("\n".join(lines), "", time.monotonic() - start, False, err.kind)
        output = self.redactor.redact(raw)
        refused = any(m in output for m in ("% Invalid input", "ERROR: %", "% Incomplete"))
        self.log.info("config", lines=len(lines), bytes=len(raw), outcome="device_error" if refused else "ok")
        return CommandResult("\n".join(lines), output, time.monotonic() - start, not refused)

    def close(self) -> None:
        if self.conn is not None:
            try:
                if self.broken is None:
                    self.conn.disconnect()
                else:
                    self.conn.paramiko_cleanup()
            except Exception:  # noqa: BLE001 - closing a dead session must not fail the run
                pass
            self.conn = None
        if self._jump is not None:
            self._jump.close()
            self._jump = None

    def __enter__(self) -> DeviceSession:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
