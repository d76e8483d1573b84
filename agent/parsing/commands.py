"""What to collect for each fact group, per platform: the collector's shopping list and
the simulator's checklist. Every command here has a template that feeds the group
(tests/unit/parsing/test_commands.py holds the table to that)."""

from __future__ import annotations

from agent.parsing.result import Platform

COMMANDS: dict[Platform, dict[str, tuple[str, ...]]] = {
    Platform.ASA: {
        "phase1": ("show crypto isakmp sa detail",),
        "phase2": ("show crypto ipsec sa",),
        "isakmp_policies": ("show running-config crypto",),
        "transform_sets": ("show running-config crypto",),
        "crypto_maps": ("show running-config crypto",),
        "ike": ("show running-config crypto",),
        # the ASA masks keys in `show running-config`: only this prints them, for the fingerprint
        "tunnel_groups": ("more system:running-config",),
        "sysopt": ("show running-config all sysopt",),
        "acl_entries": ("show access-list",),
        "nat_rules": ("show nat",),
        "routes": ("show route",),
        "interfaces": ("show interface ip brief",),
        "logs": ("show logging",),
        "asp_drops": ("show asp drop",),
        "names": ("show running-config | include ^hostname|^domain-name",),
    },
    Platform.IOS: {
        "phase1": ("show crypto isakmp sa", "show crypto isakmp sa detail"),
        "phase2": ("show crypto ipsec sa",),
        "sessions": ("show crypto session detail",),
        "isakmp_policies": ("show crypto isakmp policy",),
        "transform_sets": ("show crypto ipsec transform-set",),
        "crypto_maps": ("show crypto map",),
        "tunnel_groups": ("show running-config | section crypto",),
        "ike": ("show running-config | section crypto",),
        "acl_entries": ("show ip access-lists",),
        "nat_rules": ("show running-config | section ip nat|access-list",),
        "routes": ("show ip route",),
        "interfaces": ("show ip interface brief",),
        "logs": ("show logging",),
    },
}


def commands_for(platform: Platform) -> tuple[str, ...]:
    """Every distinct command to collect on ``platform``, in table order."""
    return tuple(dict.fromkeys(c for cmds in COMMANDS[platform].values() for c in cmds))
