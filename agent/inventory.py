"""The inventory: the devices we log into and the tunnels between them.

A YAML file validated into pydantic models.  Every mistake is a ``Problem`` naming the
file, the key path (``devices[2].platform``), the line and one message, and all of a
file's problems are raised together as one ``InventoryError``.  Credentials are written
by reference only (an environment variable or a keyring entry) and read when a
connection needs them; their values never enter a model, a repr or a message.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from agent.errors import AgentError
from agent.platforms import ALIASES, DOCUMENTED, platform_of

Loc = tuple[str | int, ...]
MAX_BYTES = 64 * 1024 * 1024  # ten thousand devices take a few MB
MAX_NODES = 100_000  # after expanding YAML aliases; more is an alias bomb, not an inventory


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an inventory, where it is and what to do about it."""

    file: str
    key_path: str  # "devices[2].platform"; "" for the file as a whole
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key_path}: {self.message}" if self.key_path else f"{where}: {self.message}"


class InventoryError(AgentError):
    """Everything wrong with an inventory (or a lookup in it), one ``Problem`` each."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(map(str, self.problems)))


class _Invalid(ValueError):
    """Raised by cross-field validators: messages for key paths below the model's own."""

    def __init__(self, items: list[tuple[Loc, str]]) -> None:
        self.items = items
        super().__init__("; ".join(f"{key_path(loc)}: {msg}" for loc, msg in items))


