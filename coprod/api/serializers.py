"""What the API says about each resource, and what it accepts. Serializers only check the
shape of a request; the rules are the services' (``validated_data`` goes to them, never
to ``.save()``)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coprod.agreements.models import Agreement, AgreementVersion, Approval, Party
from coprod.api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from coprod.catalog.forms import LOCALIZED_LANGUAGES
from coprod.catalog.models import Credit, Genre, Title
from coprod.rights.models import Holdback, RightsBlock
from coprod.rights.vocabulary import (
    ALL_MEDIA,
    ExclusivityScope,
    LanguageError,
    LanguageKind,
    Media,
    normalize_language,
)

# --- shared pieces ------------------------------------------------------------------------


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$",
                      "example": "1000000.00"})
class MoneyField(serializers.Field):
    """A ``Decimal`` as text, exactly (money is never a float)."""

    def to_representation(self, value) -> str:
        return format(value, "f")  # never in exponent notation (str gives "0E-8")


def last_day(end: dt.date | None) -> dt.date | None:
    """A stored window's exclusive end as the last day it covers (None: open-ended)."""
    return None if end is None else end - dt.timedelta(days=1)


class WindowSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True, help_text="First day; null: no start "
                                                             "(a holdback “not before” a day)")
    last_day = serializers.DateField(allow_null=True, help_text="Last day; null: open-ended")


def window(date_range) -> dict:
    return {"start": date_range.lower, "last_day": last_day(date_range.upper)}


class ProblemErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    pointer = serializers.CharField(required=False,
                                    help_text="RFC 6901 JSON pointer into the body")
    parameter = serializers.CharField(required=False, help_text="The query parameter")


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text="A reference to the problem type, described at "
                                           "that address")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()
    errors = ProblemErrorSerializer(many=True, required=False)


# --- the caller -------------------------------------------------------------------------


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    company = serializers.CharField(allow_null=True)
    token = serializers.DictField(allow_null=True, help_text="The token used, if any")


class TokenInfoSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["name", "prefix", "scope", "created_at", "expires_at", "last_used_at"]


# --- titles ---------------------------------------------------------------------------


class LocalizationSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=[code for code, _label in LOCALIZED_LANGUAGES])
    title = serializers.CharField(max_length=300, allow_blank=True,
                                  help_text="Empty removes the localization")
    synopsis = serializers.CharField(required=False, allow_blank=True, default="")


class CreditSerializer(serializers.ModelSerializer):
    person = serializers.CharField(source="person.name")
    romanized_name = serializers.CharField(source="person.romanized_name")

    class Meta:
        model = Credit
        fields = ["person", "romanized_name", "role", "character", "order"]


class TitleSerializer(serializers.ModelSerializer):
    genres = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    localizations = serializers.SerializerMethodField()
    label = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Title
        fields = ["id", "kind", "label", "parent", "number", "original_title",
                  "romanized_title", "english_title", "synopsis", "original_language", "year",
                  "runtime_minutes", "genres", "localizations", "created_at", "updated_at"]

    @extend_schema_field(LocalizationSerializer(many=True))
    def get_localizations(self, title: Title) -> list[dict]:
        return [{"language": item.language, "title": item.localized_title,
                 "synopsis": item.synopsis} for item in title.localizations.all()]


class EpisodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Title
        fields = ["id", "kind", "number", "original_title", "romanized_title", "year"]


class PartSerializer(serializers.ModelSerializer):
    """A season (with its episodes) or an episode of a series."""

    parts = EpisodeSerializer(source="children", many=True, read_only=True)

    class Meta:
        model = Title
        fields = ["id", "kind", "number", "original_title", "romanized_title", "year", "parts"]


class TitleDetailSerializer(TitleSerializer):
    credits = CreditSerializer(many=True, read_only=True)
    parts = PartSerializer(source="children", many=True, read_only=True,
                           help_text="A series' seasons (each with its episodes) and "
                                     "episodes; a season's episodes")

    class Meta(TitleSerializer.Meta):
        fields = [*TitleSerializer.Meta.fields, "credits", "parts"]


