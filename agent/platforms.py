"""Platform knowledge as tables: what to run on each platform for a tunnel, what a
device's error looks like, which command to try when the first is not understood, and
the state-changing command forms.  Shared by the collector, remediation and the lab's
tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Platform(str, Enum):
    """The platforms the agent knows; every entry point (inventory, bundle, transcript,
    ``parse``, the parsers) accepts the same spellings of them (``ALIASES``)."""

    ASA = "cisco_asa"
    IOS = "cisco_ios"


ASA = Platform.ASA.value
IOS = Platform.IOS.value
PLATFORMS = (ASA, IOS)
#: Accepted spellings of a platform (netmiko device types and common names), lower case.
ALIASES: dict[str, str] = {
    "cisco_asa": ASA,
    "asa": ASA,
    "cisco_ftd": ASA,
    "cisco_ios": IOS,
    "cisco_xe": IOS,
    "cisco_iosxe": IOS,
    "ios": IOS,
    "iosxe": IOS,
}
#: The spellings an error message offers (the others are accepted all the same).
DOCUMENTED = ("cisco_asa", "cisco_ios", "cisco_xe")

# A device's "I did not understand that" (scrapli's failed_when_contains, per platform).
ERROR_MARKERS: dict[str, tuple[str, ...]] = {
    ASA: ("% Invalid input detected", "ERROR: %", "% Incomplete command", "% Ambiguous command"),
    IOS: ("% Invalid input detected", "% Incomplete command", "% Ambiguous command", "% Unrecognized command"),
}


@dataclass(frozen=True)
class CommandSpec:
    """One command of a tunnel's evidence.  ``{peer}`` is the remote crypto endpoint."""

    command: str
    fallback: str | None = None  # tried when the device answers with an error marker
    why: str = ""
    sweep: bool = True  # False: for the people reading a diagnosis or bundle; no check of the tree reads it


TUNNEL_COMMANDS: dict[str, list[CommandSpec]] = {
    ASA: [
        CommandSpec("show version", why="software version, uptime (a reboot explains stale SAs)", sweep=False),
        CommandSpec("show crypto isakmp sa detail", why="phase 1 state, IKEv1 and IKEv2 SAs alike (every ASA version)"),
        CommandSpec("show crypto ipsec sa peer {peer}", fallback="show crypto ipsec sa", why="phase 2 SAs, SPIs, counters"),
        CommandSpec("show vpn-sessiondb detail l2l filter ipaddress {peer}", why="session, tunnel-group", sweep=False),
        CommandSpec("show running-config crypto", why="maps, policies, transform sets, ikev1 enable"),
        CommandSpec("show running-config tunnel-group {peer}", why="tunnel-group of the peer"),
        CommandSpec("show running-config | include ^hostname|^domain-name",
                    why="the FQDN the ASA sends as its identity with crypto isakmp identity hostname"),
        CommandSpec("more system:running-config | include pre-shared-key|^tunnel-group", why="PSK fingerprints"),
        CommandSpec("show running-config all sysopt", why="permit-vpn, preserve-vpn-flows"),
        CommandSpec("show running-config nat", why="NAT exemption"),
        CommandSpec("show running-config object", why="objects used by NAT"),
        CommandSpec("show running-config group-policy", why="idle timeout, tunnel protocols"),
        CommandSpec("show access-list", why="crypto ACLs with hit counts"),
        CommandSpec("show route", why="route to the remote network"),
        CommandSpec("show interface ip brief", why="interfaces"),
        CommandSpec("show asp drop", why="expired VPN context, drops"),
        CommandSpec("show logging", why="syslog messages of the seeds"),
    ],
    IOS: [
        CommandSpec("show version", why="software version, uptime", sweep=False),
        CommandSpec("show crypto isakmp sa", why="phase 1 state"),
        CommandSpec("show crypto isakmp sa detail", why="phase 1 algorithms, NAT-T, DPD"),
        CommandSpec("show crypto ikev2 sa detail", why="IKEv2 SAs (IOS lists them apart from ISAKMP SAs)"),
        CommandSpec("show crypto ipsec sa peer {peer}", fallback="show crypto ipsec sa", why="phase 2 SAs, SPIs, counters"),
        CommandSpec("show crypto session remote {peer} detail", fallback="show crypto session detail", why="session status",
                    sweep=False),
        CommandSpec("show running-config | section crypto", why="keys, policies, maps, transform sets"),
        CommandSpec("show running-config | include ^interface|crypto map|ip nat|ip address", why="map binding, NAT roles"),
        CommandSpec("show crypto map", why="map entries and interfaces"),
        CommandSpec("show ip access-lists", why="crypto and NAT ACLs"),
        CommandSpec("show running-config | include ^ip nat|^ip route", why="NAT rules, static routes"),
        CommandSpec("show ip route", why="route to the remote network"),
        CommandSpec("show ip interface brief", why="interfaces"),
        CommandSpec("show logging", why="syslog messages of the seeds"),
    ],
}

