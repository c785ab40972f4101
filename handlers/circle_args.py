"""What the circle commands read from their words: options, amounts with currencies, dates.

Each reader answers either the value or the Reply the user should see (their usage line and
what was wrong), so a handler never guesses: an unknown option, an amount its case cannot owe
or a date five years out is named, never dropped into a note or recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.kernel.messages import Reply
from handlers.circle_common import owed_text
from handlers.common import shorten
from handlers.context import Context
from playbook.amounts import currency_word, parse_money, pick_currency
from playbook.days import HORIZON_YEARS, horizon, parse_day, too_far
from playbook.money import MoneyError, exponent, format_money, to_minor
from storage.circle import CaseView

# An option as typed: `--team`, `-m`, and `—team` / `–team` as phones and Macs "correct" it.
_OPTION = re.compile(r"^(?:--|[—–]|-)[^\W\d_][\w-]*$")
AMOUNT = "amount"  # the option whose value may be two words: `--amount 100 USD`


@dataclass
class Args:
    options: dict[str, str] = field(default_factory=dict)  # canonical name → value
    words: list[str] = field(default_factory=list)  # everything else, in order


def _is_option(word: str) -> bool:
    return not any(ch.isspace() for ch in word) and _OPTION.match(word) is not None


def take_amount(words: Sequence[str]) -> tuple[str, int]:
    """The amount at the start of `words` and how many words it took: `100`, `100 USD`,
    `USD 100`, `100 美元`."""
    if not words:
        return "", 0
    first = words[0]
    if len(words) > 1:
        second = words[1]
        money = parse_money(second)
        if currency_word(first) and money is not None and not money.currencies:
            return f"{first} {second}", 2
        money = parse_money(first)
        if money is not None and not money.currencies and _currency_like(second):
            return f"{first} {second}", 2
    return first, 1


def _currency_like(word: str) -> bool:
    # `100 XYZ` means a currency even when there is none such: better refused ("the case owes
    # nothing in XYZ") than XYZ read as a note and 100 recorded in the case's own currency.
    return bool(currency_word(word)) or re.fullmatch(r"[A-Z]{3}", word) is not None


def read_options(
    ctx: Context, args: Sequence[str], spellings: Mapping[str, str], usage: str
) -> Args | Reply:
    """Split the options (each with one value) from the words. `--` ends the options: what
    follows is text, even when it starts with a dash."""
    out = Args()
    listed = ", ".join(dict.fromkeys(s for s in spellings if s.startswith("--")))
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            out.words.extend(args[i + 1 :])
            break
        if not _is_option(word):
            out.words.append(word)
            i += 1
            continue
        typed = re.sub(r"^[—–]", "--", word)
        name = spellings.get(typed.casefold())
        if name is None:
            return Reply.usage(
                usage, ctx.t("unknown_option", option=shorten(word, 40), options=listed), ctx.locale
            )
        if name in out.options:
            return Reply.usage(usage, ctx.t("option_twice", option=shorten(word, 40)), ctx.locale)
        rest = args[i + 1 :]
        if not rest or _is_option(rest[0]) or rest[0] == "--":
            return Reply.usage(
                usage, ctx.t("option_needs_value", option=shorten(word, 40)), ctx.locale
            )
        if name == AMOUNT:
            value, used = take_amount(rest)
        else:
            value, used = rest[0], 1
        out.options[name] = value
        i += 1 + used
    return out


@dataclass(frozen=True)
class Wrong:
    """What is wrong with a value, in the command's words: a typed command answers it with its
    usage line (`usage`) or alone; a form shows it under the field (handlers.forms)."""

    text: str
    usage: bool = True

    def reply(self, ctx: Context, usage: str) -> Reply:
        return Reply.usage(usage, self.text, ctx.locale) if self.usage else Reply.error(self.text)


def owed_wrong(ctx: Context, case: int, currency: str, owed: Mapping[str, Decimal]) -> Wrong:
    """The case owes nothing in that currency: say what it does owe."""
    if not owed:
        return Wrong(ctx.t("amount_nothing_owed", case=case), usage=False)
    return Wrong(
        ctx.t("amount_currency", case=case, currency=currency, owed=owed_text(ctx, owed)),
        usage=False,
    )


def owed_refusal(ctx: Context, case: int, currency: str, owed: Mapping[str, Decimal]) -> Reply:
    return Reply.error(owed_wrong(ctx, case, currency, owed).text)


def check_amount(
    ctx: Context, view: CaseView, text: str, currency_text: str | None
) -> tuple[int, str] | Wrong:
    """(minor units, currency) of an amount on this case, or what is wrong with it: not an
    amount, zero, a currency the case owes nothing in (with what it owes), more than it owes,
    more decimals than the currency has. The one check of an amount, typed or in a form."""
    money = parse_money(text)
    if money is None:
        return Wrong(ctx.t("promise_bad_amount", text=shorten(text, 40)))
    if money.amount <= 0:
        return Wrong(ctx.t("amount_positive"), usage=False)
    candidates = money.currencies
    if currency_text is not None:
        named = currency_word(currency_text)
        if not named:
            return Wrong(ctx.t("not_currency", text=shorten(currency_text, 40)))
        if candidates and not set(named) & set(candidates):
            return Wrong(
                ctx.t(
                    "currency_conflict", text=shorten(text, 40), currency=shorten(currency_text, 40)
                )
            )
        candidates = tuple(c for c in named if not candidates or c in candidates)
    owed = {c: a for c, a in view.outstanding_by_currency().items() if a > 0}
    if candidates:
        currency = pick_currency(candidates, owed)
    else:
        company = ctx.config.company
        currency = view.main_currency(company.currency, company.fx_rates)
    if currency not in owed:
        return owed_wrong(ctx, view.id, currency, owed)
    if money.amount > owed[currency]:
        return Wrong(
            ctx.t(
                "promise_too_much", outstanding=format_money(owed[currency], currency, ctx.locale)
            ),
            usage=False,
        )
    try:
        return to_minor(money.amount, currency), currency
    except MoneyError:
        return Wrong(
            ctx.t(
                "amount_places",
                text=shorten(text, 40),
                currency=currency,
                places=exponent(currency),
            )
        )


def read_amount(
    ctx: Context,
    view: CaseView,
    text: str,
    currency_text: str | None,
    usage: str,
) -> tuple[int, str] | Reply:
    """check_amount, answered as a typed command answers: with the usage line where it helps.
    (The limit is checked again where the amount is written, in the transaction.)"""
    found = check_amount(ctx, view, text, currency_text)
    return found.reply(ctx, usage) if isinstance(found, Wrong) else found


def check_day(ctx: Context, text: str) -> date | Wrong:
    """A day from today up to the horizon (HORIZON_YEARS ahead), or what is wrong with it."""
    today = ctx.today()
    day = parse_day(text, today)
    if day is None:
        return Wrong(ctx.t("promise_bad_date", text=shorten(text, 40)))
    if too_far(day, today):
        return Wrong(
            ctx.t(
                "date_too_far",
                text=shorten(text, 40),
                years=HORIZON_YEARS,
                last=horizon(today).isoformat(),
            )
        )
    if day < today:
        return Wrong(ctx.t("date_past", date=day.isoformat(), today=today.isoformat()), usage=False)
    return day


def read_day(ctx: Context, text: str, usage: str) -> date | Reply:
    """check_day, answered with the usage line where it helps."""
    found = check_day(ctx, text)
    return found.reply(ctx, usage) if isinstance(found, Wrong) else found
