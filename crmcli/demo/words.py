"""The demo's own texts in the run's language: the English demo is a bilingual shop's data
(some notes in English, some in Chinese); a Chinese run writes the English ones in Chinese.
Each text is chosen first and said after, so both demos draw the same random numbers and
hold the same customers, amounts and dates."""

from __future__ import annotations

from crmcli.core.i18n import current

CHINESE = {
    # companies, titles, cities abroad and their countries
    "Acme Corp": "恒通实业",
    "Globex": "环宇进出口",
    "Initech": "启明科技",
    "Umbrella Trading": "万通贸易",
    "Stark Industries": "华强工业",
    "Wayne Foods": "维恩食品",
    "CEO": "总经理",
    "CTO": "技术总监",
    "London": "伦敦",
    "England": "英格兰",
    "Paris": "巴黎",
    "Île-de-France": "法兰西岛",
    "Berlin": "柏林",
    "New York": "纽约",
    "NY": "纽约州",
    "Tokyo": "东京",
    "GB": "英国",
    "FR": "法国",
    "DE": "德国",
    "US": "美国",
    "JP": "日本",
    # tags, segments, rules, a user-defined field
    "wholesale": "批发",
    "newsletter": "订阅简报",
    "key-account": "大客户",
    "price-sensitive": "价格敏感",
    "key-accounts": "重点客户",
    "slipping": "下滑中",
    "shanghai-buyers": "上海买家",
    "big-spender": "高消费",
    "dormant": "沉睡",
    "win-back": "待挽回",
    "vip_since": "会员起始年份",
    # industries, titles, sources, notes
    "technology": "科技",
    "retail": "零售",
    "manufacturing": "制造",
    "logistics": "物流",
    "consulting": "咨询",
    "food": "食品",
    "education": "教育",
    "finance": "金融",
    "healthcare": "医疗",
    "Buyer": "采购员",
    "Sales Manager": "销售经理",
    "Founder": "创始人",
    "referral": "老客户介绍",
    "trade show": "展会",
    "website": "官网",
    "wechat": "微信",
    "cold call": "陌生电话",
    "linkedin": "领英",
    "Met at the Hangzhou trade show": "在杭州展会上认识",
    "Prefers calls after 6pm": "晚上 6 点后方便接电话",
    # interactions, outcomes, tasks, dates
    "Discussed the renewal": "谈了续约",
    "Checked in after delivery": "到货后回访",
    "Sent the catalogue": "发送了产品目录",
    "Answered a question about pricing": "答复了价格问题",
    "Product demo": "产品演示",
    "Lunch with the buyer": "与采购共进午餐",
    "Visited the factory": "参观工厂",
    "Showroom visit": "参观展厅",
    "Sent photos of the new model": "发送了新款照片",
    "Decision maker is the CFO": "拍板的是财务总监",
    "interested": "有意向",
    "sent quote": "已报价",
    "order placed": "已下单",
    "no answer": "无人接听",
    "Send the quote": "发送报价",
    "Call back about the order": "就订单回电",
    "Book a demo": "约产品演示",
    "定期回访 / regular check-in": "定期回访",
    "回访 call again after the last call": "上次通话两周后再回访",
    "月饼礼盒 mooncake gift box": "月饼礼盒",
    "拜年电话 New Year call": "拜年电话",
    "节日问候 festival greeting": "节日问候",
    "续约截止 renewal deadline": "续约截止",
    "contract anniversary": "签约周年",
    # feedback and survey answers
    "Delivery was a week late": "晚了一周才到货",
    "Charged twice for one order": "一个订单扣了两次款",
    "Please offer gift wrapping": "希望提供礼品包装",
    "Add an English label": "加一个英文标签",
    "Lovely teapot, my wife loves it": "茶壶很漂亮，我太太很喜欢",
    "Do you ship to Singapore?": "可以寄到新加坡吗？",
    "Sent a replacement": "已寄出换货",
    "Explained the shipping delay": "已解释发货延误",
    "Great tea, fast delivery": "茶很好，发货快",
    "Too expensive for me": "对我来说太贵了",
    # products, extra items, return notes
    "Jasmine Pearls 100g": "茉莉龙珠 100g",
    "Glass teapot 600ml": "玻璃茶壶 600ml",
    "Gift box: four seasons": "四季礼盒",
    "Tasting workshop": "品茶课",
    "定制刻字 engraving": "定制刻字",
    "快递费 shipping": "快递费",
    "破损 damaged in transit": "运输途中破损",
    "wrong item": "发错货",
}


def said(text: str) -> str:
    """`text` as the demo of this run writes it: in Chinese, its Chinese if it has one."""
    return CHINESE.get(text, text) if current() == "zh" else text


# A customer abroad is drawn with a Latin name (`James Lefèvre`); the Chinese demo's are
# overseas Chinese (`许家豪`): the surname by the Latin surname, the given name by the
# first name, so two customers differ in Chinese as in English. No given name here shares a
# character with build.GIVEN, so no Chinese name drawn there is ever one of these.
OVERSEAS_SURNAMES = "陈林黄李张吴郑王刘梁何罗谢许杨周叶"
OVERSEAS_GIVEN = [
    "安琪", "博文", "诗雯", "大为", "雅琳", "志远", "思源", "文博", "雅婷",
    "家豪", "凯琳", "立言", "美琪", "诺言", "佩珊", "启航", "若溪", "颂恩",
    "天佑", "晓彤", "维安", "嘉禾", "书瑶", "乐天", "慕白", "景行",
]  # fmt: skip


def latin_name(first: int, last: int, name: str) -> str:
    """A Latin name drawn for a customer abroad (its `first` name's and `last` name's
    places in their lists), as this run's demo writes it."""
    if current() != "zh":
        return name
    return OVERSEAS_SURNAMES[last] + OVERSEAS_GIVEN[first]


def maybe(text: str | None) -> str | None:
    """`said` for a text that may be missing."""
    return None if text is None else said(text)
