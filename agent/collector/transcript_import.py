"""Transcripts -> a bundle: each device's platform (from its prompt, its outputs and the
commands it accepted), its crypto endpoint (from its own outputs), its commands read by
meaning (``agent.parsing.forms``), its log evidence; the other peer when the capture
holds one device only.

What cannot be told from the capture is left open and listed (``Draft.open_questions``):
the CLI asks at a terminal, or takes ``--peer NAME=ADDRESS`` / ``--platform NAME=P``.
Nothing here prints."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from agent.collector.bundle import Bundle, BundlePeer
from agent.collector.transcript import Block, Capture, TranscriptError, is_log, split
from agent.parsing.forms import resolve
from agent.platforms import ASA, IOS, normalise
from agent.redact import Redactor

_IP = r"(\d{1,3}(?:\.\d{1,3}){3})"

#: (platform, pattern, weight): what gives a device's platform away.  Prompts with an ASA
#: context (host/ctx#, host/pri/act#) count as ASA markers too.
PLATFORM_MARKERS: tuple[tuple[str, re.Pattern[str], int], ...] = tuple(
    (plat, re.compile(rx, re.M), w) for plat, rx, w in (
        (ASA, r"Cisco Adaptive Security Appliance|Firepower Threat Defense|^Hardware:\s+ASA", 10),
        (ASA, r"^\s*IKEv[12] SAs:|There are no IKEv[12] SAs|^\s*\d+\s+IKE Peer:", 5),
        (ASA, r"Crypto map tag: \S+, seq num: \d+, local addr:", 5),
        (ASA, r"remaining key lifetime \(kB/sec\)|in use settings =\{(?:L2L|RA),", 5),
        (ASA, r"%(?:ASA|FTD|PIX)-\d-\d{6}", 5),
        (ASA, r"^\s*(?:tunnel-group \S+ (?:type|ipsec-attributes)|crypto ikev[12] enable \S+|nameif \S+)", 5),
        (IOS, r"Cisco IOS(?: XE)? Software|IOS-XE|^ROM: ", 10),
        (IOS, r"IPv[46] Crypto (?:ISAKMP|IKEv2)\s+SA|^\s*Global IKE policy|Interfaces using crypto map", 5),
        (IOS, r"Crypto map tag: \S+, local addr \S+|flow_id: \S+|remaining key lifetime \(k/sec\)", 5),
        (IOS, r"protected vrf:|Crypto session current status|^\s*Session status: ", 5),
        (IOS, r"%(?!ASA-|FTD-|PIX-)[A-Z][A-Z0-9_]*-\d-[A-Z][A-Z0-9_]+:|^\s*ISAKMP(?:-PAK|-ERROR)?\s*:", 3),
        (IOS, r"^\s*crypto isakmp (?:policy|key)|^\s*crypto ipsec transform-set \S+ |^\s*crypto isakmp profile", 4),
    )
)
#: Commands only one platform accepts (as expanded for the other: a unique prefix).
COMMAND_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (ASA, re.compile(r"^(?:more system:|show (?:run\S* (?:all )?(?:crypto|tunnel-group|nat|object|group-policy|sysopt)"
                     r"|route|interface ip brief|vpn-sessiondb|asp |nat)|terminal pager|packet-tracer)")),
    (IOS, re.compile(r"^(?:show (?:ip |crypto (?:map|session|isakmp policy|ipsec transform-set)|dmvpn|run\S* \| (?:sec|s )"
                     r"|access-lists)|terminal length)")),
)

#: The device's own crypto address, from its outputs.
LOCAL: tuple[re.Pattern[str], ...] = tuple(re.compile(rx, re.M) for rx in (
    rf"local crypto endpt\.?:\s*{_IP}", rf"local addr(?:ess)?\s*:?\s*{_IP}", rf"destaddr={_IP}",
    rf"IKE SA: local {_IP}", rf"^\s*\d+\s+{_IP}/\d+\s+{_IP}/\d+",
))
#: Addresses of the device's peers, from its outputs.
REMOTE: tuple[re.Pattern[str], ...] = tuple(re.compile(rx, re.M) for rx in (
    rf"current_peer:?\s+{_IP}", rf"remote crypto endpt\.?:\s*{_IP}", rf"set peer {_IP}", rf"^\s*Peer = {_IP}",
    rf"Current peer: {_IP}", rf"^\s*Peer: {_IP} port", rf"IKE Peer:\s*{_IP}", rf"remote address\s*:\s*{_IP}",
    rf"srcaddr={_IP}", rf"received packet from {_IP}", rf"IKE message from {_IP}", rf"peer address: {_IP}",
    rf"NBMA Address: {_IP}",
))
#: (local, remote) in one match.
PAIRS: tuple[re.Pattern[str], ...] = tuple(re.compile(rx, re.M) for rx in (
    rf"local crypto endpt\.?:\s*{_IP}(?:/\d+)?,\s*remote crypto endpt\.?:\s*{_IP}",
    rf"^\s*\d+\s+{_IP}/\d+\s+{_IP}/\d+", rf"\(local {_IP} remote {_IP}\)",
    rf"local address\s*:\s*{_IP}\s+remote address\s*:\s*{_IP}", rf"IKE SA: local {_IP}/\d+ remote {_IP}",
))
#: An IKE SA table row (IOS `dst src state`): the two ends, in either order.
UNDIRECTED = re.compile(rf"^\s*{_IP}\s+{_IP}\s+[A-Z][A-Z_]+\s+\d+", re.M)
#: The peer a command was narrowed to (`show crypto ipsec sa peer X`).
NAMED_PEER = re.compile(rf"\b(?:peer|remote|ipaddress) {_IP}\b")
_MAP_INTERFACES = re.compile(r"Interfaces using crypto map \S+:\s*\n((?:[ \t]+\S+\s*\n?)+)")
_BRIEF_ROW = re.compile(rf"^(\S+)\s+{_IP}\s+YES\b", re.M)
LOG_COMMAND = "show logging"


@dataclass
class Device:
    """One device seen in the transcripts."""

    host: str  # as in its prompt
    platform: str | None = None
    endpoint: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # command (expanded) -> output
    typed: dict[str, str] = field(default_factory=dict)  # command (expanded) -> as typed
    partial: dict[str, str] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    debug: list[str] = field(default_factory=list)
    debug_command: str | None = None
    truncated: list[str] = field(default_factory=list)
    contexts: set[str] = field(default_factory=set)
    blocks: list[Block] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.host.lower()

    def text(self) -> str:
        return "\n".join([*self.outputs.values(), *self.logs, *self.debug])


@dataclass
class Draft:
    """What the transcripts say, before it is written: the devices, the other peer (when
    one device only), the original texts and what was left out."""

    devices: list[Device]
    transcripts: dict[str, str]
    remote_name: str | None = None
    remote_address: str | None = None
    prose: int = 0
    notes: list[str] = field(default_factory=list)

    def open_questions(self) -> list[str]:
        """What the capture does not tell: ``platform:NAME`` / ``endpoint:NAME``."""
        out = [f"platform:{d.name}" for d in self.devices if d.platform is None]
        out += [f"endpoint:{d.name}" for d in self.devices if d.endpoint is None]
        if len(self.devices) == 1 and self.remote_address is None:
            out.append(f"endpoint:{self.remote_name or 'peer'}")
        return out

    def answer(self, question: str, value: str) -> None:
        """Settle one open question (a user's answer or a command-line option)."""
        kind, _, name = question.partition(":")
        if kind == "platform":
            self.set_platform(name, value)
        else:
            self.set_endpoint(name, value)
        infer_endpoints(self)

    def set_platform(self, name: str, platform: str) -> None:
        device = self._device(name)
        if device is None:
            raise TranscriptError(f"--platform {name}=...: no device {name!r} in the transcript "
                                  f"(devices: {', '.join(d.name for d in self.devices)})")
        try:
            device.platform = normalise(platform)
        except ValueError as exc:
            raise TranscriptError(f"--platform {name}={platform}: {exc}") from None
        _expand(device)

    def set_endpoint(self, name: str, address: str) -> None:
        if not re.fullmatch(_IP, address):
            raise TranscriptError(f"--peer {name}={address}: not an IPv4 address")
        device = self._device(name)
        if device is not None:
            device.endpoint = address
            return
        if len(self.devices) > 1:
            raise TranscriptError(f"--peer {name}={address}: no device {name!r} in the transcript "
                                  f"(devices: {', '.join(d.name for d in self.devices)})")
        self.remote_name, self.remote_address = name, address

    def _device(self, name: str) -> Device | None:
        return next((d for d in self.devices if d.name == name.lower()), None)

    def bundle(self, redactor: Redactor, tunnel: str | None = None) -> Bundle:
        """The bundle, every output and log redacted with ``redactor`` (keys fingerprinted:
        both peers of one import compare)."""
        peers = []
        for d in self.devices:
            outputs = {c: redactor.redact(t) for c, t in d.outputs.items()}
            if d.logs:
                outputs[LOG_COMMAND] = redactor.redact("\n".join(filter(None, [d.outputs.get(LOG_COMMAND, ""), *d.logs])))
            if d.debug:
                outputs[d.debug_command or "debug"] = redactor.redact("\n".join(d.debug) + "\n")
            peers.append(BundlePeer(d.name, d.platform, d.endpoint, None, outputs))
        if len(self.devices) == 1:
            peers.append(BundlePeer(self.remote_name or "peer", None, self.remote_address))
        name = tunnel or "-".join(p.name for p in peers)
        return Bundle(peers, name)

    def record(self) -> dict[str, object]:
        """What the import decided and left out, for bundle.yaml and the report."""
        return {
            "transcripts": list(self.transcripts),
            "devices": {
                d.name: {
                    "platform": d.platform, "crypto_endpoint": d.endpoint,
                    "typed": {c: t for c, t in d.typed.items() if c != t},
                    "partial": dict(d.partial), "truncated": list(d.truncated),
                    "log_lines": len(d.logs), "debug_lines": len(d.debug),
                } for d in self.devices
            },
            "text_left_out_lines": self.prose,
            "notes": list(self.notes),
        }


def read_transcripts(sources: list[tuple[str, str]], host: str | None = None) -> Draft:
    """Cut each (name, text) at its prompts and gather each device's evidence."""
    devices: dict[str, Device] = {}
    prose = 0
    captures: list[Capture] = []
    for name, text in sources:
        cap = split(text, name, host)
        captures.append(cap)
        prose += len(cap.prose)
        for block in cap.blocks:
            dev = devices.setdefault(block.host.lower(), Device(block.host))
            dev.blocks.append(block)
            if block.context:
                dev.contexts.add(block.context)
    draft = Draft(list(devices.values()), dict(sources), prose=prose)
    for dev in draft.devices:
        dev.platform = detect_platform(dev)
        _expand(dev)
    infer_endpoints(draft)
    return draft


def detect_platform(dev: Device) -> str | None:
    """The platform the markers point to; None when they do not, or disagree evenly."""
    score: Counter[str] = Counter()
    if dev.contexts:
        score[ASA] += 10
    text = "\n".join(ln for b in dev.blocks for ln in (*b.output, *b.logs))
    for plat, rx, weight in PLATFORM_MARKERS:
        if rx.search(text):
            score[plat] += weight
    for block in dev.blocks:
        typed = " ".join(block.command.split()).lower()
        for plat, rx in COMMAND_MARKERS:
            if typed and rx.match(typed):
                score[plat] += 2
    ranked = score.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _expand(dev: Device) -> None:
    """Each block's command by meaning (once the platform is known), its output, logs."""
    dev.outputs.clear()
    dev.typed.clear()
    dev.partial.clear()
    dev.logs, dev.debug, dev.truncated = [], [], []
    for block in dev.blocks:
        for line in block.logs:
            (dev.logs if is_syslog(line) else dev.debug).append(line)
        dev.truncated += [f"{block.source}: {t}" for t in block.truncated]
        if not block.command or block.configuring:
            continue
        res = resolve(dev.platform or IOS, block.command) if dev.platform else None
        command = res.command if res else " ".join(block.command.split())
        if command.startswith("debug "):
            dev.debug_command = command
            continue
        if not block.output and not block.command.lower().startswith(("sh", "more", "ping")):
            continue  # a command that printed nothing and shows nothing (clear, terminal ...)
        if command in dev.outputs:
            dev.truncated.append(f"{block.source}: line {block.line}: {command!r} repeated; the last output is kept")
        dev.outputs[command] = "\n".join(block.output).strip("\n") + "\n" if block.output else ""
        dev.typed[command] = block.command
        if res is not None and res.partial:
            dev.partial[command] = res.partial


def is_syslog(line: str) -> bool:
    return "%" in line and is_log(line) and bool(re.search(r"%[A-Z][A-Z0-9_]*-\d-[A-Z0-9_]+:", line))


def _addresses(patterns: tuple[re.Pattern[str], ...], text: str, group: int = 1) -> Counter[str]:
    found: Counter[str] = Counter()
    for rx in patterns:
        for m in rx.finditer(text):
            if m.lastindex and m.lastindex >= group:
                found[m.group(group)] += 1
    return found


def _own(dev: Device) -> Counter[str]:
    """Addresses the device's outputs name as its own crypto address."""
    text = dev.text()
    found = _addresses(LOCAL, text) + _addresses(PAIRS, text)
    brief = dict(_BRIEF_ROW.findall(dev.outputs.get("show ip interface brief", "")))
    for m in _MAP_INTERFACES.finditer(text):
        for name in m.group(1).split():
            if name in brief:
                found[brief[name]] += 1
    return found


def _one(found: Counter[str]) -> str | None:
    return next(iter(found)) if len(found) == 1 else None


def infer_endpoints(draft: Draft) -> None:
    """Each device's crypto endpoint not yet known, then the other peer's address (one
    device); run again after an answer, which may settle the rest."""
    for dev in draft.devices:
        dev.endpoint = dev.endpoint or _one(_own(dev))
    for _ in range(2):  # a device the other one names (its pair) settles the other
        for dev in draft.devices:
            if dev.endpoint is None:
                dev.endpoint = _from_others(dev, [d for d in draft.devices if d is not dev])
    if len(draft.devices) == 1:
        dev = draft.devices[0]
        named = Counter(m.group(1) for c in dev.outputs for m in NAMED_PEER.finditer(c))
        draft.remote_address = draft.remote_address or _one(named) or _one(_remotes(dev))
        if dev.endpoint is None and draft.remote_address:
            dev.endpoint = _paired(dev, draft.remote_address)


def _remotes(dev: Device) -> Counter[str]:
    text = dev.text()
    found = _addresses(REMOTE, text) + _addresses(PAIRS, text, 2)
    own = _own(dev)
    return Counter({a: n for a, n in found.items() if a not in own and a != dev.endpoint})


def _paired(dev: Device, remote: str) -> str | None:
    """The local address the device pairs with ``remote`` (IKE rows, crypto endpoints)."""
    text = dev.text()
    mine = {m.group(1) for rx in PAIRS for m in rx.finditer(text) if m.group(2) == remote}
    mine |= {a for m in UNDIRECTED.finditer(text) for a in m.groups() if remote in m.groups() and a != remote}
    return next(iter(mine)) if len(mine) == 1 else None


def _from_others(dev: Device, others: list[Device]) -> str | None:
    for other in others:
        if other.endpoint is None:
            continue
        text = other.text()
        theirs = {m.group(2) for rx in PAIRS for m in rx.finditer(text) if m.group(1) == other.endpoint}
        if len(theirs) == 1:
            return theirs.pop()
        found = _paired(dev, other.endpoint)
        if found:
            return found
    return None
