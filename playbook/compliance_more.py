"""More pattern families for the compliance lint, found by fresh tables written without
seeing the rules (tests/data/lint_lead.yaml, lint_fresh*.yaml).

Each group names a family, not a sentence:

- threat: knowing where a relative goes ("which gym your wife goes to"), a relative alone on
  the way home, property that "won't last", brakes to check, "hate for your family to get
  hurt", "最好别一个人走夜路";
- third party: a relative's or partner's number in our hands ("I have your mother's number");
- false legal: seizing or deducting on our own, "without a court" (the lawful route named in
  the sentence excuses it);
- fake authority: "this is a notice from" an authority, an authority acting "at our request",
  our people "are marshals", 监管部门的工作人员提醒您还款;
- shaming: a public list of bad payers, the customer's followers told, a video posted;
- harassment: presence every day or until paid, following, a new number when blocked, a
  count of calls per day or hour, calls late in the evening or before six;
- sue threat: "or our lawyers file", lawsuits "until your company folds".

See compliance_rx for the pattern conventions.
"""

from __future__ import annotations

from playbook.compliance_rx import Source, Spec, en, zh

_KIN_EN = (
    "(?:wife|husband|spouse|family|kids?|children|child|sons?|daughters?|parents?|mother|mom"
    "|mum|father|dad|girlfriend|boyfriend|brothers?|sisters?|grandchildren|grandkids"
    "|(?:boss|owner|ceo|director|manager|accountant|staff|workers|employees))"
)
_PROPERTY_EN = (
    "(?:windows?|shop|shops|store|stores|car|cars|trucks?|vans?|house|home|office|warehouse"
    "|factory|showroom|premises|stock|machines?|legs?|arms?|kneecaps?|face|teeth|doors?"
    "|business|place|plant|shopfront|shop front|storefront)"
)

THREAT = en(
    "(?:we|i|people|someone|they|our (?:\\w+ )?(?:guys|boys|men|people|friends))"
    " (?:know|knows|found out|have found out|have worked out|'ve found out) (?:where|which \\w+"
    "|what \\w+|when|how) your (?:\\w+ )?" + _KIN_EN + "(?: [\\w']+){0,3}? (?:goes|go|lives?"
    "|works?|parks?|studies|study|stays?|shops?|eats?|drinks?|trains?|drops?|picks?|walks?"
    "|leaves?|gets? (?:home|off)|sleeps?|plays?|swims?)",
    "your (?:\\w+ )?" + _KIN_EN + "(?: [\\w']+){0,4}? (?:alone|by (?:himself|herself|themselves"
    "|yourself)|on (?:his|her|their) own)(?: at night| after dark|, (?:do|does|don'?t|doesn'?t)"
    " (?:they|he|she|you))",
    "your (?:\\w+ )?" + _PROPERTY_EN + "(?: \\w+)? (?:won'?t|will not|might not|may not"
    "|wouldn'?t|isn'?t going to|aren'?t going to|are not going to|is not going to)"
    " (?:last|survive|stay (?:intact|in one piece|standing)|be (?:standing|there|around|safe"
    "|intact|the same|in one piece))",
    "(?:check|test|look at|mind) (?:your|the) (?:\\w+(?:'s)? )?(?:brakes|brake lines?|locks"
    "|tyres|tires|wheel nuts|gas (?:pipes?|lines?)|smoke (?:alarms?|detectors?)|fire"
    " (?:insurance|extinguishers?))(?: \\w+){0,3}? (?:before|these days|lately|soon|every"
    " (?:morning|day)|from now on)",
    "(?:hate|sad|sorry|pity|shame|terrible|awful|unfortunate)(?: \\w+){0,2} (?:for|if|to see)"
    " (?:you|your (?:\\w+ ){0,2}\\w+)(?: \\w+){0,2}? (?:to )?(?:get|got|gets|getting|be|being"
    "|was|were) (?:\\w+ )?(?:hurt|injured|harmed|damaged|burn(?:ed|t)|broken|smashed|lost"
    "|sick|ill|attacked|robbed)",
) + zh(
    "(?:最好|可别|千万别|千万不要|别|不要|少|小心|当心|注意)%Z6%(?:走夜路|夜里出门|晚上出门|单独出门"
    "|一个人(?:出门|回家|走|在家|开车|上班|下班|上下班|去|过))",
    "(?:知道|清楚|查到|摸清)%POSS%?%Z4%(?:家人|老婆|老公|孩子|儿子|女儿|父母|爸妈|老板|太太|先生)"
    "%Z6%(?:在哪|去哪|几点|每天|平时|常去)",
)

