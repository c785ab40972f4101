"""One identity table (issue 10, section 1): a person's ids on any messenger, from config.yaml,
synced at start with an audit entry per change; the router finds the sender through it; an
id given to two people is a config error; Slack mentions and DMs by `ids: {slack: ...}`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from bot.adapters.slack.mrkdwn import inbound_text, render_text
from bot.app import build_runtime
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, ConfigError, load_config
from bot.kernel.identity import Identities, Identity, identities_of
from bot.kernel.rich import Mention, RichText
from storage import audit
from storage.db import Database
from storage.identity import all_rows, person_for, sync
from storage.identity import identities_of as ids_in_db
from tests.conftest import TEST_CONFIG


def config_from(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env={})


def _entries(db: Database) -> list[tuple[str, str, dict[str, str]]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT action, entity_id, detail FROM audit_log "
                "WHERE action LIKE 'identity.%' ORDER BY id"
            )
        ).all()
    return [(r.action, r.entity_id, json.loads(r.detail)) for r in rows]


# --- storage: sync and reads -----------------------------------------------------------------


def test_sync_adds_changes_and_removes_with_an_audit_entry_each(
    db: Database, clock: FakeClock
) -> None:
    first = [
        Identity("li.na", "slack", "U2"),
        Identity("li.na", "wecom", "LiNa"),
        Identity("tom", "slack", "U4"),
    ]
    with db.engine.begin() as conn:
        done = sync(conn, first, clock.now())
    assert (done.added, done.changed, done.removed) == (3, 0, 0)
    # li.na's WeCom id goes, tom's Slack id changes, tom gets a Telegram id.
    second = [
        Identity("li.na", "slack", "U2"),
        Identity("tom", "slack", "U9"),
        Identity("tom", "telegram", "777"),
    ]
    with db.engine.begin() as conn:
        done = sync(conn, second, clock.now())
    assert (done.added, done.changed, done.removed) == (1, 1, 1)
    with db.engine.connect() as conn:
        assert all_rows(conn) == [
            ("li.na", "slack", "U2"),
            ("tom", "slack", "U9"),
            ("tom", "telegram", "777"),
        ]
        assert person_for(conn, "slack", "U9") == "tom"
        assert person_for(conn, "slack", "U4") is None
        assert person_for(conn, "wecom", "LiNa") is None
        assert ids_in_db(conn, "tom") == {"slack": "U9", "telegram": "777"}
    assert _entries(db) == [
        ("identity.add", "li.na", {"messenger": "slack", "id": "U2"}),
        ("identity.add", "li.na", {"messenger": "wecom", "id": "LiNa"}),
        ("identity.add", "tom", {"messenger": "slack", "id": "U4"}),
        ("identity.remove", "li.na", {"messenger": "wecom", "was": "LiNa"}),
        ("identity.change", "tom", {"messenger": "slack", "was": "U4", "id": "U9"}),
        ("identity.add", "tom", {"messenger": "telegram", "id": "777"}),
    ]
    # The same config again changes nothing and writes nothing.
    with db.engine.begin() as conn:
        assert not sync(conn, second, clock.now()).any
    assert len(_entries(db)) == 6
    with db.engine.connect() as conn:
        assert audit.verify(conn).ok


def test_two_people_swapping_ids_is_one_sync(db: Database, clock: FakeClock) -> None:
    with db.engine.begin() as conn:
        sync(conn, [Identity("a", "slack", "U1"), Identity("b", "slack", "U2")], clock.now())
    with db.engine.begin() as conn:
        done = sync(conn, [Identity("a", "slack", "U2"), Identity("b", "slack", "U1")], clock.now())
    assert done.changed == 2
    with db.engine.connect() as conn:
        assert all_rows(conn) == [("a", "slack", "U2"), ("b", "slack", "U1")]


def test_one_id_names_one_person_in_the_table(db: Database, clock: FakeClock) -> None:
    with db.engine.begin() as conn:
        sync(conn, [Identity("a", "slack", "U1")], clock.now())
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO identity (person, messenger, external_id, updated_at) "
                "VALUES ('b', 'slack', 'U1', :at)"
            ),
            {"at": clock.now()},
        )


def test_an_older_database_keeps_its_ids_in_the_identity_table(
    db: Database, clock: FakeClock
) -> None:
    """A database at 0004 had one column per messenger in `person`: 0005 moves the ids."""
    alembic = db._alembic()
    with db.engine.begin() as conn:
        alembic.attributes["connection"] = conn
        command.downgrade(alembic, "0004")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO person (key, name, role, slack_id, wecom_id, active, updated_at) "
                "VALUES ('li.na', '李娜', 'lead', 'U2', 'LiNa', true, :at), "
                "('gone', 'Gone', 'member', 'U8', NULL, false, :at)"
            ),
            {"at": clock.now()},
        )
    db.migrate()
    with db.engine.connect() as conn:
        assert all_rows(conn) == [("li.na", "slack", "U2"), ("li.na", "wecom", "LiNa")]
        columns = {c["name"] for c in sa.inspect(conn).get_columns("person")}
    assert "slack_id" not in columns and "name" in columns
    # And back: the ids return to their columns.
    with db.engine.begin() as conn:
        alembic.attributes["connection"] = conn
        command.downgrade(alembic, "0004")
    with db.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT slack_id, wecom_id FROM person WHERE key = 'li.na'")
        ).one()
    assert tuple(row) == ("U2", "LiNa")
    db.migrate()


def test_start_up_syncs_the_table_from_the_config(tmp_path: Path, clock: FakeClock) -> None:
    url = f"sqlite:///{tmp_path}/start.db"
    text = TEST_CONFIG.replace(
        "tom.baker: {name: Tom Baker, team: sales}",
        "tom.baker: {name: Tom Baker, team: sales, ids: {wecom: TomB, telegram: 42}}",
    )
    rt = build_runtime(config_from(tmp_path, text), clock, url, platforms=())
    with rt.db.engine.connect() as conn:
        assert all_rows(conn) == [
            ("tom.baker", "telegram", "42"),
            ("tom.baker", "wecom", "TomB"),
            ("wang.wei", "slack", "U1"),
        ]
    rt.db.dispose()
    # Tom leaves WeCom; the next start says so in the table and the trail.
    rt = build_runtime(
        config_from(tmp_path, text.replace("wecom: TomB, ", "")), clock, url, platforms=()
    )
    with rt.db.engine.connect() as conn:
        assert ("tom.baker", "wecom", "TomB") not in all_rows(conn)
    assert _entries(rt.db)[-1] == (
        "identity.remove",
        "tom.baker",
        {"messenger": "wecom", "was": "TomB"},
    )
    rt.db.dispose()


# --- the config ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("people", "message"),
    [
        (
            "  a: {name: A, ids: {wecom: ZM}}\n  b: {name: B, wecom: ZM}\n",
            "people.b.wecom: the wecom id 'ZM' is also given to 'a' (people.a.ids.wecom)",
        ),
        (
            "  a: {name: A, slack: U1}\n  b: {name: B, ids: {slack: U1}}\n",
            "people.b.ids.slack: the slack id 'U1' is also given to 'a' (people.a.slack)",
        ),
        (
            "  a: {name: A, ids: {WeCom: ZM}}\n",
            "people.a.ids.WeCom: 'WeCom' is not a messenger name",
        ),
        (
            "  a: {name: A, ids: {'we com': ZM}}\n",
            "people.a.ids.we com: 'we com' is not a messenger name",
        ),
        ("  a: {name: A, ids: {wecom: ''}}\n", "people.a.ids.wecom: an empty id"),
        (
            "  a: {name: A, slack: U1, ids: {slack: U2}}\n",
            "people.a.ids.slack: a second slack id for 'a': people.a.slack",
        ),
        ("  a: {name: A, ids: {slack: [U1]}}\n", "people.a.ids.slack: expected an id"),
    ],
)
def test_a_bad_id_is_an_error_naming_its_path(tmp_path: Path, people: str, message: str) -> None:
    text = TEST_CONFIG.replace("people:\n", "people:\n" + people)
    with pytest.raises(ConfigError) as err:
        config_from(tmp_path, text)
    assert any(message in line for line in err.value.lines), err.value.lines


def test_a_team_group_needs_a_messenger_name(tmp_path: Path) -> None:
    text = TEST_CONFIG.replace(
        "sales: {name: Sales,", "sales: {groups: {'Slack!': S1}, name: Sales,"
    )
    with pytest.raises(ConfigError) as err:
        config_from(tmp_path, text)
    assert any(
        "teams.sales.groups.Slack!: 'Slack!' is not a messenger name" in line
        for line in err.value.lines
    )


def test_identities_from_ids_and_shorthand(tmp_path: Path) -> None:
    text = TEST_CONFIG.replace(
        "tom.baker: {name: Tom Baker, team: sales}",
        "tom.baker: {name: Tom Baker, team: sales, ids: {slack: U7, feishu: ou_1}}",
    ).replace("sales: {name: Sales,", "sales: {groups: {slack: S1}, name: Sales,")
    ids = Identities(config_from(tmp_path, text))
    assert ids.person("slack", "U7") == "tom.baker"
    assert ids.person("slack", "U1") == "wang.wei"
    assert ids.person("feishu", "ou_1") == "tom.baker"
    assert ids.person("slack", "U404") is None and ids.person("slack", "") is None
    assert ids.external_id("tom.baker", "slack") == "U7"
    assert ids.group("sales", "slack") == "S1"
    # The console speaks as a person key.
    assert ids.person("console", "li.na") == "li.na"
    assert ids.person("console", "nobody") is None


# --- Slack renders a person with only `ids: {slack: ...}` ------------------------------------


def test_a_person_with_only_ids_slack_is_mentioned_by_id(tmp_path: Path) -> None:
    text = TEST_CONFIG.replace(
        "tom.baker: {name: Tom Baker, team: sales}",
        "tom.baker: {name: Tom Baker, team: sales, ids: {slack: U7}}",
    ).replace("legal: {name: Legal,", "legal: {groups: {slack: S0LEGAL}, name: Legal,")
    cfg = config_from(tmp_path, text)
    said = RichText("<!channel> ", Mention("person", "tom.baker"), " ", Mention("team", "legal"))
    assert render_text(said, cfg) == "&lt;!channel&gt; <@U7> <!subteam^S0LEGAL>"
    assert identities_of(cfg) is identities_of(cfg)  # built once per config
    assert (
        inbound_text("ask <@U7> and <!subteam^S0LEGAL|@legal>", cfg) == "ask @Tom Baker and @Legal"
    )


def test_a_hostile_id_in_ids_never_becomes_a_mention(tmp_path: Path) -> None:
    text = TEST_CONFIG.replace(
        "tom.baker: {name: Tom Baker, team: sales}",
        "tom.baker: {name: '<!channel>', team: sales, ids: {slack: 'U7><!here'}}",
    )
    cfg = config_from(tmp_path, text)
    rendered = render_text(RichText(Mention("person", "tom.baker")), cfg)
    assert rendered == "@&lt;!channel&gt;"
