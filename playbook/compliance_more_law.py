"""More pattern families for the law misused and for words about the person, found by fresh
tables written without seeing the rules (tests/data/lint_lead.yaml, lint_fresh*.yaml): see
compliance_more for the people and harm families and how they are merged.

- false legal: seizing or deducting on our own, "without a court" (a court order, judgment or
  the contract's retention of title named in the sentence excuses it); licences revoked, "判三年",
  a fugitive, mortgages never again, tickets stopped;
- fake authority: "this is a notice from" an authority, an authority acting "at our request" or
  having "asked me to", our people "are marshals", a heading "Customs Division:", 由税务总局发出;
- sue threat: "or our lawyers file", "or a writ", lawsuits "until your company folds", suing
  every director personally, 官司缠身;
- insult and discrimination: comparisons ("the brains of a goldfish", "a chimp could"),
  "你这种人", age, "being deaf is no excuse", distrust of a nationality.
"""

from __future__ import annotations

from playbook.compliance_harm import REGION_ZH
from playbook.compliance_rx import Source, Spec, en, zh

# Seizing or deducting on our own; the sentence's naming of a court, a judgment or the
# contract's retention of title makes it a lawful statement, not this.
FALSE_LEGAL_SELF_HELP = en(
    "(?:we|i)(?:'re| are| am)? (?:entitled|allowed|permitted|free|within (?:our|my) rights"
    "|legally (?:entitled|allowed)) to (?:enter (?:your|the) (?:premises|warehouse|office|factory"
    "|shop|home|house|site)|recover goods|take|seize|repossess|lock|confiscate|remove|tow"
    "|garnish|deduct|freeze|empty|clear out)",
    "(?:under the law|legally|by law),? (?:we|i) (?:can|may|will|are allowed to) (?:take|seize"
    "|repossess|lock|confiscate|keep|remove|tow|sell|garnish|deduct|freeze)",
    "(?:seize|repossess|lock|confiscate|garnish|deduct|freeze|tow)(?: \\w+){0,6}?"
    " (?:without (?:a |any |going to |the )?(?:court|judge|judg(?:e)?ment|court order|trial)"
    "|no court (?:order )?(?:needed|required|necessary))",
) + zh(
    "%WE%%Z6%(?:可以|有权|能|会|将|就|就会|马上|直接)+%Z4%(?:扣|扣押|扣留|拉走|搬走|开走|没收|查封|冻结|划走"
    "|锁了|封了|收走|拿走)(?:掉)?%POSS%%Z4%(?:工资|薪水|薪资|房子|房产|车|仓库|设备|账户|存款|资产|财产"
    "|店|厂|办公室|货)",
    "直接从%POSS%%Z4%(?:账户|工资|薪水|存款|卡)%Z4%(?:扣|划)",
    "(?:扣|扣押|扣留|拉走|搬走|没收|查封|冻结|划走|封|收走|拿走)%S16%(?:不用|不需要?|不必|无需|用不着)"
    "(?:经过|通过|走)?(?:法院|法庭|法律程序|判决|起诉)",
    "(?:不用|不需要?|不必|无需|用不着)(?:经过|通过|走)?(?:法院|法庭|法律程序|判决)%Z12%(?:扣|扣押|拉走"
    "|搬走|没收|查封|冻结|划走|收走|拿走)",
    "(?:学校|大学|好学校)%Z4%(?:都|也)?上不了",
)
_LAWFUL_SEIZURE = (
    "retention|(?<![a-z])title|contract|clause|court order|judg|合同|约定|判决|裁定|申请"
)

_AUTH_WORDS_ZH = (
    "(?:法院|法庭|检察院|检察署|地检署|调查局|公安局?|派出所|警察局|警方|经侦|税务局|税务|海关|市场监管局|市场监督管理局"
    "|工商局|银保监(?:局|会)?|银监(?:局|会)?|金管会|金融监管(?:总局|局)|证监(?:会|局)|人民银行|央行"
    "|司法局|执行局|政府|监管部门|执法部门)"
)
_AUTH_WORDS_EN = (
    "(?:police|court|courts|tax (?:office|bureau|authority|department)|customs|regulators?"
    "|samr|cbirc|csrc|pboc|nfra|regulatory (?:commission|authority|agency|bureau)"
    "|irs|hmrc|(?:economic |financial )?crimes? (?:division|unit|bureau|squad)"
    "|enforcement (?:office"
    "|division|unit|bureau)|tax authority"
    "|supervisory (?:commission|authority)|market regulation|prosecutors?"
    "|government|authorities|ministry|bureau of \\w+|tax bureau|sheriff)"
)

