"""Patterns for harm to the person: threats (open and veiled), insults, discrimination.

Each list names the harmful act, not a topic: a threat is harm foretold to the customer, their
family or their property ("accidents happen", "we know which school your daughter goes to",
"出门注意安全"); an insult calls the person a name; discrimination generalises about a region,
nationality, ethnicity, gender or disability ("你们河南人就是...", "women can't run a
business"). See compliance_rx for the pattern conventions.
"""

from __future__ import annotations

from playbook.compliance_rx import Spec, alt, en, zh

_FAMILY_EN = (
    "(?:wife|husband|spouse|family|families|kids?|children|child|sons?|daughters?|parents?"
    "|mother|mom|mum|father|dad|relatives?|in-?laws|girlfriend|boyfriend|grandchildren)"
)
_HARMED_EN = (
    "(?:legs?|arms?|neck|bones?|face|knees?|kneecaps?|fingers?|windows?|jaw|head|teeth|car"
    "|cars|trucks?|door|doors|office|shop|store|house|home|stuff|things|machines?|showroom"
    "|factory|warehouse|tires|tyres|stock|goods|premises|place)"
)
_OURS_EN = (
    "(?:someone|somebody|a (?:few|couple) of (?:our|my) (?:guys|boys|lads|men|people|friends)"
    "|(?:some|one) of (?:our|my) (?:guys|boys|lads|men|people|friends)|our (?:guys|boys|lads"
    "|men|friends|people)|my (?:guys|boys|lads|men|friends))"
    "(?: (?:from|on) (?:our|my) (?:side|team|end|company|office))?"
)
_VISIT_EN = (
    "(?:visit|drop by|drop in on|come (?:by|round|over|to see)|pay (?:you )?a visit|stop by"
    "|call (?:on|round)|pop (?:by|round|in)|find you|wait for you|be waiting|see you"
    "|look you up|show up|turn up|be persuasive|be very persuasive|be convincing)"
)

