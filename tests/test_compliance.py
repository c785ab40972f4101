from __future__ import annotations

import argparse
import io
import json
from datetime import time

import pytest

from bot import lint_cli
from playbook import compliance
from playbook.compliance import RULES, Finding, LintContext, lint, rule_label

# --- lines that must never be said ----------------------------------------------------------

BAD: list[tuple[str, str]] = [
    # threat
    ("Pay by Friday or we will break your windows.", "threat"),
    ("You'll regret ignoring our calls.", "threat"),
    ("Just so you know, we know where you live.", "threat"),
    ("If I were you I would watch your back.", "threat"),
    ("Something unpleasant might happen to your warehouse.", "threat"),
    ("Settle the account today, or else.", "threat"),
    ("We know where your kids go to school.", "threat"),
    ("It would be a shame if something happened to your trucks.", "threat"),
    ("再不还钱，就砸了你的店！", "threat"),
    ("不付款的话后果自负。", "threat"),
    ("你最好小心点。", "threat"),
    ("拖着不给，我们让你好看。", "threat"),
    ("咱们走着瞧。", "threat"),
    ("我们知道你家在哪。", "threat"),
    ("再拖下去小心我们找人收拾你。", "threat"),
    ("信不信我打断你的腿", "threat"),
    ("Mr Wang, 你不付钱我们就去你家里找你。", "threat"),
    # insult
    ("You are a liar and everybody knows it.", "insult"),
    ("Stop acting like a deadbeat and pay.", "insult"),
    ("Your accounts team are a bunch of idiots.", "insult"),
    ("Only a cheat would hold back payment for six months.", "insult"),
    ("People like you are scum.", "insult"),
    ("你们就是一群骗子。", "insult"),
    ("你这个老赖，欠钱不还。", "insult"),
    ("真是不要脸！", "insult"),
    ("贵司的财务简直是白痴。", "insult"),
    ("Mr Li, 你这个liar，别再找借口了。", "insult"),
    ("你们这种 deadbeat 公司我见多了。", "insult"),
    # third_party
    ("If we don't hear from you, we will tell your customers you don't pay.", "third_party"),
    ("We'll call your wife and explain the situation.", "third_party"),
    ("Maybe we should contact your family about this.", "third_party"),
    ("We will have to inform your employer about this debt.", "third_party"),
    ("We are going to let all of your suppliers know.", "third_party"),
    ("再不付款，我们就通知你的家人。", "third_party"),
    ("信不信我告诉你老婆？", "third_party"),
    ("我们会去找你的客户要钱。", "third_party"),
    ("我们将联系你的供应商说明情况。", "third_party"),
    ("我们会通知你的老板你拖欠货款。", "third_party"),
    ("Next week 我们就联系你的银行。", "third_party"),
    # false_legal
    ("We have already filed a lawsuit against your company.", "false_legal"),
    ("We have sued you in the district court.", "false_legal"),
    ("The court has ruled in our favour, so pay now.", "false_legal"),
    ("If you don't pay you will be arrested.", "false_legal"),
    ("We will press criminal charges.", "false_legal"),
    ("There is a warrant out for your arrest.", "false_legal"),
    ("Our lawyer has already sent a letter to your office.", "false_legal"),
    ("我们已经起诉贵司了。", "false_legal"),
    ("法院已经判决，你们必须马上付款。", "false_legal"),
    ("本案已立案。", "false_legal"),
    ("再不还钱你要坐牢的。", "false_legal"),
    ("我们会报警把你拘留。", "false_legal"),
    ("你这是要负刑事责任的。", "false_legal"),
    ("律师函已经发出，请注意查收。", "false_legal"),
    # fake_authority
    ("This is the police. You must pay the outstanding amount.", "fake_authority"),
    ("We are calling on behalf of the court.", "fake_authority"),
    ("This is the government debt office regarding invoice 1187.", "fake_authority"),
    ("We are an official collection agency.", "fake_authority"),
    ("The bank regulator has instructed us to collect this debt.", "fake_authority"),
    ("我们是公安的，请配合还款。", "fake_authority"),
    ("我们是法院的。", "fake_authority"),
    ("我们代表法院通知你。", "fake_authority"),
    ("政府部门要求你们立即付款。", "fake_authority"),
    # shaming
    ("We will post your name on social media.", "shaming"),
    ("Your company will go on a public blacklist.", "shaming"),
    ("We'll make sure the whole industry will know you don't pay.", "shaming"),
    ("We are ready to name and shame you.", "shaming"),
    ("我们会在朋友圈曝光你。", "shaming"),
    ("再不还钱就把你挂到网上。", "shaming"),
    ("我们会公开你的名字。", "shaming"),
    ("要让大家都知道你们欠钱不还。", "shaming"),
    ("Tomorrow 就把这件事发到朋友圈。", "shaming"),
    # more ways of saying it
    ("We'll tell your boss.", "third_party"),
    ("We're going to visit your home tonight.", "threat"),
    ("You'd better watch out.", "threat"),
    ("If you know what's good for you, you'll pay.", "threat"),
    ("We will make your life hell.", "threat"),
    ("We'll send the boys round.", "threat"),
    ("You are stupid.", "insult"),
    ("f*ck you", "insult"),
    ("We will email your whole family.", "third_party"),
    ("We're going to inform your neighbours.", "third_party"),
    ("Your wife will hear about this.", "third_party"),
    ("We will report you to the police for fraud.", "false_legal"),
    ("Your bank accounts will be frozen tomorrow.", "false_legal"),
    ("Bailiffs are on their way.", "false_legal"),
    ("I am calling from the court.", "fake_authority"),
    ("We're a court-appointed debt collector.", "fake_authority"),
    ("The police have asked us to collect this.", "fake_authority"),
    ("We will publish your name in the newspaper.", "shaming"),
    ("Everyone in the industry will know.", "shaming"),
    ("我们会上门堵你家门口。", "threat"),
    ("再不还钱小心你的孩子。", "threat"),
    ("你是不是不想活了？", "threat"),
    ("你妈的，快还钱。", "insult"),
    ("我们会打电话给你的父母。", "third_party"),
    ("我们已经通知了你们的银行。", "third_party"),
    ("你们老板会知道这件事的。", "third_party"),
    ("我们已经向法院提交了诉讼。", "false_legal"),
    ("我们马上报警。", "false_legal"),
    ("我们是经侦的。", "fake_authority"),
    ("受公安委托来催收。", "fake_authority"),
    ("我们是官方催收机构。", "fake_authority"),
    ("我让你在这个行业混不下去。", "shaming"),
    ("拉横幅到你们公司门口。", "shaming"),
    ("We've already taken you to court, 你们等着瞧。", "threat"),
    # robust to full-width characters, extra spaces and case
    ("ＷＥ ＫＮＯＷ ＷＨＥＲＥ ＹＯＵ ＬＩＶＥ！", "threat"),
    ("We   will  TELL\nyour   wife.", "third_party"),
    ("你这个 老 赖！", "insult"),
    ("我们已经\u200b起诉了。", "false_legal"),
    ("you’ll regret it", "threat"),
    # the rules added with the category table (tests/test_compliance_table.py has many more)
    ("Accidents happen to people who don't pay.", "threat"),
    ("你们河南人就是骗子。", "discrimination"),
    ("Women can't run a business.", "discrimination"),
    ("We'll call you every fifteen minutes until you pay.", "harassment"),
    ("除夕夜我们上门去要钱。", "harassment"),
    ("Pay by 5pm or we sue.", "sue_threat"),
    ("今天不还钱就起诉你。", "sue_threat"),
]

