"""Patterns for pressure through other people and through contact: third parties, public
shaming, harassment in the words.

Third parties are anyone but the customer's own responsible people: family, children's
school, employer, HR, colleagues, neighbours, landlord, the customer's customers, suppliers,
bank, investors. They are matched as a contact verb (any: tell, call, visit, send a letter
to, 通知, 找, 打电话给, 发函给, 让…知道) near a target noun, in either order ("your landlord
will be hearing from us"). The customer's payers (贵司财务, your accounts payable team, your
finance manager) are not targets. Family, school, neighbours and the like are off limits
whoever speaks; business contacts (customers, suppliers, bank) only when we say we will.

Shaming is a posting verb near a medium (social media, 朋友圈, industry groups, trade fairs,
banners) in a sentence that names the customer or the debt. Harassment is a contact verb near
a time or rate no one should be called at (midnight, every fifteen minutes, 除夕, until you
pay).
"""

from __future__ import annotations

from playbook.compliance_rx import Spec, alt, en, zh

# Off limits whoever speaks.
_PERSONAL_EN = (
    "(?:wife|husband|spouse|family|families|kids?|children|child|sons?|daughters?|parents?"
    "|mother|mom|mum|father|dad|relatives?|in-?laws|(?:mother|father|sister|brother)-?in-?law"
    "|ex-?(?:wife|husband|partner)"
    "|girlfriend|boyfriend|brothers?|sisters?|siblings|grandparents|neighbou?rs?|landlord"
    "|landlady|school|teachers?|head\\s?teachers?|headmaster|headmistress|church|coworkers?|co-workers?|colleagues?"
    "|employer|hr(?: department)?|human resources|superiors?|supervisor)"
)
# Off limits when we say we will contact them.
_BUSINESS_EN = (
    "(?:friends?|boss|bosses|workplace|place of work|customers?|clients?|buyers?|suppliers?"
    "|vendors?|distributors?|investors?|shareholders|bank|banks|bankers?|lenders?|insurers?|creditors"
    "|business partners|partners|board|trading partners|peers|competitors|auditors)"
)
# The customer's payers, or a colleague named with a title ("your colleague Ms Li"), are the
# customer's own people.
_NOT_PAYER_EN = (
    "(?! (?:in|from|at) (?:the )?(?:accounts|finance|accounting|ap|payables|treasury))"
    "(?! (?:mr|ms|mrs|miss|dr)(?![a-z]))"
)
_CONTACT_EN = (
    "(?:dm(?:'?d|ing)?|pm(?:'?d)?|ping(?:ed|ing)?|tell(?:ing)?|told|call(?:ing|ed)?|phon(?:e|ing|ed)|ring(?:ing)?|rang|text(?:ing|ed)?"
    "|messag(?:e|ing|ed)|e-?mail(?:ing|ed)?|(?:writ(?:e|ing)|wrote) (?:to|a letter to)"
    "|contact(?:ing|ed)?|inform(?:ing|ed)?|notif(?:y|ying|ied)|alert(?:ing|ed)?|warn(?:ing|ed)?"
    "|visit(?:ing|ed)?|reach(?:ing|ed)? out to"
    "|(?:get(?:ting)?|be) in touch with|speak(?:ing)? (?:to|with)|talk(?:ing)? (?:to|with)"
    "|have a (?:word|chat|talk|little chat) with"
    "|cop(?:y|ied|ying) (?:\\w+ ){0,3}to|forward(?:ed|ing)? (?:\\w+ ){0,3}to"
    "|report(?:ed)? (?:you |this |it )?to|complain(?:ed)? to|let|explain(?:ed)? (?:\\w+ ){0,3}to"
    "|s(?:e|en)nd (?:\\w+ ){0,7}to|sent (?:\\w+ ){0,7}to"
    "|copy|cc|loop in|involve|approach|drop by|stop by|go to|show up at|turn up at|knock on"
    "|pay (?:\\w+ )?a visit to|(?:call|visit|letter|email|message|trip)(?: \\w+){0,3} to)"
)
_YOURS_EN = "(?:all (?:of )?)?(?:your|ur|his|her|their)(?: [\\w'-]+){0,4}?"
_HEAR_EN = (
    "(?:(?:has|have) been (?:notified|informed|told|contacted|made aware|alerted|copied)"
    "|(?:will|is going to|are going to|might|may|could|would|should|shall)(?: \\w+){0,2}?"
    " (?:(?:receive|get)(?! (?:payment|paid|goods|the (?:goods|payment|order)|delivery|an?"
    " (?:invoice|order|refund)))|hear|know|find out|learn"
    "|be made aware|be (?:hearing|told|informed|notified|contacted"
    "|called|getting|receiving)|want to know|like to know|love to know|be interested|get a"
    " (?:call|visit|letter)|be (?:\\w+ )?interested|(?:love|like|want|be glad|be happy) to"
    " (?:know|hear|learn))|(?:calls?|contacts?|e-?mails?|writes to) you about (?:us|this|the debt"
    "|your debt)|(?:gets?|receives?) a (?:call|visit|letter|message|phone call"
    "|email)|(?:knows?|hears?|finds? out|learns?) (?:about|that|you|what|how|of))"
)

