"""Files on the console: the file is already on this machine, so its path is printed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from bot.adapters.console.messenger import ConsoleMessenger
from bot.kernel.capabilities import adapt
from bot.kernel.config import Config
from bot.kernel.messages import Card, Reply, Section


def test_an_attachment_is_printed_with_its_path(config: Config, tmp_path: Path) -> None:
    chart = tmp_path / "digest-chart.png"
    chart.write_bytes(b"\x89PNG")
    out = io.StringIO()
    console = ConsoleMessenger(_Router(), config, stdin=io.StringIO(), stdout=out)
    assert console.capabilities.files
    reply = Reply(
        card=Card(title="Daily digest"),
        attachments=(str(chart),),
        files_fallback=Section(title="the chart's figures"),
        ephemeral=False,
    )
    console.post(adapt(reply, "digest", console.capabilities), channel="#ar-circle")
    lines = out.getvalue().splitlines()
    assert lines[0] == "[#ar-circle] arcircle: Daily digest"
    assert lines[-1] == f"[#ar-circle]   (attached: digest-chart.png saved at {chart.resolve()})"
    assert "the chart's figures" not in out.getvalue()


class _Router:
    clock: Any = None
    access: Any = None
