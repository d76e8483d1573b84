"""Evidence bundles: what the collector writes and the offline mode reads.

    BUNDLE/bundle.yaml
      tunnel: hq-branch                      # optional
      kind: l2l                              # optional: l2l (default) | remote-access
      remote_access: {pool: Address-pool}    # optional hints (tunnel_group, group_policy, pool, user)
      collected_at: 2026-11-22T04:00:00Z     # optional
      peers:
        - name: hq-asa
          platform: cisco_asa                # cisco_asa | cisco_ios (cisco_xe = cisco_ios)
          crypto_endpoint: 203.0.113.1       # optional
          nat_address: 198.51.100.7          # optional: behind NAT, the address the other peer sees
          error: null                        # or {kind: auth|timeout|refused|..., message: ...}
          outputs:                           # command exactly as sent -> file relative to BUNDLE
            "show crypto isakmp sa": hq-asa/show_crypto_isakmp_sa.txt

Any subset of commands and a single peer are accepted; a peer may have no outputs at all
(not ours, unreachable); unknown keys are ignored.  Outputs are stored redacted."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from agent.errors import BundleError
from agent.platforms import normalise
from agent.redact import Redactor

MAX_OUTPUT_BYTES = 20 * 1024 * 1024
MAX_META_BYTES = 1024 * 1024  # bundle.yaml names files; it holds no outputs
KINDS = ("l2l", "remote-access")


@dataclass
class PeerError:
    kind: str
    message: str


@dataclass
class BundlePeer:
    name: str
    platform: str | None = None
    crypto_endpoint: str | None = None
    error: PeerError | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # command -> output text
    fallbacks: dict[str, str] = field(default_factory=dict)  # command -> command actually sent
    nat_address: str | None = None  # behind NAT: the address the other peer sees


@dataclass
class Bundle:
    peers: list[BundlePeer]
    tunnel: str | None = None
    collected_at: str | None = None
    kind: str = "l2l"  # l2l | remote-access
    remote_access: dict[str, str] = field(default_factory=dict)
    #: where the evidence came from when not collected (an imported transcript: what the
    #: import decided and left out); written as `provenance:`, ignored when read
    provenance: dict[str, Any] = field(default_factory=dict)

    def peer(self, name: str) -> BundlePeer | None:
        return next((p for p in self.peers if p.name == name), None)


def _filename(command: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", command).strip("_")[:120] or "output"
    return f"{name}.txt"


def write_bundle(bundle: Bundle, directory: Path) -> Path:
    """Write ``bundle`` under ``directory`` (created); returns the bundle.yaml path.
    bundle.yaml is written last and atomically, so a reader never sees half a bundle."""
    directory.mkdir(parents=True, exist_ok=True)
    peers_doc: list[dict[str, Any]] = []
    for peer in bundle.peers:
        outputs: dict[str, str] = {}
        used: set[str] = set()
        for command, text in peer.outputs.items():
            fname = _filename(command)
            base, n = fname, 2
            while fname in used:
                fname = base.replace(".txt", f"_{n}.txt")
                n += 1
            used.add(fname)
            rel = f"{_safe(peer.name)}/{fname}"
            target = directory / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            outputs[command] = rel
        doc: dict[str, Any] = {
            "name": peer.name,
            "platform": peer.platform,
            "crypto_endpoint": peer.crypto_endpoint,
            "error": None if peer.error is None else {"kind": peer.error.kind, "message": peer.error.message},
            "outputs": outputs,
        }
        if peer.nat_address:
            doc["nat_address"] = peer.nat_address
        if peer.fallbacks:
            doc["sent_instead"] = dict(peer.fallbacks)
        peers_doc.append(doc)
    top: dict[str, Any] = {"tunnel": bundle.tunnel, "collected_at": bundle.collected_at}
    if bundle.kind != "l2l":
        top["kind"] = bundle.kind
    if bundle.remote_access:
        top["remote_access"] = dict(bundle.remote_access)
    top["peers"] = peers_doc
    if bundle.provenance:
        top["provenance"] = bundle.provenance
    path = directory / "bundle.yaml"
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.safe_dump(top, sort_keys=False, allow_unicode=True), encoding="utf-8")
    os.replace(tmp, path)
    return path


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "peer"


def read_bundle(path: Path, redactor: Redactor | None = None) -> Bundle:
    """Read a bundle directory (or its bundle.yaml).  Raises ``BundleError`` with one
    clear message for anything malformed; never guesses.  Outputs pasted from a ticket
    enter the program here, so they are redacted here (a collected bundle's are already)."""
    redactor = redactor or Redactor()
    directory = path if path.is_dir() else path.parent
    meta = directory / "bundle.yaml" if path.is_dir() else path
    try:
        if meta.stat().st_size > MAX_META_BYTES:
            raise BundleError(f"{meta}: larger than {MAX_META_BYTES} bytes; is this a bundle.yaml?")
        raw = meta.read_bytes()
    except FileNotFoundError:
        raise BundleError(f"{meta}: no such bundle (expected a directory with bundle.yaml)") from None
    except OSError as exc:
        raise BundleError(f"{meta}: cannot read: {exc.strerror}") from None
    try:
        doc = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BundleError(f"{meta}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise BundleError(f"{meta}{where}: invalid YAML ({getattr(exc, 'problem', None) or 'syntax error'})") from None
    if not isinstance(doc, dict):
        raise BundleError(f"{meta}: the top level must be a mapping with a 'peers' list")
    peers_doc = doc.get("peers")
    if not isinstance(peers_doc, list) or not peers_doc:
        raise BundleError(f"{meta}: 'peers' must be a non-empty list")
    peers = [_read_peer(directory, meta, i, p, redactor) for i, p in enumerate(peers_doc)]
    names = [p.name for p in peers]
    if len(set(names)) != len(names):
        raise BundleError(f"{meta}: peers: duplicate peer name")
    tunnel = doc.get("tunnel")
    collected = doc.get("collected_at")
    kind = doc.get("kind", "l2l")
    if kind not in KINDS:
        raise BundleError(f"{meta}: kind: {kind!r} is not one of {', '.join(KINDS)}")
    hints = doc.get("remote_access") or {}
    if not isinstance(hints, dict):
        raise BundleError(f"{meta}: remote_access: must map tunnel_group / group_policy / pool / user to names")
    return Bundle(peers, None if tunnel is None else str(tunnel), None if collected is None else str(collected),
                  str(kind), {str(k): str(v) for k, v in hints.items() if v is not None})


def _read_output(directory: Path, where: str, rel: object, redactor: Redactor) -> str:
    """One output file of the bundle, inside it, not too large, redacted."""
    if not isinstance(rel, str):
        raise BundleError(f"{where}: must be a file path")
    file = (directory / rel).resolve()
    if directory.resolve() not in file.parents:
        raise BundleError(f"{where}: {rel} is outside the bundle")
    try:
        if file.stat().st_size > MAX_OUTPUT_BYTES:
            raise BundleError(f"{where}: {rel} is larger than {MAX_OUTPUT_BYTES} bytes")
        text = file.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
    except FileNotFoundError:
        raise BundleError(f"{where}: file {rel} is missing") from None
    except IsADirectoryError:
        raise BundleError(f"{where}: {rel} is a directory") from None
    return redactor.redact(text)


def _read_peer(directory: Path, meta: Path, i: int, doc: Any, redactor: Redactor) -> BundlePeer:
    where = f"{meta}: peers[{i}]"
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not doc["name"]:
        raise BundleError(f"{where}: each peer needs a 'name'")
    platform = doc.get("platform")
    if platform is not None:
        try:
            platform = normalise(str(platform))
        except ValueError as exc:
            raise BundleError(f"{where}.platform: {exc}") from None
    outputs_doc = doc.get("outputs") or {}
    if not isinstance(outputs_doc, dict):
        raise BundleError(f"{where}.outputs: must map commands to files")
    if outputs_doc and platform is None:
        raise BundleError(f"{where}.platform: required when the peer has outputs")
    outputs = {str(command): _read_output(directory, f"{where}.outputs[{command!r}]", rel, redactor)
               for command, rel in outputs_doc.items()}
    err = doc.get("error")
    error = None
    if isinstance(err, dict):
        error = PeerError(str(err.get("kind", "error")), str(err.get("message", "")))
    elif err:
        error = PeerError("error", str(err))
    endpoint = doc.get("crypto_endpoint")
    nat = doc.get("nat_address")
    fallbacks = doc.get("sent_instead") if isinstance(doc.get("sent_instead"), dict) else {}
    return BundlePeer(
        name=doc["name"], platform=platform, crypto_endpoint=None if endpoint is None else str(endpoint),
        nat_address=None if nat is None else str(nat), error=error, outputs=outputs, fallbacks={str(k): str(v) for k, v in (fallbacks or {}).items()},
    )
