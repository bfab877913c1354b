"""Error pages by area: every API error is JSON in the API's shape, 500 included; the admin's errors in the
admin's look; the reader pages' in the site's own templates. None holds inline script or style (strict CSP)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from proposals.api.views import ProposalViewSet
from tracker.api import base

from . import factories

pytestmark = pytest.mark.django_db


def no_inline_code(html):
    assert "<script>" not in html and " style=" not in html and "onclick=" not in html


def test_an_unhandled_error_in_the_api_is_a_json_500(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ProposalViewSet, "fetch_page", broken)
    client = APIClient()
    client.raise_request_exception = False
    for accept in ("application/json", "text/html", "*/*"):
        response = client.get("/api/v1/proposals/", HTTP_ACCEPT=accept)
        assert response.status_code == 500
        assert response["Content-Type"] == "application/json" and "detail" in response.json()


def test_a_server_error_in_a_write_is_a_json_500(monkeypatch):
    monkeypatch.setattr(base, "save", lambda serializer: 1 / 0)
    client = APIClient()
    client.raise_request_exception = False
    client.force_authenticate(factories.editor())
    response = client.post("/api/v1/themes/", {"slug": "ai", "name_en": "AI"}, format="json")
    assert response.status_code == 500 and "detail" in response.json()


@pytest.mark.parametrize("path", ["/api/v2/", "/api/", "/api/v1/proposals//status-events/", "/api/anything"])
def test_any_address_under_the_api_that_names_nothing_is_a_json_404(path):
    for method in ("get", "post", "delete"):
        response = getattr(Client(enforce_csrf_checks=True), method)(path)
        assert response.status_code == 404, (path, method)
        assert response["Content-Type"] == "application/json" and "detail" in response.json()


def test_a_refused_host_is_a_json_400_under_the_api_and_a_page_elsewhere():
    api = Client().get("/api/v1/proposals/", HTTP_HOST="evil.example")
    assert api.status_code == 400 and api.json()["detail"]
    page = Client().get("/proposals/", HTTP_HOST="evil.example")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "Bad request" in html and 'lang="zh-Hans"' in html
    no_inline_code(html)


def test_a_forbidden_admin_page_is_a_403_in_the_admins_look():
    client = Client()
    client.force_login(factories.editor())  # an editor may not manage users
    response = client.get("/admin/auth/user/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="site-name"' in html and "Two Sessions Tracker" in html and "Not allowed" in html
    no_inline_code(html)


def test_an_unknown_admin_page_is_a_404_in_the_admins_look():
    client = Client()
    client.force_login(User.objects.create_superuser("chief", password="chief-password"))
    response = client.get("/admin/proposals/no-such-model/")
    assert response.status_code == 404 and 'id="site-name"' in response.content.decode()


def test_reader_pages_get_the_sites_403_and_404(rf):
    from tracker import errors

    request = rf.get("/proposals/")
    forbidden = errors.permission_denied(request)
    assert forbidden.status_code == 403
    html = forbidden.content.decode()
    assert "Not allowed" in html and 'lang="zh-Hans"' in html and 'class="site-header"' in html
    no_inline_code(html)
    missing = Client().get("/no-such-page/")
    assert missing.status_code == 404 and 'class="site-header"' in missing.content.decode()


def test_a_server_error_on_a_reader_page_is_the_sites_500(rf):
    from tracker import errors

    response = errors.server_error(rf.get("/proposals/"))
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()
    admin = errors.server_error(rf.get("/admin/"))
    assert admin.status_code == 500 and "Something went wrong" in admin.content.decode()
    api = errors.server_error(rf.get("/api/v1/themes/"))
    assert api.status_code == 500 and api["Content-Type"] == "application/json"


def test_a_form_too_large_to_read_says_so_in_the_admin_and_saves_nothing(editor_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    from proposals.models import Source

    answer = editor_client.post("/admin/proposals/source/add/", {"title": "x" * 200_000})
    assert answer.status_code == 413
    page = answer.content.decode()
    assert "Too large to send" in page and "0.1 MB" in page and "nothing was saved" in page
    no_inline_code(page)
    assert not Source.objects.exists()


def test_a_form_too_large_on_a_reader_page_gets_the_sites_own_page(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    answer = client.post("/follow/search/?theme=5g", {"email": "x" * 200_000})
    assert answer.status_code == 413 and "Too large to send" in answer.content.decode()


def test_browsers_asking_for_favicon_ico_get_the_sites_icon(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("img/icon.svg")
