import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from core.privacy import mask_id_number, mask_phone
from core.validators import normalize_credit_code, normalize_id_number, normalize_phone

ROOT = Path(__file__).resolve().parents[2]


def test_masks_keep_only_what_identifies_nobody():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("059522345678") == "059*****5678"
    assert mask_id_number("35050219900101123X") == "350502********123X"
    assert mask_phone("") == "" and mask_id_number("") == ""


@pytest.mark.parametrize("value", ["91350500MA31234567", "91350500ma2xxxxx0x", "9135050", "I1350500MA2Y1H5E3G"])
def test_bad_credit_codes_are_refused(value):
    with pytest.raises(ValidationError):
        normalize_credit_code(value)


def test_a_valid_credit_code_passes():
    from stdnum.cn import uscc

    body = "91350500MA2Y1H5E3"
    code = body + uscc.calc_check_digit(body)
    assert normalize_credit_code(code) == code


def test_phone_and_id_messages_are_in_chinese():
    with pytest.raises(ValidationError) as e:
        normalize_phone("12")
    assert "电话号码格式不正确" in e.value.messages[0]
    with pytest.raises(ValidationError) as e:
        normalize_id_number("350502199001011230")
    assert "身份证号码不正确" in e.value.messages[0]


def _manage(*args, **env):
    drop = ("DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    full = {k: v for k, v in os.environ.items() if k not in drop} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_the_production_settings_pass_the_deploy_check():
    secret = "x" * 20 + "-Production-Secret-9f8e7d6c5b4a"
    run = _manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secret)
    assert run.returncode == 0, run.stdout + run.stderr


def test_production_refuses_to_start_without_a_secret_key():
    run = _manage("check", SECRET_KEY="")
    assert run.returncode != 0 and "SECRET_KEY is required" in run.stderr


def test_a_bad_boolean_in_the_environment_fails_loudly():
    run = _manage("check", DEBUG="maybe")
    assert run.returncode != 0 and "DEBUG must be true or false" in run.stderr


def test_every_response_carries_a_request_id(client, db):
    response = client.get("/login/", HTTP_X_REQUEST_ID="abc123")
    assert response["X-Request-Id"] == "abc123"
    assert client.get("/login/")["X-Request-Id"]


# Resident ID numbers of every county-level division of Quanzhou, born 1980 (before 鲤城, 丰泽, 晋江… got
# their present codes), with a correct check character: python-stdnum refuses several of them.
QUANZHOU_IDS = [
    "350502198001011235",  # 鲤城区 (code from 1985)
    "350503198001011231",  # 丰泽区 (1997)
    "350504198001011238",  # 洛江区 (1997)
    "350505198001011234",  # 泉港区 (2000)
    "350521198001011234",  # 惠安县
    "350524198001011233",  # 安溪县
    "35052519800101123X",  # 永春县, check character X
    "350526198001011236",  # 德化县
    "350581198001011230",  # 石狮市 (1987)
    "350582198001011237",  # 晋江市 (1992)
    "350583198001011233",  # 南安市 (1993)
]


@pytest.mark.parametrize("number", QUANZHOU_IDS)
def test_a_real_id_number_is_accepted_whatever_the_year_its_area_code_was_created(number):
    assert normalize_id_number(number) == number
    assert normalize_id_number(number.lower() + " ") == number


@pytest.mark.parametrize(
    "number",
    [
        "350502198001011234",  # wrong check character
        "999999198001011233",  # no such area
        "350502198013011232",  # no 13th month (correct check character)
        "350502299001011238",  # born in the future (correct check character)
        "3505021980010112",  # too short
        "35050219800101123Y",
    ],
)
def test_a_wrong_id_number_is_refused_with_a_clear_message(number):
    with pytest.raises(ValidationError) as e:
        normalize_id_number(number)
    assert "身份证号码不正确" in e.value.messages[0]
