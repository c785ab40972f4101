"""config.yaml `exports:`: where export files go, how long they stay, and who may export.

    exports:
      dir: exports            # default: exports/ beside the SQLite file, else the working dir
      keep_days: 7            # older export files are removed when the next one is written
      everything: [finance, legal, manager]   # may export every customer
      own: [sales]            # may export their own customers only

`everything` and `own` take the words of `circle.decisions`: a team (any member), `team.lead`,
`lead` (any team lead), `manager` (the manager role) or `any`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from playbook import decisions


def _everything() -> list[str]:
    return ["finance", "legal", "manager"]


def _own() -> list[str]:
    return ["sales"]


class ExportsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dir: Path | None = None
    keep_days: int = Field(default=7, ge=1, le=3650)
    everything: list[str] = Field(default_factory=_everything)
    own: list[str] = Field(default_factory=_own)

    def reach(self, actor: decisions.Actor) -> Literal["all", "own"] | None:
        """What this person may export: every customer, their own, or nothing (None)."""
        if decisions.allowed("export", actor, {"export": self.everything}):
            return "all"
        if decisions.allowed("export", actor, {"export": self.own}):
            return "own"
        return None
