"""Reply texts in English and Chinese. Handlers ask for a key; the speaker's locale picks."""

from __future__ import annotations

import string
from typing import Any

from bot.kernel.i18n_chart import EN as _CHART_EN
from bot.kernel.i18n_chart import ZH as _CHART_ZH
from bot.kernel.i18n_circle import EN as _CIRCLE_EN
from bot.kernel.i18n_circle import ZH as _CIRCLE_ZH
from bot.kernel.i18n_digest import EN as _DIGEST_EN
from bot.kernel.i18n_digest import ZH as _DIGEST_ZH
from bot.kernel.i18n_export import EN as _EXPORT_EN
from bot.kernel.i18n_export import ZH as _EXPORT_ZH
from bot.kernel.i18n_forms import EN as _FORMS_EN
from bot.kernel.i18n_forms import ZH as _FORMS_ZH
from bot.kernel.i18n_identity import EN as _IDENTITY_EN
from bot.kernel.i18n_identity import ZH as _IDENTITY_ZH
from bot.kernel.i18n_lint import EN as _LINT_EN
from bot.kernel.i18n_lint import ZH as _LINT_ZH
from bot.kernel.i18n_metrics import EN as _METRICS_EN
from bot.kernel.i18n_metrics import ZH as _METRICS_ZH
from bot.kernel.i18n_phrase import EN as _PHRASE_EN
from bot.kernel.i18n_phrase import ZH as _PHRASE_ZH
from bot.kernel.rich import Inline, Mention, RichText

_EN: dict[str, str] = {
    # router
    "unknown_verb": "I don't know the command '{verb}'.",
    "did_you_mean": "Did you mean: {options}?",
    "see_help": "Type /ar help for the list of commands.",
    "internal_error": (
        "Sorry, something went wrong on my side (ref {ref}). Nothing was changed; "
        "please try again, and tell your admin the ref if it keeps happening."
    ),
    "empty_command": "Tell me what to do, e.g. /ar overdue or /ar customer <name>.",
    # who may read (bot.kernel.access)
    "access_not_reader": "Only the people in arcircle's config and its readers may see receivables. Ask {ask} to add you (access.readers in config.yaml). /ar help, /ar lint, /ar excuses and /ar whoami work for everyone.",
    "access_guest": "Guest accounts cannot see receivables. If you need them, ask {ask}.",
    "access_unverified": "I could not check your account just now, so I show no receivables. Please try again in a minute; if it keeps happening, tell {ask}.",
    # help
    "help_title": "arcircle — receivables collection, as a team",
    "help_intro": "Commands (Chinese aliases in brackets). `/ar help <command>` for details.",
    "help_footer": "You can also @mention me with the same words.",
    "help_unknown": "There is no command '{verb}'.",
    # shared
    "no_customer": "No customer matches '{query}'.",
    "several_customers": "Several customers match '{query}'. Which one?",
    "suggestions": "Did you mean:",
    "more_candidates": "… and more: type more of the name.",
    "amount": "Amount",
    "outstanding": "Outstanding",
    "days": "Days",
    "stage": "Stage",
    "risk": "Risk",
    "owner": "Owner",
    "customer": "Customer",
    "invoice": "Invoice",
    "due": "Due",
    "bucket": "Bucket",
    "count": "Count",
    "segment": "Segment",
    "none": "none",
    # overdue
    "overdue_title": "Overdue — top {shown} of {total} (as of {date})",
    "overdue_title_filtered": "Overdue: {filter} — top {shown} of {total} (as of {date})",
    "overdue_none": "Nothing is overdue{filter} as of {date}. 🎉",
    "overdue_totals": "Total overdue",
    "overdue_footer": "Ranked by priority: recoverable amount × urgency. /ar customer <name> for one customer.",
    "overdue_bad_limit": "The number of items must be between 1 and 50.",
    # customer
    "customer_open": "Open",
    "customer_overdue": "Overdue",
    "customer_risk": "Risk grade",
    "customer_hold": "Credit hold",
    "customer_status": "Status",
    "customer_status_active": "active",
    "customer_status_insolvent": "insolvent",
    "customer_status_dissolved": "dissolved",
    "customer_buckets": "Open amount by age",
    "customer_invoices": "Open invoices ({count})",
    "customer_more": "… and {count} more",
    "customer_history": "Payment history",
    "customer_paid": "Paid invoices",
    "customer_avg_late": "Average days late",
    "customer_paid_late": "Paid late",
    "customer_last_payment": "Last payment",
    "customer_disputes": "Disputes",
    "customer_disputes_value": "{open} open, {total} in all",
    "customer_no_open": "No open invoices: nothing to collect. A good moment to thank them for paying.",
    "yes": "yes",
    "no": "no",
    "disputed": "disputed",
    # console
    "console_welcome": "arcircle console — you are {person}. Type /ar help, `as <person>: <text>` to speak as someone else, Ctrl-D to quit.",
    "console_unknown_person": "No person '{person}' in config. People: {people}.",
    "console_now": "You are now {person}.",
    "console_wait_usage": "Usage: wait <duration>, e.g. wait 5m or wait 1h30m (at most {longest}).",
    "lease_waiting": "Another arcircle process on this database runs the circle; this one answers commands and takes over if that one stops.",
}

