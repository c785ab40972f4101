"""The ledger's HTTP JSON feed, polled: pages fetched over httpx, then applied in one go.

What the feed is asked and how (the page's JSON shape is in storage.ledger_feed_page):
- GET the URL from the environment (`ledger.feed.url_env`), with the header named
  `ledger.feed.auth_header` set to the value of `ledger.feed.auth_header_env`, and, when the
  last full answer gave them, If-None-Match / If-Modified-Since. A 304 means nothing to do.
- The next page: the body's `next` (a link, absolute or relative, or an opaque cursor sent
  back as `?cursor=`), else the Link header's rel="next". Only links to the feed's own
  origin are followed (the auth header goes nowhere else); a loop or more than `max_pages`
  pages ends the run early.
- A 5xx, a 429, a timeout or a dropped connection is retried `retries` times after
  `backoff` doubling up to `backoff_max` (or the server's Retry-After, when longer); any other
  status fails the run. Hand-written because httpx's transport retries cover only connect
  errors, and a loop with an injected sleep is what the tests can drive without waiting.
- All pages are fetched before anything is written: a run that fails while fetching leaves
  the database as it was and records a failed `job_run` ("ledger_feed", detail
  {"source", "error"}) for the digest. A malformed page is reported and skipped (its rows
  cannot be known), the others applied, and the validators are not saved, so the next run
  asks for everything again. See storage.ledger_feed for the one transaction per run. A run
  holds its pages in memory until then: at most `max_pages` × `max_page_bytes`.

The URL and the auth value are secrets: no message, log line or database row holds them
(errors name the page number and the HTTP status, never the address).
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import httpx

from bot.kernel.config_sync import LedgerFeed
from storage import jobrun
from storage.circle import CircleEnv
from storage.db import Database
from storage.ledger import ImportOptions
from storage.ledger_feed import FeedResult, Validators, apply_feed, mark_checked, validators
from storage.ledger_feed_page import FeedPage, FeedProblem, MalformedPage, read_page
from storage.paid_cases import close_paid_cases

log = logging.getLogger(__name__)
JOB = "ledger_feed"
SOURCE = "feed"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# What a header value may hold: visible ASCII and spaces (no line breaks to smuggle headers).
_HEADER_VALUE = re.compile(r"[\x20-\x7e]{1,4096}")

Sleep = Callable[[float], None]


class FeedError(Exception):
    """The run failed; the message is safe to log and store (no address, no credential)."""


@dataclass
class FeedOutcome:
    status: str  # "not_modified", "done" or "failed"
    result: FeedResult | None = None
    error: str | None = None
    closed_cases: list[int] = field(default_factory=list)

    @property
    def problems(self) -> list[FeedProblem]:
        return self.result.problems if self.result is not None else []


@dataclass
class _Fetched:
    pages: list[FeedPage]
    found: Validators | None  # None: cut short, keep the old validators
    problems: list[FeedProblem]


class _HideFeedUrls(logging.Filter):
    """httpx logs each request's URL at INFO; the feed's URL is a secret (a signed link, a
    token in the query), so the lines about its origin show no address."""

    def __init__(self) -> None:
        super().__init__()
        self.origins: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.origins and isinstance(record.args, tuple):
            record.args = tuple(
                "<feed url>" if isinstance(a, httpx.URL | str) and self._secret(str(a)) else a
                for a in record.args
            )
        return True

    def _secret(self, text: str) -> bool:
        return any(text.startswith(origin) for origin in self.origins)


_hide = _HideFeedUrls()
logging.getLogger("httpx").addFilter(_hide)


def _origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"


class _Client:
    """One run's requests: the secrets, the retry loop, the page size cap."""

    def __init__(
        self,
        cfg: LedgerFeed,
        url: str,
        auth: str | None,
        sleep: Sleep,
        transport: httpx.BaseTransport | None,
    ) -> None:
        self.cfg = cfg
        try:
            self.base = httpx.URL(url)
        except httpx.InvalidURL:
            # Its message quotes the address.
            raise FeedError(f"{cfg.url_env} is not a valid address") from None
        if self.base.scheme not in ("http", "https") or not self.base.host:
            raise FeedError(f"{cfg.url_env} is not an http(s) address")
        if auth is not None and not _HEADER_VALUE.fullmatch(auth):
            # httpx's and h11's complaints about a header quote the value.
            raise FeedError(f"{cfg.auth_header_env} holds characters a header cannot carry")
        self.origin = _origin(self.base)
        _hide.origins.add(self.origin)
        self.secrets = _secrets(url, auth)
        self.sleep = sleep
        headers = {"Accept": "application/json", "User-Agent": "arcircle-ledger-feed"}
        if auth:
            headers[cfg.auth_header] = auth
        self.http = httpx.Client(
            headers=headers,
            timeout=cfg.timeout.total_seconds(),
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self.http.close()

    def scrub(self, text: str) -> str:
        return _scrub(text, self.secrets)[:300]

    def get(self, url: httpx.URL, headers: Mapping[str, str], page: int) -> _Answer:
        """The page's answer (body read, at most max_page_bytes), retried as documented."""
        cfg = self.cfg
        last = ""
        for attempt in range(cfg.retries + 1):
            wait = min(cfg.backoff * (2**attempt), cfg.backoff_max)
            try:
                answer = self._get_once(url, headers)
            except httpx.TimeoutException:
                last = f"timed out after {_seconds(cfg.timeout)}"
            except _TooBig:
                raise
            except httpx.RequestError as exc:
                last = f"{type(exc).__name__}: {self.scrub(str(exc))}"
            else:
                if answer.status not in _RETRY_STATUS:
                    return answer
                last = f"HTTP {answer.status}"
                wait = max(wait, min(answer.retry_after, cfg.backoff_max))
            if attempt < cfg.retries:
                log.warning("ledger feed page %d: %s; retrying in %s", page, last, _seconds(wait))
                self.sleep(wait.total_seconds())
        raise FeedError(f"page {page}: {last} ({cfg.retries + 1} attempts)")

    def _get_once(self, url: httpx.URL, headers: Mapping[str, str]) -> _Answer:
        with self.http.stream("GET", url, headers=headers) as response:
            body = bytearray()
            if response.status_code == 200:
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.cfg.max_page_bytes:
                        raise _TooBig()
            return _Answer(
                response.status_code,
                _header(response, "ETag", 300),
                _header(response, "Last-Modified", 100),
                response.links.get("next", {}).get("url"),
                _retry_after(response),
                bytes(body),
            )

    def next_url(self, current: httpx.URL, link: str) -> httpx.URL:
        """Where `next` points: a link (same origin only) or a cursor on the feed's URL."""
        if link.startswith(("http://", "https://", "/", "?")):
            target = current.join(link)
            if _origin(target) != self.origin:
                raise FeedError("the feed's next link points to another site; not followed")
            return target
        return self.base.copy_merge_params({"cursor": link})


def _secrets(url: str, auth: str | None) -> list[str]:
    """The texts no message may quote: the URL, its path and query, the header's value."""
    found = [url, auth or ""]
    rest = url.split("://", 1)[-1]
    if "/" in rest:
        found.append(rest[rest.index("/") :])  # the path and query: /ar?token=...
    return sorted((s for s in found if len(s) > 1), key=len, reverse=True)


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "<secret>")
    return text


