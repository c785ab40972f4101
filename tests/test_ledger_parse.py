from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from storage import ledger_amounts, ledger_cell, ledger_dates
from storage.ledger_amounts import parse_money
from storage.ledger_parse import (
    ParseError,
    Table,
    parse_amount,
    parse_bool,
    parse_currency,
    parse_date,
    parse_terms,
    read_table,
)

# ---------------------------------------------------------------------------------------
# parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2013-06-30", date(2013, 6, 30)),
        ("2013/06/30", date(2013, 6, 30)),
        ("2013.06.30", date(2013, 6, 30)),
        ("2013-6-3", date(2013, 6, 3)),
        ("2013-06-30 12:38", date(2013, 6, 30)),
        ("2013-06-30 12:38:00.123", date(2013, 6, 30)),
        ("2013-06-30T12:38:00Z", date(2013, 6, 30)),
        ("2013-06-30T23:30:00+08:00", date(2013, 6, 30)),
        ("2013-06-30T00:30:00-0500", date(2013, 6, 30)),
        ("20130630", date(2013, 6, 30)),
        ("1/31/2013", date(2013, 1, 31)),
        ("01/31/2013", date(2013, 1, 31)),
        ("1/5/2013", date(2013, 1, 5)),
        ("1/31/13", date(2013, 1, 31)),
        ("1/31/2013 12:38:00 PM", date(2013, 1, 31)),
        ("12/31/99", date(1999, 12, 31)),
        ("1/1/68", date(2068, 1, 1)),
        ("1/1/69", date(1969, 1, 1)),
        ("1/1/00", date(2000, 1, 1)),
        ("31-01-2013", date(2013, 1, 31)),
        ("31.01.2013", date(2013, 1, 31)),
        ("5-3-13", date(2013, 3, 5)),
        ("05.03.13", date(2013, 3, 5)),
        ("30-Nov-15", date(2015, 11, 30)),
        ("30-nov-2015", date(2015, 11, 30)),
        ("30 Nov 2015", date(2015, 11, 30)),
        ("30 NOVEMBER 2015", date(2015, 11, 30)),
        ("Nov 30, 2015", date(2015, 11, 30)),
        ("November 30 2015", date(2015, 11, 30)),
        ("nov 30 2015", date(2015, 11, 30)),
        ("Sept. 5, 2015", date(2015, 9, 5)),
        ("2024年3月5日", date(2024, 3, 5)),
        ("2024年3月5", date(2024, 3, 5)),
        ("2024年03月05日 14:30", date(2024, 3, 5)),
        ("2024年3月5日14:30:00", date(2024, 3, 5)),
        ("41275", date(2013, 1, 1)),
        ("20000", date(1954, 10, 3)),
        ("80000", date(2119, 1, 11)),
        ("  2013-06-30\t", date(2013, 6, 30)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "\t", "\u00a0"])