THIRD_PARTY = en(
    _CONTACT_EN + "(?: (?:everyone|everybody|people|the (?:parents|teachers|staff|people)|all the"
    " \\w+) (?:at|in|from|around))? " + _YOURS_EN + " " + _PERSONAL_EN + _NOT_PAYER_EN,
    "%SUBJ%" + _CONTACT_EN + " " + _YOURS_EN + " " + _BUSINESS_EN + "(?!'s)",
    "(?:your|his|her)(?: [\\w'-]+){0,2}? (?:"
    + _PERSONAL_EN[3:-1]
    + "|"
    + _BUSINESS_EN[3:-1]
    + ")(?: \\w+)? "
    + _HEAR_EN,
    "(?:your|his|her)(?: [\\w'-]+){0,2}? (?:"
    + _PERSONAL_EN[3:-1]
    + "|"
    + _BUSINESS_EN[3:-1]
    + ")(?: [\\w']+){0,6}? (?:when|once|after|if) (?:we|i) (?:call|tell|contact|visit|write"
    "|email|ring|phone|show up|turn up|drop by)",
    "(?:tell|inform|notify|warn|contact|let) (?:everyone|everybody|all the (?:people|companies"
    "|firms)) (?:you|your company) (?:do|does|work|works|trade|trades) (?:business )?with",
)

# A colleague named with a title ("您的同事王经理") or pointed at ("这位同事": the one the
# customer said handles it) is the customer's own person: not a third party.
_COLLEAGUE_ZH = (
    "(?<!这位)(?<!那位)(?<!该)(?<!位)同事"
    "(?![\u4e00-\u9fff]{1,3}(?:经理|总|主管|会计|女士|先生|小姐))"
)
# "先生"/"太太" are a spouse only after a possessive ("您先生"), not in "王先生".
_SPOUSE_ZH = "(?<=[你您她他的])(?:先生|太太|另一半|老伴)"
_TARGET_ZH = alt(
    "家人", "家属", "家里人", "老婆", "妻子", "爱人", "老公", "丈夫", "孩子", "小孩", "儿子",
    "女儿", "闺女", "父母", "爸妈", "爸爸", "妈妈", "父亲", "母亲", "老人", "亲戚", "亲属", "亲人",
    "亲朋好友", "亲友", "邻居", "街坊", "学校", "老师", "班主任", "单位", "领导", "老板",
    "上司", "上级", "雇主", "主管", _SPOUSE_ZH, "人事", "hr", _COLLEAGUE_ZH,
    "岳父", "岳母", "丈母娘", "公婆", "房东", "物业", "居委会", "村委会",
)  # fmt: skip
_BUSINESS_ZH = alt(
    "(?:下游|上游)?客户", "下游", "上游", "供应商", "合作伙伴", "合作方", "股东", "投资人",
    "投资方", "经销商", "朋友", "合伙人", "开户行", "开户银行", "银行", "债权人", "同行",
)  # fmt: skip
_CONTACT_ZH = (
    "(?:联系|联络|通知|告诉|告知|找|去找|上门找|拜访|走访|打电话给|打给|发函给|发邮件给|发短信给"
    "|发信息给|写信给|寄信给|寄给|发给|送给|转给|抄送给?|同步给|转发给|分享给|私信|私讯|私聊|通报|反映给|投诉到|举报到|捅到|转告|接触|问问|见见)(?:了|一下)?"
)

