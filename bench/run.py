"""Benchmarks, in one run, on the same lab with the same latencies:

* diagnosis: `diagnose` end to end against the limit (the slowest peer's login plus its
  command delays for the commands the diagnosis ran), against a measured limit (the
  slowest peer alone, the same commands sent by a bare client on the collector's lean
  netmiko driver that finds the prompt once: the lab's own time per command included) and
  against a serial script (stock netmiko) that logs into peer A, runs the same commands,
  then peer B;
* sweep: tunnels per second of `sweep` and of a Nornir (+ nornir_netmiko, threaded
  runner, same worker count) task collecting the same commands from the same devices
  and parsing them with the same templates, peak RSS of each (separate processes);
* parse share: the time spent parsing (TextFSM and building the facts) as a part of a
  diagnosis's and a sweep's wall time: in a diagnosis the CPU time of every thread that
  parses (outputs are parsed as they arrive), in a sweep the facts-building phase after
  the reads (the templates are loaded beside the first logins; that CPU time is reported
  as template_warmup_cpu_s_500).

    python bench/run.py            # the full run (100/500 tunnels on 50/200 devices)
    python bench/run.py --quick    # a small lab, for a smoke test

Writes bench/results/latest.json and bench/results/latest.md.  Benchmarks measure;
they assert nothing."""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent import live as agent_live  # noqa: E402
from agent.collector import TunnelCollector  # noqa: E402
from agent.engine import run as engine_run  # noqa: E402
from agent.lab import scenarios as S  # noqa: E402
from agent.lab.fleet import FleetSpec, build_fleet  # noqa: E402
from agent.lab.runner import RunningLab  # noqa: E402
from agent.lab.scenarios import BuiltLab  # noqa: E402
from agent.parsing import ahead  # noqa: E402
from agent.platforms import tunnel_commands  # noqa: E402

SCENARIOS = ["asa-ios-stale-sa", "asa-ios-psk-mismatch", "ios-ios-healthy", "asa-ios-transform-mismatch",
             "asa-ios-nat-exemption-missing", "ios-ios-routing-missing"]


def set_latency(built: BuiltLab, connect: float, command: float, jitter: float) -> None:
    for dev in built.lab.devices.values():
        dev.ssh.connect_delay, dev.ssh.command_delay, dev.ssh.command_jitter = connect, command, jitter


