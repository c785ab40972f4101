"""`arcircle doctor`'s digest lines: every digest channel is on a messenger that runs, and
every messenger that runs has one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from bot.adapters import registry
from bot.kernel.config import Config

# (status, label, detail), as bot.doctor.Check takes them.
Line = tuple[Literal["ok", "warn", "fail"], str, str]


def digest_checks(cfg: Config, env: Mapping[str, str]) -> list[Line]:
    digest = cfg.digest
    if not digest.enabled:
        return [("ok", "digest", "disabled (digest.enabled: false)")]
    targets = digest.targets(cfg.company.locale)
    if not targets:
        return [("warn", "digest", "enabled, but digest.channels names no channel")]
    plugins = registry.plugins()
    enabled = {
        name
        for name in type(cfg.platforms).model_fields
        if getattr(cfg.platforms, name).enabled and name in plugins
    }
    lines: list[Line] = []
    for target in targets:
        where = target.path
        if target.platform not in enabled:
            lines.append(
                (
                    "warn",
                    "digest",
                    f"{where}: {target.platform} is not enabled (or has no plugin): "
                    f"no digest goes to {target.channel}",
                )
            )
        elif target.platform == "wecom":
            var = cfg.platforms.wecom.webhooks.get(target.channel, "WECOM_WEBHOOK_KEY")
            if not env.get(var):
                lines.append(
                    (
                        "fail",
                        "digest",
                        f"{where}: no robot key for {target.channel} ({var} is not set): "
                        "the outbox will park its digest",
                    )
                )
    for name in sorted(enabled):
        if not any(t.platform == name for t in targets):
            lines.append(
                ("warn", "digest", f"{name} is enabled but digest.channels has no {name} channel")
            )
    if not lines:
        days = ",".join(digest.days)
        where = ", ".join(f"{t.platform} {t.channel} ({t.locale})" for t in targets)
        lines.append(("ok", "digest", f"{digest.time:%H:%M} {days} → {where}"))
    return lines
