"""One CLI session on a simulated device: privilege levels, configuration modes, prompts,
error markers, output filters, and the exec commands that act (ping, clear).  Show
commands are rendered by ``render_asa`` / ``render_ios``."""

from __future__ import annotations

import re
from collections.abc import Callable
from ipaddress import IPv4Address

from agent.lab import config_asa, config_ios, debug, ike, journal, logformat, traffic
from agent.lab.config_common import GLOBAL, ConfigError, Mode
from agent.lab.grammar import CommandTable, Match, NoMatch, caret_line
from agent.lab.model import Platform
from agent.lab.shell_api import Reply
from agent.lab.world import Device, Lab, MonitorQueue

ERROR_PREFIX = {Platform.ASA: "ERROR: ", Platform.IOS: ""}
INTERFACE_ABBREV = {"gi": "GigabitEthernet", "te": "TenGigabitEthernet", "fa": "FastEthernet", "lo": "Loopback", "tu": "Tunnel"}


def _tables(platform: Platform) -> tuple[CommandTable[Device], CommandTable[Device]]:
    if platform is Platform.ASA:
        from agent.lab.render_ra import ASA_TABLE as show_table
    else:
        from agent.lab.render_ios import TABLE as show_table
    return show_table, ACTIONS[platform]


class DeviceShell:
    """Implements ``shell_api.Shell`` for one device."""

    def __init__(self, device: Device, username: str = "") -> None:
        self.dev = device
        self.username = username
        self.privileged = False
        self.mode: Mode | None = None  # None: exec; else a configuration mode
        self.reading_secret = False
        self.interp = config_asa if device.platform is Platform.ASA else config_ios
        self.monitor: MonitorQueue | None = None  # queued `terminal monitor` output

    # ------------------------------------------------------------ Shell protocol

    def banner(self) -> str:
        if self.dev.platform is Platform.ASA:
            return "Type help or '?' for a list of available commands.\n"
        return ""

    def prompt(self) -> str:
        if self.reading_secret:
            return "Password: "
        host = self.dev.hostname
        sep = " " if self.dev.platform is Platform.ASA else ""
        if self.mode is not None:
            return f"{host}({self.interp.prompt_suffix(self.mode)})#{sep}"
        return f"{host}{'#' if self.privileged else '>'}{sep}"

    def echo(self) -> bool:
        return not self.reading_secret

    def handle_ctrl_z(self) -> Reply:
        self.mode = None
        return Reply()

    def handle_line(self, line: str) -> Reply:
        lab = self.dev.lab
        lock = lab.lock if lab is not None else self.dev.lock
        with lock:
            return self._monitored(self._handle(line))

    # ------------------------------------------------------------ dispatch

    def _handle(self, line: str) -> Reply:
        if self.reading_secret:
            self.reading_secret = False
            if line == self.dev.config.enable_secret and line:
                self.privileged = True
                return Reply()
            msg = "Invalid password" if self.dev.platform is Platform.ASA else "% Access denied"
            return Reply(msg + "\n")
        text = line.strip()
        if not text:
            return Reply()
        self.dev.state.commands.append(text)
        if journal.is_change(text, self.mode is not None):
            journal.record(self.dev.name, self.username, text)
        if self.mode is not None:
            return self._config_line(text)
        return self._exec(text)

    def _terminal(self, args: list[str]) -> Reply:
        """`terminal monitor` copies syslog and debug output to this session, printed before
        the next command's answer; `terminal no monitor` / `no terminal monitor` stops it."""
        if args and len(args[0]) >= 3 and "monitor".startswith(args[0]):
            if self.monitor is None:
                self.monitor = MonitorQueue()
                self.dev.monitors.add(self.monitor)
        elif args[:1] == ["no"] and len(args) == 2 and "monitor".startswith(args[1]):
            self.stop_monitor()
        return Reply()

    def stop_monitor(self) -> None:
        if self.monitor is not None:
            self.dev.monitors.discard(self.monitor)
            self.monitor = None

    def _monitored(self, reply: Reply) -> Reply:
        """What `terminal monitor` queued since the last command, ahead of the answer."""
        queued = self.monitor.take() if self.monitor is not None else []
        if not queued:
            return reply
        lines = [logformat.render(self.dev.platform, self.dev.config, ln, self.dev.state.boot_time) for ln in queued]
        reply.output = "".join(line + "\n" for line in lines) + reply.output
        return reply

    def _error(self, message: str, position: int, text: str) -> Reply:
        caret = caret_line(len(self.prompt()), text, position)
        return Reply(f"{caret}\n{ERROR_PREFIX[self.dev.platform]}{message}\n")

    def _exec(self, text: str) -> Reply:
        words = text.split()
        low = [w.lower() for w in words]
        if low[0] in ("exit", "quit", "logout") and len(low) == 1:
            return Reply(close=True)
        if low[0] == "enable" and len(low) == 1 or low[:1] == ["en"] and len(low) == 1:
            if not self.privileged:
                self.reading_secret = True
            return Reply()
        if low == ["disable"]:
            self.privileged = False
            return Reply()
        if "terminal".startswith(low[0]) and len(low) >= 2 and len(low[0]) >= 3:
            return self._terminal(low[1:])  # terminal length 0 / width 511 / pager 0 / monitor
        if low[:2] == ["no", "terminal"] and len(low) == 3 and "monitor".startswith(low[2]):
            return self._terminal(["no", "monitor"])  # ASA `no terminal monitor`
        if debug.is_debug(words):
            if not self.privileged:
                return self._error("% Invalid input detected at '^' marker.", 0, text)
            try:
                return Reply(debug.command(self.dev, words))
            except debug.DebugSyntax as exc:
                return self._error("% Invalid input detected at '^' marker.", exc.position, text)
        if low[0] == "configure" or (len(low) == 2 and "configure".startswith(low[0]) and len(low[0]) >= 4):
            if not self.privileged:
                return self._error("% Invalid input detected at '^' marker.", 0, text)
            if len(low) < 2 or not "terminal".startswith(low[1]):
                return self._error("% Invalid input detected at '^' marker.", 1, text)
            self.mode = GLOBAL
            if self.dev.platform is Platform.IOS:
                return Reply("Enter configuration commands, one per line.  End with CNTL/Z.\n")
            return Reply()
        if low[0] in ("write", "wr") or low[:1] == ["copy"]:
            if not self.privileged:
                return self._error("% Invalid input detected at '^' marker.", 0, text)
            return Reply("Building configuration...\n[OK]\n")
        return self._run(text)

    def _run(self, text: str) -> Reply:
        command, _, pipe = text.partition(" | ")
        words = command.split()
        show_table, actions = _tables(self.dev.platform)
        for table in (actions, show_table):
            try:
                cmd, match = table.resolve(words, self.privileged)
            except NoMatch:
                continue
            out = cmd.handler(self.dev, match)
            if pipe:
                out = apply_filter(out, pipe)
            return Reply(out)
        position = 0
        incomplete = False
        for table in (actions, show_table):
            try:
                table.resolve(words, self.privileged)
            except NoMatch as exc:
                if exc.position >= position:
                    position = exc.position
                    incomplete = incomplete or exc.incomplete
        if incomplete or position >= len(words):
            return Reply(f"{ERROR_PREFIX[self.dev.platform]}% Incomplete command.\n")
        return self._error("% Invalid input detected at '^' marker.", position, command)

    def _config_line(self, text: str) -> Reply:
        low = text.lower().split()
        assert self.mode is not None
        if low == ["end"]:
            self.mode = None
            return Reply()
        if low == ["exit"]:
            self.mode = None if self.mode.kind == "config" else GLOBAL
            return Reply()
        if low[0] == "do" and len(low) > 1:
            return self._exec(text.split(None, 1)[1])
        try:
            self.mode, warnings = self.interp.apply(self.dev.config, self.mode, text)
        except ConfigError as exc:
            message = str(exc)
            if "^" in message:
                return self._error(message, exc.position, text)
            return Reply(f"{message}\n")
        return Reply("".join(w + "\n" for w in warnings))