THREAT = en(
    "%WILL% (?:break|smash|wreck|burn|torch|trash|vandali[sz]e) (?:every \\w+ (?:in|of|at) )?"
    "(?:your (?:\\w+ )?" + _HARMED_EN + "|you(?!r)|every bone)",
    "(?:smash|burn down|torch|trash|vandali[sz]e|key|slash) (?:every \\w+ (?:in|of|at) )?"
    "your (?:\\w+ )?" + _HARMED_EN,
    "break your (?:legs?|arms?|neck|bones?|face|knees?|kneecaps?|fingers?|jaw|head|teeth)",
    "you(?:'ll| will| are going to|'re going to)(?: (?:really|definitely|surely|live to))? regret",
    "make you (?:regret|suffer|pay for (?:this|it))",
    "you(?:'ll| will) be sorry",
    "(?:we|i|people|someone|they|guys|friends|men)(?: who)? know"
    " (?:where|which (?:school|kindergarten|house|street|building)|what school"
    "|when) (?:you|your)(?:(?: [\\w']+){0,3}? (?:live|lives|sleep|sleeps|are|is|go|goes|work"
    "|works|park|parks|study|studies|stay|stays|shop|shops))?",
    "(?:we|i) know your (?:home )?address",
    "watch your (?:back|step)|watch yourself|watch out for yourself",
    "something (?:bad |terrible |unfortunate |nasty |unpleasant )?(?:will|might|may|could|would"
    "|is going to) happen to",
    "(?:if|for) (?:anything|something)(?: \\w+)? (?:to )?(?:happen|happened|happens"
    "|were to happen|should happen)",
    "(?:pity|shame|terrible|awful|sad|unfortunate|tragic)(?: \\w+){0,2} if (?:anything|something"
    "|your (?:\\w+ ){0,2}(?:caught fire|burned|burnt|got (?:hurt|damaged|broken|smashed"
    "|scratched|keyed)|had an accident|went missing|disappeared|broke down))",
    "accidents? (?:can |do |will |might |may |tend to |often |sometimes )?happen",
    "(?<!the\\s)(?:bad luck|misfortune|accidents?|mishaps?|nasty surprises?) (?:with|to|for|at)"
    " (?:their"
    "|your|people)",
    "(?:tend to|often|usually|always|might|may|could) (?:have|run into|meet with|suffer|get)"
    " (?:bad luck|accidents?|misfortunes?|nasty surprises?|hurt)",
    "people who (?:owe|don'?t pay|do not pay|cross|ignore|mess with|stiff|cheat) (?:us|me|money"
    "|their)",
    "(?:end|ends|ended) up in (?:the )?(?:hospital|a wheelchair|pieces|the river|a ditch"
    "|intensive care)",
    "(?:hurt|harm|kill|injure|beat up|get) (?:you(?!r)|your (?:\\w+ )?" + _FAMILY_EN + ")",
    "beat you up|(?:hunt|track) you down|come after you|(?:send|bring) (?:the |some |a few )?"
    "(?:boys|lads|heavies|muscle|guys) (?:round|over|after)",
    "%WILL% (?:destroy|ruin|wreck|finish|crush) (?:you(?!r)|your (?:life|family|business|company))",
    "make your life (?:hell|miserable|difficult|a (?:living )?hell)",
    "or else(?=\\s*(?:[.!｡]|$))",
    "if you know what'?s good for you",
    "(?:you (?:had )?better|you'd better|you should|you might want to|you may want to)"
    " (?:watch out|be careful|watch it|be very careful|stay safe|take care)",
    "(?:be|stay) (?:very |extra |really )?careful (?:walking|driving|going|out|outside|at night"
    "|on your way|when you (?:leave|go|walk|drive)|with your (?:\\w+ )?" + _FAMILY_EN + ")",
    "this (?:won'?t|will not) end well for you",
    "(?:come|go|turn up|show up|be waiting|pay a visit|visit|drop by|stop by) (?:to |at |round to "
    "|over to |outside |by )?your (?:home|house|flat|apartment|front door|place)",
    _OURS_EN
    + " (?:will|might|may|could|can|would|is going to|are going to)(?: \\w+)? "
    + _VISIT_EN,
    "(?:can'?t|cannot|won'?t|will not) (?:be )?(?:held )?responsible for what happens",
    "(?:find out|see|learn|discover) (?:what|how far) we(?:'re| are| will|'ll) (?:capable of|go)",
    "nice (?:little |big |new )?(?:house|car|family|kids|wife|shop|office|factory|place|children)"
    " (?:(?:you|u)(?:'ve| have)"
    "|(?:you|u) got)",
    "(?:windows|legs|kneecaps|teeth|fingers|bones|car|face) (?:intact|in one piece)",
    "(?:your|that) (?:\\w+ ){0,2}(?:would|could|might|may) (?:\\w+ )?(?:burn|catch fire"
    "|go up in (?:flames|smoke)|get (?:damaged|scratched|smashed|broken))",
    "(?:keep|stay|staying|keeping) (?:them|yourself|your (?:\\w+ )?" + _FAMILY_EN + ") safe",
    "think (?:about|of|hard about) (?:your (?:\\w+ )?(?:" + _FAMILY_EN[3:-1] + "|safety|health)"
    "|the (?:kids|children|family))",
    "things (?:could|might|may|will|can|are going to|are about to) (?:get|turn|become) (?:ugly"
    "|nasty|messy|rough|unpleasant|violent|bad|very bad|dangerous|physical)",
    "you (?:don'?t|do not|wouldn'?t|would not) want (?:any )?(?:trouble|problems|accidents"
    "|anything to happen|us to (?:come|visit|find|show up))",
    "(?:we|i) have (?:people|friends|contacts|guys|boys|men|someone) (?:in|near|around|outside"
    "|on) your (?:city|town|area|neighbou?rhood|street|building|block|village|district)",
    "(?:our|my) (?:collectors|guys|people|men|boys|lads|team|field team|agents|friends)"
    " (?:aren'?t|are not|won'?t be|will not be|are less|can be less|are far less|are not always)"
    " (?:as |so |very |always )?(?:polite|nice|friendly|patient|gentle|understanding|kind)",
    "flat (?:tyres|tires)|slashed (?:tyres|tires)|(?:tyres|tires) (?:slashed|let down)"
    "|broken windows|smashed windows",
    "(?:don'?t|do not) make (?:us|me) (?:come|go|do|use|get|send|pay)|(?:looking|look) over your"
    " shoulder|(?:can|do) you (?:still )?sleep (?:well |soundly )?at night",
    "make (?:your life|things|life) (?:\\w+ )?(?:hell|miserable|difficult|hard|unbearable"
    "|a nightmare|very hard)(?: for you)?",
    "(?:walk|walking|go out|going out|drive|driving|be out|go home|going home) (?:alone|home"
    "|by yourself)(?: \\w+){0,2}? (?:at night|after dark|late)",
    "(?:wouldn'?t|would not|shouldn'?t|would) (?:\\w+ ){1,5}if i were you",
    "(?:wait(?:ing)?|be waiting|stand(?:ing)?) (?:for you )?(?:outside|at|near|by|in front of)"
    " your (?:office|home|house|door|car|school|gate|factory|building|flat|apartment)",
    "before (?:something|anything) (?:bad |nasty |unfortunate )?happens",
    "(?:can'?t|cannot|won'?t|will not|couldn'?t) (?:guarantee|promise|ensure|vouch for) (?:your"
    "|the) (?:\\w+ )?(?:safety|wellbeing|well-being|security)",
    "not the (?:kind|sort|type) of (?:people|person|guys|company) you (?:want to|should|would want"
    " to) (?:disappoint|upset|cross|anger|mess with|annoy)|see what happens to (?:you|your)",
    "(?:pity|shame|terrible|awful|sad|unfortunate) if your (?:\\w+ ){0,2}(?:got|were|was|went)"
    " (?:lost|stolen|damaged|hurt|broken|smashed|burned|burnt|missing)",
    "your (?:\\w+ )?" + _FAMILY_EN + " (?:walks?|goes|go|drives?|pass(?:es)?|leaves?|comes?|gets?"
    "|takes?)(?: \\w+){0,5}? (?:every (?:morning|day|evening|night|afternoon)|at \\d)",
    "responsible for what (?:happens|might happen|could happen|they do|our \\w+ (?:do|does|might"
    " do))",
    "(?:we|i|people|someone|they) know (?:that )?your (?:\\w+ )?(?:"
    + _FAMILY_EN[3:-1]
    + "|routine|schedule|movements|route|commute)",
    "(?:you|your (?:\\w+ )?(?:family|kids|children|wife|husband|staff))(?: and your \\w+)?"
    " (?:will|are going to|is going to|could|might|shall) (?:suffer|pay dearly)",
    "nice (?:car|house|family|kids|children|dog|place|home|wife)(?=\\s*[.!,?]| you)",
    "(?:hate|sad|sorry|pity|shame) (?:for|if|to see) (?:your (?:\\w+ ){0,2}|you )(?:to )?"
    "(?:have|had|get|got|suffer|suffered) (?:an? )?(?:\\w+ )?(?:incident|accident|fire"
    "|break-?in|problem with|mishap)",
    "(?:lovely|nice|beautiful|cute) (?:family|kids|children|wife|daughter|son|house|home)"
    "(?: you(?:'ve| have)(?: got)?)?[,.! ]+(?:it would|it'd|shame|keep|be careful|watch|take care"
    "|would be)",
) + zh(
    "砸(?<!搞砸)(?<!弄砸)(?:了|烂|碎|坏|毁)?(?:%YOU1%|%POSS%?(?:店|厂|门|车|窗|玻璃|办公室|场|家))",
    "把%POSS%%STOP%{0,8}砸(?:了|烂|碎|坏|毁)",
    "被(?:人)?(?:砸|划|烧|泼|拆|撬|偷|扎)(?!价)",
    "弄死|打死%YOU%|杀了%YOU%|杀死%YOU%|干掉%YOU%|废了%YOU%|弄残|砍死|砍%YOU1%|捅死|捅%YOU1%",
    "打断(?:%POSS%|他的?)?(?:腿|手|胳膊|骨头|脊梁)",
    "(?:揍|收拾|修理|教训|对付)%YOU1%|打%YOU%一顿",
    "给%YOU%(?:一)?(?:个|点)(?:教训|颜色)|(?:给|让)%YOU%(?:点)?颜色看",
    "后果自负|天有不测风云|人有旦夕祸福|不怕一万就怕万一",
    "小心(?<!请小心)(?<!麻烦小心)(?<!请您小心)(?:点|一点|些|一些)(?!核对|检查|填写|操作)",
    "小心%POSS%(?:家人|家里|孩子|小孩|老婆|父母|腿|手|安全|车|店|厂)|不想活了|活得不耐烦|活腻了",
    "当心(?:%YOU%|点)|%YOU%(?:最好)(?:给我)?小心|%YOU%给我小心",
    "出门(?:在外)?%Z4%(?:注意安全|小心|当心|留神|留点神)",
    "(?:走夜路|晚上%Z6%(?:回家|走路|出门|睡觉))%Z6%(?:小心|当心|留神|注意安全|锁好)",
    "注意(?:一下|点)?(?:自己|自个儿?)(?:的)?(?:人身)?安全|(?:可|就|到时候|那就)?别怪(?:我|我们)"
    "(?=[,.!?;｡]|$|了|不客气|翻脸|无情)|(?:玻璃|窗户|车窗|门窗)%Z4%(?:碎|破|裂|砸)",
    "注意(?:%POSS%)?(?:人身|家人的?|孩子的?)安全|%POSS%(?:人身|生命|家人的?)安全",
    "让%YOU%好看|有%YOU%好(?:看|受)的|吃不了兜着走|走着瞧|等着瞧|%YOU%(?:就)?等着吧",
    "%YOU%(?:会|要|一定会|肯定会)后悔|不会放过%YOU%|饶不了%YOU%|跟%YOU%没完|没%YOU%好果子吃",
    "别怪%WE%不客气|对%YOU%不客气|别怪我没提醒",
    "(?:会|要|可能会|可能|难免|哪天|就会)出(?:点|些)?(?:什么)?(?:事|意外)(?!故|情|实|项|宜)",
    "祈祷%Z8%(?:不会)?(?:出事|平安|没事)",
    "知道(?<!不知道)(?<!想知道)%POSS%?(?:家|家人|孩子|小孩|老婆|父母)?住(?:在)?(?:哪|什么地方)",
    "知道(?<!不知道)(?<!想知道)%POSS%?(?:家|家人|孩子|小孩|老婆|父母)在(?:哪|什么地方)",
    "知道(?<!不知道)(?<!想知道)%POSS%?(?:家庭)?住址",
    "%POSS1%家住(?:在)?(?:哪|什么地方|几楼|几号|哪栋|哪个小区)",
    "(?:你|您)(?:们)?(?:的|家)?(?:家|孩子|老婆|住址|地址|公司|厂|车)%Z8%(?:我们|我)(?:都|早就|全|早)?"
    "(?:清楚|知道|查到|摸清|摸透)",
    "保镖|不是吃素的|(?:找得到|找得着|能找到)%YOU1%|躲(?:得掉|不掉|得了|不了)|跑不了|"
    "让%YOU%%Z8%(?:待不下去|呆不下去|活不下去)|"
    "后果(?:会|将会|将)?(?:很|非常)?(?:严重|不堪设想)|失去耐心|付出代价|有%YOU%(?:好)?受的|老实点",
    "(?:你|您)(?:们)?(?:家)?(?:那口子|媳妇|老婆|老公|爱人|孩子|儿子|女儿)(?:最近|今天|每天|平时)",
    "%POSS1%(?:家)?(?:孩子|小孩|儿子|女儿|闺女)%Z8%(?:放学|上学|学校|读书|幼儿园|补习|小学)",
    "%POSS1%(?:家)?(?:老婆|妻子|爱人|老公|父母|爸妈|家人|老人)%Z6%(?:去哪|在哪|几点|买菜|上班"
    "|下班|出门|回家|散步)",
    "找(?:几个|一些|些)?人(?:来|去)?(?:收拾|教训|对付|堵|打%YOU%|弄|搞|整|招呼)",
    "(?:信不信|小心)(?:我|我们)%Z4%(?:弄|搞|整|动|收拾|揍|打)%YOU1%",
    "派(?:几个|些|一些)?(?:兄弟|人|小弟)%Z4%(?:去|到|上)%POSS1%(?:家|门口|楼下|住处)",
    "兄弟们%Z8%(?:等|去|找|在)",
    "(?:去|到|上|找到|堵|堵到|堵在|守在)%POSS1%(?:家门口|家里|老家|住处|家)(?!公司|仓库|工厂|厂|店|产品)",
    "在%POSS1%家(?:楼下|门口|附近|小区)",
    "有的是办法%Z8%(?:让|叫)?%YOU%|让%YOU%(?:过不安稳|不得安宁|不好过|日子(?:不好过|难过)"
    "|没(?:有)?好日子|睡不(?:着|好))",
    "把门锁好|锁好门|门窗关好",
    "(?:想想|想一想|考虑考虑|为)%POSS1%?(?:家人|家里人|老婆|孩子|父母|老婆孩子|家里|爸妈)(?:想想|考虑)?",
    "(?:出门|晚上|路上|一个人|夜里|走路)%Z6%(?:不安全|不太平|危险)|最近不太平",
    "别逼(?:我|我们)|(?:用|动用|采取)(?:点|些|一些)?(?:别的|其他|非常|特殊|江湖|道上的)(?:办法|手段|方式)",
    "(?:我们的人|我们的兄弟|兄弟们|我的人)%Z4%(?:在|到|去)%POSS%?(?:家|公司|厂|店|单位)?"
    "(?:楼下|门口|附近|外面)",
    "(?:要是|万一|哪天|小心|说不定|别)%Z8%(?:着火|着了火|失火|起火|被烧|被砸|被偷|出车祸|被车撞)",
    "%POSS%%Z6%(?:着火|着了火|失火|起火|出车祸)",
    "看(?:好|紧)%POSS1%?(?:车|店|孩子|家|老婆|厂|门)|停在看得到的地方",
    "(?:可别|可不要|千万别|当心|小心)%Z6%(?:走丢|丢了|出事|出意外|受伤|摔着|摔了|被偷|着火|被撞|碰着)",
    "知道%POSS1%?%Z6%(?:每天|几点|什么时候|平时)%Z6%(?:下班|上班|回家|出门|放学|上学|接孩子|买菜|离开"
    "|到家|出发|开车)",
    "(?:别|不要)(?:让|逼)(?:我|我们)%Z4%(?:上门|出手|动手|过去|找上门|亲自)",
    "(?:还|能|晚上)?睡得着(?:吗|觉)|睡得安稳吗|睡个安稳觉",
    "(?:你|您)(?:们)?(?:的|家)?(?:孩子|小孩|儿子|女儿|闺女)%Z8%(?:放学|上学|学校|读书|幼儿园|补习|小学"
    "|走回家)",
)

