"""The unified social credit code (统一社会信用代码, GB 32100-2015), checked with python-stdnum's
``cn.uscc`` and explained: each kind of mistake gets its own reason, in words a clerk can act on."""

from django.utils.translation import gettext as _
from stdnum.cn import uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S, V
FORBIDDEN = set("IOZSV")
CITY_PREFIX = "3505"  # Quanzhou's county-level codes (GB/T 2260)
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # GB 32100-2015, as in stdnum


def _valid_fast(code: str) -> bool:
    """stdnum's uscc.validate for an 18-character upper-case code, without its per-call clean-up (an
    import checks 100,000 codes); the tests hold it to uscc.is_valid."""
    if not code[:8].isdigit():
        return False
    try:
        total = sum(_VALUES[c] * w for c, w in zip(code[:17], _WEIGHTS, strict=True))
        return ALPHABET[(31 - total) % 31] == code[17] and code[17] in _VALUES
    except KeyError:
        return False


def credit_code_reasons(value: str) -> list[str]:
    """Why ``value`` is not a valid credit code (an empty list when it is)."""
    code = (value or "").strip()
    if len(code) == 18 and code.isascii() and code.isalnum() and code == code.upper() and _valid_fast(code):
        return []  # the common case, fast
    if not code:
        return [_("缺少统一社会信用代码")]
    if len(code) != 18:
        return [_("统一社会信用代码应为18位，实为%(n)d位：%(value)s") % {"n": len(code), "value": code}]
    if code != code.upper():
        return [_("统一社会信用代码中的字母须为大写：%(value)s") % {"value": code}]
    bad = sorted({c for c in code if c in FORBIDDEN})
    if bad:
        return [
            _("统一社会信用代码不得含字母 I、O、Z、S、V（含 %(letters)s）：%(value)s")
            % {"letters": "、".join(bad), "value": code}
        ]
    if any(c not in ALPHABET for c in code):
        return [_("统一社会信用代码含非法字符：%(value)s") % {"value": code}]
    if not code[2:8].isdigit():
        return [_("统一社会信用代码第3至8位（登记管理机关行政区划码）须为数字：%(value)s") % {"value": code}]
    expected = uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        return [
            _("统一社会信用代码校验位错误：第18位应为 %(expected)s，实为 %(actual)s")
            % {"expected": expected, "actual": code[17]}
        ]
    return [_("统一社会信用代码不正确：%(value)s") % {"value": code}]


def credit_code_division_part(code: str) -> str:
    """Characters 3–8: the division code of the registering authority."""
    return code[2:8]


def division_part_reasons(code: str, known: set[str]) -> list[str]:
    """The registering authority's division must be Quanzhou or one of its counties (a code of the
    tree in ``known``); entities registered elsewhere do not belong in the city's register."""
    part = credit_code_division_part(code)
    if not part.startswith(CITY_PREFIX):
        return [
            _("统一社会信用代码的登记机关区划码 %(part)s 不属于泉州市（3505开头），非本市登记的主体不予导入")
            % {"part": part}
        ]
    if part not in known:
        return [_("统一社会信用代码的登记机关区划码 %(part)s 不是泉州市的有效区划代码") % {"part": part}]
    return []