class ParseTimer:
    """Adds up the CPU time spent parsing: the facts builder's (main thread) and the
    collector's parse-ahead worker's (each output parsed as it arrives).  CPU time of the
    thread that parses, so that work done while another thread waits counts in full and a
    wait for the GIL does not."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._lock = threading.Lock()
        self.targets = [(engine_run, "build_peer_facts"), (ahead, "parse")]
        self.originals = [getattr(mod, name) for mod, name in self.targets]

    def __enter__(self) -> ParseTimer:
        for (mod, name), original in zip(self.targets, self.originals, strict=True):
            setattr(mod, name, self._timed(original))
        return self

    def _timed(self, original: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds += time.thread_time() - t

        return timed

    def __exit__(self, *exc: object) -> None:
        for (mod, name), original in zip(self.targets, self.originals, strict=True):
            setattr(mod, name, original)


def bench_diagnosis(name: str, lat: dict[str, float]) -> dict[str, Any]:
    built = S.build(name)
    set_latency(built, lat["connect"], lat["command"], lat["jitter"])
    with RunningLab(built) as lab:
        before = {n: len(d.state.commands) for n, d in built.lab.devices.items()}
        with ParseTimer() as pt:
            t = time.perf_counter()
            with TunnelCollector(built.tunnels[0].name, lab.targets()) as col:
                live = agent_live.diagnose_live(col, lab.probe())
            agent_s = time.perf_counter() - t
        ran = {n: d.state.commands[before[n]:] for n, d in built.lab.devices.items()}
    limit = max(lat["connect"] + len(cmds) * (lat["command"] + lat["jitter"] / 2) for cmds in ran.values())
    serial_s = sum(serial_script(name, lat, ran).values())
    # the slowest peer alone, its commands sent by a bare netmiko client that finds the prompt once
    measured = max(serial_script(name, lat, ran, prompt_once=True).values())
    return {"scenario": name, "root_cause": live.diagnosis.root_cause.code, "agent_s": round(agent_s, 3),
            "limit_s": round(limit, 3), "measured_limit_s": round(measured, 3),
            "ratio_to_measured_limit": round(agent_s / measured, 3),
            "serial_s": round(serial_s, 3), "ratio_to_limit": round(agent_s / limit, 3),
            "ratio_to_serial": round(agent_s / serial_s, 3), "commands": {n: len(c) for n, c in ran.items()},
            "parse_share": round(pt.seconds / agent_s, 4)}


def serial_script(name: str, lat: dict[str, float], ran: dict[str, list[str]],
                  prompt_once: bool = False) -> dict[str, float]:
    """What an engineer's script does: log into A, run the commands, then B (stock netmiko,
    ``ConnectHandler``).  Returns the seconds per peer: their sum is the serial script.
    With ``prompt_once``, the fastest netmiko client this project has (the collector's lean
    driver, the prompt found once) and nothing else: their maximum is the measured limit,
    what the slowest peer costs with the lab's own time per command included, which the
    injected-delay limit leaves out."""
    from netmiko import ConnectHandler

    from agent.collector.driver import DRIVERS, prompt_pattern

    built = S.build(name)
    set_latency(built, lat["connect"], lat["command"], lat["jitter"])
    setup = {"terminal length 0", "terminal width 511", "terminal pager 0", "show curpriv", "configure terminal", "end",
             "exit", "enable"}
    per_peer: dict[str, float] = {}
    with RunningLab(built) as lab:
        for dev_name, cmds in ran.items():
            params = lab.netmiko_params(dev_name)
            t = time.perf_counter()
            with (DRIVERS[params["device_type"]](**params) if prompt_once else ConnectHandler(**params)) as conn:
                expect = None
                if prompt_once:  # netmiko's default finds the prompt again before every command
                    expect = prompt_pattern(str(conn.lean_prompt))
                else:
                    conn.enable()
                for cmd in cmds:
                    if cmd not in setup:
                        conn.send_command(cmd, read_timeout=30, expect_string=expect)
            per_peer[dev_name] = time.perf_counter() - t
    return per_peer


# ---------------------------------------------------------------- sweep (children)


def child_sweep(kind: str, fleet: str, workers: int, lat: dict[str, float]) -> dict[str, Any]:
    built = build_fleet(FleetSpec.parse(fleet))
    set_latency(built, lat["connect"], lat["command"], lat["jitter"])
    with RunningLab(built) as lab:
        t = time.perf_counter()
        if kind == "agent":
            from agent.sweep.runner import SweepPeer, SweepTunnel, run_sweep

            tunnels = []
            for i, tun in enumerate(built.tunnels):
                a, b = lab.targets(i)
                tunnels.append(SweepTunnel(tun.name, (SweepPeer(a.name, a.platform, a.crypto_endpoint or "", a.connection),
                                                      SweepPeer(b.name, b.platform, b.crypto_endpoint or "", b.connection))))
            result = run_sweep(tunnels, workers)
            parse_s, warm_s = result.parse_seconds, result.warm_seconds
        else:
            parse_s, warm_s = nornir_sweep(built, lab, workers), 0.0
        seconds = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "tunnels": len(built.tunnels), "parse_s": parse_s, "warm_s": warm_s, "rss_mb": rss_mb}


def nornir_sweep(built: BuiltLab, lab: RunningLab, workers: int) -> float:
    """The usual Nornir script: per host, the tunnel command set for each of its tunnels,
    parsed with the same templates."""
    import tempfile

    import yaml
    from nornir import InitNornir
    from nornir.core.task import Result, Task
    from nornir_netmiko.tasks import netmiko_send_command

    from agent.parsing import parse

    peers_of: dict[str, list[str]] = {}
    for t in built.tunnels:
        peers_of.setdefault(t.a, []).append(str(t.b_endpoint))
        peers_of.setdefault(t.b, []).append(str(t.a_endpoint))
    hosts = {}
    for name in built.lab.devices:
        p = lab.netmiko_params(name)
        hosts[name] = {"hostname": "127.0.0.1", "port": p["port"], "username": p["username"], "password": p["password"],
                       "platform": p["device_type"],
                       "connection_options": {"netmiko": {"extras": {"secret": p["secret"]}}}}
    host_file = Path(tempfile.mkdtemp(prefix="nornir-")) / "hosts.yaml"
    host_file.write_text(yaml.safe_dump(hosts))
    nr = InitNornir(runner={"plugin": "threaded", "options": {"num_workers": workers}},
                    inventory={"plugin": "SimpleInventory", "options": {"host_file": str(host_file)}},
                    logging={"enabled": False})
    parse_s = [0.0]

    def task(t: Task) -> Result:
        outs = 0
        for peer in peers_of.get(t.host.name, []):
            for spec in tunnel_commands(t.host.platform or "", peer):
                if not spec.sweep:  # the same command set as the agent's sweep
                    continue
                r = t.run(task=netmiko_send_command, command_string=spec.command, enable=True)
                p0 = time.perf_counter()
                parse(t.host.platform or "", spec.command, str(r.result))
                parse_s[0] += time.perf_counter() - p0
                outs += 1
        return Result(host=t.host, result=outs)

    nr.run(task=task)
    nr.close_connections()
    return parse_s[0]


def run_child(kind: str, fleet: str, workers: int, lat: dict[str, float]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", kind, fleet, str(workers), json.dumps(lat)],
                         capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", nargs=4)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = ap.parse_args()
    if args.child:
        kind, fleet, workers, lat = args.child
        print(json.dumps(child_sweep(kind, fleet, int(workers), json.loads(lat))))
        return
    lat = {"connect": 0.3, "command": 0.05, "jitter": 0.02}
    fleets = {"100": "100:50", "500": "500:200"}
    scenarios = SCENARIOS
    workers = 16
    if args.quick:
        lat = {"connect": 0.05, "command": 0.01, "jitter": 0.0}
        fleets = {"100": "10:6", "500": "20:10"}
        scenarios = SCENARIOS[:1]
        workers = 4
    diag = [bench_diagnosis(name, lat) for name in scenarios]
    sweep: dict[str, Any] = {"tunnels_per_s": {"agent": {}, "nornir": {}}, "seconds": {"agent": {}, "nornir": {}},
                             "peak_rss_mb": {}, "workers": workers, "fleets": fleets}
    parse_share_sweep = 0.0
    for size, fleet in fleets.items():
        for kind in ("agent", "nornir"):
            r = run_child(kind, fleet, workers, lat)
            sweep["tunnels_per_s"][kind][size] = round(r["tunnels"] / r["seconds"], 2)
            sweep["seconds"][kind][size] = round(r["seconds"], 2)
            sweep["peak_rss_mb"][f"{kind}_{size}"] = round(r["rss_mb"], 1)
            if kind == "agent" and size == "500":
                parse_share_sweep = r["parse_s"] / r["seconds"]
                # loading the templates runs beside the first logins: reported, not in the share
                sweep["parse_seconds_500"] = round(r["parse_s"], 3)
                sweep["template_warmup_cpu_s_500"] = round(r["warm_s"], 3)
    tp = sweep["tunnels_per_s"]
    sweep["ratio_agent_to_nornir"] = {s: round(tp["agent"][s] / tp["nornir"][s], 2) for s in fleets}
    sweep["growth_100_to_500"] = {k: round(sweep["seconds"][k]["500"] / sweep["seconds"][k]["100"], 2) for k in tp}
    doc = {
        "lab": {"latency": lat, "machine_cores": __import__("os").cpu_count(), "quick": args.quick},
        "diagnosis": {
            "median_ratio_to_limit": round(statistics.median(d["ratio_to_limit"] for d in diag), 4),
            "median_ratio_to_serial": round(statistics.median(d["ratio_to_serial"] for d in diag), 4),
            "median_ratio_to_measured_limit": round(statistics.median(d["ratio_to_measured_limit"] for d in diag), 4),
            "per_scenario": diag,
        },
        "sweep": sweep,
        "parse_share": {"diagnosis": round(statistics.median(d["parse_share"] for d in diag), 4),
                        "sweep": round(parse_share_sweep, 4)},
        "command": "python bench/run.py" + (" --quick" if args.quick else ""),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(doc, indent=2) + "\n")
    (out / "latest.md").write_text(markdown(doc))
    print(markdown(doc))


def markdown(doc: dict[str, Any]) -> str:
    d, s = doc["diagnosis"], doc["sweep"]
    lines = [f"Benchmark (`{doc['command']}`), latency {doc['lab']['latency']}", "",
             "| diagnosis | root cause | agent s | limit s | measured limit s | serial s | agent/limit "
             "| agent/measured limit | agent/serial |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {x['scenario']} | {x['root_cause']} | {x['agent_s']} | {x['limit_s']} | {x['measured_limit_s']} | "
              f"{x['serial_s']} | {x['ratio_to_limit']} | {x['ratio_to_measured_limit']} | {x['ratio_to_serial']} |"
              for x in d["per_scenario"]]
    lines += ["", f"median agent/limit {d['median_ratio_to_limit']}, agent/measured limit "
              f"{d['median_ratio_to_measured_limit']}, agent/serial {d['median_ratio_to_serial']}", "",
              "| sweep | agent tunnels/s | nornir tunnels/s | ratio | agent RSS MB | nornir RSS MB |",
              "| --- | --- | --- | --- | --- | --- |"]
    for size, fleet in s["fleets"].items():
        lines.append(f"| {fleet} | {s['tunnels_per_s']['agent'][size]} | {s['tunnels_per_s']['nornir'][size]} | "
                     f"{s['ratio_agent_to_nornir'][size]} | {s['peak_rss_mb'][f'agent_{size}']} | "
                     f"{s['peak_rss_mb'][f'nornir_{size}']} |")
    lines += ["", f"growth of sweep time from the small to the large fleet: {s['growth_100_to_500']}",
              f"parse share: diagnosis {doc['parse_share']['diagnosis']}, sweep {doc['parse_share']['sweep']}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
