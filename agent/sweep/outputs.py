"""What a sweep writes for people and monitoring systems: Prometheus text format
(written atomically), a Markdown or HTML report fit for a ticket."""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

from agent.engine.model import Finding
from agent.sweep.history import Change
from agent.sweep.runner import SweepResult

PHASE1_UP = {"established"}


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def prometheus(sweep: SweepResult) -> str:
    lines = [
        "# HELP ipsec_tunnel_up 1 when the tunnel's diagnosis is up, else 0.",
        "# TYPE ipsec_tunnel_up gauge",
    ]
    for r in sweep.results:
        rc = r.diagnosis.root_cause.code
        lines.append(f'ipsec_tunnel_up{{tunnel="{_label(r.tunnel)}",root_cause="{rc}"}} {1 if r.status == "up" else 0}')
    lines += ["# HELP ipsec_tunnel_phase1_up 1 when a peer holds an established IKE SA for the tunnel.",
              "# TYPE ipsec_tunnel_phase1_up gauge",
              "# HELP ipsec_tunnel_phase2_sas IPsec SAs a peer holds for the tunnel.",
              "# TYPE ipsec_tunnel_phase2_sas gauge",
              "# HELP ipsec_tunnel_packets_total Packets encapsulated / decapsulated on a peer's SAs for the tunnel.",
              "# TYPE ipsec_tunnel_packets_total counter"]
    for r in sweep.results:
        for peer, side in r.diagnosis.sides.items():
            labels = f'tunnel="{_label(r.tunnel)}",peer="{_label(peer)}"'
            phase1 = side.get("phase 1", "")
            if phase1 and phase1 not in ("not read",):
                up = 1 if any(s in phase1 for s in ("MM_ACTIVE", "QM_IDLE", "READY", "AM_ACTIVE")) else 0
                lines.append(f"ipsec_tunnel_phase1_up{{{labels}}} {up}")
            sas = side.get("IPsec SAs", "")
            if sas.isdigit():
                lines.append(f"ipsec_tunnel_phase2_sas{{{labels}}} {sas}")
            counters = side.get("encaps / decaps", "-")
            if "/" in counters:
                enc, dec = (c.strip() for c in counters.split("/"))
                lines.append(f'ipsec_tunnel_packets_total{{{labels},direction="encaps"}} {enc}')
                lines.append(f'ipsec_tunnel_packets_total{{{labels},direction="decaps"}} {dec}')
    lines += ["# HELP ipsec_sweep_duration_seconds Wall time of the last sweep.",
              "# TYPE ipsec_sweep_duration_seconds gauge",
              f"ipsec_sweep_duration_seconds {sweep.seconds:.3f}",
              "# HELP ipsec_sweep_timestamp_seconds When the last sweep started (Unix time).",
              "# TYPE ipsec_sweep_timestamp_seconds gauge",
              f"ipsec_sweep_timestamp_seconds {_epoch(sweep.started_at)}"]
    return "\n".join(lines) + "\n"


def _epoch(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def write_atomic(path: Path, text: str) -> None:
    """Write then rename, so a scraper never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def markdown(sweep: SweepResult, changes: list[Change], since: dict[str, str | None]) -> str:
    s = sweep.to_json()["sweep"]
    out = [f"# IPsec sweep {sweep.started_at}", "",
           f"{s['tunnels']} tunnels on {s['devices']} devices in {sweep.seconds:.1f} s: "
           + ", ".join(f"{k} {v}" for k, v in s["summary"].items()), ""]
    if changes:
        out += ["## Changes", ""]
        out += [f"- **{c.tunnel}**: {c.previous or 'new'} -> {c.current} at {c.at}"
                + (f" (flapping: {c.flaps_last_hour} changes in the last hour)" if c.flaps_last_hour > 1 else "")
                for c in changes]
        out.append("")
    out += ["## Tunnels", "", "| tunnel | status | root cause | since | summary | reference |",
            "| --- | --- | --- | --- | --- | --- |"]
    for r in sweep.results:
        rc = r.diagnosis.root_cause
        out.append(f"| {r.tunnel} | {r.status} | {rc.code} | {since.get(r.tunnel) or ''} | {rc.summary.replace('|', '/')} "
                   f"| {_md_sources(rc)} |")
    if s["device_errors"]:
        out += ["", "## Devices that could not be read", ""] + [f"- {n}: {e}" for n, e in s["device_errors"].items()]
    return "\n".join(out) + "\n"


def _md_sources(f: Finding) -> str:
    """The root cause's Cisco references, each a link when the document has a URL."""
    return "<br>".join(f"[{c}]({c.url})" if c.url else str(c) for c in f.sources).replace("|", "/")


def _html_sources(f: Finding) -> str:
    return "<br>".join(f"<a href='{html.escape(c.url)}'>{html.escape(str(c))}</a>" if c.url else html.escape(str(c))
                       for c in f.sources)


def html_report(sweep: SweepResult, changes: list[Change], since: dict[str, str | None]) -> str:
    rows = "".join(
        f"<tr class='{html.escape(r.status)}'><td>{html.escape(r.tunnel)}</td><td>{html.escape(r.status)}</td>"
        f"<td>{html.escape(r.diagnosis.root_cause.code)}</td><td>{html.escape(since.get(r.tunnel) or '')}</td>"
        f"<td>{html.escape(r.diagnosis.root_cause.summary)}</td><td>{_html_sources(r.diagnosis.root_cause)}</td></tr>"
        for r in sweep.results
    )
    change_items = "".join(f"<li>{html.escape(c.tunnel)}: {html.escape(c.previous or 'new')} &rarr; "
                           f"{html.escape(c.current)} at {html.escape(c.at)}</li>" for c in changes)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>IPsec sweep</title><style>"
        "td,th{padding:2px 8px;text-align:left}.down{background:#f4cccc}.degraded{background:#fff2cc}"
        ".unknown{background:#e6e6fa}</style></head><body>"
        f"<h1>IPsec sweep {html.escape(sweep.started_at)}</h1>"
        + (f"<h2>Changes</h2><ul>{change_items}</ul>" if changes else "")
        + "<table><tr><th>tunnel</th><th>status</th><th>root cause</th><th>since</th><th>summary</th>"
        "<th>reference</th></tr>"
        + rows + "</table></body></html>\n"
    )