_ZH: dict[str, str] = {
    "unknown_verb": "我不认识命令“{verb}”。",
    "did_you_mean": "您是不是要：{options}？",
    "see_help": "输入 /ar help 查看全部命令。",
    "internal_error": "抱歉，我这边出了问题（编号 {ref}）。没有任何数据被修改；请重试，如反复出现请把编号告诉管理员。",
    "empty_command": "请告诉我要做什么，例如 /ar overdue 或 /ar customer <客户名>。",
    "access_not_reader": "只有 arcircle 配置中的人员和授权查看者可以查看应收账款。请联系 {ask} 把您加入（config.yaml 的 access.readers）。/ar help、/ar lint、/ar excuses 和 /ar whoami 人人可用。",
    "access_guest": "访客账号不能查看应收账款。如确有需要，请联系 {ask}。",
    "access_unverified": "暂时无法核实您的账号，因此不显示应收账款。请稍后重试；如反复出现，请告知 {ask}。",
    "help_title": "arcircle — 团队协作催收",
    "help_intro": "命令（括号内为中文别名）。`/ar help <命令>` 查看详情。",
    "help_footer": "也可以 @我 并输入同样的内容。",
    "help_unknown": "没有“{verb}”这个命令。",
    "no_customer": "没有找到与“{query}”匹配的客户。",
    "several_customers": "有多个客户与“{query}”匹配，请问是哪一个？",
    "suggestions": "您是不是要找：",
    "more_candidates": "……还有更多，请输入更完整的名称。",
    "amount": "金额",
    "outstanding": "未收",
    "days": "逾期天数",
    "stage": "阶段",
    "risk": "风险",
    "owner": "负责人",
    "customer": "客户",
    "invoice": "发票",
    "due": "到期日",
    "bucket": "账龄",
    "count": "笔数",
    "segment": "客户分类",
    "none": "无",
    "overdue_title": "逾期账款 — 前 {shown} 笔，共 {total} 笔（截至 {date}）",
    "overdue_title_filtered": "逾期账款：{filter} — 前 {shown} 笔，共 {total} 笔（截至 {date}）",
    "overdue_none": "截至 {date}，{filter}没有逾期账款。🎉",
    "overdue_totals": "逾期合计",
    "overdue_footer": "按优先级排序：可回收金额 × 紧迫度。/ar customer <客户名> 查看单个客户。",
    "overdue_bad_limit": "条数必须在 1 到 50 之间。",
    "customer_open": "未结清",
    "customer_overdue": "已逾期",
    "customer_risk": "风险等级",
    "customer_hold": "信用冻结",
    "customer_status": "状态",
    "customer_status_active": "正常经营",
    "customer_status_insolvent": "已破产",
    "customer_status_dissolved": "已注销",
    "customer_buckets": "按账龄的未收金额",
    "customer_invoices": "未结清发票（{count} 笔）",
    "customer_more": "……另有 {count} 笔",
    "customer_history": "付款记录",
    "customer_paid": "已付清发票",
    "customer_avg_late": "平均逾期天数",
    "customer_paid_late": "逾期付清",
    "customer_last_payment": "最近一次付款",
    "customer_disputes": "争议",
    "customer_disputes_value": "未解决 {open} 笔，累计 {total} 笔",
    "customer_no_open": "没有未结清发票，无需催收。正是感谢客户按时付款、维护关系的好时机。",
    "yes": "是",
    "no": "否",
    "disputed": "有争议",
    "console_welcome": "arcircle 控制台 — 当前身份：{person}。输入 /ar help；用 `as <人员>: <内容>` 切换身份；Ctrl-D 退出。",
    "console_unknown_person": "配置中没有“{person}”这个人。人员：{people}。",
    "console_now": "您现在是 {person}。",
    "console_wait_usage": "用法：wait <时长>，例如 wait 5m 或 wait 1h30m（最长 {longest}）。",
    "lease_waiting": "同一数据库上已有另一个 arcircle 进程在运行响应圈；本进程只处理命令，若对方停止则自动接管。",
}

