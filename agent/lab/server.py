"""The lab's SSH server: several simulated devices in one process, one TCP port per device.

It knows nothing about Cisco.  It authenticates with a device's ``Credentials``, then moves
bytes between an SSH channel and a ``Shell``: echo, line endings, prompts, and the
SSH-level faults of ``SshFaults`` (see /work/shared/lab-notes.md for why each matters to
netmiko).  It listens on loopback addresses only.

Faults are read when they apply, so a scenario may change them at run time: ``refuse_auth`` and
``connect_delay`` at authentication, ``banner_delay`` when a TCP connection arrives, the others
at every command.  Commands are the non-empty lines typed with echo on (a secret typed at
``Password:`` is none), counted per session, netmiko's set-up commands included;
``drop_after_commands=N`` aborts the connection halfway through the output of the session's
Nth command (or of its next command, if it has already run more than N); a command of
``endless_commands`` prints log lines for ever and never returns the prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import ipaddress
import logging
import random
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.utils import CryptographyDeprecationWarning

with warnings.catch_warnings():
    # asyncssh's DSA support touches cryptography's deprecated DSA classes at import and
    # prints five warnings on every lab command; the lab never offers DSA keys.
    warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning,
                            module=r"asyncssh\.")
    import asyncssh

from agent.lab.shell_api import Credentials, Reply, Shell, ShellFactory, SshFaults

log = logging.getLogger(__name__)

INVALID_INPUT = "% Invalid input detected at '^' marker."

# Cheap algorithms that paramiko (netmiko) supports: the lab is CPU-bound by SSH crypto.
_KEX_ALGS = ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256"]
_CIPHERS = ["aes128-ctr", "aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes256-ctr"]
_MACS = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-256", "hmac-sha1"]
_BACKLOG = 1024
_READ_SIZE = 4096


class _SilenceSendWarnings(logging.Filter):
    """asyncio warns 'socket.send() raised exception.' after every client disconnect."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("socket.send() raised exception")


_SEND_FILTER = _SilenceSendWarnings()


@dataclass
class DeviceEndpoint:
    """One simulated device: its own port, credentials, shells and faults."""

    name: str
    shell_factory: ShellFactory  # called with the username once per SSH session
    credentials: Credentials
    faults: SshFaults  # may be mutated at run time: read per connection / command
    port: int = 0  # 0 = pick a free port; the real port is written back by start()
    on_login: Callable[[], None] | None = None  # called once per successful authentication
    error_prefix: str = ""  # printed before '% Invalid input' (the ASA prints "ERROR: ")
    allow_forwarding: bool = False  # a bastion: direct-tcpip to loopback destinations only