_INSULT_ADJ = (
    "(?:stupid|dumb|useless|worthless|pathetic|lazy|filthy|dirty|thieving|lying|spineless"
    "|brainless|incompetent|shameless|greedy|disgusting|absolute|complete|total|utter|sorry"
    "|bloody|damn|fucking|miserable|little|lousy|cheap)"
)
_WEAK_NOUN = (
    "(?:pigs?|dogs?|rats?|snakes?|worms?|cockroach(?:es)?|maggots?|animals?|trash|garbage"
    "|rubbish|joke|jokes|baby|babies|clowns?|jerks?|swine|donkeys?|monkeys?|vultures?|sharks?"
    "|thugs?|bums?|fools?)"
)

INSULT = en(
    "liars?|lying (?:bastards?|cheats?|crooks?|thieves|scum)",
    "cheat(?:s|ers?|ing)?(?! (?:sheets?|codes?|days?|meals?))",
    "scum(?:bags?)?|idiots?|idiotic|deadbeats?|thie(?:f|ves)|crooks?|crooked|dirtbags?",
    "fraudsters?|con (?:artists?|men|man)|muppets?|numpties?|wankers?|tossers?|plonkers?"
    "|pillocks?|twats?|dipshits?|numbskulls?|knuckleheads?|bozos?|doofus|dolts?|incompetents|scammers?|swindlers?|morons?|moronic|imbeciles?|cretins?",
    "losers?|bastards?|assholes?|arseholes?|bitch(?:es)?|shameless|parasites?|leech(?:es)?",
    "lowlifes?|low-lifes?|sleaze(?:bags?|balls?)?|sleazy|vermin|retard(?:ed|s)?|tmd|wtf",
    "f+u+c+k\\w*|f[u*][c*]k\\w*|fck\\w*|shit(?:ty|head)?|crap|damn you|screw you|go to hell",
    "piece of (?:shit|crap|garbage|trash|work)|(?:pathetic|sorry|poor|useless|worthless|sad"
    "|miserable|lousy) excuse|excuse (?:for|of) an? (?:\\w+ )?(?:man|human|person|businessman"
    "|company|boss|owner|business|manager)|bottom[- ]?feeders?|freeloaders?",
    "halfwits?|nitwits?|dimwits?|dumbass(?:es)?|jackass(?:es)?|dickheads?|pricks?|buffoons?",
    "clowns|subhuman|brain-?dead|shut up|shame on you|whining|spineless|disgrace|cowards?"
    "|cheapskates?|misers?|scrooges?|clueless|wimps?|slackers?|grow a (?:spine|pair)",
    "(?:you|you're|you are|are you)(?: really| so| this| that| just){0,2} (?:dense|thick"
    "|dim|slow-witted)",
    "bloodsuckers?|blood-suckers?|(?:lying )?sack of \\w+",
    "(?:like|as) an? (?:spoiled |spoilt |little |whiny |whining )?(?:child|baby|kid|toddler)",
    "(?:the most|such an?|so) (?:useless|pathetic|worthless|incompetent|stupid|dumb|lazy"
    "|dishonest|disgusting|shameless)",
    "you(?:'re| are| guys are| people are| lot are)(?: (?:so|such|a|an|really|completely"
    "|totally|just|nothing but|all|the|a bunch of|a pack of|" + _INSULT_ADJ[3:-1] + "))*"
    " (?:stupid|dumb|useless|worthless|pathetic|dishonest|a disgrace|incompetent|a fraud"
    "|" + _WEAK_NOUN[3:-1] + ")",
    "(?:a bunch of|a pack of|bunch of|pack of|such an?|like an?|like a bunch of|nothing but"
    "|what an?|what a bunch of|you)(?: " + _INSULT_ADJ + ")* " + _WEAK_NOUN,
    "(?:lazy|filthy|dirty|thieving|lying|spineless|greedy|worthless|stupid|brainless|useless)"
    " " + _WEAK_NOUN,
    "(?:stupid|dumb|useless|worthless|pathetic|dishonest|lying|incompetent) (?:people|person"
    "|company|firm|bunch|lot|guys?|idiot|man|woman|businessman)",
) + zh(
    "骗子|%YOU%(?:就是|是在|在|一直在|又在|分明是在|分明在)?骗(?:人|我|我们|我司)",
    "老赖|无赖|赖皮|赖账",
    "垃圾(?!邮件|短信|分类|桶|箱|回收|处理|袋|站|场|电话|信息|清运|费|车|堆)",
    "混蛋|王八|不要脸|没脸没皮|白痴|傻(?:逼|b|比|瓜|子|x|叉|帽)|蠢(?:货|猪|蛋|材|死)|笨蛋",
    "废物(?!回收|处理|利用|排放|处置|料)|人渣|败类|无耻|流氓|混账(?!目|户|单)|畜生|狗东西|狗日",
    "他妈(?!妈)|(?<!妈)妈的|滚(?:蛋|开|出去)|你给我滚",
    "去死|脑残|神经病|弱智|贱人|贱货|下贱|犯贱|丢人现眼|没良心|穷鬼|要饭的|缺德|黑心|猪脑子",
    "吸血鬼|寄生虫|蛀虫|白眼狼|强盗|土匪|饭桶|烂人|猪狗不如|不是人|还是人吗|算什么东西"
    "|(?:无耻|下贱|缺德|混账|不要脸|该死|烂|坏)的?东西|狗腿子|乌龟王八蛋|死皮赖脸|厚脸皮",
    "脑子(?:是不是|是否)?(?:进水|有病|有问题|坏了|被驴踢|被门夹|不好使)|没脑子|有病吧|有病啊",
    "(?:一群|一帮|一伙)%Z4%(?:强盗|骗子|土匪|流氓|饭桶|蠢货|废物|吸血鬼|寄生虫|白痴|猪)",
    "(?:你|你们)(?:是|就是|真是|简直是|简直就是)(?:个|一个|一群|一帮|头)?(?:猪|狗|驴|蠢|傻|白痴|废物"
    "|畜生|垃圾|渣)|智商(?:低|不够|有问题|欠费|堪忧)|(?:就|凭)你这智商|渣滓|垃圾人",
    "(?:你|你们)%Z4%有(?:毛病|病)|吃里扒外|(?:你|你们)(?:就是|真是|这个|这种)(?:个|一个)?%Z6%的东西"
    "|饿死|死全家|不得好死|该死|"
    "文盲|低能|智障儿|废柴|小人(?!物)|骗吃骗喝|窝囊废|孬种|王八蛋|臭不要脸|厚脸皮|脸皮真厚",
)

