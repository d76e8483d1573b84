"""`show crypto ikev2 sa [detail]` (ASA 9.x and IOS-XE layouts, as in the genieparser
goldens of both), IOS `show crypto ikev2 proposal|policy|profile`, and the IKEv2 lines of
both running-configs.  Registered by ``render_asa`` / ``render_ios``."""

from __future__ import annotations

from ipaddress import IPv4Network

from agent.lab.model import DeviceConfig, IkeSa, Ikev2KeyringPeer, IpsecSa
from agent.lab.world import Device

ENCR = {"aes": ("AES-CBC", 128), "aes-192": ("AES-CBC", 192), "aes-256": ("AES-CBC", 256), "3des": ("3DES", 0),
        "des": ("DES", 0), "aes-gcm": ("AES-GCM", 128), "aes-gcm-256": ("AES-GCM", 256)}
HASH = {"sha1": "SHA96", "sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512", "md5": "MD596"}
PRF = {"sha1": "SHA1", "sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512", "md5": "MD5"}
ESP_ENC = {"esp-aes": ("AES-CBC", 128), "esp-aes-192": ("AES-CBC", 192), "esp-aes-256": ("AES-CBC", 256),
           "esp-3des": ("3DES", 0), "esp-des": ("DES", 0)}
ESP_HMAC = {"esp-sha-hmac": "SHA96", "esp-sha256-hmac": "SHA256", "esp-sha384-hmac": "SHA384", "esp-md5-hmac": "MD596"}


def v2_sas(dev: Device) -> list[IkeSa]:
    return sorted((s for s in dev.state.ike_sas.values() if s.version == 2), key=lambda s: s.conn_id)


def _encr(sa: IkeSa, prf: bool) -> str:
    if not sa.established and not sa.encryption:
        return "Encr: Unknown - 0, PRF: Unknown - 0, Hash: None, DH Grp:0, Auth sign: Unknown - 0, Auth verify: Unknown - 0"
    name, size = ENCR.get(sa.encryption, (sa.encryption.upper(), 0))
    text = f"Encr: {name}, " + (f"keysize: {size}, " if size else "")
    if prf:
        text += f"PRF: {PRF.get(sa.prf, sa.prf.upper())}, "
    return text + f"Hash: {HASH.get(sa.hash, sa.hash.upper())}, DH Grp:{sa.group}, Auth sign: PSK, Auth verify: PSK"


def _active(dev: Device, sa: IkeSa) -> int:
    return max(0, int(dev.now() - sa.created_at))


def _selector(net: IPv4Network) -> str:
    return f"{net.network_address}/0 - {net.broadcast_address}/65535"


def _child_lines(sa: IpsecSa, detail: bool) -> list[str]:
    out = [
        f"Child sa: local selector  {_selector(sa.local_ident)}",
        f"          remote selector {_selector(sa.remote_ident)}",
        f"          ESP spi in/out: 0x{sa.spi_in:08x}/0x{sa.spi_out:08x}",
    ]
    if detail:
        cipher = next((t for t in sa.transforms if t in ESP_ENC), "")
        hmac = next((t for t in sa.transforms if t in ESP_HMAC), "")
        name, size = ESP_ENC.get(cipher, ("NULL", 0))
        out += [
            "          AH spi in/out: 0x0/0x0",
            "          CPI in/out: 0x0/0x0",
            f"          Encr: {name}, " + (f"keysize: {size}, " if size else "") + f"esp_hmac: {ESP_HMAC.get(hmac, 'None')}",
            f"          ah_hmac: None, comp: IP_COMP_NONE, mode {sa.mode}",
        ]
    return out


def asa_ikev2(dev: Device, detail: bool) -> str:
    sas = v2_sas(dev)
    if not sas:
        return "\nThere are no IKEv2 SAs\n"
    lines = ["", "IKEv2 SAs:", ""]
    for n, sa in enumerate(sas, 1):
        children = [c for c in dev.state.ipsec_sas if c.peer == sa.peer and c.ike_version == 2] if sa.established else []
        status = ("UP-ACTIVE" if sa.established else "UP-IN-NEG")
        port = 4500 if sa.nat_t else 500
        lines += [
            f"Session-id:{n}, Status:{status}, IKE count:1, CHILD count:{len(children)}",
            "",
            f"{'Tunnel-id':<10}{'Local':<52}{'Remote':<56}{'Status':<15}Role",
            f"{sa.conn_id:>9} {f'{sa.local}/{port}':<52}{f'{sa.peer}/{port}':<57}{sa.state:<9}{sa.role.upper()}",
            f"      {_encr(sa, prf=False)}",
            f"      Life/Active Time: {sa.lifetime}/{_active(dev, sa)} sec",
        ]
        if detail:
            lines += [
                f"      Session-id: {n}",
                f"      Status Description: {'Negotiation done' if sa.established else 'Negotiating'}",
                f"      Local spi: {sa.spi_local:016X}       Remote spi: {sa.spi_remote:016X}",
                f"      Local id: {sa.local}",
                f"      Remote id: {sa.peer if sa.established else ''}".rstrip(),
                "      Local req mess id: 2             Remote req mess id: 0",
                "      Local next mess id: 2            Remote next mess id: 0",
                "      Local req queued: 2              Remote req queued: 0",
                "      Local window: 1                  Remote window: 1",
                "      DPD configured for 10 seconds, retry 2",
                f"      NAT-T is {'detected  outside' if sa.nat_t else 'not detected'}",
            ]
        for child in children:
            lines += _child_lines(child, detail)
        lines.append("")
    return "\n".join(lines) + "\n"


