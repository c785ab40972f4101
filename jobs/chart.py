"""The digest chart: one portrait PNG a phone shows whole (1080 px wide), three panels.

1. outstanding per aging bucket, stacked bars over the last (at most 30) days;
2. the overdue total (left axis) and DSO in days (right axis);
3. the circle's on-time rate per team, horizontal bars in %.

Drawn with matplotlib's Agg canvas on a `Figure` of its own: pyplot's global state is never
touched, so two digests can draw at once in two threads. Every text is drawn literally
(`parse_math=False`): a team called `$\\frac{` would otherwise be parsed as mathtext. Chinese
labels need a CJK font (jobs.chart_fonts); without one the chart is drawn in English and the
result says so. Identical data gives identical bytes (no dates or versions in the PNG).
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.kernel.i18n import t
from jobs.chart_fonts import cjk_font
from jobs.chart_text import (
    ChartData,
    ChartDay,
    bucket_label,
    chart_table,
    clean,
    compact,
    days_text,
    is_zh,
    nice_ticks,
    percent,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

__all__ = ["ChartData", "ChartDay", "ChartResult", "build_figure", "chart_table", "render_chart"]

WIDTH_PX, HEIGHT_PX, DPI = 1080, 1700, 100
TEAMS_IN_BASE, PX_PER_TEAM = 6, 70  # more teams make the image taller, never the bars thinner
# Point sizes at 100 dpi: a phone shows the 1080 px image about 2.7 times smaller.
TITLE, PANEL, TICK, NOTE = 34, 27, 21, 20
_OVERDUE_COLOUR, _DSO_COLOUR = "#c0392b", "#1f5f9e"
_GOOD, _FAIR, _POOR = "#2e8b57", "#e0a100", "#c0392b"


@dataclass(frozen=True)
class ChartResult:
    path: Path
    locale: str  # the language the labels were drawn in: "zh-CN" or "en"
    font: Path | None  # the CJK font drawn with; None: matplotlib's own DejaVu Sans
    fell_back: bool  # Chinese was asked for but no CJK font was found: English labels

    @property
    def cjk(self) -> bool:
        return self.locale == "zh-CN"


def render_chart(data: ChartData, locale: str, path: Path) -> ChartResult:
    """Draw `data` as a PNG at `path` (written whole or not at all) and say how."""
    font = cjk_font()
    wants_zh = is_zh(locale)
    drawn = "zh-CN" if wants_zh and font is not None else "en"
    fig = build_figure(data, drawn, font)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".chart-", suffix=".png", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            # No Software/date chunks: the same data must give the same bytes.
            fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ChartResult(path, drawn, font, fell_back=wants_zh and font is None)


def build_figure(data: ChartData, locale: str, font: Path | None) -> Figure:
    """The chart as a Figure with its own Agg canvas (tests look at its texts)."""
    teams = max(len(data.on_time), 1)
    # Up to 60 teams; past that the bars get thinner (Telegram shows a photo up to 10000 px).
    height = HEIGHT_PX + PX_PER_TEAM * max(0, min(teams, 60) - TEAMS_IN_BASE)
    # matplotlib is imported where a chart is drawn, not at start: it costs about a second of
    # every process's start-up, and most processes never draw.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    fig = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.set_facecolor("white")
    pen = _Pen(font)
    title = t(locale, "chart_title", currency=clean(data.currency, 12))
    if data.days:
        span = t(
            locale,
            "chart_range",
            first=data.days[0].day.isoformat(),
            last=data.days[-1].day.isoformat(),
        )
        title = f"{title}\n{span}"
    fig.suptitle(title, fontproperties=pen.font(TITLE), parse_math=False)
    aging, trend, on_time = fig.subplots(
        3, 1, gridspec_kw={"height_ratios": [1.25, 1.0, 0.45 + 0.14 * teams]}
    )
    zh = locale == "zh-CN"
    _aging(aging, data, locale, zh, pen)
    _trend(trend, data, locale, zh, pen)
    _on_time(on_time, data, locale, pen)
    for text in fig.findobj(Text):
        # Legends and tick labels made by matplotlib included; and never LaTeX, whatever a
        # matplotlibrc on this machine says.
        text.set_parse_math(False)
        text.set_usetex(False)
    return fig


class _Pen:
    """The font every text is drawn with, at a given size."""

    def __init__(self, font: Path | None) -> None:
        from matplotlib.font_manager import FontProperties

        self._base = FontProperties(fname=str(font)) if font else FontProperties("DejaVu Sans")

    def font(self, size: float) -> FontProperties:
        props = self._base.copy()
        props.set_size(size)
        return props


def _no_data(ax: Axes, title: str, locale: str, pen: _Pen) -> None:
    ax.set_title(title, fontproperties=pen.font(PANEL), loc="left", parse_math=False)
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        t(locale, "chart_no_data"),
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="#777777",
        fontproperties=pen.font(PANEL),
        parse_math=False,
    )


def _day_ticks(ax: Axes, days: tuple[ChartDay, ...], pen: _Pen) -> None:
    step = max(1, math.ceil(len(days) / 6))
    ticks = list(range(len(days) - 1, -1, -step))[::-1]  # the newest day always labelled
    ax.set_xticks(
        ticks,
        [days[i].day.strftime("%m-%d") for i in ticks],
        fontproperties=pen.font(TICK),
        parse_math=False,
    )
    ax.set_xlim(-0.6, len(days) - 0.4)


def _amount_ticks(ax: Axes, top: Decimal, zh: bool, pen: _Pen, **style: Any) -> None:
    ticks = nice_ticks(top)
    ax.set_yticks(
        [float(v) for v in ticks],
        [compact(v, zh) for v in ticks],
        fontproperties=pen.font(TICK),
        parse_math=False,
        **style,
    )
    ax.set_ylim(0, float(ticks[-1]))


def _aging(ax: Axes, data: ChartData, locale: str, zh: bool, pen: _Pen) -> None:
    title = t(locale, "chart_aging")
    count = len(data.bucket_labels)
    if not data.days or count == 0:
        _no_data(ax, title, locale, pen)
        return
    ax.set_title(title, fontproperties=pen.font(PANEL), loc="left", parse_math=False)
    from matplotlib import colormaps

    colours = colormaps["RdYlGn_r"]
    xs = list(range(len(data.days)))
    bottoms = [Decimal(0)] * len(data.days)
    for i, label in enumerate(data.bucket_labels):
        heights = [d.buckets[i] if i < len(d.buckets) else Decimal(0) for d in data.days]
        ax.bar(
            xs,
            [float(h) for h in heights],  # pixel positions only: the labels stay Decimal
            bottom=[float(b) for b in bottoms],
            width=0.8,
            color=colours(0.1 + 0.8 * i / max(count - 1, 1)),
            label=bucket_label(label, locale),
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    _day_ticks(ax, data.days, pen)
    _amount_ticks(ax, max(bottoms), zh, pen)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(
        prop=pen.font(NOTE),
        ncols=min(count, 3),
        loc="upper left",
        frameon=False,
        bbox_to_anchor=(0, -0.12),
    )


def _trend(ax: Axes, data: ChartData, locale: str, zh: bool, pen: _Pen) -> None:
    title = t(locale, "chart_trend")
    if not data.days:
        _no_data(ax, title, locale, pen)
        return
    ax.set_title(title, fontproperties=pen.font(PANEL), loc="left", parse_math=False)
    xs = list(range(len(data.days)))
    overdue = [float(d.overdue) for d in data.days]
    label = f"{t(locale, 'chart_overdue')} ({clean(data.currency, 12)})"
    (line,) = ax.plot(xs, overdue, color=_OVERDUE_COLOUR, linewidth=4, label=label)
    ax.fill_between(xs, overdue, color=_OVERDUE_COLOUR, alpha=0.12)
    _day_ticks(ax, data.days, pen)
    _amount_ticks(ax, max(d.overdue for d in data.days), zh, pen, color=_OVERDUE_COLOUR)
    ax.grid(axis="y", alpha=0.3)
    handles = [line]
    dsos = [d.dso for d in data.days if d.dso is not None]
    if dsos:
        right = ax.twinx()
        values = [float(d.dso) if d.dso is not None else math.nan for d in data.days]
        (dso_line,) = right.plot(
            xs,
            values,
            color=_DSO_COLOUR,
            linewidth=4,
            marker="o",
            markersize=7,
            label=t(locale, "chart_dso"),
        )
        ticks = nice_ticks(max(dsos))
        right.set_yticks(
            [float(v) for v in ticks],
            [days_text(v) for v in ticks],
            fontproperties=pen.font(TICK),
            color=_DSO_COLOUR,
            parse_math=False,
        )
        right.set_ylim(0, float(ticks[-1]))
        handles.append(dso_line)
    ax.legend(
        handles=handles,
        prop=pen.font(NOTE),
        loc="upper left",
        frameon=False,
        ncols=2,
        bbox_to_anchor=(0, -0.1),
    )


def _on_time(ax: Axes, data: ChartData, locale: str, pen: _Pen) -> None:
    title = t(locale, "chart_on_time")
    if not data.on_time:
        _no_data(ax, title, locale, pen)
        return
    ax.set_title(title, fontproperties=pen.font(PANEL), loc="left", parse_math=False)
    ys = list(range(len(data.on_time)))
    shares = [share for _, share in data.on_time]
    widths = [float(s * 100) if s is not None else 0.0 for s in shares]
    ax.barh(ys, widths, height=0.6, color=[_colour(s) for s in shares])
    for y, share in zip(ys, shares, strict=True):
        note = percent(share) if share is not None else t(locale, "chart_no_seats")
        x = float(min(max(share, Decimal(0)), Decimal(1)) * 100) if share is not None else 0.0
        ax.text(
            x + 1.5,
            y,
            note,
            va="center",
            fontproperties=pen.font(NOTE),
            color="#333333" if share is not None else "#777777",
            parse_math=False,
        )
    ax.set_yticks(
        ys,
        [clean(team, 18) for team, _ in data.on_time],
        fontproperties=pen.font(TICK),
        parse_math=False,
    )
    ax.set_ylim(len(ys) - 0.5, -0.5)  # the first team on top
    ax.set_xticks(
        [0, 25, 50, 75, 100],
        ["0%", "25%", "50%", "75%", "100%"],
        fontproperties=pen.font(TICK),
        parse_math=False,
    )
    ax.set_xlim(0, 118)  # room for the figure after a full bar
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)


def _colour(share: Decimal | None) -> str:
    if share is None:
        return _FAIR
    if share >= Decimal("0.9"):
        return _GOOD
    return _FAIR if share >= Decimal("0.7") else _POOR