# --- firm but acceptable --------------------------------------------------------------------

GOOD: list[str] = [
    "Under clause 7 of our contract, late interest of 0.1 % per day applies from the due date.",
    "如仍未付款，我们可能需要将此事交由法务部门处理。",
    "We will pause new shipments until the account is settled.",
    "在结清前，新订单将暂缓发货。",
    "If we cannot agree, we may refer this to our legal department.",
    "Per the contract, late interest applies to overdue amounts.",
    "可能需要交由法务部门处理。",
    "I'll call your finance manager Mr Li tomorrow at 15:30.",
    "Could we speak to the decision maker about the approval this week?",
    "Please find attached the statement of account as of 30 June.",
    "请查收截至6月30日的对账单。",
    "Invoice INV-2024-0012 for USD 12,400.00 is now 35 days past due.",
    "Let's square the last invoice in two minutes so the next shipment goes out on time.",
    "We value our eight years of partnership and want to keep deliveries on schedule.",
    "If the quality issue concerns only batch 3, we can separate the undisputed amount.",
    "Please tell us the specific defect so our engineer can visit the site this week.",
    "Your credit limit has been reached; new orders need prepayment until it is cleared.",
    "我们理解贵司目前资金紧张，能否先支付一部分？",
    "请问贵司财务负责人什么时候方便？我明天下午三点半给李经理打电话。",
    "根据合同第七条，逾期付款按每日0.1%计收违约金。",
    "我们保留通过法律途径解决的权利。",
    "诉讼时效为三年，请贵司尽快安排付款。",
    "如本周五前仍未收到款项，我们将暂停供货。",
    "您好，发票已发到群里，请查收。",
    "我们很重视与贵司多年的合作关系。",
    "感谢贵司及时付款，期待继续合作！",
    "A lawyer's letter would only be a final notice, after friendly negotiation.",
    "We have not filed any lawsuit and would much prefer to settle this between us.",
    "We will never post anything about this online.",
    "我们不会通知您的家人，也不会对外公开。",
    "If your boss must sign, could we set up a short call with him this week?",
    "Please ask your bank to confirm the transfer reference.",
    "We wish you and your family a happy new year.",
    "祝您和家人新年快乐！",
    "Could you share the remittance advice once your customers have paid you?",
    "We keep the signed delivery notes and the acceptance report on file.",
    "Please let your accounts payable team know our new bank details.",
    "The goods were delivered and signed for on 3 May; the payment is now overdue.",
    "我们会在月底前再与您确认付款进度。",
    "不好意思打断一下，请问付款计划确定了吗？",
    "请小心核对发票金额。",
    "如对质量有异议，请告知具体问题，我们安排工程师上门查看。",
    "Here is a cheat sheet with our bank details for your AP team.",
    "The warranty on the machine is unaffected by the payment delay.",
    "We'll visit your office next Tuesday to review the statement together.",
    "Please pay the full amount first; we can discuss the new order afterwards.",
    "我们可能会采取进一步的法律措施。",
    "我们已经发出对账单，请核对。",
    "我司已将此事提交法务部门评估。",
    "设备报警的问题我们已经安排工程师处理。",
    "The pig iron shipment will be released once invoice 2231 is paid.",
    "贵司已经收到货物并签收，请安排付款。",
    "Your finance manager confirmed the amount on the phone yesterday.",
    "Mr Chen, 对账单已经发给 finance team，请确认余额。",
    "按合同约定，逾期超过90天的货款需先结清再接新单。",
    "请在本月25日前支付全部欠款人民币128,000元。",
    "As agreed, an instalment plan is possible only after the first payment of 50 %.",
    "Payment terms are 60 days from the invoice date.",
    "We are happy to hold a call with your CFO and our finance lead together.",
    "如贵司确有困难，可以先和我们的财务经理沟通分期方案。",
    # near misses: the same words in a harmless sense
    "我们已冻结贵司的信用额度，结清后恢复。",
    "We will freeze your account until the balance is cleared.",
    "Our legal team has sent you the signed contract copy.",
    "We have taken this into account.",
    "We recommend you contact your bank to trace the payment.",
    "Please tell your friends in the industry about our new range.",
    "欢迎告诉您的朋友我们的新品。",
    "我们会把对账单发给您的同事王经理。",
    "请转告您的老板，我们周三来拜访。",
    "建议您先联系您的客户催一下回款。",
    "打您电话没人接，请回电。",
    "我们上门修理您的设备。",
    "我们会找人处理发票问题。",
    "您等着看我们的新品吧。",
    "您不会后悔选择我们。",
    "不知道您在哪个部门？",
    "到你们家仓库提货。",
    "Once approved, you will pay for it within 30 days.",
    "We can break your order into two shipments.",
    "We'll send someone to your site to inspect the defect.",
    "This is the government tender we discussed.",
    "We are a state-owned enterprise.",
    "我们是政府采购供应商。",
    "税务局要求我们重新开具发票。",
    "This is our official collection notice for invoice 55.",
    "新品会在网上发布。",
    "We are a publicly listed company.",
    "他妈妈生病了，我们理解。",
    "请不要混账目，分开付款。",
    "废物回收费另计。",
    "系统会报警提示逾期。",
    "如协商不成，任何一方可向合同签订地法院起诉。",
    "We've filed your dispute and will reply within 5 days.",
    "I'll call your boss's assistant to book a meeting.",
    "Please let everyone in your team know our new bank account.",
    "市场不好，大家都快混不下去了，我们理解。",
    # mixed
    "Hi 李经理, the statement of account (对账单) is attached.",
    "请于 Friday 前支付 invoice 2231 的全部款项。",
    "If we cannot agree, our legal department (法务部) may review the file.",
    "We will pause shipments 暂停发货 until the overdue amount is paid.",
]