def ios_ikev2(dev: Device, detail: bool) -> str:
    lines = [" IPv4 Crypto IKEv2  SA ", ""]
    sas = v2_sas(dev)
    if sas:
        lines.append(f"{'Tunnel-id':<10}{'Local':<22}{'Remote':<22}{'fvrf/ivrf':<21}Status ")
    for sa in sas:
        port = 4500 if sa.nat_t else 500
        lines += [
            f"{sa.conn_id:<10}{f'{sa.local}/{port}':<22}{f'{sa.peer}/{port}':<22}{'none/none':<21}{sa.state}  ",
            f"      {_encr(sa, prf=True)}",
            f"      Life/Active Time: {sa.lifetime}/{_active(dev, sa)} sec",
        ]
        if detail:
            lines += [
                f"      CE id: {sa.conn_id + 1000}, Session-id: {sa.conn_id}",
                f"      Local spi: {sa.spi_local:016X}       Remote spi: {sa.spi_remote:016X}",
                f"      Status Description: {'Negotiation done' if sa.established else 'Initiator waiting for INIT response'}",
                f"      Local id: {sa.local}",
                f"      Remote id: {sa.peer if sa.established else ''}".rstrip(),
                "      Local req msg id:  2              Remote req msg id:  0",
                "      Local next msg id: 2              Remote next msg id: 0",
                "      Local req queued:  2              Remote req queued:  0",
                "      Local window:      5              Remote window:      5",
                "      DPD configured for 0 seconds, retry 0",
                "      Fragmentation not  configured.",
                "      Dynamic Route Update: disabled",
                "      Extended Authentication not configured.",
                f"      NAT-T is {'detected  outside' if sa.nat_t else 'not detected'}",
                "      Cisco Trust Security SGT is disabled",
                f"      Initiator of SA : {'Yes' if sa.role == 'initiator' else 'No'}",
            ]
        lines.append("")
    lines += [" IPv6 Crypto IKEv2  SA ", ""]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- IOS configuration views


def _ios_encr(name: str) -> str:
    return {"aes": "aes-cbc-128", "aes-192": "aes-cbc-192", "aes-256": "aes-cbc-256"}.get(name, name)


def _keyring_peer(peer: Ikev2KeyringPeer) -> list[str]:
    out = [f" peer {peer.name}"]
    if peer.address is not None:
        mask = f" {peer.address.netmask}" if peer.address.prefixlen != 32 else ""
        out.append(f"  address {peer.address.network_address}{mask}")
    if peer.local_key is not None and peer.local_key == peer.remote_key:
        out.append(f"  pre-shared-key {peer.local_key}")
    else:
        if peer.local_key is not None:
            out.append(f"  pre-shared-key local {peer.local_key}")
        if peer.remote_key is not None:
            out.append(f"  pre-shared-key remote {peer.remote_key}")
    return out + [" !"]


def ios_config_lines(cfg: DeviceConfig) -> list[str]:
    """The IKEv2 blocks of an IOS running-config, in the order IOS prints them."""
    out: list[str] = []
    for prop in cfg.ikev2_proposals.values():
        out += [f"crypto ikev2 proposal {prop.name} "]
        if prop.encryption:
            out.append(f" encryption {' '.join(_ios_encr(e) for e in prop.encryption)}")
        if prop.integrity:
            out.append(f" integrity {' '.join(prop.integrity)}")
        if prop.prf:
            out.append(f" prf {' '.join(prop.prf)}")
        if prop.groups:
            out.append(f" group {' '.join(str(g) for g in prop.groups)}")
        out.append("!")
    for name, proposals in cfg.ikev2_policies.items():
        out += [f"crypto ikev2 policy {name} ", *(f" proposal {p}" for p in proposals), "!"]
    for name, ring in cfg.ikev2_keyrings.items():
        out.append(f"crypto ikev2 keyring {name}")
        for peer in ring.values():
            out += _keyring_peer(peer)
        out.append("!")
    for prof in cfg.ikev2_profiles.values():
        out.append(f"crypto ikev2 profile {prof.name}")
        for network in prof.match_remote:
            mask = f" {network.netmask}" if network.prefixlen != 32 else " 255.255.255.255"
            out.append(f" match identity remote address {network.network_address}{mask} ")
        out += [f" match identity remote fqdn {name}" for name in prof.match_fqdn]
        if prof.identity_local:
            out.append(f" identity local {prof.identity_local}")
        if prof.auth_remote:
            out.append(f" authentication remote {prof.auth_remote}")
        if prof.auth_local:
            out.append(f" authentication local {prof.auth_local}")
        if prof.keyring:
            out.append(f" keyring local {prof.keyring}")
        if prof.lifetime != 86400:
            out.append(f" lifetime {prof.lifetime}")
        out.append("!")
    return out


