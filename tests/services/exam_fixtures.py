"""A small, self-contained question bank and exam for the exam service tests."""

from __future__ import annotations

from typing import Any

from cstrainer.domain.accounts import Role
from cstrainer.domain.questions import (
    AcceptedAnswer,
    KeyPointSpec,
    MatchPair,
    NumericAnswer,
    Option,
    Question,
    QuestionType,
)
from cstrainer.services import SYSTEM
from cstrainer.storage.models import Brand, Team

PW = "Kefu-2026!"

QUESTIONS = [
    Question(
        key="t-single",
        type=QuestionType.SINGLE,
        category="产品知识",
        difficulty=1,
        stem="沁屿香氛洗衣液 2L 装的标价是多少？",
        options=(Option("59.9 元", True), Option("69.9 元"), Option("49.9 元"), Option("79 元")),
        explanation="2L 装标价 59.9 元。",
    ),
    Question(
        key="t-multi",
        type=QuestionType.MULTIPLE,
        category="平台规则",
        difficulty=2,
        partial_credit=True,
        stem="以下哪些做法违反平台规则？",
        options=(
            Option("好评返现", True),
            Option("引导顾客加微信下单", True),
            Option("主动告知发货时间"),
            Option("按实际情况说明退换政策"),
        ),
        explanation="好评返现和站外交易都被禁止。",
    ),
    Question(
        key="t-tf",
        type=QuestionType.TRUEFALSE,
        category="平台规则",
        difficulty=1,
        stem="顾客拆封穿着过的贴身塑身衣，一律支持七天无理由退货。",
        answer=False,
        explanation="贴身衣物拆封穿着后影响二次销售，可按页面标注不适用七天无理由。",
    ),
    Question(
        key="t-fill",
        type=QuestionType.FILL,
        category="服务技巧-售前",
        difficulty=1,
        stem="首次响应时间一般要求在 ____ 秒以内。",
        blanks=(("20", "二十"),),
        explanation="首响 20 秒以内。",
    ),
    Question(
        key="t-num",
        type=QuestionType.NUMERIC,
        category="产品知识",
        difficulty=2,
        stem="一桶 2L 洗衣液按每次 25ml 计算，大约能洗多少次？",
        numeric=(NumericAnswer(value=80, tolerance=2),),
        explanation="2000 ÷ 25 = 80 次。",
    ),
    Question(
        key="t-short",
        type=QuestionType.SHORT,
        category="服务技巧-售后",
        difficulty=2,
        stem="顾客说收到的瓶子漏液了，处理的第一步是什么？",
        accepted=(AcceptedAnswer("请顾客拍照"), AcceptedAnswer("拍照留证")),
        explanation="先请顾客拍照，留下凭证。",
    ),
    Question(
        key="t-reply",
        type=QuestionType.REPLY,
        category="服务技巧-售后",
        difficulty=3,
        stem="你们这洗衣液漏了一箱子，衣服都染了，怎么搞的！",
        key_points=(
            KeyPointSpec(("抱歉", "不好意思", "对不起"), 1.0, id="apology"),
            KeyPointSpec(("拍照", "照片", "图片"), 1.0, id="photo"),
            KeyPointSpec(("补发", "退款", "重新发"), 2.0, id="remedy"),
        ),
        explanation="先致歉，再请顾客拍照，然后给补发或退款方案。",
    ),
    Question(
        key="t-match",
        type=QuestionType.MATCHING,
        category="服务技巧-售中",
        difficulty=2,
        stem="把顾客的情况和正确的处理方式连起来。",
        pairs=(
            MatchPair("未发货要改地址", "核实身份后直接修改"),
            MatchPair("已发货要改地址", "联系快递拦截或改派"),
            MatchPair("要改尺码", "未发货时修改订单备注并告知仓库"),
        ),
    ),
]


def make_bank(services: Any) -> dict[str, Any]:
    """Brand, team, four people (one per role) and the bank; returns their actors."""
    with services.db.session() as s:
        brand = Brand(key="qinyu", name="沁屿")
        s.add_all([brand, Team(key="qy-pre", name="沁屿售前组", stage="售前", brands=[brand])])
    services.users.add(SYSTEM, "boss", "王主管", PW, Role.MANAGER)
    services.users.add(SYSTEM, "peixun", "赵培训", PW, Role.TRAINER, "qy-pre", ["qinyu"])
    services.users.add(SYSTEM, "xinren", "刘新人", PW, Role.TRAINEE, "qy-pre", ["qinyu"])
    services.users.add(SYSTEM, "other", "孙其他", PW, Role.TRAINEE)
    for q in QUESTIONS:
        services.questions.save(SYSTEM, q)
    return {login: services.auth.login(login, PW) for login in ("boss", "peixun", "xinren", "other")}


def exam_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "key": "exam-test",
        "title": "入职考试（测试）",
        "purpose": "入职考试",
        "time_limit_minutes": 30,
        "pass_mark": 60,
        "attempts_allowed": 2,
        "shuffle_questions": False,
        "shuffle_options": True,
        "show_answers_after": True,
        "questions": [q.key for q in QUESTIONS],
    }
    item.update(overrides)
    return item
