"""Lean netmiko drivers for the two platforms: the same netmiko classes, fewer waits.

netmiko's stock session set-up for IOS and ASA sleeps where it could read: it types an
Enter and sleeps 0.1 s before anything else, finds the prompt with buffer-clearing sleeps
(about 50 ms each time, three times per login), checks enable mode with extra round trips,
enters configuration mode through four prompt checks for one `terminal width`, and every
read loop polls the channel on a timer (10 ms in ``read_until_pattern``, 25 ms in
``send_command``): each command's answer waits on average half a tick after it arrived.

These subclasses keep netmiko's behaviour and command set, and change how they wait:

* reads wait on the SSH channel itself (an event paramiko sets when data arrives), so an
  answer is taken the moment it arrives; the pattern, the echo check (``cmd_verify``), the read
  buffer, line-feed normalisation and the session log are netmiko's own;
* set-up reads the prompt the device prints after login (an Enter only when it prints
  none), then runs what netmiko runs, each line waiting for the prompt it ends with: IOS
  `terminal width 511`, `terminal length 0`, `enable`; ASA `enable`, `terminal pager 0`,
  `configure terminal`, `terminal width 511`, `end`.  netmiko's ASA `show curpriv` only
  waited for its own echo to learn the session was ready; the login prompt says the same;
* the privileged prompt is known from the answer to `enable`, so nothing finds it again.

A rejected enable secret raises netmiko's ``ValueError`` for both platforms (stock netmiko
raises a ReadTimeout on the ASA); a channel the device closed ends a read at once with
netmiko's ``ReadTimeout`` (stock netmiko waits out the read timeout first).  Anything these drivers do not cover (no secret on an
ASA, a structured-output ``send_command``, `changeto`) is netmiko's stock code path."""

from __future__ import annotations

import re
import threading
import time
from typing import TYPE_CHECKING, Any

import paramiko
from netmiko.cisco.cisco_asa_ssh import CiscoAsaSSH
from netmiko.cisco.cisco_ios import CiscoIosSSH
from netmiko.exceptions import ReadTimeout

#: The end of the output is a prompt: the last line ends with `>` or `#` (an ASA adds a
#: space).  ``\Z``, not ``$``: a line of `#` followed by a newline is no prompt.
PROMPT_END = r"[>#] ?\Z"
_PASSWORD_OR_PROMPT = r"(?:ssword: ?|[>#] ?)\Z"
_LOOK_BACK = 4096  # characters of the earlier output searched again with each new read
_FIRST_PROMPT_WAIT = 1.0  # seconds to wait for the login prompt before typing an Enter


def prompt_pattern(prompt: str) -> str:
    """The whole prompt, alone on the last line at the very end of the output."""
    return rf"(?:^|\n){re.escape(prompt.strip())}\s*\Z"


