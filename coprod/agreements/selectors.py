"""Reads for agreements: who sees which, and the comparison of two versions' terms."""

from django.db.models import QuerySet

from coprod.agreements.permissions import agreements_visible_to


def agreements_for(*, user) -> QuerySet:
    """The agreements the user may open (``agreements_visible_to``), with their parties."""
    return agreements_visible_to(user).prefetch_related("parties__company")


def flatten_terms(value, prefix: str = "") -> dict[str, str]:
    """{"parties[0].share_percentage": "50", ...} for comparing versions line by line."""
    if isinstance(value, dict):
        items = {}
        for key, inner in value.items():
            items.update(flatten_terms(inner, f"{prefix}.{key}" if prefix else key))
        return items
    if isinstance(value, list):
        items = {}
        for index, inner in enumerate(value):
            items.update(flatten_terms(inner, f"{prefix}[{index}]"))
        return items or {prefix: "—"}
    return {prefix: "—" if value in (None, "") else str(value)}


def compare_versions(*, left: dict, right: dict) -> list[tuple[str, str, str, bool]]:
    """Rows of (field, left value, right value, changed) over both versions' fields."""
    left_flat, right_flat = flatten_terms(left), flatten_terms(right)
    keys = list(dict.fromkeys([*left_flat, *right_flat]))
    return [(key, left_flat.get(key, "—"), right_flat.get(key, "—"),
             left_flat.get(key) != right_flat.get(key)) for key in keys]
