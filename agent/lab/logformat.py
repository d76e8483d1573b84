"""How a device prints a log line: the stamp its configuration asks for, read from the
configuration's own lines (the renderers of `show logging` and the `terminal monitor`
sessions share it).

ASA (ASA command reference, `logging timestamp`, `logging device-id`): no stamp by
default (corpus ntc/cisco_asa/show_logging/cisco_asa_show_logging_3.raw), `Aug 15 2019
13:44:38: %ASA-...` with `logging timestamp` (cisco_asa_show_logging_1.raw), and a device
id before the message (`ASA5585_HQ : %ASA-...`, the forms ntc's cisco_asa_show_logging
template names).

IOS (`service timestamps log ...`, `service sequence-numbers`): `*Sep 14 05:59:54.113:`
with the clock never set (corpus ntc/cisco_ios/show_logging/cisco_ios_show_logging_5.raw),
`065478: Dec  4 11:01:38.694 EST:` with sequence numbers, msec and a time zone
(cisco_ios_show_logging_4.raw), the uptime form `1d00h:` / `20:44:44:` (seed 001, the debug
examples of "IPsec Troubleshooting: Understanding and Using debug Commands"), and no stamp
with `no service timestamps log`."""

from __future__ import annotations

from datetime import datetime, timezone

from agent.lab.model import DeviceConfig, LogLine, Platform

ASA_TIMESTAMP = "logging timestamp"
ASA_DEVICE_ID = "logging device-id hostname"
IOS_STAMPS = "service timestamps log"
IOS_NO_STAMPS = "no service timestamps log"
IOS_SEQUENCE = "service sequence-numbers"


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def has(cfg: DeviceConfig, line: str) -> bool:
    return any(x == line or x.startswith(line + " ") for x in cfg.extra_lines)


def ios_uptime(seconds: float) -> str:
    """IOS uptime stamps: `20:44:44` under a day, `1d00h` under a week, `2w3d`, `1y2w`."""
    s = max(0, int(seconds))
    days, rest = divmod(s, 86400)
    if days == 0:
        return f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    if days < 7:
        return f"{days}d{rest // 3600:02d}h"
    if days < 365:
        return f"{days // 7}w{days % 7}d"
    return f"{days // 365}y{days % 365 // 7}w"


def _ios_stamp(cfg: DeviceConfig, line: LogLine, boot_time: float) -> str:
    setting = next((x for x in reversed(cfg.extra_lines) if x.startswith((IOS_STAMPS, IOS_NO_STAMPS))), None)
    if setting is None:  # the lab's default: datetime msec, clock not set by NTP
        t = _utc(line.timestamp)
        return f"*{t:%b} {t.day:2d} {t:%H:%M:%S}.{t.microsecond // 1000:03d}: "
    words = setting.split()
    if words[0] == "no":
        return ""
    if "uptime" in words:
        return f"{ios_uptime(line.timestamp - boot_time)}: "
    t = _utc(line.timestamp)
    text = f"{t:%b} {t.day:2d}"
    if "year" in words:
        text += f" {t.year}"
    text += f" {t:%H:%M:%S}"
    if "msec" in words:
        text += f".{t.microsecond // 1000:03d}"
    if "show-timezone" in words:
        text += " UTC"
    synced = any(x.startswith("ntp server") for x in cfg.extra_lines)
    return f"{'' if synced else '*'}{text}: "


def prefix(platform: Platform, cfg: DeviceConfig, line: LogLine, boot_time: float) -> str:
    """What the device prints before the message of ``line``."""
    if platform is Platform.ASA:
        out = ""
        if has(cfg, ASA_TIMESTAMP):
            t = _utc(line.timestamp)
            out = f"{t:%b} {t.day:02d} {t.year} {t:%H:%M:%S}"
        if has(cfg, ASA_DEVICE_ID) and not line.debug:
            return f"{out} {cfg.hostname} : " if out else f"{cfg.hostname} : "
        return f"{out}: " if out else ""
    seq = f"{line.seq:06d}: " if has(cfg, IOS_SEQUENCE) else ""
    return seq + _ios_stamp(cfg, line, boot_time)


def render(platform: Platform, cfg: DeviceConfig, line: LogLine, boot_time: float) -> str:
    return prefix(platform, cfg, line, boot_time) + line.text
