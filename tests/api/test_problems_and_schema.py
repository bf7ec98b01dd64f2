"""Errors under /api/ are RFC 9457 problem details, whatever answers them (DRF, Django's own
404 and 500, the NUL-character guard); the schema is valid OpenAPI 3 and its
documentation page is served without any CDN."""

import pytest
from django.test import RequestFactory
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from coprod.accounts.roles import Role
from coprod.api import problems
from tests.api.conftest import client_with, problem, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(make_user):
    return client_with(token_for(make_user(Role.RIGHTS_MANAGER)))


def test_an_address_with_no_resource_is_a_problem_too(client):
    for path in ("/api/v1/nothing-here/", "/api/v2/titles/", "/api/v1/titles/abc/"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert problem(answer)["type"] == "/api/problems/not-found"


def test_an_address_without_its_slash_says_so_and_is_not_redirected(client, settings):
    settings.DEBUG = True  # Django's technical 404 page would answer otherwise
    for method in ("get", "post"):
        answer = getattr(client, method)("/api/v1/titles")
        assert answer.status_code == 404
        assert "/api/v1/titles/" in problem(answer)["detail"]


def test_a_write_to_no_resource_from_a_browser_is_a_problem_not_a_csrf_page(make_user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user(Role.RIGHTS_MANAGER))
    answer = browser.patch("/api/v1/titles/1.5/", "{}", content_type="application/json")
    assert answer.status_code == 404
    assert problem(answer)["type"] == "/api/problems/not-found"
    page = browser.post("/accounts/preferences/", {})
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
    denied = problems.csrf_failure(RequestFactory().post("/api/v1/titles/"), reason="no token")
    assert problem(denied)["detail"] == "CSRF check failed: no token"


def test_a_missing_object_and_a_page_beyond_the_last(client):
    assert problem(client.get("/api/v1/titles/999999999/"))["status"] == 404
    assert problem(client.get("/api/v1/titles/", {"page": 99}))["status"] == 404


def test_query_parameters_that_are_not_valid(client):
    answer = client.get("/api/v1/titles/", {"kind": "opera", "year_from": "soon"})
    body = problem(answer)
    assert body["type"] == "/api/problems/validation"
    assert {error["parameter"] for error in body["errors"]} == {"kind", "year_from"}


def test_a_method_the_address_does_not_have(client):
    answer = client.delete("/api/v1/titles/")
    assert answer.status_code == 405
    assert problem(answer)["type"] == "/api/problems/method-not-allowed"
    assert "GET" in answer["Allow"]


def test_a_nul_character_is_refused_as_a_problem(client):
    answer = client.get("/api/v1/titles/", {"q": "a\x00b"})
    assert answer.status_code == 400
    assert problem(answer)["errors"] == [{"detail": problem(answer)["detail"],
                                          "parameter": "q"}]


def test_a_crash_under_api_is_a_problem_and_elsewhere_the_page():
    request = RequestFactory().get("/api/v1/titles/")
    answer = problems.server_error(request)
    assert answer.status_code == 500
    assert problem(answer)["type"] == "/api/problems/server-error"
    page = problems.server_error(RequestFactory().get("/catalog/"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    denied = problems.permission_denied(RequestFactory().get("/api/v1/x/"),
                                        PermissionError("Because."))
    assert problem(denied)["detail"] == "Because."
    assert problem(problems.bad_request(RequestFactory().get("/api/v1/x/"), None)
                   )["status"] == 400


def test_an_unexpected_error_in_a_view_answers_a_server_error_problem(client, monkeypatch):
    from coprod.api import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "titles_visible_to", explode)
    client.raise_request_exception = False
    answer = client.get("/api/v1/titles/")
    assert answer.status_code == 500
    assert problem(answer)["type"] == "/api/problems/server-error"
    assert "boom" not in answer.content.decode()


def test_problem_types_are_described(client):
    described = client_with(None).get("/api/problems/token-expired")
    assert described.json()["status"] == 401
    listed = client_with(None).get("/api/problems/").json()["problem_types"]
    assert {item["type"] for item in listed} == {
        problems.problem_type(slug) for slug in problems.PROBLEM_TYPES}


def test_the_schema_is_valid_openapi_and_served_to_authenticated_callers(client):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    served = client.get("/api/schema/", {"format": "json"})
    assert served.status_code == 200
    assert "/api/v1/agreements/{id}/approve/" in served.json()["paths"]
    assert client_with(None).get("/api/schema/").status_code == 401


def test_the_documentation_page_uses_the_bundled_swagger_ui(client_for):
    browser, _user = client_for(Role.PARTNER_STUDIO)
    page = browser.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_the_documentation_page_needs_a_login(client):
    from django.test import Client

    assert Client().get("/api/docs/").status_code == 302
