"""Forms without a database: a Context whose reads answer from a loaded case view and its
seats, for the tests of what a form offers (handlers.forms) and how Slack draws it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from bot.kernel.forms import Form, FormErrors, FormRef
from bot.kernel.messages import Reply
from handlers.context import Context
from handlers.forms import build_form, check_form, lookup_form
from playbook.case_view import CaseView
from storage.circle import load_case
from storage.circle_reads import SeatNow, seats_now

# 10:00 in Shanghai on Monday 2026-03-16: "today" is 2026-03-16.
NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)


class _Threads:
    def __init__(self, view: CaseView | None, seats: Mapping[str, str] | None) -> None:
        self.view = view
        self.seats = seats

    async def read(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if fn is load_case:
            return self.view if self.view is not None and args[0] == self.view.id else None
        if fn is seats_now:
            seats = self.seats
            if seats is None and self.view is not None:
                seats = {s.state.team: s.state.status for s in self.view.seats}
            return [SeatNow(team, status, None) for team, status in (seats or {}).items()]
        raise AssertionError(f"a form read {fn.__name__}, which this stub does not know")


class _Db:
    def __init__(self, threads: _Threads) -> None:
        self.threads = threads


def form_context(
    config: Config,
    person: str | None,
    *,
    locale: str | None = None,
    view: CaseView | None = None,
    seats: Mapping[str, str] | None = None,
    now: datetime = NOW,
) -> Context:
    """What Router.context gives a form's builder, with reads answered from `view`/`seats`."""
    return Context(
        db=cast(Any, _Db(_Threads(view, seats))),
        config=config,
        clock=FakeClock(now),
        person=person,
        locale=locale or config.locale_of(person),
        circle=cast(Any, None),
    )


async def build(ctx: Context, ref: FormRef) -> Form | Reply:
    spec = lookup_form(ref.verb)
    assert spec is not None, ref
    return await build_form(spec, ctx, ref)


async def check(
    ctx: Context, ref: FormRef, values: Mapping[str, str]
) -> list[str] | FormErrors | Reply:
    spec = lookup_form(ref.verb)
    assert spec is not None, ref
    return await check_form(spec, ctx, ref, values)
