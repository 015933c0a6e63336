"""Masking of residents' phone and ID numbers for roles that do not need them."""

import re

# In free text, bounded by anything but a digit (or an ID number's X): 18-character resident ID
# numbers, mainland mobiles (1[3-9] and nine digits, maybe grouped 3-4-4) and landlines with their
# area code (0595-22345678, 0595 2234567, 059522345678).
_NUMBERS = re.compile(
    r"(?<![\dXx])(?:"
    r"(?P<id>\d{17}[\dXx])"
    r"|(?P<mobile>1[3-9]\d(?:[- ]?\d{4}){2})"
    r"|(?P<area>0\d{2,3})(?P<sep>[- ]?)(?P<local>\d{7,8})"
    r")(?![\dXx])"
)


def mask_phone(number: str) -> str:
    """13812345678 → 138****5678; keeps the first three and last four digits."""
    if not number:
        return ""
    digits = number.replace(" ", "")
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(number: str) -> str:
    """350502199001011234 → 350502********1234; keeps the region code and the last four."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def _mask_match(match: re.Match) -> str:
    if match["id"]:
        return mask_id_number(match["id"])
    if match["mobile"]:
        return mask_phone(re.sub(r"[- ]", "", match["mobile"]))
    local = match["local"]
    return match["area"] + match["sep"] + "*" * (len(local) - 4) + local[-4:]


def mask_text(text: str) -> str:
    """Free text with every mobile, landline (with area code) and resident ID number in it masked:
    "联系人：林经理 13805951111" → "联系人：林经理 138****1111"; a landline keeps its area code and last
    four digits (0595-****5678)."""
    return _NUMBERS.sub(_mask_match, text) if text else text


def masked_contact(phone: str, id_number: str, rule: tuple[bool, bool]) -> dict[str, str]:
    """``{"phone", "id_number"}`` whole or masked by ``rule`` (phone whole, ID number whole), as an
    app's contact rule decides (e.g. ``ledger.scope.contact_rule``)."""
    phone_whole, id_whole = rule
    return {
        "phone": phone if phone_whole else mask_phone(phone),
        "id_number": id_number if id_whole else mask_id_number(id_number),
    }


def masked_changes(changes: dict, rule: tuple[bool, bool], *, phone: str, id_number: str) -> dict:
    """A history row's ``{field: [before, after]}`` with the ``phone`` and ``id_number`` fields
    masked by ``rule``, as ``masked_contact`` masks them."""
    phone_whole, id_whole = rule
    masks = {}
    if not phone_whole:
        masks[phone] = mask_phone
    if not id_whole:
        masks[id_number] = mask_id_number
    return {
        field: [masks[field](v) if isinstance(v, str) else v for v in values] if field in masks else values
        for field, values in (changes or {}).items()
    }