THIRD_PARTY_ZH = zh(
    _CONTACT_ZH + "%TPOSS%?%Z4%" + _TARGET_ZH,
    "%WESUBJ%" + _CONTACT_ZH + "%TPOSS%?%Z4%" + _BUSINESS_ZH,
    "给%TPOSS%?%Z4%(?:" + _TARGET_ZH + "|" + _BUSINESS_ZH + ")%Z6%(?:打电话|打个电话|发函"
    "|发个函|发短信|发信息|写信|寄信|打招呼|打个招呼|发邮件|发个邮件|(?:发|寄|送|递)(?:了|过)?)",
    "让%TPOSS%?%Z6%(?:" + _TARGET_ZH + "|" + _BUSINESS_ZH + ")%Z4%(?:都|也)?知道",
    "%TPOSS%(?:(?:公司|厂|单位|店)的?)?(?:"
    + _TARGET_ZH
    + "|"
    + _BUSINESS_ZH
    + ")(?:们)?%Z6%(?:会|将|就会|很快|马上|迟早"
    "|早晚|也会)%Z4%(?:知道|接到|收到|听说|得知|被通知)",
    "%TPOSS%(?:"
    + _TARGET_ZH
    + "(?:的)?){1,2}(?:电话|手机|号码|地址|微信)%Z6%(?:已经|我们)?%Z4%(?:有了"
    "|拿到|查到|知道)",
    "(?:去|到|上)%TPOSS%(?:"
    + _TARGET_ZH
    + ")?(?:的)?(?:学校|单位|工作单位|村委会|居委会|社区|老家)",
    _TARGET_ZH + "(?:那边|那里|那儿)%Z6%(?:打(?:个)?招呼|说一声|联系|通知|沟通|聊|谈|找)",
    "(?:通知|告诉|告知|联系|找|通报)(?:家人|家属|家里人)",
    "(?:打电话|电话打|寄信|寄|写信|发函|发传真|上门)(?:到|去|给)%TPOSS%?%Z4%(?:老家|父母家|爸妈家"
    "|家里|家乡|村里|单位|学校|岳父家|丈母娘家|老婆家)",
    "(?:去|到|上)%TPOSS%(?:"
    + _TARGET_ZH
    + ")的?(?:公司|单位|学校|老家|家)%Z4%(?:问|找|聊|坐|闹|说|谈)",
    "(?:" + _TARGET_ZH + "|" + _BUSINESS_ZH + ")(?:们)?知道%Z8%(?:欠|拖|这件事|这事|吗)",
)

_MEDIA_EN = (
    "(?:social media|facebook|twitter|x|linkedin|instagram|tiktok|wechat(?: moments| groups?)?"
    "|whatsapp(?: groups?)?|telegram(?: groups?)?|google|yelp|trustpilot|ptt|dcard|snapchat|threads"
    "|moments|weibo|douyin|youtube|reddit|(?:the )?internet|online|the web|websites?|forums?"
    "|newspapers?|(?:local |the )?paper|(?:the |trade )?press|(?:local )?news|tv"
    "|industry (?:groups?|chats?|forums?"
    "|associations?|group chats?|events?)|group chats?|trade (?:fairs?|shows?|events?)|expos?"
    "|exhibitions?|conferences?|billboards?|banners?|notice ?boards?|chamber of commerce"
    "|(?:the )?(?:whole |entire )?(?:market|industry)|canton fair|newsletters?|blogs?"
    "|big screen|our website|mailing list)"
)
_POST_EN = (
    "(?:post(?:s|ed|ing)?|shar(?:e|ed|ing)|publish(?:ed|ing)?|put(?:ting)?|upload(?:ed|ing)?"
    "|spread(?:ing)?|advertis(?:e|ed|ing)|broadcast(?:ing)?|announc(?:e|ed|ing)|expos(?:e|ed|ing)"
    "|list(?:ed|ing)?|plaster(?:ed)?|display(?:ed)?|print(?:ed)?|nam(?:e|ed|ing)|hang|hung"
    "|go(?:ing)? live|livestream(?:ing)?|featur(?:e|ed|ing)|circulat(?:e|ed|ing)|send (?:round"
    "|around)|tweet(?:ed)?|be|go|appear"
    "|end up)"
)
# The sentence must be about the customer or the debt.
_ABOUT_EN = (
    "(?:you|your|debts?|debtors?|bad payers|deadbeats|unpaid|invoices?|owe|owing|non-?payers"
    "|arrears|don'?t pay|doesn'?t pay)"
)