_NAT = (
    "(?:chinese|indians?|japanese|koreans?|americans?|africans?|arabs?|mexicans?|russians?"
    "|jewish|jews|muslims?|black|blacks|asians?|foreign(?:ers?)?|immigrants?|filipinos?"
    "|vietnamese|pakistanis?|nigerians?|italians?|greeks?|polish|turks?|turkish|gypsy|gypsies"
    "|latinos?|hispanics?|cantonese|shanghainese|hakka|taiwanese|fujianese|hokkien|malays?"
    "|thais?|indonesians?|bangladeshis?|uyghurs?|tibetans?|hindus?|westerners?|mainlanders?"
    "|northerners?|southerners?|country folk"
    "|villagers?|peasants?|rednecks?|hillbill(?:y|ies)|locals|outsiders)"
)
_GROUP_EN = (
    "(?:people|guys|folks?|companies|firms|businesses|owners|men|women|suppliers|customers"
    "|buyers|traders|bosses|types?|lot)"
)
_GENERAL_EN = (
    "(?:are|always|never|can'?t|cannot|don'?t|won'?t|all|just|only|tend to|are known|pay late"
    "|lie|cheat)"
)

DISCRIMINATION = en(
    "(?:you|typical|typical of|so typical of|those|these|all|like all|like most|like every"
    "|bloody|damn|of course)"
    " " + _NAT + "(?: " + _GROUP_EN + ")?",
    "(?<!new\\s)" + _NAT + "(?: " + _GROUP_EN + ")? " + _GENERAL_EN,
    "your (?:sort|kind|type|lot)(?: \\w+){0,2}? from|your generation"
    "|people of your (?:background|sort|type|race|religion|culture|origin"
    "|ethnicity)|people (?:like you|of your kind"
    "|from your (?:region|country|province|village|area|town"
    "|hometown|part of the world|culture|background|race|religion|kind))",
    "your (?:kind|race|tribe)|your lot from|your people from (?!(?:the |your )?(?:accounts"
    "|finance|accounting"
    "|ap|payables|treasury|office|team|department|warehouse|logistics|sales|purchasing))",
    "(?:people|folks?|guys|companies) (?:from|in) (?:the )?(?:countryside|villages?|rural areas"
    "|the sticks|the provinces|your region|your country|your province|your part of the world)",
    "(?:women|females|girls|ladies) (?:can'?t|cannot|shouldn'?t|should not|don'?t|do not"
    "|aren'?t|are not|are too|belong|never|always|have no|shouldn'?t be)",
    "(?:a|any|some) (?:woman|girl|lady|female) (?:can'?t|cannot|shouldn'?t|should not|can never"
    "|has no business|running|in charge)",
    "(?:because|since|as|that'?s what happens when) (?:your (?:\\w+ )?(?:boss|ceo|owner"
    "|manager|director)|she|you|the owner|he)(?: is|'s|'re| are) (?:a |an )?(?:woman|girl"
    "|female|lady|foreigner|immigrant|disabled|deaf|blind|cripple|gay|muslim|black)",
    "(?:run|owned|managed|led) by (?:a |an )?(?:woman|women|girl|lady|foreigners?|immigrants?"
    "|cripples?)",
    "like a girl|back to the kitchen|cripples?|crippled|spastic|spaz|mongoloid",
    "(?:are|is) (?:you|your (?:\\w+ )?\\w+|he|she|they) (?:deaf|blind|retarded|crippled"
    "|handicapped|mental)",
    "(?:you(?:'re| are)?) (?:deaf|blind|crippled|retarded|handicapped)(?! spot)",
    "(?:your|the) (?:boss|owner|ceo|manager|director|accountant|founder|md)(?: is|'s) (?:a |an )?"
    "(?:woman|girl|female|lady|foreigner|immigrant|cripple|muslim|jew|black (?:guy|man|woman))",
    "(?:no wonder|of course|figures|naturally|that explains it|what do you expect)[,:]?"
    " (?:a |an |your |the )?(?:" + _NAT[3:-1] + "|woman|women|female|girl)",
    "or (?:just )?(?:foreign|a foreigner|a woman|an immigrant|a girl)",
    "typical \\w+ (?:guy|guys|man|men|woman|women|people|company|businessman|boss|folks?)",
    "(?:woman|women|female|ladies|lady|girl)-?(?:owned|run|led|managed)",
    "your accent|(?:old|young) people like you|you (?:people|guys|lot) from",
    "(?:gay|gays|lesbian|queer|trans|homosexual|disabled|foreign(?:ers?)?|immigrants?|black"
    "|muslims?|jewish|jews?|wom[ae]n|girls?|females?|ladies|lady|villagers?|peasants?"
    "|mainlanders?|filipinos?|indians?|chinese|africans?|mexicans?)(?: \\w+)? like (?:you"
    "|your \\w+)",
    "(?:your|her) husband (?:should|ought to|can|could|had better) (?:run|handle|take over|deal"
    "|manage|be in charge)|(?:put|get|let) (?:a man|your husband|the man) (?:in charge|on the"
    " phone|handle|deal)|talk to (?:a man|your husband)",
    "(?:a|an) (?:"
    + _NAT[3:-1]
    + ") (?:firm|company|guy|owner|businessman|boss) (?:would|will|always"
    "|never|can'?t)",
)

