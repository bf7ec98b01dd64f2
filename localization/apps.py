from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LocalizationConfig(AppConfig):
    name = "localization"
    verbose_name = _("Localization")

    def ready(self) -> None:
        # Register every task in this process too, so services can queue them by name.
        from localization import (
            notifications,
            tasks,  # noqa: F401
        )
        from localization.api import webhooks
        from localization.delivery import consent_uses
        from localization.runs import receivers
        from localization.transcription import parallel

        # The pipeline's events become the partner API's webhooks.
        webhooks.connect()
        # A long transcription that stops stops its parallel chunks.
        parallel.connect()
        # A rights manager's decision on a run held for its AI compute budget.
        receivers.connect()
        # A revoked consent lists the dubs and packages made under it.
        consent_uses.connect()
        # Finished and failed runs are told to the person who asked for them.
        notifications.connect()
