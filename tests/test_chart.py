"""The digest chart: Chinese glyphs really drawn (not boxes), the English fallback, literal `$`,
identical bytes for identical data, the empty chart, and the text table's figures."""

from __future__ import annotations

import threading
import warnings
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

from bot.kernel.messages import Card
from jobs import chart as chart_mod
from jobs import chart_fonts
from jobs.chart import ChartData, ChartDay, build_figure, chart_table, render_chart
from jobs.chart_text import compact, nice_ticks
from tests.conftest import IN_CI

DEJAVU = Path(font_manager.findfont(FontProperties(family="DejaVu Sans")))
LABEL = "逾期账龄准时率"


@pytest.fixture
def cjk() -> Path:
    """The machine's CJK font; CI must have one (.ci/run installs it), elsewhere a skip."""
    found = chart_fonts.cjk_font()
    if found is None:
        reason = f"{chart_fonts.INSTALL_HINT} (fc-list :lang=zh finds none that covers the labels)"
        if IN_CI:
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    return found


def _data(days: int = 30, on_time: tuple[tuple[str, D | None], ...] | None = None) -> ChartData:
    first = date(2026, 10, 30)
    rows = tuple(
        ChartDay(
            first + timedelta(i),
            (D(1_200_000 + 10_000 * i), D("800000.50"), D(300_000 + 7_000 * i), D(90_000)),
            D(1_190_000 + 7_000 * i),
            D(45 + i % 5) if i != 3 else None,
        )
        for i in range(days)
    )
    teams = on_time if on_time is not None else (("sales", D("0.93")), ("finance", None))
    return ChartData("CNY", ("Current", "1-30", "31-60", "60+"), rows, teams)


def _draw(text: str, font: Path) -> np.ndarray:
    """`text` drawn alone in `font` (40 pt), as RGBA pixels."""
    fig = Figure(figsize=(6, 1.2), dpi=100)
    FigureCanvasAgg(fig)
    props = FontProperties(fname=str(font), size=40)
    fig.text(0.02, 0.25, text, fontproperties=props, parse_math=False)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Glyph .* missing from font")  # the boxes wanted here
        fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()  # type: ignore[attr-defined]


def _texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]


# --- the font -------------------------------------------------------------------------------


def test_the_cjk_font_draws_glyphs_where_a_latin_font_draws_boxes(cjk: Path) -> None:
    # The control: DejaVu Sans has no CJK, so two different characters come out as the same
    # missing-glyph box. The CJK font must draw them apart, and unlike the box.
    tofu_a, tofu_b = _draw("逾", DEJAVU), _draw("龄", DEJAVU)
    assert np.array_equal(tofu_a, tofu_b), "the control failed: DejaVu drew CJK glyphs"
    glyph_a, glyph_b = _draw("逾", cjk), _draw("龄", cjk)
    assert not np.array_equal(glyph_a, glyph_b)
    assert not np.array_equal(glyph_a, tofu_a)
    assert (glyph_a[..., :3] < 128).any(), "nothing was drawn"
    # And the whole label, character by character, against its tofu.
    assert not np.array_equal(_draw(LABEL, cjk), _draw(LABEL, DEJAVU))
    for char in chart_fonts.REQUIRED:
        assert not np.array_equal(_draw(char, cjk), tofu_a), f"{char!r} is a box in {cjk}"


