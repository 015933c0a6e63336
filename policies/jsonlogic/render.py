"""Every condition and formula as a Chinese sentence an official can check, in both scripts.

render({"and": [{"industry_prefix": ["C17"]}, {">=": [{"var": "revenue_y1"}, 20000000]}]})
→ "行业属于C17纺织业，且上年度营业收入不低于2000万元"
render(..., traditional=True) → "行業屬於C17紡織業，且上年度營業收入不低於2000萬元"
"""

from typing import Any

from core.script import to_traditional
from policies.jsonlogic import attributes as A
from policies.jsonlogic.validate import op_of, parse_date

INDUSTRIES = {
    "A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业", "D": "电力、热力、燃气及水生产和供应业", "E": "建筑业",
    "F": "批发和零售业", "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业", "I": "信息传输、软件和信息技术服务业",
    "J": "金融业", "K": "房地产业", "L": "租赁和商务服务业", "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业", "O": "居民服务、修理和其他服务业", "P": "教育", "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业", "S": "公共管理、社会保障和社会组织", "T": "国际组织",
    "C13": "农副食品加工业", "C14": "食品制造业", "C15": "酒、饮料和精制茶制造业", "C17": "纺织业",
    "C18": "纺织服装、服饰业", "C19": "皮革、毛皮、羽毛及其制品和制鞋业", "C195": "制鞋业", "C20": "木材加工业",
    "C21": "家具制造业", "C22": "造纸和纸制品业", "C23": "印刷和记录媒介复制业",
    "C24": "文教、工美、体育和娱乐用品制造业", "C26": "化学原料和化学制品制造业", "C29": "橡胶和塑料制品业",
    "C30": "非金属矿物制品业", "C303": "砖瓦、石材等建筑材料制造", "C307": "陶瓷制品制造", "C33": "金属制品业",
    "C34": "通用设备制造业", "C35": "专用设备制造业", "C38": "电气机械和器材制造业",
    "C39": "计算机、通信和其他电子设备制造业", "F51": "批发业", "F52": "零售业", "H61": "住宿业", "H62": "餐饮业",
    "I65": "软件和信息技术服务业", "L72": "商务服务业", "R86": "新闻和出版业", "R87": "广播、电视、电影和录音制作业",
    "R88": "文化艺术业", "R89": "体育", "R90": "娱乐业", "N78": "公共设施管理业",
}  # fmt: skip
DIVISIONS = {
    "350500": "泉州市", "350502": "鲤城区", "350503": "丰泽区", "350504": "洛江区", "350505": "泉港区",
    "350521": "惠安县", "350524": "安溪县", "350525": "永春县", "350526": "德化县", "350581": "石狮市",
    "350582": "晋江市", "350583": "南安市",
}  # fmt: skip
CERTIFIED = {
    "above_scale": "属于规模以上（四上）企业", "high_tech": "为高新技术企业", "srdi": "获评专精特新中小企业",
    "little_giant": "获评专精特新“小巨人”企业",
}  # fmt: skip
_NUM_OPS = {">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于", "==": "等于", "===": "等于", "!=": "不等于",
            "!==": "不等于"}  # fmt: skip
_DATE_OPS = {
    ">=": "不早于",
    ">": "晚于",
    "<=": "不晚于",
    "<": "早于",
    "==": "为",
    "===": "为",
    "!=": "不为",
    "!==": "不为",
}


def render(rule: Any, *, traditional: bool = False) -> str:
    text = _r(rule)
    return to_traditional(text) if traditional else text


def render_amount(rule: Any, *, traditional: bool = False) -> str:
    """A benefit: a fixed sum in 元/万元, or its formula."""
    if rule is None:
        return ""
    text = money(rule) if isinstance(rule, int | float) and not isinstance(rule, bool) else _r(rule)
    return to_traditional(text) if traditional else text


def render_both(rule: Any) -> dict[str, str]:
    text = _r(rule)
    return {"zh-hans": text, "zh-hant": to_traditional(text)}


def money(value: float) -> str:
    """20000000 → 2000万元; 150000000 → 1.5亿元; 3000 → 3000元."""
    v = float(value)
    if abs(v) >= 1e8 and (v / 1e8) == round(v / 1e8, 4):
        return f"{_num(v / 1e8)}亿元"
    if abs(v) >= 1e4 and (v / 1e4) == round(v / 1e4, 4):
        return f"{_num(v / 1e4)}万元"
    return f"{_num(v)}元"


def _num(v) -> str:
    v = float(v)
    return str(int(v)) if v == int(v) else f"{v:g}"


def _percent(v) -> str:
    return f"{_num(round(float(v) * 100, 6))}%"


def _label(name: str) -> str:
    attr = A.get(name)
    return attr.label if attr else name


def _value(rule, *, unit: str = "", as_percent=False) -> str:
    if op_of(rule) is None:
        if isinstance(rule, bool):
            return "是" if rule else "否"
        if isinstance(rule, int | float):
            if as_percent:
                return _percent(rule)
            if unit == "元":
                return money(rule)
            return f"{_num(rule)}{unit}"
        if parse_date(rule):
            d = parse_date(rule)
            return f"{d.year}年{d.month}月{d.day}日"
        if isinstance(rule, list):
            return "、".join(_value(v) for v in rule)
        return f"“{rule}”"
    return _r(rule)


def _unit_of(rule) -> str:
    parsed = op_of(rule)
    if parsed is None:
        return ""
    op, args = parsed
    if op == "var":
        attr = A.get(args[0])
        return attr.unit if attr else ""
    if op in ("+", "-", "min", "max", "if"):
        return next((u for u in (_unit_of(a) for a in args) if u), "")
    if op in ("*", "/"):
        return next((u for u in (_unit_of(a) for a in args) if u), "")
    return ""


