"""Telegram in real `arcircle` processes against the fake Bot API on loopback: `arcircle run`
polls, `arcircle serve` takes the webhook, `arcircle doctor` checks the set-up. No token or
secret ever reaches the output."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fake_telegram import TOKEN, FakeTelegramThread
from tests.telegram_world import GROUP, SECRET, WANG, group_message, write_config
from tests.test_cli import arcircle
from tests.test_plugins import free_port

REPO = Path(__file__).resolve().parents[1]
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def fake() -> Iterator[FakeTelegramThread]:
    with FakeTelegramThread() as running:
        yield running


def process_env(
    tmp_path: Path, fake: FakeTelegramThread, mode: str, extra: str = ""
) -> dict[str, str]:
    from tests.e2e_helpers import subprocess_env

    config = write_config(tmp_path, mode, extra)
    env = subprocess_env(config, f"sqlite:///{tmp_path}/tg.db")
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake.url,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        ARCIRCLE_LOG_LEVEL="DEBUG",  # every library logs: none may write the token
    )
    return env


def wait(
    check: Callable[[], Any], what: str, proc: subprocess.Popen[bytes], timeout: float = 20
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate(timeout=10)
            raise AssertionError(f"no {what}\nstdout:\n{out.decode()}\nstderr:\n{err.decode()}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes]) -> tuple[str, str]:
    proc.terminate()
    out, err = proc.communicate(timeout=20)
    return out.decode(), err.decode()


def test_arcircle_run_polls_telegram(tmp_path: Path, fake: FakeTelegramThread) -> None:
    env = process_env(tmp_path, fake, "polling")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--no-sample"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    try:
        fake.push(group_message("/ar help", WANG))
        fake.push(group_message("/ar 帮助", WANG))
        texts = wait(
            lambda: len(fake.sent_texts(GROUP)) >= 2 and fake.sent_texts(GROUP), "answers", proc
        )
    finally:
        out, err = stop(proc)
    assert "/ar overdue" in texts[0] or "overdue" in texts[0]
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err
    assert "Traceback" not in err


def test_arcircle_serve_takes_the_webhook(tmp_path: Path, fake: FakeTelegramThread) -> None:
    extra = "  # webhook\n"
    env = process_env(tmp_path, fake, "webhook", extra)
    config = Path(env["ARCIRCLE_CONFIG"])
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "mode: webhook}",
            "mode: webhook, webhook_url: 'https://bot.example.com/telegram/webhook'}",
        ),
        encoding="utf-8",
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait(up, "healthz", proc)
        assert fake.fake.webhook == {
            "url": "https://bot.example.com/telegram/webhook",
            "secret_token": SECRET,
        }
        wrong = httpx.post(
            f"{base}/telegram/webhook",
            json=group_message("/ar help", WANG),
            headers={HEADER: "nope"},
        )
        assert wrong.status_code == 403
        good = httpx.post(
            f"{base}/telegram/webhook",
            json=group_message("/ar help", WANG),
            headers={HEADER: SECRET},
        )
        assert good.status_code == 200
        texts = wait(lambda: fake.sent_texts(GROUP), "the answer", proc)
    finally:
        out, err = stop(proc)
    assert len(texts) == 1  # the refused request ran nothing
    assert TOKEN not in out + err and SECRET not in out + err


def test_doctor_checks_the_token_secret_and_webhook(
    tmp_path: Path, fake: FakeTelegramThread
) -> None:
    env = process_env(tmp_path, fake, "webhook")
    good = arcircle(env, "doctor")
    assert "Telegram knows the bot as @arcircle_test_bot" in good.stdout
    assert "webhook_url is not set: setWebhook is skipped" in good.stdout
    bad = dict(env, TELEGRAM_BOT_TOKEN="not-a-token", TELEGRAM_WEBHOOK_SECRET="has spaces!")
    out = arcircle(bad, "doctor")
    assert out.returncode == 1
    assert "TELEGRAM_BOT_TOKEN does not look like a bot token" in out.stdout
    assert "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters" in out.stdout
    assert "not-a-token" not in out.stdout and "has spaces" not in out.stdout
    wrong = dict(env, TELEGRAM_BOT_TOKEN="123456789:" + "B" * 35)
    refused = arcircle(wrong, "doctor")
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in refused.stdout
    assert "B" * 35 not in refused.stdout + refused.stderr
