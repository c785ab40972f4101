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

from playbook.compliance_rx import Source, en, zh

_KIN_EN = (
    "(?:wife|husband|spouse|family|kids?|children|child|sons?|daughters?|parents?|mother|mom"
    "|mum|father|dad|girlfriend|boyfriend|brothers?|sisters?|grandchildren|grandkids"
    "|(?:boss|owner|ceo|director|manager|accountant|staff|workers|employees))"
)
_FAM_EN = (
    "(?:wife|husband|spouse|family|kids?|children|child|sons?|daughters?|parents?|mother|mom"
    "|mum|father|dad|girlfriend|boyfriend|brothers?|sisters?)"
)
_PROPERTY_EN = (
    "(?:windows?|shop|shops|store|stores|car|cars|trucks?|vans?|house|home|office|warehouse"
    "|factory|showroom|premises|stock|machines?|legs?|arms?|kneecaps?|face|teeth|doors?"
    "|plant|shopfront|shop front|storefront)"
)

THREAT = en(
    "(?:we|i|people|someone|they|our (?:\\w+ )?(?:guys|boys|men|people|friends))"
    " (?:know|knows|found out|have found out|have worked out|'ve found out) (?:where|which \\w+"
    "|what \\w+|when) your (?:\\w+ )?(?:boss|"
    + _FAM_EN[3:]
    + "(?: [\\w']+){0,3}? (?:goes|go|lives?"
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
    "(?:(?:we'd|i'd|would) hate for|(?:pity|shame|terrible|awful|unfortunate) if)"
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
    "|landlord|boss|employer|friends?)(?:'s|s'|')? (?:phone |mobile |home |work |email |e-mail )?"
    "(?:numbers?|phone|mobile|cell|address|e-?mails?|contacts?|wechat|whatsapp)",
)

_FOLLOWERS_EN = "(?:followers|fans|subscribers|connections|audience|viewers|contacts on \\w+)"

