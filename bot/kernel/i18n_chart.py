"""Texts of the digest chart and its text-table fallback, English and Chinese (merged by
bot.kernel.i18n). jobs.chart_fonts checks a CJK font has a glyph for every character of ZH."""

from __future__ import annotations

EN: dict[str, str] = {
    "chart_title": "Receivables · {currency}",
    "chart_range": "{first} to {last}",
    "chart_aging": "Outstanding by aging bucket",
    "chart_trend": "Overdue total and DSO",
    "chart_overdue": "Overdue",
    "chart_dso": "DSO (days)",
    "chart_on_time": "On-time rate per team",
    "chart_no_seats": "no seats",
    "chart_no_data": "No data yet",
    "chart_table_title": "Receivables · {currency} (the chart's figures)",
    "chart_date": "Date",
    "chart_on_time_field": "On time · {team}",
    "chart_current": "Current",
    "chart_days": "{span} days",
    "chart_days_over": "{over}+ days",
}

ZH: dict[str, str] = {
    "chart_title": "应收账款 · {currency}",
    "chart_range": "{first} 至 {last}",
    "chart_aging": "各账龄段未收金额",
    "chart_trend": "逾期总额与 DSO",
    "chart_overdue": "逾期",
    "chart_dso": "DSO（天）",
    "chart_on_time": "各团队准时率",
    "chart_no_seats": "无席位",
    "chart_no_data": "暂无数据",
    "chart_table_title": "应收账款 · {currency}（图表数据）",
    "chart_date": "日期",
    "chart_on_time_field": "准时率 · {team}",
    "chart_current": "未到期",
    "chart_days": "{span}天",
    "chart_days_over": "{over}天以上",
}
