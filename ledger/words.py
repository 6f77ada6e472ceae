"""The shop's words (SPEC section 16): the Chinese staff use for the values of sections 2 and 9, read by
`add` (and its LEDGER_ROLE). JSON records stay exact: only what a person types is read through here."""
from __future__ import annotations

CASE_REASONS = {"尺码": "size", "颜色": "colour", "款式": "style", "七天无理由": "no_reason", "无理由": "no_reason",
                "色差": "colour_difference", "质量问题": "quality", "发错货": "wrong_item", "货不对板": "wrong_item"}
ROLES = {"主管": "supervisor", "客服": "customer_service", "发货": "shipping_clerk", "系统": "system"}
YES_NO = {"是": True, "否": False}

# (record type or None for any, key) -> Chinese word -> value
WORDS: dict[tuple[str | None, str], dict[str, str]] = {
    ("ReturnRequested", "reason"): CASE_REASONS,
    ("ReturnRequested", "kind"): {"退货": "return", "换货": "exchange", "仅退款": "refund_only"},
    ("ReturnInspected", "finding"): {"质量问题属实": "quality_confirmed", "发错货属实": "wrong_item_confirmed",
                                     "商品无问题": "no_fault", "人为损坏": "buyer_damage"},
    ("ReturnParcelReceived", "method"): {"快递": "express", "到付": "freight_collect", "平邮": "surface_mail"},
    ("ReviewPosted", "rating"): {"好评": "positive", "中评": "neutral", "差评": "negative"},
    ("BuyerContacted", "channel"): {"电话": "phone", "旺旺": "chat", "聊天": "chat"},
    ("ResolutionOffered", "offer"): {"换货": "exchange", "退货": "return", "解释": "explanation"},
    ("DisputeSettled", "outcome"): {"修改评价": "review_revised", "买家满意": "buyer_satisfied"},
    ("ComplaintLodged", "category"): {"服务": "service", "质量": "quality", "物流": "logistics", "其他": "other"},
    ("ComplaintClosed", "feedback"): {"满意": "satisfied", "不满意": "unsatisfied", "未回复": "no_answer"},
    ("OrderPlaced", "payment"): {"在线支付": "online", "支付宝": "online", "银行转账": "bank_transfer"},
    ("SupervisorRuled", "payer"): {"店铺": "shop", "买家": "buyer"},
    ("ParcelReturnedToSender", "reason"): {"拒收": "refused_at_door", "拦截": "intercepted",
                                           "无法投递": "undeliverable"},
    (None, "role"): ROLES,
}


def value_of(type_: str, key: str, text: str) -> str:
    """The value a word stands for on this record type's key; other text as it is."""
    table = WORDS.get((type_, key)) or WORDS.get((None, key)) or {}
    return table.get(text.strip(), text)


def role_of(text: str) -> str:
    return ROLES.get(text.strip(), text)
