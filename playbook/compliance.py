"""Compliance lint: the lines that must never be said to a customer, in English and Chinese.

Every text the bot suggests or posts for a customer, and every draft a user asks to check, goes
through ``lint``. Six rules look at the words (threats, insults, third parties, false legal
claims, fake authority, shaming) and two at the circumstances of the contact (hours and how
often today). Each rule is a curated list of regular expressions, compiled once at import; all
rules apply to both languages whatever the message locale, so mixed text is covered too.

The aim is precision: the firm lines of the playbook (contract clauses, late interest, a
referral to the legal department, a credit hold, a statement of account, a call to the finance
manager) must pass, so patterns name the harmful act, not a topic. The third-party, shaming,
fake-authority and lawsuit/letter patterns skip a match that a negation or a request to the
customer directly precedes ("we will not post this online", "我们不会通知你的家人", "please let
your customers know", "建议您联系您的客户"); threats, insults and arrest talk never do.

Before matching, the text is normalised without losing offsets: letters are lower-cased;
full-width ASCII, curly quotes and the ideographic space become their ASCII forms (one
character for one); zero-width characters, and whitespace between two Chinese characters
("老 赖"), are dropped. Findings carry offsets into the text as given.

Everything here is a pure function over plain data: no I/O, no clock, no project imports.
"""

from __future__ import annotations

import importlib
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import time
from typing import Any

__all__ = [
    "RULES",
    "Finding",
    "LintContext",
    "lint",
    "rule_label",
]

RULES: tuple[str, ...] = (
    "threat",
    "insult",
    "third_party",
    "false_legal",
    "fake_authority",
    "shaming",
    "contact_hours",
    "contact_frequency",
)


def _is_chinese(locale: str) -> bool:
    # Same reading as playbook.aging: only the language prefix matters.
    return locale.strip().lower().startswith("zh")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _wall(moment: time) -> time:
    # Wall-clock time: a tzinfo on either side would make comparisons raise.
    return moment.replace(tzinfo=None)


# --------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Finding:
    """One line that must not be said.

    ``text`` is ``input[start:end]``; the whole-message rules (contact_hours,
    contact_frequency) have ``text == ""`` and ``start == end == 0``.
    """

    rule: str  # one of RULES
    text: str
    start: int
    end: int  # exclusive
    message: str  # why, in the requested locale, naming the rule


@dataclass(frozen=True)
class LintContext:
    """What the words alone do not tell: the case's legal state and the contact's timing.

    Times are wall-clock times in the customer's time zone (any tzinfo is ignored). An
    allowed window whose start is after its end runs over midnight; both ends are allowed.
    """

    # A litigation decision exists: "we have filed a lawsuit" is true, not a false claim.
    litigation_decided: bool = False
    # A lawyer's letter was decided: "our lawyer has sent a letter" is true.
    lawyers_letter_decided: bool = False
    local_time: time | None = None  # when the message would be sent or the call made
    contact_hours: tuple[time, time] = (time(8, 0), time(20, 0))
    contacts_today: int = 0  # contacts already made with this customer today
    max_contacts_per_day: int = 2

    def __post_init__(self) -> None:
        # Config loaders hand over lists; a tuple keeps the context hashable.
        hours = self.contact_hours
        if isinstance(hours, list):
            hours = tuple(hours)
            object.__setattr__(self, "contact_hours", hours)
        if (
            not isinstance(hours, tuple)
            or len(hours) != 2
            or not all(isinstance(t, time) for t in hours)
        ):
            raise ValueError(f"LintContext.contact_hours must be two times, got {hours!r}")
        if _wall(hours[0]) == _wall(hours[1]):
            raise ValueError(f"LintContext.contact_hours is an empty window: {hours[0]:%H:%M}")
        if self.local_time is not None and not isinstance(self.local_time, time):
            raise ValueError(f"LintContext.local_time must be a time, got {self.local_time!r}")
        if not _is_int(self.contacts_today) or self.contacts_today < 0:
            raise ValueError(
                f"LintContext.contacts_today must be 0 or more, got {self.contacts_today!r}"
            )
        if not _is_int(self.max_contacts_per_day) or self.max_contacts_per_day < 1:
            raise ValueError(
                "LintContext.max_contacts_per_day must be 1 or more, "
                f"got {self.max_contacts_per_day!r}"
            )


_DEFAULT_CONTEXT = LintContext()


# --------------------------------------------------------------------------------------------
# Labels and messages

_LABELS: dict[str, tuple[str, str]] = {  # rule: (en, zh-CN)
    "threat": ("Threat of harm", "威胁恐吓"),
    "insult": ("Insult", "侮辱谩骂"),
    "third_party": ("Threat to involve third parties", "威胁告知第三方"),
    "false_legal": ("False or unlawful legal claim", "虚假或不当的法律声明"),
    "fake_authority": ("Pretending to be an authority", "冒充公权力"),
    "shaming": ("Public shaming", "公开羞辱"),
    "contact_hours": ("Contact outside allowed hours", "非允许时段联系"),
    "contact_frequency": ("Too many contacts today", "当日联系过于频繁"),
}