# A posting verb near a medium: only in a sentence about the customer or the debt.
SHAMING_NEAR = en(
    _POST_EN + "(?: [\\w'$-]+){0,8}? (?:on|to|in|at|across|all over|around|via|through"
    "|throughout|up on) (?:the |our |every |all |each |a |an |your )?(?:\\w+ )?" + _MEDIA_EN,
)
SHAMING = en(
    "%WILL% (?:post|share|publish|put|upload|spread|announce|tweet|broadcast|plaster)"
    " (?:this|it|that|everything|the (?:whole )?(?:story|matter|case|debt|details|invoices?))"
    "(?: \\w+){0,3}? (?:on|to|in|across|all over|at) (?:the |our |every |all |a )?(?:\\w+ )?"
    + _MEDIA_EN,
    "(?:tweet|blog|vlog|post|make (?:a )?(?:video|post)|publish (?:an article|a story|a post))"
    " about (?:you|your)",
    _MEDIA_EN + " (?:posts?|articles?|story|stories|update|campaign|videos?|lists?) (?:about|on"
    "|naming|exposing|of) (?:you|your|companies|people|firms|those|debtors|bad payers)",
    "(?:banners?|billboards?|signs?|posters?|placards?) (?:outside|at|in front of|on|near) your",
    "(?:list|lists|publish|announce|post|name)(?: [\\w'-]+){0,3}? (?:of )?(?:debtors|bad payers"
    "|deadbeats|non-?payers|companies (?:that|who) (?:don'?t|do not) pay)",
    "name and shame|wall of shame|shame list|hall of shame",
    "public(?:ly)? (?:blacklist|black list|shame|shaming|humiliate|expose|name and)",
    "(?:name|expose|shame|humiliate|out) (?:you|your (?:\\w+ )?(?:company|business|name|firm))"
    "(?: \\w+){0,3}? (?:publicly|in public|to the (?:whole |entire )?(?:market|industry|world"
    "|public|trade)|in the (?:trade )?press)",
    "(?:expose|shame|humiliate) (?:you(?!r)|your (?:company|business|name|firm))",
    "(?:public|industry|online|open) (?:debtors?'? )?(?:blacklist|black list|debtors? list"
    "|list of (?:bad payers|debtors|deadbeats))",
    "(?:tell|inform|let|warn) (?:everyone|everybody|the whole (?:industry|market|world|town"
    "|city|trade|sector)|the entire (?:industry|market|trade|sector)|the (?:industry|market"
    "|trade))(?! (?:in|on|at) your)",
    "(?:tell|inform|notify|message|warn) (?:the )?(?:whole |entire |all )?(?:\\w+ )?(?:group"
    "|group chat|chat|forum|community|association|industry|market|trade|sector)",
    "bad debtors?|debtors?'? (?:page|list|wall|board)|shame page",
    "(?:every|all the|all) (?:\\w+ ){0,2}(?:at|in|on) the (?:\\w+ )?(?:fair|show|expo"
    "|market|industry"
    "|conference|group|association) (?:knows?|will know|hears?|will hear|sees?|will see)",
    "list (?:we|that we|which we) (?:share|send|circulate|publish)|share (?:it|this|your name|the"
    " list|your details) with (?:every|all|the whole)",
    "(?:story|article|piece|report|expos[eé]|video) about (?:you(?!r)|your (?!company'?s? (?:new"
    "|latest)"
    "|(?:new|latest) ))",
    "(?:posters?|flyers?|leaflets?|notices?|signs?|banners?) (?:about|with|naming|showing)"
    " (?:you|your)",
    "(?:the )?(?:talk|gossip|laughing ?stock|joke) of the (?:\\w+ )?" + _MEDIA_EN,
    "(?:everyone|everybody|all your \\w+) (?:on|in|at) (?:\\w+ ){0,2}?" + _MEDIA_EN + " will"
    " (?:know|see|hear|find out|learn)",
    "(?:livestream|live-?stream|film|video|record|broadcast)(?:ing)?(?: \\w+){0,3}? (?:outside"
    "|at|in front of) your",
    "(?:everyone|everybody|the (?:whole|entire) (?:industry|market|world|town|city|trade"
    "|sector))(?: (?:in|at) (?:the|your) (?:\\w+ )?(?:industry|market|trade|sector|town|city"
    "|fair|show|expo|event))? will (?:know|hear|find out|learn|see)",
    "make (?:this|it|the debt|your debt|your name) public|go public with",
    "(?:ruin|destroy|trash) your (?:reputation|good name|name)",
)

