"""A language model's second opinion on a draft the compliance rules passed.

`/ar lint` asks it only when the rules found nothing, and only when a model is configured; the
opinion can add a caution, never remove or override a finding. The model's answer is hostile
input: it must be one strict JSON object

    {"flag": false}
    {"flag": true, "category": "<a word rule>", "quote": "<words copied from the draft>",
     "why": "<one short sentence>"}

and nothing else (a single ```json fence around it is tolerated). Unknown keys, a category
that is not a word rule, a quote that is not in the draft, over-long or multi-line fields: the
answer is refused and `second_opinion` returns no verdict with a short reason, for the caller
to log. It never raises (a cancellation goes through).

What is sent: the draft as the user gave it (cut to MAX_DRAFT characters) — the user pasted it
to have it checked — and the list of categories; nothing of any case.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx

from playbook.compliance_text import WORD_RULES, rule_label
from playbook.llm import LlmSettings, _reason, _scrub, complete

MAX_DRAFT = 4000
MAX_QUOTE = 200
MAX_WHY = 240
MAX_TOKENS = 200
_KEYS = {"flag", "category", "quote", "why"}
_FENCE = re.compile(r"\A```(?:json)?\s*\n?(.*?)\n?```\Z", re.DOTALL)
_MARKUP = re.compile(r"[<>`*_~|@#\[\]]|https?://\S*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Verdict:
    flag: bool
    category: str | None = None  # one of WORD_RULES when flag
    quote: str | None = None  # words of the draft, as they are in it
    why: str | None = None


@dataclass(frozen=True)
class Opinion:
    verdict: Verdict | None  # None: no usable answer (see reason)
    reason: str | None
    elapsed: float


def _system_prompt() -> str:
    categories = "\n".join(f"- {rule}: {rule_label(rule, 'en')}" for rule in WORD_RULES)
    return (
        "You review messages a B2B collector intends to send to a customer about an unpaid "
        "invoice. Firm, lawful lines are fine: contract terms, late interest per contract, "
        "credit holds, payment before the next order, a lawyer's letter or litigation stated "
        "as a lawful option, a referral to the legal department, statements of account.\n"
        "Flag a line only if it clearly falls in one of these categories:\n"
        f"{categories}\n"
        "Answer with one JSON object and nothing else: "
        '{"flag": false} when nothing is wrong, or {"flag": true, "category": "<one of the '
        'category keys above>", "quote": "<the offending words, copied exactly from the '
        'message>", "why": "<one short sentence>"}.'
    )


def build_opinion_messages(draft: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": _system_prompt()},
        {"role": "user", "content": draft[:MAX_DRAFT]},
    ]


def parse_verdict(content: str, draft: str) -> tuple[Verdict | None, str | None]:
    """A Verdict from the model's answer, or None and why it was refused."""
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    if len(text) > 2 * (MAX_QUOTE + MAX_WHY) + 200:
        return None, "verdict too long"
    try:
        data: Any = json.loads(text)
    except ValueError:
        return None, "verdict is not JSON"
    if not isinstance(data, dict) or not set(data) <= _KEYS or "flag" not in data:
        return None, "verdict has the wrong shape"
    flag = data["flag"]
    if not isinstance(flag, bool):
        return None, "verdict flag is not true/false"
    if not flag:
        if any(data.get(k) not in (None, "") for k in ("category", "quote")):
            return None, "verdict says no flag but names a category"
        return Verdict(False), None
    category, quote, why = data.get("category"), data.get("quote"), data.get("why", "")
    if category not in WORD_RULES:
        return None, "verdict category unknown"
    if not isinstance(quote, str) or not quote.strip() or len(quote) > MAX_QUOTE:
        return None, "verdict quote missing or too long"
    if not isinstance(why, str) or len(why) > MAX_WHY:
        return None, "verdict reason too long"
    if _CONTROL.search(quote) or _CONTROL.search(why):
        return None, "verdict has control characters"
    at = draft.lower().find(quote.strip().lower())
    if at < 0:
        return None, "verdict quote is not in the draft"
    shown = draft[at : at + len(quote.strip())]
    # The reason is shown in chat: no markup, mentions or links of the model's making.
    why = " ".join(_MARKUP.sub("", why).split())
    return Verdict(True, category, shown, why or None), None


async def _ask(
    settings: LlmSettings, draft: str, client: httpx.AsyncClient | None
) -> tuple[Verdict | None, str | None]:
    content, reason = await complete(
        settings, build_opinion_messages(draft), temperature=0, max_tokens=MAX_TOKENS, client=client
    )
    if content is None:
        return None, reason
    return parse_verdict(content, draft)


async def second_opinion(
    settings: LlmSettings, draft: str, *, client: httpx.AsyncClient | None = None
) -> Opinion:
    """The model's verdict on ``draft``; never raises (but lets a cancellation through)."""
    started = time.monotonic()
    try:
        verdict, reason = await asyncio.wait_for(
            _ask(settings, draft, client), timeout=settings.timeout
        )
    except Exception as exc:  # every failure is a reason: the rules' answer stands
        verdict, reason = None, _reason(exc, settings)
    return Opinion(
        verdict=verdict,
        reason=None if reason is None else _scrub(reason, settings),
        elapsed=time.monotonic() - started,
    )