class TitleWriteSerializer(serializers.ModelSerializer):
    """A title to add or change; the catalog services check the rest (a season belongs to
    a series, an episode to a season or a series, no two top titles alike)."""

    parent = serializers.PrimaryKeyRelatedField(
        queryset=Title.objects.filter(kind__in=[Title.Kind.SERIES, Title.Kind.SEASON]),
        allow_null=True, required=False)
    genres = serializers.SlugRelatedField(slug_field="code", many=True, required=False,
                                          queryset=Genre.objects.all())
    localizations = LocalizationSerializer(many=True, required=False)

    class Meta:
        model = Title
        fields = ["kind", "parent", "number", "original_title", "romanized_title",
                  "english_title", "synopsis", "original_language", "year", "runtime_minutes",
                  "genres", "localizations"]
        # The services validate the model (and its constraints) with the hierarchy rules.
        validators: list = []

    def validate_localizations(self, value: list[dict]) -> list[dict]:
        languages = [item["language"] for item in value]
        if len(set(languages)) != len(languages):
            raise serializers.ValidationError(_("Give each language once."))
        return value

    def service_arguments(self) -> dict:
        """``data``, ``genres`` and ``localizations`` as ``title_create`` and
        ``title_update`` take them (None: unchanged)."""
        data = dict(self.validated_data)
        genres = data.pop("genres", None)
        localizations = data.pop("localizations", None)
        if localizations is not None:
            localizations = {item["language"]: {"title": item["title"],
                                                "synopsis": item.get("synopsis", "")}
                             for item in localizations}
        return {"data": data, "genres": genres, "localizations": localizations}


# --- rights ---------------------------------------------------------------------------


class HoldbackSerializer(serializers.ModelSerializer):
    window = serializers.SerializerMethodField()

    class Meta:
        model = Holdback
        fields = ["id", "territory_expression", "countries", "media", "language_rights",
                  "window", "description"]

    @extend_schema_field(WindowSerializer)
    def get_window(self, holdback: Holdback) -> dict:
        return window(holdback.window)


class CompanySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class RightsBlockSerializer(serializers.ModelSerializer):
    counterparty = CompanySerializer(read_only=True)
    window = serializers.SerializerMethodField()
    holdbacks = HoldbackSerializer(many=True, read_only=True)

    class Meta:
        model = RightsBlock
        fields = ["id", "direction", "title", "counterparty", "contract_reference",
                  "territory_expression", "countries", "media", "language_rights", "window",
                  "exclusive", "exclusivity_scope", "holdbacks", "notes", "created_at"]

    @extend_schema_field(WindowSerializer)
    def get_window(self, block: RightsBlock) -> dict:
        return window(block.window)


MEDIA_CHOICES = [ALL_MEDIA, *Media.values]
MAX_LANGUAGES = 60


class AvailsQuerySerializer(serializers.Serializer):
    """The terms asked about, as the avails page takes them."""

    territory_expression = serializers.CharField(
        max_length=500, help_text="ISO 3166 codes or groups (WORLD, ASIA, EAST_ASIA, "
                                  "GREATER_CHINA, SOUTHEAST_ASIA); a leading minus excludes: "
                                  "“WORLD -KR”")
    media = serializers.MultipleChoiceField(choices=MEDIA_CHOICES, allow_empty=False)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=40), allow_empty=False,
        max_length=MAX_LANGUAGES, help_text="ISO 639 codes (ja, th, yue, zh-Hans, es-419…) "
                                            "or “all”; repeated or comma-separated")
    language_kinds = serializers.MultipleChoiceField(choices=LanguageKind.values,
                                                     allow_empty=False)
    start = serializers.DateField(help_text="First day")
    last_day = serializers.DateField(required=False, allow_null=True,
                                     help_text="Last day; leave out for an open-ended window")
    exclusive = serializers.BooleanField(required=False, default=False)
    exclusivity_scope = serializers.ChoiceField(choices=ExclusivityScope.values,
                                                required=False,
                                                default=ExclusivityScope.TERRITORY_MEDIUM)

    def validate_languages(self, value: list[str]) -> list[str]:
        codes, errors = [], []
        for word in (part.strip() for item in value for part in item.split(",")):
            if not word:
                continue
            try:
                code = normalize_language(word)
            except LanguageError as error:
                errors.append(str(error))
                continue
            if code not in codes:
                codes.append(code)
        if errors:
            raise serializers.ValidationError(errors)
        if not codes:
            raise serializers.ValidationError(_("Give at least one language, or “all”."))
        if len(codes) > MAX_LANGUAGES:
            raise serializers.ValidationError(_("Give at most %(limit)d languages.")
                                              % {"limit": MAX_LANGUAGES})
        return codes

    def validate(self, attrs: dict) -> dict:
        start, last = attrs.get("start"), attrs.get("last_day")
        if last is not None and last == dt.date.max:
            raise serializers.ValidationError(
                {"last_day": _("Leave the last day out for an open-ended window.")})
        if last is not None and start is not None and last < start:
            raise serializers.ValidationError(
                {"last_day": _("The window must end after it starts.")})
        return attrs


