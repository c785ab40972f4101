"""Patterns for the law misused: false or premature legal claims, impersonating an authority,
threats to sue as leverage.

- false_legal: arrest, jail, crime, police — never right about an unpaid invoice; lawsuits
  filed, judgments, frozen accounts, seizures, travel bans, 限制高消费, the list of dishonest
  debtors (失信被执行人, 老赖名单) — only once litigation is decided (LintContext); a lawyer's
  letter sent — only once it is decided.
- fake_authority: speaking as or for the police, a court, a prosecutor, tax, customs, a
  regulator or the government, with any prefix ("区人民法院执行局", "the district court's
  enforcement office", "Officer Brown").
- sue_threat: "sue you", "see you in court", "今天不还钱就起诉你" — a lawsuit as a threat with
  an ultimatum, as against a lawful next step stated as such ("we will refer the matter to our
  legal department", "我们将按合同约定通过法律途径解决"), which passes.
"""

from __future__ import annotations

from playbook.compliance_rx import Spec, en, zh

FALSE_LEGAL_ALWAYS = en(
    "you(?:'ll|'re going to| (?:will|would|could|can|may|might|are going to|risk))"
    "(?: (?:\\w+))? (?:be (?:arrested|detained|jailed|imprisoned|locked up|prosecuted)"
    "|go to (?:jail|prison)|end up (?:in jail|in prison|behind bars)|face (?:arrest|jail"
    "|prison|criminal \\w+))",
    "arrest(?:ed|ing)?|jail(?:ed|able)?|prison|imprison(?:ed|ment)?|locked up|lock you up"
    "|behind bars|(?:taken|put|placed) into custody|(?:criminal|jailable"
    "|punishable) offen[cs]es?|criminal record",
    "criminal(?:ly)?|prosecut(?:e|ed|ion|ing)|fraud charges?|charged with (?:fraud|a crime)"
    "|press(?:ing)? charges",
    "(?:a|an|the) warrant",
    "(?:call|contact|inform|notify|alert|involve|get|have|send) the (?:police|cops|fbi"
    "|authorities)",
    "report (?:you|this|it|your (?:company|firm)) to the (?:police|cops|fbi|authorities)",
    "(?<!your\\s)(?<!the\\s)police (?:report|complaint|case)(?! you)",
    "(?:the )?(?:police|cops)(?: \\w+){0,2} (?:will|are going to|'ll|can|could|may|might)"
    "(?! (?:close|open|escort|direct|clear|reopen|be (?:closing|escorting|directing)) )",
    "(?:lose|losing) your (?:house|home|car|assets|property|properties|savings)",
    "(?:liquidated|wound up|bankrupted|declared bankrupt) by (?:the )?courts?|force (?:you|your"
    " company) into (?:bankruptcy|liquidation)",
    "licen[cs]e (?:\\w+ )?(?:revoked|cancelled|canceled|suspended|pulled)|deport(?:ed|ation)?"
    "|immigration will",
    "(?:shut down|closed down|banned|raided) by the (?:authorities|government|police|courts?)",
    "(?:court order|warrant|injunction) to (?:freeze|seize|garnish|take|confiscate) your",
    "(?:the court|a judge|the judge|bailiffs?|the police|the bank|the authorities) (?:will|is going"
    " to|can|could|may|are going to) (?:take|seize|sell|auction|freeze|repossess|confiscate)"
    " (?:your|everything|all (?:you|your))",
    "(?:non-?payment|not paying|unpaid (?:invoices?|debts?|bills?)|owing money|failure to pay"
    "|refusing to pay)(?: \\w+){0,4}? (?:is|are|counts as|amounts to|constitutes)"
    " (?:a |an )?(?:crime|criminal|illegal|offen[cs]e|fraud|theft|against the law)",
    "(?:this|that|it|what you(?:'re| are) doing) (?:is|amounts to|counts as) (?:fraud|theft"
    "|stealing|embezzlement|a crime)",
) + zh(
    "坐牢|蹲(?:大)?牢|进监狱|蹲监狱|吃牢饭|进(?:看守所|局子)|拘留|逮捕|抓(?:起来|进去|%YOU1%|人)",
    "被关(?:起来|进去)?|关进(?:去|监狱|牢里|号子)|等着被(?:抓|关|拘)|通缉|判刑|刑事|诈骗罪|犯罪|(?:涉嫌|构成|这是|属于|你这是|你这属于|就是"
    "|算|已经是)(?:合同|商业)?诈骗",
    "%WE%(?:会|将|要|就|就会|只能|只好|已经?|马上|立刻|立即)?(?:去)?报(?:警|案)",
    "向(?:公安|警方|派出所)(?:报(?!案)|举报|控告)|报警(?:抓|处理)",
    "(?:警察|公安)(?:会|将|要)?(?:来|上门)?(?:抓|找%YOU%)",
    "(?:公安|警察|警方|派出所|经侦)%Z6%(?:立案|调查|传唤|上门|找%YOU%|抓)",
)