class _TooBig(Exception):
    """A page body beyond max_page_bytes: refused before it fills the memory."""


@dataclass(frozen=True)
class _Answer:
    status: int
    etag: str | None
    last_modified: str | None
    link_next: str | None  # the Link header's rel="next"
    retry_after: timedelta
    body: bytes


def _retry_after(response: httpx.Response) -> timedelta:
    value = response.headers.get("Retry-After", "")
    return timedelta(seconds=int(value)) if value.isdecimal() and len(value) < 7 else timedelta(0)


def _seconds(span: timedelta) -> str:
    return f"{span.total_seconds():g}s"


def _fetch(
    client: _Client, old: Validators, options: ImportOptions, today: date
) -> _Fetched | None:
    """Every page, read; None for a 304 (nothing changed since the saved validators)."""
    cfg = client.cfg
    url = client.base
    seen = {str(url)}
    pages: list[FeedPage] = []
    problems: list[FeedProblem] = []
    complete = True
    found = Validators()
    for number in range(1, cfg.max_pages + 1):
        headers: dict[str, str] = {}
        if number == 1:
            if old.etag:
                headers["If-None-Match"] = old.etag
            if old.last_modified:
                headers["If-Modified-Since"] = old.last_modified
        try:
            response = client.get(url, headers, number)
        except _TooBig:
            problems.append(
                FeedProblem(number, "page", None, f"larger than {cfg.max_page_bytes:,} bytes")
            )
            complete = False
            break
        if number == 1:
            if response.status == 304:
                return None
            found = Validators(response.etag, response.last_modified)
        if response.status != 200:
            raise FeedError(f"page {number}: HTTP {response.status}")
        link = response.link_next
        try:
            page = read_page(response.body, number, options, today)
        except MalformedPage as exc:
            problems.append(FeedProblem(number, "page", None, str(exc)))
            complete = False
            following = link
        else:
            pages.append(page)
            following = page.next or link
        if not following:
            break
        url = client.next_url(url, following)
        if str(url) in seen:
            problems.append(
                FeedProblem(number, "page", None, "next points back to a page already read")
            )
            complete = False
            break
        seen.add(str(url))
    else:
        problems.append(
            FeedProblem(cfg.max_pages, "page", None, f"stopped after {cfg.max_pages} pages")
        )
        complete = False
    return _Fetched(pages, found if complete else None, problems)