def test_parse_date_blank_is_none(text: str) -> None:
    assert parse_date(text) is None
    assert parse_date(text, "%d/%m/%Y") is None


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("31/31/2013", ["'31/31/2013' is not a date (expected M/D/YYYY, e.g. 1/31/2013)"]),
        ("13/02/2013", ["'13/02/2013'", "M/D/YYYY", "ledger.date_format: '%d/%m/%Y'"]),
        ("31/01/13", ["'31/01/13'", "M/D/YY", "ledger.date_format: '%d/%m/%y'"]),
        ("0/5/2013", ["'0/5/2013' is not a date (expected M/D/YYYY"]),
        ("45/02/2013", ["'45/02/2013' is not a date (expected M/D/YYYY"]),
        ("2/29/2013", ["'2/29/2013'", "no day 29 in February 2013"]),
        ("2013-02-30", ["'2013-02-30'", "no day 30 in February 2013"]),
        ("2013-06-00", ["'2013-06-00'", "no day 0 in June 2013"]),
        ("2013-13-01", ["'2013-13-01'", "13 is not a month", "YYYY-MM-DD"]),
        ("30-02-2013", ["'30-02-2013'", "no day 30 in February 2013"]),
        ("02-13-2013", ["'02-13-2013'", "DD-MM-YYYY", "ledger.date_format: '%m-%d-%Y'"]),
        ("02.13.2013", ["'02.13.2013'", "ledger.date_format: '%m.%d.%Y'"]),
        ("20131330", ["'20131330'", "13 is not a month", "YYYYMMDD"]),
        ("2024年13月5日", ["'2024年13月5日'", "13 is not a month"]),
        ("30-Foo-15", ["'30-Foo-15'", "'Foo' is not an English month name"]),
        ("Smarch 3, 2015", ["'Smarch'", "month name"]),
        ("12345", ["'12345'", "Excel day number", "20000", "80000"]),
        ("99999", ["'99999'", "Excel day number"]),
        ("0000-01-01", ["'0000-01-01'", "year 0"]),
        ("2013", ["'2013' is not a date", "ledger.date_format"]),
        ("tomorrow", ["'tomorrow' is not a date", "2013-01-31", "1/31/2013"]),
        ("2013-06-30 garbage", ["'2013-06-30 garbage' is not a date"]),
        ("1.5.2013.7", ["'1.5.2013.7' is not a date"]),
    ],
)
def test_parse_date_rejects(text: str, fragments: list[str]) -> None:
    with pytest.raises(ParseError) as info:
        parse_date(text)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("31/01/2013", "%d/%m/%Y", date(2013, 1, 31)),
        ("01/02/2013", "%d/%m/%Y", date(2013, 2, 1)),  # detection alone would say Jan 2
        ("31/01/2013 12:38", "%d/%m/%Y", date(2013, 1, 31)),
        ("31/01/2013T12:38:00", "%d/%m/%Y", date(2013, 1, 31)),
        ("31/01/13", "%d/%m/%y", date(2013, 1, 31)),
        ("2013-01-31 12:38", "%Y-%m-%d %H:%M", date(2013, 1, 31)),
        ("Jan 31 2013", "%b %d %Y", date(2013, 1, 31)),
    ],
)
def test_parse_date_with_format(text: str, fmt: str, expected: date) -> None:
    assert parse_date(text, fmt) == expected


def test_parse_date_format_overrides_detection() -> None:
    assert parse_date("01/02/2013") == date(2013, 1, 2)
    assert parse_date("01/02/2013", "%d/%m/%Y") == date(2013, 2, 1)


@pytest.mark.parametrize(
    ("text", "fmt", "fragments"),
    [
        (
            "2013-01-31",
            "%d/%m/%Y",
            ["'2013-01-31'", "'%d/%m/%Y'", "ledger.date_format", "31/01/2013"],
        ),
        ("1/31/2013", "%d/%m/%Y", ["'1/31/2013'", "'%d/%m/%Y'"]),
        ("30/02/2013", "%d/%m/%Y", ["'30/02/2013' is not a date", "out of range"]),
        ("31/01/2013", "%Q", ["ledger.date_format '%Q'", "strptime"]),
    ],
)
def test_parse_date_with_format_rejects(text: str, fmt: str, fragments: list[str]) -> None:
    with pytest.raises(ParseError) as info:
        parse_date(text, fmt)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_parse_date_cache_repeats_results_and_errors() -> None:
    first = parse_date("2019-04-01")
    assert parse_date("2019-04-01") is first
    messages = []
    for _ in range(2):
        with pytest.raises(ParseError) as info:
            parse_date("2019-02-31")
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "'2019-02-31'" in messages[0]
    assert parse_date("  ") is None
    assert parse_date("  ") is None


def test_parse_date_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_cell, "CACHE_MAX", 50)
    for day in range(1, 300):
        d = date(2020, 1, 1).toordinal() + day
        text = date.fromordinal(d).isoformat()
        assert parse_date(text) == date.fromordinal(d)
        assert parse_date(text, "%Y-%m-%d") == date.fromordinal(d)
        with pytest.raises(ParseError):
            parse_date(f"{text} garbage")
    assert len(ledger_dates._date_cache) <= 50
    assert len(ledger_dates._date_fmt_cache) <= 50
    assert len(ledger_dates._date_other) <= 50


