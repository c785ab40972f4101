"""The messengers this build has: every package under bot/adapters with a `plugin.py`.

Found by listing the packages, so a new messenger is one new package and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from bot.adapters.base import Plugin
from bot.kernel.config import Config

_HERE = Path(__file__).parent


@cache
def plugins() -> dict[str, Plugin]:
    """Every plugin by name, console first, then in name order."""
    found: dict[str, Plugin] = {}
    for info in sorted(pkgutil.iter_modules([str(_HERE)]), key=lambda m: m.name):
        if not info.ispkg or not (_HERE / info.name / "plugin.py").exists():
            continue
        module = importlib.import_module(f"bot.adapters.{info.name}.plugin")
        plugin = module.PLUGIN
        if not isinstance(plugin, Plugin) or plugin.name != info.name:
            raise TypeError(f"bot/adapters/{info.name}/plugin.py: PLUGIN must be its Plugin")
        found[plugin.name] = plugin
    order = sorted(found, key=lambda n: (n != "console", n))
    return {n: found[n] for n in order}


def plugin(name: str) -> Plugin | None:
    return plugins().get(name)


def enabled(config: Config) -> list[Plugin]:
    return [p for p in plugins().values() if p.enabled(config)]
