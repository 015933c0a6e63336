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
