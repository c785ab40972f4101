"""The layers of ../DESIGN.md hold: who may import whom, and no package imports itself back.

Read statically (every `import` and `from ... import`, also inside functions and
TYPE_CHECKING blocks), so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The layer of a module, by its dotted name (first match wins).
LAYERS = (
    ("bot.kernel", "kernel"),
    ("bot.adapters", "plugins"),
    ("bot", "root"),
    ("handlers", "handlers"),
    ("jobs", "jobs"),
    ("storage", "storage"),
    ("playbook", "playbook"),
)
# What each layer may import besides itself (DESIGN.md, "layer | holds | may import").
ALLOWED = {
    "playbook": set(),
    "storage": {"playbook"},
    "kernel": {"playbook"},
    "handlers": {"kernel", "playbook", "storage"},
    "jobs": {"kernel", "playbook", "storage"},
    # A plugin dispatches through the router (root) at run time; it never imports the app,
    # the CLI, the HTTP server or another plugin (checked below).
    "plugins": {"kernel", "playbook", "storage", "root", "jobs"},
    "root": {"kernel", "playbook", "storage", "handlers", "jobs", "plugins"},
}
# The only root modules a plugin may import.
PLUGIN_MAY_USE = {"bot.router"}


def layer(module: str) -> str | None:
    for prefix, name in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return name
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            # `from bot import http` names a module, not an attribute.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if layer(name) is not None and _exists(name)}


def _exists(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def sources() -> list[Path]:
    return sorted(
        p
        for top in ("bot", "handlers", "jobs", "storage", "playbook")
        for p in (ROOT / top).rglob("*.py")
    )


def test_every_import_goes_down_the_layers() -> None:
    wrong = []
    for path in sources():
        mine = module_name(path)
        here = layer(mine)
        assert here is not None
        for target in sorted(imports(path)):
            there = layer(target)
            if there is None or there == here:
                continue
            if there not in ALLOWED[here]:
                wrong.append(f"{mine} ({here}) imports {target} ({there})")
            elif here == "plugins" and there == "root" and target not in PLUGIN_MAY_USE:
                wrong.append(f"{mine} (a plugin) imports {target} (composition root)")
    assert wrong == []


def test_a_plugin_never_imports_another() -> None:
    wrong = []
    for path in sources():
        mine = module_name(path)
        if not mine.startswith("bot.adapters."):
            continue
        own = mine.split(".")[2]
        for target in imports(path):
            parts = target.split(".")
            if target.startswith("bot.adapters.") and len(parts) > 2:
                other = parts[2]
                # Another plugin (a package with a plugin.py) is off limits; the shared
                # modules beside them (base, registry, outbound) are what plugins build on.
                plugin = (ROOT / "bot" / "adapters" / other / "plugin.py").exists()
                if other != own and plugin:
                    wrong.append(f"{mine} imports {target}")
    assert wrong == []


def test_no_cycles_between_packages() -> None:
    # Packages: each top-level one, the kernel, each plugin, and the root's own modules.
    def package(module: str) -> str:
        parts = module.split(".")
        if parts[0] == "bot" and len(parts) > 1 and parts[1] == "kernel":
            return "bot.kernel"
        if parts[0] == "bot" and len(parts) > 2 and parts[1] == "adapters":
            return f"bot.adapters.{parts[2]}"
        if parts[0] == "bot" and len(parts) > 1 and parts[1] == "adapters":
            return "bot.adapters"
        return parts[0]

    edges: dict[str, set[str]] = defaultdict(set)
    for path in sources():
        mine = package(module_name(path))
        for target in imports(path):
            there = package(target)
            if there != mine:
                edges[mine].add(there)
    cycles = []
    for start in edges:
        stack = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in edges.get(node, ()):
                if nxt == start:
                    cycles.append(" -> ".join([*trail, start]))
                elif nxt not in trail:
                    stack.append((nxt, [*trail, nxt]))
    assert cycles == []


@pytest.mark.parametrize("name", ["console", "slack", "telegram", "wecom"])
def test_each_messenger_is_a_registered_plugin(name: str) -> None:
    from bot.adapters import registry

    assert name in registry.plugins()
    assert (ROOT / "bot" / "adapters" / name / "plugin.py").exists()