FAKE_AUTHORITY = en(
    "(?:i'm|i am|we're|we are|calling|writing|here) (?:on behalf of|for|from) (?:the )?"
    "(?:\\w+ ){0,3}(?:regulatory|supervisory) (?:commission|authority|agency|bureau"
    "|administration)",
    "(?:this is|we are|i am|i'm|calling from|writing from|on behalf of) (?:the )?(?:samr"
    "|cbirc|csrc|pboc|nfra|state administration for market regulation|market regulation"
    " (?:bureau|administration))",
    "(?:we|our (?:\\w+ )?(?:agents?|staff|team|people|collectors?|officers?|colleagues?))"
    "(?:'re| are| is) (?:\\w+ ){0,2}?(?:federal |state |court |u\\.?s\\.? )?(?:marshals?"
    "|bailiffs?|police officers?|federal agents?|tax inspectors?|customs officers?"
    "|detectives?|court officers?|government officials?|prosecutors?)",
    _AUTH_WORDS_EN + "(?: \\w+){0,8}? (?:at our (?:request|instruction|initiative)"
    "|on our (?:behalf|request|instruction))",
) + zh(
    "这是" + _AUTH_WORDS_ZH + "%Z6%(?:的)?(?:通知|公告|提醒|来电|警告|催告|函|短信)",
    "(?:本人(?:为|身为)|我身为)%Z8%(?:法院|检察院|公安|派出所|税务|海关|监管|执行局)",
    _AUTH_WORDS_ZH + "(?:的)?(?:工作人员|专员|干警|民警|法官|警官|执行员|稽查员|书记官|书记员)"
    "%Z4%(?:提醒|通知|告知|要求|责令|催促|敦促|命令)%YOU%",
    _AUTH_WORDS_ZH
    + "%Z4%(?:通知|提醒|告知|要求|责令|催促|敦促|命令)%YOU%%Z6%(?:尽快|立即|马上|立刻"
    "|务必|限期|今天)%Z4%(?:还款|付款|还钱|转账|结清|缴)",
    _AUTH_WORDS_ZH + "%ALREADY%?(?:会|将|正在)?%Z4%(?:委托|授权|指派)%WE%",
    _AUTH_WORDS_ZH
    + "%Z4%(?:配合|协助|帮助|联合|支持)%WE%%Z6%(?:催|收|追|执行|查封|冻结|吊销|扣|处理%POSS%)",
    "%WE%%Z4%(?:联合|协同|会同)"
    + _AUTH_WORDS_ZH
    + "%Z6%(?:催|收|追|执行|查封|冻结|上门|处理%POSS%)",
    "(?:%WE%|本人)%Z6%(?:书记官|法警|执达员|执行官|税务官|关员|稽查员|检察官)",
)


SUE_THREAT = en(
    "or (?:our|my|the) (?:lawyers?|attorneys?|solicitors?|legal (?:team|people)) (?:will |'ll"
    " |are going to )?(?:file|sue|go to court|start (?:proceedings|a case)|take (?:you|action)"
    "|come after you)",
    "(?:tie|bury|drown|swamp|tangle) (?:you|your (?:\\w+ )?(?:company|firm|business))(?: up)?"
    " in (?:lawsuits|litigation|court cases|legal (?:action|fees|costs))",
    "(?:lawsuits?|litigation|court cases?|legal action|sue)(?: \\w+){0,4}? until (?:you|your)"
    "(?: \\w+){0,3}? (?:folds?|goes (?:under|bust|bankrupt)|closes?|are (?:ruined|broke|finished)"
    "|is (?:ruined|finished|closed)|gives? in|beg)",
)