# ---------------------------------------------------------------------------------------
# parse_amount


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1234.56", "1234.56", None),
        ("1,234.56", "1234.56", None),
        ("$1,234.56", "1234.56", None),
        ("-$1,234.56", "-1234.56", None),
        ("$-1,234.56", "-1234.56", None),
        ("(1,234.56)", "-1234.56", None),
        ("$(1,234.56)", "-1234.56", None),
        ("(USD 1,234.56)", "-1234.56", "USD"),
        ("1234.56-", "-1234.56", None),
        ("1,234.56- ", "-1234.56", None),
        ("+12", "12", None),
        ("USD 1,234.56", "1234.56", "USD"),
        ("usd 1,234.56", "1234.56", "USD"),
        ("1,234.56 EUR", "1234.56", "EUR"),
        ("1,234.56eur", "1234.56", "EUR"),
        ("€1.234,56", "1234.56", "EUR"),
        ("1.234,56 €", "1234.56", "EUR"),
        ("1.234.567,89", "1234567.89", None),
        ("1 234,56", "1234.56", None),
        ("1\u00a0234,56", "1234.56", None),
        ("1\u202f234,56", "1234.56", None),
        ("1\u2009234,56", "1234.56", None),
        ("1'234.56", "1234.56", None),
        ("1 234 567", "1234567", None),
        ("¥1,234", "1234", None),
        ("￥1,234.00", "1234.00", None),
        ("1234.56元", "1234.56", "CNY"),
        ("RMB 1,234", "1234", "CNY"),
        ("CNY1234", "1234", "CNY"),
        ("人民币 12", "12", "CNY"),
        ("₹1,23,456.00", "123456.00", "INR"),
        ("12,34,56,789", "123456789", None),
        ("£5", "5", "GBP"),
        ("₩5000", "5000", "KRW"),
        ("HK$100", "100", "HKD"),
        ("US$ 5", "5", "USD"),
        ("S$5", "5", "SGD"),
        ("A$5", "5", "AUD"),
        ("AU$5", "5", "AUD"),
        ("C$5", "5", "CAD"),
        ("CA$5", "5", "CAD"),
        ("NT$5", "5", "TWD"),
        ("$12 USD", "12", "USD"),
        ("12.", "12", None),
        (".5", "0.5", None),
        ("-.5", "-0.5", None),
        ("1,234", "1234", None),
        ("1,234,567", "1234567", None),
        ("1.234.567", "1234567", None),
        ("1.234", "1.234", None),
        ("12,5", "12.5", None),
        ("12,50", "12.50", None),
        ("1234.50", "1234.50", None),
        ("0.00", "0.00", None),
        ("(0.00)", "0.00", None),
        ("$ -", "0", None),
        ("１２３４．５", "1234.5", None),
        ("12345678901234567890123456789.01", "12345678901234567890123456789.01", None),
        ("-12345678901234567890123456789.01", "-12345678901234567890123456789.01", None),
    ],
)
def test_parse_amount_accepts(text: str, amount: str, currency: str | None) -> None:
    value, cur = parse_amount(text)
    assert isinstance(value, Decimal)
    # str() pins the places as written and rules out exponents; == the exact value.
    assert str(value) == amount
    assert value == Decimal(amount)
    assert cur == currency


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.234,56", "1234.56"),
        ("1.234.567,8", "1234567.8"),
        ("1.234", "1234"),
        ("1,2345", "1.2345"),
        ("12,5", "12.5"),
        ("-1 234,56 EUR", "-1234.56"),
        ("(1.234,56)", "-1234.56"),
    ],
)
def test_parse_amount_decimal_comma(text: str, amount: str) -> None:
    assert str(parse_amount(text, decimal_comma=True)[0]) == amount


