"""Setting Slack up: the manifest, `arcircle serve` refusing what it cannot run, doctor."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.adapters.slack.doctor import GROUP_SCOPE, SCOPES
from tests.conftest import TEST_CONFIG
from tests.fake_slack import closed_port_url
from tests.test_cli import arcircle, env  # noqa: F401 - the fixture

REPO = Path(__file__).resolve().parents[1]


def squeeze(text: str) -> str:
    """Doctor's lines with the padding between label and message collapsed to one space."""
    return re.sub(r"(?m)^([✓✗!] \S+(?: \(\w+\))?) +", r"\1 ", text)


def test_the_manifest_asks_for_what_the_bot_uses_and_nothing_more() -> None:
    manifest = yaml.safe_load((REPO / "slack" / "manifest.yaml").read_text(encoding="utf-8"))
    features = manifest["features"]
    assert [c["command"] for c in features["slash_commands"]] == ["/ar"]
    assert features["slash_commands"][0]["url"].endswith("/slack/events")
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_mention"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(
        [
            "commands",
            "app_mentions:read",
            "chat:write",
            "im:write",
            "files:write",
            "users:read",  # guests never read (users.info)
            "usergroups:read",  # platforms.slack.readers_group (usergroups.users.list)
        ]
    )
    # What doctor checks the installed app for is what the manifest asks for.
    assert set(SCOPES) | {GROUP_SCOPE} == set(manifest["oauth_config"]["scopes"]["bot"])


def http_config(path: Path) -> None:
    path.write_text(
        TEST_CONFIG.replace("platforms:\n", "platforms:\n  slack: {enabled: true, mode: http}\n"),
        encoding="utf-8",
    )


def test_serve_needs_slack_in_http_mode_and_its_secrets(env: dict[str, str]) -> None:  # noqa: F811
    off = arcircle(env, "serve")
    assert off.returncode == 2
    assert "set platforms.slack.enabled: true and mode: http" in off.stderr
    http_config(Path(env["ARCIRCLE_CONFIG"]))
    missing = arcircle(env, "serve")
    assert missing.returncode == 2
    assert "slack: missing environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in missing.stderr
    blank = arcircle(dict(env, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET=""), "serve")
    assert blank.returncode == 2 and "SLACK_SIGNING_SECRET" in blank.stderr
    assert "Traceback" not in off.stderr + missing.stderr + blank.stderr


def test_run_leaves_http_slack_to_serve(env: dict[str, str]) -> None:  # noqa: F811
    http_config(Path(env["ARCIRCLE_CONFIG"]))
    out = arcircle(env, "run", "--no-sample", stdin="/ar help\n")
    assert out.returncode == 0
    assert "slack is in HTTP mode: `arcircle serve` runs it" in out.stderr


def test_doctor_warns_about_oauth_variables_that_would_hide_the_bot_token(
    env: dict[str, str],  # noqa: F811
) -> None:
    http_config(Path(env["ARCIRCLE_CONFIG"]))
    both = dict(
        env, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", SLACK_CLIENT_ID="1",
        SLACK_CLIENT_SECRET="secret", SLACK_API_URL=closed_port_url(),
    )  # fmt: skip
    out = arcircle(both, "doctor")
    assert "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set" in out.stdout
    assert "secret" not in out.stdout.replace("SLACK_CLIENT_SECRET", "")
    # Slack cannot be reached (nothing listens there): said in one line, no token in it.
    assert "✗ slack (http) Slack could not be reached to check SLACK_BOT_TOKEN" in squeeze(
        out.stdout
    )
    assert "xoxb-1" not in out.stdout