def key_path(loc: Sequence[str | int]) -> str:
    """``("devices", 2, "platform")`` -> ``devices[2].platform``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


# --- scalar types ---------------------------------------------------------------------

_NAME_RE = re.compile(r"^\w[\w.:@+-]*$")
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


def _name(v: str) -> str:
    if not _NAME_RE.match(v):
        raise ValueError("a name is one word of letters, digits and . _ - : @ +")
    return v


def _env_name(v: str) -> str:
    if not _ENV_RE.match(v):  # never echo it: it may be the secret itself, put in the wrong place
        raise ValueError("must be the NAME of an environment variable (letters, digits, _), never the secret itself")
    return v


def _host(v: str) -> str:
    v = v.strip()
    try:
        ipaddress.ip_address(v)
        return v
    except ValueError:
        pass
    labels = v.rstrip(".").split(".")
    if len(v) > 253 or not all(_LABEL_RE.match(label) for label in labels):
        raise ValueError(f"{v!r} is neither a hostname nor an IP address")
    if all(label.isdigit() for label in labels):
        raise ValueError(f"{v!r} is not a valid IP address")
    return v


def _ip(v: object) -> object:
    if isinstance(v, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return v
    if not isinstance(v, str):
        raise ValueError("expected an IPv4 or IPv6 address")
    try:
        return ipaddress.ip_address(v.strip())
    except ValueError:
        raise ValueError(f"{v!r} is not an IPv4 or IPv6 address") from None


def _network(v: object) -> object:
    if isinstance(v, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return v
    if not isinstance(v, str):
        raise ValueError("expected a network in CIDR form, like 10.1.0.0/16")
    try:
        return ipaddress.ip_network(v.strip())
    except ValueError as exc:
        raise ValueError(f"not a network in CIDR form: {exc}") from None


def _platform(v: object) -> object:
    plat = platform_of(v) if isinstance(v, str) else None
    if plat is not None:
        return plat.value
    aliases = ", ".join(f"{k} is read as {ALIASES[k]}" for k in DOCUMENTED if k != ALIASES[k])
    shown = f" {v!r}" if isinstance(v, str) else ""
    raise ValueError(f"unknown platform{shown}: accepted are {', '.join(DOCUMENTED)} ({aliases})")


Name = Annotated[str, AfterValidator(_name)]
EnvName = Annotated[str, AfterValidator(_env_name)]
Host = Annotated[str, AfterValidator(_host)]
Port = Annotated[int, Field(strict=True, ge=1, le=65535)]
Seconds = Annotated[float, Field(gt=0, le=3600)]
IPAddress = Annotated[ipaddress.IPv4Address | ipaddress.IPv6Address, BeforeValidator(_ip)]
Network = Annotated[ipaddress.IPv4Network | ipaddress.IPv6Network, BeforeValidator(_network)]
Platform = Annotated[Literal["cisco_asa", "cisco_ios"], BeforeValidator(_platform)]


# --- models ---------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyringRef(_Strict):
    """An entry of the system keyring (the ``keyring`` package), read when connecting."""

    service: str = Field(description="the keyring service name")
    username: str = Field(description="the user name of the keyring entry")


class JumpHost(_Strict):
    host: Host = Field(description="the SSH bastion's hostname or IP address")
    port: Port = 22
    username: str = Field(description="the login name on the bastion")
    password_env: EnvName | None = Field(default=None, description="environment variable holding the bastion's password")


class SshOptions(_Strict):
    conn_timeout: Seconds = 10
    auth_timeout: Seconds = 10
    banner_timeout: Seconds = 15
    read_timeout: Seconds = 30
    known_hosts: Path | None = Field(default=None, description="known_hosts file pinning the device's host key")
    host_key_policy: Literal["strict", "accept-new", "ignore"] = "strict"
    jump_host: JumpHost | None = None

    @field_validator("known_hosts")
    @classmethod
    def _relative_to_inventory(cls, v: Path | None, info: ValidationInfo) -> Path | None:
        base = (info.context or {}).get("base")
        if v is None:
            return None
        v = v.expanduser()
        return base / v if isinstance(base, Path) and not v.is_absolute() else v


class Credentials(NamedTuple):
    username: str
    password: SecretStr
    secret: SecretStr | None


class _Unresolved(Exception):
    pass


def _keyring_get(ref: KeyringRef) -> str:
    try:
        import keyring
    except ImportError:
        raise _Unresolved("the keyring package is not installed (pip install keyring), "
                          "or name an environment variable with the *_env key instead") from None
    try:
        value = keyring.get_password(ref.service, ref.username)
    except Exception as exc:  # each keyring backend raises its own errors
        raise _Unresolved(f"keyring lookup failed: {type(exc).__name__}: {exc}") from None
    if not value:
        raise _Unresolved(f"no keyring entry for service {ref.service!r}, user {ref.username!r}")
    return str(value)


def _secret(env: str | None, ring: KeyringRef | None) -> str | None:
    """The referenced value (None when nothing is referenced), read now."""
    if env is not None:
        value = os.environ.get(env)
        if value is None:
            raise _Unresolved(f"environment variable {env} is not set")
        if not value:
            raise _Unresolved(f"environment variable {env} is empty")
        return value
    return _keyring_get(ring) if ring is not None else None


def _one_of(options: Mapping[str, object], missing: str | None) -> list[tuple[Loc, str]]:
    given = [k for k, v in options.items() if v is not None]
    if len(given) > 1:
        return [((given[1],), f"give {' or '.join(given)}, not both")]
    if not given and missing:
        return [((next(iter(options)),), f"missing: {missing}")]
    return []


class Device(_Strict):
    """A device we log into over SSH."""

    name: Name = Field(description="the device's name, used by tunnels")
    host: Host = Field(description="the device's SSH address (hostname or IP address)")
    port: Port = 22
    platform: Platform = Field(description="cisco_asa or cisco_ios (cisco_xe is read as cisco_ios)")
    username: str | None = None
    username_env: EnvName | None = None
    password_env: EnvName | None = None
    password_keyring: KeyringRef | None = None
    enable_secret_env: EnvName | None = None
    enable_secret_keyring: KeyringRef | None = None
    ssh: SshOptions = SshOptions()
    tags: list[str] = Field(default_factory=list)

    _file: str = PrivateAttr("<inventory>")
    _loc: Loc = PrivateAttr(())
    _lines: Mapping[Loc, int] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> Device:
        items = _one_of({"username": self.username, "username_env": self.username_env},
                        "the SSH login name (or username_env, the environment variable holding it)")
        items += _one_of({"password_env": self.password_env, "password_keyring": self.password_keyring},
                         "the password, by reference: password_env (the name of an environment variable "
                         "holding it) or password_keyring")
        items += _one_of({"enable_secret_env": self.enable_secret_env,
                          "enable_secret_keyring": self.enable_secret_keyring}, None)
        if items:
            raise _Invalid(items)
        self._loc = ("devices", self.name)
        return self

    def problem(self, sub: Loc, message: str) -> Problem:
        loc = self._loc + sub
        return Problem(self._file, key_path(loc), _line(self._lines, loc), message)

    def _resolve(self) -> tuple[dict[str, str | None], list[Problem]]:
        jump = self.ssh.jump_host
        refs: list[tuple[str, Loc, str | None, KeyringRef | None]] = [
            ("username", ("username_env",), self.username_env, None),
            ("password", ("password_env",) if self.password_env else ("password_keyring",),
             self.password_env, self.password_keyring),
            ("secret", ("enable_secret_env",) if self.enable_secret_env else ("enable_secret_keyring",),
             self.enable_secret_env, self.enable_secret_keyring),
            ("jump", ("ssh", "jump_host", "password_env"), jump.password_env if jump else None, None),
        ]
        values: dict[str, str | None] = {}
        problems = []
        for what, sub, env, ring in refs:
            try:
                values[what] = _secret(env, ring)
            except _Unresolved as exc:
                problems.append(self.problem(sub, str(exc)))
        values["username"] = values.get("username") or self.username
        return values, problems

    def credential_problems(self) -> list[Problem]:
        """What stops ``credentials()`` from working now (unset variables, keyring)."""
        return self._resolve()[1]

    def credentials(self) -> Credentials:
        """(username, password, enable secret), read from the environment / keyring now."""
        values, problems = self._resolve()
        if problems:
            raise InventoryError(problems)
        secret = values["secret"]
        return Credentials(str(values["username"]), SecretStr(str(values["password"])),
                           SecretStr(secret) if secret is not None else None)

    def jump_password(self) -> SecretStr | None:
        values, problems = self._resolve()
        if problems:
            raise InventoryError(problems)
        return SecretStr(values["jump"]) if values["jump"] is not None else None


class Probe(_Strict):
    """Interesting traffic: a ping from this peer's device through the tunnel."""

    source_interface: str = Field(description="the interface interesting traffic is sourced from")
    target: IPAddress = Field(description="an address behind the other peer to ping")