# A remote-access headend (seed 003, seed 000 remote access): the client is the peer;
# {pool} is the inventory's pool hint (the command is left out without one).
RA_COMMANDS: dict[str, list[CommandSpec]] = {
    ASA: [
        CommandSpec("show crypto ikev1 sa detail", fallback="show crypto isakmp sa detail", why="user IKE SAs (Type: user)"),
        CommandSpec("show crypto ipsec sa peer {peer}", fallback="show crypto ipsec sa", why="the user's SA: transport mode, pool address"),
        CommandSpec("show vpn-sessiondb detail ra-ikev1-ipsec", fallback="show vpn-sessiondb detail remote", why="remote-access sessions"),
        CommandSpec("show ip local pool {pool}", why="pool usage: Free / In use"),
        CommandSpec("show running-config ip local pool", why="pool ranges"),
        CommandSpec("show running-config crypto", why="dynamic map, transform set mode, PFS"),
        CommandSpec("show running-config tunnel-group", why="remote-access tunnel groups, address pools"),
        CommandSpec("show running-config group-policy", why="vpn-tunnel-protocol, simultaneous logins, split tunnel"),
        CommandSpec("show access-list", why="split-tunnel ACL"),
        CommandSpec("show route", why="the networks behind the headend (a split-tunnel list, a free range for a pool)"),
        CommandSpec("show interface ip brief", why="interfaces"),
        CommandSpec("show logging", why="refusals: 713206, 713257, 113029, 713132"),
    ],
    IOS: [
        CommandSpec("show crypto isakmp sa", why="phase 1 of the clients"),
        CommandSpec("show crypto ipsec sa peer {peer}", fallback="show crypto ipsec sa", why="the user's SA"),
        CommandSpec("show ip local pool", why="pool usage: Free / In use"),
        CommandSpec("show running-config | section crypto", why="dynamic map, transform sets, Easy VPN groups"),
        CommandSpec("show ip access-lists", why="split-tunnel ACL"),
        CommandSpec("show ip route", why="the networks behind the headend (a split-tunnel list, a free range for a pool)"),
        CommandSpec("show ip interface brief", why="interfaces"),
        CommandSpec("show logging", why="refusals"),
    ],
}

# State-changing commands, scoped to one peer (seed 000: "clear crypto ... peer").
CLEAR_COMMANDS: dict[str, dict[str, list[str]]] = {
    ASA: {
        "2": ["clear crypto ipsec sa peer {peer}"],
        "1": ["clear crypto ikev1 sa {peer}"],
        "both": ["clear crypto ipsec sa peer {peer}", "clear crypto ikev1 sa {peer}"],
    },
    IOS: {
        "2": ["clear crypto sa peer {peer}"],
        "1": ["clear crypto session remote {peer}"],
        "both": ["clear crypto session remote {peer}"],
    },
}

# The same for a tunnel negotiated with IKEv2: the ASA keeps IKEv2 SAs apart.
CLEAR_COMMANDS_IKEV2: dict[str, dict[str, list[str]]] = {
    ASA: {
        "2": ["clear crypto ipsec sa peer {peer}"],
        "1": ["clear crypto ikev2 sa {peer}"],
        "both": ["clear crypto ipsec sa peer {peer}", "clear crypto ikev2 sa {peer}"],
    },
    IOS: CLEAR_COMMANDS[IOS],
}

