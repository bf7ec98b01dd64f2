"""Locale-aware formatting for amounts of money."""

from decimal import Decimal

from babel.numbers import format_currency
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def money(amount: Decimal | int | str | None, currency: str) -> str:
    """Format ``amount`` in ``currency`` for the active language, e.g. ₩1,500,000."""
    if amount is None or amount == "":
        return ""
    locale = to_locale(get_language() or "en")
    return format_currency(Decimal(str(amount)), currency, locale=locale)