class TunnelPeer(_Strict):
    device: Name | None = None
    platform: Platform | None = None
    crypto_endpoint: IPAddress = Field(description="the peer's IKE address (IPv4 or IPv6)")
    nat_address: IPAddress | None = Field(
        default=None, description="behind NAT/PAT: the address the other peer sees this one as (its SAs name it)")
    crypto_map: str | None = None
    interface: str | None = None
    local_networks: list[Network] = Field(default_factory=list)
    remote_networks: list[Network] = Field(default_factory=list)
    probe: Probe | None = None

    @model_validator(mode="after")
    def _probe_needs_device(self) -> TunnelPeer:
        if self.probe is not None and self.device is None:
            raise _Invalid([(("probe",), "a probe runs on one of our devices, and this peer names none")])
        return self

    @property
    def is_ours(self) -> bool:
        return self.device is not None


class RemoteAccess(_Strict):
    """Where a remote-access tunnel's users land on the headend (all optional hints)."""

    tunnel_group: str | None = Field(default=None, description="the tunnel group (connection profile), e.g. DefaultRAGroup")
    group_policy: str | None = Field(default=None, description="the group policy the users get")
    pool: str | None = Field(default=None, description="the address pool (ip local pool) the users are given addresses from")
    user: str | None = Field(default=None, description="the user of the ticket")


