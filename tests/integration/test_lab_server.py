"""The lab SSH server driven by real netmiko / paramiko clients against a tiny fake Cisco shell."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import paramiko
import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout

from agent.lab.server import INVALID_INPUT, DeviceEndpoint, LabServerThread
from agent.lab.shell_api import Reply, SshFaults

pytestmark = pytest.mark.integration

USER = "labadmin"
PASSWORD = "lab-password-7Qx"
SECRET = "lab-enable-secret-9Zk"

SHOW_VERSION = """Cisco IOS XE Software, Version 17.09.04a
Fake lab device
r1 uptime is 2 days, 3 hours, 4 minutes
Configuration register is 0x2102
"""


class FakeShell:
    """Just enough of a Cisco CLI for netmiko's cisco_ios and cisco_asa drivers."""

    def __init__(self, username: str, hostname: str = "r1"):
        self.username = username
        self.hostname = hostname
        self.mode = "exec"  # exec, enable, config, config-if
        self.reading_secret = False

    def banner(self) -> str:
        return "\nAuthorized access only\n\n"

    def prompt(self) -> str:
        if self.reading_secret:
            return "Password: "
        suffix = {"exec": ">", "enable": "#", "config": "(config)#", "config-if": "(config-if)#"}
        return self.hostname + suffix[self.mode]

    def echo(self) -> bool:
        return not self.reading_secret

    def handle_ctrl_z(self) -> Reply:
        if self.mode.startswith("config"):
            self.mode = "enable"
        return Reply()

    def handle_line(self, line: str) -> Reply:
        if self.reading_secret:
            self.reading_secret = False
            if line == SECRET:
                self.mode = "enable"
                return Reply()
            return Reply(output="% Access denied\n\n")
        cmd = " ".join(line.split())
        if not cmd:
            return Reply()
        if cmd == "crash":
            raise RuntimeError("simulated shell bug")
        if self.mode.startswith("config"):
            return self._config(cmd)
        return self._exec(cmd)

    def _exec(self, cmd: str) -> Reply:
        if cmd in ("terminal length 0", "terminal width 511", "terminal pager 0"):
            return Reply()
        if cmd == "show version":
            return Reply(output=SHOW_VERSION)
        if cmd == "show curpriv":
            level = 15 if self.mode == "enable" else 1
            return Reply(output=f"Username : {self.username}\nCurrent privilege level : {level}\n")
        if cmd == "enable":
            if self.mode == "exec":
                self.reading_secret = True
            return Reply()
        if cmd == "disable":
            self.mode = "exec"
            return Reply()
        if cmd in ("exit", "logout"):
            return Reply(close=True)
        if cmd == "configure terminal" and self.mode == "enable":
            self.mode = "config"
            return Reply()
        return Reply(output=f"{' ' * len(self.prompt())}^\n{INVALID_INPUT}\n\n")

    def _config(self, cmd: str) -> Reply:
        if cmd == "end":
            self.mode = "enable"
        elif cmd == "exit":
            self.mode = "config" if self.mode == "config-if" else "enable"
        elif cmd.startswith("interface "):
            self.mode = "config-if"
        elif cmd.startswith("hostname "):
            self.hostname = cmd.split()[1]
        elif cmd == "terminal width 511" or (self.mode == "config-if" and cmd.startswith("description ")):
            pass
        else:
            return Reply(output=f"{' ' * len(self.prompt())}^\n{INVALID_INPUT}\n\n")
        return Reply()


class Creds:
    def check_password(self, username: str, password: str) -> bool:
        return username == USER and password == PASSWORD


class LoginCounter:
    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            self.count += 1


FAULTS = {
    "ok": SshFaults(),
    "refuse": SshFaults(refuse_auth=True),
    "banner": SshFaults(banner_delay=5.0),
    "hang": SshFaults(hang_commands=["show crypto ipsec sa"]),
    "drop": SshFaults(),
    "slow": SshFaults(command_delay=0.4, command_jitter=0.1),
    "invalid": SshFaults(invalid_commands=["show crypto ikev2"]),
}


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[LabServerThread, dict[str, DeviceEndpoint], LoginCounter]]:
    logins = LoginCounter()
    endpoints = {
        name: DeviceEndpoint(
            name=name, shell_factory=FakeShell, credentials=Creds(), faults=faults, on_login=logins
        )
        for name, faults in FAULTS.items()
    }
    with LabServerThread(list(endpoints.values())) as server:
        yield server, endpoints, logins


def connect(endpoint: DeviceEndpoint, device_type: str = "cisco_ios", **kwargs: Any) -> Any:
    params: dict[str, Any] = dict(
        device_type=device_type,
        host="127.0.0.1",
        port=endpoint.port,
        username=USER,
        password=PASSWORD,
        secret=SECRET,
        conn_timeout=10,
    )
    params.update(kwargs)
    return ConnectHandler(**params)


def raw_shell(endpoint: DeviceEndpoint) -> tuple[paramiko.SSHClient, paramiko.Channel]:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", endpoint.port, USER, PASSWORD, look_for_keys=False, allow_agent=False)
    chan = client.invoke_shell(term="vt100")
    chan.settimeout(5)
    return client, chan


