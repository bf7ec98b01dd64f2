"""Reads for accounts."""

from django.db.models import QuerySet

from coprod.accounts.models import Company, User


def company_colleagues(*, company: Company) -> QuerySet[User]:
    return company.users.filter(is_active=True).order_by("username")