@pytest.mark.parametrize(
    ("text", "decimal_comma", "fragments"),
    [
        ("1.5E3", False, ["'1.5E3'", "scientific notation", "1500"]),
        ("2e-3", False, ["'2e-3'", "scientific notation"]),
        ("1,2345", False, ["'1,2345' is ambiguous", "12345", "1.2345", "ledger.decimal_comma"]),
        ("1,23,4", False, ["'1,23,4'", "thousands separators", "groups of three"]),
        ("12 34", False, ["'12 34'", "thousands separators"]),
        ("12.34.56", False, ["'12.34.56'", "thousands separators"]),
        ("12,", False, ["'12,'"]),
        ("1.234,567,89", False, ["'1.234,567,89'", "more than one decimal separator"]),
        ("N/A", False, ["'N/A' is not an amount", "1,234.56"]),
        ("12 apples", False, ["'12 apples' is not an amount"]),
        ("TBD", False, ["'TBD' has no digits"]),
        ("$", False, ["'$' has no digits"]),
        (".", False, ["'.' has no digits"]),
        ("(12", False, ["'(12'", "unbalanced parenthesis"]),
        ("12)", False, ["'12)'", "unbalanced parenthesis"]),
        ("--12", False, ["'--12'", "more than one sign"]),
        ("(-12)", False, ["'(-12)'", "more than one sign"]),
        ("-12-", False, ["'-12-'", "more than one sign"]),
        ("USD 12 EUR", False, ["'USD 12 EUR'", "two currencies", "EUR", "USD"]),
        ("1,234.56", True, ["'1,234.56'", "ledger.decimal_comma", "1.234,56"]),
        ("12.5", True, ["'12.5'", "ledger.decimal_comma"]),
        ("1,2,3", True, ["'1,2,3'", "more than one decimal separator"]),
    ],
)
def test_parse_amount_rejects(text: str, decimal_comma: bool, fragments: list[str]) -> None:
    with pytest.raises(ParseError) as info:
        parse_amount(text, decimal_comma=decimal_comma)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize("text", ["", "   ", "\u00a0"])
def test_parse_amount_blank(text: str) -> None:
    with pytest.raises(ParseError, match=r"^amount is blank$"):
        parse_amount(text)


def test_parse_amount_cache_repeats_results_and_errors() -> None:
    first = parse_money("EUR 9.876,50")
    assert first == (Decimal("9876.50"), "EUR", None)
    assert parse_money("EUR 9.876,50") is first
    assert parse_amount("EUR 9.876,50") == (Decimal("9876.50"), "EUR")
    # The decimal_comma flag is part of the key: the same text means something else.
    assert parse_amount("1.234") == (Decimal("1.234"), None)
    assert parse_amount("1.234", decimal_comma=True) == (Decimal("1234"), None)
    assert parse_amount("1.234") == (Decimal("1.234"), None)
    for _ in range(2):
        with pytest.raises(ParseError, match="scientific"):
            parse_amount("7E2")


def test_parse_amount_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_cell, "CACHE_MAX", 20)
    for n in range(200):
        # Plain numbers skip the cache; a currency sign sends the text through it.
        assert parse_amount(f"${n}.25") == (Decimal(f"{n}.25"), None)
        assert parse_amount(f"{n},25", decimal_comma=True) == (Decimal(f"{n}.25"), None)
        with pytest.raises(ParseError):
            parse_amount(f"{n}.25.0")
    assert len(ledger_amounts._amount_cache) <= 20
    assert len(ledger_amounts._amount_cache_dc) <= 20
    assert len(ledger_amounts._amount_errors) <= 20


# ---------------------------------------------------------------------------------------
# parse_bool, parse_terms, parse_currency


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Y",
        "TRUE",
        "t",
        "1",
        "x",
        "X",
        "✓",
        "是",
        "有",
        "disputed",
        "Disputed",
        "争议",
        " yes ",
    ],
)
def test_parse_bool_true(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["no", "N", "False", "f", "0", "", "  ", "否", "无", "-"])
def test_parse_bool_false(text: str) -> None:
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["maybe", "2", "yes!", "n/a"])
def test_parse_bool_rejects(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_bool(text)
    message = str(info.value)
    assert repr(text) in message
    for word in ("yes", "disputed", "争议", "no", "否"):
        assert word in message


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("30", 30),
        ("Net 30", 30),
        ("NET30", 30),
        ("net  45", 45),
        ("N30", 30),
        ("30 days", 30),
        ("1 day", 1),
        ("30d", 30),
        ("30D", 30),
        ("30天", 30),
        ("月结30天", 30),
        ("月结 60 天", 60),
        ("2/10 Net 30", 30),
        ("30.0", 30),
        ("0", 0),
        ("COD", 0),
        ("cia", 0),
        ("Due on receipt", 0),
        ("DUE UPON RECEIPT", 0),
        ("现结", 0),
        ("3650", 3650),
    ],
)
def test_parse_terms_accepts(text: str, days: int) -> None:
    assert parse_terms(text) == days