_MEDIA_ZH = alt(
    "朋友圈", "微博", "抖音", "快手", "小红书", "网上", "网络上", "互联网", "公众号", "头条",
    "论坛", "贴吧", "通讯", "会刊", "简报", "电子报", "粉丝专页", "粉丝页", "专页", "报纸",
    "报刊", "媒体", "电视", "行业群", "同行群", "商会", "协会",
    "同业公会", "行业协会", "展会", "展览会", "展销会", "交易会", "广交会", "博览会", "展位",
    "横幅", "大字报", "公告栏", "看板", "圈子", "同行圈", "圈内", "业内",
    "业主群", "家长群", "小区群", "同学群", "老乡群", "校友群",
    "脸书", "facebook", "群组", "网站", "官网", "业内群", "微信群",
)  # fmt: skip
_POST_ZH = (
    "(?:发|挂|贴|晒|公布|公开|曝光|刊登|刊出|登载|登|传|转发|张贴|拉|打出|挂出|印|放|发布|公示|通报|点名|曝|播"
    "|说|讲|宣传|散布|传播|写|出现|登上|推送)"
)
_ABOUT_ZH = "(?:你|您|贵司|贵公司|欠|赖|名字|名称|照片|名单|这件事|此事|这笔|拖)"

SHAMING_NEAR_ZH = zh(
    _POST_ZH + "(?:到|在|上)?%Z8%" + _MEDIA_ZH,
    "(?:在|到)%Z4%" + _MEDIA_ZH + "(?:上|里|中)?%Z12%" + _POST_ZH,
)
SHAMING_ZH = zh(
    "(?:贴|发|挂|撒)(?:满|遍)%TPOSS%?%Z4%(?:小区|楼道|公司|厂区|村|单位|门口|电梯|街)"
    "|抬不起头|颜面扫地|名声扫地|臭名远扬|没脸见人|名誉扫地",
    "(?:照片|名字|欠条|欠款|借条)%Z6%(?:贴|挂|张贴|发)(?:在|到)%Z8%(?:门口|小区|楼道|公告栏|电梯|街|网上|村)",
    "(?:发给|告诉|通知|转发给|群发给)(?:所有|全部|每个|每一个)(?:的)?(?:同行|客户|供应商|朋友)",
    "当众%Z4%(?:点名|批评|羞辱|宣布|念)|公开点名|点名批评|直播%Z8%(?:欠|你|贵司)",
    "横幅%Z8%(?:挂|拉|贴|举)|(?:挂|拉|贴|举|做)%Z6%横幅",
    "曝光|公之于众|身败名裂|游街|贴大字报|(?:拉|挂|打|贴)(?:一?[条个张幅])?横幅",
    "(?:挂|晒)(?:到|在)?网上",
    "公开%POSS%(?:名字|姓名|名称|信息|照片|欠款|电话|身份|资料|地址|欠债|老底)",
    "让(?<!请让)(?<!麻烦让)(?:整个|全)?(?:行业|业内|同行|大家|所有人|全世界|全国|全城|全行业"
    "|周围的人|圈子里的人|圈内)(?:的人)?(?:都|也)?知道",
    "(?:行业|公开|公共|网上)黑名单|黑名单(?:公开|公布|公示|曝光|上网)",
    "(?:在|向)(?:全行业|整个行业|行业内|同行|业内)%Z4%(?:通报|公布|公示|曝光|宣传)",
    "(?:通报|告知|告诉)(?:给)?(?:全行业|整个行业|行业内|同行|业内)",
    "(?:搞臭|弄臭)%YOU%|让%YOU%%STOP%{0,8}?(?:丢人|丢脸|混不下去)",
    "(?:欠款|老赖|赖账|欠债|黑|失信)(?:企业|公司|客户|人员)?名单%Z8%(?:公布|公开|张贴|挂|发)",
    "(?:公布|公开|张贴|发布|挂出)%Z8%(?:欠款|老赖|欠债|黑)(?:企业|公司|客户)?名单",
    "(?:%POSS%)(?:公司|厂|店|家)?门口%Z4%(?:拉|挂|贴|摆|放|举)",
)

