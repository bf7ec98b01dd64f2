"""Load demo data: partners, a partner studio, Korean titles and one user per role."""

from django.core.management.base import BaseCommand
from django.db import transaction

from coprod.models import Company, Title, User
from coprod.roles import Role
from coprod.services import user_create

COMPANIES = [
    ("SFR", Company.Kind.VENTURE_PARTNER, "KR"),
    ("Utopai Studios", Company.Kind.VENTURE_PARTNER, "US"),
    ("Sakura Bridge Studio", Company.Kind.PARTNER_STUDIO, "JP"),
]

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
        self.stdout.write("Demo accounts (username / password / role):")
        for username, password, role, *_ in USERS:
            self.stdout.write(f"  {username:<11} {password:<22} {Role(role).label}")