class Tunnel(_Strict):
    name: Name = Field(description="the tunnel's name")
    kind: Literal["l2l", "remote-access"] = Field(default="l2l", description="l2l (default) or remote-access (a headend and a client)")
    remote_access: RemoteAccess | None = None
    peers: list[TunnelPeer] = Field(description="the tunnel's two peers")
    probe_from: Name | None = None
    tags: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)

    @field_validator("peers")
    @classmethod
    def _two(cls, v: list[TunnelPeer]) -> list[TunnelPeer]:
        if len(v) != 2:
            raise ValueError(f"a tunnel has exactly two peers (one per crypto endpoint), not {len(v)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Tunnel:
        a, b = self.peers
        items: list[tuple[Loc, str]] = []
        if not (a.is_ours or b.is_ours):
            items.append((("peers",), "neither peer is one of our devices: name at least one with device"))
        if a.is_ours and a.device == b.device:
            items.append((("peers", 1, "device"), f"both peers are {a.device}"))
        if a.crypto_endpoint == b.crypto_endpoint:
            items.append((("peers", 1, "crypto_endpoint"), "both peers have the same crypto_endpoint"))
        if self.probe_from is not None and self.probe_from not in self.devices:
            items.append((("probe_from",), f"must be the device of one of the peers ({', '.join(self.devices)})"))
        items += self._remote_access_problems()
        if items:
            raise _Invalid(items)
        return self

    def _remote_access_problems(self) -> list[tuple[Loc, str]]:
        if self.kind == "l2l":
            if self.remote_access is not None:
                return [(("remote_access",), "remote_access hints need kind: remote-access")]
            return []
        if len(self.devices) != 1:
            return [(("peers",), "a remote-access tunnel has one headend (a device) and one client (no device, "
                                 "its crypto_endpoint is the client's public address)")]
        client = next(p for p in self.peers if not p.is_ours)
        if client.probe is not None or client.crypto_map is not None:
            return [(("peers", self.peers.index(client)), "the client is not ours: give only its crypto_endpoint")]
        return []

    @property
    def devices(self) -> list[str]:
        """Names of the peers that are our devices."""
        return [p.device for p in self.peers if p.device is not None]


class LabInfo(_Strict):
    """Written by ``ipsec-agent lab up``: the scenario the devices simulate."""

    scenario: str = Field(description="the lab scenario's name")
    expect: str = Field(description="the root cause the scenario should be diagnosed as")


class Inventory(_Strict):
    devices: list[Device] = Field(description="the devices we log into (a list of name:, host:, ...)")
    tunnels: list[Tunnel] = Field(default_factory=list)
    lab: LabInfo | None = None

    _file: str = PrivateAttr("<inventory>")

    @model_validator(mode="after")
    def _cross_check(self) -> Inventory:
        items: list[tuple[Loc, str]] = []
        for kind, names in (("devices", [d.name for d in self.devices]), ("tunnels", [t.name for t in self.tunnels])):
            first: dict[str, int] = {}
            for i, name in enumerate(names):
                if name in first:
                    items.append(((kind, i, "name"), f"{name!r} is already defined at {kind}[{first[name]}]"))
                first.setdefault(name, i)
        by_name = {d.name: d for d in self.devices}
        for ti, tunnel in enumerate(self.tunnels):
            for pi, peer in enumerate(tunnel.peers):
                dev = by_name.get(peer.device) if peer.device is not None else None
                if peer.device is not None and dev is None:
                    items.append((("tunnels", ti, "peers", pi, "device"),
                                  f"no device named {peer.device!r} in devices{_suggest(peer.device, by_name)}"))
                elif dev is not None and peer.platform not in (None, dev.platform):
                    items.append((("tunnels", ti, "peers", pi, "platform"),
                                  f"{dev.name} is {dev.platform} in devices; drop platform here"))
        if items:
            raise _Invalid(items)
        for i, dev in enumerate(self.devices):
            dev._loc = ("devices", i)
        return self

    def _attach(self, file: str, lines: Mapping[Loc, int]) -> None:
        self._file = file
        for dev in self.devices:
            dev._file, dev._lines = file, lines

    def _unknown(self, kind: str, what: str, known: Iterable[str]) -> InventoryError:
        return InventoryError([Problem(self._file, kind, None, f"no {what}{_suggest(what.split()[-1], known)}")])

    def device(self, name: str) -> Device:
        for dev in self.devices:
            if dev.name == name:
                return dev
        raise self._unknown("devices", f"device named {name}", (d.name for d in self.devices))

    def tunnel(self, name: str) -> Tunnel:
        for tunnel in self.tunnels:
            if tunnel.name == name:
                return tunnel
        raise self._unknown("tunnels", f"tunnel named {name}", (t.name for t in self.tunnels))

    def tunnels_of(self, device: str) -> list[Tunnel]:
        self.device(device)
        return [t for t in self.tunnels if device in t.devices]

    def select(self, tags: Sequence[str] = (), names: Sequence[str] = ()) -> list[Tunnel]:
        """The tunnels named in ``names`` and those carrying any of ``tags``, in inventory
        order; every tunnel when both are empty.  An unknown name, or a tag no tunnel
        carries, is an error: never an empty selection that reads as "nothing wrong"."""
        problems: list[Problem] = []
        for name in names:
            try:
                self.tunnel(name)
            except InventoryError as exc:
                problems += exc.problems
        carried = {tag for t in self.tunnels for tag in t.tags}
        for tag in tags:
            if tag not in carried:
                problems.append(Problem(self._file, "tunnels", None, f"no tunnel is tagged {tag}{_suggest(tag, carried)}"))
        if problems:
            raise InventoryError(problems)
        if not tags and not names:
            return list(self.tunnels)
        return [t for t in self.tunnels if t.name in names or set(t.tags) & set(tags)]


# --- loading --------------------------------------------------------------------------

_LITERAL_SECRETS = {"password": "password_env", "passwd": "password_env", "secret": "enable_secret_env",
                    "enable": "enable_secret_env", "enable_secret": "enable_secret_env",
                    "enable_password": "enable_secret_env"}
_MESSAGES = {
    "invalid_key": "keys must be text",
    "model_type": "expected a mapping (key: value lines)",
    "model_attributes_type": "expected a mapping (key: value lines)",
    "dict_type": "expected a mapping (key: value lines)",
    "list_type": "expected a list (lines starting with '- ')",
    "string_type": "expected text",
}


def _model_in(tp: object) -> type[BaseModel] | None:
    if get_origin(tp) is None and isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in get_args(tp):
        if (found := _model_in(arg)) is not None:
            return found
    return None


def _model_at(loc: Loc) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Inventory
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field is not None else None
    return model


def _message(err: Mapping[str, Any], loc: Loc) -> str:
    kind, parent, key = err["type"], _model_at(loc[:-1]), loc[-1] if loc else ""
    fields = list(parent.model_fields) if parent is not None else []
    if kind == "extra_forbidden" and key in _LITERAL_SECRETS:
        ref = "password_env" if "jump_host" in loc else _LITERAL_SECRETS[str(key)]
        other = "" if "jump_host" in loc else f" (or use {ref.replace('_env', '_keyring')})"
        return (f"a {key} is never written in the inventory: put it in an environment variable "
                f"and give that variable's name as {ref}{other}")
    if kind == "extra_forbidden":
        shown = repr(key)[:60]
        hint = _suggest(str(key), fields)
        return f"unknown key {shown}" + (hint or (f" (accepted: {', '.join(fields)})" if fields else ""))
    if kind == "missing":
        field = parent.model_fields.get(str(key)) if parent is not None else None
        return f"missing: {field.description}" if field is not None and field.description else "required, and missing"
    if kind == "value_error":
        return str(err["ctx"]["error"])
    return _MESSAGES.get(kind, str(err["msg"]))


def _line(lines: Mapping[Loc, int], loc: Loc) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


class _Budget(Exception):
    pass


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int], dups: list[tuple[Loc, int, int]],
          stack: set[int], budget: list[int]) -> None:
    """Line of every key path (the line of the key, or of the list item)."""
    budget[0] -= 1
    if budget[0] < 0 or id(node) in stack:
        raise _Budget
    lines.setdefault(loc, node.start_mark.line + 1)
    stack.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                continue
            here = k.start_mark.line + 1
            if k.value in seen:
                dups.append((loc + (k.value,), here, seen[k.value]))
            seen[k.value] = here
            _walk(v, loc + (k.value,), lines, dups, stack, budget)
            lines[loc + (k.value,)] = here
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, loc + (i,), lines, dups, stack, budget)
    stack.discard(id(node))


