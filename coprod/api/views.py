"""The API's resources. Thin: each view narrows its queryset with the apps' own
visibility functions (``titles_visible_to``, ``agreements_visible_to``), checks roles as
the pages do (``HasRoles``), reads through the selectors and writes through the services.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from coprod.accounts.permissions import CATALOG_ROLES, FINANCE_ROLES
from coprod.agreements import services as agreement_services
from coprod.agreements.documents import statement_document_csv, statement_filename
from coprod.agreements.models import Agreement
from coprod.agreements.permissions import agreements_visible_to
from coprod.agreements.statements import statement_book
from coprod.api import serializers as api
from coprod.api import webhooks
from coprod.api.filters import AgreementFilter, RightsBlockFilter
from coprod.api.idempotency import idempotent
from coprod.api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from coprod.api.permissions import BUSINESS_READ_ROLES
from coprod.api.problems import Conflict
from coprod.api.selectors import webhook_deliveries_of, webhook_endpoints_of
from coprod.catalog import services as catalog_services
from coprod.catalog.filters import TitleFilter
from coprod.catalog.models import Title
from coprod.catalog.permissions import titles_visible_to
from coprod.compute import selectors as compute_selectors
from coprod.rights import selectors as rights_selectors
from coprod.rights.avails import availability
from coprod.rights.models import RightsBlock
from coprod.rights.services import RightsTerms


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode() if isinstance(data, str) else b""


class ListFilteringMixin:
    """Filters and ordering narrow lists only: a detail (or an action on one object) finds
    its object among all those the user may see, e.g. an episode, which the title list
    leaves out unless asked to include parts."""

    def filter_queryset(self, queryset):
        if getattr(self, "action", None) != "list":
            return queryset
        return super().filter_queryset(queryset)


class MeView(APIView):
    """Who the API takes you for: your account, roles and company, and the token used."""

    @extend_schema(responses=api.MeSerializer, tags=["account"])
    def get(self, request):
        user = request.user
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return Response(api.MeSerializer({
            "username": user.username, "roles": sorted(user.roles),
            "company": user.company.name if user.company_id else None,
            "token": api.TokenInfoSerializer(token).data if token else None}).data)


# --- titles -------------------------------------------------------------------------------


@extend_schema(tags=["titles"])
class TitleViewSet(ListFilteringMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   viewsets.GenericViewSet):
    """Titles: films and series, with their seasons and episodes. Rights managers and
    administrators see and change the whole catalog; a partner studio sees the titles its
    company's agreements cover."""

    read_roles = BUSINESS_READ_ROLES
    write_roles = CATALOG_ROLES
    http_method_names = ["get", "post", "patch", "head"]
    filterset_class = TitleFilter
    ordering_fields = ["romanized_title", "original_title", "year", "id", "created_at",
                       "updated_at"]
    ordering = ["romanized_title", "number", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's pass
            return Title.objects.none()
        titles = titles_visible_to(self.request.user).select_related("parent__parent")
        if self.action == "retrieve":
            return titles.prefetch_related("genres", "localizations", "credits__person",
                                           "children__children")
        return titles.prefetch_related("genres", "localizations")

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return api.TitleWriteSerializer
        return api.TitleDetailSerializer if self.action == "retrieve" else api.TitleSerializer

    def _detail(self, title: Title, status_code: int = status.HTTP_200_OK) -> Response:
        title = Title.objects.prefetch_related(
            "genres", "localizations", "credits__person", "children__children").get(pk=title.pk)
        return Response(api.TitleDetailSerializer(title, context=self.get_serializer_context()
                                                  ).data, status=status_code)

    @extend_schema(request=api.TitleWriteSerializer,
                   responses={201: api.TitleDetailSerializer})
    @idempotent
    def create(self, request):
        """Add a title (rights managers and administrators), through the catalog's
        services: a season belongs to a series, an episode to a season or a series."""
        serializer = api.TitleWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arguments = serializer.service_arguments()
        title = catalog_services.title_create(
            actor=request.user, data=arguments["data"], genres=arguments["genres"] or (),
            localizations=arguments["localizations"])
        response = self._detail(title, status.HTTP_201_CREATED)
        response["Location"] = f"{request.path}{title.pk}/"
        return response

    @extend_schema(request=api.TitleWriteSerializer,
                   responses={200: api.TitleDetailSerializer})
    def partial_update(self, request, pk=None):
        """Change some of a title's fields. Genres, when given, replace the title's; each
        localization given is set (one with an empty title is removed), the others stay."""
        title = self.get_object()
        serializer = api.TitleWriteSerializer(title, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        catalog_services.title_update(actor=request.user, title=title,
                                      **serializer.service_arguments())
        return self._detail(title)

    @extend_schema(responses=api.RightsBlockSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], url_path="rights-blocks", read_roles=CATALOG_ROLES)
    def rights_blocks(self, request, pk=None):
        """The rights blocks on the title and on the titles it is part of (which cover
        it too), as its rights tab shows them."""
        blocks = rights_selectors.title_rights_blocks(title=self.get_object())
        page = self.paginate_queryset(blocks)
        return self.get_paginated_response(api.RightsBlockSerializer(page, many=True).data)

    @extend_schema(parameters=[api.AvailsQuerySerializer], responses=api.AvailabilitySerializer,
                   filters=False, tags=["rights"])
    @action(detail=True, methods=["get"], read_roles=CATALOG_ROLES)
    def avails(self, request, pk=None):
        """May the venture license these terms for this title? The avails engine's
        answer, overall and per country, with the free windows and the reasons."""
        title = self.get_object()
        asked = api.AvailsQuerySerializer(data=request.query_params)
        asked.is_valid(raise_exception=True)
        query = _avails_query(asked.validated_data)
        answer = availability([title.pk], query)[title.pk]
        return Response(api.AvailabilitySerializer(api.availability_data(answer)).data)


def _avails_query(data: dict):
    """The engine's query for validated terms; the rights services check them (territory,
    media, languages) and refuse what they refuse, with the same messages."""
    terms = RightsTerms(
        territory_expression=data["territory_expression"], media=tuple(data["media"]),
        languages=tuple(data["languages"]), language_kinds=tuple(data["language_kinds"]),
        start=data["start"], end=api.next_day(data.get("last_day")),
        exclusive=data["exclusive"], exclusivity_scope=data["exclusivity_scope"])
    try:
        return terms.query()
    except ValueError as error:  # the query itself (AvailsQuery) refuses it
        raise serializers.ValidationError([str(error)]) from None


class AvailsSearchView(APIView):
    """The avails search over chosen titles or the whole catalog, one page of answers at a
    time (the catalog's avails page, for rights managers and administrators)."""

    read_roles = CATALOG_ROLES

    @extend_schema(parameters=[api.AvailsSearchQuerySerializer],
                   responses=api.AvailsSearchSerializer, tags=["rights"])
    def get(self, request):
        asked = api.AvailsSearchQuerySerializer(data=request.query_params)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        search = rights_selectors.avails_search(
            query=_avails_query(data), title_ids=data.get("titles") or None, text=data["q"],
            genre=data["genre"], kind=data["kind"], year_from=data["year_from"],
            year_to=data["year_to"], include_parts=data["include_parts"],
            status=data["status"], sort=data["sort"], page=data["page"],
            page_size=data["page_size"])
        return Response(api.AvailsSearchSerializer(api.avails_search_data(search)).data)


# --- rights blocks ------------------------------------------------------------------------


@extend_schema(tags=["rights"])
class RightsBlockViewSet(ListFilteringMixin, viewsets.ReadOnlyModelViewSet):
    """Rights blocks: rights in (held, with the chain of title) and rights out (granted),
    for rights managers and administrators."""

    read_roles = CATALOG_ROLES
    serializer_class = api.RightsBlockSerializer
    filterset_class = RightsBlockFilter
    ordering_fields = ["id", "created_at", "title"]
    ordering = ["id"]
    queryset = RightsBlock.objects.select_related("counterparty").prefetch_related("holdbacks")


# --- agreements and statements ----------------------------------------------------------

PARTY_PARAMETER = OpenApiParameter(
    "party", str, description="Rights managers and administrators: one party's statement "
                              "(a company name); a partner studio always gets its own.")
PERIOD_PARAMETER = OpenApiParameter("period", str, OpenApiParameter.PATH,
                                    description="2026-Q1, 2026-03, 2026-H1 or 2026")


@extend_schema(tags=["agreements"])
class AgreementViewSet(ListFilteringMixin, viewsets.ReadOnlyModelViewSet):
    """Co-production agreements with their parties, versions and approvals, and their
    issued statements. A partner studio sees only the agreements its company is party to,
    and of their statements only the issued ones, with its own lines."""

    read_roles = BUSINESS_READ_ROLES | FINANCE_ROLES
    # Approving is for the signatories, whatever their role (as on the agreement page).
    write_roles = None
    filterset_class = AgreementFilter
    ordering_fields = ["reference", "name", "created_at", "updated_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's pass
            return Agreement.objects.none()
        user = self.request.user
        agreements = agreements_visible_to(user)
        if self.action == "approve":
            agreements = Agreement.objects.filter(
                Q(pk__in=agreements.values("pk")) | Q(parties__signatory=user)).distinct()
        agreements = agreements.prefetch_related("parties__company", "parties__signatory",
                                                 "titles")
        if self.action in ("retrieve", "approve"):
            agreements = agreements.prefetch_related(
                "approvals__party__company", "approvals__approved_by", "versions")
        return agreements

    def get_serializer_class(self):
        return (api.AgreementDetailSerializer if self.action == "retrieve"
                else api.AgreementSerializer)

    @extend_schema(request=api.ApproveSerializer,
                   responses={201: api.ApprovalResultSerializer}, filters=False)
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request, pk=None):
        """Approve the current version as your party's signatory; when every party has,
        the agreement is executed. Any change of terms makes a new version to approve."""
        agreement = self.get_object()
        if not agreement.parties.filter(signatory=request.user).exists():
            raise PermissionDenied(_("Only the signatory of a party to this agreement can "
                                     "approve it."))
        asked = api.ApproveSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            approval = agreement_services.agreement_approve(
                actor=request.user, agreement=agreement, version=asked.validated_data["version"])
        except DjangoValidationError as refusal:
            raise Conflict(" ".join(refusal.messages)) from None
        agreement = self.get_queryset().get(pk=agreement.pk)
        context = self.get_serializer_context()
        return Response({"approval": api.ApprovalSerializer(approval, context=context).data,
                         "agreement": api.AgreementDetailSerializer(agreement,
                                                                    context=context).data},
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses=api.AgreementComputeSerializer, filters=False)
    @action(detail=True, methods=["get"])
    def compute(self, request, pk=None):
        """What the AI work on the agreement's titles used and cost: totals, by stage, month
        and language, and spent against each AI compute budget line."""
        agreement = self.get_object()
        report = compute_selectors.report(compute_selectors.usage_for_agreement(agreement))
        return Response(api.AgreementComputeSerializer({
            "agreement": agreement.reference, "total": report["total"],
            "by_stage": report["by_stage"], "by_month": report["by_month"],
            "by_language": report["by_language"],
            "budgets": compute_selectors.budget_status_of_agreement(agreement)}).data)

    # Statements: the book's issued entries only; drafts are the venture's working figures.

    def _party(self, request) -> str | None:
        if request.user.has_role(*FINANCE_ROLES):
            return request.query_params.get("party") or None
        return request.user.company.name if request.user.company_id else ""

    def _issued(self, agreement: Agreement, party: str | None) -> list:
        return [entry for entry in statement_book(agreement).entries
                if entry.issued is not None and (party is None or party in entry.parties)]

    def _issued_entry(self, request, period: str):
        agreement = self.get_object()
        party = self._party(request)
        entry = next((entry for entry in self._issued(agreement, party)
                      if entry.period == period), None)
        if entry is None:
            raise Http404(_("No issued statement for this period among yours."))
        return agreement, entry, party

    @extend_schema(parameters=[PARTY_PARAMETER],
                   responses=api.StatementSummarySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"])
    def statements(self, request, pk=None):
        """The agreement's issued statements, period by period (for a partner studio, those
        with a line for its company, with its payout)."""
        agreement = self.get_object()
        party = self._party(request)
        entries = self._issued(agreement, party)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(api.StatementSummarySerializer(
            [api.statement_data(entry, party=party) for entry in page], many=True).data)

    @extend_schema(parameters=[PARTY_PARAMETER, PERIOD_PARAMETER],
                   responses=api.StatementSerializer, filters=False)
    @action(detail=True, methods=["get"], url_path=r"statements/(?P<period>[^/]+)")
    def statement(self, request, pk=None, period: str = ""):
        """One issued statement's figures."""
        _agreement, entry, party = self._issued_entry(request, period)
        return Response(api.StatementSerializer(api.statement_data(entry, party=party)).data)

    @extend_schema(parameters=[PARTY_PARAMETER, PERIOD_PARAMETER], filters=False,
                   responses={(200, "text/csv"): OpenApiResponse(
                       OpenApiTypes.STR, description="The statement as CSV, headed by its "
                                                     "number and terms version")})
    @action(detail=True, methods=["get"], url_path=r"statements/(?P<period>[^/]+)/csv",
            renderer_classes=[CsvRenderer, JSONRenderer])
    def statement_csv(self, request, pk=None, period: str = ""):
        """The issued statement as CSV, exactly as the pages download it."""
        agreement, entry, party = self._issued_entry(request, period)
        response = HttpResponse(statement_document_csv(entry, party=party),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{statement_filename(agreement, entry, party)}.csv"')
        return response


# --- webhooks -----------------------------------------------------------------------------


@extend_schema(tags=["webhooks"])
class WebhookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your company's webhook endpoints: signed POSTs of business events (statement
    issued, agreement awaiting approval, agreement executed). The signing secret is
    answered once, when the endpoint is created."""

    read_roles = BUSINESS_READ_ROLES
    write_roles = BUSINESS_READ_ROLES
    serializer_class = api.WebhookEndpointSerializer
    ordering_fields = ["id", "created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's pass
            return WebhookEndpoint.objects.none()
        return webhook_endpoints_of(user=self.request.user)

    @extend_schema(request=api.WebhookEndpointWriteSerializer,
                   responses={201: api.WebhookEndpointCreatedSerializer})
    @idempotent
    def create(self, request):
        """Register an endpoint for your company. Keep the ``secret`` of the answer: it
        signs every delivery and is not shown again."""
        asked = api.WebhookEndpointWriteSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            endpoint = webhooks.webhook_endpoint_create(actor=request.user,
                                                        **asked.validated_data)
        except DjangoValidationError as refusal:
            raise serializers.ValidationError(refusal.messages) from None
        response = Response(api.WebhookEndpointCreatedSerializer(endpoint).data,
                            status=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path}{endpoint.pk}/"
        return response

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        """Remove the endpoint and its deliveries; nothing more is sent to it."""
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=api.WebhookDeliverySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The endpoint's deliveries, newest first, each with its attempts."""
        endpoint = self.get_object()
        page = self.paginate_queryset(endpoint.deliveries.order_by("-created_at", "-id"))
        return self.get_paginated_response(api.WebhookDeliverySerializer(page, many=True).data)


@extend_schema(tags=["webhooks"])
class WebhookDeliveryViewSet(viewsets.GenericViewSet):
    """A delivery of your company's endpoints, sent again on request."""

    read_roles = BUSINESS_READ_ROLES
    write_roles = BUSINESS_READ_ROLES
    serializer_class = api.WebhookDeliverySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's pass
            return WebhookDelivery.objects.none()
        return webhook_deliveries_of(user=self.request.user).select_related("endpoint")

    @extend_schema(request=None, responses={202: api.WebhookDeliverySerializer}, filters=False)
    @action(detail=True, methods=["post"])
    @idempotent
    def replay(self, request, pk=None):
        """Send the delivery's event again, now, as a new delivery (same payload and
        ``Webhook-Id``), whatever became of the first."""
        replay = webhooks.webhook_replay(self.get_object())
        return Response(api.WebhookDeliverySerializer(replay).data,
                        status=status.HTTP_202_ACCEPTED)