REGION_ZH = alt(
    "河南", "河北", "山东", "山西", "东北", "湖南", "湖北", "广东", "广西", "福建", "浙江",
    "温州", "江西", "安徽", "四川", "重庆", "贵州", "云南", "西藏", "新疆", "甘肃", "陕西",
    "宁夏", "青海", "内蒙(?:古)?", "黑龙江", "吉林", "辽宁", "江苏", "上海", "北京", "天津",
    "海南", "台湾", "香港", "澳门", "潮汕", "苏北", "福州", "莆田", "外地", "外省", "乡下",
    "外劳", "外籍", "新住民",
    "南部", "北部", "中部", "东部", "客家",
    "农村", "山里", "南方", "北方", "大陆", "城里", "本地", "日本", "韩国", "印度", "越南",
    "美国", "非洲", "阿拉伯", "俄罗斯", "外国",
)  # fmt: skip
_GENERAL_ZH = (
    "(?:就是|都是|都|就|果然|一向|天生|本来就|全是|全都|一个个|没一个|哪个不|从来|向来|个个"
    "|总是|就爱|最爱|爱|怎么都|素质|这副|这德行|这样|靠不住|不靠谱|不讲|没信用)"
)

DISCRIMINATION_ZH = zh(
    "(?:%YOU%|这些|那些|这帮|那帮|一群)"
    + REGION_ZH
    + "(?:人|佬|仔|老板|商人|老总|公司|企业|客户|厂商|女人|男人)",
    REGION_ZH + "(?:人|佬)(?![民员士手力才])%Z6%" + _GENERAL_ZH,
    "女(?:人|的|流之辈|老板|老总)(?:家)?(?:就|都|本来就|天生|哪)?(?:不该|不能|不会|不适合|不懂|管不好|做不了"
    "|当不了|干不了|成不了)|毕竟(?:是|只是)(?:个|一个)?(?:女人|女的|女流|小姑娘|外地人|外国人|乡下人|农村人)",
    "(?:叫|让|换)%POSS1%?(?:先生|老公|丈夫|男人|家男人|当家的)(?:来|出来|过来)%Z4%(?:谈|说|处理|管|跟我|和我)",
    "(?:农村|乡下|山里|山沟|外地|小地方|穷地方)(?:来的|出来的|的人)",
    "(?:%YOU%|你|您)(?:那|这)(?:个|种|些|边|里|儿|块)?(?:地方|地区|省|村|县|山沟|老家)?(?:的|出来的)"
    "人(?![手员力])%Z4%" + _GENERAL_ZH,
    "(?:%YOU%)(?:那边|那里|那儿|老家)的?人(?![手员力])",
    "(?:难怪|原来|怪不得|果然)%Z8%(?:女的|女人|外地人|乡下人|老外|外国人|少数民族|农村人)",
    "女(?:人|的|流之辈|孩子|娃|老板|老总|领导|会计|财务)(?:就是|都|懂什么|懂个|能|不懂|不行|当老板|做生意|管钱|当家"
    "|头发长|就该|只会|办事|靠不住|当家|开的)",
    "(?:你|她)一个(?:女人|女的|小姑娘|娘们|老娘们|老太婆)|娘们|娘炮|婆娘|小姑娘懂什么",
    "(?:这|你的|你这|听你)口音|一听就是(?:外地|乡下|农村|外国|河南|东北|南方|北方)",
    "瘸子|瞎子|聋子|哑巴|残废|瘫子|脑瘫|独眼龙|侏儒|残疾人(?:开的|就是|都|也能|还能|怎么能|能)|智障",
    "(?:你们|你|他们|这些|那些)(?!家人|公司)(?:(?![的一二两三四五六七八九十几个每多少别这那哪大])[\u4e00-\u9fff])"
    "{1,3}人%Z6%(?:就是|都是|果然|一向|天生|本来就|全是|都这样|都这么|都爱|就爱|素质|都不)",
    "(?:少数民族|原住民|客家人|回族|维族|藏族|黑人|白人|犹太人|穆斯林|老外|外国人|外地人|外省人)"
    "(?:开的|的人|都|就是|果然|一个个|没一个|靠不住|不靠谱|就爱)",
    "黑鬼|老黑|阿三|棒子|小日本|鬼子|老毛子|洋鬼子|南蛮子|北佬",
)