def read_until(chan: paramiko.Channel, marker: bytes) -> bytes:
    data = b""
    while not data.endswith(marker):
        chunk = chan.recv(4096)
        if not chunk:
            raise EOFError(data)
        data += chunk
    return data


def test_ios_driver_full_session(lab: Any) -> None:
    _, endpoints, logins = lab
    before = logins.count
    conn = connect(endpoints["ok"])
    try:
        assert logins.count == before + 1
        assert conn.find_prompt() == "r1>"
        conn.enable()
        assert conn.find_prompt() == "r1#"
        output = conn.send_command("show version")
        assert "Configuration register is 0x2102" in output
        assert "r1#" not in output
        config = conn.send_config_set(
            ["interface GigabitEthernet1", "description lab", "exit", "hostname r1"]
        )
        assert "r1(config-if)#" in config
        assert "Invalid" not in config
        assert conn.find_prompt() == "r1#"
    finally:
        conn.disconnect()


def test_asa_driver_full_session(lab: Any) -> None:
    _, endpoints, _ = lab
    conn = connect(endpoints["ok"], device_type="cisco_asa")
    try:
        assert conn.find_prompt() == "r1#"
        assert "Current privilege level : 15" in conn.send_command("show curpriv")
        assert "Fake lab device" in conn.send_command("show version")
        config = conn.send_config_set(["interface Management0/0", "description lab", "hostname r1"])
        assert "r1(config-if)#" in config
        assert conn.find_prompt() == "r1#"
    finally:
        conn.disconnect()


def test_echo_line_endings_and_secret(lab: Any) -> None:
    _, endpoints, _ = lab
    client, chan = raw_shell(endpoints["ok"])
    try:
        assert read_until(chan, b"r1>") == b"\r\nAuthorized access only\r\n\r\nr1>"
        chan.sendall(b"show ver\x7fr")  # backspace edits the line
        chan.sendall(b"sion\r")
        chan.sendall(b"\n")  # the LF of a CR LF pair split across reads is swallowed
        out = read_until(chan, b"r1>")
        assert out.startswith(b"show ver\b \brsion\r\nCisco IOS XE")
        assert b"0x2102\r\nr1>" in out and b"\n\n" not in out.replace(b"\r\n", b"\n").rstrip(b"r1>")
        chan.sendall(b"\r\n")  # an empty line: just the prompt again
        assert read_until(chan, b"r1>") == b"\r\nr1>"
        chan.sendall(b"enable\n")
        assert read_until(chan, b"Password: ") == b"enable\r\nPassword: "
        chan.sendall(SECRET.encode() + b"\n")
        out = read_until(chan, b"r1#")
        assert SECRET.encode() not in out and out == b"\r\nr1#"
        chan.sendall(b"configure terminal\ninterface Gi1\n\x1a")
        out = read_until(chan, b"^Z\r\nr1#")
        assert b"r1(config-if)#" in out
        chan.sendall(b"exit\n")
        read_until(chan, b"exit\r\n")
        assert chan.recv(100) == b""  # Reply.close ends the channel
    finally:
        client.close()


def test_shell_exception_answers_with_error_and_prompt(lab: Any) -> None:
    _, endpoints, _ = lab
    conn = connect(endpoints["ok"], read_timeout_override=5)
    try:
        output = conn.send_command("crash")
        assert "Internal error" in output and "simulated shell bug" in output
        assert "Fake lab device" in conn.send_command("show version")
    finally:
        conn.disconnect()


def test_refuse_auth(lab: Any) -> None:
    _, endpoints, logins = lab
    before = logins.count
    with pytest.raises(NetmikoAuthenticationException):
        connect(endpoints["refuse"])
    assert logins.count == before


def test_wrong_password(lab: Any) -> None:
    _, endpoints, _ = lab
    with pytest.raises(NetmikoAuthenticationException):
        connect(endpoints["ok"], password="not-the-password")


@pytest.mark.timeout(60)  # a hang guard, not a timing: the banner comes after 5 s, the client gives up after 1 s
def test_banner_delay_times_out(lab: Any) -> None:
    _, endpoints, _ = lab
    with pytest.raises(NetmikoTimeoutException):  # had it waited for the banner, it would have connected
        connect(endpoints["banner"], banner_timeout=1)


def test_banner_delay_shorter_than_timeout_connects(lab: Any) -> None:
    _, endpoints, _ = lab
    endpoint = endpoints["banner"]
    endpoint.faults.banner_delay = 0.5
    try:
        start = time.monotonic()
        conn = connect(endpoint, banner_timeout=5)
        assert time.monotonic() - start >= 0.5  # the injected delay took effect (a sleep never ends early)
        assert conn.find_prompt() == "r1>"
        conn.disconnect()
    finally:
        endpoint.faults.banner_delay = 5.0


