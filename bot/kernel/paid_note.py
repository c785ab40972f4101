"""The note a case the ledger shows paid gets: closed, thank them, and the playbook's thanks
and relationship-repair words (playbook.phrasing with `just_paid`, as /ar phrase shows them,
checked by the same lint).

No database here: the payload carries the relationship's years, the case view the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.kernel import i18n_sync  # noqa: F401  (registers the texts)
from bot.kernel.config import Config
from bot.kernel.i18n import t
from playbook.case_view import CaseView
from playbook.compliance import lint
from playbook.library import PlaybookError, load_playbook
from playbook.phrasing import CaseFacts, suggest

log = logging.getLogger(__name__)


def paid_thanks(payload: Mapping[str, Any], view: CaseView, config: Config, locale: str) -> str:
    head = t(locale, "note_paid_thanks", case=view.id, customer=view.customer_name)
    years = payload.get("years")
    facts = CaseFacts(
        customer=view.customer_name,
        segment=view.segment if view.segment in ("important", "normal", "problem") else "normal",
        relationship_years=years
        if isinstance(years, int) and not isinstance(years, bool)
        else None,
        # What a salesperson calls us to a customer, as /ar phrase does.
        our_company=config.company.short_name or config.company.name,
        just_paid=True,
    )
    try:
        words = suggest(facts, load_playbook(locale, config.phrasing.overrides), variant=view.id)
    except (PlaybookError, ValueError):
        # The thank-you still goes out; only the suggested words are missing.
        log.exception("paid note for case %s: no suggestion", view.id)
        return head
    if findings := lint(words.text, locale=locale):
        # A company's own template that breaks the rules is not shown (as /ar phrase does).
        log.error("paid note template failed the lint: %s", "; ".join(f.rule for f in findings))
        return head
    return "\n".join(
        (
            head,
            t(locale, "note_paid_words", label=words.tone_label),
            words.text,
            t(locale, "note_paid_next", step=words.next_step),
        )
    )