REASON_KINDS = ["not_held", "not_exclusive", "conflict", "holdback"]


class ReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=REASON_KINDS)
    start = serializers.DateField()
    last_day = serializers.DateField(allow_null=True)
    message = serializers.CharField()
    text = serializers.CharField(help_text="The message with its dates")
    block = serializers.IntegerField(allow_null=True, help_text="The conflicting grant")
    holdback = serializers.IntegerField(allow_null=True)
    countries = serializers.ListField(child=serializers.CharField())


AVAILS_STATUSES = ["available", "partial", "unavailable"]


class CountryAvailabilitySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=AVAILS_STATUSES)
    free_windows = WindowSerializer(many=True)
    reasons = ReasonSerializer(many=True)


class AvailabilitySerializer(serializers.Serializer):
    title = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AVAILS_STATUSES)
    free_windows = WindowSerializer(many=True)
    reasons = ReasonSerializer(many=True)
    countries = CountryAvailabilitySerializer(many=True)


AVAILS_SORTS = ["title", "year", "status", "free"]
MAX_ASKED_TITLES = 1000


class AvailsSearchQuerySerializer(AvailsQuerySerializer):
    """The terms, and which titles: chosen ones, or the catalog's films and series
    narrowed by name, genre, kind and years (each season and episode on request)."""

    titles = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                   max_length=MAX_ASKED_TITLES,
                                   help_text="Title ids; leave out for the whole catalog")
    q = serializers.CharField(required=False, max_length=200, default="",
                              help_text="Title contains")
    genre = serializers.SlugRelatedField(slug_field="code", queryset=Genre.objects.all(),
                                         required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=[Title.Kind.FILM, Title.Kind.SERIES],
                                   required=False, allow_blank=True, default="")
    year_from = serializers.IntegerField(required=False, allow_null=True, min_value=1880,
                                         max_value=2200, default=None)
    year_to = serializers.IntegerField(required=False, allow_null=True, min_value=1880,
                                       max_value=2200, default=None)
    include_parts = serializers.BooleanField(required=False, default=False)
    status = serializers.ChoiceField(choices=AVAILS_STATUSES, required=False,
                                     allow_blank=True, default="",
                                     help_text="Only the titles with this answer")
    sort = serializers.ChoiceField(choices=AVAILS_SORTS, required=False, default="title")
    page = serializers.IntegerField(required=False, min_value=1, max_value=10**6, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200,
                                         default=50)


class AvailsRowSerializer(serializers.Serializer):
    title = serializers.IntegerField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=Title.Kind.values)
    year = serializers.IntegerField()
    depth = serializers.IntegerField(help_text="0 for a listed title, 1 and 2 for its "
                                               "seasons and episodes")
    genres = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=AVAILS_STATUSES)
    free_windows = WindowSerializer(many=True)
    reasons = ReasonSerializer(many=True)


class AvailsTotalsSerializer(serializers.Serializer):
    available = serializers.IntegerField()
    partial = serializers.IntegerField()
    unavailable = serializers.IntegerField()


class AvailsSearchSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Titles shown (after the status filter)")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    totals = AvailsTotalsSerializer(help_text="Answers over every title found")
    results = AvailsRowSerializer(many=True)