def test_hang_command_read_timeout(lab: Any) -> None:
    _, endpoints, _ = lab
    conn = connect(endpoints["hang"])
    try:
        assert "Fake lab device" in conn.send_command("show version")
        with pytest.raises(ReadTimeout):
            conn.send_command("show crypto ipsec sa peer 10.0.0.1", read_timeout=2)
    finally:
        conn.paramiko_cleanup()  # disconnect() would wait for the hung shell's prompt


@pytest.mark.timeout(60)  # a hang guard: both reads end at their 2 s read timeout or at the closed channel
def test_drop_after_commands(lab: Any) -> None:
    _, endpoints, _ = lab
    endpoint = endpoints["drop"]
    conn = connect(endpoint)
    try:
        # Faults are read per command: from now on the session's next command is dropped.
        endpoint.faults.drop_after_commands = 1
        # netmiko does not notice a closed channel while reading, only at its next write.
        with pytest.raises((ReadTimeout, OSError)):
            conn.send_command("show version", read_timeout=2)
        with pytest.raises(OSError):
            conn.send_command("show version", read_timeout=2)
        assert not conn.is_alive()
    finally:
        endpoint.faults.drop_after_commands = None
        conn.disconnect()


def test_drop_closes_the_socket(lab: Any) -> None:
    _, endpoints, _ = lab
    endpoint = endpoints["drop"]
    client, chan = raw_shell(endpoint)
    try:
        read_until(chan, b"r1>")
        endpoint.faults.drop_after_commands = 1
        chan.sendall(b"show version\n")
        data = b""
        while chunk := chan.recv(4096):
            data += chunk
        assert data.startswith(b"show version\r\nCisco IOS")  # half of the output, then EOF
        assert b"0x2102" not in data
    finally:
        endpoint.faults.drop_after_commands = None
        client.close()


def test_command_delay(lab: Any) -> None:
    _, endpoints, _ = lab
    conn = connect(endpoints["slow"])
    try:
        start = time.monotonic()
        assert "Fake lab device" in conn.send_command("show version")
        assert time.monotonic() - start >= 0.4  # the injected delay took effect (a sleep never ends early)
    finally:
        conn.disconnect()


def test_invalid_commands(lab: Any) -> None:
    _, endpoints, _ = lab
    conn = connect(endpoints["invalid"])
    try:
        conn.enable()
        output = conn.send_command("show crypto ikev2 sa")
        lines = output.splitlines()
        assert INVALID_INPUT in lines
        caret = lines[lines.index(INVALID_INPUT) - 1]
        # the caret sits under "ikev2" as printed after the prompt "r1#"
        assert caret.index("^") == len("r1#show crypto ")
        assert "Fake lab device" in conn.send_command("show version")
    finally:
        conn.disconnect()


def test_known_hosts_lines_pin_the_host_key(lab: Any, tmp_path: Path) -> None:
    server, endpoints, _ = lab
    lines = server.known_hosts_lines()
    assert len(lines) == len(endpoints)
    for line, endpoint in zip(lines, endpoints.values(), strict=True):
        assert re.fullmatch(rf"\[127\.0\.0\.1\]:{endpoint.port} ssh-ed25519 [A-Za-z0-9+/]+=*", line)
        assert line.endswith(server.host_key_public)
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("\n".join(lines) + "\n")
    client = paramiko.SSHClient()
    client.load_host_keys(str(known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect("127.0.0.1", endpoints["ok"].port, USER, PASSWORD, look_for_keys=False, allow_agent=False)
    client.close()


def test_listens_on_loopback_only(lab: Any) -> None:
    server, endpoints, _ = lab
    for acceptor in server.server._acceptors:
        assert {addr[0] for addr in acceptor.get_addresses()} == {"127.0.0.1"}
    with pytest.raises(ValueError):
        LabServerThread([], host="0.0.0.0")


@pytest.mark.timeout(60)  # a hang guard: stop() must not wait for the hung command
def test_stop_ends_open_sessions() -> None:
    endpoint = DeviceEndpoint("solo", FakeShell, Creds(), SshFaults(hang_commands=["show"]))
    server = LabServerThread([endpoint])
    server.start()
    client, chan = raw_shell(endpoint)
    read_until(chan, b"r1>")
    chan.sendall(b"show version\n")
    server.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", endpoint.port), timeout=2).close()
    client.close()


@pytest.mark.slow
def test_200_concurrent_sessions(lab: Any) -> None:
    _, endpoints, logins = lab
    endpoint = endpoints["ok"]
    before = logins.count
    sessions = 200
    barrier = threading.Barrier(sessions, timeout=120)

    def one_session(_: int) -> str:
        conn = connect(endpoint, conn_timeout=60, banner_timeout=60, auth_timeout=60)
        try:
            barrier.wait()  # all sessions are open at the same time
            return str(conn.send_command("show version", read_timeout=60))
        finally:
            conn.disconnect()

    with ThreadPoolExecutor(max_workers=sessions) as pool:
        outputs = list(pool.map(one_session, range(sessions)))
    assert all("Configuration register is 0x2102" in out for out in outputs)
    assert logins.count == before + sessions
