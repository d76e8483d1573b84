"""Small, total conversions from parsed strings to typed values, and the platform
vocabularies (transform names, IKE algorithm names) as tables. Nothing here raises on bad
input: a value that does not convert becomes None."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def to_int(value: object) -> int | None:
    """"42" -> 42; anything else (blank, "none", a list) -> None."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def to_str(value: object) -> str:
    """A record value as a string ("" for missing values and lists)."""
    return value.strip() if isinstance(value, str) else ""


def to_list(value: object) -> list[str]:
    """A record value as a list of strings (a scalar becomes a one-item list)."""
    if isinstance(value, list):
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]
    text = to_str(value)
    return [text] if text else []


def to_ip(value: object) -> IPAddress | None:
    """An address ("10.1.1.1", "2001:db8::1", "10.1.1.1/500" with a port) or None."""
    return _ip(to_str(value))


@lru_cache(maxsize=4096)  # the same addresses recur in every output of a device
def _ip(text: str) -> IPAddress | None:
    if "/" in text and text.count(":") != 1:
        head, _, tail = text.rpartition("/")
        if tail.isdigit() and ":" not in tail:
            text = head
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def to_network(addr: object, mask: object = "", *, wildcard: bool = False) -> IPNetwork | None:
    """A network from an address and a netmask or prefix length (or, with ``wildcard``, an
    IOS ACL wildcard), or None. ("10.1.1.0", "255.255.255.0"), ("::", "0"),
    ("10.1.1.0", "0.0.0.255", wildcard=True) all give a network. Whether a dotted mask is a
    wildcard depends on where it was printed (255.255.255.255 is /32 as a netmask, "any"
    as a wildcard), so the caller says."""
    return _network(to_str(addr), to_str(mask), wildcard)


@lru_cache(maxsize=4096)
def _network(address: str, netmask: str, wildcard: bool) -> IPNetwork | None:
    if not address:
        return None
    if netmask and wildcard:
        try:
            netmask = str(ipaddress.IPv4Address(int(ipaddress.IPv4Address(netmask)) ^ 0xFFFFFFFF))
        except ValueError:
            return None
    try:
        return ipaddress.ip_network(f"{address}/{netmask}" if netmask else address, strict=False)
    except ValueError:
        return None


def spi(value: object) -> int | None:
    """An SPI as an int from "0x369E0D37", "369E0D37" (ASA current spi) or "3D3"."""
    text = to_str(value).lower()
    text = text[2:] if text.startswith("0x") else text
    if text and re.fullmatch(r"[0-9a-f]{1,8}", text):
        return int(text, 16)
    return None


def dh_group(value: object) -> int | None:
    """14 from "14", "group14", "group 14", "#14"."""
    match = re.search(r"(\d+)", to_str(value))
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------- transforms

_SHOW_AES = re.compile(r"^esp-(\d+)-aes$")  # IOS show form: esp-256-aes
_SIZED = {"esp-aes", "esp-gcm", "esp-gmac"}


def canonical_transforms(text: str) -> tuple[str, ...]:
    """One canonical spelling for a transform list, whatever the platform printed:
    IOS show "esp-256-aes esp-sha-hmac", IOS config "esp-aes 256 esp-sha-hmac" and ASA
    "esp-aes-256 esp-sha-hmac" all give ("esp-aes-256", "esp-sha-hmac")."""
    words = text.replace(",", " ").lower().split()
    out: list[str] = []
    for word in words:
        match = _SHOW_AES.match(word)
        if match:
            out.append(f"esp-aes-{match.group(1)}")
        elif word.isdigit() and out and out[-1] in _SIZED:
            out[-1] = f"{out[-1]}-{word}"
        elif word in ("no", "compression") or word.startswith("{") or word.startswith("}"):
            continue
        elif word == "esp-aes-128":
            out.append("esp-aes")
        else:
            out.append(word)
    return tuple(out)


# ---------------------------------------------------------------- IKE policy vocabulary

#: IOS `show crypto isakmp policy` long names -> configuration keywords.
IOS_POLICY_HASH = {
    "secure hash standard": "sha",
    "message digest 5": "md5",
    "secure hash standard 2 (256 bit)": "sha256",
    "secure hash standard 2 (384 bit)": "sha384",
    "secure hash standard 2 (512 bit)": "sha512",
}
IOS_POLICY_AUTH = {
    "pre-shared key": "pre-share",
    "rivest-shamir-adleman signature": "rsa-sig",
    "rivest-shamir-adleman encryption": "rsa-encr",
}


def policy_encryption(text: str, key_bits: str = "") -> str:
    """"aes-256" from IOS "AES - Advanced Encryption Standard" + 256, IOS config
    "aes 256", ASA "aes-256"; "aes" is AES-128 on both platforms."""
    value = to_str(text)
    low = value.lower()
    if " - " in value or low.startswith("three key"):  # IOS `show crypto isakmp policy`
        if low.startswith("aes"):
            return f"aes-{key_bits}" if key_bits and key_bits != "128" else "aes"
        if low.startswith(("three key", "3des")):
            return "3des"
        return low.split()[0]
    words = low.split()
    if len(words) == 2 and words[1].isdigit():
        return words[0] if words[1] == "128" else f"{words[0]}-{words[1]}"
    return low


def policy_hash(text: str) -> str:
    value = to_str(text).lower()
    return IOS_POLICY_HASH.get(value, value)


def policy_auth(text: str) -> str:
    value = to_str(text).lower()
    return IOS_POLICY_AUTH.get(value, value)
