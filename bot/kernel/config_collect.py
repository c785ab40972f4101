"""config.yaml `collection:`: the contract and credit facts the words and checks depend on.

    collection:
      late_interest_per_day: 0.001   # the contract's late interest (0.1% a day); none: no clause
      large_amount: 500000           # company currency: at or above, a manager makes the call
      large_share_of_limit: 0.8      # ... or a balance at this share of the credit limit
      prepay_from_grade: doubtful    # from this risk grade, new orders need payment first
      down_payment: 0.30             # ... or this share paid up front

Interest is stated to a customer only when the contract has it: the default here is the
company's standard clause, a customer's or an invoice's own rate (from the ledger or the
customer file) wins over it, and no rate anywhere means no interest line at all.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

GradeName = Literal["not_due", "in_collection", "doubtful", "bad", "dead"]


def _decimal(value: object) -> object:
    # Floats in YAML (0.001) become their shortest repr, never a binary fraction.
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


Rate = Annotated[Decimal, BeforeValidator(_decimal)]


class Collection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    late_interest_per_day: Rate | None = Field(default=None, ge=0, le=Decimal("0.01"))
    large_amount: Rate | None = Field(default=Decimal(500_000), gt=0, le=Decimal(10) ** 15)
    large_share_of_limit: Rate | None = Field(default=Decimal("0.8"), gt=0, le=10)
    prepay_from_grade: GradeName | None = "doubtful"
    down_payment: Rate = Field(default=Decimal("0.30"), gt=0, le=1)
