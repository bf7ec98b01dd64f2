"""The role groups and their model permissions, made again after every migrate (and flush).

Permissions only exist once the post_migrate of django.contrib.auth has run, so a data
migration cannot grant them; this handler keeps the groups' permissions in step.
"""

from django.contrib.auth.models import Group, Permission

from coprod.accounts.roles import Role

# App labels whose models each role manages in the Django admin.
ROLE_MODEL_PERMISSIONS = {
    Role.RIGHTS_MANAGER: {"coprod": {"company", "title", "genre", "person", "credit",
                                     "titlelocalization", "aimodel", "agreement", "party",
                                     "waterfalltier", "rightsblock", "revenuereceipt",
                                     "event"}},
}


def grant_role_permissions(sender, **kwargs) -> None:
    # Every role's group, again after a flush (which ends with post_migrate too): a data
    # migration made them, and an emptied database must not lose them.
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    for role, apps in ROLE_MODEL_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, models in apps.items():
            permissions = Permission.objects.filter(
                content_type__app_label=app_label, content_type__model__in=models
            )
            group.permissions.add(*permissions)