@pytest.mark.parametrize("text", ["", "   "])
def test_parse_terms_blank(text: str) -> None:
    assert parse_terms(text) is None


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("-5", ["'-5'", "negative"]),
        ("Net -5", ["'Net -5'", "negative"]),
        ("3651", ["'3651'", "3650"]),
        ("99999", ["'99999'", "3650"]),
        ("30.5", ["'30.5'", "Net 30"]),
        ("end of month", ["'end of month'", "Net 30", "COD"]),
    ],
)
def test_parse_terms_rejects(text: str, fragments: list[str]) -> None:
    with pytest.raises(ParseError) as info:
        parse_terms(text)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("USD", "USD"),
        ("usd", "USD"),
        (" eur ", "EUR"),
        ("xaf", "XAF"),
        ("RMB", "CNY"),
        ("rmb", "CNY"),
        ("元", "CNY"),
        ("人民币", "CNY"),
        ("€", "EUR"),
        ("£", "GBP"),
        ("₹", "INR"),
        ("₩", "KRW"),
        ("HK$", "HKD"),
        ("US$", "USD"),
        ("S$", "SGD"),
        ("A$", "AUD"),
        ("AU$", "AUD"),
        ("C$", "CAD"),
        ("CA$", "CAD"),
        ("NT$", "TWD"),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_currency_accepts(text: str, code: str | None) -> None:
    assert parse_currency(text) == code


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("$", ["'$' is ambiguous", "USD"]),
        ("¥", ["'¥' is ambiguous", "CNY", "JPY"]),
        ("EURO", ["'EURO' is not a currency", "3-letter ISO code"]),
        ("US Dollar", ["'US Dollar' is not a currency"]),
        ("U5D", ["'U5D' is not a currency"]),
        ("XYZ", ["'XYZ' is not a currency", "not an ISO 4217 currency code"]),
        ("ABC", ["'ABC' is not a currency", "not an ISO 4217 currency code"]),
        ("XXX", ["'XXX' is not a currency", "means 'no currency'"]),
        ("xts", ["'xts' is not a currency", "testing"]),
        ("XAU", ["is gold"]),
        ("DEM", ["DEM is no longer a currency"]),
        ("CLF", ["unit of account"]),
    ],
)
def test_parse_currency_rejects(text: str, fragments: list[str]) -> None:
    with pytest.raises(ParseError) as info:
        parse_currency(text)
    for fragment in fragments:
        assert fragment in str(info.value)


# ---------------------------------------------------------------------------------------
# read_table: CSV


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _rows(table: Table) -> list[tuple[int, list[str]]]:
    return list(table.rows)


CHINESE_CSV = '客户,名称,金额\nC001,上海华东机械有限公司,"1,234.56"\nC002,北京测试科技有限公司,99\n'
CHINESE_ROWS = [
    (2, ["C001", "上海华东机械有限公司", "1,234.56"]),
    (3, ["C002", "北京测试科技有限公司", "99"]),
]