FALSE_LEGAL_MORE = en(
    "(?:sheriffs?|bailiffs?|marshals?|court officers?|enforcement officers?)(?: \\w+)? (?:will"
    "|is going to|are going to|'ll|can|could|may) (?:padlock|lock|seal|close|shut|board up|evict"
    "|tow|chain|change the locks)",
    "(?:never|won'?t|will not|can'?t|cannot) (?:\\w+ )?(?:get|obtain|be approved for|qualify for"
    "|open|take out) (?:a |an |another )?(?:mortgage|loan|credit card|bank account|lease"
    "|credit)(?: \\w+)? (?:again|ever)|(?:ruin|destroy|wreck) your (?:credit|credit score"
    "|credit rating|credit history)(?: forever| for good| for life)?",
    "fugitives?|outlaws?|wanted by (?:the )?police|extradit(?:e|ed|ion)|felon(?:y|ies)"
    "|misdemeanou?rs?",
    "(?:police|cops|officers|bailiffs?)(?: are| is)? (?:already )?(?:on (?:their|the) way|coming"
    " for you|heading to your|en route|dispatched)",
    "(?:have|get) your (?:\\w+ )?(?:accounts?|assets|wages|salary|property|house|car|cards?)"
    " (?:frozen|seized|garnished|confiscated|impounded|blocked)",
    "(?:have|get) you (?:\\w+ )?(?:detained|arrested|jailed|locked up|deported)(?! the)"
    "|you(?:'ll| will| could| may| might)? (?:be |get )?(?:detained|stopped|held|arrested) at the"
    " (?:border|airport)",
) + zh(
    "(?:营业执照|执照|牌照|经营许可|许可证)%Z6%(?:吊销|注销|被撤|作废|没收)|吊销%Z4%(?:营业执照|执照|牌照)",
    "(?:要|会|得|就)被?判(?:刑|%YOU1%|[0-9一二两三四五六七八九十几]+年)|判(?:[0-9一二两三四五六七八九十几]+)"
    "(?:年|个月)",
    "(?:高铁|火车|机票|飞机|动车)(?:票)?%Z8%(?:停掉|被停|被限|冻结|禁止)|%POSS%%Z4%(?:高铁|火车|机票|飞机"
    "|动车)(?:票)?%Z8%买不了",
    "(?:属于|构成|涉嫌|就是|算)侵占|侵占罪|送办|移送%Z4%(?:公安|检察|司法)|法办",
)
FALSE_LEGAL_SELF_HELP_MORE = en(
    "(?:we|i) (?:have|'ve got|hold) the (?:legal |full )?right to (?:enter|take|seize|collect"
    "|repossess|remove|lock|sell|access|empty)",
) + zh(
    "%WE%%Z6%(?:让|叫|请)法院%Z8%(?:拍卖|查封|冻结|强制执行|扣押)",
    "%POSS%%Z4%(?:银行)?(?:账户|资产|财产|房子|车|存款)%Z8%%WE%%Z6%(?:冻结|查封|扣押|划走|没收)",
)

