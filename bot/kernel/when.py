"""When the circle's clock runs again, in words: `Monday 09:00`, `明天 09:00`.

For the card's seat lines, the new-case call and the replies that name a time in business
hours; the clock and the business calendar are playbook.circle's.
"""

from __future__ import annotations

from datetime import datetime

from bot.kernel.config import Config
from bot.kernel.i18n import t
from playbook import circle as machine


def day_time(moment: datetime, config: Config, now: datetime, locale: str) -> str:
    """A moment as people say it: `09:00` today, `tomorrow 09:00`, `Monday 09:00` within the
    week, `Monday 10-08 09:00` further out (`明天 09:00`, `周一 09:00`, `10-08（周一）09:00`)."""
    zone = config.company.zone
    local = moment.astimezone(zone)
    days = (local.date() - now.astimezone(zone).date()).days
    at = local.strftime("%H:%M")
    if days <= 0:
        return at
    if days == 1:
        return t(locale, "day_tomorrow", at=at)
    weekday = t(locale, f"weekday_{local.weekday()}")
    if days < 7:
        return t(locale, "day_weekday", day=weekday, at=at)
    return t(locale, "day_date", day=weekday, date=local.strftime("%m-%d"), at=at)


def pause_note(policy: machine.CirclePolicy, config: Config, now: datetime, locale: str) -> str:
    """Why a waiting clock stands still and when it runs again (business hours or a holiday);
    "" while it runs."""
    if machine.is_open(now, policy):
        return ""
    until = day_time(machine.next_open(now, policy), config, now, locale)
    holiday = now.astimezone(policy.zone).date() in policy.holidays
    return t(locale, "seat_paused_holiday" if holiday else "seat_paused", until=until)
