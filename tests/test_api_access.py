"""Who may try how often: throttles count per real client address in the shared cache (Redis in production), the
anonymous CSV export has a lower limit of its own, every 429 says when to retry; API tokens expire."""

import datetime
import os
import threading
import uuid

import pytest
import redis
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from tracker.api.throttling import AnonExportThrottle, AnonThrottle
from tracker.caching import clear_cache

from . import factories

pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def low_limits(monkeypatch):
    monkeypatch.setattr(AnonThrottle, "rate", "5/min", raising=False)
    monkeypatch.setattr(AnonExportThrottle, "rate", "2/hour", raising=False)


def assert_throttled(response):
    assert response.status_code == 429, response.status_code
    assert response["Content-Type"] == "application/json" and "detail" in response.json()
    assert int(response["Retry-After"]) >= 1


def test_a_new_x_forwarded_for_does_not_open_a_new_count(low_limits):
    client = APIClient()
    assert [client.get("/api/v1/themes/").status_code for _ in range(5)] == [200] * 5
    assert_throttled(client.get("/api/v1/themes/"))
    for n in range(50):
        assert_throttled(client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"))
    assert_throttled(client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1"))


def test_behind_a_trusted_proxy_the_address_it_saw_is_counted(low_limits, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()
    for _ in range(5):
        assert client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7").status_code == 200
    # The same client, whatever it puts to the left of what the proxy appended.
    assert_throttled(client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR="another, 203.0.113.7"))
    # Another client behind the same proxy has its own count.
    assert client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_the_anonymous_export_has_its_own_lower_limit(low_limits):
    client = APIClient()
    assert [client.get("/api/v1/proposals/export/").status_code for _ in range(2)] == [200, 200]
    assert_throttled(client.get("/api/v1/proposals/export/"))
    assert client.get("/api/v1/proposals/").status_code == 200  # the list is counted on its own limit
    editor = APIClient()
    editor.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=factories.editor()).key}")
    assert [editor.get("/api/v1/proposals/export/").status_code for _ in range(3)] == [200] * 3


@pytest.fixture
def redis_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}; CI must start it.")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                                   "KEY_PREFIX": prefix}}
    yield redis.Redis.from_url(REDIS_URL), prefix
    clear_cache()


def test_throttle_counters_live_in_redis_for_every_worker(low_limits, redis_cache):
    server, prefix = redis_cache
    client = APIClient()
    for _ in range(3):
        assert client.get("/api/v1/themes/").status_code == 200
    keys = server.keys(f"{prefix}:*throttle_anon*")
    assert keys, server.keys(f"{prefix}:*")
    # Another worker has nothing in memory: only Redis knows the three requests, and it counts on from them.
    server_side = [client.get("/api/v1/themes/").status_code for _ in range(3)]
    assert server_side == [200, 200, 429]


def test_a_clients_count_is_one_number_whatever_its_rate(low_limits, monkeypatch):
    """A request costs one increment: nothing in the cache grows with how many requests a client made."""
    monkeypatch.setattr(AnonThrottle, "rate", "100000/min", raising=False)
    client = APIClient()
    for _ in range(40):
        assert client.get("/api/v1/themes/").status_code == 200
    throttle = AnonThrottle()
    request = APIRequestFactory().get("/api/v1/themes/")
    key = throttle.get_cache_key(Request(request), None)
    assert throttle.cache.get(key) == 40


def test_workers_counting_at_once_lose_no_request(low_limits, redis_cache, monkeypatch):
    monkeypatch.setattr(AnonThrottle, "rate", "100000/min", raising=False)
    request = Request(APIRequestFactory().get("/api/v1/themes/"))

    def count(times):
        for _ in range(times):
            assert AnonThrottle().allow_request(request, None)

    threads = [threading.Thread(target=count, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    throttle = AnonThrottle()
    assert throttle.cache.get(throttle.get_cache_key(request, None)) == 200


# Tokens

def token_for(user, *, age_days):
    token = Token.objects.create(user=user)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=age_days))
    return Token.objects.get(pk=token.pk)


def test_a_token_older_than_api_token_days_is_refused_saying_when_it_expired(settings):
    settings.API_TOKEN_DAYS = 90
    token = token_for(factories.editor(), age_days=91)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/v1/themes/")
    assert response.status_code == 401
    expired_on = timezone.localtime(token.created + datetime.timedelta(days=90)).date().isoformat()
    assert response.json()["detail"] == (f"This token expired on {expired_on}; "
                                         "ask an administrator for a new one.")
    settings.API_TOKEN_DAYS = 120
    assert client.get("/api/v1/themes/").status_code == 200


def test_a_fresh_token_writes_and_a_deleted_one_is_refused():
    token = token_for(factories.editor(), age_days=10)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.post("/api/v1/themes/", {"slug": "ai", "name_en": "AI"}, format="json").status_code == 201
    token.delete()  # what an administrator's delete in the admin does: revoked
    assert client.post("/api/v1/themes/", {"slug": "ml", "name_en": "ML"}, format="json").status_code == 401


def test_the_token_admin_lists_when_each_token_expires(client):
    token_for(factories.editor("fresh"), age_days=1)
    token_for(factories.editor("old"), age_days=100)
    client.force_login(User.objects.create_superuser("chief", password="chief-password"))
    page = client.get("/admin/authtoken/tokenproxy/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Expires" in html and "(expired)" in html
    in_89_days = (timezone.localdate() + datetime.timedelta(days=89)).isoformat()
    assert in_89_days in html
