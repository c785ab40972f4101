"""The compliance lint's words: each rule's label and advice, in English and Chinese."""

from __future__ import annotations

from datetime import time

RULES: tuple[str, ...] = (
    "threat",
    "insult",
    "discrimination",
    "third_party",
    "false_legal",
    "fake_authority",
    "shaming",
    "harassment",
    "sue_threat",
    "contact_hours",
    "contact_frequency",
)
WORD_RULES: tuple[str, ...] = RULES[:-2]

_LABELS: dict[str, tuple[str, str]] = {  # rule: (en, zh-CN)
    "threat": ("Threat of harm", "威胁恐吓"),
    "insult": ("Insult", "侮辱谩骂"),
    "discrimination": ("Discriminatory remark", "歧视性言论"),
    "third_party": ("Threat to involve third parties", "威胁告知第三方"),
    "false_legal": ("False or unlawful legal claim", "虚假或不当的法律声明"),
    "fake_authority": ("Pretending to be an authority", "冒充公权力"),
    "shaming": ("Public shaming", "公开羞辱"),
    "harassment": ("Harassing contact", "骚扰式催收"),
    "sue_threat": ("Lawsuit used as a threat", "以起诉相要挟"),
    "contact_hours": ("Contact outside allowed hours", "非允许时段联系"),
    "contact_frequency": ("Too many contacts today", "当日联系过于频繁"),
}

_ADVICE: dict[str, tuple[str, str]] = {
    "threat": (
        "Never threaten, openly or by hint; state facts and the next contractual step.",
        "不得威胁或暗示威胁；陈述事实和合同约定的下一步。",
    ),
    "insult": (
        "Criticise the situation, never the person.",
        "对事不对人，不得辱骂。",
    ),
    "discrimination": (
        "Never remark on region, nationality, ethnicity, gender or disability.",
        "不得就地域、国籍、民族、性别或残障发表评论。",
    ),
    "third_party": (
        "Never tell or threaten to tell family, employers, the customer's customers, "
        "suppliers or bank about the debt; speak only with the customer's responsible people.",
        "不得向家人、雇主、客户的客户、供应商或银行透露或威胁透露欠款；只与客户的负责人沟通。",
    ),
    "false_legal": (
        "State only legal steps that have really been decided; an unpaid invoice is a civil "
        "matter, so never threaten arrest, jail, criminal charges, travel bans or blacklists.",
        "只陈述确已决定的法律步骤；货款纠纷是民事纠纷，不得以拘留、坐牢、刑事责任、限制出行或"
        "失信名单相威胁。",
    ),
    "fake_authority": (
        "Speak only for your own company; never claim to be or to act for the police, a "
        "court, the government or a regulator.",
        "只代表本公司发言；不得冒充或假借公安、法院、政府或监管机构。",
    ),
    "shaming": (
        "Never threaten to make the debt public; keep it between the two companies.",
        "不得以公开曝光欠款相威胁；欠款只在双方之间处理。",
    ),
    "harassment": (
        "Contact at reasonable hours and intervals; never at night, on holidays, or "
        "'until you pay'.",
        "在合理时间、以合理频率联系；不得深夜、节假日或“打到还钱为止”地催收。",
    ),
    "sue_threat": (
        "Do not use a lawsuit as a threat; state the lawful next step as a fact "
        "(e.g. a referral to the legal department under the contract).",
        "不要以起诉相要挟；以事实陈述合法的下一步（如按合同约定交由法务部门处理）。",
    ),
}


def is_chinese(locale: str) -> bool:
    # Same reading as playbook.aging: only the language prefix matters.
    return locale.strip().lower().startswith("zh")


def wall(moment: time) -> time:
    # Wall-clock time: a tzinfo on either side would make comparisons raise.
    return moment.replace(tzinfo=None)


def rule_label(rule: str, locale: str) -> str:
    """The rule's name in words, in ``locale`` (zh… → Chinese, anything else → English)."""
    try:
        en, zh = _LABELS[rule]
    except KeyError:
        raise ValueError(f"unknown rule {rule!r}; rules: {', '.join(RULES)}") from None
    return zh if is_chinese(locale) else en


def words_message(rule: str, words: str, zh: bool) -> str:
    shown = " ".join(words.split())  # one line, whatever the input's line breaks
    label = rule_label(rule, "zh-CN" if zh else "en")
    en_advice, zh_advice = _ADVICE[rule]
    if zh:
        return f"{label}：“{shown}”。{zh_advice}"
    return f"{label}: '{shown}'. {en_advice}"


def hours_message(hours: tuple[time, time], at: time, zh: bool) -> str:
    start, end = (f"{wall(t):%H:%M}" for t in hours)
    label = rule_label("contact_hours", "zh-CN" if zh else "en")
    if zh:
        return f"{label}：客户当地时间 {at:%H:%M} 不在 {start}–{end} 之内；请在允许时段内联系。"
    return (
        f"{label}: {at:%H:%M} is outside {start}–{end}, the customer's local time; "
        "send or call within the allowed hours."
    )


def frequency_message(done: int, limit: int, zh: bool) -> str:
    label = rule_label("contact_frequency", "zh-CN" if zh else "en")
    if zh:
        return f"{label}：今天已联系 {done} 次，上限为每天 {limit} 次；请明天再联系。"
    times = "contact" if done == 1 else "contacts"
    return (
        f"{label}: {done} {times} already made today, the limit is {limit} a day; "
        "wait until tomorrow."
    )