def test_the_chinese_chart_has_no_missing_glyph(cjk: Path, tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = render_chart(_data(), "zh-CN", tmp_path / "zh.png")
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
    assert (result.locale, result.font, result.fell_back, result.cjk) == ("zh-CN", cjk, False, True)
    texts = " ".join(t.get_text() for t in _texts(build_figure(_data(), "zh-CN", cjk)))
    for word in (
        "应收账款",
        "各账龄段未收金额",
        "逾期总额与 DSO",
        "各团队准时率",
        "未到期",
        "无席位",
    ):
        assert word in texts
    assert "万" in texts  # compact amounts on the axis


def test_without_the_cjk_font_the_same_chinese_chart_would_show_boxes(tmp_path: Path) -> None:
    # The negative control for the test above: matplotlib reports each box it draws.
    fig = build_figure(_data(), "zh-CN", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    assert any("missing from font" in str(w.message) for w in caught)


def test_a_font_override_that_cannot_draw_chinese_is_passed_over(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert chart_fonts.check_font(DEJAVU).missing
    broken = tmp_path / "broken.ttc"
    broken.write_bytes(b"not a font")
    assert chart_fonts.check_font(broken).error is not None
    for bad in (DEJAVU, broken):
        monkeypatch.setenv(chart_fonts.ENV_VAR, str(bad))
        assert chart_fonts.cjk_font() != bad


def test_the_font_override_is_used(cjk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(chart_fonts.ENV_VAR, str(cjk))
    assert chart_fonts.cjk_font() == cjk
    assert chart_fonts.check_font(cjk).ok


# --- the fallback, hostile text, determinism --------------------------------------------------


def test_no_cjk_font_means_english_labels(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(chart_mod, "cjk_font", lambda: None)
    data = ChartData("CNY", ("未到期", "1-30天", "90天以上"), _data().days, (("sales", D("0.5")),))
    result = render_chart(data, "zh-CN", tmp_path / "c.png")
    assert (result.locale, result.font, result.fell_back, result.cjk) == ("en", None, True, False)
    assert result.path.read_bytes().startswith(b"\x89PNG")
    texts = [t.get_text() for t in _texts(build_figure(data, result.locale, None))]
    # Every character has a glyph in matplotlib's own font: nothing is a box.
    assert [x for x in texts if chart_fonts.check_font(DEJAVU, x.replace("\n", "")).missing] == []
    assert {"Current", "1-30 days", "90+ days", "Overdue total and DSO"} <= set(texts)
    # English asked for: English drawn, and that is no fallback.
    assert not render_chart(data, "en", tmp_path / "e.png").fell_back


def test_dollar_signs_are_drawn_literally(tmp_path: Path) -> None:
    # Parsed as mathtext, `$\frac{$` would raise while drawing; literal, it is just text.
    team = r"A$\frac{$ $x^2$"
    data = ChartData("$$", ("Current", r"$\alpha$"), _data(3).days, ((team, D("0.8")),))
    result = render_chart(data, "en", tmp_path / "c.png")
    assert result.path.stat().st_size > 0
    fig = build_figure(data, "en", None)
    fig.canvas.draw()
    texts = _texts(fig)
    assert all(not t.get_parse_math() for t in texts)
    drawn = [t.get_text() for t in texts]
    assert team in drawn
    assert r"$\alpha$" in drawn
    assert any("($$)" in text for text in drawn)  # the currency on the overdue legend


def test_the_same_data_gives_the_same_bytes(tmp_path: Path) -> None:
    first = render_chart(_data(), "en", tmp_path / "a.png").path.read_bytes()
    second = render_chart(_data(), "en", tmp_path / "b.png").path.read_bytes()
    assert first == second
    assert b"tEXt" not in first and b"tIME" not in first  # no version, no date
    other = render_chart(_data(29), "en", tmp_path / "c.png").path.read_bytes()
    assert other != first


def test_two_threads_draw_the_same_chart_as_one(tmp_path: Path) -> None:
    alone = render_chart(_data(), "zh-CN", tmp_path / "alone.png").path.read_bytes()
    out: dict[int, bytes] = {}

    def draw(n: int) -> None:
        out[n] = render_chart(_data(), "zh-CN", tmp_path / f"t{n}.png").path.read_bytes()

    threads = [threading.Thread(target=draw, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [out[n] == alone for n in range(3)] == [True, True, True]


def test_no_days_draws_a_no_data_chart(tmp_path: Path) -> None:
    empty = ChartData("USD", ("Current", "1-30"), (), ())
    for locale, words in (("en", "No data yet"), ("zh-CN", "暂无数据")):
        result = render_chart(empty, locale, tmp_path / f"{locale}.png")
        assert result.path.read_bytes().startswith(b"\x89PNG")
        if result.locale == locale:
            texts = [t.get_text() for t in _texts(build_figure(empty, locale, result.font))]
            assert texts.count(words) == 3
    assert not list(tmp_path.glob(".chart-*"))  # no temporary file left behind


def test_the_png_is_portrait_and_phone_wide(tmp_path: Path) -> None:
    data = render_chart(_data(), "en", tmp_path / "c.png").path.read_bytes()
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert (width, height) == (1080, 1700)


# --- the numbers ------------------------------------------------------------------------------


def test_compact_amounts() -> None:
    assert compact(D("12345678"), zh=True) == "1235万"
    assert compact(D("12345678"), zh=False) == "12.3M"
    assert compact(D("150000000"), zh=True) == "1.5亿"
    assert compact(D("15000"), zh=True) == "1.5万"
    assert compact(D("9999"), zh=True) == "9,999"
    assert compact(D("950"), zh=False) == "950"
    assert compact(D("12.5"), zh=False) == "12.5"
    assert compact(D("-2500"), zh=False) == "-2.5k"
    assert compact(D("0"), zh=True) == "0"
    assert compact(D("1E+40"), zh=False).endswith("T")  # no overflow, no exception
    assert nice_ticks(D("1345000")) == [D(0), D(500000), D(1000000), D(1500000)]
    assert nice_ticks(D(0)) == [D(0), D(1)]


def test_the_text_table_holds_the_chart_numbers() -> None:
    data = _data(2, (("sales", D("0.925")), ("$team", None)))
    section = chart_table(data, "zh-CN")
    assert section.title == "应收账款 · CNY（图表数据）"
    assert section.table is not None
    assert section.table.columns == (
        "日期",
        "未到期",
        "1-30天",
        "31-60天",
        "60天以上",
        "逾期",
        "DSO",
    )
    assert section.table.rows == (
        ("10-30", "120万", "80万", "30万", "9万", "119万", "45"),
        ("10-31", "121万", "80万", "30.7万", "9万", "120万", "46"),
    )
    assert [(f.label, f.value) for f in section.fields] == [
        ("准时率 · sales", "93%"),
        ("准时率 · $team", "无席位"),
    ]
    english = chart_table(data, "en")
    assert english.table is not None
    assert english.table.rows[1] == ("10-31", "1.2M", "800k", "307k", "90k", "1.2M", "46")
    text = Card("digest", sections=(english,)).to_text()
    assert "On time · sales: 93%" in text and "http" not in text


def test_an_empty_text_table_says_so() -> None:
    section = chart_table(ChartData("CNY", ("Current",), (), ()), "en")
    assert (section.text, section.table, section.fields) == ("No data yet", None, ())


def test_doctor_names_the_chart_font_or_says_how_to_get_one(
    cjk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import doctor

    [found] = doctor.chart_checks()
    assert (found.status, found.label) == ("ok", "chart font")
    assert chart_fonts.font_name(cjk) in found.detail and str(cjk) in found.detail
    monkeypatch.setattr(chart_fonts, "cjk_font", lambda: None)
    [missing] = doctor.chart_checks()
    assert missing.status == "warn"
    assert missing.detail == (
        "no CJK font: charts use English labels; install fonts-noto-cjk (apt) / "
        "set ARCIRCLE_CJK_FONT=/path/to/font.ttc"
    )