def _normalize(text: str) -> str:
    """Device output uses "\\n"; a terminal wants "\\r\\n"."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _matching_prefix(line: str, prefixes: list[str]) -> str | None:
    return next((p for p in prefixes if p and line.startswith(p)), None)


class _Next(enum.Enum):
    CONTINUE = 0
    CLOSE = 1  # Reply.close: the shell ended the session
    HANG = 2  # never send the prompt again
    DROPPED = 3  # connection aborted
    ENDLESS = 4  # keep printing, never send the prompt again


class _Session:
    """One interactive channel: line discipline plus fault injection around a Shell."""

    def __init__(self, endpoint: DeviceEndpoint, process: asyncssh.SSHServerProcess[str], shell: Shell):
        self.endpoint = endpoint
        self.process = process
        self.shell = shell
        self.line: list[str] = []
        self.after_cr = False
        self.commands = 0  # non-empty commands seen (drop_after_commands counts these)
        self.pending: list[str] = []  # output collected and written in one packet per flush
        self.echo_on = True

    # -- output ---------------------------------------------------------------------------
    def flush(self) -> None:
        if self.pending:
            self.process.stdout.write("".join(self.pending))
            self.pending.clear()

    def _prompt(self) -> str:
        try:
            return self.shell.prompt()
        except Exception:
            log.exception("%s: shell.prompt() failed", self.endpoint.name)
            return "#"

    def _call(self, what: str, fn: Callable[..., Reply], *args: str) -> Reply:
        """Run a shell handler; an exception becomes an error line, not a dead session."""
        try:
            return fn(*args)
        except Exception as exc:
            log.exception("%s: shell %s failed on %r", self.endpoint.name, what, args)
            return Reply(output=f"% Internal error in the simulated device: {type(exc).__name__}: {exc}\n")

    # -- the loop -------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            banner = self.shell.banner()
        except Exception:
            log.exception("%s: shell.banner() failed", self.endpoint.name)
            banner = ""
        if banner:
            self.pending.append(_normalize(banner))
        self.pending.append(self._prompt())
        self.flush()
        while True:
            try:
                data = await self.process.stdin.read(_READ_SIZE)
            except (asyncssh.TerminalSizeChanged, asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            if not data:  # EOF: the client went away
                break
            outcome = await self.feed(data)
            self.flush()
            if outcome is _Next.CLOSE:
                await self._close()
                return
            if outcome is _Next.HANG:
                await self._hang()
                break
            if outcome is _Next.DROPPED:
                return
            if outcome is _Next.ENDLESS:
                await self._endless()
                return
        self.process.exit(0)

    async def feed(self, data: str) -> _Next:
        """Apply a chunk of typed characters; stop at the first line that ends the session."""
        for ch in data:
            after_cr, self.after_cr = self.after_cr, ch == "\r"
            if ch == "\n" and after_cr:
                continue  # the LF of a CR LF pair, possibly split across reads
            if ch in "\r\n":
                self.pending.append("\r\n")
                outcome = await self._enter("".join(self.line))
                self.line.clear()
            elif ch == "\x1a":  # Ctrl-Z
                self.line.clear()
                self.pending.append("^Z\r\n")
                outcome = self._finish(self._call("handle_ctrl_z", self.shell.handle_ctrl_z))
            elif ch == "\x03":  # Ctrl-C: abandon the line
                self.line.clear()
                self.pending.append("^C\r\n" + self._prompt())
                continue
            elif ch in "\x7f\x08":  # backspace / delete
                if self.line:
                    self.line.pop()
                    if self.echo_on:
                        self.pending.append("\b \b")
                continue
            elif ch < " " and ch != "\t":  # other control characters are ignored
                continue
            else:
                self.line.append(ch)
                if self.echo_on:
                    self.pending.append(ch)
                continue
            if outcome is not _Next.CONTINUE:
                return outcome
        return _Next.CONTINUE

    async def _enter(self, line: str) -> _Next:
        faults = self.endpoint.faults
        command = line.strip()
        counted = bool(command) and self.echo_on  # secrets typed at `Password:` are no commands
        if not self.echo_on and faults.refuse_enable:
            line = ""  # the shell rejects an empty secret, as the device rejects any
        reply: Reply | None = None
        delay = 0.0
        if counted:
            self.commands += 1
            if _matching_prefix(command, faults.hang_commands) is not None:
                return _Next.HANG
            if _matching_prefix(command, faults.endless_commands) is not None:
                return _Next.ENDLESS
            invalid = _matching_prefix(command, faults.invalid_commands)
            if invalid is not None:
                reply = Reply(output=self._invalid_output(line, invalid))
            delay = faults.command_delay
            if faults.command_jitter > 0:
                delay += random.uniform(0.0, faults.command_jitter)
        if reply is None:
            reply = self._call("handle_line", self.shell.handle_line, line)
        if delay > 0:
            self.flush()  # the echo comes back at once, the answer later
            await asyncio.sleep(delay)
        drop = faults.drop_after_commands
        if counted and drop is not None and self.commands >= drop:
            await self._drop(reply.output)
            return _Next.DROPPED
        return self._finish(reply)

    def _finish(self, reply: Reply) -> _Next:
        self.pending.append(_normalize(reply.output))
        if reply.close:
            return _Next.CLOSE
        if reply.hang:
            return _Next.HANG
        self.pending.append(self._prompt())
        try:
            self.echo_on = bool(self.shell.echo())
        except Exception:
            log.exception("%s: shell.echo() failed", self.endpoint.name)
            self.echo_on = True
        return _Next.CONTINUE

    def _invalid_output(self, line: str, prefix: str) -> str:
        """A caret under the last word of the refused prefix, as IOS and ASA print it."""
        indent = len(line) - len(line.lstrip())
        word = prefix.rstrip().rfind(" ") + 1
        column = len(self._prompt()) + indent + word
        return f"{' ' * column}^\n{self.endpoint.error_prefix}{INVALID_INPUT}\n\n"

    async def _drop(self, output: str) -> None:
        text = _normalize(output)
        self.pending.append(text[: len(text) // 2])
        self.flush()
        await self.process.stdout.drain()
        log.info("%s: dropping the connection (fault drop_after_commands)", self.endpoint.name)
        self.process.get_extra_info("connection").abort()

    async def _hang(self) -> None:
        """Say nothing more; swallow input until the client goes away."""
        while True:
            try:
                if not await self.process.stdin.read(_READ_SIZE):
                    return
            except (asyncssh.TerminalSizeChanged, asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue

    async def _endless(self) -> None:
        """Print log lines for ever, as a device with `terminal monitor` and debugging on
        does: the output of the command never ends and the prompt never comes.  Ends when
        the client goes away."""
        tick = 0
        try:
            while True:
                tick += 1
                second = tick // 50
                stamp = f"Dec 01 2026 04:{second // 60 % 60:02d}:{second % 60:02d}"
                lines = [f"{stamp}: %ASA-7-609001: Built local-host inside:10.1.1.{n % 250 + 1}\r\n"
                         f"{stamp}: %ASA-6-302013: Built inbound TCP connection {tick * 100 + n} for "
                         f"outside:198.51.100.{n % 250 + 1}/{40000 + n} (198.51.100.{n % 250 + 1}/{40000 + n}) "
                         f"to inside:10.1.1.{n % 250 + 1}/443 (203.0.113.1/443)\r\n" for n in range(50)]
                self.process.stdout.write("".join(lines))
                await self.process.stdout.drain()
                await asyncio.sleep(0.02)
        except (BrokenPipeError, ConnectionError, asyncssh.Error):
            return

    async def _close(self) -> None:
        """Like a device after `exit`: end the channel, then the connection."""
        self.process.exit(0)
        conn = self.process.get_extra_info("connection")
        try:
            await asyncio.wait_for(self.process.channel.wait_closed(), timeout=5)
        except asyncio.TimeoutError:
            pass
        conn.close()


class _DeviceSSHServer(asyncssh.SSHServer):
    """Password authentication for one endpoint, with its auth faults."""

    def __init__(self, lab: LabServer, endpoint: DeviceEndpoint):
        self.lab = lab
        self.endpoint = endpoint
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.lab._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.lab._connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return True  # authentication is always required

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        """A jump host's direct-tcpip channel: only on a bastion, only to loopback."""
        if not self.endpoint.allow_forwarding:
            return False
        try:
            return ipaddress.ip_address(dest_host).is_loopback
        except ValueError:
            return False

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        faults = self.endpoint.faults
        if faults.connect_delay > 0:
            await asyncio.sleep(faults.connect_delay)
        if faults.refuse_auth:
            return False
        return bool(self.endpoint.credentials.check_password(username, password))

    def auth_completed(self) -> None:
        if self.endpoint.on_login is not None:
            try:
                self.endpoint.on_login()
            except Exception:
                log.exception("%s: on_login callback failed", self.endpoint.name)


