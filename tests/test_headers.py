"""Security headers on every kind of page: a Content-Security-Policy without inline code, a Permissions-Policy."""

import pytest
from django.urls import reverse

from . import factories
from .test_settings import show

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    client.force_login(factories.editor())
    return client


@pytest.mark.parametrize("url", [
    "/", "/proposals/", "/themes/", "/proposals/feed/", "/api/v1/", "/api/v1/proposals/", "/no-such-page/",
    "/admin/login/",
])
def test_every_response_carries_the_policies(client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "camera=()" in response["Permissions-Policy"]


def test_the_admin_carries_them_too(signed_in):
    for url in (reverse("admin:index"), reverse("admin:proposals_proposal_changelist"),
                reverse("admin:proposals_proposal_add")):
        response = signed_in.get(url)
        assert response.status_code == 200 and "script-src 'self'" in response["Content-Security-Policy"]


def test_pages_hold_no_inline_script_or_style_attribute(client):
    factories.proposal(themes=[factories.theme(slug="5g")])
    for url in ("/", "/themes/5g/", "/proposals/"):
        html = client.get(url).content.decode()
        assert "<script>" not in html and " style=" not in html and "onclick=" not in html


def test_the_language_cookie_is_secure_and_same_site_in_production():
    result = show(
        "LANGUAGE_COOKIE_SECURE, settings.LANGUAGE_COOKIE_SAMESITE, settings.LANGUAGE_COOKIE_HTTPONLY",
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="example.org",
    )
    assert result.stdout.split()[-3:] == ["True", "Lax", "True"], result.stderr


def test_the_policy_built_once_follows_the_settings_and_a_views_own_policy(client, settings, rf):
    from csp.decorators import csp_update

    from tracker.content_security import SiteCSPMiddleware

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"],
                                                       "img-src": ["'self'", "tiles.example"]}}
    directives = set(client.get("/").headers["Content-Security-Policy"].split("; "))
    assert directives == {"default-src 'self'", "img-src 'self' tiles.example"}

    @csp_update({"img-src": "maps.example"})
    def view(request):
        from django.http import HttpResponse

        return HttpResponse("map")

    middleware = SiteCSPMiddleware(view)
    response = middleware(rf.get("/map/"))
    assert set(response["Content-Security-Policy"].split("; ")) == {"default-src 'self'",
                                                                   "img-src 'self' tiles.example maps.example"}