@pytest.mark.parametrize(
    ("write_encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_read_csv_detects_encoding(tmp_path: Path, write_encoding: str, detected: str) -> None:
    path = _write(tmp_path / "ledger.csv", CHINESE_CSV, write_encoding)
    table = read_table(path)
    assert table.encoding == detected
    assert table.columns == ["客户", "名称", "金额"]  # no BOM on the first name
    assert _rows(table) == CHINESE_ROWS


def test_read_csv_utf16_excel_unicode_text(tmp_path: Path) -> None:
    text = "客户\t名称\t金额\r\nC001\t上海华东机械有限公司\t1,234.56\r\n"
    table = read_table(_write(tmp_path / "ledger.txt", text, "utf-16"))
    assert table.encoding == "utf-16"
    assert table.delimiter == "\t"
    assert table.columns == ["客户", "名称", "金额"]
    assert _rows(table) == [(2, ["C001", "上海华东机械有限公司", "1,234.56"])]


def test_read_csv_explicit_encoding_wins(tmp_path: Path) -> None:
    path = _write(tmp_path / "ledger.csv", "name,city\nMüller,Köln\n", "latin-1")
    assert _rows(read_table(path, encoding="latin-1")) == [(2, ["Müller", "Köln"])]
    with pytest.raises(ParseError, match="unknown encoding 'klingon'"):
        read_table(path, encoding="klingon")


def test_read_csv_utf8_detection_spans_chunks(tmp_path: Path) -> None:
    # A multi-byte character straddling the 1 MB validation chunk must not look invalid.
    line = "x" * 99 + ",1\n"
    prefix = "a,b\n" + line * (((1 << 20) - 200) // len(line))
    pad = "y" * ((1 << 20) - 1 - len(prefix))  # the prefix is ASCII: chars == bytes
    path = _write(tmp_path / "big.csv", f"{prefix}{pad}华,1\n")
    table = read_table(path)
    assert table.encoding == "utf-8"
    assert _rows(table)[-1][1] == [f"{pad}华", "1"]


def test_read_csv_unclosed_quote(tmp_path: Path) -> None:
    text = 'a,b\n1,2\n"oops,3\n' + "4,5\n" * 40_000
    table = read_table(_write(tmp_path / "ledger.csv", text))
    with pytest.raises(ParseError) as info:
        list(table.rows)
    assert "'ledger.csv', row 3" in str(info.value)
    assert "unclosed double quote" in str(info.value)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_read_csv_detects_delimiter(tmp_path: Path, delimiter: str) -> None:
    lines = [
        ["invoice", "customer", "amount", "due"],
        ["INV-1", "Acme, Inc", "1.234,56", "2013-01-31"],
        ["INV-2", "Beta; GmbH | Co", "12,50", "2013-02-28"],
        ["INV-3", "Gamma\tLtd", "7", ""],
    ]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(lines)
    table = read_table(_write(tmp_path / "ledger.txt", out.getvalue()))
    assert table.delimiter == delimiter
    assert table.columns == lines[0]
    assert _rows(table) == [(2, lines[1]), (3, lines[2]), (4, lines[3])]


def test_read_csv_delimiter_prefers_consistent_columns(tmp_path: Path) -> None:
    # The comma splits the header in two as well, but only ';' splits every row alike.
    text = "customer,city;amount\nAcme,Paris;12,50\nBeta,Oslo;1234\nGamma,Rome;7,25\n"
    table = read_table(_write(tmp_path / "ledger.csv", text))
    assert table.delimiter == ";"
    assert table.columns == ["customer,city", "amount"]
    assert _rows(table)[0] == (2, ["Acme,Paris", "12,50"])


def test_read_csv_explicit_delimiter_wins(tmp_path: Path) -> None:
    path = _write(tmp_path / "ledger.csv", "a;b,c\n1;2,3\n")
    assert read_table(path).delimiter == ","
    table = read_table(path, delimiter=";")
    assert table.columns == ["a", "b,c"]
    assert _rows(table) == [(2, ["1", "2,3"])]
    assert read_table(path, delimiter="\\t").delimiter == "\t"
    with pytest.raises(ParseError, match="single character"):
        read_table(path, delimiter=";;")


def test_read_csv_crlf_quotes_newlines_blank_and_short_rows(tmp_path: Path) -> None:
    text = (
        "\r\n"  # a blank line before the header
        " invoice ,customer,amount,note\r\n"
        'INV-1,"Acme, Inc","1,234.56","first line\r\nsecond line"\r\n'
        "\r\n"
        ",,,\r\n"
        "INV-2,Beta,99\r\n"
        "INV-3,Gamma,5,ok,extra,,\r\n"
    )
    table = read_table(_write(tmp_path / "ledger.csv", text))
    assert table.delimiter == ","
    assert table.columns == ["invoice", "customer", "amount", "note"]
    assert _rows(table) == [
        (3, ["INV-1", "Acme, Inc", "1,234.56", "first line\r\nsecond line"]),
        (6, ["INV-2", "Beta", "99", ""]),
        (7, ["INV-3", "Gamma", "5", "ok", "extra"]),
    ]


def test_read_csv_row_numbers_count_records_not_lines(tmp_path: Path) -> None:
    text = 'a,b\n"x\ny\nz",1\n2,2\n'
    assert _rows(read_table(_write(tmp_path / "ledger.csv", text))) == [
        (2, ["x\ny\nz", "1"]),
        (3, ["2", "2"]),
    ]


def test_read_csv_header_names(tmp_path: Path) -> None:
    text = "\ufeffAmount, Amount ,Date,,Amount,Amount (2),\n1,2,3,4,5,6\n"
    table = read_table(_write(tmp_path / "ledger.csv", text, "utf-8"))
    assert table.columns == [
        "Amount",
        "Amount (3)",
        "Date",
        "column D",
        "Amount (4)",
        "Amount (2)",
    ]


def test_read_csv_header_only(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path / "ledger.csv", "invoice,amount\r\n"))
    assert table.columns == ["invoice", "amount"]
    assert _rows(table) == []


def test_read_csv_rows_stream_and_report_progress(tmp_path: Path) -> None:
    text = "invoice,amount\n" + "".join(f"INV-{n},{n}.00\n" for n in range(20_000))
    path = _write(tmp_path / "ledger.csv", text)
    table = read_table(path)
    assert table.size_bytes == len(text.encode())
    assert iter(table.rows) is table.rows  # an iterator, not a list
    assert table.bytes_read() == 0
    assert next(table.rows) == (2, ["INV-0", "0.00"])
    first = table.bytes_read()
    assert 0 < first < table.size_bytes
    count = 1 + sum(1 for _ in table.rows)
    assert count == 20_000
    assert table.bytes_read() == table.size_bytes


def test_read_csv_bad_bytes_in_gb18030_fallback(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_bytes(b"a,b\n1,\x80\n")  # invalid in UTF-8 and in GB18030
    with pytest.raises(ParseError) as info:
        table = read_table(path)
        list(table.rows)
    assert "'ledger.csv' cannot be read as gb18030" in str(info.value)
    assert "ledger.encoding" in str(info.value)


@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        ("missing.csv", None, ["file not found", "missing.csv"]),
        ("empty.csv", b"", ["'empty.csv' is empty"]),
        ("blank.csv", b"\r\n\n,,\n", ["'blank.csv' has no header row"]),
        ("old.xls", b"\xd0\xcf\x11\xe0rest", [".xls is not supported; save it as .xlsx or CSV"]),
        ("old.xlsx", b"\xd0\xcf\x11\xe0rest", [".xls", "save it as .xlsx or CSV"]),
        ("book.csv", b"PK\x03\x04rest", ["'book.csv' is an Excel workbook", ".xlsx"]),
        ("broken.xlsx", b"not a zip", ["'broken.xlsx' is not a readable .xlsx workbook"]),
    ],
)
def test_read_table_file_errors(
    tmp_path: Path, name: str, content: bytes | None, fragments: list[str]
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ParseError) as info:
        read_table(path)
    for fragment in fragments:
        assert fragment in str(info.value)


# ---------------------------------------------------------------------------------------
# read_table: XLSX


def _workbook(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ledger"
    ws.append([])  # a blank first row: the header is the first non-blank one
    ws.append([" Invoice ", "Customer", "Issued", "Amount", "Paid", "Disputed", "Amount"])
    ws.append(["INV-1", "上海华东机械有限公司", date(2013, 1, 31), 1234.5, 0.1, True, 30.0])
    ws.append(["INV-2", "Acme", datetime(2013, 2, 1, 12, 38), 7, None, False, 1e-7])
    ws.append([None, None, None])
    ws.append(["INV-3", "  padded  ", datetime(2013, 3, 1), -0.0, 2.675])
    other = wb.create_sheet("Payments")
    other.append(["Invoice", "Paid on"])
    other.append(["INV-1", date(2013, 4, 1)])
    wb.save(path)
    return path


def test_read_xlsx_first_sheet(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "ledger.xlsx")
    table = read_table(path)
    assert table.encoding is None
    assert table.delimiter is None
    assert table.size_bytes == path.stat().st_size
    assert table.columns == [
        "Invoice", "Customer", "Issued", "Amount", "Paid", "Disputed", "Amount (2)",
    ]  # fmt: skip
    assert iter(table.rows) is table.rows
    assert _rows(table) == [
        (3, ["INV-1", "上海华东机械有限公司", "2013-01-31", "1234.5", "0.1", "true", "30"]),
        (4, ["INV-2", "Acme", "2013-02-01T12:38:00", "7", "", "false", "0.0000001"]),
        (6, ["INV-3", "padded", "2013-03-01", "0", "2.675", "", ""]),
    ]
    assert table.bytes_read() == table.size_bytes


def test_read_xlsx_sheet_by_name(tmp_path: Path) -> None:
    table = read_table(_workbook(tmp_path / "ledger.xlsx"), sheet="Payments")
    assert table.columns == ["Invoice", "Paid on"]
    assert _rows(table) == [(2, ["INV-1", "2013-04-01"])]


def test_read_xlsx_unknown_sheet(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as info:
        read_table(_workbook(tmp_path / "ledger.xlsx"), sheet="Invoices")
    message = str(info.value)
    for fragment in ("'Invoices' not found", "'ledger.xlsx'", "'Ledger'", "'Payments'"):
        assert fragment in message


def test_read_xlsx_empty_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    with pytest.raises(ParseError, match="is empty"):
        read_table(path)


def test_read_xlsx_close_before_reading(tmp_path: Path) -> None:
    with read_table(_workbook(tmp_path / "ledger.xlsx")) as table:
        assert table.columns[0] == "Invoice"
    assert list(table.rows) == []


# ---------------------------------------------------------------------------------------
# currency signs, ISO codes, day/month order, the exports' quote


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.56", (Decimal("1234.56"), None, "$")),
        ("¥1,000", (Decimal("1000"), None, "¥")),
        ("￥1,000", (Decimal("1000"), None, "¥")),
        ("$12 USD", (Decimal("12"), "USD", "$")),
        ("HK$5", (Decimal("5"), "HKD", None)),
        ("1234.56", (Decimal("1234.56"), None, None)),
        ("$ -", (Decimal("0"), None, "$")),
    ],
)
def test_parse_money_keeps_the_shared_sign(text: str, expected: tuple) -> None:
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("$12 EUR", "names two currencies ($ and EUR)"),
        ("¥12 USD", "names two currencies (¥ and USD)"),
        ("ABC 100", "ABC is not an ISO 4217 currency code"),
        ("100 XXX", "XXX means 'no currency'"),
        ("NaN", "'NaN' has no digits"),
    ],
)
def test_parse_money_refuses_contradictions_and_non_currencies(text: str, fragment: str) -> None:
    with pytest.raises(ParseError, match=re.escape(fragment)):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/03/2026", ("/", ledger_dates.AMBIGUOUS)),
        ("5/3/26 10:00", ("/", ledger_dates.AMBIGUOUS)),
        ("05/13/2026", ("/", ledger_dates.CONFIRMS)),
        ("13/05/2026", ("/", ledger_dates.CONTRADICTS)),
        ("05-03-2026", ("-", ledger_dates.AMBIGUOUS)),
        ("13.05.2026", (".", ledger_dates.CONFIRMS)),
        ("05-13-2026", ("-", ledger_dates.CONTRADICTS)),
        ("05/05/2026", None),
        ("2026-05-03", None),
        ("5-Mar-2026", None),
        ("", None),
    ],
)
def test_date_order(text: str, expected: tuple | None) -> None:
    assert ledger_dates.date_order(text) == expected


def test_read_table_takes_off_the_exports_quote(tmp_path: Path) -> None:
    text = "'=name,b\n'=1,'+2\n'abc,''-x\n"
    table = read_table(_write(tmp_path / "q.csv", text))
    assert table.columns == ["=name", "b"]
    assert _rows(table) == [(2, ["=1", "+2"]), (3, ["'abc", "'-x"])]


def test_read_csv_raises_the_field_limit_once_and_safely(tmp_path: Path) -> None:
    cell = "x" * 300_000
    table = read_table(_write(tmp_path / "w.csv", f'a,b\n1,"{cell}"\n2,3\n'))
    assert _rows(table) == [(2, ["1", cell]), (3, ["2", "3"])]
    assert csv.field_size_limit() == 1 << 20
