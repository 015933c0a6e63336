"""Writes clauses.json (the catalogue: six packages, 75 clauses) and match_clauses.json (the same
clauses in the form ``manage.py policies match --clauses`` reads). Every clause was written for the
demo: plausible, not the text of the real measures. Run: python policies/demo/build.py"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
V = lambda n: {"var": n}  # noqa: E731
AND = lambda *a: {"and": list(a)}  # noqa: E731
OR = lambda *a: {"or": list(a)}  # noqa: E731
GE = lambda a, b: {">=": [V(a) if isinstance(a, str) else a, b]}  # noqa: E731
LE = lambda a, b: {"<=": [V(a) if isinstance(a, str) else a, b]}  # noqa: E731
IND = lambda *p: {"industry_prefix": list(p)}  # noqa: E731
DIV = lambda *d: {"division_under": list(d)}  # noqa: E731
CERT = lambda c: {"certified": c}  # noqa: E731
TAG = lambda t: {"has_tag": t}  # noqa: E731
NEW = lambda n: {"within_years": [V("founded_on"), n]}  # noqa: E731
GROWTH = lambda m, g: {">=": [{"growth": [m, -2, -1]}, g]}  # noqa: E731
SIZE = lambda *s: {"in": [V("size_class"), list(s)]}  # noqa: E731
PCT = lambda p, a: {"*": [p, V(a)]}  # noqa: E731
INCREASE = lambda p, m: {"max": [0, {"*": [p, {"-": [V(f"{m}_y1"), V(f"{m}_y2")]}]}]}  # noqa: E731
TEXTILE = ("C17", "C18", "C19")
BUILDING = ("C303", "C307", "C21", "C30")
TOURISM = ("H61", "H62", "R86", "R87", "R88", "R89", "R90", "N78")
RETAIL = ("F51", "F52", "H62")

PACKAGES = [
    (
        "wgy",
        "关于进一步稳工业促发展的若干措施（稳工业11条）",
        "泉州市人民政府",
        "示例〔2023〕1号",
        "350500-GXJ",  # 市工信局 (departments by code)
        [
            (
                "规上工业企业增产奖励",
                AND(CERT("above_scale"), IND("C"), GROWTH("revenue", 0.15)),
                INCREASE(0.01, "revenue"),
                1000000,
            ),
            ("首次入规奖励", AND(CERT("above_scale"), IND("C"), NEW(2)), 200000, None),
            ("专精特新中小企业认定奖励", AND(CERT("srdi"), IND("C")), 300000, None),
            ("国家级专精特新“小巨人”奖励", CERT("little_giant"), 1000000, None),
            (
                "高新技术企业研发补助",
                AND(CERT("high_tech"), GE("revenue_y1", 5000000)),
                PCT(0.005, "revenue_y1"),
                500000,
            ),
            (
                "工业企业稳岗补助",
                AND(IND("C"), GE("employees", 50), LE("employees", 1000)),
                {"*": [500, V("employees")]},
                300000,
            ),
            ("纳税大户贡献奖励", AND(IND("C"), GE("tax_y1", 10000000)), PCT(0.01, "tax_y1"), 2000000),
            (
                "中小微工业企业技改补助",
                AND(IND("C"), SIZE("micro", "small", "medium"), GE("revenue_y1", 20000000)),
                100000,
                None,
            ),
            ("晋江市制造业增效奖励", AND(DIV("350582"), IND("C"), GROWTH("tax", 0.1)), INCREASE(0.05, "tax"), 500000),
            ("南安市、安溪县工业企业扶持", AND(DIV("350583", "350524"), IND("C"), CERT("above_scale")), 80000, None),
            (
                "亏损企业纾困贷款贴息",
                AND(IND("C"), {"<": [{"growth": ["revenue", -2, -1]}, -0.2]}, GE("employees", 20)),
                50000,
                None,
            ),
        ],
    ),
    (
        "wwm",
        "关于稳外贸稳外资的若干措施（稳外贸8条）",
        "泉州市商务局",
        "示例〔2023〕2号",
        "350500-SWJ",  # 市商务局
        [
            ("出口增量奖励", AND(TAG("外贸"), GROWTH("exports", 0.1)), INCREASE(0.05, "exports"), 500000),
            (
                "出口信用保险保费补助",
                AND(GE("exports_y1", 1000000), SIZE("micro", "small", "medium")),
                PCT(0.002, "exports_y1"),
                100000,
            ),
            ("外贸新主体奖励", AND(NEW(3), GE("exports_y1", 500000)), 50000, None),
            ("出口规模奖励", GE("exports_y1", 100000000), PCT(0.001, "exports_y1"), 1000000),
            ("境外参展补助", AND(GE("exports_y1", 2000000), LE("employees", 300)), 30000, None),
            ("纺织服装出口企业奖励", AND(IND(*TEXTILE), GE("exports_y1", 10000000)), PCT(0.003, "exports_y1"), 300000),
            ("石狮市外贸综合服务奖励", AND(DIV("350581"), TAG("外贸")), 20000, None),
            (
                "出口企业稳岗补助",
                AND(GE("exports_y1", 5000000), GE("employees", 100)),
                {"*": [300, V("employees")]},
                200000,
            ),
        ],
    ),
    (
        "fzxf",
        "支持纺织鞋服产业高质量发展的措施（纺织鞋服6条）",
        "泉州市工业和信息化局",
        "示例〔2023〕3号",
        "350500-GXJ",  # 市工信局 (departments by code)
        [
            (
                "纺织企业增产奖励",
                AND(IND("C17"), CERT("above_scale"), GROWTH("revenue", 0.1)),
                INCREASE(0.01, "revenue"),
                500000,
            ),
            ("鞋服品牌企业奖励", AND(IND("C18", "C195"), GE("revenue_y1", 100000000)), 300000, None),
            ("纺织鞋服专精特新奖励", AND(IND(*TEXTILE), OR(CERT("srdi"), CERT("little_giant"))), 200000, None),
            (
                "晋江、石狮鞋服产业集群扶持",
                AND(IND(*TEXTILE), DIV("350582", "350581"), GE("employees", 100)),
                100000,
                None,
            ),
            ("纺织鞋服新设企业奖励", AND(IND(*TEXTILE), NEW(2), GE("revenue_y1", 20000000)), 100000, None),
            (
                "纺织鞋服数字化改造补助",
                AND(IND(*TEXTILE), {"<": [10000000, V("revenue_y1"), 500000000]}),
                PCT(0.002, "revenue_y1"),
                200000,
            ),
        ],
    ),
    (
        "jcjj",
        "促进建材家居产业发展的若干措施（建材家居7条）",
        "泉州市工业和信息化局",
        "示例〔2023〕4号",
        "350500-GXJ",  # 市工信局 (departments by code)
        [
            (
                "建材家居企业增产奖励",
                AND(IND(*BUILDING), CERT("above_scale"), GROWTH("revenue", 0.1)),
                INCREASE(0.01, "revenue"),
                500000,
            ),
            ("德化陶瓷企业扶持", AND(IND("C307"), DIV("350526")), 50000, None),
            ("南安石材企业转型补助", AND(IND("C303"), DIV("350583"), GE("employees", 30)), 80000, None),
            ("家居出口奖励", AND(IND("C21"), GE("exports_y1", 5000000)), PCT(0.003, "exports_y1"), 200000),
            ("建材高新技术企业奖励", AND(IND(*BUILDING), CERT("high_tech")), 150000, None),
            ("建材家居小微企业纾困", AND(IND(*BUILDING), SIZE("micro", "small")), 20000, None),
            ("建材家居纳税增长奖励", AND(IND(*BUILDING), GROWTH("tax", 0.15)), INCREASE(0.1, "tax"), 300000),
        ],
    ),
    (
        "wl",
        "促进文化和旅游产业恢复发展的若干措施（文旅26条）",
        "泉州市文化广电和旅游局",
        "示例〔2023〕5号",
        "350500-WLJ",  # 市文旅局
        [
            *[
                (f"{name}经营补助", AND(IND(*TOURISM), DIV(code)), 20000, None)
                for code, name in [
                    ("350502", "鲤城区文旅企业"),
                    ("350503", "丰泽区文旅企业"),
                    ("350504", "洛江区文旅企业"),
                    ("350505", "泉港区文旅企业"),
                    ("350521", "惠安县文旅企业"),
                    ("350524", "安溪县文旅企业"),
                    ("350525", "永春县文旅企业"),
                    ("350526", "德化县文旅企业"),
                    ("350581", "石狮市文旅企业"),
                    ("350582", "晋江市文旅企业"),
                    ("350583", "南安市文旅企业"),
                ]
            ],
            ("住宿业稳岗补助", AND(IND("H61"), GE("employees", 10)), {"*": [400, V("employees")]}, 100000),
            ("餐饮业稳岗补助", AND(IND("H62"), GE("employees", 10)), {"*": [300, V("employees")]}, 80000),
            ("文艺演出团体扶持", IND("R88"), 30000, None),
            ("影视制作奖励", AND(IND("R87"), GE("revenue_y1", 5000000)), PCT(0.01, "revenue_y1"), 300000),
            ("出版发行企业扶持", IND("R86"), 20000, None),
            ("体育企业扶持", AND(IND("R89"), SIZE("micro", "small")), 15000, None),
            ("娱乐场所纾困", AND(IND("R90"), {"<": [{"growth": ["revenue", -2, -1]}, 0]}), 10000, None),
            ("旅游景区营收增长奖励", AND(IND("N78"), GROWTH("revenue", 0.2)), INCREASE(0.02, "revenue"), 300000),
            ("文旅规上企业奖励", AND(IND(*TOURISM), CERT("above_scale")), 50000, None),
            ("新开业文旅企业奖励", AND(IND(*TOURISM), NEW(1)), 10000, None),
            ("文旅企业纳税贡献奖励", AND(IND(*TOURISM), GE("tax_y1", 1000000)), PCT(0.02, "tax_y1"), 200000),
            ("文旅小微企业房租补助", AND(IND(*TOURISM), SIZE("micro"), LE("employees", 20)), 5000, None),
            ("文旅数字化企业奖励", AND(IND("I65"), TAG("文旅")), 50000, None),
            (
                "文旅企业营收恢复奖励",
                AND(IND(*TOURISM), GROWTH("revenue", 0.3), GE("revenue_y1", 1000000)),
                30000,
                None,
            ),
            ("文创企业成长奖励", AND(IND("C24"), TAG("文旅"), NEW(5)), 20000, None),
        ],
    ),
    (
        "cxf",
        "促进消费扩容提质的若干措施（促消费17条）",
        "泉州市商务局",
        "示例〔2023〕6号",
        "350500-SWJ",  # 市商务局
        [
            (
                "限上批发企业增长奖励",
                AND(IND("F51"), CERT("above_scale"), GROWTH("revenue", 0.1)),
                INCREASE(0.005, "revenue"),
                300000,
            ),
            (
                "限上零售企业增长奖励",
                AND(IND("F52"), CERT("above_scale"), GROWTH("revenue", 0.1)),
                INCREASE(0.01, "revenue"),
                300000,
            ),
            (
                "限上餐饮企业增长奖励",
                AND(IND("H62"), CERT("above_scale"), GROWTH("revenue", 0.1)),
                INCREASE(0.02, "revenue"),
                200000,
            ),
            ("首次升规纳统商贸企业奖励", AND(IND(*RETAIL), CERT("above_scale"), NEW(2)), 100000, None),
            ("商贸企业稳岗补助", AND(IND(*RETAIL), GE("employees", 20)), {"*": [200, V("employees")]}, 50000),
            ("连锁零售企业奖励", AND(IND("F52"), TAG("商贸"), GE("revenue_y1", 50000000)), 100000, None),
            ("新开业零售门店奖励", AND(IND("F52"), NEW(1)), 10000, None),
            ("餐饮小微企业纾困", AND(IND("H62"), SIZE("micro", "small")), 5000, None),
            ("商贸企业纳税贡献奖励", AND(IND(*RETAIL), GE("tax_y1", 2000000)), PCT(0.01, "tax_y1"), 200000),
            ("丰泽、鲤城商圈企业扶持", AND(IND(*RETAIL), DIV("350503", "350502")), 10000, None),
            ("晋江市商贸企业扶持", AND(IND(*RETAIL), DIV("350582"), GE("revenue_y1", 10000000)), 20000, None),
            ("批发企业规模奖励", AND(IND("F51"), GE("revenue_y1", 500000000)), 200000, None),
            ("零售企业营收恢复奖励", AND(IND("F52"), {"<=": [0, {"growth": ["revenue", -2, -1]}, 0.5]}), 8000, None),
            (
                "消费品工业企业促销补助",
                AND(IND("C14", "C15"), GE("revenue_y1", 20000000)),
                PCT(0.001, "revenue_y1"),
                100000,
            ),
            ("商贸专精特新企业奖励", AND(IND("F"), CERT("srdi")), 50000, None),
            ("电商企业增长奖励", AND(IND("F52", "I65"), TAG("商贸"), GROWTH("revenue", 0.2)), 30000, None),
            (
                "非小微商贸企业扶持",
                AND(IND(*RETAIL), {"!": [SIZE("micro", "small")]}, {">": [V("founded_on"), "2015-01-01"]}),
                20000,
                None,
            ),
        ],
    ),
]


def main():
    policies, flat = [], []
    for code, title, issuer, number, department, clauses in PACKAGES:
        items = []
        for i, (name, condition, benefit, cap) in enumerate(clauses, 1):
            cid = f"{code}-{i:02d}"
            items.append({"id": cid, "number": i, "title": name, "condition": condition, "benefit": benefit,
                          "cap": cap, "mode": "auto" if not isinstance(benefit, dict) else "apply",
                          "budget": 5000000, "department": department})  # fmt: skip
            amount = benefit if cap is None else {"min": [benefit, cap]}
            flat.append({"id": cid, "condition": condition, "amount": amount})
        policies.append({"code": code, "title": title, "issuer": issuer, "document_number": number,
                         "issued_on": "2023-03-01", "full_text": "（示例数据：为演示编写，并非政策原文。）",
                         "clauses": items})  # fmt: skip
    note = "示例数据：六个政策包的条款为演示而编写，并非真实政策原文 (examples written for the demo)."
    (HERE / "clauses.json").write_text(json.dumps({"note": note, "policies": policies}, ensure_ascii=False, indent=1))
    (HERE / "match_clauses.json").write_text(json.dumps(flat, ensure_ascii=False, indent=1))
    print(len(flat), "clauses")


if __name__ == "__main__":
    main()
