"""IOS / IOS-XE views of the configuration: `show running-config`, `show access-lists`,
`show crypto isakmp policy`, `show crypto ipsec transform-set`, `show crypto map`, and the
text forms they share (ACL entries, transform names, hashed secrets).

The configuration is printed in the syntax of ``docs/lab-config-language.md`` so that it can
be replayed through ``config_ios``: the header and ``!`` lines are the only lines the
interpreter does not take.  Like a real router, the isakmp keys are shown in clear text and
the enable / user secrets only as type 9 hashes."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from ipaddress import IPv4Network

from agent.lab import render_ikev2
from agent.lab.model import (
    ANY,
    Acl,
    AclEntry,
    CryptoMapEntry,
    DeviceConfig,
    DynamicMapEntry,
    Interface,
    wildcard,
)
from agent.lab.world import Device

VERSION_LINE = "version 17.3"

# ---------------------------------------------------------------- shared text forms

# canonical transform -> (show output form, running-config form)
TRANSFORMS: dict[str, tuple[str, str]] = {
    "esp-aes": ("esp-aes", "esp-aes"),
    "esp-aes-192": ("esp-192-aes", "esp-aes 192"),
    "esp-aes-256": ("esp-256-aes", "esp-aes 256"),
    "esp-3des": ("esp-3des", "esp-3des"),
    "esp-des": ("esp-des", "esp-des"),
    "esp-sha-hmac": ("esp-sha-hmac", "esp-sha-hmac"),
    "esp-md5-hmac": ("esp-md5-hmac", "esp-md5-hmac"),
    "esp-sha256-hmac": ("esp-sha256-hmac", "esp-sha256-hmac"),
    "esp-sha384-hmac": ("esp-sha384-hmac", "esp-sha384-hmac"),
    "esp-none": ("esp-none", "esp-none"),
    "esp-null": ("esp-null", "esp-null"),
}


def transform_show(transforms: tuple[str, ...] | list[str]) -> str:
    """`esp-256-aes esp-sha-hmac` as `show crypto ipsec sa` / transform-set print it."""
    return " ".join(TRANSFORMS.get(t, (t, t))[0] for t in transforms)


def transform_config(transforms: tuple[str, ...] | list[str]) -> str:
    return " ".join(TRANSFORMS.get(t, (t, t))[1] for t in transforms)


def addr_text(network: IPv4Network, *, standard: bool = False) -> str:
    """An ACL address as IOS prints it: `any`, `host A` (standard lists: `A`), `A WILDCARD`."""
    if network == ANY:
        return "any"
    if network.prefixlen == 32:
        return str(network.network_address) if standard else f"host {network.network_address}"
    return f"{network.network_address} {wildcard(network)}"


def _tail(text: str) -> list[str]:
    """Tokens of an ACE's configured text after the destination (ports, log...)."""
    tokens = text.split()
    if tokens and tokens[0].isdigit():
        tokens = tokens[1:]
    i = 2
    for _ in range(2):
        if i >= len(tokens):
            return []
        i += 1 if tokens[i] in ("any", "any4") else 2
    return tokens[i:]


def ace_body(entry: AclEntry, *, standard: bool = False, pad_deny: bool = False) -> str:
    """`permit ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255` (normalised as IOS shows it)."""
    action = "deny  " if pad_deny and entry.action == "deny" else entry.action
    if standard:
        return f"{action} {addr_text(entry.src, standard=True)}"
    words = [action, entry.protocol, addr_text(entry.src), addr_text(entry.dst), *_tail(entry.text)]
    return " ".join(words)


_CISCO64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _b64(data: bytes, length: int) -> str:
    n = int.from_bytes(data, "big")
    out = []
    for _ in range(length):
        n, r = divmod(n, 64)
        out.append(_CISCO64[r])
    return "".join(out)


def type9(secret: str, salt_seed: str) -> str:
    """A type 9 (scrypt-looking) hash: deterministic per device and user, never the secret.
    A secret that is already such a hash (a replayed running-config) is shown as is."""
    if secret.startswith("$9$") and len(secret) == 61:
        return secret
    salt = _b64(hashlib.sha256(f"salt:{salt_seed}".encode()).digest(), 14)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), 1000)
    return f"$9${salt}${_b64(digest, 43)}"


# ---------------------------------------------------------------- configuration views