class _DelayedStart(asyncio.Protocol):
    """Holds a fresh TCP connection for ``delay`` seconds before the SSH protocol starts, so
    the server's version banner comes late (fault ``banner_delay``)."""

    def __init__(self, factory: Callable[[], asyncio.Protocol], delay: float):
        self.factory = factory
        self.delay = delay
        self.transport: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.buffered: list[bytes] = []
        self.eof = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.timer = asyncio.get_running_loop().call_later(self.delay, self._start)

    def data_received(self, data: bytes) -> None:
        self.buffered.append(data)  # the client's version line: replayed to asyncssh later

    def eof_received(self) -> bool:
        self.eof = True
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()

    def _start(self) -> None:
        assert self.transport is not None
        if self.transport.is_closing():
            return
        if self.eof:
            self.transport.close()
            return
        protocol = self.factory()
        self.transport.set_protocol(protocol)
        protocol.connection_made(self.transport)
        for data in self.buffered:
            protocol.data_received(data)


class _DelayingListener:
    """asyncssh's ``tunnel`` hook for listeners: asyncssh hands us its connection factory and
    we own the TCP listener, which lets a connection wait before asyncssh sees it.  Duck-types
    ``SSHClientConnection.create_server(session_factory, listen_host, listen_port)``."""

    def __init__(self, endpoint: DeviceEndpoint):
        self.endpoint = endpoint

    async def create_server(
        self, session_factory: Callable[[str, int], Any], listen_host: str, listen_port: int
    ) -> asyncio.AbstractServer:
        def protocol_factory() -> asyncio.Protocol:
            delay = self.endpoint.faults.banner_delay

            def make() -> asyncio.Protocol:
                return session_factory("", 0)

            return _DelayedStart(make, delay) if delay > 0 else make()

        loop = asyncio.get_running_loop()
        return await loop.create_server(
            protocol_factory, listen_host, listen_port, backlog=_BACKLOG, reuse_address=True
        )