def _check(text: str, f: Finding) -> None:
    assert f.rule in RULES
    assert f.text == text[f.start : f.end]
    assert f.text.strip() == f.text and f.text
    assert f.text in text


@pytest.mark.parametrize(("text", "rule"), BAD)
def test_bad_line_fires(text: str, rule: str) -> None:
    findings = lint(text)
    assert rule in [f.rule for f in findings], findings
    for f in findings:
        _check(text, f)


@pytest.mark.parametrize("text", GOOD)
def test_firm_line_passes(text: str) -> None:
    assert lint(text) == []
    assert lint(text, locale="zh-CN") == []


def test_tables_are_big_enough() -> None:
    assert len(BAD) >= 40
    assert len(GOOD) >= 40
    chinese = [t for t, _ in BAD if any("\u4e00" <= c <= "\u9fff" for c in t)]
    assert len(chinese) >= 20 and len(BAD) - len(chinese) >= 20
    assert {rule for _, rule in BAD} == set(RULES) - {"contact_hours", "contact_frequency"}


def test_finding_text_and_offsets() -> None:
    text = "Dear Mr Li, we know where you live."
    [f] = lint(text)
    assert f == Finding(
        "threat",
        "we know where you live",
        12,
        34,
        "Threat of harm: 'we know where you live'. "
        "Never threaten, openly or by hint; state facts and the next contractual step.",
    )