_CALL_EN = (
    "(?:call|calls|calling|ring|ringing|phone|phoning|text|texting|texts|message|messaging"
    "|e-?mail|e-?mailing|contact|contacting|visit|visiting|knock|show up|come (?:by|round)"
    "|turn up|bother|hound|chase|harass|spam|hear from us|get a call|ringing|buzz|knock on"
    "|auto-?dial\\w*|robocall\\w*)"
)
_WHEN_EN = (
    "(?:every (?:single )?(?:\\d+|few|couple of|one|two|three|five|ten|fifteen|twenty|thirty"
    "|half|other)?(?: |-)?(?:minutes?|mins?|hours?|hrs?|half hour|hour|quarter(?: of an)? hour)"
    "|all night|overnight"
    "|(?:at|around|past|by) midnight|midnight|(?:at|in the) (?:middle of the )?night|at night"
    "|every night|late at night|nights|in the dead of night|early hours|small hours|at dawn"
    "|at [1-6](?::\\d\\d)?\\s?a\\.?m|at [1-5] in the morning|every (?:evening|night|weekend|sunday)"
    "|(?:on|over|during) (?:the )?(?:christmas(?: day| eve)?|new year'?s(?: eve| day)?"
    "|chinese new year|spring festival|holidays?"
    "|your birthday|public holidays?|weekends?)|new year'?s eve|christmas (?:day|eve)"
    "|(?:until|till|'til|untill) you (?:pay|answer|pick up|respond|reply|settle|cough up)"
    "|day and night|around the clock|24/7|non-?stop|constantly|at (?:your )?home"
    "|(?:all )?(?:through|throughout) the night|on your (?:wedding day|birthday|honeymoon"
    "|holiday|vacation)|at (?:your|the) (?:funeral|wedding))"
)

HARASSMENT = en(
    _CALL_EN + "%G60%(?<![a-z])" + _WHEN_EN,
    "(?:phones?|calls?|messages?|texts?|visits?|phone calls?|e-?mails?|ringing|knocking|reminders)"
    "(?: \\w+)? (?:won'?t|will not|will never|are not going to|is not going to|never)"
    " stop",
    _WHEN_EN + "%G40%(?<![a-z])" + _CALL_EN,
    "blow up your (?:phone|inbox)|flood your (?:inbox|phone)|bombard(?:ing)? you|spam you"
    "|(?:won'?t|will not|never) stop (?:calling|ringing|texting|phoning|messaging)"
    "|(?:dozens|hundreds|scores|tons|loads) of (?:calls|messages|texts|e-?mails)"
    "|keep (?:calling|ringing|texting|phoning|messaging)(?: you)?(?: \\w+){0,3}? (?:until|till"
    "|day and night|around the clock|all)|hundreds of (?:calls|messages)|call after call",
)

