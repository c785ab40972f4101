"""The whole circle on WeCom with a short window, against the fake WeCom.

The overdue scan opens a case; its card goes to the circle group's robot; finance answers by
command through the smart robot's callback; sales and legal do not answer and their leads are
notified by WeCom id (mentioned_list) after the window; legal decides; the card's update
reaches the group as a short follow-up (a robot cannot edit), not the whole card again. The
clock is fake; the jobs are driven step by step, as in tests/test_slack_circle.py.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from jobs.circle import scan_overdue, tick
from tests.outbox_helpers import case, deliver, outbox
from tests.wecom_helpers import rig

WINDOW = "  response_window: 15m\n"


async def test_the_whole_circle_on_wecom(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        worker = outbox(r)
        today = r.clock.now().astimezone(r.rt.config.company.zone).date()

        # The scan opens a case; the robot is busy once (45009), then the card lands once.
        r.wecom.script("robot", 45009)
        assert scan_overdue(r.rt.db, r.rt.circle, today=today, now=r.clock.now()).cases == (1,)
        await deliver(r, worker)
        cards = [p for p in r.wecom.markdown_posts() if "Case #1 ·" in p]
        assert len(cards) == 1
        card = cards[0]
        assert "Northwind Trading" in card
        assert "<@LiNa>" in card and "<@WangWei>" in card  # the seats, mentioned by WeCom id
        assert "/ar input 1 finance" in card  # no form on a robot post: the command to type

        # Finance answers by command in the group, through the encrypted callback.
        reply = await r.say("@arcircle /ar input 1 finance Statement sent", user="LiNa")
        assert reply["msgtype"] in ("stream", "template_card")
        assert any(i.team == "finance" for i in case(r).inputs)

        # Sales does not answer: after the window its lead is @mentioned by WeCom id.
        r.clock.advance(timedelta(minutes=15))
        tick(r.rt.db, r.rt.circle, r.clock.now())
        await deliver(r, worker)
        escalations = [
            p for p in r.wecom.text_posts() if "has not answered in time" in p["content"]
        ]
        by_team = {p["content"].split(": ", 1)[1].split(" ", 1)[0]: p for p in escalations}
        assert set(by_team) == {"Sales", "Legal"}  # finance answered in time
        assert by_team["Sales"]["mentioned_list"] == ["WangWei"]
        assert by_team["Legal"]["mentioned_list"] == ["ZhaoYun"]

        # Legal decides, in Chinese, through the callback.
        reply = await r.say("@arcircle 决定 1 lawyers_letter final notice", user="ZhaoYun")
        assert "Lawyer" in reply["stream"]["content"]
        assert case(r).decisions[-1].action == "lawyers_letter"

        # The card's update arrives as a short follow-up, not the whole card again.
        before = len(r.wecom.markdown_posts())
        await deliver(r, worker)
        follow_ups = r.wecom.markdown_posts()[before:]
        assert follow_ups, "the decision reached the group"
        assert all("**Case #1 ·" not in p for p in follow_ups), "never the whole card again"
        assert any("case #1 (decided)" in p and "answered by 李娜" in p for p in follow_ups)
        assert len([p for p in r.wecom.markdown_posts() if "**Case #1 ·" in p]) == 1