def test_offsets_survive_dropped_spaces_and_full_width() -> None:
    text = "Ｈｉ！你 这个  老  赖，ＬＩＡＲ。"
    findings = lint(text)
    assert [(f.rule, f.text) for f in findings] == [("insult", "老  赖"), ("insult", "ＬＩＡＲ")]
    for f in findings:
        _check(text, f)


def test_findings_sorted_by_start() -> None:
    text = "骗子！We will tell your wife, and you'll regret it. 我们会曝光你。"
    findings = lint(text)
    assert [f.rule for f in findings] == ["insult", "third_party", "threat", "shaming"]
    assert [f.start for f in findings] == sorted(f.start for f in findings)


def test_rules_apply_whatever_the_locale() -> None:
    assert [f.rule for f in lint("你这个老赖", locale="en")] == ["insult"]
    assert [f.rule for f in lint("you liar", locale="zh-CN")] == ["insult"]


def test_word_boundaries() -> None:
    assert lint("We sent the cheat sheet and the scumble colour samples.") == []
    assert lint("Cheating is what you do.")[0].text == "Cheating"
    assert lint("The warranty and the warrant of fitness are attached.") != []  # "the warrant"
    assert lint("The warranty covers twelve months.") == []


def test_negation_before_a_claim() -> None:
    assert lint("We will not tell your family, of course.") == []
    assert lint("我们不会曝光贵司。") == []
    # a negation earlier in the sentence does not excuse the threat
    assert [f.rule for f in lint("If you don't pay we will tell your wife.")] == ["third_party"]
    assert [f.rule for f in lint("不付款就通知你的家人。")] == ["third_party"]


