"""Models of the catalog, rights, agreements and the AI model registry."""

from coprod.models.accounts import Company, User, _default_time_zone, _time_zone_choices
from coprod.models.agreements import (
    Agreement,
    AgreementDocument,
    AgreementVersion,
    Approval,
    BudgetLine,
    Contribution,
    Currency,
    Party,
    RevenueReceipt,
    WaterfallTier,
)
from coprod.models.catalog import Credit, Genre, Person, Title, TitleLocalization
from coprod.models.events import Event
from coprod.models.registry import AIModel
from coprod.models.rights import Holdback, RightsBlock

__all__ = [
    "AIModel", "Agreement", "AgreementDocument", "AgreementVersion", "Approval", "BudgetLine",
    "Contribution", "Currency", "Party", "RevenueReceipt", "WaterfallTier",
    "Company", "Credit", "Event", "Genre", "Holdback", "Person", "RightsBlock", "Title",
    "TitleLocalization", "User", "_default_time_zone", "_time_zone_choices",
]
