"""Repeated wrong passwords lock a user out from that address, with a clear page; an administrator lifts it."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def editor():
    return User.objects.create_user("editor", password="the-right-password", is_staff=True)


def attempt(client, password, address="203.0.113.7", **headers):
    return client.post(LOGIN, {"username": "editor", "password": password}, REMOTE_ADDR=address, **headers)


def test_thirty_wrong_passwords_lock_the_account_from_that_address(client, editor, settings):
    codes = [attempt(client, f"guess-{n}").status_code for n in range(30)]
    assert codes[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(codes[settings.AXES_FAILURE_LIMIT:]) == {429}
    locked = attempt(client, "the-right-password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Sign-in locked for a while" in page and "30 minutes" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_address(client, editor, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"guess-{n}")
    assert attempt(client, "the-right-password", address="198.51.100.2").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_a_forged_forwarded_for_header_does_not_open_a_new_count(client, editor, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"guess-{n}", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert attempt(client, "the-right-password", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_an_administrator_lifts_the_lock(client, editor, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"guess-{n}")
    call_command("axes_reset_username", "editor", stdout=io.StringIO())
    assert attempt(client, "the-right-password").status_code == 302


def test_an_editors_session_lasts_a_working_day(settings):
    assert settings.SESSION_COOKIE_AGE == 10 * 3600
