"""Reply texts of the lint's second opinion, English and Chinese (merged by bot.kernel.i18n)."""

from __future__ import annotations

EN: dict[str, str] = {
    "lint_opinion_title": "⚠ The rules passed this draft, but the language model has a doubt",
    "lint_opinion": "{label}: “{quote}”. {why}",
    "lint_opinion_footer": "A second opinion from the language model ({model}), not a rule: "
    "read the words again before sending.",
    "lint_opinion_agrees": "✅ Clean: nothing here breaks the collection rules, and the "
    "language model's second opinion agrees.",
}

ZH: dict[str, str] = {
    "lint_opinion_title": "⚠ 规则检查已通过，但语言模型有疑虑",
    "lint_opinion": "{label}：“{quote}”。{why}",
    "lint_opinion_footer": "这是语言模型（{model}）的第二意见，不是规则结论：发送前请再读一遍。",
    "lint_opinion_agrees": "✅ 合规：没有违反催收规范的内容，语言模型的第二意见也无异议。",
}