THIRD_PARTY = en(
    "(?:we|i)(?:'ve| have| already have| got|'ve got| found| know| now have| also have)"
    "(?: \\w+)? (?:your|his|her)(?: \\w+)? (?:wife|husband|spouse|family|kids?|children"
    "|son|daughter|parents?|mother|mom|mum|father|dad|relatives?|brother|sister|neighbou?rs?"
    "|landlord|boss|employer|clients?|customers?|suppliers?|partners?|bank|friends?)(?:'s|s'|')?"
    " (?:phone |mobile |home |work |email |e-mail )?(?:numbers?|phone|mobile|cell|address"
    "|e-?mails?|contacts?|details|wechat|whatsapp)",
)

# Seizing or deducting on our own; the sentence's naming of a court, a judgment or the
# contract's retention of title makes it a lawful statement, not this.
FALSE_LEGAL_SELF_HELP = en(
    "(?:we|i)(?:'re| are| am)? (?:entitled|allowed|permitted|free|within (?:our|my) rights"
    "|legally (?:entitled|allowed)) to (?:take|seize|repossess|lock|confiscate|keep|remove|tow"
    "|sell|garnish|deduct|freeze|empty|clear out)",
    "(?:under the law|legally|by law),? (?:we|i) (?:can|may|will|are allowed to) (?:take|seize"
    "|repossess|lock|confiscate|keep|remove|tow|sell|garnish|deduct|freeze)",
    "(?:take|seize|repossess|lock|confiscate|garnish|deduct|freeze|tow)(?: \\w+){0,6}?"
    " (?:without (?:a |any |going to |the )?(?:court|judge|judg(?:e)?ment|court order|trial)"
    "|no court (?:order )?(?:needed|required|necessary))",
) + zh(
    "%WE%(?:可以|有权|能|会|将|就|就会|马上|直接)+%Z4%(?:扣|扣押|扣留|拉走|搬走|开走|没收|查封|冻结|划走"
    "|锁了|封了|收走|拿走)(?:掉)?%POSS%",
    "(?:扣|扣押|扣留|拉走|搬走|没收|查封|冻结|划走|封|收走|拿走)%Z12%(?:不用|不需要?|不必|无需|用不着)"
    "(?:经过|通过|走)?(?:法院|法庭|法律程序|判决|起诉)",
    "(?:不用|不需要?|不必|无需|用不着)(?:经过|通过|走)?(?:法院|法庭|法律程序|判决)%Z12%(?:扣|扣押|拉走"
    "|搬走|没收|查封|冻结|划走|收走|拿走)",
    "(?:学校|大学|好学校)%Z4%(?:都|也)?上不了",
)
_LAWFUL_SEIZURE = (
    "retention|(?<![a-z])title|contract|clause|court order|judg|合同|约定|判决|裁定|申请"
)