def _acl_lines(acl: Acl) -> list[str]:
    kind = "Standard" if acl.standard else "Extended"
    out = [f"{kind} IP access list {acl.name}"]
    for i, entry in enumerate(acl.entries, start=1):
        hits = "" if not entry.hits else f" ({entry.hits} match{'' if entry.hits == 1 else 'es'})"
        out.append(f"    {i * 10} {ace_body(entry, standard=acl.standard, pad_deny=acl.standard)}{hits}")
    return out


def acls_text(cfg: DeviceConfig, name: str | None) -> str:
    """`show ip access-lists [NAME]`: numbered lists first, then named ones as configured."""
    acls = [a for a in cfg.acls.values() if name is None or a.name == name]
    acls.sort(key=lambda a: (not a.numbered, int(a.name) if a.name.isdigit() else 0))
    lines = [line for acl in acls for line in _acl_lines(acl)]
    return "\n".join(lines) + "\n" if lines else ""


_ENCR = {
    "des": "DES - Data Encryption Standard (56 bit keys).",
    "3des": "Three key triple DES",
    "aes": "AES - Advanced Encryption Standard (128 bit keys).",
    "aes-192": "AES - Advanced Encryption Standard (192 bit keys).",
    "aes-256": "AES - Advanced Encryption Standard (256 bit keys).",
}
_HASH = {
    "sha": "Secure Hash Standard", "md5": "Message Digest 5", "sha256": "Secure Hash Standard 2 (256 bit)",
    "sha384": "Secure Hash Standard 2 (384 bit)", "sha512": "Secure Hash Standard 2 (512 bit)",
}
_AUTH = {
    "pre-share": "Pre-Shared Key", "rsa-sig": "Rivest-Shamir-Adleman Signature",
    "rsa-encr": "Rivest-Shamir-Adleman Encryption",
}
_DH = {1: "768 bit", 2: "1024 bit", 5: "1536 bit", 14: "2048 bit", 15: "3072 bit", 16: "4096 bit",
       19: "256 bit ecp", 20: "384 bit ecp", 21: "521 bit ecp", 24: "2048 bit, 256 bit subgroup"}


def _suite(title: str, encr: str, hash_: str, auth: str, group: int, lifetime: int) -> list[str]:
    return [
        title,
        f"\tencryption algorithm:\t{_ENCR.get(encr, encr)}",
        f"\thash algorithm:\t\t{_HASH.get(hash_, hash_)}",
        f"\tauthentication method:\t{_AUTH.get(auth, auth)}",
        f"\tDiffie-Hellman group:\t#{group} ({_DH.get(group, 'unknown')})",
        f"\tlifetime:\t\t{lifetime} seconds, no volume limit",
    ]


def isakmp_policy_text(cfg: DeviceConfig) -> str:
    """`show crypto isakmp policy`: the configured suites, then IOS-XE's two default suites."""
    lines = ["", "Global IKE policy"]
    for prio in sorted(cfg.isakmp_policies):
        p = cfg.isakmp_policies[prio]
        lines += _suite(f"Protection suite of priority {prio}", p.encryption, p.hash, p.authentication, p.group, p.lifetime)
    lines += _suite("Default protection suite of priority 65507", "aes", "sha", "rsa-sig", 5, 86400)
    lines += _suite("Default protection suite of priority 65508", "aes", "sha", "pre-share", 5, 86400)
    return "\n".join(lines) + "\n"


def _ts_lines(name: str, transforms: tuple[str, ...], mode: str) -> list[str]:
    return [
        f"Transform set {name}: {{ {transform_show(transforms)}  }} ",
        f"   will negotiate = {{ {mode.capitalize()},  }}, ",
        "",
    ]


def transform_sets_text(cfg: DeviceConfig, name: str | None) -> str:
    lines: list[str] = []
    if name in (None, "default"):
        lines += _ts_lines("default", ("esp-aes", "esp-sha-hmac"), "transport")
    for ts in cfg.transform_sets.values():
        if name in (None, ts.name):
            lines += _ts_lines(ts.name, ts.transforms, ts.mode)
    return "\n".join(lines) + "\n" if lines else ""