# A veiled threat: a word of danger in a sentence about the customer's people or property,
# and not a greeting, a sympathy note or a product-safety line.
VEILED = en(
    "(?:feel|be|stay|keep|kept|remain)(?: \\w+){0,2} (?:safe|unsafe|secure)|safety|dangerous"
    "|danger|accidents?|incidents?|fire|fires|flammable|burn(?:s|ed|ing)?|explod\\w*|get hurt"
    "|hurt|harm(?:ed)?|injur\\w*|unlucky|bad luck|tragic|tragedy|watch(?:ing)? (?:you|your)",
) + zh(
    "意外|出事|出点事|安全|危险|着火|失火|火灾|遭殃|倒霉|可不好|不好说|不太平|保不齐|说不准",
)
_VEILED_ABOUT = (
    "your (?:\\w+ )?(?:staff|family|kids|children|wife|husband|home|house|car|cars|warehouse"
    "|factory|shop|store|office|stock|premises|workers|employees|daughter|son|parents|dog|health"
    "|life|plant|building|trucks?|vans?|people)|you live|mr\\.? [a-z]+|ms\\.? [a-z]+|out there"
    "|(?:你|您)(?:们)?(?:的|家)?(?:厂房|厂|仓库|店|车|孩子|老婆|家人|员工|工人|家|房子|公司|人|妈妈|爸爸"
    "|父母|爸妈|老人|母亲|父亲|女儿|儿子|老公|太太|先生|家里)"
)
_VEILED_NOT = (
    "wish|hope|happy|regards|congrat|enjoy|holiday|record|receipt|bank|invoice|insur|please|thank"
    "|sorry to hear|heard about|hear about|condolence|get well|drill|alarm|department|travels"
    "|trip|journey|drive safe|data|sheet|standard|certif|inspect|regulation|dry|storage|delay"
    "|祝|快乐|愉快|生产|平安|春节|回家|路上|假期|节日|查收|账户|发票|听说|得知|遗憾|慰问|希望|保重"
    "|事故|理赔|保险|放心|设备|产品|质量|隐患|检查|操作|请|注意安全"
)

SPECS: tuple[Spec, ...] = (
    Spec("threat", THREAT),
    Spec("threat", VEILED, requires=_VEILED_ABOUT, forbids=_VEILED_NOT),
    Spec("insult", INSULT),
    Spec("discrimination", DISCRIMINATION + DISCRIMINATION_ZH),
)
