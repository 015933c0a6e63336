"""Validation of phone, ID and credit-code numbers with the libraries made for them.

Each returns the number in its normal form or raises ValidationError with a message for the user."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
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
    value = (value or "").strip().upper()
    if not value:
        return ""
    try:
        return ric.validate(value)
    except StdnumError:
        raise ValidationError(_("身份证号码不正确：%(value)s") % {"value": value}, code="id_number") from None


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