_ADVICE: dict[str, tuple[str, str]] = {
    "threat": (
        "Never threaten; state facts and the next contractual step.",
        "不得威胁；陈述事实和合同约定的下一步。",
    ),
    "insult": (
        "Criticise the situation, never the person.",
        "对事不对人，不得辱骂。",
    ),
    "third_party": (
        "Never tell or threaten to tell family, employers, the customer's customers, "
        "suppliers or bank about the debt; speak only with the customer's responsible people.",
        "不得向家人、雇主、客户的客户、供应商或银行透露或威胁透露欠款；只与客户的负责人沟通。",
    ),
    "false_legal": (
        "State only legal steps that have really been decided; an unpaid invoice is a civil "
        "matter, so never threaten arrest, jail or criminal charges.",
        "只陈述确已决定的法律步骤；货款纠纷是民事纠纷，不得以拘留、坐牢或刑事责任相威胁。",
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
}


def rule_label(rule: str, locale: str) -> str:
    """The rule's name in words, in ``locale`` (zh… → Chinese, anything else → English)."""
    try:
        en, zh = _LABELS[rule]
    except KeyError:
        raise ValueError(f"unknown rule {rule!r}; rules: {', '.join(RULES)}") from None
    return zh if _is_chinese(locale) else en


def _words_message(rule: str, words: str, zh: bool) -> str:
    shown = " ".join(words.split())  # one line, whatever the input's line breaks
    label = rule_label(rule, "zh-CN" if zh else "en")
    en_advice, zh_advice = _ADVICE[rule]
    if zh:
        return f"{label}：“{shown}”。{zh_advice}"
    return f"{label}: '{shown}'. {en_advice}"


def _hours_message(context: LintContext, at: time, zh: bool) -> str:
    start, end = (f"{_wall(t):%H:%M}" for t in context.contact_hours)
    label = rule_label("contact_hours", "zh-CN" if zh else "en")
    if zh:
        return f"{label}：客户当地时间 {at:%H:%M} 不在 {start}–{end} 之内；请在允许时段内联系。"
    return (
        f"{label}: {at:%H:%M} is outside {start}–{end}, the customer's local time; "
        "send or call within the allowed hours."
    )


def _frequency_message(context: LintContext, zh: bool) -> str:
    done, limit = context.contacts_today, context.max_contacts_per_day
    label = rule_label("contact_frequency", "zh-CN" if zh else "en")
    if zh:
        return f"{label}：今天已联系 {done} 次，上限为每天 {limit} 次；请明天再联系。"
    times = "contact" if done == 1 else "contacts"
    return (
        f"{label}: {done} {times} already made today, the limit is {limit} a day; "
        "wait until tomorrow."
    )


# --------------------------------------------------------------------------------------------
# Normalisation (offset-preserving)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

_FOLD: dict[int, int] = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}  # full-width ASCII
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20, 0x3002: ord("."), 0x3001: ord(","), 0xFF61: ord(".")})
_FOLD.update(dict.fromkeys(map(ord, "‘’‚‛′`´"), ord("'")))
_FOLD.update(dict.fromkeys(map(ord, "“”„‟″「」『』"), ord('"')))
_FOLD.update(dict.fromkeys(map(ord, "‐‑‒–"), ord("-")))
_FOLD[ord("…")] = ord(".")
_FOLD.update({c: c - 0xFEE0 + 32 for c in range(0xFF21, 0xFF3B)})  # full-width A-Z
_NEEDS_FOLD = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FOLD)) + "]")
# Patterns are lower-case. str.lower() is fast but may lengthen a few letters (İ → i̇); then
# only ASCII is lowered, which is all the patterns need.
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}

# Dropped before matching: zero-width characters anywhere, whitespace between Chinese characters.
_ZERO_WIDTH = "\u200b-\u200d\u2060\ufeff\u00ad"
_DROP = re.compile(f"(?<=[{_CJK}])[\\s{_ZERO_WIDTH}]+(?=[{_CJK}])|[{_ZERO_WIDTH}]+")


def _normalise(text: str) -> tuple[str, Callable[[int], int]]:
    """The text to match and a map from its indices back to ``text``'s."""
    folded = text.lower()
    if len(folded) != len(text):
        folded = text.translate(_ASCII_LOWER)
    if _NEEDS_FOLD.search(folded):
        folded = folded.translate(_FOLD)
    if not _DROP.search(folded):
        return folded, _identity
    # Breakpoints: from normalised index norm_at[k] on, add shift[k] to get the input index.
    parts: list[str] = []
    norm_at: list[int] = [0]
    shift: list[int] = [0]
    kept = 0
    last = 0
    for m in _DROP.finditer(folded):
        parts.append(folded[last : m.start()])
        kept += m.start() - last
        norm_at.append(kept)
        shift.append(m.end() - kept)
        last = m.end()
    parts.append(folded[last:])

    def to_input(i: int) -> int:
        return i + shift[bisect_right(norm_at, i) - 1]

    return "".join(parts), to_input


def _identity(i: int) -> int:
    return i


# --------------------------------------------------------------------------------------------
# Patterns
#
# English patterns are written with a plain space for "one or more whitespace characters" and
# are matched as whole words (letters or digits may not touch either end, which also works in
# mixed text such as "你这个liar"). The %NAME% macros below are expanded first. Chinese patterns
# are plain regular expressions over the normalised text (no spaces between characters).

_EN_MACROS: dict[str, str] = {
    # first person doing something soon: "we'll", "I am going to", "we will have to" ...
    "%WILL%": (
        "(?:we|i)(?:'ll|'re going to|'m going to|'d| (?:will|shall|would|are going to"
        "|am going to|can|could|may|might|must))(?: (?:have to|need to|be forced to"
        "|have no choice but to|(?:just|simply|then|also|now|definitely|immediately)))?"
    ),
    # A first-person subject earlier in the clause ("we will have to ..."), but not a request
    # or advice to the customer ("we suggest you contact your bank").
    "%SUBJ%": (
        "(?:we|i|our (?:company|team|firm))(?:'ll|'d|'re|'m|'ve)?(?![a-z])"
        "(?:(?!(?<![a-z])(?:you|please|ask|suggest|recommend|advise)(?![a-z]))[^.,!?;\n]){0,40}?"
    ),
    "%WEHAVE%": "(?:we|i)(?:'ve| have)(?: (?:already|now|just|officially|finally|today))*",
    "%HAVE%": "(?:has|have)(?: (?:already|now|just|officially|today))*",
}