REAPPLY_COMMANDS: dict[str, list[str]] = {
    ASA: ["no crypto map {map} interface {interface}", "crypto map {map} interface {interface}"],
    IOS: ["interface {interface}", "no crypto map {map}", "crypto map {map}"],
}

# ---------------------------------------------------------------- commands a finding suggests

#: what would check each cause the evidence could not
CHECK_WITH: dict[str, dict[str, str]] = {
    ASA: {
        "IKE_POLICY_MISMATCH": "show running-config crypto ikev1", "PSK_MISMATCH": "more system:running-config",
        "TRANSFORM_SET_MISMATCH": "show running-config crypto ipsec", "PFS_MISMATCH": "show running-config crypto map",
        "PROXY_ID_MISMATCH": "show running-config access-list", "ROUTING_MISSING": "show route",
        "NAT_EXEMPTION_MISSING": "show nat", "ESP_BLOCKED": "show crypto ipsec sa (on the other peer)",
        "PEER_UNREACHABLE": "ping outside <peer>", "CRYPTO_MAP_NOT_APPLIED": "show running-config crypto map",
        "SYSOPT_PERMIT_VPN_DISABLED": "show running-config all sysopt", "STALE_SA": "show crypto ipsec sa (both peers)",
    },
    IOS: {
        "IKE_POLICY_MISMATCH": "show crypto isakmp policy", "PSK_MISMATCH": "show running-config | section crypto isakmp key",
        "TRANSFORM_SET_MISMATCH": "show crypto ipsec transform-set", "PFS_MISMATCH": "show crypto map",
        "PROXY_ID_MISMATCH": "show crypto map", "ROUTING_MISSING": "show ip route",
        "NAT_EXEMPTION_MISSING": "show running-config | section ip nat|access-list",
        "ESP_BLOCKED": "show crypto ipsec sa (on the other peer)", "PEER_UNREACHABLE": "ping <peer> source <WAN interface>",
        "CRYPTO_MAP_NOT_APPLIED": "show crypto map", "STALE_SA": "show crypto ipsec sa (both peers)",
    },
}

#: what would show why phase 2 fails when the configurations read do not
CHECK_PHASE2_WITH: dict[str, str] = {IOS: "show crypto map; show crypto ipsec transform-set; show crypto ipsec profile",
                                     ASA: "show running-config crypto; show running-config access-list"}


_MARKER_RE = {p: re.compile("|".join(re.escape(m) for m in marks)) for p, marks in ERROR_MARKERS.items()}


def platform_of(name: str | Platform) -> Platform | None:
    """The platform for a name or alias (any case, surrounding blanks ignored), or None."""
    if isinstance(name, Platform):
        return name
    canonical = ALIASES.get(name.strip().lower())
    return None if canonical is None else Platform(canonical)


def known_platform(name: str | None) -> bool:
    return name is not None and platform_of(name) is not None


def normalise(platform: str) -> str:
    """The canonical name (cisco_asa | cisco_ios) of ``platform`` or one of its aliases."""
    plat = platform_of(platform)
    if plat is None:
        raise ValueError(f"unknown platform {platform!r}; use one of {', '.join(DOCUMENTED)}")
    return plat.value


def is_device_error(platform: str, output: str) -> bool:
    """True when the output is the device refusing the command (not a result)."""
    head = "\n".join(output.strip().splitlines()[:3])
    return bool(_MARKER_RE[normalise(platform)].search(head))


def tunnel_commands(platform: str, peer: str, kind: str = "l2l", hints: dict[str, str] | None = None) -> list[CommandSpec]:
    """The command set for one side of a tunnel of ``kind`` (l2l | remote-access)."""
    table = RA_COMMANDS if kind == "remote-access" else TUNNEL_COMMANDS
    values = {"peer": peer, "pool": (hints or {}).get("pool") or ""}
    out = []
    for spec in table[normalise(platform)]:
        if "{pool}" in spec.command and not values["pool"]:
            continue  # ASA needs the pool's name; the running-config still shows its range
        fallback = spec.fallback.format(**values) if spec.fallback else None
        out.append(CommandSpec(spec.command.format(**values), fallback, spec.why))
    return out