def _map_entry_lines(dev: Device, entry: CryptoMapEntry, inactive: bool) -> list[str]:
    cfg = dev.config
    lines = []
    if entry.missing() or inactive:
        lines += ["\tWARNING: This crypto map is in an incomplete state!", "\t\t(missing peer or access-list definitions)"]
    lines += [f"\tPeer = {p}" for p in entry.peers]
    lines.append("\tAccess-List SS dynamic: False")
    acl = cfg.acls.get(entry.match_acl or "")
    if entry.match_acl:
        lines.append(f"\tExtended IP access list {entry.match_acl}")
        lines += [f"\t    access-list {entry.match_acl} {ace_body(e)}" for e in (acl.entries if acl else [])]
    else:
        lines.append("\tNo matching address list set.")
    if entry.peers and not entry.missing():
        current = next((p for p in entry.peers if p in dev.state.ike_sas), entry.peers[0])
        lines.append(f"\tCurrent peer: {current}")
    kb = entry.lifetime_kb or cfg.ipsec_sa_lifetime_kb
    secs = entry.lifetime_seconds or cfg.ipsec_sa_lifetime_seconds
    lines += [f"\tSecurity association lifetime: {kb} kilobytes/{secs} seconds", "\tDualstack (Y/N): N", ""]
    lines += ["\tResponder-Only (Y/N): N", f"\tPFS (Y/N): {'Y' if entry.pfs_group else 'N'}"]
    if entry.pfs_group:
        lines.append(f"\tDH group:  group{entry.pfs_group}")
    lines += ["\tMixed-mode : Disabled", "\tTransform sets={ "]
    for ts_name in entry.transform_sets:
        ts = cfg.transform_sets.get(ts_name)
        lines.append(f"\t\t{ts_name}:  {{ {transform_show(ts.transforms) if ts else ''}  }} , ")
    lines.append("\t}")
    if entry.reverse_route:
        lines.append("\tReverse Route Injection Enabled")
    return lines


def crypto_map_text(dev: Device) -> str:
    """`show crypto map` (IOS-XE 16/17 layout, genieparser ShowCryptoMap goldens)."""
    cfg = dev.config
    lines: list[str] = []
    for name in cfg.crypto_maps:
        bindings = [b for b in cfg.bindings.values() if b.map_name == name]
        itfs = [f"\tInterfaces using crypto map {name}:", *[f"\t\t{b.interface}" for b in bindings]]
        for entry in cfg.map_entries(name):
            lines.append(f'Crypto Map IPv4 "{name}" {entry.seq} ipsec-isakmp')
            if entry.is_dynamic:
                lines.append(f"\tDynamic map template tag: {entry.dynamic_map}")
            else:
                lines += _map_entry_lines(dev, entry, any(entry.seq in b.inactive_seqs for b in bindings))
            lines += [*itfs, ""]
    return "\n".join(lines) + "\n" if lines else ""


# ---------------------------------------------------------------- running-config

# Lines printed on every router; the same lines coming back from a replay (stored by the
# interpreter as not-modelled lines) are not printed twice.
_TOP = [VERSION_LINE, "service timestamps debug datetime msec", "service timestamps log datetime msec"]
_MIDDLE = ["no aaa new-model"]
_IP_SERVICES = ["ip forward-protocol nd", "no ip http server", "no ip http secure-server"]
_BOTTOM = ["ip ssh version 2"]
_LINES = ["line con 0", "line aux 0", "line vty 0 4"]
_BOILERPLATE = set(_TOP + _MIDDLE + _IP_SERVICES + _BOTTOM + _LINES + ["end"])


def _extra(cfg: DeviceConfig, heads: tuple[str, ...]) -> list[str]:
    out = []
    for line in cfg.extra_lines:
        if line.strip() in _BOILERPLATE or line.startswith("version "):
            continue
        if line.split() and line.split()[0] in heads:
            out.append(line)
    return out


def _isakmp(cfg: DeviceConfig) -> list[str]:
    out: list[str] = []
    for prio in sorted(cfg.isakmp_policies):
        pol = cfg.isakmp_policies[prio]
        out.append(f"crypto isakmp policy {prio}")
        if pol.encryption != "des":
            enc = {"aes-192": "aes 192", "aes-256": "aes 256"}.get(pol.encryption, pol.encryption)
            out.append(f" encr {enc}")
        if pol.hash != "sha":
            out.append(f" hash {pol.hash}")
        out.append(f" authentication {pol.authentication}")
        if pol.group != 1:
            out.append(f" group {pol.group}")
        if pol.lifetime != 86400:
            out.append(f" lifetime {pol.lifetime}")
    for key in cfg.isakmp_keys:
        addr = str(key.address.network_address)
        if key.address.prefixlen != 32:
            addr += f" {key.address.netmask}"
        out.append(f"crypto isakmp key {key.key} address {addr}" + (" no-xauth" if key.no_xauth else ""))
    if cfg.isakmp_keepalive:
        out.append(f"crypto isakmp keepalive {cfg.isakmp_keepalive[0]} {cfg.isakmp_keepalive[1]}")
    out += _client_groups(cfg)
    if cfg.isakmp_identity != "address":
        out.append(f"crypto isakmp identity {cfg.isakmp_identity}")
    if not cfg.isakmp_enabled_global:
        out.append("no crypto isakmp enable")
    out += _extra(cfg, ("crypto",))
    return out


