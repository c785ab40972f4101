"""Round 6 pattern families for the compliance lint, found by the lead's fresh tables 2 and 3
(tests/data/lint_lead2.yaml, lint_lead3.yaml), written without seeing the rules.

Each group names a family, not a sentence:

- threat: the customer's insurance "up to date, I hope", fires or break-ins that "do break
  out"; a pet or a child to "keep an eye on", 可要看好了; property mentioned and then "a pity
  to lose"; our people's temper or patience, "you'd better think carefully", 最好想清楚;
  property that 就别想开了 / 别想营业;
- third party: a relative spoken to, told, called or written to, past tense included; a
  relative "那边" we will go and explain things to;
- false legal: freezing accounts, seizing property, taking passports, restricting spending or
  the children's schooling on our own word, and a reported crime where we or the customer
  are the subject (a carrier reporting lost goods to the police is a fact, not a threat);
- sue threat: a lawsuit, being served or "court" tied to a deadline or a condition ("pay today
  or we file the lawsuit", "no payment by 3pm means court");
- insult, discrimination, fake authority, shaming: "too stupid to", "as a woman you
  probably", a company "run by an old woman", a notice that "comes from" an authority,
  notices and banners put up at the customer's estate or office.

See compliance_rx for the pattern conventions.
"""

from __future__ import annotations

from playbook.compliance_rx import Source, Spec, en, zh

_PROPERTY_EN = (
    "(?:house|home|flat|apartment|car|cars|truck|trucks|van|vans|shop|store|factory|warehouse"
    "|office|premises|business|company|plant|workshop|showroom|restaurant|farm|boat|stock"
    "|family|kids?|children|wife|husband|dog|cat|pets?)"
)
_RELATIVE_EN = (
    "(?:husband|wife|spouse|parents?|mother|father|mom|mum|dad|son|sons|daughters?|kids?"
    "|children|family|in-laws|mother-in-law|father-in-law|brothers?|sisters?|relatives?"
    "|neighbou?rs?|grandparents?|fianc[eé]e?|girlfriend|boyfriend)"
)
_RELATIVE_ZH = (
    "(?:家里人|家人|家里|爸妈|父母|爸爸|妈妈|父亲|母亲|老婆|老公|太太|先生|丈夫|妻子|爱人|孩子|儿子|女儿"
    "|亲戚|邻居|公婆|岳父|岳母|家属|老人|兄弟|姐妹|哥哥|姐姐|弟弟|妹妹)"
)
_PET_EN = "(?:dog|dogs|cat|cats|pets?|puppy|puppies|kitten|horse|parrot)"

THREAT = en(
    # Insurance and fire: the customer's cover asked after with a hope, or fires that "do" happen.
    "(?:hope|trust|sure) your (?:\\w+(?:'s)? ){0,2}(?:insurance|cover|policy) (?:is|'s|are)"
    " (?:\\w+ )?(?:up to date|paid up|paid|current|valid|in order|good)",
    "your (?:\\w+(?:'s)? ){0,2}(?:insurance|cover|policy) (?:is|'s|are) (?:\\w+ )?(?:up to date"
    "|paid up|paid|current|valid|in order)(?:,)? (?:i|we) (?:hope|trust|assume)",
    # "can" is a safety note ("things can happen with transfers"); "do" is the hint.
    "(?:fires?|floods?|break-?ins?|burglar(?:y|ies)|thefts?|things|accidents?|mishaps?)"
    " (?:do|will|have been known to) (?:break out|happen|start|occur)",
    # A pet mentioned, then to be watched or kept inside.
    _PET_EN + "(?: [\\w']+){0,10}?[.!,;]? (?:(?:keep an eye on|watch|look after|take (?:good )?care"
    " of) (?:it|him|her|them)|keep (?:it|him|her|them) (?:inside|safe|close|indoors|on a"
    " (?:leash|lead)))",
    # Property mentioned, then "a pity to lose it".
    _PROPERTY_EN + "(?: [\\w']+){0,6}?[.!,;]? (?:(?:it|that)(?:'d| would| will)? |would |'d )?"
    "(?:be )?(?:a )?(?:real |terrible |great |crying )?(?:pity|shame|waste|tragedy) (?:to"
    " |if you were to |if you |for you to )?(?:lose|lost|losing|see (?:it|them) (?:go|burn))"
    " (?:it|them|her|him|that|everything|all (?:of )?(?:it|that))",
    # Our people's temper or patience; "you'd better think carefully".
    "(?:our|my) (?:\\w+ )?(?:guys|boys|men|people|lads|colleagues|collectors|friends|associates"
    "|partners|team)(?: [\\w']+){0,4}? (?:(?:have|has|got) (?:a |quite a |really |very )?(?:short"
    "|bad|nasty|violent|quick|hot|famous) tempers?|(?:aren'?t|are not|not) (?:very |so |exactly"
    " |the most )?(?:patient|gentle|nice|friendly|forgiving)(?: (?:people|men|guys|folk))?"
    "(?=\\s*(?:[.!,;]|$| when| if| with (?:people|debtors|customers|those)))"
    "|(?:lose|losing) (?:their|his) (?:temper|patience|cool))",
    "you(?:'d| had| would)? better think (?:very )?(?:carefully|hard|twice|long and hard)",
) + zh(
    "(?:狗|猫|宠物|狗狗|猫咪|孩子|小孩|女儿|儿子|车子|爱车|房子|铺子|店面)%S16%(?:可要|可得|最好|得|要|还是)"
    "(?:看好|看紧|看住|管好|锁好|照顾好|保护好|小心|当心)",
    "(?:我们|我|我们这边|我这边|我手下|我们公司|我司)(?:的|这边的|那边的|下面的|手下的)?"
    "(?:人|兄弟|兄弟们|小弟|手下|伙计|同事)%Z4%(?:脾气|性子|耐心|耐性)(?:可|都|很|挺|比较|一向|向来|不太)?"
    "(?:不好|不太好|暴|急|火爆|差|有限|大)",
    "(?:你|您)(?:们)?(?:最好|还是|可要|可得)(?:好好)?(?:想清楚|想好|想明白|掂量|考虑清楚|三思)",
    "(?:车|车子|房子|店|厂|仓库|门面|铺子|生意|窗户|玻璃)%Z4%(?:就|也)?(?:别想|休想|甭想)"
    "(?:再)?(?:开|住|营业|做|要|用|开门|安生|保住)",
)