def avails_search_data(search) -> dict:
    """A ``coprod.rights.selectors.AvailsSearch`` as the API shows it: one page of rows."""
    return {"count": len(search.shown), "page": search.page.number,
            "pages": search.page.paginator.num_pages, "totals": search.totals,
            "results": [{"title": row.title_id, "label": row.label, "kind": row.kind,
                         "year": row.year, "depth": row.depth, "genres": row.genres,
                         "status": row.status,
                         "free_windows": windows_data(row.answer.free_windows),
                         "reasons": [reason_data(reason) for reason in row.answer.reasons]}
                        for row in search.page.object_list]}


def reason_data(reason) -> dict:
    return {"kind": reason.kind, "start": reason.start, "last_day": last_day(reason.end),
            "message": reason.message, "text": reason.text, "block": reason.block_id,
            "holdback": reason.holdback_id, "countries": sorted(reason.countries)}


def windows_data(windows) -> list[dict]:
    return [{"start": start, "last_day": last_day(end)} for start, end in windows]


def availability_data(answer) -> dict:
    return {"title": answer.title_id, "status": answer.status,
            "free_windows": windows_data(answer.free_windows),
            "reasons": [reason_data(reason) for reason in answer.reasons],
            "countries": [{"code": country.code, "name": country.name,
                           "status": country.status,
                           "free_windows": windows_data(country.free_windows),
                           "reasons": [reason_data(reason) for reason in country.reasons]}
                          for country in answer.countries]}


# --- agreements -------------------------------------------------------------------------


def person_name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


class PartySerializer(serializers.ModelSerializer):
    company = CompanySerializer(read_only=True)
    share_percentage = MoneyField()
    signatory = serializers.SerializerMethodField()

    class Meta:
        model = Party
        fields = ["id", "company", "role", "share_percentage", "signatory"]

    def get_signatory(self, party: Party) -> str:
        return person_name(party.signatory)


class ApprovalSerializer(serializers.ModelSerializer):
    company = serializers.CharField(source="party.company.name")
    approved_by = serializers.SerializerMethodField()

    class Meta:
        model = Approval
        fields = ["id", "version", "party", "company", "approved_by", "approved_at",
                  "withdrawn_at"]

    def get_approved_by(self, approval: Approval) -> str:
        return person_name(approval.approved_by)


class VersionSerializer(serializers.ModelSerializer):
    terms = serializers.JSONField(help_text="The terms as approved at this version")

    class Meta:
        model = AgreementVersion
        fields = ["number", "created_at", "executed_at", "terms"]


class AgreementSerializer(serializers.ModelSerializer):
    parties = PartySerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "reference", "name", "status", "version", "currency", "term_start",
                  "term_end", "territory_expression", "countries", "statement_period",
                  "effective_from", "titles", "parties", "notes", "created_at", "updated_at"]


class AgreementDetailSerializer(AgreementSerializer):
    approvals = ApprovalSerializer(many=True, read_only=True)
    versions = VersionSerializer(many=True, read_only=True)
    can_approve = serializers.SerializerMethodField(
        help_text="Whether the caller is the signatory of a party that has yet to approve "
                  "the current version")

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "approvals", "versions", "can_approve"]

    def get_can_approve(self, agreement: Agreement) -> bool:
        user = self.context["request"].user
        if agreement.status != Agreement.Status.AWAITING_APPROVALS:
            return False
        party = next((party for party in agreement.parties.all()
                      if party.signatory_id == user.pk), None)
        return party is not None and not any(
            approval.party_id == party.pk and approval.version == agreement.version
            and approval.withdrawn_at is None for approval in agreement.approvals.all())


class ApproveSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1,
                                       help_text="The version you approve: the current one")


class ApprovalResultSerializer(serializers.Serializer):
    approval = ApprovalSerializer()
    agreement = AgreementDetailSerializer()


# --- statements -------------------------------------------------------------------------


class AmountToSerializer(serializers.Serializer):
    party = serializers.CharField()
    amount = MoneyField()


class ReceiptLineSerializer(serializers.Serializer):
    title = serializers.CharField()
    territory = serializers.CharField()
    amount = MoneyField()


