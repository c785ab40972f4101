"""/ar export and `arcircle export`: the files they write, the usage line for bad input, who
may export (and what a salesperson gets), and the exports config. SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.kernel.capabilities import Capabilities, adapt
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, ConfigError, load_config
from bot.kernel.config_exports import ExportsConfig
from storage.db import Database
from tests.export_helpers import (
    World,
    circle_history,
    csv_rows,
    make_world,
    sheet_rows,
)


@pytest.fixture
def world(db: Database, tmp_path: Path, config: Config, clock: FakeClock) -> World:
    return make_world(db, tmp_path, config, clock)


# --- the chat command -------------------------------------------------------------------------


async def test_chat_export_writes_a_file_and_answers_privately(world: World) -> None:
    await circle_history(world)
    reply = await world.reply("li.na", "/ar 导出 账龄")
    assert reply.ephemeral and reply.kind == "answer"
    (path,) = reply.attachments
    assert Path(path).parent == world.tmp / "exports"  # beside the SQLite file (or config)
    assert Path(path).suffix == ".xlsx" and Path(path).exists()
    assert reply.text.startswith("账龄导出（截至 2026-03-19）：aging-2026-03-19-")
    assert "（4 行）" in reply.text
    assert len(sheet_rows(Path(path), "Aging")) == 4
    cases = await world.reply("liu.yang", "/ar export cases 2026-03-01 2026-03-31 csv")
    assert cases.attachments[0].endswith(".zip")
    assert "Sheets: Cases 2, Invoices" in (cases.text or "")
    # A messenger that takes no files shows the file's name instead.
    shown = adapt(cases, "answer", Capabilities(files=False))
    assert shown.attachments == () and Path(cases.attachments[0]).name in shown.plain()


async def test_chat_export_bad_input_gets_the_usage_line(world: World) -> None:
    usage = "Usage: /ar export aging|cases|decisions|promises [from] [to] [csv|xlsx]"
    for line, problem in (
        ("/ar export", ""),
        ("/ar export ledger", "What to export"),
        ("/ar export decisions 2026-03-10 2026-03-01", "before its start"),
        ("/ar export aging 2026-03-01 2026-03-02", "takes one day"),
        ("/ar export promises 2026-02-30", "A day is written"),
    ):
        reply = await world.reply("zhao.yun", line)
        assert reply.kind == "usage" and usage in reply.plain() and problem in reply.plain()
        assert not reply.attachments
    assert not (world.tmp / "exports").exists()


async def test_who_may_export(world: World) -> None:
    await circle_history(world)
    # Sales: their own customers only, and told so.
    mine = await world.reply("tom.baker", "/ar export aging csv")
    assert "Only the customers you own are in it." in (mine.text or "")
    rows = csv_rows(Path(mine.attachments[0]).read_text(encoding="utf-8-sig"))
    assert [r["invoice_no"] for r in rows] == ["INV-3"]
    cases = await world.reply("tom.baker", "/ar export cases 2026-03-01 xlsx")
    assert [c["customer_code"] for c in sheet_rows(Path(cases.attachments[0]), "Cases")] == ["C2"]
    # A config that gives sales nothing: refused, and told who may.
    world.router.config = world.config.model_copy(update={"exports": ExportsConfig(own=[])})
    refused = await world.reply("tom.baker", "/ar export aging")
    assert refused.kind == "error" and not refused.attachments
    assert refused.plain() == (
        "Exports are for Finance, Legal, managers. Ask one of them (李娜, 赵云, 刘洋), "
        "or your admin (exports.everything in config.yaml)."
    )
    # Someone the config does not know is stopped at the door.
    stranger = await world.reply(None, "/ar export aging")
    assert not stranger.attachments


def test_exports_config(tmp_path: Path) -> None:
    from tests.conftest import TEST_CONFIG

    path = tmp_path / "config.yaml"
    path.write_text(TEST_CONFIG + "exports: {dir: out, keep_days: 3, own: []}\n", "utf-8")
    cfg = load_config(path, env={})
    assert cfg.exports.dir == tmp_path / "out" and cfg.exports.keep_days == 3
    assert cfg.exports.reach(cfg.actor("tom.baker")) is None
    assert cfg.exports.reach(cfg.actor("li.na")) == "all"
    assert cfg.exports.reach(cfg.actor("liu.yang")) == "all"  # the manager role
    path.write_text(TEST_CONFIG + "exports: {keep_days: 0}\n", "utf-8")
    with pytest.raises(ConfigError, match=r"exports\.keep_days"):
        load_config(path, env={})


# --- the CLI ----------------------------------------------------------------------------------


async def test_cli_export_writes_files_and_refuses_a_backwards_range(
    world: World, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await circle_history(world)
    common = ["--config", str(config_path), "--database", world.db.url]
    out = world.tmp / "decisions.xlsx"
    assert main(["export", "decisions", "2026-03-01", "2026-03-31", "-o", str(out), *common]) == 0
    assert [d["action"] for d in sheet_rows(out, "Decisions")] == ["installment"]
    assert f"Decisions 1 rows written to {out}" in capsys.readouterr().err
    assert main(["export", "promises", "2026-03-01", "2026-03-31", "-o", "-", *common]) == 0
    printed = capsys.readouterr().out
    assert [r["status"] for r in csv_rows(printed.lstrip("\ufeff"))] == ["broken", "pending"]
    code = main(["export", "decisions", "2026-03-10", "2026-03-01", *common])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("usage: arcircle export")
    assert "the end of the range is before its start" in err
    assert main(["export", "cases", "2026-03-01", "-o", str(world.tmp / "c.csv"), *common]) == 2
