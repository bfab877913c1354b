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
