"""The forms behind the card's buttons: each verb declares its form and its checks once.

A verb with a form (team input, promise, decide, snooze) has `FORM = FormSpec(build, check)`
in its own module:

- `build(ctx, ref)` gives the Form for this person (the decisions *they* may take, the clocks
  *they* may pause, what the case owes), or the Reply a typed command would refuse with (no
  such case, a closed case, not allowed), so nobody fills in a form only to be refused;
- `check(ctx, ref, values)` reads the submitted values (field name -> text) with the very
  functions the typed command uses (handlers.circle_args, playbook.amounts, playbook.days,
  bot.kernel.config.parse_duration): a value that is wrong comes back as FormErrors in the
  command's own words; good values become the command's arguments, one value one argument,
  so text with quotes, dashes or mentions in it stays exactly what was typed.

bot.router runs the verb's handler with those arguments (Router.open_form / submit_form): a
submitted form and the typed command end the same way. Messengers only show fields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.kernel.forms import Choice, Form, FormErrors, FormRef
from bot.kernel.messages import Reply
from handlers.circle_common import case_number, refusal, writer
from handlers.context import Context
from playbook.case_view import CaseView
from storage.circle import CircleError, load_case

# The form for this person, on this case (loaded, still open), or the command's refusal.
Builder = Callable[[Context, FormRef, CaseView], Awaitable[Form | Reply]]
# The command's arguments, or what is wrong (by field), or a refusal of the whole form.
Checked = list[str] | FormErrors | Reply
Checker = Callable[[Context, FormRef, CaseView, Mapping[str, str]], Awaitable[Checked]]


@dataclass(frozen=True)
class FormSpec:
    usage: str  # the verb's usage line: the first of a form's args is the case, read as typed
    build: Builder
    check: Checker


def lookup_form(verb: str) -> FormSpec | None:
    """The form of a verb (by its canonical name), None when it has none."""
    # Imported here: the verb modules import this one for its helpers.
    from handlers import decide, promise, snooze, team_input

    forms: dict[str, FormSpec] = {m.NAME: m.FORM for m in (team_input, promise, decide, snooze)}
    return forms.get(verb)


async def build_form(spec: FormSpec, ctx: Context, ref: FormRef) -> Form | Reply:
    """The form, for someone who may change this case (as the command would have it)."""
    number = case_number(ctx, ref.args[0] if ref.args else None, spec.usage)
    if isinstance(number, Reply):
        return number
    refused = writer(ctx)
    if refused is not None:
        return refused
    view = await open_case(ctx, number)
    return view if isinstance(view, Reply) else await spec.build(ctx, ref, view)


async def check_form(
    spec: FormSpec, ctx: Context, ref: FormRef, values: Mapping[str, str]
) -> Checked:
    """The submitted values checked against the case (the handler refuses the rest itself:
    who may, a case closed meanwhile, in its own words)."""
    number = case_number(ctx, ref.args[0] if ref.args else None, spec.usage)
    if isinstance(number, Reply):
        return number
    view = await ctx.read(load_case, number)
    if view is None:
        return Reply.error(ctx.t("no_case", case=number))
    return await spec.check(ctx, ref, view, values)


def value(values: Mapping[str, str], name: str) -> str:
    """A submitted value, "" when missing or blank (a form sends what the person typed)."""
    found = values.get(name)
    return found.strip() if isinstance(found, str) else ""


async def open_case(ctx: Context, number: int) -> CaseView | Reply:
    """The case, if it can still be changed: else the command's own refusal."""
    view = await ctx.read(load_case, number)
    if view is None:
        return Reply.error(ctx.t("no_case", case=number))
    if not view.active:
        return refusal(
            ctx, CircleError("case_closed", case=number, by=view.closed_by, at=view.closed_at)
        )
    return view


def intro(ctx: Context, view: CaseView, *more: str) -> str:
    return " · ".join((ctx.t("form_case", case=view.id), *more))


def choices(pairs: Mapping[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value=v, label=label) for v, label in pairs.items())