_CALL_ZH = (
    "(?:打(?:一次|一个|个|你|您|到|给)?(?:的)?电话|打(?:一次|一个|个)?给(?:你|您)|(?:再)?打(?:过来|过去)|电话|打给|给(?:你"
    "|您)打|打到|打%YOU1%|打(?=[,｡!]|$)"
    "|联系(?:你|您)|发(?:一次|一条|个|条|几条)(?:短信|信息|消息)|上门"
    "|(?:去|到|上)(?:你|您)(?:们)?(?:公司|厂|店|单位|办公室)|去(?:你|您)家|到(?:你|您)家|上(?:你|您)家|找(?:你|您)|催|发短信|发信息"
    "|要钱|要账|讨债|呼|call|堵(?:你|您)|到(?:你|您)(?:们)?(?:公司|家|厂)?门口)"
)
_WHEN_ZH = (
    "(?:每隔?(?:[0-9一二两三四五六七八九十半几]+)(?:个)?(?:分钟|小时|钟头)|每(?:个)?小时|每半个?(?:小时|钟头)|(?:早上|清晨|一早|大早上)(?:[0-6]|[一二三四五六])点"
    "(?:前|之前|以前|钟)?|天不亮|天没亮"
    "|半夜|深夜|凌晨|夜里|夜间|大半夜|三更半夜|晚上(?:[0-9一二两三十]+|十一|十二)点"
    "|端午(?:节)?|元宵(?:节)?|清明(?:节)?|劳动节|五一|节日期间|除夕|大年三十|年三十|大年初[一二三]|春节期间|过年期间|中秋(?:节)?"
    "|国庆(?:节)?|节假日|过年"
    "|每个周末|每周末|不分昼夜|昼夜|天天|日夜|没日没夜|白天黑夜|二十四小时|24小时|一直|不停|不断|轮番|反复|整天|整夜)"
)

HARASSMENT_ZH = zh(
    _WHEN_ZH + "%Z12%" + _CALL_ZH,
    _CALL_ZH + "%Z8%" + _WHEN_ZH,
    "每天%Z6%(?:打|发)%Z4%(?:[0-9]{2,}|[二三四五六七八九]?十|几十|上百|一百)(?:个|通|次|条)",
    "打爆|轰炸|呼死%YOU1%|骚扰%YOU1%|刷屏|(?:打|催)到%YOU%%Z4%(?:还钱|付款|还清|接|回)%Z4%为止"
    "|直到%YOU%%Z4%(?:还钱|付款|还清|接电话)",
)
_NOT_CALLING = (
    "(?:will not|won'?t|do not|don'?t|never|not going to|no longer)(?: \\w+){0,2} (?:call|contact"
    "|ring|visit|text|email|bother (?:you|u)|disturb)"
    "|不会(?:再)?(?:给|打|联系|上门|打扰)|不(?:再)?打扰"
    "|reminder|logged in|status update|sensible|reasonable|working hours|office hours"
    "|business hours|放假|休假|节后|快乐|祝|恢复办公"
    "|工程师|维修|故障|检修|安装|给我们打|联系我们"
    "|(?:call|contact|reach|ring|e-?mail|text) us"
)

_DELIVERY = "收货|签收|送货|快递|courier|parcel"

SPECS: tuple[Spec, ...] = (
    Spec("third_party", THIRD_PARTY + THIRD_PARTY_ZH, excusable=True, forbids=_DELIVERY),
    Spec(
        "shaming",
        SHAMING_NEAR + SHAMING_NEAR_ZH,
        excusable=True,
        requires=_ABOUT_EN[:-1] + "|" + _ABOUT_ZH[3:],
    ),
    Spec("shaming", SHAMING + SHAMING_ZH, excusable=True),
    Spec("harassment", HARASSMENT + HARASSMENT_ZH, excusable=True, forbids=_NOT_CALLING),
)