def _client_groups(cfg: DeviceConfig) -> list[str]:
    """Easy VPN groups (`crypto isakmp client configuration group`), kept as remote-access
    tunnel groups by the interpreter."""
    out: list[str] = []
    for group in cfg.tunnel_groups.values():
        if group.type != "remote-access":
            continue
        gp = cfg.group_policies.get(group.name)
        out += ["!", f"crypto isakmp client configuration group {group.name}"]
        if group.psk is not None:
            out.append(f" key {group.psk}")
        out += [f" {line}" for line in (gp.extra if gp else [])]
        out += [f" pool {name}" for name in group.address_pools]
        if gp is not None and gp.split_tunnel_acl:
            out.append(f" acl {gp.split_tunnel_acl}")
        if gp is not None and gp.simultaneous_logins is not None:
            out.append(f" max-logins {gp.simultaneous_logins}")
    return out


def _pools(cfg: DeviceConfig) -> list[str]:
    return [f"ip local pool {p.name} {a}" + ("" if b == a else f" {b}") for p in cfg.ip_pools.values() for a, b in p.ranges()]


def _ipsec(cfg: DeviceConfig) -> list[str]:
    out: list[str] = ["!", "!"]
    if cfg.ipsec_sa_lifetime_seconds != 3600:
        out.append(f"crypto ipsec security-association lifetime seconds {cfg.ipsec_sa_lifetime_seconds}")
    if cfg.ipsec_sa_lifetime_kb != 4608000:
        out.append(f"crypto ipsec security-association lifetime kilobytes {cfg.ipsec_sa_lifetime_kb}")
    if cfg.ipsec_idle_time is not None:
        out.append(f"crypto ipsec security-association idle-time {cfg.ipsec_idle_time}")
    if cfg.replay_window != 64:
        out.append(f"crypto ipsec security-association replay window-size {cfg.replay_window}")
    for ts in cfg.transform_sets.values():
        out.append(f"crypto ipsec transform-set {ts.name} {transform_config(ts.transforms)} ")
        out.append(f" mode {ts.mode}")
    out += ["!", "!"]
    for name, entries in cfg.dynamic_maps.items():
        for seq in sorted(entries):
            out += [f"crypto dynamic-map {name} {seq}", *_map_body(entries[seq])]
        out.append("!")
    out.append("!")
    for name in cfg.crypto_maps:
        if name in cfg.crypto_map_client_auth:
            out.append(f"crypto map {name} client authentication list {cfg.crypto_map_client_auth[name]}")
        for entry in cfg.map_entries(name):
            if entry.is_dynamic:
                out.append(f"crypto map {name} {entry.seq} ipsec-isakmp dynamic {entry.dynamic_map} ")
                continue
            out += [f"crypto map {name} {entry.seq} ipsec-isakmp ", *_map_body(entry)]
        out.append("!")
    return out


def _map_body(entry: CryptoMapEntry | DynamicMapEntry) -> list[str]:
    out: list[str] = []
    if isinstance(entry, CryptoMapEntry):
        out += [f" set peer {p}" for p in entry.peers]
        if entry.lifetime_seconds is not None:
            out.append(f" set security-association lifetime seconds {entry.lifetime_seconds}")
        if entry.lifetime_kb is not None:
            out.append(f" set security-association lifetime kilobytes {entry.lifetime_kb}")
    if entry.transform_sets:
        out.append(f" set transform-set {' '.join(entry.transform_sets)} ")
    if isinstance(entry, CryptoMapEntry) and entry.ikev2_profile:
        out.append(f" set ikev2-profile {entry.ikev2_profile}")
    if entry.pfs_group is not None:
        out.append(f" set pfs group{entry.pfs_group}")
    if entry.match_acl:
        out.append(f" match address {entry.match_acl}")
    if isinstance(entry, CryptoMapEntry) and entry.reverse_route:
        out.append(" reverse-route")
    return out