def test_the_start_character_shortcut_is_in_place_and_changes_nothing() -> None:
    corpus = [t for t, _ in BAD] + GOOD
    shortcuts = 0
    for group in compliance._GROUPS:
        for pattern, alternatives, words in (
            (group.en, group.source.en, True),
            (group.zh, group.source.zh, False),
        ):
            assert pattern is not None
            if pattern.pattern.startswith("(?=["):  # the look-ahead was worked out
                shortcuts += 1
            plain = compliance._compile(alternatives, words=words, shortcut=False)
            assert plain is not None
            for text in corpus:
                norm, _ = compliance._normalise(text)
                spans = [m.span() for m in pattern.finditer(norm)]
                assert spans == [m.span() for m in plain.finditer(norm)], (group.rule, text)
    assert shortcuts >= len(compliance._GROUPS)  # most of the 2 x groups patterns have one


def test_empty_text_is_clean() -> None:
    assert lint("") == []
    assert lint("   \n") == []


# --- context ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We have filed a lawsuit.",
        "We've already sued.",
        "我们已经起诉了。",
        "已向法院提起诉讼。",
        "The court has ruled.",
    ],
)
def test_litigation_claims_depend_on_the_decision(text: str) -> None:
    assert [f.rule for f in lint(text)] == ["false_legal"]
    assert lint(text, context=LintContext(litigation_decided=True)) == []
    # the letter decision does not cover a lawsuit
    assert lint(text, context=LintContext(lawyers_letter_decided=True)) != []


@pytest.mark.parametrize(
    "text", ["Our lawyer has sent a letter.", "律师函已发出。", "我们已经向贵司发出律师函。"]
)
def test_lawyers_letter_claims_depend_on_the_decision(text: str) -> None:
    assert [f.rule for f in lint(text)] == ["false_legal"]
    assert lint(text, context=LintContext(lawyers_letter_decided=True)) == []
    assert lint(text, context=LintContext(litigation_decided=True)) != []


@pytest.mark.parametrize(
    "text", ["You will be arrested.", "你要坐牢的。", "We will call the police.", "追究刑事责任"]
)
def test_criminal_threats_fire_whatever_was_decided(text: str) -> None:
    ctx = LintContext(litigation_decided=True, lawyers_letter_decided=True)
    assert [f.rule for f in lint(text, context=ctx)] == ["false_legal"]


def test_contact_hours() -> None:
    late = lint("Please pay today.", context=LintContext(local_time=time(22, 30)))
    assert [(f.rule, f.text, f.start, f.end) for f in late] == [("contact_hours", "", 0, 0)]
    assert "22:30" in late[0].message and "08:00–20:00" in late[0].message
    assert lint("Please pay today.", context=LintContext(local_time=time(15, 30))) == []
    assert lint("x", context=LintContext(local_time=time(7, 59))) != []
    assert lint("x", context=LintContext(local_time=time(8, 0))) == []
    assert lint("x", context=LintContext(local_time=time(20, 0))) == []
    # a window over midnight
    night = LintContext(local_time=time(23, 0), contact_hours=(time(22, 0), time(2, 0)))
    assert lint("x", context=night) == []
    day = LintContext(local_time=time(12, 0), contact_hours=(time(22, 0), time(2, 0)))
    assert [f.rule for f in lint("x", context=day)] == ["contact_hours"]


