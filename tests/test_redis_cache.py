"""The response cache on Redis, as production runs it: shared entries, invalidated by the very next write."""

import datetime
import os
import uuid

import pytest
import redis
from django.test import Client

from proposals.lifecycle import Status
from proposals.services import record_status
from tracker.caching import clear_cache

from . import factories

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}; CI must start it.")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix,
        }
    }
    settings.RESPONSE_CACHE = True
    yield redis.Redis.from_url(REDIS_URL), prefix
    clear_cache()


def test_pages_are_cached_in_redis_and_a_save_is_seen_at_once(redis_cache, django_assert_num_queries):
    server, prefix = redis_cache
    proposal = factories.proposal(session=factories.session(opened_on=datetime.date(2020, 5, 22)))
    reader = Client()
    url = proposal.get_absolute_url()

    first = reader.get(url)
    assert first.status_code == 200
    assert server.keys(f"{prefix}:*"), "the response was not stored in Redis"
    with django_assert_num_queries(1):  # Only the data version: the page comes from Redis.
        assert reader.get(url).content == first.content

    record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=factories.source())
    after = reader.get(url)
    assert after.content != first.content
    assert "Submitted" in after.content.decode()
