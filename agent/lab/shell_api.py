"""The seam between the lab's SSH server (bytes, echo, line endings, faults) and a device's
command-line shell (modes, prompts, commands).  The server knows nothing about Cisco; the
shell knows nothing about SSH."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Reply:
    """What the shell answers to one line of input."""

    output: str = ""  # text to print before the next prompt ("\n" line ends; the server writes "\r\n")
    close: bool = False  # the session ends after the output (e.g. `exit` at exec level)
    hang: bool = False  # fault injection: print ``output`` and never return the prompt


@dataclass
class SshFaults:
    """SSH-level misbehaviour a scenario can inject into one device."""

    refuse_auth: bool = False  # every password is rejected
    refuse_enable: bool = False  # every enable secret is rejected (login works)
    banner_delay: float = 0.0  # seconds before the SSH banner / server version is sent
    connect_delay: float = 0.0  # extra seconds before authentication completes
    command_delay: float = 0.0  # seconds added before every command's output
    command_jitter: float = 0.0  # uniform random extra 0..jitter seconds per command
    hang_commands: list[str] = field(default_factory=list)  # command prefixes that never return the prompt
    endless_commands: list[str] = field(default_factory=list)  # command prefixes whose output never ends
    drop_after_commands: int | None = None  # close the connection while answering the Nth command
    invalid_commands: list[str] = field(default_factory=list)  # answered '% Invalid input' (other version)


class Shell(Protocol):
    """One interactive CLI session on a device.  The server creates one per SSH channel via
    ``ShellFactory`` and feeds it complete lines (without CR/LF)."""

    def banner(self) -> str:
        """Text printed right after login, before the first prompt (may be empty)."""

    def prompt(self) -> str:
        """The current prompt, exactly as the device prints it (no newline)."""

    def echo(self) -> bool:
        """False while the shell reads a secret (the `Password: ` of `enable`): do not echo."""

    def handle_line(self, line: str) -> Reply:
        """Run one input line and return what to print before the next prompt."""

    def handle_ctrl_z(self) -> Reply:
        """Ctrl-Z: leave configuration mode."""


class ShellFactory(Protocol):
    def __call__(self, username: str) -> Shell: ...


class Credentials(Protocol):
    def check_password(self, username: str, password: str) -> bool: ...
