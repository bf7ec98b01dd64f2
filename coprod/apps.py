from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoprodConfig(AppConfig):
    name = "coprod"
    verbose_name = _("Catalog and co-production")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from coprod.accounts import eras
        from coprod.accounts.signals import grant_role_permissions
        from coprod.api import tasks  # noqa: F401 (registers the webhook task)
        from coprod.notifications import tasks as notification_tasks  # noqa: F401
        from coprod.registry.seeding import seed_shipped_entries

        eras.install()
        post_migrate.connect(grant_role_permissions, sender=self)
        post_migrate.connect(seed_shipped_entries, sender=self)