GROUP_NAMES = {1: "DH_GROUP_768_MODP/Group 1", 2: "DH_GROUP_1024_MODP/Group 2", 5: "DH_GROUP_1536_MODP/Group 5",
               14: "DH_GROUP_2048_MODP/Group 14", 15: "DH_GROUP_3072_MODP/Group 15", 16: "DH_GROUP_4096_MODP/Group 16",
               19: "DH_GROUP_256_ECP/Group 19", 20: "DH_GROUP_384_ECP/Group 20", 21: "DH_GROUP_521_ECP/Group 21"}


def ios_show_proposal(cfg: DeviceConfig) -> str:
    """`show crypto ikev2 proposal` (IOS-XE layout of the genie golden)."""
    lines: list[str] = []
    for prop in cfg.ikev2_proposals.values():
        lines += [
            f"IKEv2 proposal: {prop.name}",
            f"     Encryption : {' '.join(_ios_encr(e).upper() for e in prop.encryption)}",
            f"     Integrity  : {' '.join(HASH.get(i, i.upper()) for i in prop.integrity)}",
            f"     PRF        : {' '.join(PRF.get(i, i.upper()) for i in (prop.prf or prop.integrity))}",
            f"     DH Group   : {' '.join(GROUP_NAMES.get(g, f'Group {g}') for g in prop.groups)}",
        ]
    return "\n".join(lines) + "\n"


def ios_show_policy(cfg: DeviceConfig) -> str:
    """`show crypto ikev2 policy` (IOS-XE layout of the genie golden)."""
    lines: list[str] = []
    for name, proposals in cfg.ikev2_policies.items():
        lines += [f" IKEv2 policy : {name}", "      Match fvrf  : global", "      Match address local : any",
                  *(f"      Proposal    : {p}" for p in proposals), ""]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- ASA configuration lines


def _asa_word(name: str) -> str:
    return {"sha1": "sha"}.get(name, name)


def asa_config_lines(cfg: DeviceConfig, order: list[str]) -> list[str]:
    """ASA `crypto ikev2 policy N` blocks and `crypto ikev2 enable IF`."""
    out: list[str] = []
    for prio in sorted(cfg.ikev2_asa_policies):
        pol = cfg.ikev2_asa_policies[prio]
        out.append(f"crypto ikev2 policy {prio}")
        if pol.encryption:
            out.append(f" encryption {' '.join(pol.encryption)}")
        if pol.integrity:
            out.append(f" integrity {' '.join(_asa_word(i) for i in pol.integrity)}")
        if pol.groups:
            out.append(f" group {' '.join(str(g) for g in pol.groups)}")
        out.append(f" prf {' '.join(_asa_word(i) for i in (pol.prf or pol.integrity))}")
        out.append(f" lifetime seconds {pol.lifetime}")
    enabled = sorted(cfg.ikev2_enabled, key=lambda n: (order.index(n) if n in order else len(order), n))
    out += [f"crypto ikev2 enable {name}" for name in enabled]
    return out


ESP_ENC_WORD = {"esp-aes": "aes", "esp-aes-192": "aes-192", "esp-aes-256": "aes-256", "esp-3des": "3des",
                "esp-des": "des", "esp-null": "null"}
ESP_INT_WORD = {"esp-sha-hmac": "sha-1", "esp-sha256-hmac": "sha-256", "esp-sha384-hmac": "sha-384",
                "esp-md5-hmac": "md5", "esp-none": "null"}


def asa_ipsec_proposal_lines(cfg: DeviceConfig) -> list[str]:
    out: list[str] = []
    for prop in cfg.ipsec_proposals.values():
        out.append(f"crypto ipsec ikev2 ipsec-proposal {prop.name}")
        if prop.encryption:
            out.append(f" protocol esp encryption {' '.join(ESP_ENC_WORD.get(e, e) for e in prop.encryption)}")
        if prop.integrity:
            out.append(f" protocol esp integrity {' '.join(ESP_INT_WORD.get(i, i) for i in prop.integrity)}")
    return out

