"""The kinds of user, each a Django group created by a migration."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RIGHTS_MANAGER = "rights_manager", _("Rights manager")
    TRANSLATOR = "translator", _("Translator")
    REVIEWER = "reviewer", _("Reviewer")
    PARTNER_STUDIO = "partner_studio", _("Partner studio")
    ADMINISTRATOR = "administrator", _("Administrator")
    FINANCE = "finance", _("Finance")