_ZH_MACROS: dict[str, str] = {
    "%YOU%": "(?:你|您)(?:们)?",
    "%YOU1%": "(?:你们|您们|你|您)(?![的们])",  # "you" as an object, not "your ..."
    "%POSS%": "(?:(?:你|您)(?:们)?|贵司|贵公司|贵方)(?:的)?",
    "%POSS1%": "(?:你|您)(?:的)?",  # a person's, not the company's
    "%WE%": "(?:我们|我司|本公司|我方|我)",
    "%ALREADY%": "(?:已经|已)",
    "%STOP%": "[^.,!?;:\n]",  # any character inside the clause
    # a first-person subject earlier in the clause, with no request or advice in between
    "%WESUBJ%": "(?:我们|我司|本公司|我方|我)(?:(?!你|您|请|建议|麻烦|可以)[^.,!?;:\n]){0,8}?",
}


def _expand(pattern: str, macros: dict[str, str]) -> str:
    for name, body in macros.items():
        pattern = pattern.replace(name, body)
    return pattern


@dataclass(frozen=True)
class _Source:
    """A rule's pattern sources: English (whole words) and Chinese, compiled separately."""

    en: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()

    def __add__(self, other: _Source) -> _Source:
        return _Source(self.en + other.en, self.zh + other.zh)


def _en(*patterns: str) -> _Source:
    return _Source(en=tuple(_expand(p, _EN_MACROS).replace(" ", r"\s+") for p in patterns))


def _zh(*patterns: str) -> _Source:
    return _Source(zh=tuple(_expand(p, _ZH_MACROS) for p in patterns))


_FAMILY_EN = (
    "(?:wife|husband|spouse|family|families|kids?|children|child|sons?|daughters?|parents?"
    "|mother|mom|mum|father|dad|relatives?|in-laws|girlfriend|boyfriend)"
)
_CIRCLE_EN = "(?:friends?|neighbou?rs?)"  # people around a person: told only by "we ..."
_FAMILY_ZH = (
    "(?:家人|家属|家里人|家里|老婆|妻子|爱人|老公|丈夫|孩子|小孩|儿子|女儿|父母|爸妈|爸爸|妈妈"
    "|父亲|母亲|亲戚|亲属|亲人|女朋友|男朋友)"
)
_CIRCLE_ZH = "(?:朋友|邻居|亲朋好友)"
# Who may be named as "from" or "this is": the police, courts, government, tax, regulators.
_AUTHORITY_EN = (
    "(?:police|cops|courts?|sheriff(?:'s office)?|government|ministry|judge"
    "|tax (?:office|bureau|authority|authorities)|department of justice|attorney general"
    "|(?:bank(?:ing)?|financial) regulator|central bank|regulators?|authorities"
    "|law enforcement|public security bureau)"
)
# Who may be claimed to stand behind a debt collector (tax and the central bank ask companies
# for documents every day, so they are left out here).
_ENFORCER_EN = (
    "(?:police|cops|courts?|sheriff(?:'s office)?|government|ministry|judge"
    "|department of justice|attorney general|(?:bank(?:ing)?|financial) regulator|regulators?"
    "|authorities|law enforcement|public security bureau)"
)
_AUTHORITY_ZH = (
    "(?:公安局?|警察|警方|派出所|经侦|法院|法庭|检察院|政府|税务局|工商局|市场监管局"
    "|银保监会?|银监会?|金融监管(?:局|总局)?|人民银行|央行|司法局|执法部门|纪委|监管部门|国家机关)"
)
_ENFORCER_ZH = (
    "(?:公安局?|警察|警方|派出所|经侦|法院|法庭|检察院|政府|银保监会?|银监会?"
    "|金融监管(?:局|总局)?|司法局|执法部门|纪委|监管部门|国家机关)"
)
_HARMED_EN = (
    "(?:legs?|arms?|neck|bones?|face|knees?|fingers?|windows?|jaw|head|teeth|car|cars|trucks?"
    "|door|doors|office|shop|store|house|home|stuff|things|machines?)"
)

