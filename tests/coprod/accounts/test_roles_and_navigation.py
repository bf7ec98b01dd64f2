import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from coprod.accounts.models import Company
from coprod.accounts.roles import Role
from coprod.accounts.services import user_create
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

EXPECTED_NAVIGATION = {
    Role.RIGHTS_MANAGER: {"home", "catalog:title-list", "agreements:list",
                          "localization:overview", "compute:dashboard", "registry:registry",
                          "admin"},
    Role.TRANSLATOR: {"home", "localization:overview"},
    Role.REVIEWER: {"home", "localization:overview"},
    Role.PARTNER_STUDIO: {"home", "partner:home", "partner_portal:index"},
    Role.FINANCE: {"home", "agreements:list", "compute:dashboard"},
    Role.ADMINISTRATOR: {"home", "catalog:title-list", "agreements:list",
                         "localization:overview", "compute:dashboard", "registry:registry",
                         "system-status", "admin"},
}

PAGES = {
    "catalog:title-list": {Role.RIGHTS_MANAGER, Role.ADMINISTRATOR},
    "localization:overview": {Role.RIGHTS_MANAGER, Role.TRANSLATOR, Role.REVIEWER,
                              Role.ADMINISTRATOR},
    "partner:home": {Role.PARTNER_STUDIO},
    "partner_portal:index": {Role.PARTNER_STUDIO},
    "system-status": {Role.ADMINISTRATOR},
    "compute:dashboard": {Role.RIGHTS_MANAGER, Role.ADMINISTRATOR, Role.FINANCE},
    "compute:prices": {Role.RIGHTS_MANAGER, Role.ADMINISTRATOR, Role.FINANCE},
    "agreements:list": {Role.RIGHTS_MANAGER, Role.ADMINISTRATOR, Role.FINANCE},
    "agreements:create": {Role.RIGHTS_MANAGER, Role.ADMINISTRATOR},
    "registry:registry": {Role.RIGHTS_MANAGER, Role.ADMINISTRATOR},
}


def navigation_names(html: str) -> set[str]:
    return set(re.findall(r'data-nav="([^"]+)"', html))


def test_migration_creates_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_only_its_navigation(client, role):
    user = user_create(username=f"u-{role}", password="pw-long-enough", role=role,
                       company=CompanyFactory() if role == Role.PARTNER_STUDIO else None)
    login = client.post(reverse("login"), {"username": user.username,
                                           "password": "pw-long-enough"})
    assert login.status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert navigation_names(response.content.decode()) == EXPECTED_NAVIGATION[role]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_open_only_for_their_roles(client_for, role, page):
    client, _user = client_for(role)
    response = client.get(reverse(page), follow=True)
    if role in PAGES[page]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_partner_studio_user_is_refused_a_rights_manager_page_with_a_reason(client_for):
    client, _user = client_for(Role.PARTNER_STUDIO)
    response = client.get(reverse("catalog:title-list"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is for: Administrator, Rights manager." in page
    assert "Your account&#x27;s roles: Partner studio." in page


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("catalog:title-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_log_in_and_log_out_pages(client, make_user):
    make_user(Role.TRANSLATOR, username="yuki")
    response = client.post(reverse("login"),
                           {"username": "yuki", "password": "correct horse battery"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_is_refused(client, make_user):
    make_user(Role.TRANSLATOR, username="yuki")
    response = client.post(reverse("login"), {"username": "yuki", "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def test_partner_user_without_company_is_told_why(client, make_user):
    user = make_user(Role.PARTNER_STUDIO)
    user.company = None
    user.save()
    client.force_login(user)
    response = client.get(reverse("partner:home"))
    assert response.status_code == 403
    assert "not linked to a partner company" in response.content.decode()


def test_partner_home_shows_only_own_company(client_for):
    other = CompanyFactory(name="Other Studio")
    client, user = client_for(Role.PARTNER_STUDIO)
    page = client.get(reverse("partner:home")).content.decode()
    assert user.company.name in page
    assert other.name not in page


def test_partner_studio_user_needs_a_partner_studio_company():
    with pytest.raises(ValidationError):
        user_create(username="p1", password="pw-long-enough", role=Role.PARTNER_STUDIO)
    platform = CompanyFactory(name="Some Platform", kind=Company.Kind.PLATFORM)
    with pytest.raises(ValidationError):
        user_create(username="p2", password="pw-long-enough", role=Role.PARTNER_STUDIO,
                    company=platform)


def test_unknown_role_is_refused():
    with pytest.raises(ValidationError):
        user_create(username="x", password="pw-long-enough", role="emperor")


def test_rights_managers_can_use_the_admin_and_translators_cannot(client):
    manager = user_create(username="rm", password="pw-long-enough", role=Role.RIGHTS_MANAGER)
    translator = user_create(username="tr", password="pw-long-enough", role=Role.TRANSLATOR)
    assert manager.is_staff and not translator.is_staff
    client.force_login(manager)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert reverse("admin:coprod_title_changelist") in response.content.decode()
    assert client.get(reverse("admin:coprod_title_changelist")).status_code == 200
    # Users and roles stay with administrators.
    assert client.get(reverse("admin:coprod_user_changelist")).status_code == 403
    client.force_login(translator)
    assert client.get(reverse("admin:index")).status_code == 302


def test_registry_changes_in_the_admin_are_recorded_and_titles_are_read_only(client):
    from coprod.audit.models import Event
    from coprod.catalog.models import Title
    from coprod.registry.models import AIModel

    admin_user = user_create(username="boss", password="pw-long-enough", role=Role.ADMINISTRATOR)
    client.force_login(admin_user)
    voice = AIModel.objects.filter(kind="tts", notes="").first()
    data = {"name": voice.name, "version": voice.version, "kind": voice.kind,
            "licence": voice.licence, "source": voice.source, "sha256": voice.sha256,
            "notes": "Licence checked 2026-11-25, document DOC-1"}
    response = client.post(reverse("admin:coprod_aimodel_change", args=[voice.pk]), data)
    assert response.status_code == 302
    event = Event.objects.get(action="ai_model.changed", object_id=str(voice.pk))
    assert event.before["notes"] == "" and "DOC-1" in event.after["notes"]
    title = Title.objects.create(kind="film", original_title="관리", romanized_title="Gwalli",
                                 year=2026)
    response = client.post(reverse("admin:coprod_title_change", args=[title.pk]),
                           {"original_title": "바뀜"})
    title.refresh_from_db()
    assert response.status_code == 403 and title.original_title == "관리"
