"""Validation of phone, ID and credit-code numbers with the libraries made for them.

Each returns the number in its normal form or raises ValidationError with a message for the user."""

import datetime as dt

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError


def normalize_phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("电话号码格式不正确：%(value)s") % {"value": value}, code="phone")
    if number.country_code == 86:
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return "".join(ch for ch in national if ch.isdigit())
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_id_number(value: str) -> str:
    """A resident ID number (居民身份证号码): 18 characters, a real birth date, the check character,
    and an area code python-stdnum knows. Unlike ``stdnum.cn.ric.validate`` an area code counts
    whatever the birth year: people keep numbers issued under their present code (鲤城 350502 dates
    from 1985, 晋江 350582 from 1992, 丰泽 350503 from 1997), and stdnum refuses such real numbers."""
    value = (value or "").strip().upper()
    if not value:
        return ""
    number = ric.compact(value)
    try:
        if len(number) != 18 or not number[:-1].isdigit() or number[-1] != ric.calc_check_digit(number):
            raise StdnumError()
        born = ric.get_birth_date(number)
        if not dt.date(1900, 1, 1) <= born <= dt.date.today() or not _known_area(number[:6]):
            raise StdnumError()
    except StdnumError:
        raise ValidationError(_("身份证号码不正确：%(value)s") % {"value": value}, code="id_number") from None
    return number


def _known_area(code: str) -> bool:
    """Whether stdnum's table of area codes has this county, in any period."""
    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return bool(info.get("county"))


def normalize_credit_code(value: str) -> str:
    raw = (value or "").strip()
    if not raw:
        return ""
    if raw != raw.upper():
        raise ValidationError(_("统一社会信用代码须为大写字母和数字：%(value)s") % {"value": raw}, code="credit_code")
    try:
        return uscc.validate(raw)
    except StdnumError:
        raise ValidationError(_("统一社会信用代码不正确：%(value)s") % {"value": raw}, code="credit_code") from None
