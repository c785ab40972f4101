"""The delivery worker: sends outbox rows, one lane per (platform, destination).

Rules it keeps:
- Order: a destination's rows go out in id order; a head waiting for a retry holds back the
  rows behind it. Parked, sent and superseded rows do not block.
- Rate: at most `count` messages to one destination in any `per` window (`rates[platform]`,
  1 per second when the platform is missing), measured with the injected `monotonic` and
  waited with the injected `sleep`. The pacing state lives in this worker's memory.
- Retry-After: that destination sends nothing for the given seconds (in memory, and the row's
  next_attempt_at so a restart honours it too); it is not a failed attempt. Other
  destinations are not slowed.
- Transient failures (TransientError, a timeout, any other exception) back off
  exponentially; after `max_attempts` the row is parked. A PermanentError parks it at once.
- A row is marked sent only after the messenger accepted it. A crash between the two sends it
  again after a restart: delivery is at least once, the idempotency key makes it exactly
  once into the outbox.
- card_update: only the newest pending update of a card is sent (the renderer shows the
  current state); it edits the card's message, or is posted anew when the card never went out.
  Other rows about a card (ref_key) are threaded under it.

Several replicas: given a `holder`, the worker claims each destination's lane before sending
(storage.lanes) and renews it before every row, so every replica delivers and a destination's
rows still go out from one of them at a time, in order; a replica that dies leaves its lanes
to the others when their lease runs out. Without a holder the worker assumes it is the only
deliverer. One worker object runs at a time (`run` or `run_once`, not both). The rate window
is per replica: a lane that moves to another replica starts a fresh window there, and the
messenger's Retry-After (kept in the row) covers the overlap. Its database calls
(storage.delivery) are short statements, each state change its own transaction, and they
run in a thread (asyncio.to_thread), as does the render callback, so a slow database never
stalls the event loop that acknowledges chat commands. A lane makes its calls one after
another, so its order is what it was; the pacing state stays on the loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Protocol

from bot.kernel.clock import Clock
from bot.kernel.messages import DeliveryError, PermanentError, Reply, RetryAfter
from jobs.outbox_lanes import Lane, LaneLeases
from storage import delivery
from storage.db import Database
from storage.outbox import OutRow

log = logging.getLogger(__name__)

DEFAULT_RATE = (1, timedelta(seconds=1))


class Transport(Protocol):
    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        """Send (or with update_ref, edit) a message; the platform's message id.

        Raises RetryAfter, TransientError or PermanentError; anything else counts as transient.
        """
        ...


# Builds the message from the row's payload when it is sent; None: nothing to say any more.
# Called in a worker thread (it may read the database), never on the event loop.
Render = Callable[[OutRow], Reply | None]

# A URL keeps its scheme and host only: paths, queries and user:password@ may hold secrets.
_URL = re.compile(r"\b((?:https?|wss?)://)(?:[^\s/?#'\"<>@]*@)?([^\s/?#'\"<>]+)[^\s'\"<>]*")
_TOKEN = re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+|\b\d{6,}:[A-Za-z0-9_-]{30,}|(?i:bearer)\s+\S+")


def scrub(text: str) -> str:
    """An unexpected exception's text without URL paths, queries, passwords or token shapes."""
    return _TOKEN.sub("[redacted]", _URL.sub(r"\1\2/…", text))


