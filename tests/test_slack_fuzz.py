"""Signed but malformed interactive payloads (issue 9, item 6): a 400 before any listener, or a
polite answer; never a 500, never a traceback in the log.

Each payload below is a good one with one key removed or replaced by a value of another type,
sent signed to the real HTTP endpoint.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from tests.fake_slack import fake_slack  # noqa: F401 - the fixture
from tests.test_slack_inbound import (
    CIRCLE,
    DEADLINE,
    FORM,
    JSON_TYPE,
    Server,
    action_payload,
    command_body,
    event_body,
    interaction_body,
    submission_payload,
)
from tests.test_slack_inbound import server as _server  # noqa: F401 - the fixture
from tests.test_slack_inbound import world as _world  # noqa: F401 - the fixture

WRONG = (None, 7, "x", [])
Path_ = tuple[Any, ...]


def mutations(node: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """(path, replacement) for every key: removed ("<delete>"), or each wrong value."""
    if isinstance(node, dict):
        items: Any = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        if isinstance(node, dict):
            yield (*path, key), "<delete>"
        for wrong in WRONG:
            if type(wrong) is not type(value) or wrong != value:
                yield (*path, key), wrong
        yield from mutations(value, (*path, key))


def mutated(base: Any, path: Path_, value: Any) -> Any:
    out = copy.deepcopy(base)
    node = out
    for key in path[:-1]:
        node = node[key]
    if value == "<delete>" and isinstance(value, str):
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def promise_view() -> dict[str, Any]:
    meta = {"channel": CIRCLE, "thread_ts": "1700000000.000100", "thread_open": False}
    meta["command"] = "/ar promise 1 <amount> <date>"
    return {
        "type": "modal",
        "callback_id": "arcircle:modal",
        "private_metadata": json.dumps(meta),
        "title": {"type": "plain_text", "text": "Promise to pay"},
        "blocks": [],
    }


def good_submission() -> dict[str, Any]:
    return submission_payload(
        promise_view(),
        {
            "amount": {"type": "plain_text_input", "value": "500"},
            "date": {"type": "datepicker", "selected_date": "2026-03-20"},
        },
        user="U2",
    )


async def settle() -> None:
    """Until every listener bolt started after its ack has finished."""
    running = [
        task
        for task in asyncio.all_tasks()
        if "run_ack_function_asynchronously" in getattr(task.get_coro(), "__qualname__", "")
    ]
    if running:
        await asyncio.wait(running, timeout=DEADLINE)


async def fuzz(server: Server, base: Any, send: Any, caplog: pytest.LogCaptureFixture) -> int:
    statuses: dict[int, int] = {}
    for path, value in mutations(base):
        resp = await send(mutated(base, path, value))
        statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
        assert resp.status_code < 500, (path, value, resp.status_code, resp.text)
        if resp.status_code >= 400:
            assert "Traceback" not in resp.text
    await settle()
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert not tracebacks, [(r.name, r.getMessage()) for r in tracebacks[:5]]
    said = [e["text"] for e in server.fake.ephemerals] + [
        str(c.body.get("text")) for c in server.fake.calls_to("response_url")
    ]
    assert not [t for t in said if "Traceback" in str(t) or "Error" in str(t)]
    return sum(statuses.values())


async def test_malformed_button_clicks(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    await server.world.open_case()
    base = action_payload("/ar case 1", user="U2", hook=server.fake.response_url())

    async def send(payload: Any) -> Any:
        return await server.post(interaction_body(payload))

    assert await fuzz(server, base, send, caplog) > 100
    assert server.world.counts()["case"] == 1


async def test_malformed_modal_submissions(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    await server.world.open_case()

    async def send(payload: Any) -> Any:
        return await server.post(interaction_body(payload))

    assert await fuzz(server, good_submission(), send, caplog) > 100
    # What got through was either a field error in the form, or a proper promise.
    assert server.world.counts()["promise"] <= 1


async def test_malformed_events(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    base = json.loads(event_body("<@UBOT> what about Northwind?", event_id="EvFUZZ"))
    count = iter(range(10_000))

    async def send(payload: Any) -> Any:
        if isinstance(payload, dict) and isinstance(payload.get("event_id"), str):
            payload["event_id"] = f"EvFUZZ{next(count)}"  # each a new delivery
        return await server.post(json.dumps(payload).encode(), JSON_TYPE)

    assert await fuzz(server, base, send, caplog) > 50


async def test_malformed_slash_commands(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    fields = dict(parse_qsl(command_body("overdue", hook=server.fake.response_url()).decode()))
    for key in list(fields):
        less = {k: v for k, v in fields.items() if k != key}
        resp = await server.post(urlencode(less).encode(), FORM)
        assert resp.status_code < 500, (key, resp.status_code, resp.text)
    await settle()
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("no view", lambda p: p.pop("view")),
        ("view is text", lambda p: p.update(view="modal")),
        ("no callback_id", lambda p: p["view"].pop("callback_id")),
        ("metadata not JSON", lambda p: p["view"].update(private_metadata="{not json")),
        ("metadata a list", lambda p: p["view"].update(private_metadata="[1, 2]")),
        ("metadata without a command", lambda p: p["view"].update(private_metadata="{}")),
        (
            "metadata with a command without a form",
            lambda p: p["view"].update(private_metadata='{"command": "/ar open Northwind"}'),
        ),
        (
            "channel of the wrong type",
            lambda p: p["view"].update(
                private_metadata=json.dumps(
                    {"command": "/ar promise 1 <amount> <date>", "channel": 5}
                )
            ),
        ),
        ("values a list", lambda p: p["view"]["state"].update(values=[])),
        ("a block a list", lambda p: p["view"]["state"]["values"].update(amount=[])),
        ("user a text", lambda p: p.update(user="U2")),
        ("no user", lambda p: p.pop("user")),
    ],
)
async def test_a_signed_but_malformed_view_submission_is_a_400(
    server: Server,
    caplog: pytest.LogCaptureFixture,
    what: str,
    change: Any,
) -> None:
    payload = good_submission()
    change(payload)
    resp = await server.post(interaction_body(payload))
    assert resp.status_code == 400, (what, resp.status_code, resp.text)
    assert resp.json()["error"].startswith("malformed request: ")
    assert server.fake.calls_to("response_url") == [] and server.fake.ephemerals == []
    assert server.world.counts()["promise"] == 0
    assert not [r for r in caplog.records if r.exc_info]