SHAMING = en(
    "(?:public|published|online|open|industry|shared)(?: \\w+){0,2}? (?:list|register|database"
    "|page|board|wall|index) of (?:\\w+ ){0,2}(?:payers|debtors|deadbeats|defaulters)",
    "(?:tell|show|let|inform|message|notify|alert) (?:all (?:of )?)?your (?:\\w+ )?"
    + _FOLLOWERS_EN,
    "your (?:\\w+ )?" + _FOLLOWERS_EN + "(?: (?:on|in) \\w+)?(?: \\w+){0,3}? (?:will|would"
    "|might|react|know|see|hear|find out|learn|think|feel|say|when we)",
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
# A time no one should be called at: late evening, before six, a weekend dawn.
_LATE_EN = (
    "(?:(?:at|from|around|after) (?:9:\\d\\d|9\\.\\d\\d|10|11|12)(?::\\d\\d)?\\s?p\\.?m"
    "|(?:at|from|around|by|before) (?:[0-5](?::\\d\\d)?\\s?a\\.?m|[1-5] (?:o'clock )?in the"
    " morning)|(?:morning|dawn|sunday|saturday) at [1-6](?![\\d:]))"
)
_PRESENCE_EN = (
    "(?:sit|sits|sitting|camp|camping|wait|waiting|stand|standing|park|parked)(?: \\w+)? (?:in"
    "|at|outside|in front of|by) your (?:\\w+ )?(?:lobby|reception|office"
    "|door|doorstep|gate|home|house|factory|shop|store|premises|building|flat|apartment"
    "|front desk)"
)

HARASSMENT = en(
    _PRESENCE_EN + "(?: \\w+){0,4}? (?:every (?:single )?day|daily|each day|day after day"
    "|all day|around the clock|" + _UNTIL_EN[3:-1] + ")",
    "(?:follow|tail|stalk|shadow)(?:ing|s)? you(?: \\w+){0,2}? (?:to|everywhere|around|home"
    "|wherever)|(?:follow|find|track|chase)(?: \\w+){0,3}? (?:everywhere|wherever) you (?:go|hide"
    "|run)|wherever you (?:hide|run)",
    "make your (?:life|days?|nights?) (?:\\w+ )?(?:hell|miserable|a misery|a nightmare|unbearable)",
    "(?:block|blocked|blocking|blocks) (?:(?:this|our|my) (?:number|phone|line|account|contact"
    "|calls)|us|me)(?: [\\w']+){0,8}? (?:another|a new|new|different|other)(?: (?:number|phone|line"
    "|account|sim|one))?",
    "(?:[0-9]{2,}|[4-9]|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    "|forty|fifty|a hundred|hundreds?|dozens?(?: of)?|many|multiple) (?:calls|messages|texts"
    "|e-?mails|times|visits|rings)(?: \\w+){0,2}? (?:a|per|each|every) (?:day|hour|night"
    "|morning|afternoon)",
    "(?:call|ring|text|message|phone|e-?mail|visit|chase)(?:ing)? you(?: \\w+){0,2}? hourly",
    "(?:call|ring|phone|text|messag|visit|knock|hear from us|wake)\\w*(?: [\\w']+){0,6}? "
    + _LATE_EN,
    _LATE_EN + "(?: [\\w',]+){0,3}? (?:we|i)(?:'ll| will) (?:call|ring|phone|text|message|visit"
    "|knock|come)",
) + zh(
    "(?:跟着|跟踪|盯着|盯住|尾随)%YOU1%|%YOU%(?:走|去|跑|躲|藏)(?:到)?哪(?:里|儿)?%WE%(?:就)?(?:跟|去|追|找)"
    "(?:到)?哪|(?:躲|藏|跑)(?:到)?哪(?:里|儿)?%Z6%(?:找到|找得到|跟到|跟着|追到|都能找)|天涯海角",
    "(?:拉黑|屏蔽)%S16%(?:换|不同|别的|新)(?:个)?(?:号|手机|电话|微信)|%WE%%Z6%(?:换|用)(?:不同的?|别的"
    "|新的?|其他|多个|几个)(?:个)?(?:号码?|手机号?|电话号码?|微信号?)%Z6%(?:打|轰炸|联系|找)%YOU%",
    "(?:一天|每天|每日|一小时|每小时|一个小时|每个小时)%Z6%(?:打|发|传|寄|call)%Z6%(?:[4-9]|[0-9]{2,}"
    "|[四五六七八九]|[二三四五六七八九]?十[一二三四五六七八九]?|几十|上百|一百|数十|几百|无数)(?:个|通|次"
    "|条|遍|封|则)",
    "直到%YOU%%Z4%(?:付钱|给钱|结清|结账|打款|转账|回款|还款|付清|把钱|还上)|(?:还钱|付款|付钱|给钱"
    "|结清|还清|回款)(?:为止|才停)",
)

_FAMILY_ZH = (
    "(?:家人|家属|家里人|老婆|妻子|爱人|老公|丈夫|孩子|儿子|女儿|父母|爸妈|岳父|岳母|丈母娘|公婆|亲戚"
    "|邻居|房东|老师|班主任)"
)

# Menace by hint: the last debtor's fate, a relative told to drive carefully, our people
# "itching to meet you", "after we're done with you", 拿命来还, a car "显眼", 尝尝苦头.
THREAT_HINTS = en(
    "(?:what|what'?s) happened to (?:the last|the other|that|those|our last) (?:\\w+ )?(?:guy|guys"
    "|person|people|company|customer|client|man|men|one|firm)s? (?:who|that)",
    "(?:pity|shame|terrible|awful|sad|unfortunate)(?: \\w+){0,2} if (?:it|they|that|the (?:\\w+ )?"
    "(?:place|building|shop|warehouse|factory|house|office))(?: \\w+)? (?:went up|burned|burnt"
    "|caught fire|collapsed|flooded|got (?:damaged|smashed|broken|wrecked))",
    "pay your (?:\\w+ )?" + _KIN_EN + " a (?:\\w+ )?visit|(?:people|guys|friends|boys|men|lads)"
    " who(?:'ll| will| can| could| would) (?:visit|pay (?:you|your)|find|see|meet|drop by)",
    "(?:tell|remind|warn|ask) your (?:\\w+ )?" + _FAM_EN + " to (?:drive|walk|be|stay|take care"
    "|watch|look)(?: \\w+)? (?:carefully|careful|safe|out|both ways|(?:his|her|their) back)",
    "after (?:we|i)(?:'re| are|'m| am| have|'ve)? (?:done|finished|through) with you"
    "|(?:won'?t|will not) be (?:walking|talking|standing|smiling|working)(?: \\w+)? (?:straight"
    "|again|for a while|properly)",
    "(?:our|my) (?:\\w+ )?(?:boys|guys|men|lads|people|friends|team|collectors)(?:'re| are| is)"
    " (?:itching|dying|eager|keen|waiting|looking forward|impatient) to (?:meet|see|visit|find"
    "|talk to|have a word with|pay you)",
    "(?:funny|strange|amazing|interesting|odd|curious) how (?:fires?|accidents?|windows"
    "|cars|trucks|bad things) (?:start|happen|break|go wrong|get broken|burn|catch)",
    "(?:fires?|accidents?) (?:start|happen|break out)(?: [\\w']+){0,4}? (?:like yours|when"
    " (?:bills|invoices|debts))",
    "near your (?:\\w+(?:'s|s')? )?(?:school|kindergarten|kids?|children|daughter|son|wife|family)",
    "(?:wouldn'?t|would not|don'?t|do not) want (?:for )?(?:you"
    "|your (?:\\w+ ){0,2}\\w+) to (?:suffer"
    "|get|come to|have|experience)(?: \\w+){0,2}? (?:damage|harm|hurt|accident|injur\\w*|fire"
    "|trouble)",
    "(?:can|could|will|might) (?:be|get) (?:very |quite |rather |extremely )?(?:persuasive"
    "|convincing|physical|rough|unpleasant)(?: \\w+){0,2}? (?:in person|face to face|up close)"
    "|if you (?:follow|get|catch) (?:me|my (?:drift|meaning))|if i were (?:in )?your (?:position"
    "|shoes|place)",
    "(?:or|else) (?:your|ur) (?:\\w+ )?(?:shop|store|car|house|office|factory|warehouse|family"
    "|kids|legs?|face) (?:gets? it|pays?|suffers?|burns?|goes up)",
    "(?:out of my hands|up to them|can'?t control|not up to me) what (?:the|my|our) (?:boys|guys"
    "|men"
    "|lads|people|team) (?:do|might do|will do)",
    "your (?:\\w+(?:'s)? )?(?:car|wife|husband|kids?|daughter|son|family)(?: [\\w']+){0,6}?"
    " (?:lonely|dark|quiet|empty|deserted) (?:road|street|alley|lane|car park|parking lot|stretch)",
    "keep (?:a (?:close |careful )?|an )?eye on your (?:\\w+ ){0,2}(?:trucks?|cars?|vans?|kids"
    "|children|family|shop|house|warehouse|property|wife|husband)",
    "(?:make sure|ensure|see to it) (?:that )?(?:you|your (?:\\w+ ){0,2}\\w+) (?:have|has|get|gets)"
    "(?: \\w+){0,2}? (?:bad|rough|terrible|hard|nasty|unlucky)(?: \\w+)? (?:week|day|time|month"
    "|year|luck)",
) + zh(
    "%POSS1%(?:家)?(?:女儿|儿子|孩子|闺女|老婆|太太)%Z6%(?:长得|挺|真)(?:挺|很|真)?(?:可爱|漂亮|水灵|俊)",
    "%POSS1%(?:家)?(?:孩子|小孩|儿子|女儿|闺女)%S16%(?:几点|每天|什么时候)%Z4%(?:放学|上学|下课|回家)",
    "(?:拿|用|以)命(?:来)?(?:还|抵|偿|赔)|血债|见血|流血|(?:你|您)(?:自己)?看着办",
    "%POSS1%(?:家)?%Z12%(?:挺|很|真|太)?显眼|%POSS1%(?:家)?%Z12%(?:晚上|夜里|半夜)%Z6%(?:暗|黑|偏僻|僻静"
    "|没什么人|没人)",
    "好下场|下场%Z4%(?:惨|不好|难看)",
    "%POSS%%Z4%(?:仓库|店|厂|车|房子|家|办公室|铺子|门面)%Z6%(?:不保|保不住|难保|遭殃)",
    "(?:让|叫)%YOU%(?:尝尝|吃(?:点)?)(?:苦头|厉害|滋味|拳头)|尝尝%Z4%(?:苦头|厉害|拳头)",
    "(?:兄弟|弟兄)(?:们|几个|伙)%Z8%(?:等|去|找|在|来|到)%Z4%%POSS1%",
    "%POSS%(?:手指头?|手|腿|胳膊|牙|眼睛|小命|命|脑袋)%Z4%(?:就)?(?:别想要|保不住|不想要|不保|难保)",
)

# Others told or asked: "ask your father-in-law to help", a note "gone out to your
# distributors", "if your boss knew", 跟你岳父聊聊, 请你的房东转告, 学校…寄通知.
THIRD_PARTY_MORE = en(
    "(?:ask|asking|asked) your (?:\\w+ )?(?:wife|husband|spouse|family|kids?|children|son"
    "|daughter|parents?|mother|mom|mum|father|dad|relatives?|brother|sister|neighbou?rs?|landlord"
    "|(?:mother|father|sister|brother)-?in-?law|in-?laws|employer|hr) (?:to|for"
    "|about|whether|if)",
    "(?:gone out|been sent|been forwarded|been copied|been e-?mailed|been mailed|been passed|went"
    " out|going out|been posted)(?: \\w+){0,2}? to (?:all )?your (?:\\w+ ){0,2}(?:wife|husband"
    "|family|parents|neighbou?rs?|landlord|employer|colleagues|boss|customers?|clients?"
    "|suppliers?|distributors?|dealers?|partners?|investors?|shareholders?)",
    "(?:if|once|when) your (?:\\w+ )?(?:wife|husband|family|parents?|mother|father|boss|employer"
    "|investors?|customers|clients|suppliers|landlord|neighbou?rs?|colleagues) (?:knew|finds out"
    "|found out|were to (?:find out|learn|hear)|learned)",
    "your (?:\\w+ )?(?:bank|bank manager|investors?|landlord|employer|boss|family|wife|husband)"
    "(?: \\w+)? (?:might|may|would|will)(?: \\w+)? (?:like|want|appreciate|love|enjoy) a copy",
    "your (?:[\\w']+ ){1,3}(?:might|may|would|will|could) be (?:very |quite |really )?(?:interested"
    "|curious) (?:in|to (?:know|hear|learn)) (?:how|what|that|why) you",
    "(?:talk|speak|word|chat|call|contact|tell|write|e-?mail|visit|reach)(?: \\w+){0,3}? (?:the )?"
    "(?:people|companies|firms|businesses|folks|guys) (?:you|your company) (?:buy|source|get"
    "|order|sell|supply|work|trade|deal|do business)",
) + zh(
    "(?:跟|和|与|同)%TPOSS%?%Z4%" + _FAMILY_ZH + "%Z4%(?:聊|谈|说|讲|沟通|反映|商量|打招呼)",
    "(?:请|让|托|拜托|麻烦|叫)%TPOSS%?%Z4%"
    + _FAMILY_ZH
    + "%Z6%(?:转告|转达|帮忙|带话|传话|催|劝|协助"
    "|督促|代还|代付|还)",
    "%TPOSS%(?:" + _FAMILY_ZH + "的?(?:学校|单位|公司|老师|班主任|家)|(?:学校|老师|班主任))%S16%"
    "(?:寄|发|送|递)%Z6%"
    "(?:通知|函|信|材料|催款)",
    "%TPOSS%(?:" + _FAMILY_ZH + "|老板|领导|上司)%Z4%(?:如果|要是|若|万一|一旦)(?:知道|听说|得知)",
    "%TPOSS%(?:"
    + _FAMILY_ZH
    + "的?){1,2}(?:单位|公司)?的?(?:电话|手机|号码|地址|微信)%Z6%(?:已经|我们)?"
    "%Z4%有(?!没)",
)

# Reviews, posts and tags about the customer; a group about to learn the name.
SHAMING_MORE = en(
    "(?:google|yelp|trustpilot|glassdoor|online|public|1-star|one-star|bad|honest) reviews?"
    " (?:about|of|on|for) (?:you|your)|leave (?:you|your (?:\\w+ )?(?:company|firm|business))"
    " a (?:\\w+ )?review",
    "(?:write|writing|draft|drafting|publish|publishing|post|posting|run|running|film|filming"
    "|put up|putting up|prepar(?:e|ing)|mak(?:e|ing)|creat(?:e|ing)|produc(?:e"
    "|ing))(?: [\\w'-]+){0,3}? (?:post|article|piece|story|write-?up|column|thread"
    "|video|review)(?: [\\w'-]+){0,6}? about (?:you(?!r)|your (?:\\w+ )?(?:debts?|invoices?|payment"
    " (?:habits|history|record)|arrears|unpaid|late payments?))",
    "tag(?:ging|ged|s)? (?:you(?!r)|your (?:\\w+ )?(?:company|firm|business|name|page|account))"
    "(?: \\w+){0,3}? (?:in|on) (?:a|an|our|the|every)(?: [\\w'-]+){0,4}? (?:post|video|story"
    "|thread)"
    " (?:about|on|naming|listing) (?:\\w+ )?(?:debts?|debtors|deadbeats?|bad payers|non-?payers"
    "|unpaid|late payers|arrears)",
    "(?:groups?|forums?|communit(?:y|ies)|network|association)(?: [\\w'-]+){0,4}? (?:is about to"
    "|are about to|is going to|are going to|will(?: soon)?|'ll|soon) (?:learn|know|see|hear|find"
    " out|read)(?: about)? (?:you(?!r)|your (?:name|company|debts?|invoices?|arrears|unpaid)"
    "|who you)",
    "(?:one|1)\\s*star reviews?|for all the wrong reasons|(?:go|goes|going|gone) viral"
    "|(?:is|are) trending",
    "(?:how about|what about|imagine|maybe|perhaps|how would you like)(?: [\\w'-]+){0,3}? (?:story"
    "|article|piece|report|segment|post|video|review|feature)(?: [\\w'-]+){0,6}? about (?:you(?!r)"
    "|your)",
) + zh(
    "(?:发文|发帖|发动态|发视频|发影片)%Z8%(?:讲|说|曝光|揭|写)%Z4%(?:你|您|贵司)",
    "上热搜|热搜榜|(?:公开|对外公开|公示|曝光)(?:的)?%Z6%名单|列入%Z8%(?:公开|对外)%Z6%名单",
    "(?:%POSS%|欠款|欠债|名字|名单|欠条)%Z8%(?:出现|登|挂|推送)(?:在)?%Z8%(?:公众号|朋友圈|微博|抖音|推文"
    "|头条|报纸|群里|网站|官网)",
)

# Presence at personal events, a count of messages tonight, "all weekend", a quarter hour, a
# watch kept at the door.
HARASSMENT_MORE = en(
    "(?:be|show up|turn up|come|appear|drop by|drop in) (?:at|to|outside|in) your (?:\\w+ )?"
    "(?:daughter|son|kid|child|children|wife|husband|mother|father|family)(?:'s|s'|')? (?:\\w+ )?"
    "(?:birthday|wedding|funeral|party|graduation|christening|school|recital|match|game)",
    "(?:send|sending|get|getting|expect|receive|make|making|leave|leaving)(?: you)? (?:[0-9]{2,}"
    "|dozens of|hundreds of|a hundred|fifty|twenty|thirty|forty) (?:calls|messages"
    "|texts|e-?mails|voicemails)(?: \\w+){0,2}? (?:tonight|today|this (?:week|evening|morning"
    "|afternoon)|by (?:tonight|tomorrow)|an hour|a night|tomorrow|tmrw|tmr|tonite)",
    "(?:call|ring|text|message|phone|visit|knock)(?:ing)? (?:you|your (?:[\\w']+ )?[\\w']+)"
    "(?: [\\w']+){0,2}? (?:all (?:weekend"
    "|night|holiday|evening)|(?:the )?whole (?:weekend|night|holiday)|every (?:evening|night)"
    "|every (?:quarter|half)(?: of an)? hour|every quarter-?hour)",
    "(?:stop|stops)(?: \\w+){0,2}? (?:until|till) (?:the )?(?:transfer|payment|money|wire|funds?)"
    " (?:lands|arrives|comes|clears|is in|hits)",
) + zh(
    "在%POSS%%Z4%(?:门口|楼下|楼道|办公室|厂门口|店门口|家门口)%Z6%(?:守|蹲|堵)",
    "(?:天天|每天|日夜|每晚|一直)在%POSS%%Z6%(?:门口|楼下)%Z4%(?:等|守|蹲|堵)",
    "(?:一直|天天|每天|日夜|24小时|二十四小时)%Z4%(?:守|蹲|堵)(?:着|在)",
    "打到%Z6%(?:没电|关机|爆|崩溃|停机)",
)

# Added to the first group of each rule that has no sentence condition (one regex pass per
# group: fewer groups keep the lint fast).
EXTRA: dict[str, Source] = {
    "threat": THREAT + THREAT_HINTS,
    "third_party": THIRD_PARTY + THIRD_PARTY_MORE,
    "shaming": SHAMING + SHAMING_MORE,
    "harassment": HARASSMENT + HARASSMENT_MORE,
}
