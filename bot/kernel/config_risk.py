"""config.yaml's aging stages and buckets, and the risk grades."""

from __future__ import annotations

from typing import Any

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from bot.kernel.config_values import Dec, Strict
from playbook import aging as rules

# --- aging and risk -----------------------------------------------------------------------


class Stages(Strict):
    pre_due_days: int = Field(default=7, ge=0, le=90)
    mid_from: int = Field(default=31, ge=2)
    late_from: int = Field(default=91, ge=3)

    @model_validator(mode="after")
    def _ordered(self) -> Stages:
        if self.mid_from >= self.late_from:
            raise ValueError("mid_from must be smaller than late_from")
        return self


class AgingConfig(Strict):
    stages: Stages = Field(default_factory=Stages)
    # Upper bounds of the report buckets in days past due; Current and the open last bucket
    # are added around them.
    buckets: list[int] = Field(default_factory=lambda: [30, 60, 90, 180, 365])

    @field_validator("buckets")
    @classmethod
    def _valid_buckets(cls, bounds: list[int]) -> list[int]:
        rules.make_buckets(bounds)
        return bounds


class RecoveryStepConfig(Strict):
    up_to_days: int | None
    rate: Dec


class RiskConfig(Strict):
    doubtful_after_days: int = 180
    bad_after_days: int = 365
    dead_after_days: int = 730
    doubtful_broken_promises: int = 2
    bad_broken_promises: int = 4
    disputed_doubtful_after_days: int = 90
    recovery: list[RecoveryStepConfig] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RiskConfig:
        self.policy()
        return self

    def policy(self) -> rules.RiskPolicy:
        return rules.RiskPolicy(
            doubtful_after_days=self.doubtful_after_days,
            bad_after_days=self.bad_after_days,
            dead_after_days=self.dead_after_days,
            doubtful_broken_promises=self.doubtful_broken_promises,
            bad_broken_promises=self.bad_broken_promises,
            disputed_doubtful_after_days=self.disputed_doubtful_after_days,
        )

    def recovery_steps(self) -> tuple[rules.RecoveryStep, ...]:
        if self.recovery is None:
            return rules.DEFAULT_RECOVERY
        steps = tuple(rules.RecoveryStep(s.up_to_days, s.rate) for s in self.recovery)
        rules.validate_recovery(steps)
        return steps

    @field_validator("recovery")
    @classmethod
    def _valid_recovery(cls, steps: list[RecoveryStepConfig] | None) -> Any:
        if steps is not None:
            rules.validate_recovery([rules.RecoveryStep(s.up_to_days, s.rate) for s in steps])
        return steps