# Suing, judgments, frozen accounts, travel bans, the debtors' blacklist: true only once
# litigation has been decided (and a court has ruled).
FALSE_LEGAL_LITIGATION = en(
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
    "your(?: [\\w']+)? (?:assets|accounts|bank accounts?|bank cards?|property|properties|funds"
    "|savings|wages|salary|house|home|car|cars|shares|passport) (?:(?:has|have) (?:already )?been"
    "|will be|are going to be|are being|(?:could|may|might|can) be|is going to be|gets?)"
    " (?:frozen|seized|garnished|confiscated|impounded|auctioned|taken|towed|repossessed"
    "|padlocked|sealed)",
    "(?:%WILL%|the court will|the police will|they will) (?:freeze|seize|garnish|confiscate"
    "|impound) your (?:\\w+ )?(?:assets|bank accounts?|property|funds|savings|wages|salary"
    "|house|home|car|passport)",
    "(?:legal|court) proceedings (?:have|has) (?:already )?(?:been )?(?:started|begun"
    "|commenced|initiated|filed|issued)",
    "(?:bailiffs?|sheriffs?|enforcement officers?) (?:are|is|will be) (?:on (?:their|his|the) way"
    "|coming)",
    "court date has (?:already )?been set|summons has (?:already )?been (?:issued|served|sent)",
    "(?:banned|barred|prohibited|stopped) from (?:flying|travel|travelling|traveling|leaving"
    "|boarding|taking (?:a |the )?(?:plane|flight|train)|high-speed|trains|planes|buying)",
    "travel ban|flight ban|exit ban|no-fly list",
    "(?:exit permits?|passports?|visas?|travel documents?|driving licen[cs]e)"
    " (?:will|could|may|is going"
    " to|can) be (?:cancelled|canceled|revoked|confiscated|seized|blocked|suspended)",
    "(?:won'?t|will not|can'?t|cannot|never) be able to (?:board|fly|travel|leave the country"
    "|take a (?:plane|flight|train)|buy (?:a )?(?:ticket|house|car))",
    "dishonest (?:debtors?|persons?|judgment debtors?)|(?:national|credit|court|government"
    "|official|state) blacklist|blacklisted (?:as|by)",
) + zh(
    "%ALREADY%(?:向%STOP%{0,10}?(?:法院|法庭|仲裁委))?(?:提起|提交|递交)?(?:了)?"
    "(?:起诉|诉讼|立案|仲裁|上诉|申请(?:财产|诉前)?保全|申请强制执行)",
    "%ALREADY%%STOP%{0,8}?告(?:上|到)(?:了)?(?:法院|法庭)|告(?:上|到)了?(?:法院|法庭)了",
    "起诉了(?:%YOU%|贵司|贵公司)",
    "(?:法院|法庭|仲裁委)%ALREADY%(?:经)?(?:判决|判了|裁定|裁决|受理|立案|开庭|下达|冻结|查封"
    "|执行|出具|作出|发出|签发)",
    "(?:法院|法庭)(?:判决|裁定)%POSS%",
    "%ALREADY%(?:冻结|查封|扣押|划扣)(?:了)?%POSS%?(?:银行)?(?:账户|资产|财产|房子|房产|车|存款"
    "|工资)",
    "(?:冻结|查封|扣押|拍卖|没收)%POSS%%Z4%(?:银行)?(?:账户|资产|财产|房子|房产|车|存款|工资|股权"
    "|卡|银行卡)",
    "征信%Z6%(?:黑名单|污点|拉黑|上报|受影响|花了|不良|有记录)|(?:拉入|列入|上了?|进)征信"
    "|(?:贷款|信用卡)(?:都)?办不了|贷不了款|办不了贷款|买不了(?:房|车|机票)",
    "(?:你|您)(?:们)?(?:名下)?(?:的)?%Z12%被(?:法院|银行|警方|公安)?(?:冻结|查封|扣押|拍卖|没收"
    "|强制执行|划扣)",
    "法院传票|出庭传票|传票%ALREADY%|传唤",
    "失信被执行人|失信名单|列入失信|老赖名单|(?:法院|失信)黑名单|法院(?:将|会|已经?)?强制执行",
    "限制(?:高)?消费|限高|限制出境|限制出国|不能出国|限制出行|禁止出境|边控|出不了国|出不了境",
    "(?:坐|乘)不了(?:飞机|高铁|火车|动车)|不能(?:坐|乘)(?:飞机|高铁|动车)|上不了(?:好)?(?:学校|大学)",
    "护照%Z6%(?:没用|作废|被扣|被收|注销|吊销|冻结|扣留|没收)",
)

