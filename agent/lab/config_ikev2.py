"""IKEv2 configuration lines of both interpreters (``config_ios`` / ``config_asa`` call in
here for `crypto ikev2 ...`, `crypto ipsec ikev2 ...` and their sub-modes).

IOS / IOS-XE: `crypto ikev2 proposal` (encryption / integrity / group), `crypto ikev2
policy` (proposal), `crypto ikev2 keyring` (peer / address / pre-shared-key [local|remote]),
`crypto ikev2 profile` (match identity remote address|fqdn, identity local, authentication local|remote
pre-share, keyring local, lifetime).  ASA: `crypto ikev2 policy N` (encryption / integrity /
group / prf / lifetime seconds), `crypto ikev2 enable IF`, `crypto ipsec ikev2
ipsec-proposal NAME` (protocol esp encryption / integrity).  The syntax is in
``docs/lab-config-language.md``."""

from __future__ import annotations

from ipaddress import IPv4Network

from agent.lab.config_common import GLOBAL, ConfigError, Mode, int_at, ip_at
from agent.lab.model import DeviceConfig, Ikev2KeyringPeer, Ikev2Profile, Ikev2Proposal, IpsecProposal

BAD = "% Invalid input detected at '^' marker."

#: IKE encryption keywords of both platforms -> the canonical name.
IKE_ENCRYPTION = {
    "aes-cbc-128": "aes", "aes-cbc-192": "aes-192", "aes-cbc-256": "aes-256",  # IOS
    "aes": "aes", "aes-192": "aes-192", "aes-256": "aes-256", "3des": "3des", "des": "des",  # ASA (and IOS 3des/des)
    "aes-gcm-128": "aes-gcm", "aes-gcm-256": "aes-gcm-256", "aes-gcm": "aes-gcm",
}
IKE_INTEGRITY = {"sha1": "sha1", "sha": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512", "md5": "md5"}
#: ASA `protocol esp encryption|integrity` keywords -> transform-set names.
ESP_ENCRYPTION = {"aes": "esp-aes", "aes-192": "esp-aes-192", "aes-256": "esp-aes-256", "3des": "esp-3des",
                  "des": "esp-des", "null": "esp-null"}
ESP_INTEGRITY = {"sha-1": "esp-sha-hmac", "sha-256": "esp-sha256-hmac", "sha-384": "esp-sha384-hmac",
                 "md5": "esp-md5-hmac", "null": "esp-none"}

IOS_PROMPTS = {
    "ikev2-proposal": "config-ikev2-proposal",
    "ikev2-policy": "config-ikev2-policy",
    "ikev2-keyring": "config-ikev2-keyring",
    "ikev2-keyring-peer": "config-ikev2-keyring-peer",
    "ikev2-profile": "config-ikev2-profile",
}
ASA_PROMPTS = {"asa-ikev2-policy": "config-ikev2-policy", "ipsec-proposal": "config-ipsec-proposal"}


def _words(table: dict[str, str], tokens: list[str], start: int) -> list[str]:
    out = []
    for i in range(start, len(tokens)):
        if tokens[i] not in table:
            raise ConfigError(BAD, i)
        out.append(table[tokens[i]])
    if not out:
        raise ConfigError("% Incomplete command.", start)
    return out


def _groups(tokens: list[str], start: int) -> list[int]:
    groups = [int_at(tokens, i) for i in range(start, len(tokens))]
    if not groups:
        raise ConfigError("% Incomplete command.", start)
    return groups


# ---------------------------------------------------------------- IOS


def ios_global(cfg: DeviceConfig, sub: list[str], neg: bool) -> Mode | None:
    """`crypto ikev2 ...` (``sub`` starts after `crypto`); None when not an IKEv2 line."""
    if sub[:1] != ["ikev2"] or len(sub) < 3:
        return None
    kind, name = sub[1], sub[2]
    if kind == "proposal":
        if neg:
            cfg.ikev2_proposals.pop(name, None)
        else:
            cfg.ikev2_proposals.setdefault(name, Ikev2Proposal(name))
    elif kind == "policy":
        if neg:
            cfg.ikev2_policies.pop(name, None)
        else:
            cfg.ikev2_policies.setdefault(name, [])
    elif kind == "keyring":
        if neg:
            cfg.ikev2_keyrings.pop(name, None)
        else:
            cfg.ikev2_keyrings.setdefault(name, {})
    elif kind == "profile":
        if neg:
            cfg.ikev2_profiles.pop(name, None)
        else:
            cfg.ikev2_profiles.setdefault(name, Ikev2Profile(name))
    else:
        raise ConfigError(BAD, 2)
    if neg:
        return GLOBAL
    return Mode(f"ikev2-{kind}", name)


def ios_submode(cfg: DeviceConfig, mode: Mode, t: list[str], neg: bool) -> list[str] | None:
    """A line inside an IOS IKEv2 sub-mode; None when the line is not one of its commands."""
    key = mode.key
    if mode.kind == "ikev2-proposal":
        prop = cfg.ikev2_proposals[str(key)]
        if t[0] in ("encryption", "encr"):
            prop.encryption = [] if neg else _words(IKE_ENCRYPTION, t, 1)
        elif t[0] == "integrity":
            prop.integrity = [] if neg else _words(IKE_INTEGRITY, t, 1)
        elif t[0] == "prf":
            prop.prf = [] if neg else _words(IKE_INTEGRITY, t, 1)
        elif t[0] == "group":
            prop.groups = [] if neg else _groups(t, 1)
        else:
            return None
        return []
    if mode.kind == "ikev2-policy":
        names = cfg.ikev2_policies[str(key)]
        if t[0] == "proposal":
            for name in t[1:]:
                if neg:
                    if name in names:
                        names.remove(name)
                elif name not in cfg.ikev2_proposals:
                    raise ConfigError(f"% IKEv2 proposal {name} does not exist", 1)
                elif name not in names:
                    names.append(name)
            return []
        if t[:2] == ["match", "address"]:
            return []
        return None
    if mode.kind == "ikev2-keyring":
        if t[0] == "peer":
            ring = cfg.ikev2_keyrings[str(key)]
            if neg:
                ring.pop(t[1], None)
                return []
            ring.setdefault(t[1], Ikev2KeyringPeer(t[1]))
            raise _EnterPeer(str(key), t[1])
        return None
    if mode.kind == "ikev2-keyring-peer":
        assert isinstance(key, tuple)
        peer = cfg.ikev2_keyrings[key[0]][key[1]]
        if t[0] == "address":
            peer.address = None if neg else IPv4Network(f"{ip_at(t, 1)}/{t[2] if len(t) > 2 else '255.255.255.255'}", strict=False)
        elif t[0] == "pre-shared-key":
            which = t[1] if len(t) > 2 and t[1] in ("local", "remote") else None
            value = None if neg else t[-1]
            if which in (None, "local"):
                peer.local_key = value
            if which in (None, "remote"):
                peer.remote_key = value
        elif t[0] in ("description", "identity", "hostname"):
            pass
        elif t[0] == "peer":
            return None  # a new peer block: handled one level up
        else:
            return None
        return []
    if mode.kind == "ikev2-profile":
        prof = cfg.ikev2_profiles[str(key)]
        if t[:4] == ["match", "identity", "remote", "address"]:
            network = IPv4Network(f"{ip_at(t, 4)}/{t[5] if len(t) > 5 else '255.255.255.255'}", strict=False)
            if neg:
                prof.match_remote = [n for n in prof.match_remote if n != network]
            elif network not in prof.match_remote:
                prof.match_remote.append(network)
        elif t[:4] == ["match", "identity", "remote", "fqdn"] and len(t) > 4:
            if t[4] == "domain" and len(t) < 6:
                raise ConfigError(BAD, len(t) - 1)
            name = " ".join(t[4:6]) if t[4] == "domain" else t[4]  # "NAME" or "domain NAME"
            if neg:
                prof.match_fqdn = [n for n in prof.match_fqdn if n != name]
            elif name not in prof.match_fqdn:
                prof.match_fqdn.append(name)
        elif t[:2] == ["identity", "local"]:
            prof.identity_local = None if neg else _identity_local(t)
        elif t[:1] == ["authentication"] and t[1:2] in (["local"], ["remote"]):
            setattr(prof, f"auth_{t[1]}", None if neg else t[2])
        elif t[:2] == ["keyring", "local"]:
            prof.keyring = None if neg else t[2]
        elif t[0] == "lifetime":
            prof.lifetime = 86400 if neg else int_at(t, 1)
        elif t[0] in ("dpd", "description", "nat"):
            pass
        else:
            return None
        return []
    return None


def _identity_local(t: list[str]) -> str:
    """`identity local address [A] | dn | fqdn NAME | email NAME | key-id ID` -> the words after `local`."""
    kind = t[2] if len(t) > 2 else ""
    if kind == "address" and len(t) == 4:
        ip_at(t, 3)
    if (kind == "address" and len(t) <= 4) or (kind == "dn" and len(t) == 3) or (kind in ("fqdn", "email", "key-id") and len(t) == 4):
        return " ".join(t[2:])
    if kind in ("fqdn", "email", "key-id") and len(t) == 3:
        raise ConfigError("% Incomplete command.", 2)
    raise ConfigError(BAD, min(len(t) - 1, 3))


class _EnterPeer(Exception):
    """`peer NAME` inside a keyring enters the peer sub-mode (a mode change, not a setting)."""

    def __init__(self, keyring: str, peer: str) -> None:
        super().__init__(peer)
        self.mode = Mode("ikev2-keyring-peer", (keyring, peer))


def ios_apply(cfg: DeviceConfig, mode: Mode, t: list[str], neg: bool) -> tuple[Mode, list[str]] | None:
    """Sub-mode dispatch with the mode changes of the keyring's peer blocks."""
    if not mode.kind.startswith("ikev2-"):
        return None
    if mode.kind == "ikev2-keyring-peer" and t[0] == "peer":
        assert isinstance(mode.key, tuple)
        mode = Mode("ikev2-keyring", mode.key[0])
    try:
        handled = ios_submode(cfg, mode, t, neg)
    except _EnterPeer as enter:
        return enter.mode, []
    return None if handled is None else (mode, handled)


# ---------------------------------------------------------------- ASA


def asa_global(cfg: DeviceConfig, sub: list[str], neg: bool) -> Mode | None:
    """`crypto ikev2 policy|enable ...`, `crypto ipsec ikev2 ipsec-proposal NAME`."""
    if sub[:2] == ["ikev2", "policy"]:
        prio = int_at(sub, 2)
        if neg:
            cfg.ikev2_asa_policies.pop(prio, None)
            return GLOBAL
        cfg.ikev2_asa_policies.setdefault(prio, Ikev2Proposal(str(prio)))
        return Mode("asa-ikev2-policy", prio)
    if sub[:2] == ["ikev2", "enable"]:
        (cfg.ikev2_enabled.discard if neg else cfg.ikev2_enabled.add)(sub[2])
        return GLOBAL
    if sub[:3] == ["ipsec", "ikev2", "ipsec-proposal"]:
        name = sub[3]
        if neg:
            cfg.ipsec_proposals.pop(name, None)
            return GLOBAL
        cfg.ipsec_proposals.setdefault(name, IpsecProposal(name))
        return Mode("ipsec-proposal", name)
    return None


def asa_submode(cfg: DeviceConfig, mode: Mode, t: list[str], neg: bool) -> list[str] | None:
    if mode.kind == "asa-ikev2-policy":
        pol = cfg.ikev2_asa_policies[int(str(mode.key))]
        if t[0] == "encryption":
            pol.encryption = [] if neg else _words(IKE_ENCRYPTION, t, 1)
        elif t[0] == "integrity":
            pol.integrity = [] if neg else _words(IKE_INTEGRITY, t, 1)
        elif t[0] == "prf":
            pol.prf = [] if neg else _words(IKE_INTEGRITY, t, 1)
        elif t[0] == "group":
            pol.groups = [] if neg else _groups(t, 1)
        elif t[:2] == ["lifetime", "seconds"]:
            pol.lifetime = 86400 if neg else int_at(t, 2)
        else:
            return None
        return []
    if mode.kind == "ipsec-proposal":
        prop = cfg.ipsec_proposals[str(mode.key)]
        if t[:3] == ["protocol", "esp", "encryption"]:
            prop.encryption = [] if neg else _words(ESP_ENCRYPTION, t, 3)
        elif t[:3] == ["protocol", "esp", "integrity"]:
            prop.integrity = [] if neg else _words(ESP_INTEGRITY, t, 3)
        else:
            return None
        return []
    return None


def asa_tunnel_ipsec(group: object, t: list[str], neg: bool) -> bool:
    """`ikev2 local|remote-authentication pre-shared-key K` under tunnel-group ipsec-attributes."""
    if t[:1] != ["ikev2"] or len(t) < 3 or t[2] != "pre-shared-key":
        return False
    side = {"local-authentication": "local", "remote-authentication": "remote"}.get(t[1])
    if side is None:
        raise ConfigError(BAD, 1)
    if not neg and len(t) < 4:
        raise ConfigError("% Incomplete command.", 3)
    setattr(group, f"ikev2_{side}_psk", None if neg else t[-1])
    return True
