"""Masking personal numbers for display: ID numbers keep the first four and last four
characters (3704**********0012), phone numbers the first three and last four."""

from __future__ import annotations


def mask_id_number(number: str | None) -> str:
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