# "Our lawyer has sent a letter": true once a lawyer's letter has been decided.
FALSE_LEGAL_LETTER = en(
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
) + zh(
    "律师函%ALREADY%(?:经)?(?:发出|寄出|发送|送达|发给|发|寄)",
    "%ALREADY%(?:向%POSS%)?(?:发出|寄出|发送|送达|发|寄)(?:了)?律师函",
    "律师%ALREADY%(?:发|寄|出具)(?:出|了)?(?:律师)?函",
    "%ALREADY%委托(?:了)?律师",
)

_AUTH_EN = (
    "(?:police(?: department| station| force)?|(?:district |county |high |supreme |magistrates'? )?"
    "court(?:s|'s)?|sheriff(?:'s office)?|tax (?:office|bureau|authority|authorities"
    "|department|inspectors?)|irs|hmrc|(?:public )?prosecutor'?s?(?: office)?|district attorney"
    "|attorney general|department of justice|ministry(?: of \\w+)?|government"
    "|(?:banking |financial )?regulators?|regulatory (?:commission|authority|agency)|central bank"
    "|fraud (?:squad|unit|division)"
    "|economic crimes? (?:unit|division|squad|bureau)|enforcement (?:division|office|unit"
    "|bureau)|bailiffs?|marshals?|customs"
    "|fbi|interpol|law enforcement|public security bureau|authorities|taxation"
    "|(?:tax|revenue) (?:service|administration|inspectorate)"
    "|(?:state )?(?:administration|bureau|department|office|ministry) of (?:taxation|justice"
    "|public security|commerce|finance|customs)|(?:economic |criminal )?investigation"
    " (?:division|bureau|unit|department|team))"
)
_SELF_EN = (
    "(?:this is|i am|i'm|we are|we're|i represent|we represent|representing|i work (?:for"
    "|with|at)|we work (?:for|with|at)"
    "|(?:calling|writing|speaking|contacting you|reaching out) (?:to you )?(?:from|for|with)"
    "|(?:message|letter|notice|call|greetings|hello|notification) (?:is )?from|on behalf of"
    "|here from|acting for"
    "|(?:officer|sergeant|detective|inspector|constable|agent|marshal|judge) \\w+ (?:from|with"
    "|of|at))"
)
_FILLER_EN = (
    "(?: (?!(?:supplier|vendor|contractor|provider|partner|to|for|serving)\\b)[\\w'-]+){0,4}?"
)
_NOT_AUTH_USE = (
    "(?! (?:tender|contract|project|procurement|supplier|vendor|order|customer|client|market"
    "|bond|grant|subsid\\w*|hearing|venue|named|in our|listed|case (?:against|with) another))"
)