def _is_kind(rule, kind) -> bool:
    parsed = op_of(rule)
    if parsed is None:
        return False
    if parsed[0] == "var":
        attr = A.get(parsed[1][0])
        return bool(attr and attr.type == kind)
    return False


def _r(rule) -> str:
    parsed = op_of(rule)
    if parsed is None:
        return _value(rule)
    op, args = parsed
    if op == "var":
        attr = A.get(args[0])
        if attr and attr.type == A.BOOLEAN:
            return f"是{attr.label}"
        return _label(args[0])
    if op == "and":
        return "，且".join(_r(a) for a in args)
    if op == "or":
        return "（" + "，或".join(_r(a) for a in args) + "）" if len(args) > 1 else _r(args[0])
    if op == "!":
        return f"不满足“{_r(args[0])}”"
    if op == "!!":
        return _r(args[0])
    if op == "if":
        parts = [f"若{_r(args[i])}，则{_r(args[i + 1])}" for i in range(0, len(args) - 1, 2)]
        return "；".join(parts) + f"；否则{_r(args[-1])}"
    if op in _NUM_OPS:
        dates = any(_is_kind(a, A.DATE) for a in args)
        words = _DATE_OPS if dates else _NUM_OPS
        growth = any(op_of(a) is not None and op_of(a)[0] == "growth" for a in args)
        unit = next((u for u in (_unit_of(a) for a in args) if u), "")
        if len(args) == 3:
            lo, mid, hi = (_value(a, unit=unit, as_percent=growth) for a in args)
            word = "高于" if op == "<" else "不低于"
            word2 = "低于" if op == "<" else "不高于"
            return f"{mid}{word}{lo}且{word2}{hi}"
        a, b = (_value(x, unit=unit, as_percent=growth) for x in args)
        if _is_kind(args[0], A.BOOLEAN) and isinstance(args[1], bool):
            return _r(args[0]) if args[1] == (op in ("==", "===")) else f"不{_r(args[0])}"
        if _is_kind(args[0], A.STRING) and A.get(op_of(args[0])[1][0]).choices:
            choices = A.get(op_of(args[0])[1][0]).choices
            b = choices.get(args[1], b) if isinstance(args[1], str) else b
        return f"{a}{words[op]}{b}"
    if op == "in":
        needle, hay = args
        if isinstance(hay, list):
            choices = A.get(op_of(needle)[1][0]).choices if _is_kind(needle, A.STRING) else None
            items = "、".join((choices or {}).get(v, str(v) if not isinstance(v, str) else v) for v in hay)
            if choices:
                return f"{_r(needle)}为{items}之一" if len(hay) > 1 else f"{_r(needle)}为{items}"
            return f"{_r(needle)}为{items}之一" if len(hay) > 1 else f"{_r(needle)}为{items}"
        return f"{_r(hay)}包含“{needle}”"
    if op in ("+", "-", "*", "/", "min", "max"):
        return _formula(op, args)
    if op == "growth":
        metric, y0, y1 = args
        name = A.METRICS[metric]
        if y0 <= 0:
            return f"{A.year_label(-y1, None)}{name}较{A.year_label(-y0, None)}增长率"
        return f"{y1}年{name}较{y0}年增长率"
    if op == "industry_prefix":
        return "行业属于" + "或".join(f"{p}{INDUSTRIES.get(p, '')}" for p in args)
    if op == "division_under":
        return "注册地位于" + "或".join(DIVISIONS.get(d, f"区划{d}") for d in args)
    if op == "certified":
        return CERTIFIED[args[0]]
    if op == "has_tag":
        return f"带有“{args[0]}”标签"
    if op == "within_years":
        name = _label(op_of(args[0])[1][0])
        return ("成立未满" if name == "成立日期" else f"{name}距参考日未满") + f"{args[1]}年"
    return str(rule)


def _formula(op, args) -> str:
    unit = _unit_of({op: args})
    if op == "min" and len(args) == 2 and op_of(args[1]) is None:
        return f"{_formula_part(args[0], unit)}，最高{_value(args[1], unit=unit or '元')}"
    if op == "max" and len(args) == 2 and args[0] == 0:
        return f"{_formula_part(args[1], unit)}（为负时按0计）"
    if op == "max" and len(args) == 2 and op_of(args[1]) is None:
        return f"{_formula_part(args[0], unit)}，最低{_value(args[1], unit=unit or '元')}"
    if op == "*" and len(args) == 2 and op_of(args[0]) is None and 0 < float(args[0]) < 1:
        return f"{_formula_part(args[1], unit)}的{_percent(args[0])}"
    if op == "-" and len(args) == 2:
        a, b = args
        pa, pb = op_of(a), op_of(b)
        if pa and pb and pa[0] == pb[0] == "var":
            la, lb = A.get(pa[1][0]), A.get(pb[1][0])
            if la and lb and la.metric and la.metric == lb.metric:
                return f"{la.label[: -len(A.METRICS[la.metric])]}{A.METRICS[la.metric]}较" + (
                    f"{lb.label[: -len(A.METRICS[lb.metric])]}增加额"
                )
    if op == "-" and len(args) == 1:
        return f"负的{_formula_part(args[0], unit)}"
    word = {"+": "加", "-": "减", "*": "乘以", "/": "除以", "min": "中较小者", "max": "中较大者"}[op]
    if op in ("min", "max"):
        return "、".join(_formula_part(a, unit) for a in args) + word
    return f"（{word.join(_formula_part(a, unit) for a in args)}）"


def _formula_part(rule, unit) -> str:
    return _value(rule, unit=unit)