def _header(response: httpx.Response, name: str, most: int) -> str | None:
    value = response.headers.get(name)
    return value if value and len(value) <= most and value.isprintable() else None


def sync_feed(
    db: Database,
    cfg: LedgerFeed,
    options: ImportOptions,
    env: Mapping[str, str],
    *,
    now: datetime,
    today: date,
    circle: CircleEnv | None = None,
    sleep: Sleep = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> FeedOutcome:
    """One poll of the feed; a failure is recorded (job_run) and returned, never raised."""
    url = env.get(cfg.url_env, "").strip()
    auth = env.get(cfg.auth_header_env, "").strip() if cfg.auth_header_env else None
    secrets = _secrets(url, auth)
    try:
        if not url:
            raise FeedError(f"the environment variable {cfg.url_env} (the feed's URL) is not set")
        client = _Client(cfg, url, auth or None, sleep, transport)
        try:
            fetched = _fetch(client, validators(db, SOURCE), options, today)
        finally:
            client.close()
        if fetched is None:
            mark_checked(db, SOURCE, now)
            return FeedOutcome("not_modified")
        result = apply_feed(
            db, SOURCE, fetched.pages, options, now=now, today=today, found=fetched.found
        )
        result.problems[:0] = fetched.problems
    except FeedError as exc:
        return _failed(db, now, str(exc))
    except Exception as exc:
        # A database that failed mid-run rolled the run back. The traceback is for the log,
        # scrubbed of the secrets in case some message quoted them; the digest gets the kind.
        trace = "".join(traceback.format_exception(exc))
        log.error("ledger feed: the run failed:\n%s", _scrub(trace, secrets))
        return _failed(db, now, f"{type(exc).__name__}: the run was rolled back (see the log)")
    for problem in result.problems:
        log.warning("ledger feed: %s", problem.line())
    detail: dict[str, object] = {"source": SOURCE, **result.summary()}
    if result.problems:
        detail["problems"] = [p.line()[:300] for p in result.problems[:50]]
    if fetched.found is None:
        detail["incomplete"] = True
    if result.changed or result.problems:
        # A poll that changed nothing and found nothing wrong leaves no row behind (a feed
        # without validators answers in full every ten minutes).
        jobrun.record_run(db, JOB, now.isoformat(), "done", now, detail)
    outcome = FeedOutcome("done", result)
    if circle is not None:
        try:
            outcome.closed_cases = close_paid_cases(db, circle, now=now, today=today)
        except Exception:
            # The payments are in; the cases are closed by the next run (or by hand).
            log.exception("ledger feed: closing the paid cases failed")
    return outcome


def _failed(db: Database, now: datetime, error: str) -> FeedOutcome:
    log.warning("ledger feed failed: %s", error)
    try:
        jobrun.record_run(
            db, JOB, now.isoformat(), "failed", now, {"source": SOURCE, "error": error}
        )
    except Exception:
        log.exception("ledger feed: the failure could not be recorded")
    return FeedOutcome("failed", error=error)
