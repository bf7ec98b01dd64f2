"""Load demo data: partners, a partner studio, Korean titles with credits and rights,
and one user per role."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from coprod import services
from coprod.models import Company, Genre, Title, User
from coprod.roles import Role
from coprod.services import user_create

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
        self.stdout.write("Demo accounts (username / password / role):")
        for username, password, role, *_ in USERS:
            self.stdout.write(f"  {username:<11} {password:<22} {Role(role).label}")

    def _series_parts(self) -> None:
        series = Title.objects.get(original_title="별빛 식당", parent__isnull=True)
        season = services.title_create(actor=None, data={
            "kind": Title.Kind.SEASON, "parent": series, "number": 1,
            "original_title": "별빛 식당 시즌 1", "romanized_title": "Byeolbit Sikdang S1",
            "year": 2024})
        for number in (1, 2, 3):
            services.title_create(actor=None, data={
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
                    services.credit_add(actor=None, title=title, person_name=name,
                                        romanized_name=romanized, role=role,
                                        character=character, order=order)
            if title.rights_blocks.exists():
                continue
            today = timezone.localdate()
            services.rights_in_add(
                actor=None, title=title, licensor=companies["Hanbit Pictures"],
                contract_reference=f"HB-{title.year}-{title.pk:03d}",
                terms=services.RightsTerms(
                    territory_expression="WORLD -KR", media=("all",),
                    languages=("ja", "zh-Hans", "th", "en"), language_kinds=("sub", "dub"),
                    start=dt.date(today.year - 1, 1, 1), end=None),
                holdbacks=[services.HoldbackTerms(
                    territory_expression="JP", media=("free_tv",),
                    start=dt.date(today.year - 1, 1, 1), end=dt.date(today.year + 1, 1, 1),
                    description="Free TV in Japan after the theatrical run")])
            if original == "서울의 밤":
                services.rights_out_grant(
                    actor=None, title=title, licensee=companies["Tokyo Stream"],
                    contract_reference="TS-2026-001",
                    terms=services.RightsTerms(
                        territory_expression="JP", media=("svod",), languages=("ja",),
                        language_kinds=("sub", "dub"), start=today - dt.timedelta(days=200),
                        end=today + dt.timedelta(days=45), exclusive=True))
                services.rights_out_grant(
                    actor=None, title=title, licensee=companies["Bangkok Play"],
                    contract_reference="BP-2026-014",
                    terms=services.RightsTerms(
                        territory_expression="TH", media=("svod", "avod"), languages=("th",),
                        language_kinds=("sub",), start=today,
                        end=today + dt.timedelta(days=730), exclusive=False))