def apply_filter(output: str, pipe: str) -> str:
    """`| include X`, `| exclude X`, `| begin X`, `| section X`, `| count X` (IOS and ASA)."""
    verb, _, pattern = pipe.strip().partition(" ")
    verb = verb.lower()
    try:
        rx = re.compile(pattern.strip())
    except re.error:
        rx = re.compile(re.escape(pattern.strip()))
    lines = output.splitlines()
    if "include".startswith(verb) or verb == "grep":
        kept = [ln for ln in lines if rx.search(ln)]
    elif "exclude".startswith(verb):
        kept = [ln for ln in lines if not rx.search(ln)]
    elif "begin".startswith(verb):
        kept = []
        for i, ln in enumerate(lines):
            if rx.search(ln):
                kept = lines[i:]
                break
    elif "section".startswith(verb):
        kept = []
        keep = False
        for ln in lines:
            if ln and not ln[0].isspace():
                keep = bool(rx.search(ln))
            if keep and ln.strip():
                kept.append(ln)
    elif "count".startswith(verb):
        return f"Number of lines which match regexp = {sum(1 for ln in lines if rx.search(ln))}\n"
    else:
        return output
    return "\n".join(kept) + ("\n" if kept else "")


# ---------------------------------------------------------------- acting commands

ACTIONS: dict[Platform, CommandTable[Device]] = {Platform.ASA: CommandTable(), Platform.IOS: CommandTable()}
ASA_ACT = ACTIONS[Platform.ASA]
IOS_ACT = ACTIONS[Platform.IOS]


