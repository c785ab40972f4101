"""Phrasing and lint benchmark: suggestions per second, and the lint against one regex pass.

    python -m bench.phrase [--cases 10000] [--seed 7] [--texts 2000]

1. 10,000 random cases (stage, segment, relationship years, one to five invoices in one or two
   currencies, broken promises, dispute, an excuse or none, either locale): the template path
   of `playbook.phrasing.suggest` plus the compliance lint of each suggestion's words, which
   is what `/ar phrase` does before it shows anything. Reported per second.
2. The lint over a corpus of suggestion texts and bad lines, per 1,000 characters, beside the
   floor: one pass of a single compiled regular expression, the alternation of all the lint's
   vocabulary (every word of its patterns), over the same normalised text — the least a
   vocabulary check can cost.
3. The lint's recall and false alarms per category on its test table
   (tests/data/lint_table.yaml; `arcircle lint --table FILE` does the same for any table).

The last line is one JSON object. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import yaml

from playbook import compliance
from playbook.compliance import lint
from playbook.compliance_table import parse_table, report_lines, score_table
from playbook.library import load_playbook
from playbook.phrasing import STAGES, TONES, CaseFacts, InvoiceFact, suggest

TODAY = date(2026, 11, 23)
SEGMENTS = ("important", "normal", "problem")
BAD = (
    "If you don't pay by Friday we know where you live.",
    "你这个老赖，再不还钱就让你好看。",
    "We have already sued you and the court has ruled.",
    "我们会通知你的家人和你的客户。",
    "We'll post your name on social media.",
)
TABLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "lint_table.yaml"


def vocabulary() -> list[str]:
    """Every word of the lint's patterns: Latin words of 3+ letters, Chinese runs of 2+."""
    words: set[str] = set()
    for group in compliance._GROUPS:
        for source in (*group.source.en, *group.source.zh):
            words.update(re.findall(r"[a-z]{3,}|[\u4e00-\u9fff]{2,}", source))
    return sorted(words, key=lambda w: (-len(w), w))


def floor_pattern() -> re.Pattern[str]:
    """The floor: one alternation of the whole vocabulary, compiled once."""
    return re.compile("|".join(re.escape(w) for w in vocabulary()))


def random_case(rng: random.Random, excuses: list[str]) -> CaseFacts:
    stage = rng.choice(STAGES)
    spread = {"pre_due": (-7, 0), "early": (1, 30), "mid": (31, 90), "late": (91, 800)}[stage]
    currencies = rng.sample(["CNY", "USD", "EUR", "JPY"], rng.choice((1, 1, 1, 2)))
    invoices = []
    for n in range(rng.randint(1, 5)):
        days = rng.randint(*spread)
        currency = rng.choice(currencies)
        cents = 0 if currency == "JPY" else rng.randint(0, 99)
        invoices.append(
            InvoiceFact(
                number=f"INV-{rng.randint(1, 999999):06d}-{n}",
                amount=Decimal(rng.randint(100, 500000)) + Decimal(cents) / 100,
                currency=currency,
                days_past_due=days,
                due_date=TODAY - timedelta(days=days),
            )
        )
    return CaseFacts(
        customer=rng.choice(["Northwind Trading", "上海华东机械有限公司", "Kansai Bearings"]),
        segment=rng.choice(SEGMENTS),
        relationship_years=rng.choice([None, 0, 1, 3, 8]),
        invoices=tuple(invoices),
        stage=stage,
        broken_promises=rng.choice((0, 0, 0, 1, 2)),
        disputed=rng.random() < 0.1,
        excuse=rng.choice([None, None, *excuses]),
        our_company="Huadong Precision",
    )


def bench_suggest(cases: int, seed: int) -> tuple[float, float, int, int]:
    rng = random.Random(seed)
    books = {loc: load_playbook(loc) for loc in ("en", "zh-CN")}
    excuses = [e.key for e in books["en"].excuses()]
    work = [(random_case(rng, excuses), rng.choice(("en", "zh-CN"))) for _ in range(cases)]
    tones = [None, None, *TONES]
    start = time.perf_counter()
    made = [
        suggest(facts, books[locale], tone=tones[i % len(tones)], variant=i % 4)
        for i, (facts, locale) in enumerate(work)
    ]
    templates = time.perf_counter() - start
    dirty = 0
    start = time.perf_counter()
    for s in made:
        if lint(s.text, locale=s.locale):
            dirty += 1
    linted = time.perf_counter() - start
    chars = sum(len(s.text) for s in made)
    return cases / templates, cases / (templates + linted), dirty, chars // max(1, cases)


def bench_lint(texts: int, seed: int) -> tuple[float, float, int]:
    rng = random.Random(seed)
    books = {loc: load_playbook(loc) for loc in ("en", "zh-CN")}
    excuses = [e.key for e in books["en"].excuses()]
    corpus = []
    for _ in range(texts):
        locale = rng.choice(("en", "zh-CN"))
        text = suggest(random_case(rng, excuses), books[locale], variant=rng.randint(0, 3)).text
        if rng.random() < 0.2:
            text += " " + rng.choice(BAD)
        corpus.append(text)
    total = sum(len(t) for t in corpus)

    def per_kchar(run: object) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            run()  # type: ignore[operator]
            best = min(best, time.perf_counter() - start)
        return best / total * 1000 * 1e6  # µs per 1,000 characters

    ours = per_kchar(lambda: [lint(t) for t in corpus])
    normalised = [compliance._normalise(t)[0] for t in corpus]
    norm_only = per_kchar(lambda: [compliance._normalise(t) for t in corpus])
    floor_rx = floor_pattern()
    floor = per_kchar(lambda: [floor_rx.findall(t) for t in normalised])
    return ours, norm_only, floor, total


def bench_table(path: Path) -> list[str]:
    table = parse_table(yaml.safe_load(path.read_text(encoding="utf-8")))
    return report_lines(score_table(table), details=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.phrase", description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--texts", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rate, with_lint, dirty, avg_chars = bench_suggest(args.cases, args.seed)
    ours, norm_only, floor, total = bench_lint(args.texts, args.seed + 1)
    print(f"suggestions: {args.cases:,} random cases, both locales ({avg_chars} characters each)")
    print(f"  template path:          {rate:>8,.0f} suggestions/s  ({1e3 / rate:.3f} ms each)")
    print(f"  template path + lint:   {with_lint:>8,.0f} suggestions/s  (what /ar phrase does)")
    print(f"  suggestions that failed their own lint: {dirty} (must be 0: they are never shown)")
    print(f"lint: {args.texts:,} texts, {total:,} characters")
    print(f"  {'':28}{'ours':>12}{'one regex pass':>18}{'ours/floor':>12}")
    print(f"  {'µs per 1,000 characters':28}{ours:>12.1f}{floor:>18.1f}{ours / floor:>11.1f}×")
    words = len(vocabulary())
    print(f"  (normalisation alone: {norm_only:.1f} µs; the floor: {words:,} words, one pass)")
    print(f"lint table: {TABLE.relative_to(TABLE.parent.parent.parent)}")
    for line in bench_table(TABLE):
        print(f"  {line}")
    print(f"command: python -m bench.phrase --cases {args.cases} --texts {args.texts}")
    print(
        json.dumps(
            {
                "suggestions_per_s": round(rate, 1),
                "suggestions_with_lint_per_s": round(with_lint, 1),
                "suggest_dirty": dirty,
                "lint_us_per_kchar": round(ours, 2),
                "regex_floor_us_per_kchar": round(floor, 2),
                "normalise_us_per_kchar": round(norm_only, 2),
                "python": sys.version.split()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