_EN.update(_CIRCLE_EN)
_ZH.update(_CIRCLE_ZH)
_EN.update(_PHRASE_EN)
_ZH.update(_PHRASE_ZH)
_EN.update(_LINT_EN)
_ZH.update(_LINT_ZH)
_EN.update(_EXPORT_EN)
_ZH.update(_EXPORT_ZH)
_EN.update(_FORMS_EN)
_ZH.update(_FORMS_ZH)
_EN.update(_IDENTITY_EN)
_ZH.update(_IDENTITY_ZH)
_EN.update(_DIGEST_EN)
_ZH.update(_DIGEST_ZH)
_EN.update(_CHART_EN)
_ZH.update(_CHART_ZH)
_EN.update(_METRICS_EN)
_ZH.update(_METRICS_ZH)
CATALOGS: dict[str, dict[str, str]] = {"en": _EN, "zh-CN": _ZH}


def register(en: dict[str, str], zh: dict[str, str]) -> None:
    """A messenger plugin's own texts, added when its module is imported. A key may not be
    taken twice: two plugins (or a plugin and the kernel) would otherwise overwrite each
    other's words without anyone noticing."""
    taken = sorted(set(en) & set(_EN))
    if taken:
        raise ValueError(f"i18n keys already taken: {', '.join(taken)}")
    missing = sorted(set(en) - set(zh))
    if missing:
        raise ValueError(f"i18n keys without a Chinese text: {', '.join(missing)}")
    _EN.update(en)
    _ZH.update(zh)


def _template(locale: str, key: str) -> str:
    catalog = _ZH if locale.lower().startswith("zh") else _EN
    return catalog.get(key) or _EN[key]


def has_text(key: str) -> bool:
    """Whether the catalogue has this key (for keys built from data, like a status)."""
    return key in _EN


def t(locale: str, key: str, **values: Any) -> str:
    """A plain text. A mention among the values is refused: that needs `t_rich`."""
    template = _template(locale, key)
    return template.format(**values) if values else template


_FORMATTER = string.Formatter()


def t_rich(locale: str, key: str, **values: Any) -> RichText:
    """A catalogue text whose placeholders may be mentions.

    `t_rich("zh-CN", "card_call", teams=RichText(" ").join(team_mentions), window="15m")`:
    a Mention or RichText value goes in as it is; any other value is formatted as `t` would
    format it and stays literal text, whatever it holds (a customer name with `<@channel>`
    in it is just those characters).
    """
    template = _template(locale, key)
    out: list[Inline] = []
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        if literal:
            out.append(literal)
        if name is None:
            continue
        value, _ = _FORMATTER.get_field(name, (), values)
        if isinstance(value, Mention | RichText):
            if spec or conversion:
                raise ValueError(f"{key}: the mention in {{{name}}} cannot take a format")
            out.append(value)
            continue
        if conversion:
            value = _FORMATTER.convert_field(value, conversion)
        if spec:
            spec = _FORMATTER.vformat(spec, (), values)
        out.append(_FORMATTER.format_field(value, spec or ""))
    return RichText(*out)