FAKE_AUTHORITY = en(
    _SELF_EN + "(?: the| a| an)?" + _FILLER_EN + " " + _AUTH_EN + _NOT_AUTH_USE,
    "(?:officer|sergeant|detective|inspector|constable|agent|marshal|bailiff|judge) \\w+"
    " (?:here|speaking|calling)",
    "this is (?:officer|sergeant|detective|inspector|constable|agent|marshal|bailiff|judge)",
    # the authority as the subject: tried once for both continuations
    _AUTH_EN + "(?:(?: [\\w'-]+){0,3}? (?:is|are) (?:contacting|calling|writing to|notifying"
    "|informing) you| (?:has|have)(?: \\w+)? (?:instructed|asked|ordered|authori[sz]ed"
    "|required|told|directed|appointed|mandated) (?:us|me))",
    "(?:by order of|under instruction from|at the request of|authori[sz]ed by|backed by"
    "|in cooperation with) (?:the )?" + _AUTH_EN,
    "government(?:al)? (?:debt|collections?|recovery) (?:\\w+ )?(?:office|agency|department"
    "|bureau|unit)",
    "(?:official|licensed government|state|federal|national|court[-\\s]?appointed"
    "|court[-\\s]?authori[sz]ed|government[-\\s]?(?:appointed|authori[sz]ed|approved|registered))"
    " (?:(?:debt )?(?:collection|recovery|enforcement) (?:agency|agent|office|bureau|officer"
    "|department|unit)|(?:debt )?collectors?)",
    "(?:police|government|court) (?:debt )?(?:collection|recovery) (?:unit|department|division"
    "|team)",
)

_AUTH_ZH = (
    "(?:(?:人民)?法院|法庭|检察院|检察署|地检署|公安局|公安|派出所|警察局|警局|警方|经侦(?:支队|大队)?"
    "|刑警队|调查局|调查站|行政执行署|执行署|行政执行处|国安局|国家安全局|安全局|监察局|税务局|税务稽查局|稽查局|税务|工商局|市场监管局|市场监督管理(?:总)?局"
    "|银保监(?:局|会)?"
    "|银监(?:局|会)?|金管会|(?:银行|金融|市场)?监管部门|监管机构|执法部门"
    "|(?:国家)?金融监(?:督)?管(?:理)?(?:总局|局)|证监局|外汇局|证监会|人民银行|央行|司法局|执行局|纪委|监察委|海关|国税局|地税局|政府)"
)
_SELF_ZH = (
    "(?:我是|我们是|本人是|本人为|这里是|这边是|我这里是|我们这里是|我们来自|我来自|本人系|我系"
    "|我们系)"
)

FAKE_AUTHORITY_ZH = zh(
    _SELF_ZH
    + "(?:(?![为给向和与跟帮替对])[^,:.!?;\n｡]){0,12}?"
    + _AUTH_ZH
    + "(?:的)?(?:部门|机关|工作人员|派来的)?(?!采购|项目|供应商|客户|合作|补贴|扶持|招标|机构客户)",
    _SELF_ZH
    + "%Z6%(?:警官|法官|检察官|执行法官|民警|干警|干员|探员|警员|书记员|书记官|执行员|税务专员"
    "|法警|稽查员)",
    "代表" + _AUTH_ZH + "(?!采购|项目)",
    "(?:受|奉|接受)(?:了)?%Z4%" + _AUTH_ZH + "(?:的)?(?:委托|指派|授权|命令|指示)",
    "(?:公安局?|警察|警方|派出所|经侦|法院|法庭|检察院|政府|银保监会?|银监会?|金融监管(?:局|总局)?"
    "|司法局|执法部门|纪委|监管部门|国家机关)(?:机关|部门)?%ALREADY%?(?:要求|责令|命令|委托|授权"
    "|指示|让|叫|派)(?:%WE%|%YOU%|贵司|贵公司)",
    "官方(?:的)?(?:催收|收债|讨债|追债)|(?:政府|国家|法院|公安)(?:的)?(?:催收|收债|讨债|追债)",
    "(?:公检法|公安局?|派出所|警方|经侦)%ALREADY%?(?:会|将)?(?:介入|出面|上门)",
    _AUTH_ZH + "(?:执行局|执行庭|经侦支队|支队|大队)?(?:通知|提醒|告知)[:：]",
)