THIRD_PARTY = en(
    "(?:we|i|someone|our (?:\\w+ )?(?:team|agents?|collectors?|people|staff))(?:'ve| have| had"
    "|'d)?(?: (?:already|just|now|also|since|recently|personally|today|yesterday))*"
    " (?:spoke|spoken|talked|chatted|told|informed|explained|mentioned (?:it|this|the debt)"
    "|written|wrote|e-?mailed|called|rang|phoned|texted|messaged|visited|met|contacted|reached"
    " out to|been in touch with|had a word with|got in touch with|paid a visit to|let)"
    "(?: (?:to|with))? (?:your|ur|his|her) (?:\\w+ )?"
    + _RELATIVE_EN
    + "(?!'s? (?:company|firm|business))",
) + zh(
    "(?:你|您)(?:们)?(?:的)?"
    + _RELATIVE_ZH
    + "(?:那边|那里|那儿|这边)%Z8%(?:我们|我|我司|我方)%Z6%"
    "(?:说明|解释|沟通|讲|说|谈|联系|通知|告知|反映|交代|打招呼|上门|拜访|去找|找)",
    "%WE%%Z8%(?:已经|已|刚|刚刚)?(?:跟|和|向|给|对|找过|找了|联系了|联系过|通知了|告诉了|见了|见过)"
    "(?:你|您)(?:们)?(?:的)?" + _RELATIVE_ZH,
)

FALSE_LEGAL = en(
    "%SUBJ%(?:freeze|block|seize|take|confiscate|impound|repossess|tow|empty|drain|garnish"
    "|cancel|revoke|lock)(?: away)? (?:all (?:of )?)?(?:your|ur) (?:\\w+ ){0,3}?(?:bank accounts?"
    "|assets|property|properties|house|home|car|cars|trucks?|equipment|machines|passports?"
    "|visas?|savings|wages|salary|funds|deposits)",
    "(?:take|seize|confiscate|cancel|revoke|block|hold|flag) (?:your|ur) passports?",
) + zh(
    "(?:就|会|将|马上|立刻|立即|直接|要|去|把)%Z4%(?:冻结|查封|扣押|扣留|没收|查扣|吊销|封存)(?:掉|了)?"
    "%Z12%(?:账户|帐户|银行卡|资金|存款|资产|财产|房|车|设备|库存|货物|护照|证件|执照)",
    "(?:就|会|将|马上|直接|要)%Z4%(?:限制|限)(?:你|您)?(?:们)?(?:的)?(?:高消费|出境|出行|坐飞机|坐高铁|乘机)",
    "(?:子女|孩子|小孩|儿子|女儿)%Z8%(?:不能|不得|没法|无法|上不了|进不了)(?:上|读|进)?%Z4%(?:学|学校|私立"
    "|大学|幼儿园)",
)
# A report to the police counts only when we make it or it is about the customer; a carrier
# reporting lost goods is a fact.
REPORT = en(
    "%SUBJ%(?:file|filed|filing|make|made|lodge|lodged) (?:a )?(?:police|criminal) (?:report"
    "|complaint) (?:against|about|on) (?:you|your)",
) + zh(
    "%WESUBJ%向(?:公安|警方|派出所|警察)报案",
    "向(?:公安|警方|派出所|警察)报案%Z12%(?:你|您|贵司|贵公司)",
)