# What happened to one row.
_SENT, _SUPERSEDED, _PARKED, _WAIT = "sent", "superseded", "parked", "wait"


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        transports: Mapping[str, Transport],
        render: Render,
        *,
        rates: Mapping[str, tuple[int, timedelta]],
        max_attempts: int = 8,
        backoff: timedelta = timedelta(seconds=2),
        backoff_max: timedelta = timedelta(minutes=10),
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        send_timeout: float = 30.0,
        per_pass: int = 50,
        jitter: float = 0.0,
        rand: Callable[[], float] = random.random,
        on_sent: Callable[[OutRow], None] | None = None,
        holder: str | None = None,
        lane_lease: timedelta = timedelta(seconds=15),
        lease_clock: Clock | None = None,
    ) -> None:
        for platform, (count, per) in rates.items():
            if count < 1 or per <= timedelta(0):
                raise ValueError(f"outbox rate for {platform} must be at least 1 per period")
        self._db = db
        self._clock = clock
        self._on_sent = on_sent  # telemetry: a row went out
        # With a holder, destinations are claimed (storage.lanes) so several replicas can
        # deliver side by side; without, this worker is the only one (tests, one process).
        # `lease_clock` (default: `clock`) times the lane leases: the wall clock in a process.
        self._leases = (
            None if holder is None else LaneLeases(db, clock, holder, lane_lease, lease_clock)
        )
        self._transports = dict(transports)
        self._render = render
        self._rates = dict(rates)
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff
        self._backoff_max = backoff_max
        self._monotonic = monotonic
        self._sleep = sleep
        self._send_timeout = send_timeout
        self._per_pass = max(1, per_pass)
        self._jitter = jitter  # up to this fraction added to a backoff (0.1: up to 10 %)
        self._rand = rand
        # In-memory lane state: recent send times (the rate window), Retry-After pauses,
        # the running lane tasks, and the lanes in the middle of a send.
        self._sent_times: dict[Lane, deque[float]] = {}
        self._paused_until: dict[Lane, float] = {}
        self._lanes: dict[Lane, asyncio.Task[int]] = {}
        self._sending: set[Lane] = set()
        self._stopping = False

    # --- the loop -----------------------------------------------------------------------

    async def run_once(self) -> int:
        """One pass: every destination with a due head drains concurrently; rows sent."""
        tasks = await self._start_lanes()
        if not tasks:
            return 0
        results = await asyncio.gather(*tasks, return_exceptions=True)
        return sum(r for r in results if isinstance(r, int))

    async def run(self, stop: asyncio.Event, idle: float = 0.5) -> None:
        """Deliver until `stop` is set.

        Every `idle` seconds the queue is polled and a lane is started for each destination
        with a due head that has none running; a lane keeps sending its destination's rows
        (at its rate) without waiting for the other lanes, so a slow or rate-limited
        destination never delays the rest.
        """
        try:
            while not stop.is_set():
                try:
                    await self._start_lanes()
                except Exception:
                    log.exception("outbox: could not read the queue")
                await self._sleep(idle)
        finally:
            await self._close_lanes()

    async def _start_lanes(self) -> list[asyncio.Task[int]]:
        # A lane running while the heads are read may send its head meanwhile: that head is
        # stale, and a second lane started on it would send it twice. It waits for the next
        # poll, as a lane still running does.
        busy = set(self._lanes)
        heads = await asyncio.to_thread(
            delivery.due_heads, self._db, self._clock.now(), list(self._transports)
        )
        mono = self._monotonic()
        ready: dict[Lane, OutRow] = {}
        for head in heads:
            lane = (head.platform, head.destination)
            if lane in busy or lane in self._lanes or self._paused_until.get(lane, 0.0) > mono:
                continue
            ready[lane] = head
        if self._leases is not None:
            ready = await self._leases.claim(ready)
        started = []
        for lane, head in ready.items():
            if lane in self._lanes:
                continue
            task = asyncio.create_task(self._drain(lane, head), name=f"outbox {lane}")
            self._lanes[lane] = task
            started.append(task)
        return started

    async def _close_lanes(self) -> None:
        """Stop: a lane waiting for its turn is cancelled, a lane in a send finishes it."""
        self._stopping = True
        try:
            running = list(self._lanes.items())
            for lane, task in running:
                if lane not in self._sending:
                    task.cancel()
            await asyncio.gather(*(task for _, task in running), return_exceptions=True)
        finally:
            self._stopping = False

    async def _drain(self, lane: Lane, head: OutRow) -> int:
        """Send a destination's due rows one after another; how many were sent."""
        sent = 0
        row: OutRow | None = head
        leases = self._leases
        beat = None if leases is None else asyncio.create_task(leases.keep(lane))
        try:
            for _ in range(self._per_pass):
                if row is None or self._stopping:
                    break
                if leases is not None and not await leases.still_mine(lane):
                    break
                current = row
                outcome, row = await self._handle(lane, current)
                if outcome == _SENT:
                    sent += 1
                    if self._on_sent is not None:
                        self._on_sent(current)
                elif outcome == _WAIT:
                    break  # the head waits for a retry and holds back the rows behind it
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox: lane %s/%s failed; it restarts on the next pass", *lane)
        finally:
            if beat is not None:
                beat.cancel()
            if self._lanes.get(lane) is asyncio.current_task():
                del self._lanes[lane]
            if leases is not None:
                await leases.release(lane)
        return sent

    # --- one row ------------------------------------------------------------------------

    async def _handle(self, lane: Lane, row: OutRow) -> tuple[str, OutRow | None]:
        """What happened to the row, and the destination's next head (None after a wait)."""
        await self._wait_turn(lane, row.platform)
        # Decide after the wait: newer updates may have arrived meanwhile, and the message
        # is rendered from the state as it is now.
        refs, message, failure = await asyncio.to_thread(self._prepare, row)
        now = self._clock.now()
        if refs.superseded:
            return _SUPERSEDED, await self._write(delivery.mark_superseded, lane, row.id, now)
        if failure is not None:
            return _PARKED, await self._write(delivery.park, lane, row.id, now, failure)
        if message is None:
            return _SENT, await self._write(delivery.mark_sent, lane, row.id, now, None)
        transport = self._transports[row.platform]
        self._paused_until.pop(lane, None)  # waited out in _wait_turn
        # From here until the outcome is written the lane is not cancelled by a stop: a
        # message the messenger accepted is always marked sent.
        self._sending.add(lane)
        try:
            ref: str | None = None
            error: BaseException | None = None
            try:
                ref = await asyncio.wait_for(
                    transport.deliver(
                        row, message, update_ref=refs.update_ref, thread_ref=refs.thread_ref
                    ),
                    self._send_timeout,
                )
            except Exception as exc:
                error = exc
            finally:
                # The messenger counts from when a message arrives, not from when it left
                # here: stamping after the call keeps a slow send from crowding the next one.
                self._note_send(lane, row.platform)
            if error is not None:
                return await self._not_sent(lane, row, error)
            if row.kind == "card_update" and ref is None:
                ref = refs.update_ref  # an edit keeps the card's message id
            return _SENT, await self._write(
                delivery.mark_sent, lane, row.id, self._clock.now(), ref
            )
        finally:
            self._sending.discard(lane)

    def _prepare(self, row: OutRow) -> tuple[delivery.Refs, Reply | None, str | None]:
        """In a worker thread: how the row goes out and its message, or why it cannot."""
        refs = delivery.refs(self._db, row)
        if refs.superseded:
            return refs, None, None
        try:
            return refs, self._render(row), None
        except Exception as exc:
            log.exception("outbox: could not render row %d (%s)", row.id, row.kind)
            return refs, None, f"could not render: {exc}"

    async def _not_sent(
        self, lane: Lane, row: OutRow, exc: BaseException
    ) -> tuple[str, OutRow | None]:
        if isinstance(exc, RetryAfter):
            return await self._rate_limited(lane, row, exc), None
        if isinstance(exc, PermanentError):
            log.error("outbox: row %d to %s/%s parked: %s", row.id, *lane, exc.reason)
            now = self._clock.now()
            return _PARKED, await self._write(delivery.park, lane, row.id, now, exc.reason)
        if isinstance(exc, DeliveryError):  # TransientError, or a bare DeliveryError
            reason = exc.reason
        elif isinstance(exc, TimeoutError):
            reason = f"no answer within {self._send_timeout:g}s"
        else:
            # Not a reason an adapter worded: its text may hold a URL with a token in it
            # (Telegram puts the bot token in the path), so only a scrubbed form is kept.
            log.debug("outbox: row %d: unexpected transport error", row.id, exc_info=exc)
            reason = f"{type(exc).__name__}: {scrub(str(exc))}"
        if row.attempts + 1 >= self._max_attempts:
            return _PARKED, await self._give_up(lane, row, reason)
        return await self._failed(row, reason), None

    async def _rate_limited(self, lane: Lane, row: OutRow, exc: RetryAfter) -> str:
        seconds = max(0.0, float(exc.seconds))
        self._paused_until[lane] = self._monotonic() + seconds
        log.info("outbox: %s/%s rate limited for %gs", *lane, seconds)
        await self._write(
            delivery.mark_retry,
            None,
            row.id,
            attempts=row.attempts,
            next_attempt_at=self._clock.now() + timedelta(seconds=seconds),
            error=f"{exc.reason} (retry after {seconds:g}s)",
        )
        return _WAIT

    async def _give_up(self, lane: Lane, row: OutRow, reason: str) -> OutRow | None:
        attempts = row.attempts + 1
        log.error("outbox: row %d parked after %d attempts: %s", row.id, attempts, reason)
        return await self._write(
            delivery.park,
            lane,
            row.id,
            self._clock.now(),
            f"gave up after {attempts} attempts: {reason}",
            attempts=attempts,
        )

    async def _failed(self, row: OutRow, reason: str) -> str:
        attempts = row.attempts + 1
        delay = min(self._backoff * 2 ** (attempts - 1), self._backoff_max)
        if self._jitter > 0:
            delay += delay * (self._jitter * self._rand())
        log.warning(
            "outbox: row %d attempt %d failed (%s); retry in %s", row.id, attempts, reason, delay
        )
        await self._write(
            delivery.mark_retry,
            None,
            row.id,
            attempts=attempts,
            next_attempt_at=self._clock.now() + delay,
            error=reason,
        )
        return _WAIT

    async def _write(
        self, change: Callable[..., None], lane: Lane | None, *args: object, **kwargs: object
    ) -> OutRow | None:
        """Record what happened to a row, and then (with `lane`) read the lane's next head:
        one trip to a thread for both."""

        def work() -> OutRow | None:
            change(self._db, *args, **kwargs)
            if lane is None:
                return None
            return delivery.next_head(self._db, lane[0], lane[1], self._clock.now())

        return await asyncio.to_thread(work)

    # --- pacing -------------------------------------------------------------------------

    def _rate(self, platform: str) -> tuple[int, float]:
        count, per = self._rates.get(platform, DEFAULT_RATE)
        return count, per.total_seconds()

    async def _wait_turn(self, lane: Lane, platform: str) -> None:
        """Until the lane may send: its Retry-After pause is over and the window has room."""
        count, per = self._rate(platform)
        times = self._sent_times.get(lane)
        while True:
            now = self._monotonic()
            ready_at = self._paused_until.get(lane, 0.0)
            if times is not None and len(times) >= count:
                ready_at = max(ready_at, times[0] + per)
            if ready_at <= now:
                return
            await self._sleep(ready_at - now)

    def _note_send(self, lane: Lane, platform: str) -> None:
        count, _ = self._rate(platform)
        times = self._sent_times.get(lane)
        if times is None or times.maxlen != count:
            times = self._sent_times[lane] = deque(times or (), maxlen=count)
        times.append(self._monotonic())
