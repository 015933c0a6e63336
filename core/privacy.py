"""Masking of residents' phone and ID numbers for roles that do not need them."""


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