class LabServer:
    """Listens for every endpoint on ``host`` (a loopback address) in the running event loop."""

    def __init__(
        self,
        endpoints: list[DeviceEndpoint],
        host: str = "127.0.0.1",
        host_key: asyncssh.SSHKey | None = None,
    ):
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the lab listens on loopback addresses only, not {host!r}")
        self.endpoints = endpoints
        self.host = host
        self.host_key = host_key or asyncssh.generate_private_key("ssh-ed25519")
        self.host_key_public: str = " ".join(self.host_key.export_public_key("openssh").decode().split()[:2])
        self._acceptors: list[asyncssh.SSHAcceptor] = []
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        asyncio_log = logging.getLogger("asyncio")
        if _SEND_FILTER not in asyncio_log.filters:
            asyncio_log.addFilter(_SEND_FILTER)
        try:
            for endpoint in self.endpoints:
                acceptor = await asyncssh.listen(
                    self.host,
                    endpoint.port,
                    tunnel=_DelayingListener(endpoint),
                    server_host_keys=[self.host_key],
                    server_factory=lambda ep=endpoint: _DeviceSSHServer(self, ep),
                    process_factory=lambda process, ep=endpoint: self._session(ep, process),
                    line_editor=False,
                    encoding="utf-8",
                    errors="replace",
                    rdns_lookup=False,
                    password_auth=True,
                    kbdint_auth=False,
                    public_key_auth=False,
                    kex_algs=_KEX_ALGS,
                    encryption_algs=_CIPHERS,
                    mac_algs=_MACS,
                    compression_algs=["none"],
                    keepalive_interval=0,
                )
                self._acceptors.append(acceptor)
                endpoint.port = acceptor.get_port()
                log.info("lab device %s listening on %s:%d", endpoint.name, self.host, endpoint.port)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop listening, then end every session."""
        acceptors, self._acceptors = self._acceptors, []
        for acceptor in acceptors:
            acceptor.close()
        # Python >= 3.12's Server.wait_closed() also waits for open connections: close them too.
        for conn in list(self._connections):
            conn.close()
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for acceptor in acceptors:
            try:
                await asyncio.wait_for(acceptor.wait_closed(), timeout=5)
            except asyncio.TimeoutError:
                log.warning("a lab listener did not close within 5 s")
        for conn in list(self._connections):
            try:
                await asyncio.wait_for(conn.wait_closed(), timeout=2)
            except asyncio.TimeoutError:
                conn.abort()

    def known_hosts_lines(self) -> list[str]:
        return [f"[{self.host}]:{ep.port} {self.host_key_public}" for ep in self.endpoints]

    async def _session(self, endpoint: DeviceEndpoint, process: asyncssh.SSHServerProcess[str]) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            username = process.get_extra_info("username") or ""
            try:
                shell = endpoint.shell_factory(username)
            except Exception as exc:
                log.exception("%s: shell factory failed for %r", endpoint.name, username)
                process.stdout.write(f"% Internal error in the simulated device: {exc}\r\n")
                process.exit(1)
                return
            await _Session(endpoint, process, shell).run()
        except (BrokenPipeError, ConnectionError, asyncssh.Error):
            pass  # the client went away mid-write
        except Exception:
            log.exception("%s: session failed", endpoint.name)
            with contextlib.suppress(Exception):
                process.exit(1)
        finally:
            if task is not None:
                self._tasks.discard(task)


class LabServerThread:
    """Runs a LabServer on its own asyncio loop in a daemon thread, for synchronous code and pytest."""

    def __init__(
        self,
        endpoints: list[DeviceEndpoint],
        host: str = "127.0.0.1",
        host_key: asyncssh.SSHKey | None = None,
    ):
        self.server = LabServer(endpoints, host=host, host_key=host_key)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="lab-ssh-server", daemon=True)
        self._started = False

    @property
    def endpoints(self) -> list[DeviceEndpoint]:
        return self.server.endpoints

    @property
    def host_key_public(self) -> str:
        return self.server.host_key_public

    def known_hosts_lines(self) -> list[str]:
        return self.server.known_hosts_lines()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self, timeout: float = 30.0) -> None:
        """Returns once every endpoint is listening."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self.server.start(), self.loop)
        try:
            future.result(timeout)
        except BaseException:
            self._halt()
            raise
        self._started = True

    def stop(self, timeout: float = 30.0) -> None:
        if not self._thread.is_alive():
            return
        try:
            if self._started:
                asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(timeout)
        finally:
            self._started = False
            self._halt()

    def _halt(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self.loop.close()

    def __enter__(self) -> LabServerThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