FAKE_AUTHORITY_MORE = en(
    "(?:i am|i'm|my name is|it'?s) (?:officer|sergeant|detective|inspector|constable|agent"
    "|marshal|bailiff|judge|prosecutor|commissioner)",
    _AUTH_WORDS_EN + "(?: \\w+){0,2}? (?:has |have )?(?:asked|instructed|ordered|told|directed"
    "|authori[sz]ed|sent|appointed|mandated|requested) (?:us|me) to (?:remind|tell|inform|notify"
    "|warn|collect|chase|contact|call|demand|recover|pursue|press|get)",
    "(?:inland revenue|revenue (?:service|agency|department)|tax office|tax bureau|customs"
    "|court|police|regulator)(?: \\w+)? (?:has|have) (?:flagged|marked|selected|listed) your"
    "(?: \\w+)? (?:account|company|firm|debt|arrears|balance|name)",
    "(?:(?<![^\\n])|(?<=[,.!?｡]\\s))(?:the )?(?:[a-z]+ ){0,2}?"
    + _AUTH_WORDS_EN
    + "(?: [\\w'-]+){0,3}?:"
    "(?: [\\w'-]+){0,3}? (?:pay|settle|transfer|remit|your (?:\\w+ )?(?:debt|arrears|balance"
    "|overdue))",
    "(?:partnered|affiliated|contracted|in partnership|teamed up|appointed) (?:\\w+ )?(?:with|by)"
    " (?:the )?" + _AUTH_WORDS_EN + "|with (?:the )?" + _AUTH_WORDS_EN + " to (?:collect|recover"
    "|chase|enforce)",
    _AUTH_WORDS_EN + "(?: [\\w'-]+){0,8}? (?:until|unless|after|once|when) you (?:pay|settle"
    "|clear)(?: [\\w'-]+){0,2}? (?:us|our|with us)",
    _AUTH_WORDS_EN + "(?: \\w+)? (?:agent|officer|inspector|official) (?:here|speaking|calling)",
    "as (?:an? )?(?:officer|agent|official|representative|inspector|investigator|employee) (?:of"
    "|from|with|at) (?:the )?(?:[a-z]+ )?" + _AUTH_WORDS_EN,
    "(?:instructed|directed|ordered|required|requested|mandated) by (?:the )?(?:[a-z]+ )?"
    + _AUTH_WORDS_EN,
    "government-?licensed|(?:acting|working|collecting) (?:for|on behalf of) the (?:state"
    "|government|court|authorities)",
) + zh(
    "(?:本|此)(?:通知|函|短信|消息|公告)%Z4%由%Z6%"
    + _AUTH_WORDS_ZH
    + "%Z6%(?:发出|签发|下达|发布|出具|发送)",
    "%WE%%Z8%" + _AUTH_WORDS_ZH + "(?:的)?%Z4%(?:委派|指派|派来|委托)的",
    "(?:本案|此案|此事|本次催收|这笔(?:欠款|款))%Z4%由%Z6%"
    + _AUTH_WORDS_ZH
    + "%Z4%(?:交办|委托|指派"
    "|督办|移交|转交|授权)",
    "(?:本|此)(?:通知|函|短信|消息|公告)%Z4%(?:系|是)?%Z4%(?:受|由|奉)%Z6%" + _AUTH_WORDS_ZH,
    _AUTH_WORDS_ZH + "(?:的)?%Z4%(?:来电|致电)(?:提醒|通知|告知|催)",
    "(?:依|根据|按照|应|遵照|依照)%Z4%"
    + _AUTH_WORDS_ZH
    + "(?:的)?(?:要求|指示|命令|通知)%S16%(?:%YOU%|请)"
    "%Z6%(?:还款|付款|还钱|清偿|结清|缴)",
    _AUTH_WORDS_ZH + "(?:的)?(?:工作人员|专员|干警|民警|法官|警官|执行员|稽查员)?(?:让|叫|托|要)"
    "(?:我|我们)(?:转告|通知|提醒|告诉)",
)

SUE_THREAT_MORE = en(
    "or (?:a|the) (?:writ|summons|court claim|lawsuit|suit|subpoena)(?! form)",
    "or (?:enjoy|face|get|expect|prepare for|look forward to)(?: \\w+){0,2}? (?:litigation"
    "|lawsuits?|court|legal action|a lawsuit|a writ|court cases?)",
    "sue (?:every|all|each|the)(?: \\w+)? (?:directors?|shareholders?|officers?|partners?"
    "|managers?|one of you)|sue (?:\\w+ ){0,3}personally",
    "(?:want|like|fancy|looking for|asking for) a (?:court battle|legal battle|lawsuit|fight in"
    " court|day in court)",
    "(?:lawyers?|attorneys?|solicitors?|legal team) (?:are|is) (?:ready|waiting|standing by"
    "|itching|eager|dying|keen)(?: \\w+){0,2}? to (?:bury|drag|go after|sue you|come after)",
    "or (?:the|a|our) (?:claim|lawsuit|suit|case|writ) (?:gets|is|will be|goes) (?:filed|issued"
    "|lodged|served|in)",
    "(?:spend|enjoy)(?: \\w+){0,4}? (?:in court|in litigation|with (?:our )?lawyers)|years (?:in"
    " court|of litigation)",
    "(?:letter|call|notice|visit) (?:will )?comes? from (?:a|the) (?:judge|court|bailiffs?)",
    "(?:commence|start|begin|issue|initiate|launch|file|bring) (?:legal |court )?(?:proceedings"
    "|action|a claim|suit|a lawsuit)(?: against you)?(?: \\w+){0,3}? (?:tonight|today|immediately"
    "|at once|without (?:further )?(?:notice|warning|delay)|first thing|this afternoon|by tonight)",
    "you(?:'ll| will| are going to| shall) be served",
    "(?:lawsuit|legal action|court case|writ|summons|papers) (?:is )?(?:incoming|coming your way"
    "|on (?:its|the) way|headed your way)",
    "bury you in (?:paperwork|paper|writs|claims|motions|filings|lawsuits)",
    "or (?:you(?:'re| are| will|'ll) )?(?:get(?:ting)?|be(?:ing)?|going to (?:get|be)|gonna get)"
    " sued",
) + zh(
    "官司缠身|吃不完的官司|打不完的官司|让%YOU%%Z4%吃官司|惹上官司",
    "对%YOU1%%Z4%(?:提起|提出|发起)(?:诉讼|起诉)",
)