def _lab(dev: Device) -> Lab:
    assert dev.lab is not None
    return dev.lab


def _expand_interface(dev: Device, name: str) -> str | None:
    if name in dev.config.interfaces:
        return name
    m = re.match(r"([A-Za-z]+)([\d/.]+)$", name)
    if m:
        for abbr, full in INTERFACE_ABBREV.items():
            if full.lower().startswith(m.group(1).lower()) and m.group(1).lower().startswith(abbr):
                cand = full + m.group(2)
                if cand in dev.config.interfaces:
                    return cand
    return None


def _ping_output(dev: Device, target: IPv4Address, results: list[bool], size: int, source: str | None, df: bool) -> str:
    lines = ["Type escape sequence to abort.", f"Sending {len(results)}, {size}-byte ICMP Echos to {target}, timeout is 2 seconds:"]
    if source and dev.platform is Platform.IOS:
        lines.append(f"Packet sent with a source address of {source} ")
    if df:
        lines.append("Packet sent with the DF bit set")
    marks = "".join("!" if ok else "." for ok in results)
    lines += [marks[i : i + 70] for i in range(0, len(marks), 70)]
    ok = sum(results)
    pct = ok * 100 // len(results) if results else 0
    if ok:
        lines.append(f"Success rate is {pct} percent ({ok}/{len(results)}), round-trip min/avg/max = 1/2/4 ms")
    else:
        lines.append(f"Success rate is {pct} percent ({ok}/{len(results)})")
    return "\n".join(lines) + "\n"


def _ping(dev: Device, m: Match, source_ip: IPv4Address | None, source_text: str | None) -> str:
    target = IPv4Address(m.args["target"])
    count = int(m.get("repeat") or 5)
    size = int(m.get("size") or 100)
    df = m.has("df-bit")
    if source_ip is None:
        route = dev.config.route_lookup(target)
        if route is None or route[0].ip is None:
            return _ping_output(dev, target, [False] * count, size, None, df)
        source_ip = route[0].ip.ip
    results = traffic.ping(_lab(dev), dev, source_ip, target, count=min(count, 1000), size=size, df=df)
    return _ping_output(dev, target, results, size, source_text, df)


