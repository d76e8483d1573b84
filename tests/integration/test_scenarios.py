"""Every lab scenario over real SSH, driven by plain netmiko as a user's script would:
the probe is the device's own `ping`, and what the seeds say the fault looks like is
read from the rendered `show` commands.  Repairs (clear, reapply) are typed as an
engineer would type them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from netmiko import ConnectHandler

from agent.lab import scenarios as S
from agent.lab.runner import RunningLab

pytestmark = pytest.mark.integration

NAMES = sorted(S.catalog())
IKE_STATE = re.compile(r"\b(MM_\w+|QM_IDLE|AM_\w+|AG_\w+|CONF_XAUTH)\b")
IKEV2_STATE = re.compile(r"(?<![\w-])(READY|IN-NEG|DELETE)\b")


@contextmanager
def lab(name: str) -> Iterator[tuple[S.BuiltLab, RunningLab]]:
    built = S.build(name)
    with RunningLab(built) as running:
        yield built, running


def connect(running: RunningLab, name: str) -> Any:
    return ConnectHandler(**running.netmiko_params(name), conn_timeout=10, banner_timeout=10, auth_timeout=10)


def ping_command(built: S.BuiltLab, side: str, repeat: int = 5) -> str:
    t = built.tunnels[0]
    itf, target = t.a_probe if side == "a" else t.b_probe
    dev = built.device(side)
    if dev.platform.value == "cisco_asa":
        return f"ping {itf} {target} repeat {repeat}"
    return f"ping {target} source {itf} repeat {repeat}"


def success_rate(output: str) -> int:
    m = re.search(r"Success rate is (\d+) percent", output)
    assert m, output
    return int(m.group(1))


def counters(ipsec: str, name: str) -> int:
    return sum(int(v) for v in re.findall(rf"#pkts {name}: (\d+)", ipsec))


def has_ipsec_sa(ipsec: str) -> bool:
    return re.search(r"inbound esp sas:\s*\n\s*spi: 0x[0-9A-Fa-f]+", ipsec) is not None


def check_side(conn: Any, platform: str, obs: S.SideObservation) -> list[str]:
    isakmp = conn.send_command("show crypto isakmp sa")
    ipsec = conn.send_command("show crypto ipsec sa")
    problems = []
    if obs.isakmp_state and obs.isakmp_state not in IKE_STATE.findall(isakmp):
        problems.append(f"isakmp state {obs.isakmp_state} not in:\n{isakmp}")
    if obs.no_isakmp_sa and IKE_STATE.search(isakmp):
        problems.append(f"unexpected IKE SA:\n{isakmp}")
    if obs.ikev2_state or obs.no_ikev2_sa:
        ikev2 = conn.send_command("show crypto ikev2 sa")
        if obs.ikev2_state and obs.ikev2_state not in IKEV2_STATE.findall(ikev2):
            problems.append(f"IKEv2 state {obs.ikev2_state} not in:\n{ikev2}")
        if obs.no_ikev2_sa and IKEV2_STATE.search(ikev2):
            problems.append(f"unexpected IKEv2 SA:\n{ikev2}")
    if obs.ipsec_sa is not None and has_ipsec_sa(ipsec) != obs.ipsec_sa:
        problems.append(f"IPsec SA expected={obs.ipsec_sa}:\n{ipsec}")
    for name, want in (("encaps", obs.encaps), ("decaps", obs.decaps)):
        if want is None:
            continue
        value = counters(ipsec, name)
        if (want == "zero") != (value == 0):
            problems.append(f"#pkts {name} = {value}, expected {want}")
    if obs.log:
        logging = conn.send_command("show logging")
        problems += [f"no log line with {text!r}" for text in obs.log if text not in logging]
    if obs.asp_drop:
        asp = conn.send_command("show asp drop")
        if obs.asp_drop not in asp:
            problems.append(f"{obs.asp_drop!r} not in show asp drop:\n{asp}")
    return problems


def check_ra(conn: Any, obs: S.RaObservation, pool_name: str) -> list[str]:
    """A remote-access headend as seed 003 verifies it, read with the stock netmiko client
    (the session database on the ASA; the pool table, in each platform's layout)."""
    problems = []
    if obs.pool_free is not None:
        pool = conn.send_command(f"show ip local pool {pool_name}")
        # ASA: Begin End Mask Free Held In-use; IOS: Pool Begin End Free In-use
        m = re.search(r"^\s*(?:\S+\s+){2}(?:\S+\s+)?(\d+)\s+\d+(?:\s+\d+)?\s*$", pool, re.M)
        if m is None or int(m.group(1)) != obs.pool_free:
            problems.append(f"pool free expected {obs.pool_free}:\n{pool[:300]}")
    if obs.sessions is None and obs.transport is None:
        return problems
    sessions = conn.send_command("show vpn-sessiondb detail ra-ikev1-ipsec")
    if obs.sessions is not None:
        count = len(re.findall(r"^Username\s*:\s*\S+\s+Index", sessions, re.M))
        if count != obs.sessions:
            problems.append(f"{count} sessions, expected {obs.sessions}:\n{sessions}")
    if obs.transport is not None and ("Encapsulation: Transport" in sessions) != obs.transport:
        problems.append(f"transport mode expected={obs.transport}:\n{sessions}")
    return problems


def _reachable(sc: S.Scenario, side: str) -> bool:
    faults = sc.ssh.get(side, {})  # type: ignore[call-overload]
    return not (faults.get("refuse_auth") or faults.get("refuse_enable") or faults.get("banner_delay") or faults.get("drop_after_commands"))


@pytest.mark.parametrize("name", NAMES)
def test_scenario_over_ssh(name: str) -> None:
    with lab(name) as (built, running):
        sc = built.scenario
        assert sc is not None
        if sc.observe.after_probe:
            with connect(running, built.device(sc.probe).name) as conn:
                conn.enable()
                out = conn.send_command(ping_command(built, sc.probe), read_timeout=30)
            if sc.observe.ping is not None:
                assert (success_rate(out) >= 60) == (sc.observe.ping == "success"), out
        problems: list[str] = []
        if sc.observe.ra is not None and sc.remote_access is not None:
            with connect(running, built.device("a").name) as conn:
                conn.enable()
                problems += check_ra(conn, sc.observe.ra, sc.remote_access.pool or "")
        for side in built.sides:
            obs: S.SideObservation = getattr(sc.observe, side)
            if obs == S.SideObservation() or not _reachable(sc, side):
                continue
            dev = built.device(side)
            with connect(running, dev.name) as conn:
                conn.enable()
                problems += [f"{dev.name}: {p}" for p in check_side(conn, dev.platform.value, obs)]
        assert not problems, "\n".join(problems)


def _clear(conn: Any, platform: str, peer: str) -> None:
    if platform == "cisco_asa":
        conn.send_command(f"clear crypto ipsec sa peer {peer}")
        conn.send_command(f"clear crypto ikev1 sa {peer}")
        conn.send_command(f"clear crypto ikev2 sa {peer}")
    else:
        conn.send_command(f"clear crypto session remote {peer}")


def _tunnel_works(built: S.BuiltLab, running: RunningLab, side: str) -> bool:
    with connect(running, built.device(side).name) as conn:
        conn.enable()
        conn.send_command(ping_command(built, side), read_timeout=30)
        rate = success_rate(conn.send_command(ping_command(built, side), read_timeout=30))
    return rate == 100


CLEARABLE = [n for n in NAMES if S.get(n).repair == "clear"]
NOT_CLEARABLE = [n for n in NAMES if S.get(n).repair == "none" and S.get(n).observe.ping == "fail"]


@pytest.mark.lab_direct  # drives the device as an operator would, not through the agent
@pytest.mark.parametrize("name", CLEARABLE + NOT_CLEARABLE)
def test_clearing_sas_repairs_only_stale_state(name: str) -> None:
    with lab(name) as (built, running):
        t = built.tunnels[0]
        for side, peer in (("a", t.b_nat or t.b_endpoint), ("b", t.a_nat or t.a_endpoint)):  # as each side sees the other
            dev = built.device(side)
            with connect(running, dev.name) as conn:
                conn.enable()
                _clear(conn, dev.platform.value, str(peer))
        assert _tunnel_works(built, running, built.scenario.probe if built.scenario else "a") == (name in CLEARABLE)


@pytest.mark.lab_direct  # drives the device as an operator would, not through the agent
def test_reapplying_the_crypto_map_repairs_its_scenario() -> None:
    with lab("asa-ios-map-incomplete") as (built, running):
        asa = built.device("a")
        assert not _tunnel_works(built, running, "a")
        with connect(running, asa.name) as conn:
            conn.enable()
            out = conn.send_config_set(
                ["no crypto map OUTSIDE_MAP interface outside", "crypto map OUTSIDE_MAP interface outside"]
            )
            assert "Invalid" not in out
        assert _tunnel_works(built, running, "a")


def test_invalid_command_answers_like_the_device() -> None:
    with lab("asa-ios-healthy") as (built, running):
        for side, marker in (("a", "ERROR: % Invalid input detected at '^' marker."), ("b", "% Invalid input detected at '^' marker.")):
            with connect(running, built.device(side).name) as conn:
                conn.enable()
                out = conn.send_command("show crypto bogus sa")
                assert marker in out
                caret = next(line for line in out.splitlines() if line.strip() == "^")
                assert caret.index("^") > 10  # under 'bogus', past the prompt
                assert conn.send_command("show crypt isakmp sa")  # abbreviations work
