"""The compliance lint on tables written by people who had not seen its rules: the lead's
tables and the helper tables (tests/data/lint_lead*.yaml, lint_fresh*.yaml).
The same bounds as the hidden tables it will be judged by: per rule, at least 95% recall and
at most 5% false alarms, and no clean line flagged."""

from __future__ import annotations

import timeit
from pathlib import Path

import pytest
import yaml

from playbook.compliance import WORD_RULES, lint
from playbook.compliance_table import TableScore, parse_table, report_lines, score_table

DATA = Path(__file__).parent / "data"
FRESH = (
    "lint_lead.yaml",
    "lint_fresh.yaml",
    "lint_fresh2.yaml",
    "lint_fresh3.yaml",
    "lint_fresh4.yaml",
    "lint_fresh5.yaml",
    "lint_lead2.yaml",
    "lint_lead3.yaml",
)


def _score(name: str) -> TableScore:
    data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return score_table(parse_table(data))


SCORES = {name: _score(name) for name in FRESH}


@pytest.mark.parametrize("name", FRESH)
@pytest.mark.parametrize("rule", WORD_RULES)
def test_fresh_table_recall_and_false_alarms_per_rule(name: str, rule: str) -> None:
    score = SCORES[name]
    report = "\n".join(report_lines(score))
    assert score.rule(rule).recall >= 0.95, report
    assert score.rule(rule).false_alarm_rate <= 0.05, report


@pytest.mark.parametrize("name", FRESH)
def test_fresh_table_clean_lines_fire_nothing(name: str) -> None:
    score = SCORES[name]
    assert score.clean_flagged == 0, report_lines(score)


@pytest.mark.parametrize("name", ["lint_fresh.yaml", "lint_fresh2.yaml"])
def test_helper_tables_are_big_enough(name: str) -> None:
    table = parse_table(yaml.safe_load((DATA / name).read_text(encoding="utf-8")))
    assert set(table.bad) == set(WORD_RULES)
    assert all(len(lines) >= 12 for lines in table.bad.values())
    assert len(table.clean) >= 60


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # families, not the table's exact lines
        ("We know which gym your husband goes to on Fridays.", "threat"),
        ("你们老板娘最好别一个人走夜路。", "threat"),
        ("We have e-mailed your main customers about the unpaid invoices.", "third_party"),
        ("Our people are waiting to meet you in person.", "threat"),
        ("Your investors might like a copy of this statement.", "third_party"),
        ("The county court asked me to remind you to pay today.", "fake_authority"),
        ("We'll ring you every quarter of an hour.", "harassment"),
        ("Pay by noon or a summons by Friday.", "sue_threat"),
        ("你們這些外籍老闆就是不守信用。", "discrimination"),
        ("我們會在你家樓下一直守著。", "harassment"),
    ],
)
def test_variants_of_the_fixed_misses_fire(text: str, rule: str) -> None:
    assert rule in {f.rule for f in lint(text)}, lint(text)