@ASA_ACT.register("ping [<word:ifname>] <ip:target> [repeat <int:repeat>] [size <int:size>] [timeout <int:timeout>]", privileged=False)
def asa_ping(dev: Device, m: Match) -> str:
    ifname = m.get("ifname")
    source_ip = None
    if ifname is not None:
        itf = dev.config.interface_by_label(ifname)
        if itf is None or itf.ip is None:
            return f"ERROR: % Invalid interface name {ifname}\n"
        source_ip = itf.ip.ip
    return _ping(dev, m, source_ip, None)


@IOS_ACT.register(
    "ping [ip] <ip:target> [source <word:source>] [repeat <int:repeat>] [size <int:size>] [df-bit] [timeout <int:timeout>]",
    privileged=False,
)
def ios_ping(dev: Device, m: Match) -> str:
    source = m.get("source")
    source_ip = None
    source_text = None
    if source is not None:
        try:
            source_ip = IPv4Address(source)
            if dev.config.interface_owning(source_ip) is None:
                return "% Invalid source address- IP address not on any of our up interfaces\n"
        except ValueError:
            name = _expand_interface(dev, source)
            itf = dev.config.interfaces.get(name or "")
            if itf is None or itf.ip is None:
                return "% Invalid source interface - Interface not found or not configured\n"
            source_ip = itf.ip.ip
        source_text = str(source_ip)
    return _ping(dev, m, source_ip, source_text)


def _peer(m: Match) -> IPv4Address | None:
    value = m.get("peer")
    return IPv4Address(value) if value else None


@ASA_ACT.register("clear crypto ipsec sa [peer <ip:peer>]")
def asa_clear_ipsec(dev: Device, m: Match) -> str:
    ike.clear_ipsec(_lab(dev), dev, _peer(m))
    return ""


@ASA_ACT.register("clear crypto {ikev1|isakmp} sa [<ip:peer>]")
def asa_clear_ike(dev: Device, m: Match) -> str:
    ike.clear_ike(_lab(dev), dev, _peer(m), version=1 if m.has("ikev1") else None)
    return ""


@ASA_ACT.register("clear crypto ikev2 sa [<ip:peer>]")
def asa_clear_ikev2(dev: Device, m: Match) -> str:
    ike.clear_ike(_lab(dev), dev, _peer(m), version=2)
    return ""


@ASA_ACT.register("vpn-sessiondb logoff ipaddress <ip:peer> [noconfirm]")
def asa_logoff(dev: Device, m: Match) -> str:
    peer = _peer(m)
    n = 1 if peer in dev.state.ike_sas else 0
    ike.clear_ike(_lab(dev), dev, peer)
    return f"INFO: Number of sessions with IP address of {peer} logged off : {n}\n"


@ASA_ACT.register("clear logging buffer")
def asa_clear_logging(dev: Device, m: Match) -> str:
    dev.state.logs.clear()
    return ""


@ASA_ACT.register("clear asp drop")
def asa_clear_asp(dev: Device, m: Match) -> str:
    dev.state.asp_drops.clear()
    return ""


@IOS_ACT.register("clear crypto sa [peer <ip:peer>]")
def ios_clear_sa(dev: Device, m: Match) -> str:
    ike.clear_ipsec(_lab(dev), dev, _peer(m))
    return ""


@IOS_ACT.register("clear crypto isakmp [<int:conn_id>]")
def ios_clear_isakmp(dev: Device, m: Match) -> str:
    conn = m.get("conn_id")
    ike.clear_ike(_lab(dev), dev, None, int(conn) if conn else None)
    return ""


@IOS_ACT.register("clear crypto session [remote <ip:peer>]")
def ios_clear_session(dev: Device, m: Match) -> str:
    peer = _peer(m)
    ike.clear_ipsec(_lab(dev), dev, peer)
    ike.clear_ike(_lab(dev), dev, peer)
    return ""


@IOS_ACT.register("clear logging")
def ios_clear_logging(dev: Device, m: Match) -> str:
    dev.state.logs.clear()
    return ""


ShellMaker = Callable[[str], DeviceShell]