INSULT_MORE = en(
    "(?:a|my|any) (?:chimp|monkey|toddler|dog|hamster|goldfish|trained monkey) could (?:run|do"
    "|manage|handle)",
    "weasels?|nincompoops?|spoil(?:t|ed) brats?|brats?|illiterate|amateurs|two\\s*faced"
    "|backstabb\\w+|lowest of the low|bottom\\s*of\\s*the\\s*barrel",
    "(?:brains?|iq|intelligence|memory|manners) of an? (?:\\w+ )?(?:goldfish|rock|potato"
    "|child|toddler|monkey|chimp|donkey|pig|dog|sheep|brick|snail)",
) + zh(
    "(?:你|你们)这(?:种|号|类)(?:人|货|货色|东西)",
    "脸皮%Z4%(?:厚|比)",
    "算(?:个|哪根)?(?:什么)?(?:东西|葱)",
    "活该(?:破产|倒闭|穷|倒霉|亏|被)",
    "(?:骗|坑)人精|坑货|烂咖|烂货|吃(?:干|白|闲)饭",
)

DISCRIMINATION_MORE = en(
    "(?:never|not|n'?t|cannot|better than to|stop) (?:\\w+ ){0,2}(?:trust|deal with|rely on|believe"
    "|work with|expect (?:much )?from)(?: \\w+)? (?:an? |any "
    "|those |these )?(?:indian|chinese|african|arab|mexican|russian|nigerian|pakistani|vietnamese"
    "|filipino|turkish|jewish|muslim|foreign|immigrant|cantonese|taiwanese|korean|japanese)"
    " \\w+",
    "(?:a|some|any) (?:male|man) (?:colleague|boss|manager|director|partner|person)"
    "|(?:speak|talk|deal) (?:to|with) (?:a|some) (?:man|guy|male)|(?:a|any|some) (?:man|male|guy)"
    "(?: \\w+){0,4}? (?:i|we) can (?:speak|talk|deal)",
    "(?:old|older|elderly|aged)(?: \\w+)? (?:people|guys|men|women|folks?|timers?|fogeys?"
    "|farts?) like you|at your age|(?:too|so) old to (?:run|understand|handle|do|manage)"
    "|old-?timers?",
    "(?:being|because you'?re|you'?re) (?:deaf|blind|disabled|crippled|handicapped|a woman"
    "|a foreigner|old|pregnant)(?: \\w+){0,2}? (?:is no|isn'?t an?|doesn'?t|does not) (?:excuse"
    "|reason)",
) + zh(
    "(?:少数民族|原住民|客家人|回族|维族|藏族|外籍|外劳|新住民)%Z6%(?:都|就是|果然|一个个|没一个|靠不住"
    "|不靠谱|就爱|不讲)",
    "(?:%YOU%|这些|那些)(?:这种|那种|这些|这样的)"
    + REGION_ZH
    + "(?:的)?(?:小)?(?:人|佬|公司|厂|老板|商人|企业"
    "|厂商)",
    REGION_ZH + "(?:来的|出来的)%S16%(?:都|就是|果然|一向|总是|这么|这样)",
    "女(?:老板|老总|的|人|士)%S16%(?:不太懂|不懂|不会|搞不清|弄不明白)|让男(?:同事|的|人|领导|士)来",
    "女(?:人|的|流)%Z6%(?:就是|都是|果然|总是|就爱|天生)",
    "(?:年纪大了|老了|岁数大了|上了年纪)%Z8%(?:别|就别|不好使|糊涂|不行|不中用|做不了)|老糊涂|老不死",
)

EXTRA: dict[str, Source] = {
    "false_legal": FALSE_LEGAL_MORE,
    "fake_authority": FAKE_AUTHORITY + FAKE_AUTHORITY_MORE,
    "sue_threat": SUE_THREAT + SUE_THREAT_MORE,
    "insult": INSULT_MORE,
    "discrimination": DISCRIMINATION_MORE,
}
SPECS: tuple[Spec, ...] = (
    Spec(
        "false_legal",
        FALSE_LEGAL_SELF_HELP + FALSE_LEGAL_SELF_HELP_MORE,
        excusable=True,
        forbids=_LAWFUL_SEIZURE,
    ),
)