_THREAT = _en(
    "%WILL% (?:break|smash|wreck) (?:your " + _HARMED_EN + "|you(?!r)|every bone)",
    "break your (?:legs?|arms?|neck|bones?|face|knees?|fingers?|jaw|head|teeth)",
    "you(?:'ll| will| are going to|'re going to)(?: (?:really|definitely|surely|live to))? regret",
    "make you (?:regret|suffer|pay for (?:this|it))",
    "you(?:'ll| will) be sorry",
    "(?:we|i) know where (?:you (?:live|sleep|are staying)|your (?:\\w+ )?"
    + _FAMILY_EN
    + " (?:lives?|are|is|goes?|go to school|sleeps?|studies|study|works?))",
    "(?:we|i) know your home address",
    "watch your back",
    "watch yourself",
    "something (?:bad |terrible |unfortunate |nasty |unpleasant )?(?:will|might|may|could|would"
    "|is going to) happen to",
    "shame if something (?:happened|were to happen|happens)",
    "(?:hurt|harm|kill|injure|beat up) (?:you(?!r)|your (?:\\w+ )?" + _FAMILY_EN + ")",
    "beat you up",
    "%WILL% (?:destroy|ruin|wreck|finish|crush) (?:you(?!r)|your (?:life|family|business|company))",
    "make your life (?:hell|miserable|difficult|a (?:living )?hell)",
    "or else(?=\\s*(?:[.!]|$))",
    "(?:hunt|track) you down",
    "come after you",
    "if you know what'?s good for you",
    "(?:you (?:had )?better|you'd better) (?:watch out|be careful|watch it)",
    "this (?:won'?t|will not) end well for you",
    "(?:come|go|turn up|show up|be waiting|pay a visit|visit) (?:to |at |round to |over to "
    "|outside )?your (?:home|house|flat|apartment|front door)",
    "send (?:the |some |a few )?(?:boys|lads|heavies|muscle) (?:round|over|after)",
    "(?:can'?t|cannot|won'?t|will not) (?:be )?(?:held )?responsible for what happens",
) + _zh(
    "砸(?<!搞砸)(?<!弄砸)(?:了|烂|碎|坏|毁)?(?:%YOU1%|%POSS%?(?:店|厂|门|车|窗|玻璃|办公室|场|家))",
    "把%POSS%%STOP%{0,8}砸(?:了|烂|碎|坏|毁)",
    "弄死|打死%YOU%|杀了%YOU%|杀死%YOU%|干掉%YOU%|废了%YOU%|弄残|砍死|砍%YOU1%|捅死|捅%YOU1%",
    "打断(?:%POSS%|他的?)?(?:腿|手|胳膊|骨头|脊梁)",
    "(?:揍|收拾|修理|教训|对付)%YOU1%|打%YOU%一顿",
    "给%YOU%(?:一)?(?:个|点)(?:教训|颜色)",
    "后果自负",
    "小心(?<!请小心)(?<!麻烦小心)(?:点|一点|些)",
    "小心%POSS%(?:家人|家里|孩子|小孩|老婆|父母|腿|手|安全)|不想活了|活得不耐烦|活腻了",
    "当心(?:%YOU%|点)|%YOU%(?:最好)(?:给我)?小心|%YOU%给我小心",
    "让%YOU%好看|有%YOU%好(?:看|受)的|吃不了兜着走|走着瞧|等着瞧|%YOU%(?:就)?等着吧",
    "%YOU%(?:会|要|一定会|肯定会)后悔|不会放过%YOU%|饶不了%YOU%|跟%YOU%没完|没%YOU%好果子吃",
    "别怪%WE%不客气|对%YOU%不客气",
    "(?:会|要|可能会)出(?:点|些)?(?:什么)?事(?!故|情|实|项)",
    "知道(?<!不知道)(?<!想知道)%POSS%?(?:家|家人|孩子|小孩|老婆|父母)?住(?:在)?(?:哪|什么地方)",
    "知道(?<!不知道)(?<!想知道)%POSS%?(?:家|家人|孩子|小孩|老婆|父母)在(?:哪|什么地方)",
    "知道(?<!不知道)(?<!想知道)%POSS%?(?:家庭)?住址",
    "知道(?<!不知道)(?<!想知道)%POSS%?(?:孩子|小孩)(?:在)?(?:哪个?|什么)学校",
    "找(?:几个|一些|些)?人(?:来)?(?:收拾|教训|对付|堵|打%YOU%)",
    "(?:去|到|上|找到|堵|堵到|堵在|守在)%POSS1%(?:家门口|家里|老家|住处|家)(?!公司|仓库|工厂|厂|店|产品)",
    "%POSS%(?:人身|生命)安全",
)

_INSULT = _en(
    "liars?|lying (?:bastards?|cheats?|crooks?|thieves|scum)",
    "cheat(?:s|ers?|ing)?(?! (?:sheets?|codes?|days?|meals?))",
    "scum(?:bags?)?|idiots?|idiotic|deadbeats?|dead-beats?|thie(?:f|ves)|crooks?|crooked",
    "fraudsters?|con (?:artists?|men|man)|scammers?|swindlers?|morons?|moronic|imbeciles?",
    "losers?|bastards?|assholes?|arseholes?|bitch(?:es)?|shameless|parasites?|leech(?:es)?",
    "lowlifes?|low-lifes?|sleaze(?:bags?|balls?)?|sleazy|vermin|retard(?:ed|s)?|tmd|wtf",
    "f+u+c+k\\w*|f[u*][c*]k\\w*|fck\\w*|shit(?:ty|head)?|crap|damn you|screw you",
    "piece of (?:shit|crap|garbage)",
    "you(?:'re| are)(?: (?:so|such|a|an|really|completely|totally|just|nothing but))*"
    " (?:stupid|dumb|useless|worthless|pathetic|dishonest|a disgrace|garbage|trash|a joke"
    "|incompetent|a fraud|clowns?|jerks?|pigs?)",
    "(?:stupid|dumb|useless|worthless|pathetic|dishonest|lying) (?:people|person|company|firm"
    "|bunch|lot|clowns?|jerks?|guys?)",
) + _zh(
    "骗子|%YOU%(?:就是|是在|在|一直在|又在|分明是在|分明在)?骗(?:人|我|我们|我司)",
    "老赖|无赖|赖皮|赖账",
    "垃圾(?!邮件|短信|分类|桶|箱|回收|处理|袋|站|场|电话|信息|清运|费|车|堆)",
    "混蛋|王八|不要脸|没脸没皮|白痴|傻(?:逼|b|比|瓜|子|x|叉|帽)|蠢(?:货|猪|蛋)|笨蛋",
    "废物(?!回收|处理|利用|排放|处置|料)|人渣|败类|无耻|流氓|混账(?!目|户|单)|畜生|狗东西|狗日",
    "他妈(?!妈)|(?<!妈)妈的|滚(?:蛋|开|出去)|你给我滚",
    "去死|脑残|神经病|弱智|贱人|贱货|下贱|犯贱|丢人现眼|没良心|穷鬼|要饭的|缺德|黑心|猪脑子",
)