class _Lean:
    """Mixed into a netmiko Cisco driver (``BaseConnection`` subclass) before it."""

    remote_conn: Any
    secret: str
    base_prompt: str
    RETURN: str
    read_timeout_override: float | None
    _read_buffer: str
    lean_prompt: str | None = None  # the prompt at the end of set-up ("host#")
    _event: threading.Event
    _event_of: object = None  # the channel ``_event`` is installed on

    if TYPE_CHECKING:  # netmiko's methods used here (BaseConnection provides them)
        def write_channel(self, out_data: str) -> None: ...
        def read_channel(self) -> str: ...
        def normalize_cmd(self, command: str) -> str: ...
        def session_preparation(self) -> None: ...

    # ------------------------------------------------------------------ waiting

    def _wait(self, timeout: float) -> None:
        """Block until the channel has data, it closes, or ``timeout`` passes.  paramiko
        sets a ``threading.Event`` given to the channel's input buffer whenever data is
        buffered (or the channel closed) and clears it when the buffer is read empty.  (Not
        ``select`` on ``Channel.fileno()``: its OS pipe is closed on close while paramiko's
        transport thread may still write to it, which can hit a reused descriptor.)"""
        chan = self.remote_conn
        if not isinstance(chan, paramiko.Channel):
            time.sleep(min(timeout, 0.01))
            return
        if self._event_of is not chan:
            self._event = threading.Event()
            chan.in_buffer.set_event(self._event)
            self._event_of = chan
        if chan.recv_ready():
            return
        if chan.closed or chan.eof_received:
            raise ReadTimeout("the device closed the SSH channel")
        self._event.wait(max(0.0, timeout))

    def read_until_pattern(self, pattern: str = "", read_timeout: float = 10.0, re_flags: int = 0,
                           max_loops: int | None = None) -> str:
        """netmiko's ``read_until_pattern`` (same result and read buffer, the same
        ``read_timeout_override``), waiting on the channel instead of sleeping between reads."""
        if self.read_timeout_override:
            read_timeout = self.read_timeout_override
        return self._read_until(pattern, read_timeout, re_flags)

    def _read_until(self, pattern: str, read_timeout: float, re_flags: int = 0) -> str:
        rx = re.compile(pattern, re_flags)
        deadline = time.monotonic() + read_timeout
        output = ""
        while True:
            # search only what is new, with a look-back for a match that straddles two
            # reads: a long output is not searched again from its start at every read
            start = max(0, len(output) - _LOOK_BACK)
            output += self.read_channel()
            m = rx.search(output, start)
            if m:
                rest = output[m.end():]
                if rest:
                    self._read_buffer += rest
                return output[: m.end()]
            left = deadline - time.monotonic()
            if read_timeout and left <= 0:
                raise ReadTimeout(f"Pattern not detected: {pattern!r} in output.")
            self._wait(left if read_timeout else 1.0)

    def send_command(self, command_string: str, expect_string: str | None = None, read_timeout: float = 10.0,
                     *args: Any, **kwargs: Any) -> Any:
        """With an ``expect_string`` and no parser, netmiko's send_command without its read
        timer; otherwise netmiko's own."""
        plain = not args and expect_string is not None and "changeto" not in command_string and set(kwargs) <= {
            "strip_prompt", "strip_command", "cmd_verify", "normalize"}
        if not plain:
            return super().send_command(command_string, expect_string, read_timeout, *args, **kwargs)  # type: ignore[misc]
        assert expect_string is not None
        if kwargs.get("normalize", True):
            command_string = self.normalize_cmd(command_string)
        self.write_channel(command_string)
        cmd = command_string.strip()
        output = ""
        if cmd and kwargs.get("cmd_verify", True) and getattr(self, "global_cmd_verify", None) is not False:
            output = self.command_echo_read(cmd=cmd, read_timeout=10)  # type: ignore[attr-defined]
        output += self.read_until_pattern(expect_string, read_timeout=read_timeout)
        output, _ = self._first_line_handler(output, expect_string)  # type: ignore[attr-defined]
        return self._sanitize_output(  # type: ignore[attr-defined]
            output, strip_command=kwargs.get("strip_command", True), command_string=command_string,
            strip_prompt=kwargs.get("strip_prompt", True))

    # ------------------------------------------------------------------ set-up

    def _try_session_preparation(self, force_data: bool = True) -> None:
        """netmiko types an Enter and sleeps 0.1 s first; the device's own prompt is enough."""
        try:
            self.session_preparation()
        except Exception:
            self.disconnect()  # type: ignore[attr-defined]
            raise

    def _first_prompt(self) -> str:
        """The prompt the device prints after login (after any banner)."""
        try:  # a wait, not a timeout: read_timeout_override does not stretch it
            out = self._read_until(PROMPT_END, _FIRST_PROMPT_WAIT)
        except ReadTimeout:
            self.write_channel(self.RETURN)  # a device that prints nothing until it is asked
            out = self.read_until_pattern(PROMPT_END, read_timeout=20)
        return _last_line(out)

    def _line(self, command: str, expect: str) -> str:
        """One set-up line, its echo verified, read up to ``expect``."""
        out = self.send_command(command, expect_string=expect, read_timeout=20, strip_prompt=False)
        return str(out)

    def _enable(self, prompt: str) -> str:
        """`enable` and the secret; returns the privileged prompt or raises ValueError."""
        self.write_channel(self.normalize_cmd("enable"))
        out = self.read_until_pattern(re.escape("enable"), read_timeout=20)
        out = self.read_until_pattern(_PASSWORD_OR_PROMPT, read_timeout=20, re_flags=re.IGNORECASE)
        if re.search(r"ssword", out, re.IGNORECASE):
            self.write_channel(self.normalize_cmd(self.secret))
            out = self.read_until_pattern(_PASSWORD_OR_PROMPT, read_timeout=20, re_flags=re.IGNORECASE)
        last = _last_line(out)
        if not last.endswith("#"):
            raise ValueError("Failed to enter enable mode (enable secret rejected).")
        return last

    def _ready(self, prompt: str) -> None:
        self.lean_prompt = prompt
        self.base_prompt = prompt[:-1] if len(prompt) > 1 else prompt


def _last_line(text: str) -> str:
    return text.replace("\r", "\n").rstrip().split("\n")[-1].strip()


class LeanCiscoIos(_Lean, CiscoIosSSH):
    """netmiko's ``cisco_ios`` driver with the lean reads and set-up."""

    def session_preparation(self) -> None:
        prompt = self._first_prompt()
        here = prompt_pattern(prompt)
        self._line("terminal width 511", here)
        self._line("terminal length 0", here)
        if self.secret and prompt.endswith(">"):
            prompt = self._enable(prompt)
        self._ready(prompt)
        self.base_prompt = self.base_prompt[:16]  # as netmiko's IOS driver (config prompts are cut)


class LeanCiscoAsa(_Lean, CiscoAsaSSH):
    """netmiko's ``cisco_asa`` driver with the lean reads and set-up.  Without a secret,
    netmiko's own set-up (its `login` flow)."""

    def session_preparation(self) -> None:
        if not self.secret:
            super().session_preparation()
            return
        prompt = self._first_prompt()
        if prompt.endswith(">"):
            prompt = self._enable(prompt)
        here = prompt_pattern(prompt)
        self._line("terminal pager 0", here)
        if self.allow_auto_change:
            config = r"\)#\s*\Z"
            self._line("configure terminal", config)
            self._line("terminal width 511", config)
            self._line("end", here)
        else:
            self.global_cmd_verify = False  # as netmiko: without the width, no echo check
        self._ready(prompt)


DRIVERS: dict[str, type[_Lean]] = {"cisco_ios": LeanCiscoIos, "cisco_asa": LeanCiscoAsa}