_LEGAL_ACT_EN = (
    "(?:sue|file(?: (?:the|a|our))? (?:law)?suit|file(?: (?:the|a|our))? (?:claim|case|papers"
    "|complaint)|issue (?:the |a )?(?:writ|summons|proceedings)|(?:start|commence|begin|launch)"
    " (?:the |legal )?(?:proceedings|litigation|the lawsuit|a lawsuit)|take (?:you|this|it"
    "|the matter) to court|go to court|serve you)"
)
SUE_THREAT = en(
    "(?:or|otherwise|or else|else|if not|failing (?:that|which)),? (?:we|i|our (?:\\w+ )?"
    "(?:lawyers?|attorneys?|solicitors?|legal (?:team|department)))"
    "(?:'ll| will| shall| are going to| go| then|'re going to)? (?:\\w+ )?" + _LEGAL_ACT_EN,
    "(?:or|otherwise|or else|else|if not),? (?:you(?:'ll| will| are going to|'re going to)"
    " (?:be|get) served|(?:expect|wait for) (?:to be served|(?:the )?(?:court )?papers"
    "|a summons))",
    "(?:no payment|non-?payment|failure to pay|not paying|unpaid|not paid)(?: [\\w']+){0,3}?"
    " (?:means|=|equals|will mean|leads to|gets you) (?:court|a lawsuit|being sued|legal action"
    "|litigation|proceedings|a summons)",
) + zh(
    "(?:今天|明天|本周|周[一二三四五六日]|月底|\\d+点|下午|中午|晚上)%Z4%(?:不|没|还没|再不)(?:到账|付款|还款|还钱|付)"
    "%Z6%(?:就是|等于|意味着|就等)(?:法庭|法院|官司|诉讼|起诉|传票)",
    "(?:要么|要不)%S16%(?:要么|要不)%Z4%(?:法庭见|法院见|收传票|等传票|吃官司|打官司|被起诉)",
)

INSULT = en(
    "(?:you(?:'re| are)?|are you|ur|is your (?:\\w+ )?(?:team|staff|accountant|office))"
    " (?:\\w+ )?(?:too|so|that|this|really|just) (?:stupid|dumb|thick|dense|incompetent"
    "|illiterate|clueless|brainless|moronic|idiotic|retarded|simple-minded)",
)

_GROUP_EN = (
    "(?:an? )?(?:old |young |elderly |foreign )?(?:woman|women|girl|girls|lady|ladies|old man"
    "|old men|immigrants?|foreigners?|grandma|granny|housewife|housewives|mothers?|mums?)"
)
DISCRIMINATION = en(
    "as an? (?:\\w+ )?(?:woman|girl|lady|foreigner|immigrant|old man|old person|pensioner"
    "|mother|mum|housewife),? you (?:probably|obviously|clearly|surely|can'?t|don'?t|won'?t"
    "|wouldn'?t|must|just|never)",
    "(?:don'?t|do not|didn'?t|never|can'?t|cannot|wouldn'?t|won'?t) (?:expect|trust|believe"
    "|count on)(?: \\w+){0,3}? (?:from|of) (?:a|an|any) (?:\\w+ )?(?:company|firm|business|shop"
    "|outfit|team) (?:run|owned|managed|led|headed) by " + _GROUP_EN,
)

FAKE_AUTHORITY = en(
    "(?:this|the) (?:\\w+ )?(?:notice|letter|message|call|reminder|demand|e-?mail|text)"
    "(?: \\w+)? (?:comes|is coming|came|is|was sent|has been sent|is sent|is issued|was issued"
    "|has been issued) (?:directly )?(?:from|by) (?:the )?(?:office of the )?(?:state|national"
    "|federal|central|municipal|provincial|government|tax|taxation|revenue|irs|hmrc|police"
    "|court|ministry|department of|bureau|administration of|commission|regulator|regulatory"
    "|authority|sheriff|customs)",
)

SHAMING = zh(
    "(?:在|到|去)(?:你|您)(?:们)?(?:的)?(?:家)?(?:小区|公司|厂|店|单位|家|楼下|门口|大楼|写字楼|村|学校|大门)"
    "%Z6%(?:贴|张贴|挂|拉|发|喷|写|刷)%Z4%(?:告示|通告|横幅|布条|条幅|传单|大字报|海报|标语|公告|启事)",
)

EXTRA: dict[str, Source] = {
    "threat": THREAT,
    "third_party": THIRD_PARTY,
    "false_legal": FALSE_LEGAL,
    "insult": INSULT,
    "discrimination": DISCRIMINATION,
    "fake_authority": FAKE_AUTHORITY,
    "shaming": SHAMING,
}
# A sue threat tied to a deadline is no threat when the sentence names the contract or the
# lawful route ("if not, we will file the claim as the contract provides").
_LAWFUL_EN = "contract|clause|agreement|terms|依法|按合同|合同约定|法律途径|may|might|可能"
SPECS: tuple[Spec, ...] = (
    Spec("false_legal", REPORT, excusable=True),
    Spec("sue_threat", SUE_THREAT, excusable=True, forbids=_LAWFUL_EN),
)