_THIRD_PARTY = _en(
    # family: any contact at all
    "(?:tell|call|phone|ring|text|message|e-?mail|write to|contact|inform|notify|alert|warn"
    "|speak (?:to|with)|talk (?:to|with)|reach out to|get in touch with)(?: up)?"
    "(?: (?:all|both|each|every one)(?: of)?)? your (?:\\w+ )?" + _FAMILY_EN,
    "let (?:all (?:of )?)?your (?:\\w+ )?" + _FAMILY_EN + " know",
    # friends, the person's employer, the customer's business partners: told by "we ..."
    "%SUBJ%(?:tell|inform|notify|warn|alert|contact|call|phone|ring|text|message|e-?mail"
    "|write to|reach out to|get in touch with|report (?:you |this |it )?to|complain to|let"
    "|visit|expose you to) (?:all (?:of )?)?your (?:\\w+ )?(?:" + _CIRCLE_EN + "|boss|bosses"
    "|employer|workplace|place of work|supervisor|superiors?|hr(?: department)?"
    "|human resources|customers|clients|buyers|suppliers|vendors|distributors|investors"
    "|shareholders|landlord|business partners|bank|banks|bankers?|lenders?|insurers?"
    "|creditors)(?!'s)",
    "(?:tell|inform|notify|warn|contact|let) (?:everyone|everybody|all the (?:people|companies"
    "|firms)) (?:you|your company) (?:do|does|work|works|trade|trades) (?:business )?with",
    "(?:make sure )?your (?:boss|employer|family|wife|husband|parents|kids|children|customers"
    "|clients|suppliers|bank) (?:will|is going to|are going to|gets? to) (?:hear|know|find out"
    "|learn) (?:about |of )?(?:this|it|everything|that|how|what)",
) + _zh(
    "(?:通知|告诉|告知|联系|找|去找|上门找|打电话给|打给|发短信给|发信息给|通报)(?:了)?"
    "%POSS%" + _FAMILY_ZH,
    "(?:通知|告诉|告知|联系|找|通报)(?:家人|家属|家里人)",
    "给%POSS%" + _FAMILY_ZH + "打电话",
    "让%POSS%" + _FAMILY_ZH + "(?:都)?知道",
    "(?:通知|告诉|告知|通报|反映给|投诉到|举报到|捅到)(?:了)?%POSS1%"
    "(?:老板|领导|上司|上级|单位|雇主|人事)",
    # friends, the employer, the bank: told by "我们 ..."
    "%WESUBJ%(?:(?:通知|告诉|告知|联系|找|通报)(?:了)?%POSS%" + _CIRCLE_ZH + "|(?:通知|告诉|告知"
    "|通报|反映给|投诉到|举报到|捅到)(?:了)?%POSS%?(?:老板|领导|上司|上级|单位|雇主|人事)"
    "|(?:通知|告诉|告知|联系|通报|发函给)(?:了)?%POSS%(?:开户行|银行))",
    "(?:通知|告诉|告知|联系|找|通报|打电话给|群发给|发函给)(?:了)?%POSS%"
    "(?:所有的?|全部的?)?"
    "(?:客户|下游|供应商|上游|合作伙伴|合作方|股东|投资人|房东|经销商)",
    "让%POSS%(?:老板|领导|上司|客户|供应商|银行|股东)(?:都)?知道",
    "%POSS%(?:老板|领导|上司|单位|家人|家里人|老婆|父母|孩子|客户|供应商|银行|股东)(?:都)?"
    "(?:会|将|就会|马上就会)知道(?:这件事|此事|这事|%YOU%欠|%YOU%拖欠|欠款)",
)

# Arrest, jail, crime, police: never right about an unpaid invoice.
_FALSE_LEGAL_ALWAYS = _en(
    "you(?:'ll|'re going to| (?:will|would|could|can|may|might|are going to|risk))"
    "(?: (?:\\w+))? (?:be (?:arrested|detained|jailed|imprisoned|locked up|prosecuted)"
    "|go to (?:jail|prison)|end up (?:in jail|in prison|behind bars)|face (?:arrest|jail"
    "|prison|criminal \\w+))",
    "arrest(?:ed|ing)?|jail(?:ed)?|prison|imprison(?:ed|ment)?|locked up|behind bars",
    "criminal(?:ly)?|prosecut(?:e|ed|ion|ing)|fraud charges?|charged with (?:fraud|a crime)",
    "(?:a|an|the) warrant",
    "(?:call|contact|inform|notify|alert|involve|get) the (?:police|cops|fbi)",
    "report (?:you|this|it|your (?:company|firm)) to the (?:police|cops|fbi|authorities)",
    "police (?:report|complaint|case)",
) + _zh(
    "坐牢|蹲(?:大)?牢|进监狱|蹲监狱|吃牢饭|进(?:看守所|局子)|拘留|逮捕|抓(?:起来|进去|%YOU1%|人)",
    "通缉|判刑|刑事|诈骗罪|犯罪|(?:涉嫌|构成)(?:合同)?诈骗",
    "%WE%(?:会|将|要|就|就会|只能|只好|已经?|马上|立刻|立即)?(?:去)?报(?:警|案)",
    "向(?:公安|警方|派出所)(?:报|举报|控告)|报警(?:抓|处理)",
    "(?:警察|公安)(?:会|将|要)?(?:来|上门)?(?:抓|找%YOU%)",
)

