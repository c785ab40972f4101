"""bench.circle's report: the figures as a table, and rounding for the JSON line."""

from __future__ import annotations

from collections.abc import Sequence

# --------------------------------------------------------------------------------------------
# Report


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "ms":
        return f"{value * 1000:.2f}"
    if kind == "s":
        return f"{value:.3f}"
    if kind == "rate":
        return f"{value:.2f}" if value < 10 else f"{value:,.1f}"
    if kind == "ratio":
        return f"{value:.2f}×"
    return f"{value:,.0f}"


def table(
    rows: Sequence[tuple[str, str, float | None, float | None, str]], heads: list[str]
) -> str:
    grid = [heads]
    for name, kind, ours, peer, ratio_kind in rows:
        if ours is None and peer is None:
            continue
        ratio = None if ours is None or not peer else ours / peer
        grid.append(
            [
                name,
                _fmt(ours, kind),
                _fmt(peer, kind),
                _fmt(ratio, ratio_kind) if ratio_kind else "",
            ]
        )
    from bot.kernel.messages import Table

    figures = tuple(range(1, len(heads)))  # every column but the first, aligned right
    return "\n".join(Table(tuple(heads), tuple(map(tuple, grid[1:])), right=figures).lines())


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)