SUE_THREAT = en(
    "sues? (?:you|ya|your|u|ur)|suing (?:you|ya|your|u|ur)",
    "(?:take|taking|drag|dragging|haul|hauling) (?:you|your (?:\\w+ )?(?:company|firm|business"
    "|ass))(?: \\w+){0,2}? (?:to|into|through|before) (?:the )?(?:\\w+ ){0,2}?courts?",
    "(?:court|a lawsuit) is (?:next|coming|the next stop)|(?:straight|right|directly) (?:to|into)"
    " (?:the )?courts?",
    "(?:we|i)(?:'re| are|'ll| will) (?:be )?going to court",
    "(?:we|i) sue (?:on|by|this|next|tomorrow|today|tonight|unless|if|first thing)",
    "see you (?:in court|(?:before|in front of) (?:a|the) (?:judge|court))|or (?:get"
    "|be) sued|you(?:'ll| will| are going to"
    "|'re going to) (?:be|get) sued|%WILL% sue(?=\\s*(?:[.!,;｡]|$))"
    "|(?:slap|hit) (?:you )?with (?:a )?(?:lawsuit|suit)|lawyer up"
    "|hearing from our lawyers|sue (?:you|your \\w+) into the ground",
    "or (?:else )?(?:we|i)(?:'ll| will| shall| are going to|'re going to|'m going to)?"
    " (?:sue|take (?:legal action|you to court|this to court)|file (?:suit|a (?:law)?suit"
    "|a claim)|go to court|see you in court|call (?:our|the) lawyers?)",
    "or (?:it'?s|it is) (?:court|a lawsuit)",
    "or (?:a |face a |you get a |you'll get a )?(?:lawsuit|court case)",
    "(?:then|otherwise|else|after that|and then) (?:we|i)(?:'ll| will| are going to)? (?:sue"
    "|take you to court|file (?:a )?(?:law)?suit)",
    "(?:%WILL%|we(?:'re| are) going to|we(?:'re| are)) (?:file|filing) (?:a )?(?:law)?suit"
    "(?: against you)?",
)
SUE_THREAT_ZH = zh(
    "(?<![报广通公转忠预警劝被])(?:起诉|告|控告)%YOU1%",
    "法庭上见|法院见|法庭见|公堂见|传票%Z4%(?:就|马上|明天|立刻)%Z4%(?:到|来|寄到|送到)|等着(?:收)?传票|等着%Z6%(?:起诉|收传票"
    "|吃官司|上法庭|打官司)|告到%YOU1%",
    "(?:不|没|别|再不|再拖|还不|如果不|要是不)%S16%(?:就|立刻|马上|直接|立即|明天就|那就)%Z4%"
    "(?:起诉|上法院|去法院|打官司|告(?![诉知])|诉讼|上法庭|立案|提告|递状|(?:收到|接到)?(?:法院)?传票)",
)
_LAWFUL_STEP = "依法|按合同|按合约|合同约定|法律途径|法务|may|might|可能|can"

SPECS: tuple[Spec, ...] = (
    Spec("false_legal", FALSE_LEGAL_ALWAYS),
    Spec("false_legal", FALSE_LEGAL_LITIGATION, excusable=True, needs="litigation"),
    Spec("false_legal", FALSE_LEGAL_LETTER, excusable=True, needs="letter"),
    Spec("fake_authority", FAKE_AUTHORITY + FAKE_AUTHORITY_ZH, excusable=True),
    Spec("sue_threat", SUE_THREAT + SUE_THREAT_ZH, excusable=True, forbids=_LAWFUL_STEP),
)