# Suing, filing, judgments, frozen accounts: true once litigation has been decided.
_FALSE_LEGAL_LITIGATION = _en(
    "%WEHAVE% sued",
    "%WEHAVE% (?:filed|lodged|issued|submitted) (?:a |an |the |our )?(?:lawsuit|suit|legal claim"
    "|court claim|claim (?:against you|in court|with the court)|case against you|petition"
    "|complaint (?:against you|with the court)|court case)",
    "%WEHAVE% (?:taken|brought) (?:you|this|the matter|the case|your company) to court",
    "%WEHAVE% (?:taken|started|initiated|commenced|begun|launched) (?:legal|court)"
    " (?:proceedings|action)",
    "(?:a|the|our) (?:lawsuit|suit|legal claim|court case|court claim|legal action)"
    " %HAVE% been (?:filed|lodged|brought|started|initiated|commenced|issued)",
    "you(?:'ve| have)(?: already)? been (?:sued|taken to court)",
    "(?:the )?court %HAVE% (?:ruled|decided|found|ordered|issued|granted|entered|awarded"
    "|approved|frozen|froze|seized)",
    "(?:a )?(?:judg(?:e)?ment|ruling|court order) (?:has|have)(?: already)? been (?:entered"
    "|issued|made|granted|given|obtained)",
    "%WEHAVE% (?:obtained|got|won) (?:a |the )?(?:judg(?:e)?ment|court order|ruling)",
    "your (?:assets|bank accounts?|property|funds|savings) (?:(?:has|have) (?:already )?been"
    "|will be|are going to be|are being) (?:frozen|seized|garnished)",
    "(?:%WILL%|the court will) (?:freeze|seize|garnish) your (?:assets|bank accounts?|property"
    "|funds|savings|wages|salary|house|home|car)",
    "(?:legal|court) proceedings (?:have|has) (?:already )?(?:been )?(?:started|begun"
    "|commenced|initiated|filed|issued)",
    "(?:bailiffs?|sheriffs?|enforcement officers?) (?:are|is|will be) (?:on (?:their|his|the) way"
    "|coming)",
    "court date has (?:already )?been set",
    "summons has (?:already )?been (?:issued|served|sent)",
) + _zh(
    "%ALREADY%(?:向%STOP%{0,10}?(?:法院|法庭|仲裁委))?(?:提起|提交|递交)?(?:了)?"
    "(?:起诉|诉讼|立案|仲裁|上诉|申请(?:财产|诉前)?保全|申请强制执行)",
    "%ALREADY%%STOP%{0,8}?告(?:上|到)(?:了)?(?:法院|法庭)|告(?:上|到)了?(?:法院|法庭)了",
    "起诉了(?:%YOU%|贵司|贵公司)",
    "(?:法院|法庭|仲裁委)%ALREADY%(?:经)?(?:判决|判了|裁定|裁决|受理|立案|开庭|下达|冻结|查封"
    "|执行|出具|作出|发出|签发)",
    "(?:法院|法庭)(?:判决|裁定)%POSS%",
    "%ALREADY%(?:冻结|查封|扣押|划扣)(?:了)?%POSS%?(?:银行)?(?:账户|资产|财产|房子|房产|车|存款"
    "|工资)",
    "(?:冻结|查封|扣押)%POSS%(?:银行)?(?:账户|资产|财产|房子|房产|车|存款|工资)",
    "法院传票|出庭传票|传票%ALREADY%|传唤",
    "失信被执行人|失信名单|列入失信|法院(?:将|会|已经?)?强制执行",
)

# "Our lawyer has sent a letter": true once a lawyer's letter has been decided.
_FALSE_LEGAL_LETTER = _en(
    "(?:our|my|the company'?s) (?:lawyers?|attorneys?|solicitors?|legal counsel|counsel"
    "|legal team|law firm) %HAVE% (?:sent|issued|served|dispatched|delivered|mailed|written)"
    "(?: you)?(?: (?:a|an|the|their|his|her|our|this))?(?: \\w+){0,2}? (?:letter|notice"
    "|demand|warning)",
    "(?:a|the|our) (?:lawyer'?s'?|attorney'?s'?|solicitor'?s'?|legal|formal legal)"
    " (?:letter|notice|demand)(?: letter)? %HAVE% been (?:sent|issued|served|dispatched"
    "|mailed|delivered)",
    "%WEHAVE% (?:sent|issued|served|dispatched|instructed our (?:lawyers?|solicitors?"
    "|attorneys?) to send) (?:you )?(?:a|an|the|our) (?:lawyer'?s'?|attorney'?s'?"
    "|solicitor'?s'?|legal) (?:letter|notice|demand)",
    "%WEHAVE% instructed (?:our |a )?(?:lawyers?|solicitors?|attorneys?|law firm)",
) + _zh(
    "律师函%ALREADY%(?:经)?(?:发出|寄出|发送|送达|发给|发|寄)",
    "%ALREADY%(?:向%POSS%)?(?:发出|寄出|发送|送达|发|寄)(?:了)?律师函",
    "律师%ALREADY%(?:发|寄|出具)(?:出|了)?(?:律师)?函",
    "%ALREADY%委托(?:了)?律师",
)

_FAKE_AUTHORITY = _en(
    "this is (?:the )?(?:police|sheriff'?s? office|court|government|tax (?:office|bureau)"
    "|ministry)(?: department| bureau| office)?(?=\\s*(?:[.,!:;]|$)| calling| speaking| here)",
    "(?:we|i)(?:'re|'m| are| am) (?:calling |writing |contacting you )?(?:from|with) (?:the )?"
    + _AUTHORITY_EN,
    "on behalf of (?:the )?" + _ENFORCER_EN,
    "government(?:al)? (?:debt|collections?|recovery) (?:\\w+ )?(?:office|agency|department"
    "|bureau|unit)",
    "(?:official|licensed government|state|federal|national|court[-\\s]?appointed"
    "|court[-\\s]?authori[sz]ed|government[-\\s]?(?:appointed|authori[sz]ed|approved|registered))"
    " (?:(?:debt )?(?:collection|recovery|enforcement) (?:agency|agent|office|bureau|officer"
    "|department|unit)|(?:debt )?collectors?)",
    "(?:the )?" + _ENFORCER_EN + " %HAVE%(?: \\w+)? (?:instructed|asked|ordered|authori[sz]ed"
    "|required|told|directed|appointed|mandated) (?:us|me)",
    "(?:by order of|under instruction from|at the request of|authori[sz]ed by|backed by"
    "|working with|in cooperation with|together with) (?:the )?" + _ENFORCER_EN,
    "(?:police|government|court) (?:debt )?(?:collection|recovery) (?:unit|department|division"
    "|team)",
) + _zh(
    "%WE%(?:是|系|来自|代表)"
    + _AUTHORITY_ZH
    + "(?:的|部门|机关|工作人员|派来的)?(?!采购|项目|供应商|客户|合作|补贴|扶持|招标|机构客户)",
    "代表" + _ENFORCER_ZH,
    "(?:受|奉|接受)(?:了)?" + _ENFORCER_ZH + "(?:的)?(?:委托|指派|授权|命令|指示)",
    _ENFORCER_ZH + "(?:机关|部门)?%ALREADY%?(?:要求|责令|命令|委托|授权|指示|让|叫|派)"
    "(?:%WE%|%YOU%|贵司|贵公司)",
    "官方(?:的)?(?:催收|收债|讨债|追债)",
    "(?:政府|国家|法院|公安)(?:的)?(?:催收|收债|讨债|追债)",
    "(?:公检法|公安局?|派出所|警方|经侦)%ALREADY%?(?:会|将)?(?:介入|出面|上门)",
)

