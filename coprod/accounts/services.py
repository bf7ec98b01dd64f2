"""Writes for accounts: creating a user in one role."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coprod.accounts.models import Company, User
from coprod.accounts.roles import Role


@transaction.atomic
def user_create(*, username: str, password: str, role: str, email: str = "",
                first_name: str = "", last_name: str = "",
                company: Company | None = None) -> User:
    """Create a user in one role. A partner-studio user must belong to a partner studio."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    if role == Role.PARTNER_STUDIO and (
        company is None or company.kind != Company.Kind.PARTNER_STUDIO
    ):
        raise ValidationError(_("A partner-studio user must belong to one partner studio."))
    user = User(username=username, email=email, first_name=first_name, last_name=last_name,
                company=company,
                # Rights managers and administrators work in the full Django admin.
                is_staff=role in (Role.RIGHTS_MANAGER, Role.ADMINISTRATOR),
                is_superuser=role == Role.ADMINISTRATOR)
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user
