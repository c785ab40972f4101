"""The whole circle on DingTalk with a short window, against the fake DingTalk.

The overdue scan opens a case; its card goes to the circle group as an interactive card
(the seats' leads @mentioned by DingTalk userId); a button of the card answers the clicker
one to one; finance answers by command through the signed callback; sales and legal do not
answer and their leads are @mentioned by DingTalk userId after the window; legal decides;
the card is updated in place (the same cardBizId), never posted again. The clock is fake;
the jobs are driven step by step, as in tests/test_wecom_circle.py.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.adapters.dingtalk import cards
from jobs.circle import scan_overdue, tick
from storage.circle import load_case
from tests.dingtalk_helpers import GROUP, Rig, rig
from tests.outbox_helpers import deliver, outbox


def case(r: Rig) -> Any:
    with r.rt.db.engine.connect() as conn:
        view = load_case(conn, 1)
    assert view is not None
    return view


async def test_the_whole_circle_on_dingtalk(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        worker = outbox(r)
        today = r.clock.now().astimezone(r.rt.config.company.zone).date()

        # The scan opens a case; DingTalk throttles once, then the card lands once.
        r.ding.script("card", 403, "Forbidden.AccessDenied.QpsLimitForApi")
        assert scan_overdue(r.rt.db, r.rt.circle, today=today, now=r.clock.now()).cases == (1,)
        await deliver(r, worker)
        [card_id] = r.ding.cards
        card = r.ding.cards[card_id]
        assert card.conversation == GROUP and card_id.startswith(cards.CIRCLE_PREFIX)
        text = r.ding.card_text(card_id)
        assert "Case #1 ·" in text and "Northwind Trading" in text
        assert {a["userId"] for a in card.at} >= {"lina02", "manager4220"}  # seats' leads
        assert "/ar input 1 finance" in text  # no form on a card: the command to type

        # A button of the card (phrase): the clicker's answer comes one to one.
        [phrase] = [
            b for b in r.ding.buttons(card_id) if "phrase" in str(cards.command_of(b["id"]))
        ]
        await r.click(card_id, phrase["id"], user="lina02")
        [direct] = r.ding.direct_messages
        assert direct["userIds"] == ["lina02"]

        # Finance answers by command in the group, through the signed callback.
        await r.say("@arcircle /ar input 1 finance Statement sent", user="lina02")
        assert any(i.team == "finance" for i in case(r).inputs)
        await deliver(r, worker)
        assert list(r.ding.cards) == [card_id] or all(
            not c.startswith(cards.CIRCLE_PREFIX) for c in list(r.ding.cards)[1:]
        )
        assert "Statement sent" in r.ding.card_text(card_id)  # updated in place

        # Sales and legal do not answer: after the window their leads are @mentioned.
        r.clock.advance(timedelta(minutes=15))
        tick(r.rt.db, r.rt.circle, r.clock.now())
        await deliver(r, worker)
        escalations = [
            c
            for i, c in r.ding.cards.items()
            if i != card_id and c.at and "has not answered" in str(c.data)
        ]
        mentioned = sorted(a["userId"] for c in escalations for a in c.at)
        assert mentioned == ["manager4220", "zhaoyun03"]  # finance answered in time

        # Legal decides, in Chinese, through the callback; the answer by sessionWebhook.
        await r.say("@arcircle 决定 1 lawyers_letter final notice", user="zhaoyun03")
        assert "Lawyer" in r.ding.session_posts[-1]["markdown"]["text"]
        assert case(r).decisions[-1].action == "lawyers_letter"

        # The card is updated in place: the same id, never a second circle card.
        before = r.ding.cards[card_id].updates
        await deliver(r, worker)
        assert r.ding.cards[card_id].updates > before
        assert "final notice" in r.ding.card_text(card_id)
        assert [c for c in r.ding.cards if c.startswith(cards.CIRCLE_PREFIX)] == [card_id]