class AdjustmentSerializer(ReceiptLineSerializer):
    period = serializers.CharField(help_text="The closed period the late receipt belongs to")


class ExpenseLineSerializer(serializers.Serializer):
    payer = serializers.CharField()
    title = serializers.CharField()
    reference = serializers.CharField()
    amount = MoneyField()


class InvestorLineSerializer(serializers.Serializer):
    party = serializers.CharField()
    owed = MoneyField()
    paid = MoneyField()
    recouped_to_date = MoneyField()
    remaining_to_recoup = MoneyField()


class TierLineSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    available = MoneyField()
    paid = MoneyField()
    paid_to = AmountToSerializer(many=True)
    recouped_to_date = MoneyField()
    remaining_to_recoup = MoneyField(allow_null=True)
    investors = InvestorLineSerializer(many=True)


class PartyLineSerializer(serializers.Serializer):
    tier = serializers.CharField()
    kind = serializers.CharField()
    available = MoneyField()
    paid = MoneyField()
    recouped_to_date = MoneyField(allow_null=True)
    remaining_to_recoup = MoneyField(allow_null=True)


class StatementSummarySerializer(serializers.Serializer):
    period = serializers.CharField()
    number = serializers.IntegerField()
    currency = serializers.CharField()
    terms_version = serializers.IntegerField(allow_null=True)
    issued_at = serializers.DateTimeField()
    party = serializers.CharField(allow_null=True,
                                  help_text="Whose statement this is; null: every party's")
    payout = MoneyField(allow_null=True, help_text="The party's payout")
    gross = MoneyField()
    net = MoneyField()


class StatementSerializer(StatementSummarySerializer):
    """An issued statement's figures. A partner studio's holds its own lines only: no
    other party's name or amount (``tiers`` and ``payouts`` are then empty)."""

    deficit_brought_forward = MoneyField()
    deficit_carried_forward = MoneyField()
    unrecouped = MoneyField(allow_null=True)
    rounding_rule = serializers.CharField()
    receipts = ReceiptLineSerializer(many=True)
    adjustments = AdjustmentSerializer(many=True)
    expenses = ExpenseLineSerializer(many=True)
    lines = PartyLineSerializer(many=True, help_text="The party's lines, tier by tier")
    tiers = TierLineSerializer(many=True)
    payouts = AmountToSerializer(many=True)


def statement_data(entry, *, party: str | None) -> dict:
    """An issued statement entry (``coprod.agreements.statements.StatementEntry``) as the
    API shows it, for one party or (``party`` None) for the venture."""
    statement, issued = entry.statement, entry.issued
    data = {
        "period": entry.period, "number": issued.number, "currency": statement.currency,
        "terms_version": entry.terms_version, "issued_at": issued.issued_at,
        "party": party, "payout": statement.payout(party) if party else None,
        "gross": statement.gross, "net": statement.net,
        "deficit_brought_forward": statement.deficit_brought_forward,
        "deficit_carried_forward": statement.deficit_carried_forward,
        "rounding_rule": statement.rounding_rule,
        "receipts": [{"title": title, "territory": territory, "amount": amount}
                     for title, territory, amount in statement.receipts_by_title_territory],
        "adjustments": [{"period": adjusted, "title": title, "territory": territory,
                         "amount": amount}
                        for adjusted, title, territory, amount in statement.adjustments],
        "expenses": [{"payer": payer, "title": title, "reference": reference, "amount": amount}
                     for payer, title, reference, amount in statement.expenses
                     if party is None or payer == party],
    }
    if party is not None:
        data.update(unrecouped=None, tiers=[], payouts=[], lines=[
            {"tier": line.tier, "kind": line.kind, "available": line.available,
             "paid": line.paid, "recouped_to_date": line.recouped_to_date,
             "remaining_to_recoup": line.remaining_to_recoup}
            for line in statement.for_party(party)])
        return data
    data.update(unrecouped=statement.unrecouped, lines=[], payouts=[
        {"party": name, "amount": amount} for name, amount in statement.payouts], tiers=[
        {"name": line.name, "kind": line.kind, "available": line.available, "paid": line.paid,
         "paid_to": [{"party": name, "amount": amount} for name, amount in line.paid_to],
         "recouped_to_date": line.recouped_to_date,
         "remaining_to_recoup": line.remaining_to_recoup,
         "investors": [{"party": investor.party, "owed": investor.owed, "paid": investor.paid,
                        "recouped_to_date": investor.recouped_to_date,
                        "remaining_to_recoup": investor.remaining_to_recoup}
                       for investor in line.investors]}
        for line in statement.tiers])
    return data


