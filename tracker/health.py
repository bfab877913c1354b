"""/healthz, for a load balancer: can this app server reach its database and its cache right now?

200 `{"status": "ok", "database": "ok", "cache": "ok"}`, or 503 with "error" for the part that failed
(a failure is logged as one warning line). Cheap: one `SELECT 1` per database and the set and get of a tiny
key. It reads no session and sets no cookie, the response cache passes it by (RESPONSE_CACHE_EXEMPT) and
no one else may cache it. Each part answers within CHECK_SECONDS even when the database hangs.
"""

import logging
import uuid

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.dummy import DummyCache
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import database_timeouts
from .database_unavailable import describe, discard_failed_connections, failed_databases
from .replicas import REPLICA, replica_configured, replica_state

logger = logging.getLogger("tracker.health")

# Load balancers give up on a check after a few seconds; a hanging database is reported before that.
CHECK_SECONDS = 2


@require_safe
@never_cache
def healthz(request):
    parts = {"database": _database(), "cache": _cache()}
    healthy = all(state in ("ok", "off") for state in parts.values())
    if replica_configured():
        # Reported, not required: without the replica this server reads from the primary and serves on.
        parts["replica"] = replica_state()
    response = JsonResponse({"status": "ok" if healthy else "error", **parts}, status=200 if healthy else 503)
    response._has_been_logged = True  # a failed part is logged below, once
    return response


def _database():
    try:
        with database_timeouts.waits_limited_to(CHECK_SECONDS):
            for alias in connections:
                if alias == REPLICA:
                    continue  # optional (see healthz)
                with connections[alias].cursor() as cursor:
                    cursor.execute("SELECT 1")
                    cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health check: database %s failed (%s)", failed_databases(), describe(error))
        discard_failed_connections()
        return "error"
    return "ok"


def _cache():
    cache = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(cache, DummyCache):
        return "off"  # CACHE_URL=dummy:// caches nothing, by choice
    key, token = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        cache.set(key, token, timeout=10)
        if cache.get(key) == token:
            return "ok"
        logger.warning("Health check: the cache did not give back what was just stored")
    except Exception as error:  # each cache backend raises its own errors (redis.ConnectionError, OSError, …)
        logger.warning("Health check: cache failed (%s: %s)", type(error).__name__, error)
    return "error"
