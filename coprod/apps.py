from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoprodConfig(AppConfig):
    name = "coprod"
    verbose_name = _("Catalog and co-production")