def next_day(day: dt.date | None) -> dt.date | None:
    """A last day as a stored window's exclusive end (None: open-ended)."""
    return None if day is None else day + dt.timedelta(days=1)


# --- webhooks ---------------------------------------------------------------------------


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(
        choices=WebhookEndpoint.Event.choices), help_text="The event types sent to it")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "active", "created_by", "created_at"]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="The signing secret, shown this once only")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointWriteSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="An http(s) address that answers "
                                                         "2xx to a POST")
    events = serializers.ListField(child=serializers.ChoiceField(
        choices=WebhookEndpoint.Event.choices), min_length=1, max_length=10)
    active = serializers.BooleanField(default=True)

    def validate_url(self, value: str) -> str:
        from coprod.api.webhooks import webhook_address_problem

        if not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError(_("A webhook address is http or https."))
        problem = webhook_address_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate_events(self, value: list) -> list:
        return sorted(set(value))


class WebhookAttemptSerializer(serializers.Serializer):
    attempt = serializers.IntegerField()
    at = serializers.DateTimeField()
    outcome = serializers.ChoiceField(choices=["delivered", "failed"])
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)
    payload = serializers.DictField(read_only=True, help_text="The JSON body sent")

    class Meta:
        model = WebhookDelivery
        fields = ["id", "endpoint", "event", "payload", "status", "attempts",
                  "response_status_code", "response_body", "error", "attempt_log",
                  "next_attempt_at", "replay_of", "created_at", "updated_at", "delivered_at"]
        read_only_fields = fields


# --- the AI compute report of an agreement ---------------------------------------------------

def _exact(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=30, decimal_places=8, coerce_to_string=True,
                                    **kwargs)


class ComputeFiguresSerializer(serializers.Serializer):
    """What a group of task attempts used and cost. Money keeps eight decimals
    (``cost``); ``cost_rounded`` is in the currency's minor unit."""

    tasks = serializers.IntegerField()
    unpriced_tasks = serializers.IntegerField(source="unpriced",
                                              help_text="Tasks without a price in force")
    content_minutes = _exact(help_text="Minutes of content, each media file once")
    cpu_seconds = _exact()
    gpu_seconds = _exact()
    energy_kwh = _exact()
    energy_estimated_tasks = serializers.IntegerField(
        source="estimated_energy_tasks",
        help_text="Tasks whose energy is estimated from CPU time, not measured")
    emissions_g = _exact(source="emissions_grams", help_text="g CO2e")
    currency = serializers.CharField()
    cost = _exact()
    cost_rounded = serializers.CharField(source="cost_shown")
    cost_per_minute = _exact(allow_null=True, help_text="Per minute of content")


class ComputeRowSerializer(ComputeFiguresSerializer):
    key = serializers.CharField(source="label", help_text="The stage, month or language")


class ComputeBudgetSerializer(serializers.Serializer):
    title = serializers.IntegerField(source="title.pk")
    title_name = serializers.CharField(source="title.original_title")
    currency = serializers.CharField()
    budget = _exact()
    spent = _exact()
    remaining = _exact()
    percent = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True,
                                       coerce_to_string=True)


class AgreementComputeSerializer(serializers.Serializer):
    """The AI compute report of an agreement: every measured task on the titles it covers
    (and their seasons and episodes), priced at the prices in force when it ran."""

    agreement = serializers.CharField()
    total = ComputeFiguresSerializer()
    by_stage = ComputeRowSerializer(many=True)
    by_month = ComputeRowSerializer(many=True)
    by_language = ComputeRowSerializer(many=True)
    budgets = ComputeBudgetSerializer(many=True)