_AUTH_WORDS_ZH = (
    "(?:法院|法庭|检察院|公安局?|派出所|警察局|警方|经侦|税务局|税务|海关|市场监管局|市场监督管理局"
    "|工商局|银保监(?:局|会)?|银监(?:局|会)?|金管会|金融监管(?:总局|局)|证监(?:会|局)|人民银行|央行"
    "|司法局|执行局|政府|监管部门|执法部门)"
)
_AUTH_WORDS_EN = (
    "(?:police|court|courts|tax (?:office|bureau|authority|department)|customs|regulators?"
    "|samr|cbirc|csrc|pboc|nfra|regulatory (?:commission|authority|agency|bureau)"
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
    "|on our (?:behalf|request|instruction)|for us)",
) + zh(
    "这是" + _AUTH_WORDS_ZH + "%Z6%(?:的)?(?:通知|公告|提醒|来电|警告|催告|函|短信)",
    "(?:本人|我)(?:为|身为|作为)%Z8%(?:法院|检察院|公安|派出所|税务|海关|监管|执行局)",
    _AUTH_WORDS_ZH + "(?:的)?(?:工作人员|专员|干警|民警|法官|警官|执行员|稽查员|书记官|书记员)"
    "%Z4%(?:提醒|通知|告知|要求|责令|催促|敦促|命令)",
    _AUTH_WORDS_ZH
    + "%Z4%(?:通知|提醒|告知|要求|责令|催促|敦促|命令)%YOU%%Z6%(?:尽快|立即|马上|立刻"
    "|务必|限期|今天)%Z4%(?:还款|付款|还钱|转账|结清|缴)",
    _AUTH_WORDS_ZH + "%ALREADY%?(?:会|将|正在)?%Z4%(?:委托|配合|协助|帮助|联合|授权)%WE%",
    "%WE%%Z4%(?:配合|联合|协同|会同)" + _AUTH_WORDS_ZH,
    "(?:%WE%|本人)%Z6%(?:书记官|法警|执达员|执行官|税务官|关员|稽查员|督察|检察官|调查员)",
)

_FOLLOWERS_EN = (
    "(?:followers|fans|subscribers|connections|audience|viewers|network|contacts on \\w+)"
)

SHAMING = en(
    "(?:public|published|online|open|industry|shared)(?: \\w+){0,2}? (?:list|register|database"
    "|page|board|wall|index) of (?:\\w+ ){0,2}(?:payers|debtors|deadbeats|defaulters"
    "|companies|firms|customers|people|clients)",
    "(?:tell|show|let|inform|message|notify|alert) (?:all (?:of )?)?your (?:\\w+ )?"
    + _FOLLOWERS_EN,
    "your (?:\\w+ )?" + _FOLLOWERS_EN + "(?: (?:on|in) \\w+)?(?: \\w+){0,3}? (?:will|would"
    "|might|react|know|see|hear|find out|learn|think|when we)",
) + zh(
    "(?:朋友圈|微博|抖音|快手|小红书|网上|脸书|facebook|公众号|视频号|b站|直播间)(?:上|里)%Z6%"
    "(?:发|挂|贴|晒|公布|曝光|拍|放|传)",
    "(?:发|拍|做|剪|放)(?:个|一个|条|一条|段|一段)?(?:视频|影片|短视频|直播|帖子|文章)%Z12%"
    "(?:你|您|贵司|欠|赖|拖)",
    "让(?:所有人|大家|全网|网友|粉丝|大伙|众人)(?:都)?(?:看看|瞧瞧|评评理|见识|认识|围观|知道)",
    "%POSS%(?:粉丝|关注者|好友|网友)%Z6%(?:都会|会|也会|就会)?(?:知道|看到|听说)",
)

_UNTIL_EN = (
    "(?:until|till|'til|untill) (?:you (?:pay|answer|pick up|respond|reply|settle|give in|crack"
    "|break)|(?:this|it|the (?:debt|invoice|balance|bill|amount|account)|everything)"
    " (?:is|gets|has been) (?:paid|settled|cleared)|(?:we|i) (?:get|are|am|'re|'m) paid"
    "|the money (?:arrives|comes|is (?:in|paid))|we get our money)"
)
_PRESENCE_EN = (
    "(?:sit|sits|sitting|camp|camping|wait|waiting|stand|standing|stay|staying|park|parked"
    "|be)(?: \\w+)? (?:in|at|outside|in front of|by) your (?:\\w+ )?(?:lobby|reception|office"
    "|door|doorstep|gate|home|house|factory|shop|store|premises|building|flat|apartment"
    "|front desk)"
)

