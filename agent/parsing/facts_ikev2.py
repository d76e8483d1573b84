"""IKEv2 configuration facts, in the shapes the IKEv1 checks already read: IOS `crypto
ikev2 proposal` blocks become ``IsakmpPolicy`` suites with ``ike_version`` 2 (one per
encryption x integrity x group combination), ASA `crypto ipsec ikev2 ipsec-proposal`
blocks become ``TransformSet`` entries named after the proposal (one per encryption x
integrity combination).  ASA `crypto ikev2 policy` blocks are read by
``facts_config.policies_config``; IKEv2 keys per direction by the tunnel-group / keyring
builders (``psk_local_fingerprint`` / ``psk_remote_fingerprint``); IOS `crypto ikev2
profile` blocks (what each matches, the identity it sends) ride on the global IKE settings."""

from __future__ import annotations

from dataclasses import replace

from agent.parsing import facts_config as cfg
from agent.parsing.context import Context, Parsed
from agent.parsing.model import IkeSettings, Ikev2Profile, IsakmpPolicy, Mode, Source, TransformSet
from agent.parsing.normalize import to_int, to_str

#: IKE encryption / integrity keywords of both platforms -> one spelling.
IKE_ENCRYPTION = {"aes-cbc-128": "aes", "aes-cbc-192": "aes-192", "aes-cbc-256": "aes-256", "aes": "aes",
                  "aes-192": "aes-192", "aes-256": "aes-256", "3des": "3des", "des": "des",
                  "aes-gcm-128": "aes-gcm", "aes-gcm": "aes-gcm", "aes-gcm-256": "aes-gcm-256"}
IKE_INTEGRITY = {"sha": "sha1", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512", "md5": "md5"}
#: ASA `protocol esp encryption|integrity` keywords -> transform-set names.
ESP_ENCRYPTION = {"aes": "esp-aes", "aes-192": "esp-aes-192", "aes-256": "esp-aes-256", "3des": "esp-3des",
                  "des": "esp-des", "null": "esp-null", "aes-gcm": "esp-gcm", "aes-gcm-256": "esp-gcm-256"}
ESP_INTEGRITY = {"sha-1": "esp-sha-hmac", "sha-256": "esp-sha256-hmac", "sha-384": "esp-sha384-hmac",
                 "sha-512": "esp-sha512-hmac", "md5": "esp-md5-hmac", "null": "esp-none"}


def ike_encryption(word: str) -> str:
    return IKE_ENCRYPTION.get(word.lower(), word.lower())


def ike_integrity(word: str) -> str:
    return IKE_INTEGRITY.get(word.lower(), word.lower())


def proposals_ios(ctx: Context, parsed: Parsed) -> list[IsakmpPolicy]:
    out = []
    for i, r in parsed.records():
        if " ".join(to_str(r.get("kind")).split()) != "ikev2 proposal":
            continue
        encryptions = [ike_encryption(w) for w in to_str(r.get("encryptions")).split()]
        integrities = [ike_integrity(w) for w in to_str(r.get("integrities")).split()]
        groups = [to_int(w) for w in to_str(r.get("dh_groups")).split()]
        for enc in encryptions:
            for integ in integrities:
                for group in groups:
                    out.append(IsakmpPolicy(priority=None, encryption=enc, hash=integ, authentication="pre-share",
                                            dh_group=group, lifetime=None, ike_version=2, source=Source(parsed.command, i)))
    return out


def policies_and_proposals(ctx: Context, parsed: Parsed) -> list[IsakmpPolicy]:
    """IOS running-config: ISAKMP policies (IKEv1) and IKEv2 proposals.  An IOS `crypto
    ikev2 policy` only names proposals (it is not a suite, unlike the ASA's)."""
    return [p for p in cfg.policies_config(ctx, parsed) if p.ike_version == 1] + proposals_ios(ctx, parsed)


def ipsec_proposals_asa(ctx: Context, parsed: Parsed) -> list[TransformSet]:
    out = []
    for i, r in parsed.records():
        if " ".join(to_str(r.get("kind")).split()) != "ipsec ikev2 ipsec-proposal":
            continue
        encs = [ESP_ENCRYPTION.get(w, f"esp-{w}") for w in to_str(r.get("proposal_encryptions")).split()]
        ints = [ESP_INTEGRITY.get(w, f"esp-{w}") for w in to_str(r.get("proposal_integrities")).split()]
        for enc in encs:
            for integ in ints or ["esp-none"]:
                out.append(TransformSet(to_str(r.get("name")), (enc, integ), Mode.TUNNEL, Source(parsed.command, i)))
    return out


def transform_sets_and_proposals(ctx: Context, parsed: Parsed) -> list[TransformSet]:
    """ASA crypto configuration: IKEv1 transform sets and IKEv2 IPsec proposals."""
    return cfg.transform_sets_config(ctx, parsed) + ipsec_proposals_asa(ctx, parsed)


def _list(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value] if value else []
    return tuple(" ".join(to_str(v).split()) for v in items if to_str(v))


def ike_settings_ios(ctx: Context, parsed: Parsed) -> list[IkeSettings]:
    """IOS running-config: the global IKE settings with the IKEv2 profiles."""
    profiles = tuple(
        Ikev2Profile(to_str(r.get("name")), _list(r.get("match_remote")), _list(r.get("match_fqdn")),
                     " ".join(to_str(r.get("identity_local")).split()), Source(parsed.command, i))
        for i, r in parsed.records() if " ".join(to_str(r.get("kind")).split()) == "ikev2 profile"
    )
    return [replace(s, ikev2_profiles=profiles) for s in cfg.ike_settings(ctx, parsed)]
