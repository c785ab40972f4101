"""The playbook's customer-facing templates as one list, for tests that read every line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Every slot whose words reach the customer (the instalment offer is added where wanted).
CUSTOMER_SLOTS = ("tones", "promise", "grades", "dispute", "terms", "closing", "relationship")


def customer_texts(data: Any, slots: Iterable[str] = CUSTOMER_SLOTS) -> list[str]:
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.append(value)
        elif hasattr(value, "items"):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    for key in slots:
        walk(data[key])
    for e in data["excuses"].values():
        walk(e["replies"])
    return out