def device_commands(platform: str, ra_pools: list[str] | None = None) -> list[CommandSpec]:
    """A sweep's command set: the tunnel commands without the peer filter, so one read of
    a device serves every tunnel it terminates, and without those no check reads.  A
    device that heads remote-access tunnels (``ra_pools``: their pool hints, possibly
    empty) also reads its session database and pools (agent/engine/checks/ra.py)."""
    out = []
    for spec in TUNNEL_COMMANDS[normalise(platform)]:
        if not spec.sweep:
            continue
        cmd = spec.command
        for pattern in (" filter ipaddress {peer}", " peer {peer}", " remote {peer}", " {peer}"):
            cmd = cmd.replace(pattern, "")
        out.append(CommandSpec(cmd, spec.fallback.replace(" {peer}", "") if spec.fallback else None, spec.why))
    if ra_pools is not None:
        have = {spec.command for spec in out}
        for spec in RA_COMMANDS[normalise(platform)]:
            if "{peer}" in spec.command:
                continue
            names = sorted(set(ra_pools)) if "{pool}" in spec.command else [""]
            for name in names:
                cmd = spec.command.format(pool=name)
                if cmd not in have:
                    have.add(cmd)
                    out.append(CommandSpec(cmd, spec.fallback, spec.why))
    return out


def fqdn_matches(match: str, fqdn: str) -> bool:
    """IOS `match identity remote fqdn NAME` takes that name, `... fqdn domain NAME` any
    name in that domain (case-insensitive, as DNS names are)."""
    words = match.lower().split()
    name = fqdn.lower()
    if words[:1] == ["domain"] and len(words) == 2:
        return name == words[1] or name.endswith("." + words[1])
    return name == match.lower()


# ---------------------------------------------------------------- after a probe or a change

#: What is read again on each peer after interesting traffic or a change (the SA tables,
#: the log, the ASP drop counters); ``{peer}`` is the remote crypto endpoint.
SA_COMMANDS: dict[str, list[str]] = {
    ASA: ["show crypto isakmp sa detail", "show crypto ipsec sa peer {peer}", "show logging", "show asp drop"],
    IOS: ["show crypto isakmp sa", "show crypto isakmp sa detail", "show crypto ipsec sa peer {peer}", "show logging"],
}
#: Read again as well for an IKEv2 tunnel (the ASA's `isakmp sa` lists IKEv2 SAs already).
SA_COMMANDS_IKEV2: dict[str, list[str]] = {IOS: ["show crypto ikev2 sa detail"]}


def reread_commands(platform: str | None, remote: str, ikev2: bool) -> list[str]:
    """The commands that read one peer's SA tables again (``remote``: the other peer)."""
    if platform is None or not known_platform(platform):
        return []
    plat = normalise(platform)
    extra = SA_COMMANDS_IKEV2.get(plat, []) if ikev2 else []
    return [cmd.format(peer=remote) for cmd in SA_COMMANDS.get(plat, []) + extra]


_KINDS = ("ikev1 sa detail", "isakmp sa detail", "ikev2 sa detail", "ikev1 sa", "isakmp sa", "ikev2 sa", "ipsec sa",
          "logging", "asp drop")


def same_kind(a: str, b: str) -> bool:
    """Two commands that read the same table (a fresh read replaces the old one)."""
    def kind(cmd: str) -> str:
        return next((key for key in _KINDS if key in cmd), cmd)
    return kind(a) == kind(b)


@dataclass
class ProbeSpec:
    """Interesting traffic for a tunnel: a ping from ``peer`` sourced on ``source_interface``."""

    peer: str  # device name to ping from
    source_interface: str
    target: str


def probe_command(platform: str, probe: ProbeSpec, repeat: int = 5) -> str:
    if normalise(platform) == ASA:
        return f"ping {probe.source_interface} {probe.target} repeat {repeat}"
    return f"ping {probe.target} source {probe.source_interface} repeat {repeat}"


def success_rate(output: str) -> int | None:
    """The percentage of a ping's answers (both platforms print the same line), or None."""
    m = re.search(r"Success rate is (\d+) percent", output)
    return int(m.group(1)) if m else None