HARASSMENT = en(
    _PRESENCE_EN + "(?: \\w+){0,4}? (?:every (?:single )?day|daily|each day|day after day"
    "|all day|around the clock|" + _UNTIL_EN[3:-1] + ")",
    "(?:follow|tail|stalk|shadow)(?:ing|s)? you(?: \\w+){0,2}? (?:to|everywhere|around|home"
    "|wherever)|everywhere you go|wherever you go|wherever you (?:hide|run)",
    "make your (?:life|days?|nights?) (?:\\w+ )?(?:hell|miserable|a misery|a nightmare|unbearable)",
    "(?:block|blocked|blocking|blocks) (?:this|our|my|the|us|me)(?: [\\w']+){0,8}? (?:another"
    "|a new|new|different|other)(?: (?:number|phone|line|account|sim|one))?",
    "(?:[0-9]{2,}|[4-9]|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    "|forty|fifty|a hundred|hundreds?|dozens?(?: of)?|many|multiple) (?:calls|messages|texts"
    "|e-?mails|times|visits|rings)(?: \\w+){0,2}? (?:a|per|each|every) (?:day|hour|night"
    "|morning|afternoon)",
    "(?:call|ring|text|message|phone|e-?mail|visit|chase)(?:ing)? you(?: \\w+){0,2}? hourly",
    "(?:at|from|around|after) (?:9:\\d\\d|9\\.\\d\\d|10|11|12)(?::\\d\\d)?\\s?p\\.?m"
    "|(?:at|from|around|by|before) (?:[0-5](?::\\d\\d)?\\s?a\\.?m|[1-5] (?:o'clock )?in the"
    " morning)|(?:morning|dawn|sunday|saturday) at [1-6](?![\\d:])",
) + zh(
    "(?:跟着|跟踪|盯着|盯住|尾随)%YOU1%|%YOU%(?:走|去|跑|躲|藏)(?:到)?哪(?:里|儿)?%WE%(?:就)?(?:跟|去|追|找)"
    "(?:到)?哪|(?:躲|藏|跑)(?:到)?哪(?:里|儿)?%Z6%(?:找到|找得到|跟到|跟着|追到|都能找)|天涯海角",
    "(?:换|不同的?|别的|新的?|其他|多个)(?:个)?(?:号码?|手机号?|电话号码?|微信号?)%Z6%(?:打|继续|联系"
    "|轰炸|给%YOU%)",
    "(?:一天|每天|每日|一小时|每小时|一个小时|每个小时)%Z6%(?:打|发|call)%Z6%(?:[4-9]|[0-9]{2,}"
    "|[四五六七八九]|[二三四五六七八九]?十[一二三四五六七八九]?|几十|上百|一百|数十|几百|无数)(?:个|通|次"
    "|条|遍)",
    "直到%YOU%%Z4%(?:付钱|给钱|结清|结账|打款|转账|回款|还款|付清|把钱|还上)|(?:还钱|付款|付钱|给钱"
    "|结清|还清|回款)(?:为止|才停)",
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

# Added to the first group of each rule that has no sentence condition (one regex pass per
# group: fewer groups keep the lint fast).
EXTRA: dict[str, Source] = {
    "threat": THREAT,
    "third_party": THIRD_PARTY,
    "fake_authority": FAKE_AUTHORITY,
    "shaming": SHAMING,
    "harassment": HARASSMENT,
    "sue_threat": SUE_THREAT,
}
SPECS: tuple[Spec, ...] = (
    Spec("false_legal", FALSE_LEGAL_SELF_HELP, excusable=True, forbids=_LAWFUL_SEIZURE),
)