def test_contact_frequency() -> None:
    assert lint("x", context=LintContext(contacts_today=1)) == []
    [f] = lint("x", context=LintContext(contacts_today=2))
    assert (f.rule, f.text, f.start, f.end) == ("contact_frequency", "", 0, 0)
    assert lint("x", context=LintContext(contacts_today=3, max_contacts_per_day=3)) != []
    assert lint("x", context=LintContext(contacts_today=3, max_contacts_per_day=4)) == []


def test_whole_message_rules_come_first_and_with_empty_text() -> None:
    ctx = LintContext(local_time=time(23, 0), contacts_today=5)
    assert [f.rule for f in lint("", context=ctx)] == ["contact_hours", "contact_frequency"]
    rules = [f.rule for f in lint("你这个骗子", context=ctx)]
    assert rules == ["contact_hours", "contact_frequency", "insult"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"contacts_today": -1},
        {"max_contacts_per_day": 0},
        {"contact_hours": (time(9, 0), time(9, 0))},
        {"contact_hours": (time(9, 0),)},
        {"local_time": "22:30"},
    ],
)
def test_context_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="LintContext"):
        LintContext(**kwargs)  # type: ignore[arg-type]


def test_context_accepts_a_list_of_hours() -> None:
    ctx = LintContext(contact_hours=[time(9, 0), time(18, 0)])  # type: ignore[arg-type]
    assert ctx.contact_hours == (time(9, 0), time(18, 0))


# --- messages and labels ----------------------------------------------------------------------

SAMPLES = {
    "threat": "we know where you live",
    "discrimination": "你们河南人就是骗子",
    "harassment": "we will call you at midnight",
    "sue_threat": "pay today or we sue",
    "insult": "骗子",
    "third_party": "we will call your wife",
    "false_legal": "you will be arrested",
    "fake_authority": "this is the police",
    "shaming": "我们会在朋友圈曝光你",
}


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_messages_name_the_rule(rule: str, locale: str) -> None:
    ctx = LintContext(local_time=time(23, 45), contacts_today=9)
    findings = [
        f for f in lint(SAMPLES.get(rule, ""), locale=locale, context=ctx) if f.rule == rule
    ]
    assert findings
    label = rule_label(rule, locale)
    assert label in findings[0].message
    if findings[0].text:
        assert findings[0].text in findings[0].message
    if locale == "zh-CN":
        assert any("\u4e00" <= c <= "\u9fff" for c in findings[0].message)
    else:
        rest = findings[0].message.replace(findings[0].text, "").replace("–", "-")
        assert rest.isascii()


def test_rule_label() -> None:
    assert rule_label("threat", "en") == "Threat of harm"
    assert rule_label("threat", "zh-CN") == "威胁恐吓"
    assert rule_label("shaming", "zh") == rule_label("shaming", "zh_TW") == "公开羞辱"
    assert rule_label("insult", "fr") == "Insult"
    labels_en = {rule_label(r, "en") for r in RULES}
    labels_zh = {rule_label(r, "zh-CN") for r in RULES}
    assert len(labels_en) == len(labels_zh) == len(RULES)
    with pytest.raises(ValueError, match="unknown rule"):
        rule_label("rudeness", "en")


def test_message_is_one_line() -> None:
    [f] = lint("we know where\nyou live")
    assert "\n" in f.text and "\n" not in f.message


# --- arcircle lint ----------------------------------------------------------------------------


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="arcircle")
    sub = parser.add_subparsers(dest="command")
    lint_cli.add_parser(sub)
    return parser.parse_args(["lint", *argv])


def _run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = lint_cli.run(_args(*argv), io.StringIO(stdin), out)
    return code, out.getvalue()


