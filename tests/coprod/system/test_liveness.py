"""/healthz: the container probes' liveness answer. These tests have no database access
(no django_db mark), so a query in the view or a middleware on its path fails them."""

from django.test import Client, override_settings
from django.urls import resolve, reverse

from coprod.system import views


def test_healthz_is_the_liveness_view():
    assert reverse("healthz") == "/healthz"
    assert resolve("/healthz").func is views.liveness


def test_healthz_answers_anyone_without_the_database():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    assert Client().head("/healthz").status_code == 200


def test_healthz_only_reads():
    assert Client().post("/healthz").status_code == 405


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["kip.example.com", "localhost"],
                   SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_healthz_behind_the_production_https_settings():
    # What the probes send (infra/container/healthcheck.py, infra/k8s/web.yaml) passes
    # the HTTPS redirect and the host check; a bare request to the pod would not.
    client = Client()
    assert client.get("/healthz", headers={"Host": "localhost",
                                           "X-Forwarded-Proto": "https"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "localhost"}).status_code == 301
