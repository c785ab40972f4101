"""The fields a ledger row may carry: what the importer reads and what config may map."""

from __future__ import annotations

FIELDS: tuple[str, ...] = (
    "invoice_no",
    "customer",
    "customer_name",
    "issue_date",
    "due_date",
    "amount",
    "paid_amount",
    "outstanding",
    "settled_date",
    "disputed",
    "currency",
    "terms_days",
    "owner",
    "segment",
    "description",
    # Customer facts a row may carry beside its invoice (the customer file has them too).
    "relationship_since",  # the first order date
    "contact_name",
    "contact_title",
    "credit_limit",  # in the row's currency
    "interest_per_day",  # the contract's late interest, per invoice
)

# Headers an export commonly gives these fields, beside the field's own name (matched without
# case, spaces or punctuation). A column mapped in config or with --map always wins.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "relationship_since": (
        "首次合作日期",
        "合作开始日期",
        "合作起始日期",
        "首次下单日期",
        "客户since",
        "customer since",
        "first order date",
        "first order",
        "relationship start",
    ),
    "contact_name": ("联系人", "联系人姓名", "对接人", "contact", "contact person"),
    "contact_title": ("职务", "联系人职务", "职位", "contact title", "job title"),
    "credit_limit": ("信用额度", "授信额度", "额度", "credit line"),
    "interest_per_day": (
        "逾期利率",
        "日利率",
        "逾期日利率",
        "违约金比例",
        "滞纳金比例",
        "late interest",
        "interest rate",
        "daily interest",
    ),
}