def _yaml_problem(file: str, exc: yaml.YAMLError, text: str) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        msg = f"not valid YAML: {exc.problem or exc.context}"
        if exc.problem_mark is not None:
            msg += f" at column {exc.problem_mark.column + 1}"
        if exc.problem and exc.context and exc.context_mark is not None:
            msg += f" ({exc.context}, line {exc.context_mark.line + 1} column {exc.context_mark.column + 1})"
        if "\\t" in (exc.problem or ""):
            msg += "; indent with spaces, not tabs"
        return Problem(file, "", mark.line + 1 if mark is not None else None, msg)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        return Problem(file, "", line, f"not valid YAML: character #x{exc.character:04x} is not allowed")
    return Problem(file, "", None, f"not valid YAML: {exc}")


def _parse_yaml(text: str, file: str) -> tuple[Any, dict[Loc, int], list[Problem]]:
    lines: dict[Loc, int] = {}
    dups: list[tuple[Loc, int, int]] = []
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # checks the characters already
        node = loader.get_single_node()
        if node is None:
            return None, lines, []
        _walk(node, (), lines, dups, set(), [MAX_NODES])
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise InventoryError([_yaml_problem(file, exc, text)]) from None
    except (_Budget, RecursionError):
        raise InventoryError([Problem(file, "", None, "not an inventory: nested too deeply, recursive, "
                                                       "or too large once its YAML aliases are expanded")]) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2024-13-45
        raise InventoryError([Problem(file, "", None, f"not valid YAML: {exc}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    problems = [Problem(file, key_path(loc), line, f"given twice (also at line {first}); the last one would win")
                for loc, line, first in dups]
    return data, lines, problems


def _load_time_problems(inv: Inventory, resolve_credentials: bool) -> list[Problem]:
    problems: list[Problem] = []
    for dev in inv.devices:
        if resolve_credentials:
            problems += dev.credential_problems()
        kh = dev.ssh.known_hosts
        if kh is not None and dev.ssh.host_key_policy == "strict":
            try:
                missing = not kh.is_file()
            except (OSError, ValueError):
                missing = True
            if missing:
                problems.append(dev.problem(("ssh", "known_hosts"), "no such file (host_key_policy strict "
                                            "needs it; use accept-new to record keys on first contact)"))
    return problems


def parse_inventory(text: str, *, file: str = "<string>", base: Path | None = None,
                    resolve_credentials: bool = True) -> Inventory:
    """An inventory from YAML text; relative paths in it are taken from ``base``."""
    data, lines, problems = _parse_yaml(text, file)
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        raise InventoryError([Problem(file, "", 1 if data is not None else None,
                                      f"the file is {what}: an inventory is a mapping with devices: and tunnels:")])
    errors: list[Any] = []
    try:
        inv = Inventory.model_validate(data, context={"base": base})
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
    for err in errors:
        ctx_error = err.get("ctx", {}).get("error")
        loc = tuple(err["loc"])
        items = [(loc + sub, m) for sub, m in ctx_error.items] if isinstance(ctx_error, _Invalid) \
            else [(loc, _message(err, loc))]
        problems += [Problem(file, key_path(lc), _line(lines, lc), m) for lc, m in items]
    if not errors:
        inv._attach(file, lines)
        problems += _load_time_problems(inv, resolve_credentials)
    if problems:
        raise InventoryError(sorted(problems, key=lambda p: p.line or 0))
    return inv


def load_inventory(path: str | os.PathLike[str], *, resolve_credentials: bool = True) -> Inventory:
    """The inventory in ``path``; raises ``InventoryError`` listing every problem."""
    file, p = str(path), Path(path)
    try:
        if p.is_file() and p.stat().st_size > MAX_BYTES:
            raise InventoryError([Problem(file, "", None, f"larger than {MAX_BYTES} bytes: not an inventory")])
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InventoryError([Problem(file, "", None, "no such file")]) from None
    except IsADirectoryError:
        raise InventoryError([Problem(file, "", None, "is a directory, not an inventory file")]) from None
    except OSError as exc:
        raise InventoryError([Problem(file, "", None, f"cannot be read: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InventoryError([Problem(file, "", line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})")]) from None
    return parse_inventory(text, file=file, base=p.parent, resolve_credentials=resolve_credentials)
