"""/healthz for a load balancer: the database and the cache, cheap, never cached, 503 naming the part that failed."""

import logging
from unittest import mock

import pytest
from django.core.cache import caches

from .test_database_unavailable import database_refuses

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.WARNING)
    return caplog


def test_healthz_answers_ok_without_cookie_or_cache(client, settings):
    settings.RESPONSE_CACHE = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert not response.cookies and "no-store" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    # Never answered from the response cache: the next check sees the database fail.
    with database_refuses():
        assert client.get("/healthz").status_code == 503


def test_healthz_runs_one_trivial_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get("/healthz").status_code == 200


def test_healthz_says_the_database_failed(client, log):
    with database_refuses():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "cache": "ok"}
    assert [record.levelno for record in log.records if record.name == "tracker.health"] == [logging.WARNING]


def test_healthz_says_the_cache_failed(client, log):
    with mock.patch.object(type(caches["default"]), "set", side_effect=ConnectionError("cache server gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "error"}
    assert "cache server gone" in log.text


def test_healthz_counts_a_cache_switched_off_as_healthy(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "off"}


def test_a_hanging_redis_is_reported_within_a_second_or_two(client, settings):
    """A server that accepts connections and never answers, as a stopped Redis behind a live port does."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        settings.CACHES = {"default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }}
        started = time.monotonic()
        response = client.get("/healthz")
        assert response.status_code == 503 and response.json()["cache"] == "error"
        assert time.monotonic() - started < 3
    finally:
        silent.close()


def test_production_settings_bound_the_wait_for_redis():
    from .test_settings import show

    result = show("CACHES['default']['OPTIONS']", DJANGO_DEBUG="true", CACHE_URL="redis://127.0.0.1:6379/3")
    assert "'socket_timeout': 1.0" in result.stdout, result.stderr