_SHAMING = _en(
    "(?:post|share|publish|put|upload|spread|advertise|broadcast|announce|expose|list|plaster)"
    " (?:you(?!r)|it|this|that|everything|the (?:whole )?(?:story|debt|matter|case)"
    "|(?:this|your) (?:unpaid )?(?:debts?|arrears)|your (?:\\w+ )?(?:name|names|company"
    "|details|photos?|pictures?|number|phone number|address|face|information|info))"
    "(?: \\w+){0,3}? (?:on|to|in|across|all over) (?:the )?(?:social media|facebook|twitter"
    "|linkedin|instagram|tiktok|wechat(?: moments)?|weibo|douyin|internet|online|web"
    "|newspapers?|press|local news|forums?|industry (?:groups?|forums?|chats?))",
    "name and shame|wall of shame|shame list",
    "public(?:ly)? (?:blacklist|black list|shame|shaming|humiliate|expose|name and)",
    "(?:public|industry|online|national|open) (?:debtors?'? )?(?:blacklist|black list"
    "|debtors? list|list of (?:bad payers|debtors|deadbeats))",
    "(?:tell|inform|let|warn) (?:everyone|everybody|the whole (?:industry|market|world|town"
    "|city|trade|sector)|the entire (?:industry|market|trade|sector)|the (?:industry|market"
    "|trade))(?! (?:in|on|at) your)",
    "(?:everyone|everybody|the (?:whole|entire) (?:industry|market|world|town|city|trade"
    "|sector))(?: in (?:the|your) (?:industry|market|trade|sector|town|city))? will (?:know"
    "|hear|find out|learn|see)",
    "(?:expose|shame|humiliate) (?:you(?!r)|your (?:company|business|name|firm))",
    "make (?:this|it|the debt|your debt|your name) public|go public with",
    "(?:ruin|destroy|trash) your (?:reputation|good name|name)",
) + _zh(
    "曝光",
    "(?:把|将)(?:%POSS%|这件事|此事|欠款|欠债|这笔(?:欠款|账))%STOP%{0,10}?"
    "(?:挂|发|贴|晒|公布|公开|放|传|登)(?:到|在|上)?(?:网上|网络上|互联网|朋友圈|微博|抖音|快手"
    "|小红书|行业群|同行群|论坛|贴吧|报纸|报刊|媒体|公众号|头条)",
    "(?:挂|晒)(?:到|在)?网上|(?:发|晒|挂|贴)(?:到|在)(?:朋友圈|微博|抖音|行业群|同行群)",
    "(?:在|到)(?:网上|朋友圈|微博|抖音|行业群|同行群|报纸|媒体)(?:上)?(?:挂|晒)",
    "公开%POSS%(?:名字|姓名|名称|信息|照片|欠款|电话|身份|资料|地址|欠债|老底)",
    "公之于众|登报|身败名裂|游街|拉横幅|挂横幅|贴大字报",
    "让(?<!请让)(?<!麻烦让)(?:大家|所有人|全行业|整个行业|全世界|同行|业内|全国|全城|周围的人"
    "|圈子里的人)(?:都)?知道",
    "(?:行业|公开|公共|网上)黑名单|黑名单(?:公开|公布|公示|曝光|上网)",
    "(?:通报|告知|告诉)(?:给)?(?:全行业|整个行业|行业内|同行|业内)",
    "(?:搞臭|弄臭)%YOU%|让%YOU%%STOP%{0,8}?(?:丢人|丢脸|混不下去)",
)

# Right before a match in the same clause, a negation ("we will not post ...", "我们不会通知 ...")
# or a request or advice to the customer ("please let your customers know", "建议您联系您的客户")
# means the words are not a threat.
_EXCUSED = re.compile(
    r"(?:(?<![a-z])not|(?<![a-z])never|n't|(?<![a-z])no\s+(?:intention|plan|wish|need)\s+(?:of|to))"
    r"\s+(?:(?:ever|be|want|wish|going|intend|plan|plans|planning|to|like|need|have|try"
    r"|trying|seek|mean|would)\s+){0,3}$"
    r"|(?<![a-z])(?:please|kindly|(?:ask|suggest|recommend|advise)(?:\s+that)?(?:\s+you)?"
    r"|(?:could|can|would|will)\s+you)\s+$"
    r"|(?<!要)(?:不|没有?|未|无意|无需)(?:会|要|想|打算|愿意|再|去|能|可能|需要|必|必要|曾|用|准备)?\s*$"
    r"|(?:请|麻烦|烦请|劳烦|帮忙|(?:你|您)可以|可以先|建议|能否|能不能)(?:你|您)?"
    r"(?:先|再|尽快|直接|及时)?\s*$"
)
_CLAUSE_END = re.compile(r"[.!?;,:\n]")
_TAIL = 40  # characters before a match searched for a negation or a request


@dataclass(frozen=True)
class _Group:
    rule: str
    source: _Source
    en: re.Pattern[str] | None
    zh: re.Pattern[str] | None
    excusable: bool
    needs: Callable[[LintContext], bool]


def _always(_: LintContext) -> bool:
    return True


class _Opaque(Exception):
    """A pattern construct whose first character _first cannot tell."""


