"""Texts of the ledger sync's messages (a case the ledger shows paid), English and Chinese;
registered with bot.kernel.i18n when bot.kernel.paid_note is imported."""

from __future__ import annotations

from bot.kernel.i18n import register

EN: dict[str, str] = {
    "note_paid_thanks": "Case #{case} · {customer}: paid in full, so the case is closed ✅ Time to thank them:",
    "note_paid_words": "Suggested words ({label}):",
    "note_paid_next": "Next step: {step}",
}

ZH: dict[str, str] = {
    "note_paid_thanks": "案件 #{case} · {customer}：款项已全部到账，本案结案 ✅ 请向客户致谢：",
    "note_paid_words": "建议话术（{label}）：",
    "note_paid_next": "下一步：{step}",
}

register(EN, ZH)
