"""Platform syntax of the configuration lines a fix is made of: tables where the two
platforms only differ in words, small functions where they differ in shape (an IOS
sub-mode against an ASA one-liner).  Every function returns lines in the device's own
syntax, a sub-mode line indented by one space."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

ASA = "cisco_asa"
IOS = "cisco_ios"

#: Placeholders a fix may hold: secrets (never printed) - nothing else is left unknown.
KEY = "<the key agreed with the peer>"
OLD_KEY = "<the key configured before>"
PLACEHOLDERS = (KEY, OLD_KEY)

#: IKEv1 policy encryption keyword (canonical, as the facts hold it) -> IOS `encr` words.
IOS_ENCR = {"aes-256": "aes 256", "aes-192": "aes 192", "aes": "aes", "3des": "3des", "des": "des"}

#: Weak algorithms: a side that offers only these is the one to bring up to the other.
WEAK = {"des", "3des", "md5", "esp-des", "esp-3des", "esp-md5-hmac", "esp-null"}
WEAK_GROUPS = {1, 2, 5}

#: IKEv1 policy block head per platform.
POLICY_HEAD = {ASA: "crypto ikev1 policy {n}", IOS: "crypto isakmp policy {n}"}


def net(platform: str, network: IPv4Network | IPv6Network) -> str:
    """An ACL address: ``host A``, ``any``, or ``A MASK`` (ASA) / ``A WILDCARD`` (IOS)."""
    if network.prefixlen == 0:
        return "any"
    if network.prefixlen == network.max_prefixlen:
        return f"host {network.network_address}"
    return f"{network.network_address} {network.hostmask if platform == IOS else network.netmask}"


def acl_add(platform: str, acl: str, action: str, src: str, dst: str, first: bool = False, proto: str = "ip") -> list[str]:
    """One ACL line, appended, or placed first (``first``) where order decides."""
    if platform == ASA:
        where = " line 1" if first else ""
        return [f"access-list {acl}{where} extended {action} {proto} {src} {dst}"]
    return [f"ip access-list extended {acl}", f" {'1 ' if first else ''}{action} {proto} {src} {dst}"]


def acl_remove(platform: str, acl: str, action: str, src: str, dst: str, proto: str = "ip") -> list[str]:
    if platform == ASA:
        return [f"no access-list {acl} extended {action} {proto} {src} {dst}"]
    return [f"ip access-list extended {acl}", f" no {action} {proto} {src} {dst}"]


def policy(platform: str, n: int, encryption: str, hash_: str, auth: str, group: int | None,
           lifetime: int | None) -> list[str]:
    """An IKEv1 policy block with the given suite."""
    enc = f" encryption {encryption}" if platform == ASA else f" encr {IOS_ENCR.get(encryption, encryption)}"
    lines = [POLICY_HEAD[platform].format(n=n), f" authentication {auth}", enc, f" hash {hash_}"]
    if group is not None:
        lines.append(f" group {group}")
    if lifetime is not None:
        lines.append(f" lifetime {lifetime}")
    return lines


def transform_words(platform: str, transforms: tuple[str, ...]) -> str:
    """Canonical transforms (esp-aes-256) in the platform's words (IOS: esp-aes 256)."""
    if platform == ASA:
        return " ".join(transforms)
    out = []
    for t in transforms:
        for sized in ("esp-aes", "esp-gcm", "esp-gmac"):
            if t.startswith(sized + "-") and t[len(sized) + 1:].isdigit():
                t = f"{sized} {t[len(sized) + 1:]}"
        out.append(t)
    return " ".join(out)


def transform_set(platform: str, name: str, transforms: tuple[str, ...], transport: bool = False) -> list[str]:
    if platform == ASA:
        head = f"crypto ipsec ikev1 transform-set {name} {transform_words(platform, transforms)}"
        return [head] + ([f"crypto ipsec ikev1 transform-set {name} mode transport"] if transport else [])
    return [f"crypto ipsec transform-set {name} {transform_words(platform, transforms)}",
            f" mode {'transport' if transport else 'tunnel'}"]


def map_entry(platform: str, name: str, seq: int, *settings: str) -> list[str]:
    """Lines setting ``settings`` ("set peer X", "no set pfs") on a crypto map entry."""
    if platform == ASA:
        return [f"{'no ' if s.startswith('no ') else ''}crypto map {name} {seq} {s.removeprefix('no ')}" for s in settings]
    return [f"crypto map {name} {seq} ipsec-isakmp"] + [f" {s}" for s in settings]


def map_on_interface(platform: str, name: str, interface: str, remove: bool = False) -> list[str]:
    no = "no " if remove else ""
    if platform == ASA:
        return [f"{no}crypto map {name} interface {interface}"]
    return [f"interface {interface}", f" {no}crypto map {name}"]


def dynamic_entry(platform: str, name: str, seq: int, dyn: str, remove: bool = False) -> list[str]:
    if remove:
        return [f"no crypto map {name} {seq} ipsec-isakmp dynamic {dyn}" if platform == ASA else f"no crypto map {name} {seq}"]
    return [f"crypto map {name} {seq} ipsec-isakmp dynamic {dyn}"]


def route(platform: str, network: IPv4Network | IPv6Network, next_hop: str, interface: str, remove: bool = False) -> list[str]:
    no = "no " if remove else ""
    if platform == ASA:
        return [f"{no}route {interface} {network.network_address} {network.netmask} {next_hop} 1"]
    return [f"{no}ip route {network.network_address} {network.netmask} {next_hop}"]


def isakmp_key(key: str, address: str, no_xauth: bool = True, remove: bool = False) -> list[str]:
    """IOS global pre-shared key for a peer address."""
    return [f"{'no ' if remove else ''}crypto isakmp key {key} address {address}{' no-xauth' if no_xauth and not remove else ''}"]


def asa_group_key(group: str, key: str, ike_version: int) -> list[str]:
    lines = [f"tunnel-group {group} ipsec-attributes"]
    if ike_version == 2:
        return lines + [f" ikev2 remote-authentication pre-shared-key {key}", f" ikev2 local-authentication pre-shared-key {key}"]
    return lines + [f" ikev1 pre-shared-key {key}"]


def asa_l2l_group(group: str, group_policy: str, ike_version: int) -> list[str]:
    """A new ASA L2L tunnel-group named after the peer's address, with the key's place."""
    lines = [f"tunnel-group {group} type ipsec-l2l"]
    if group_policy:
        lines += [f"tunnel-group {group} general-attributes", f" default-group-policy {group_policy}"]
    return lines + asa_group_key(group, KEY, ike_version)


#: IKEv2 suite words: canonical encryption -> (ASA, IOS); canonical integrity -> (ASA, IOS).
IKEV2_ENCR = {"aes-256": ("aes-256", "aes-cbc-256"), "aes-192": ("aes-192", "aes-cbc-192"), "aes": ("aes", "aes-cbc-128"),
              "3des": ("3des", "3des"), "des": ("des", "des")}
IKEV2_INTEG = {"sha": ("sha", "sha1"), "sha1": ("sha", "sha1"), "sha256": ("sha256", "sha256"),
               "sha384": ("sha384", "sha384"), "sha512": ("sha512", "sha512"), "md5": ("md5", "md5")}


def ikev2_suite(platform: str, encryption: str, integrity: str, group: int | None) -> tuple[str, str, str]:
    i = 0 if platform == ASA else 1
    enc = IKEV2_ENCR.get(encryption, (encryption, encryption))[i]
    integ = IKEV2_INTEG.get(integrity, (integrity, integrity))[i]
    return enc, integ, str(group if group is not None else 14)