def _first(items: Any, k: Any) -> tuple[set[str], bool]:
    """The characters a match of parsed ``items`` can start with, and whether it can be empty."""
    chars: set[str] = set()
    for op, av in items:
        if op is k.LITERAL:
            chars.add(chr(av))
            return chars, False
        if op is k.IN:
            for kind, value in av:
                if kind is k.LITERAL:
                    chars.add(chr(value))
                elif kind is k.RANGE and value[1] - value[0] < 128:
                    chars.update(chr(c) for c in range(value[0], value[1] + 1))
                else:
                    raise _Opaque(kind)
            return chars, False
        if op is k.BRANCH:
            empty = False
            for branch in av[1]:
                more, can_be_empty = _first(branch, k)
                chars |= more
                empty = empty or can_be_empty
        elif op is k.SUBPATTERN:
            more, empty = _first(av[-1], k)
            chars |= more
        elif op in (k.MAX_REPEAT, k.MIN_REPEAT):
            more, inner_empty = _first(av[2], k)
            chars |= more
            empty = av[0] == 0 or inner_empty
        elif op in (k.ASSERT, k.ASSERT_NOT, k.AT):
            empty = True  # zero-width: the first character comes after it
        else:
            raise _Opaque(op)
        if not empty:
            return chars, False
    return chars, True


def _first_class(pattern: str) -> str:
    """A look-ahead for the characters a match can start with, so that the many alternatives
    are tried only where one can begin (about three times faster); "" when that cannot be
    worked out, and the pattern then runs without it."""
    try:
        parser: Any = importlib.import_module("re._parser")
        constants: Any = importlib.import_module("re._constants")
        chars, empty = _first(parser.parse(pattern).data, constants)
    except (ImportError, AttributeError, TypeError, ValueError, _Opaque):
        return ""
    if empty or not chars:
        return ""
    return "(?=[" + "".join(re.escape(c) for c in sorted(chars)) + "])"


def _compile(
    alternatives: Iterable[str], *, words: bool, shortcut: bool = True
) -> re.Pattern[str] | None:
    body = "|".join(alternatives)
    if not body:
        return None
    # The text is lower-cased by _normalise, so no IGNORECASE (which would slow every branch).
    # English: one word-start check for all alternatives, then the alternatives, a word end.
    if words:
        body = f"(?<![a-z0-9])(?:{body})(?![a-z0-9])"
    return re.compile((_first_class(body) if shortcut else "") + f"(?:{body})")


def _group(
    rule: str,
    source: _Source,
    *,
    excusable: bool = False,
    needs: Callable[[LintContext], bool] = _always,
) -> _Group:
    en = _compile(source.en, words=True)
    zh = _compile(source.zh, words=False)
    return _Group(rule, source, en, zh, excusable, needs)


_GROUPS: tuple[_Group, ...] = (
    _group("threat", _THREAT),
    _group("insult", _INSULT),
    _group("third_party", _THIRD_PARTY, excusable=True),
    _group("false_legal", _FALSE_LEGAL_ALWAYS),
    _group(
        "false_legal",
        _FALSE_LEGAL_LITIGATION,
        excusable=True,
        needs=lambda c: not c.litigation_decided,
    ),
    _group(
        "false_legal",
        _FALSE_LEGAL_LETTER,
        excusable=True,
        needs=lambda c: not c.lawyers_letter_decided,
    ),
    _group("fake_authority", _FAKE_AUTHORITY, excusable=True),
    _group("shaming", _SHAMING, excusable=True),
)

_RULE_ORDER = {rule: i for i, rule in enumerate(RULES)}


def _excused(norm: str, start: int) -> bool:
    tail = norm[max(0, start - _TAIL) : start]
    tail = _CLAUSE_END.split(tail)[-1]  # only the clause the match is in
    return _EXCUSED.search(tail) is not None


# --------------------------------------------------------------------------------------------
# The lint


def _outside_hours(at: time, hours: tuple[time, time]) -> bool:
    now, start, end = _wall(at), _wall(hours[0]), _wall(hours[1])
    if start < end:
        return now < start or now > end
    return end < now < start  # the window runs over midnight


def lint(
    text: str, *, locale: str = "en", context: LintContext = _DEFAULT_CONTEXT
) -> list[Finding]:
    """Everything in ``text`` (and in the contact's circumstances) that must not be said.

    Findings are sorted by start (the whole-message rules first, at 0), then by rule order;
    messages are in ``locale``. The word rules apply to both languages whatever the locale.
    An empty text is allowed: only the hours and frequency rules can fire then.
    """
    zh = _is_chinese(locale)
    found: list[Finding] = []
    if context.local_time is not None and _outside_hours(context.local_time, context.contact_hours):
        message = _hours_message(context, _wall(context.local_time), zh)
        found.append(Finding("contact_hours", "", 0, 0, message))
    if context.contacts_today >= context.max_contacts_per_day:
        found.append(Finding("contact_frequency", "", 0, 0, _frequency_message(context, zh)))
    if text and not text.isspace():
        found.extend(_word_findings(text, context, zh))
    found.sort(key=lambda f: (f.start, _RULE_ORDER[f.rule], f.end))
    return found


_LATIN = re.compile("[a-z]")
_HAN = re.compile(f"[{_CJK}]")


def _matches(group: _Group, norm: str, latin: bool, cjk: bool) -> Iterator[re.Match[str]]:
    if latin and group.en is not None:
        yield from group.en.finditer(norm)
    if cjk and group.zh is not None:
        yield from group.zh.finditer(norm)


def _word_findings(text: str, context: LintContext, zh: bool) -> list[Finding]:
    norm, to_input = _normalise(text)
    latin = _LATIN.search(norm) is not None
    cjk = _HAN.search(norm) is not None
    spans: dict[str, list[tuple[int, int]]] = {}
    for group in _GROUPS:
        if not group.needs(context):
            continue
        for m in _matches(group, norm, latin, cjk):
            if m.end() <= m.start():
                continue
            if group.excusable and _excused(norm, m.start()):
                continue
            start, end = to_input(m.start()), to_input(m.end() - 1) + 1
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                spans.setdefault(group.rule, []).append((start, end))
    findings = []
    for rule, rule_spans in spans.items():
        # Several groups of one rule may overlap: keep the earliest, longest span.
        last_end = -1
        for start, end in sorted(rule_spans, key=lambda s: (s[0], -s[1])):
            if start < last_end:
                continue
            last_end = end
            words = text[start:end]
            findings.append(Finding(rule, words, start, end, _words_message(rule, words, zh)))
    return findings
