"""bench.serve's figures: percentiles per burst level and the report table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.kernel.messages import Table

# --------------------------------------------------------------------------------------------
# Figures


def pct(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank percentile (p99 of 600 values: the 594th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


@dataclass
class Level:
    concurrency: int
    ours: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    answers: dict[str, list[float]] = field(default_factory=dict)  # kind -> seconds
    not_200: int = 0
    missing: int = 0
    failed: int = 0  # answers that were the bot's apology

    def all_answers(self) -> list[float]:
        return [v for values in self.answers.values() for v in values]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def report(levels: Sequence[Level]) -> str:
    heads = ["", "ours", "bare", "ours/bare"]
    grid = [heads]
    for lv in levels:
        for name, p in (("p50", 50), ("p99", 99), ("max", 100)):
            ours, bare = ms(pct(lv.ours, p)), ms(pct(lv.bare, p))
            ratio = f"{ours / bare:.2f}×" if ours is not None and bare else "-"
            grid.append(
                [f"{lv.concurrency} concurrent: ack ms {name}", _fmt(ours), _fmt(bare), ratio]
            )
        answers = lv.all_answers()
        for name, p in (("p50", 50), ("p99", 99)):
            grid.append(
                [
                    f"{lv.concurrency} concurrent: answer ms {name}",
                    _fmt(ms(pct(answers, p))),
                    "",
                    "",
                ]
            )
    figures = tuple(range(1, len(heads)))  # every column but the first, aligned right
    return "\n".join(Table(tuple(heads), tuple(map(tuple, grid[1:])), right=figures).lines())
