"""Co-production agreements: parties and shares, contributions, budgets, documents,
versions and approvals, the revenue waterfall and the revenue received."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from coprod.accounts.models import Company
from coprod.agreements.periods import PeriodLength
from coprod.agreements.waterfall import MINOR_UNITS
from coprod.catalog.models import Title


class Currency(models.TextChoices):
    KRW = "KRW", _("Korean won")
    JPY = "JPY", _("Japanese yen")
    CNY = "CNY", _("Chinese yuan")
    THB = "THB", _("Thai baht")
    USD = "USD", _("US dollar")


def money_field(verbose_name) -> models.DecimalField:
    # 18 digits before the point covers any budget in won; 2 after covers cents.
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=2)


def exchange_rate_field() -> models.DecimalField:
    return models.DecimalField(
        _("exchange rate"), max_digits=18, decimal_places=8, default=1,
        help_text=_("Units of the statement currency for one unit of this currency"))


def minor_unit_errors(currency: str, **amounts) -> dict[str, str]:
    """Amounts finer than the currency's smallest unit (ISO 4217: none for KRW and JPY, two
    decimals for USD, CNY and THB), refused at entry so that nothing is rounded later."""
    places = MINOR_UNITS.get(currency)
    errors = {}
    for field, amount in amounts.items():
        if amount is None or places is None:
            continue
        if not Decimal(amount).is_finite() or \
                Decimal(amount) != Decimal(amount).quantize(Decimal(1).scaleb(-places)):
            errors[field] = (_("%(currency)s has no minor unit: give a whole amount.")
                             if places == 0 else
                             _("%(currency)s allows %(places)d decimal places.")) % {
                "currency": currency, "places": places}
    return errors


def rate_errors(currency: str, statement_currency: str, rate) -> dict[str, str]:
    if currency != statement_currency and (rate is None or rate <= 0):
        return {"exchange_rate": _("Give the exchange rate to %(currency)s.")
                % {"currency": statement_currency}}
    return {}


class Agreement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        NEGOTIATION = "negotiation", _("In negotiation")
        AWAITING_APPROVALS = "awaiting_approvals", _("Awaiting approvals")
        EXECUTED = "executed", _("Executed")
        AMENDED = "amended", _("Being amended")
        TERMINATED = "terminated", _("Terminated")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices,
                              default=Status.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    currency = models.CharField(_("statement currency"), max_length=3,
                                choices=Currency.choices, default=Currency.KRW)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    territory_expression = models.CharField(_("territory"), max_length=500, blank=True)
    countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    statement_period = models.CharField(
        _("statement period"), max_length=10, choices=PeriodLength.choices,
        default=PeriodLength.QUARTER,
        help_text=_("How often revenue is accounted and statements are issued"))
    effective_from = models.DateField(
        _("terms effective from"), null=True, blank=True,
        help_text=_("For an amendment: statements of the period containing this day and "
                    "later follow the new terms; issued statements never change"))
    titles = models.ManyToManyField(Title, verbose_name=_("titles covered"), blank=True,
                                    related_name="agreements")
    approved_models = models.ManyToManyField(
        "coprod.AIModel", verbose_name=_("approved AI models and datasets"), blank=True,
        related_name="agreements")
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("agreements:detail", kwargs={"agreement_id": self.pk})


class Party(models.Model):
    class Role(models.TextChoices):
        VENTURE_PARTNER = "venture_partner", _("Joint-venture partner")
        CO_PRODUCER = "co_producer", _("Co-producer")
        INVESTOR = "investor", _("Investor")
        DISTRIBUTOR = "distributor", _("Distributor")
        PARTNER_STUDIO = "partner_studio", _("Partner studio")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    company = models.ForeignKey(Company, verbose_name=_("company"), on_delete=models.PROTECT,
                                related_name="agreement_parties")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    share_percentage = models.DecimalField(
        _("share (%)"), max_digits=7, decimal_places=4,
        validators=[MinValueValidator(0)])
    signatory = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signatory"),
                                  on_delete=models.PROTECT, related_name="signatory_for")

    class Meta:
        ordering = ["id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [models.UniqueConstraint(fields=["agreement", "company"],
                                               name="party_unique_company")]

    def __str__(self) -> str:
        return f"{self.company} ({self.share_percentage}%)"


class Contribution(models.Model):
    class Kind(models.TextChoices):
        CAPITAL = "capital", _("Capital")
        TECHNOLOGY = "technology", _("Technology")
        PRODUCTION_SERVICES = "production_services", _("Production services")
        IP = "ip", _("Intellectual property")

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="contributions")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    amount = money_field(_("value"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    exchange_rate = exchange_rate_field()
    recoupable = models.BooleanField(
        _("recoupable"), default=True,
        help_text=_("Recouped by the party's investor tier of the waterfall"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    def clean(self):
        errors = minor_unit_errors(self.currency, amount=self.amount)
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = _("A contribution has a positive value.")
        if self.party_id:
            errors |= rate_errors(self.currency, self.party.agreement.currency,
                                  self.exchange_rate)
        if errors:
            raise ValidationError(errors)


# The budget category of AI compute: what the pipeline's tasks cost (coprod.compute). Its
# lines are kept in COMPUTE_CURRENCY, the currency of the compute prices, so that spent and
# budget compare without an exchange rate.
AI_COMPUTE_CATEGORY = "AI compute"


class BudgetLine(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE,
                                  related_name="budget_lines")
    title = models.ForeignKey(Title, verbose_name=_("title"), on_delete=models.PROTECT,
                              related_name="budget_lines")
    category = models.CharField(_("category"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)

    class Meta:
        ordering = ["title_id", "id"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")

    def __str__(self) -> str:
        return f"{self.category} {self.amount} {self.currency}"

    @property
    def is_ai_compute(self) -> bool:
        return self.category.strip().casefold() == AI_COMPUTE_CATEGORY.casefold()

    def clean(self):
        errors = minor_unit_errors(self.currency, amount=self.amount)
        if self.is_ai_compute and self.currency != settings.COMPUTE_CURRENCY:
            errors["currency"] = _(
                "AI compute is budgeted in %(currency)s, the currency of the compute prices "
                "(the COMPUTE_CURRENCY setting).") % {"currency": settings.COMPUTE_CURRENCY}
        if errors:
            raise ValidationError(errors)


def _random_folder(folder: str, filename: str) -> str:
    """Stored under a random folder: a stored name must not be guessable."""
    import uuid

    return f"{folder}/{uuid.uuid4().hex}/{filename}"


def document_path(instance, filename: str) -> str:
    return _random_folder("agreements", filename)


class AgreementDocument(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE,
                                  related_name="documents")
    file = models.FileField(_("file"), upload_to=document_path)
    name = models.CharField(_("name"), max_length=200)
    agreement_version = models.PositiveIntegerField(_("agreement version"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.name


class AgreementVersion(models.Model):
    """The terms as they stood at one version: what the signatories approve."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE,
                                  related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    terms = models.JSONField(_("terms"))
    created_at = models.DateTimeField(auto_now_add=True)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["agreement", "number"],
                                               name="agreement_version_unique")]

    def __str__(self) -> str:
        return f"{self.agreement.reference} v{self.number}"


