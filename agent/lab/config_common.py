"""Shared pieces of the ASA and IOS configuration interpreters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from agent.lab.model import ANY, DeviceConfig, MapBinding, net


class ConfigError(ValueError):
    """A configuration line the device rejects; ``position`` is the bad token's index."""

    def __init__(self, message: str, position: int = 0) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class Mode:
    """A configuration sub-mode: ``kind`` names it, ``key`` identifies the object edited."""

    kind: str
    key: object = None


GLOBAL = Mode("config")


def parse_addr(tokens: list[str], i: int, *, wildcard: bool) -> tuple[IPv4Network, int, str]:
    """Parse `any` | `host A` | `A MASK` at ``tokens[i]``; returns network, next index, text."""
    if i >= len(tokens):
        raise ConfigError("% Incomplete command.", i)
    tok = tokens[i]
    if tok in ("any", "any4"):
        return ANY, i + 1, tok
    if tok == "host":
        if i + 1 >= len(tokens):
            raise ConfigError("% Incomplete command.", i + 1)
        addr = _ip(tokens, i + 1)
        return IPv4Network(f"{addr}/32"), i + 2, f"host {addr}"
    _ip(tokens, i)
    if i + 1 >= len(tokens):
        raise ConfigError("% Incomplete command.", i + 1)
    mask = tokens[i + 1]
    _ip(tokens, i + 1)
    try:
        return net(tok, mask, is_wildcard=wildcard), i + 2, f"{tok} {mask}"
    except ValueError as exc:
        raise ConfigError(f"ERROR: IP address,mask <{tok},{mask}> pair do not match", i) from exc


def _ip(tokens: list[str], i: int) -> IPv4Address:
    try:
        return IPv4Address(tokens[i])
    except (ValueError, IndexError) as exc:
        raise ConfigError("% Invalid input detected at '^' marker.", i) from exc


def ip_at(tokens: list[str], i: int) -> IPv4Address:
    return _ip(tokens, i)


def int_at(tokens: list[str], i: int) -> int:
    try:
        return int(tokens[i])
    except (ValueError, IndexError) as exc:
        raise ConfigError("% Invalid input detected at '^' marker.", i) from exc


def bind_map(cfg: DeviceConfig, map_name: str, itf_label: str) -> list[str]:
    """Apply a crypto map to an interface: the complete entries become active now.
    Returns the warnings the device prints for incomplete entries."""
    entries = cfg.crypto_maps.get(map_name, {})
    inactive = {seq for seq, e in entries.items() if e.missing()}
    cfg.bindings[itf_label] = MapBinding(map_name, itf_label, inactive)
    warnings = []
    for seq in sorted(entries):
        missing = entries[seq].missing()
        if missing:
            warnings.append(f"WARNING: crypto map entry {map_name} {seq} is incomplete ({', '.join(missing)} missing)")
    return warnings


def refresh_binding(cfg: DeviceConfig, map_name: str, seq: int) -> None:
    """An entry deleted from a bound map and created again starts afresh."""
    for binding in cfg.bindings.values():
        if binding.map_name == map_name and seq not in cfg.crypto_maps.get(map_name, {}):
            binding.inactive_seqs.discard(seq)


def unbind_map(cfg: DeviceConfig, map_name: str, itf_label: str) -> None:
    binding = cfg.bindings.get(itf_label)
    if binding is None or binding.map_name != map_name:
        raise ConfigError(f"ERROR: Crypto map {map_name} is not applied to interface {itf_label}", 0)
    del cfg.bindings[itf_label]


CANON_ENCRYPTION = {
    ("des",): "des", ("3des",): "3des", ("aes",): "aes", ("aes", "128"): "aes", ("aes", "192"): "aes-192",
    ("aes", "256"): "aes-256", ("aes-192",): "aes-192", ("aes-256",): "aes-256",
}

CANON_TRANSFORM = {
    "esp-aes": "esp-aes", "esp-aes-128": "esp-aes", "esp-aes-192": "esp-aes-192", "esp-aes-256": "esp-aes-256",
    "esp-3des": "esp-3des", "esp-des": "esp-des", "esp-sha-hmac": "esp-sha-hmac", "esp-md5-hmac": "esp-md5-hmac",
    "esp-sha256-hmac": "esp-sha256-hmac", "esp-sha384-hmac": "esp-sha384-hmac", "esp-none": "esp-none",
    "esp-null": "esp-null",
}


def canon_transforms(tokens: list[str], start: int) -> tuple[str, ...]:
    """`esp-aes 256 esp-sha-hmac` (IOS) or `esp-aes-256 esp-sha-hmac` (ASA) -> canonical names."""
    out: list[str] = []
    i = start
    while i < len(tokens):
        tok = tokens[i].lower()
        if tok == "esp-aes" and i + 1 < len(tokens) and tokens[i + 1] in ("128", "192", "256"):
            out.append(CANON_TRANSFORM[f"esp-aes-{tokens[i + 1]}"])
            i += 2
            continue
        if tok not in CANON_TRANSFORM:
            raise ConfigError("% Invalid input detected at '^' marker.", i)
        out.append(CANON_TRANSFORM[tok])
        i += 1
    if not out:
        raise ConfigError("% Incomplete command.", start)
    return tuple(out)


def apply_line(tokens: list[str], mode: Mode, submode: Callable[[list[str]], list[str] | None],
               global_: Callable[[list[str]], tuple[Mode, list[str]]]) -> tuple[Mode, list[str]]:
    """Cisco's rule for one line: a sub-mode command stays in the sub-mode; anything else is
    tried as a global command (leaving the sub-mode).  Parser slips become device errors."""
    try:
        if mode.kind != "config":
            handled = submode(tokens)
            if handled is not None:
                return mode, handled
        return global_(tokens)
    except ConfigError:
        raise
    except IndexError as exc:
        raise ConfigError("% Incomplete command.", len(tokens)) from exc
    except (KeyError, ValueError) as exc:
        raise ConfigError("% Invalid input detected at '^' marker.", len(tokens) - 1) from exc
