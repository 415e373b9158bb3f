"""A small, stable role-play scenario for service and CLI tests (shipped content may change)."""

from __future__ import annotations

from typing import Any

SORRY = "亲，您好，非常抱歉给您添麻烦了，您先别着急，我马上帮您处理。"
REFUND = "亲，这边直接给您全额退款，退款会原路退回，感谢您的理解，祝您生活愉快。"
OFF_TOPIC = "亲，我们店铺新品上架了哦。"


def scenario_item(key: str = "rp-test", **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "key": key,
        "title": "测试：漏液投诉",
        "brand": "qinyu",
        "stage": "售后",
        "persona": "愤怒型",
        "mood": 30,
        "patience": 80,
        "difficulty": 1,
        "goal": "道歉并给出退款方案",
        "reply_time_target_seconds": 20,
        "start": "t1",
        "turns": [
            {
                "id": "t1",
                "wordings": ["洗衣液漏了一箱子！", "收到的洗衣液全漏了！", "刚拆快递，漏得到处都是"],
                "impatient_wordings": ["你倒是说句话啊！"],
                "key_points": [
                    {"id": "apologize", "synonyms": ["抱歉", "对不起"], "weight": 1, "feedback": "先道歉"}
                ],
                "forbidden": [{"id": "blame", "synonyms": ["快递的问题"], "reason": "不能甩锅给快递"}],
                "on_covered": "t2",
                "on_missed": "t1",
                "on_forbidden": "end:投诉",
            },
            {
                "id": "t2",
                "wordings": ["那你说怎么办？"],
                "key_points": [
                    {
                        "id": "refund",
                        "synonyms": ["退款"],
                        "weight": 1,
                        "feedback": "直接给方案",
                        "better": "亲，直接给您全额退款。",
                    }
                ],
                "on_covered": "end:退款完成",
                "on_missed": "end:差评",
            },
        ],
    }
    item.update(overrides)
    return item
