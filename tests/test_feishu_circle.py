"""The whole circle on Feishu with a short window, against the fake Feishu.

The overdue scan opens a case; its card goes to the circle group as an interactive card; a
button on it runs its command (the answer in the card's thread); finance answers by the
card's form button (a form card in the thread, an empty answer refused in it); sales and
legal do not answer and their leads are @mentioned by Feishu user_id after the window; legal
decides by a command in Chinese; the card is edited in place (PATCH), not posted again. The
clock is fake; the jobs are driven step by step, as in tests/test_wecom_circle.py.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from jobs.circle import scan_overdue, tick
from tests.feishu_helpers import GROUP, rig
from tests.outbox_helpers import case, deliver, outbox


async def test_the_whole_circle_on_feishu(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        worker = outbox(r)
        today = r.clock.now().astimezone(r.rt.config.company.zone).date()

        # The scan opens a case; Feishu is busy once (230020), then the card lands once.
        r.feishu.script("send", 230020)
        assert scan_overdue(r.rt.db, r.rt.circle, today=today, now=r.clock.now()).cases == (1,)
        await deliver(r, worker)
        cards = [s for s in r.feishu.cards() if s.receive_id == GROUP]
        assert len(cards) == 1
        card = cards[0]
        shown = card.card_text()
        assert "Case #1" in card.content["header"]["title"]["content"]
        assert "Northwind Trading" in shown
        assert "<at id=lina01></at>" in shown and "<at id=wangwei01></at>" in shown
        buttons = [
            a["value"]
            for e in card.content["elements"]
            if e["tag"] == "action"
            for a in e["actions"]
        ]
        assert {"ar": "/ar phrase 1"} in buttons
        assert {"ar_form": "input 1 finance"} in buttons  # a form's button opens a form card

        # A command button: its command runs, the answer follows in the card's thread.
        answer = await r.click({"ar": "/ar phrase 1"}, user="lina01", message_id=card.message_id)
        assert "toast" in answer
        assert r.spy.seen[-1] == "/ar phrase 1"
        assert any(s.reply_to == card.message_id for s in r.feishu.sent)

        # Finance answers by button: the form opens as a card in the thread ...
        answer = await r.click(
            {"ar_form": "input 1 finance"}, user="lina01", message_id=card.message_id
        )
        assert "toast" in answer
        form = r.feishu.sent[-1]
        assert form.reply_to == card.message_id and form.msg_type == "interactive"
        container = next(e for e in form.content["elements"] if e["tag"] == "form")
        names = [e.get("name") for e in container["elements"]]
        assert "text" in names
        submit = next(e for e in container["elements"] if e.get("action_type") == "form_submit")
        # ... an empty answer is refused inside the form, nothing recorded ...
        answer = await r.click(
            submit["value"], user="lina01", message_id=form.message_id, form_value={"text": ""}
        )
        assert answer["toast"]["type"] == "error"
        assert any(e["tag"] == "form" for e in answer["card"]["data"]["elements"])
        assert not any(i.team == "finance" for i in case(r).inputs)
        # ... and the answer submitted: recorded, the form card becomes the answer.
        answer = await r.click(
            submit["value"],
            user="lina01",
            message_id=form.message_id,
            form_value={"text": "Statement sent", "link": ""},
        )
        assert answer["toast"]["type"] == "success", answer
        assert not any(e["tag"] == "form" for e in answer["card"]["data"]["elements"])
        assert any(i.team == "finance" for i in case(r).inputs)
        await deliver(r, worker)
        assert r.feishu.patches and r.feishu.patches[-1][0] == card.message_id
        assert "Statement sent" in json.dumps(r.feishu.patches[-1][1], ensure_ascii=False)

        # Sales does not answer: after the window its lead is @mentioned by Feishu user_id.
        r.clock.advance(timedelta(minutes=15))
        tick(r.rt.db, r.rt.circle, r.clock.now())
        await deliver(r, worker)
        escalations = [s.text for s in r.feishu.texts() if "has not answered in time" in s.text]
        assert any('<at user_id="wangwei01"></at>' in e for e in escalations)
        assert any('<at user_id="zhaoyun01"></at>' in e for e in escalations)
        assert not any('<at user_id="lina01"></at>' in e for e in escalations)

        # Legal decides, in Chinese, through the callback.
        sent = await r.say("@_user_1 决定 1 lawyers_letter final notice", user="zhaoyun01")
        assert sent
        assert case(r).decisions[-1].action == "lawyers_letter"

        # The card is edited in place: a PATCH of the same message, never a new card.
        patches_before = len(r.feishu.patches)
        await deliver(r, worker)
        assert len(r.feishu.patches) > patches_before
        target, latest = r.feishu.patches[-1]
        assert target == card.message_id
        assert "decided" in json.dumps(latest, ensure_ascii=False).lower() or "Lawyer" in (
            json.dumps(latest, ensure_ascii=False)
        )
        top_level = [s for s in r.feishu.cards() if s.reply_to is None and s.receive_id == GROUP]
        assert len(top_level) == 1