class Approval(models.Model):
    """A party's signatory approving one version. Withdrawn when the terms change."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE,
                                  related_name="approvals")
    version = models.PositiveIntegerField(_("version"))
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="approvals")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["approved_at"]
        constraints = [models.UniqueConstraint(
            fields=["agreement", "version", "party"], name="approval_once_per_version",
            condition=models.Q(withdrawn_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.party} approved v{self.version}"


class WaterfallTier(models.Model):
    """One step of the revenue waterfall. Investor rows with the same position recoup
    pari passu; the profit split uses the parties' shares."""

    class Kind(models.TextChoices):
        DISTRIBUTION_FEE = "distribution_fee", _("Fee (distribution, sales agent)")
        EXPENSES = "expenses", _("Recoupment of expenses (the ledger)")
        INVESTOR = "investor", _("Investor recoupment")
        PROFIT_SPLIT = "profit_split", _("Profit split")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE,
                                  related_name="waterfall_tiers")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    party = models.ForeignKey(Party, verbose_name=_("paid to"), on_delete=models.CASCADE,
                              null=True, blank=True, related_name="waterfall_tiers")
    payee = models.CharField(
        _("third-party payee"), max_length=200, blank=True,
        help_text=_("A fee paid to someone who is not a party (a distributor, a sales "
                    "agent)"))
    percentage = models.DecimalField(_("percentage"), max_digits=7, decimal_places=4,
                                     null=True, blank=True)
    amount = models.DecimalField(_("cap"), max_digits=20, decimal_places=2, null=True,
                                 blank=True, help_text=_("Expenses: the most recouped in "
                                                         "all (blank: no cap)"))
    premium_percentage = models.DecimalField(_("premium (%)"), max_digits=7,
                                             decimal_places=4, default=0)
    overhead_percentage = models.DecimalField(
        _("overhead (%)"), max_digits=7, decimal_places=4, default=0,
        help_text=_("Expenses: added to each expense recouped"))
    interest_percentage = models.DecimalField(
        _("interest (% a year)"), max_digits=7, decimal_places=4, default=0,
        help_text=_("Expenses: simple interest on what is still to recoup"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("waterfall tier")
        verbose_name_plural = _("waterfall tiers")

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class RevenueReceipt(models.Model):
    """Revenue received for a title in a territory and a period (quarter)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT,
                                  related_name="receipts")
    title = models.ForeignKey(Title, verbose_name=_("title"), on_delete=models.PROTECT,
                              related_name="receipts")
    territory = models.CharField(_("territory"), max_length=2)
    period = models.CharField(_("period"), max_length=7,
                              help_text=_("2026-Q1 for a quarter (2026-03 for a month, "
                                          "2026-H1 for a half-year, 2026 for a year)"))
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    exchange_rate = exchange_rate_field()
    received_on = models.DateField(_("received on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    statement = models.ForeignKey(
        "IssuedStatement", verbose_name=_("issued in"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="receipts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "id"]
        verbose_name = _("revenue receipt")
        verbose_name_plural = _("revenue receipts")
        indexes = [models.Index(fields=["agreement", "period"], name="receipt_period")]

    def __str__(self) -> str:
        return f"{self.period} {self.title} {self.territory} {self.amount} {self.currency}"

    def clean(self):
        errors = minor_unit_errors(self.currency, amount=self.amount)
        if errors:
            raise ValidationError(errors)


def expense_document_path(instance, filename: str) -> str:
    return _random_folder("expenses", filename)


class Expense(models.Model):
    """A recoupable expense a party paid: recouped by the waterfall's expenses tier in the
    period it was incurred (or the next open one, if that period is already issued)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT,
                                  related_name="expenses")
    title = models.ForeignKey(Title, verbose_name=_("title"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="expenses",
                              help_text=_("Blank for an expense of the whole slate"))
    payer = models.ForeignKey(Party, verbose_name=_("paid by"), on_delete=models.PROTECT,
                              related_name="expenses")
    incurred_on = models.DateField(_("incurred on"))
    description = models.CharField(_("description"), max_length=300)
    invoice_reference = models.CharField(_("invoice reference"), max_length=100, blank=True)
    document = models.FileField(_("invoice or receipt"), upload_to=expense_document_path,
                                blank=True)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    exchange_rate = exchange_rate_field()
    statement = models.ForeignKey(
        "IssuedStatement", verbose_name=_("issued in"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="expenses")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incurred_on", "id"]
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")

    def __str__(self) -> str:
        return f"{self.incurred_on} {self.description} {self.amount} {self.currency}"

    def clean(self):
        errors = minor_unit_errors(self.currency, amount=self.amount)
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = _("An expense has a positive amount.")
        if self.agreement_id:
            errors |= rate_errors(self.currency, self.agreement.currency, self.exchange_rate)
        if errors:
            raise ValidationError(errors)


class IssuedStatement(models.Model):
    """A closed period's statement as it was issued: its figures, the terms version it
    followed and the receipts and expenses it includes. Never changes afterwards (the
    database refuses updates and deletes)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT,
                                  related_name="issued_statements")
    number = models.PositiveIntegerField(_("number"))
    period = models.CharField(_("period"), max_length=7)
    currency = models.CharField(_("currency"), max_length=3)
    terms_version = models.PositiveIntegerField(_("terms version"), null=True)
    figures = models.JSONField(_("figures"))
    state_after = models.JSONField(_("balances carried forward"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        ordering = ["agreement_id", "number"]
        verbose_name = _("issued statement")
        verbose_name_plural = _("issued statements")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"],
                                    name="issued_statement_number"),
            models.UniqueConstraint(fields=["agreement", "period"],
                                    name="issued_statement_period"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.reference} {self.period} #{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("An issued statement never changes."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("An issued statement is never deleted."))
