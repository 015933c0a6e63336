"""The credit code (GB 32100-2015): each kind of mistake gets its own reason; the registering
authority must be Quanzhou or one of its counties."""

import random

import pytest
from stdnum.cn import uscc

from enterprises.tests.conftest import code
from enterprises.validators import ALPHABET, credit_code_reasons, division_part_reasons

GOOD = code("350582", "MA2XY1234")


def test_a_valid_code_has_no_reasons():
    assert uscc.is_valid(GOOD)
    assert credit_code_reasons(GOOD) == []


@pytest.mark.parametrize(
    "value, words",
    [
        (GOOD[:17] + ("0" if GOOD[17] != "0" else "1"), "校验位错误"),
        (GOOD[:17], "应为18位"),
        (GOOD + "1", "应为18位"),
        (GOOD[:10] + GOOD[10:].lower(), "大写"),
        ("", "缺少"),
    ],
    ids=["wrong check character", "too short", "too long", "lowercase", "empty"],
)
def test_a_bad_code_is_refused_with_its_reason(value, words):
    if value and value.upper() != value:
        assert any(c.islower() for c in value)
    reasons = credit_code_reasons(value)
    assert len(reasons) == 1 and words in reasons[0]


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_the_letters_i_o_z_s_v_are_refused(letter):
    value = GOOD[:12] + letter + GOOD[13:]
    reasons = credit_code_reasons(value)
    assert len(reasons) == 1 and "I、O、Z、S、V" in reasons[0] and letter in reasons[0]


def test_the_division_part_must_be_digits():
    body = "91A50582" + "MA2XY1234"
    assert "须为数字" in credit_code_reasons(body + "0")[0]


def test_the_fast_check_agrees_with_stdnum():
    rng = random.Random(7)
    for _ in range(3000):
        body = "9" + rng.choice("123") + "3505" + "".join(rng.choice("0123456789") for _ in range(2))
        body += "".join(rng.choice(ALPHABET) for _ in range(9))
        value = body + rng.choice(ALPHABET)
        assert (credit_code_reasons(value) == []) == uscc.is_valid(value), value


def test_the_registering_authority_must_be_in_quanzhou():
    known = {"350500", "350502", "350582"}
    assert division_part_reasons(code("350582"), known) == []
    assert division_part_reasons(code("350500"), known) == []
    outside = division_part_reasons(code("350102"), known)  # 福州市鼓楼区
    assert "不属于泉州市" in outside[0]
    unknown = division_part_reasons(code("350599"), known)
    assert "不是泉州市的有效区划代码" in unknown[0]