def test_cli_clean_text() -> None:
    assert _run("Please pay invoice 42 by Friday.") == (0, "clean\n")


def test_cli_text_argument() -> None:
    code, out = _run("Dear Mr Li, we know where you live.")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("threat 12-34 'we know where you live': Threat of harm: ")
    assert lines[-1] == "1 finding"


def test_cli_words_are_joined() -> None:
    code, out = _run("you", "are", "a", "liar")
    assert code == 1
    assert out.splitlines()[0].startswith("insult 10-14 'liar': Insult: ")


def test_cli_stdin() -> None:
    text = "你这个老赖！\n我们会通知你的家人。\n"
    for argv in ((), ("-",)):
        code, out = _run(*argv, stdin=text)
        assert code == 1
        lines = out.splitlines()
        assert lines[0].startswith("insult 3-5 '老赖': 侮辱谩骂：")  # Chinese text → zh-CN
        assert lines[1].startswith("third_party 10-16 '通知你的家人': 威胁告知第三方：")
        assert lines[-1] == "2 findings"


def test_cli_locale_option() -> None:
    code, out = _run("--locale", "en", "你这个老赖")
    assert code == 1 and "Insult: '老赖'" in out
    code, out = _run("--locale", "zh-CN", "you liar")
    assert code == 1 and "侮辱谩骂：“liar”" in out


def test_cli_json() -> None:
    text = "我们已经起诉了。 And we know where you live."
    code, out = _run("--format", "json", "-", stdin=text)
    assert code == 1
    assert out.endswith("\n") and out.count("\n") == 1
    assert "已经起诉" in out  # ensure_ascii=False
    data = json.loads(out)
    assert list(data) == ["findings"]
    assert [list(f) for f in data["findings"]] == [["rule", "text", "start", "end", "message"]] * 2
    assert [f["rule"] for f in data["findings"]] == ["false_legal", "threat"]
    for f in data["findings"]:
        assert text[f["start"] : f["end"]] == f["text"]


def test_cli_json_clean() -> None:
    code, out = _run("--format", "json", "Payment is due on 30 June.")
    assert (code, json.loads(out)) == (0, {"findings": []})


def test_cli_context_flags() -> None:
    assert _run("We have filed a lawsuit.")[0] == 1
    assert _run("--litigation-decided", "We have filed a lawsuit.")[0] == 0
    assert _run("Our lawyer has sent a letter.")[0] == 1
    assert _run("--lawyers-letter-decided", "Our lawyer has sent a letter.")[0] == 0


@pytest.mark.parametrize("stdin", ["", "  \n\t"])
def test_cli_empty_input(stdin: str) -> None:
    code, out = _run(stdin=stdin)
    assert code == 2
    assert "nothing to check" in out
    assert _run("   ")[0] == 2


def test_cli_does_not_wait_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

        def read(self, size: int | None = -1) -> str:
            raise AssertionError("read from a terminal")

    out = io.StringIO()
    assert lint_cli.run(_args(), Tty(), out) == 2
    assert "nothing to check" in out.getvalue()


def test_cli_bad_locale_from_the_parser() -> None:
    with pytest.raises(SystemExit) as exc:
        _args("--locale", "fr", "hello")
    assert exc.value.code == 2


def test_cli_bad_namespace() -> None:
    out = io.StringIO()
    args = argparse.Namespace(text=["hi"], locale="fr", format="text")
    assert lint_cli.run(args, io.StringIO(), out) == 2
    args = argparse.Namespace(text=["hi"], locale=None, format="yaml")
    assert lint_cli.run(args, io.StringIO(), out) == 2


def test_cli_guesses_the_locale() -> None:
    assert lint_cli.guess_locale("Please pay invoice 42") == "en"
    assert lint_cli.guess_locale("请支付发票INV-2024-000123") == "zh-CN"
    assert lint_cli.guess_locale("请联系 finance manager") == "en"
    assert lint_cli.guess_locale("12345") == "en"
