"""Django finds an app's models here: each domain app of the business side keeps its own
models module, imported below so that they all belong to the ``coprod`` app."""

from coprod.accounts.models import Company, User, _default_time_zone, _time_zone_choices
from coprod.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementVersion,
    Approval,
    BudgetLine,
    Contribution,
    Party,
    RevenueReceipt,
    WaterfallTier,
)
from coprod.api.models import ApiToken, IdempotencyRecord, WebhookDelivery, WebhookEndpoint
from coprod.audit.models import Event
from coprod.catalog.models import Credit, Genre, Person, Title, TitleLocalization
from coprod.compute.models import CarbonIntensity, ComputeHold, ComputeUsage, GpuPrice, PriceList
from coprod.notifications.models import Notification, NotificationPreference
from coprod.registry.models import AIModel, Consent
from coprod.rights.models import Holdback, RightsBlock

__all__ = [
    "AIModel", "Agreement", "AgreementDocument", "AgreementVersion", "ApiToken", "Approval",
    "BudgetLine", "CarbonIntensity", "Consent", "Notification", "NotificationPreference",
    "ComputeHold", "ComputeUsage", "GpuPrice",
    "IdempotencyRecord", "PriceList",
    "Company", "Contribution", "Credit", "Event", "Genre", "Holdback", "Party", "Person",
    "RevenueReceipt", "RightsBlock", "Title", "TitleLocalization", "User", "WaterfallTier",
    "WebhookDelivery", "WebhookEndpoint",
    "_default_time_zone", "_time_zone_choices",
]