def _interface(cfg: DeviceConfig, itf: Interface) -> list[str]:
    out = [f"interface {itf.name}"]
    if itf.description:
        out.append(f" description {itf.description}")
    if itf.ip is not None:
        out.append(f" ip address {itf.ip.ip} {itf.ip.netmask}")
    else:
        out.append(" no ip address")
    if itf.mtu != 1500:
        out.append(f" ip mtu {itf.mtu}")
    if itf.nat_role:
        out.append(f" ip nat {itf.nat_role}")
    if itf.tcp_adjust_mss is not None:
        out.append(f" ip tcp adjust-mss {itf.tcp_adjust_mss}")
    if itf.shutdown:
        out.append(" shutdown")
    if itf.name.startswith("GigabitEthernet"):
        out.append(" negotiation auto")
    binding = cfg.bindings.get(itf.label)
    crypto_map = itf.crypto_map or (binding.map_name if binding else None)
    if crypto_map:
        out.append(f" crypto map {crypto_map}")
    out.append("!")
    return out


def _acl(acl: Acl) -> list[str]:
    if acl.numbered:
        return [f"access-list {acl.name} {ace_body(e, standard=acl.standard)}" for e in acl.entries]
    kind = "standard" if acl.standard else "extended"
    return [f"ip access-list {kind} {acl.name}"] + [
        f" {ace_body(e, standard=acl.standard, pad_deny=True)}" for e in acl.entries
    ]


def _routes(cfg: DeviceConfig) -> list[str]:
    out = []
    for r in cfg.routes:
        words = ["ip route", str(r.network.network_address), str(r.network.netmask)]
        if r.interface:
            words.append(r.interface)
        if r.next_hop is not None:
            words.append(str(r.next_hop))
        if r.distance != 1:
            words.append(str(r.distance))
        out.append(" ".join(words))
    return out


def running_config(dev: Device) -> str:
    cfg = dev.config
    changed = datetime.fromtimestamp(dev.state.boot_time + 97, tz=timezone.utc)
    body: list[str] = [
        "!",
        f"! Last configuration change at {changed:%H:%M:%S} UTC {changed:%a %b %d %Y}",
        "!",
        *_TOP,
        *_extra(cfg, ("service",)),
        "!",
        f"hostname {cfg.hostname}",
        "!",
        *_extra(cfg, ("boot", "logging")),
    ]
    if cfg.enable_secret:
        body.append(f"enable secret 9 {type9(cfg.enable_secret, cfg.hostname + ':enable')}")
    body += ["!", *_MIDDLE, *_extra(cfg, ("aaa",)), "!"]
    if cfg.domain_name:
        body += [f"ip domain name {cfg.domain_name}", "!"]
    body += [*_extra(cfg, ("license",)), "!"]
    for user, secret in cfg.users.items():
        body.append(f"username {user} privilege 15 secret 9 {type9(secret, cfg.hostname + ':' + user)}")
    body += ["!", "!", *render_ikev2.ios_config_lines(cfg), *_isakmp(cfg), *_ipsec(cfg), "!"]
    for itf in cfg.interfaces.values():
        body += _interface(cfg, itf)
    body += _pools(cfg)
    body += _IP_SERVICES
    for nat in cfg.ios_nat:
        how = f"route-map {nat.route_map}" if nat.route_map else f"list {nat.acl}"
        body.append(f"ip nat inside source {how} interface {nat.interface}" + (" overload" if nat.overload else ""))
    body += _routes(cfg)
    body += _BOTTOM
    placed = {"service", "boot", "logging", "aaa", "license", "crypto", "line", "end"}
    body += _extra(cfg, tuple({ln.split()[0] for ln in cfg.extra_lines if ln.split()} - placed))
    body.append("!")
    named = [a for a in cfg.acls.values() if not a.numbered]
    for acl in named:
        body += _acl(acl)
    body.append("!")
    for acl in cfg.acls.values():
        if acl.numbered:
            body += _acl(acl)
    body += ["!", "!", *_LINES[:2], "!", *_LINES[2:], *_extra(cfg, ("line",)), "!", "end"]
    text = "\n".join(body) + "\n"
    return f"Building configuration...\n\nCurrent configuration : {len(text)} bytes\n{text}\n"