@pytest.mark.parametrize(
    "text",
    [
        "The tax bureau asked us to reissue the invoice.",
        "Tell your team to stay safe during the typhoon.",
        "We'd rather settle this without going to court.",
        "Please ask your finance director to call me.",
        "The police report you mentioned can go to your insurer.",
        "我们希望不用通过法院解决。",
        "We called your office twice yesterday and left a message with reception.",
        "Your supplier will receive payment once we receive yours.",
        "We emailed your colleague Ms Li the statement, as you asked.",
        "Can we visit your factory next Tuesday to reconcile the ledger?",
        "We'll call you back in an hour.",
        "We have tried to reach you five times this month without success.",
        "Our team works every weekend during peak season.",
        "The payment deadline is midnight on 31 March under the contract.",
        "Please reply by 9pm so we can update the ledger tonight.",
        "The meeting is at 10pm Beijing time, which is 9am in New York.",
        "Your lawyer may contact our legal department directly.",
        "We filed the claim form for the insurance payout yesterday.",
        "The court of arbitration will hear disputes under clause 20.",
        "Our legal team may start proceedings if no plan is agreed by 1 July.",
        "We are not going to post anything about this; it stays between us.",
        "The trade fair was great, our booth had lots of visitors.",
        "Your name is misspelled on the invoice; we'll reissue it.",
        "Our public price list is on the website.",
        "Your customers will love the new model.",
        "Your bank may charge a fee for the international transfer.",
        "Please ask your bank to confirm the SWIFT reference.",
        "We will follow the contract and charge 0.05% late interest per day.",
        "Our credit insurer may need a copy of the statement.",
        "The police report number for the stolen pallets is 2024-117.",
        "Happy birthday to your daughter!",
        "We know your team is busy at quarter end.",
        "Please check the brakes on the forklift we delivered; there was a recall.",
        "I hope your family is safe after the storm.",
        "我们昨天给贵司办公室打了两次电话。",
        "贵司供应商的货款我们会按时支付。",
        "我们下周二去贵司工厂对账,方便吗?",
        "司机会在贵司门口等到签收完成。",
        "我们一小时后再给您回电话。",
        "本月我们已经联系您五次,都没有回复。",
        "按合同,付款截止时间是3月31日晚上12点。",
        "请在今晚九点前回复,我们好更新台账。",
        "如7月1日前仍未达成还款计划,我司法务可能依法起诉。",
        "我们不会把这件事发到网上,只在双方之间处理。",
        "展会很成功,我们展位来了很多客户。",
        "发票上贵司名称有误,我们重新开具。",
        "贵司客户一定会喜欢新款。",
        "请让贵司银行确认一下汇款流水号。",
        "按合同约定,逾期利息每日万分之五。",
        "我们的信用保险公司可能需要对账单副本。",
        "祝您女儿生日快乐!",
        "台风过后,希望您家人都平安。",
        "请注意叉车刹车召回的通知。",
        "老板最近身体好吗?",
        "我们老板下周去贵司拜访。",
        "您女儿今年高考吧?祝金榜题名。",
        "兄弟,这笔款什么时候能安排?",
        "我們昨天打了兩次電話到貴公司。",
        "我們下週二去貴公司工廠對帳,方便嗎?",
        "請在今晚九點前回覆,我們好更新帳目。",
        "我們不會把這件事公開,只在雙方之間處理。",
        "祝您女兒生日快樂!",
        "颱風過後,希望您家人都平安。",
        "Our call centre is open all weekend if you need us.",
        "Our office closes at 10pm on Fridays.",
        "The truck arrives at 4am at your dock.",
        "Saturday at 2 we'll have the stand ready.",
        "If we don't hear back, the next letter will come from our solicitors.",
        "We'd be interested to hear how you plan to pay.",
        "I loved the article about your company in the trade press.",
        "Thanks for the video about your company's new product line.",
        "We'll tag your company in our thank-you post.",
        "In the chat you can see your invoice and the payment link.",
        "What do you think about this invoice?",
        "Your network will be down for maintenance tonight, so we will email instead.",
        "We'd love to come to your wedding!",
        "We sent 12 emails this week and got no reply.",
        "Our engineer will be at your factory every day this week to install the line.",
        "Safe travels wherever you go this summer!",
        "Please block out another hour on Friday for the review.",
        "Block the date and another slot the week after.",
        "The court date works for us.",
        "I'm preparing the VAT return for the tax office.",
        "Customs update: your container has cleared.",
        "The tax office has registered your VAT number change.",
        "We are a licensed collection agency acting for the supplier.",
        "Our team will follow up with you on Monday.",
        "We have your bank details on file for the refund.",
        "I have your customer number here.",
        "The refund has been sent to your bank account.",
        "Once your bank sees the funds, the transfer will clear.",
        "When your customers see our new catalogue they will love it.",
        "We checked the public register of companies for your new address.",
        "We'd like to take this forward without going to court.",
        "We are free to sell the goods to another buyer if the order is cancelled.",
        "We are entitled to keep the deposit under clause 9.",
        "The police will close the road near your warehouse on Sunday.",
        "Have you stopped the payment?",
        "The shipment was held at the border for inspection.",
        "Please send the signed form or the claim form by Friday.",
        "Our lawyers are ready to file if no agreement is reached, as the contract allows.",
        "He spent three days in court last week, so replies are slow.",
        "We trust our Indian partners completely.",
        "Can your people from accounts join the call?",
        "Sorry to see you got sick; hope you are better soon.",
        "We know how your staff work hard at year end.",
        "Your business won't survive without healthy cash flow, so let's agree a plan.",
        "Funny how things work out: the same order came in from another client.",
        "A child could do it: just click the pay link.",
        "Tell your team to stay safe during the typhoon.",
        "我换了新号码,以后打这个号就行。",
        "我到贵司门口了,在楼下等您。",
        "我们在贵司楼下等您一起吃饭。",
        "海关工作人员通知我们货已放行。",
        "海关会协助我们清关。",
        "我们会配合海关检查。",
        "我作为代理,负责海关申报。",
        "我为您查了一下海关的状态。",
        "这是海关委托的报关行。",
        "我们可以直接扣您的返利。",
        "法院会判我们胜诉的。",
        "我会跟您同事沟通一下对账。",
        "我们会给您公司寄送律师函。",
        "您的截图太暗了,看不清。",
        "哥们,在吗?",
        "兄弟们辛苦了,在忙吗?",
        "付款信息会出现在官网订单页。",
        "我们的新品推送在公众号上了。",
        "机票买不了了,航班取消,我们改期拜访。",
        "我们也会参加行业展会,欢迎来展位坐坐。",
    ],
)
def test_lawful_lines_near_the_new_families_pass(text: str) -> None:
    assert lint(text) == []


def test_a_300_character_message_takes_under_a_millisecond() -> None:
    text = (
        "Per clause 7 the overdue balance of 12,300 USD on invoices 4471 and 4472 remains "
        "unpaid. 我们已将贵司列入内部观察名单,请于本周五前确认付款计划。Our legal department "
        "will review the account and we will call your finance manager tomorrow at 10am. "
    ) * 2
    text = text[:300]
    lint(text)
    best = min(timeit.repeat(lambda: lint(text), number=50, repeat=5)) / 50
    # 1 ms is the budget on an idle machine; the bound leaves room for a loaded CI runner.
    assert best < 0.004, f"{best * 1000:.2f} ms"
