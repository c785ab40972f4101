"""Reply texts of /ar export, English and Chinese (merged by bot.kernel.i18n)."""

from __future__ import annotations

EN: dict[str, str] = {
    "export_kind_aging": "Aging",
    "export_kind_cases": "Cases",
    "export_kind_decisions": "Decisions",
    "export_kind_promises": "Promises",
    "export_as_of": "as of {date}",
    "export_between": "{start} to {end}",
    "export_done": "{kind} export, {period}: {name} ({rows} rows).",
    "export_done_sheets": "Sheets: {sheets}.",
    "export_own_only": "Only the customers you own are in it.",
    "export_refused": (
        "Exports are for {who}. Ask one of them ({names}), or your admin "
        "(exports.everything in config.yaml)."
    ),
    "export_who_manager": "managers",
    "export_who_lead": "team leads",
    "export_who_team_lead": "the {team} lead",
    "export_who_any": "everyone in the config",
    "export_unknown_kind": "What to export: aging, cases, decisions or promises.",
    "export_bad_date": "A day is written 2026-03-01, 03-01, 3月1日 or today.",
    "export_end_before_start": "The end of the range is before its start.",
    "export_aging_one_date": "The aging export takes one day: the day it is as of.",
    "export_too_many": "At most two days: from and to.",
    "export_failed": "The export could not be written ({reason}); nothing was sent.",
}

ZH: dict[str, str] = {
    "export_kind_aging": "账龄",
    "export_kind_cases": "案件",
    "export_kind_decisions": "决定",
    "export_kind_promises": "承诺",
    "export_as_of": "截至 {date}",
    "export_between": "{start} 至 {end}",
    "export_done": "{kind}导出（{period}）：{name}（{rows} 行）。",
    "export_done_sheets": "工作表：{sheets}。",
    "export_own_only": "只包含您负责的客户。",
    "export_refused": (
        "导出仅限{who}。请联系他们（{names}），或请管理员修改 config.yaml 的 exports.everything。"
    ),
    "export_who_manager": "经理",
    "export_who_lead": "各组组长",
    "export_who_team_lead": "{team}组长",
    "export_who_any": "配置中的所有人",
    "export_unknown_kind": (
        "要导出什么：aging（账龄）、cases（案件）、decisions（决定）或 promises（承诺）。"
    ),
    "export_bad_date": "日期写法：2026-03-01、03-01、3月1日 或 今天。",
    "export_end_before_start": "结束日期早于开始日期。",
    "export_aging_one_date": "账龄导出只需要一个日期：截至哪一天。",
    "export_too_many": "最多两个日期：开始和结束。",
    "export_failed": "导出文件无法写入（{reason}），未发送任何内容。",
}
