"""Reads from a streaming replica when it cannot show anything older than the last save.

With DATABASE_REPLICA_URL set, the settings add a database alias "replica" and this router. A request is
allowed onto the replica only when all of these hold (ReplicaReadsMiddleware decides, once per request):

- it is a GET or HEAD from an anonymous reader: no Authorization header, no session cookie (editors and API
  clients with tokens read from the primary, so they always see their own saves);
- it carries no "recently wrote" cookie: every unsafe request (a save, a sign-up) is answered with one that
  lasts REPLICA_PIN_SECONDS, so whoever wrote reads from the primary for that long, signed in or not;
- the replica answers, and has replayed the last committed save: its data version (tracker/caching.py) is
  the primary's. The primary's is read first, on the primary, where it cannot be stale; a replica that is
  behind, or down, is skipped for that request and the primary serves it (a replica that failed is not asked
  again for REPLICA_RETRY_SECONDS). So the replica's lag never shows: a reader either gets the replica,
  caught up, or the primary.

Everything else (every write, migrations, management commands, tests) uses the primary, "default".
"""

import contextvars
import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections

from . import database_timeouts
from .caching import VERSION_TABLE, data_version
from .database_unavailable import describe

logger = logging.getLogger("tracker.replicas")

REPLICA = "replica"
PIN_COOKIE = "tracker_wrote"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_use_replica = contextvars.ContextVar("tracker_use_replica", default=False)
_down_until = [0.0]  # per process: when to try a failed replica again


def replica_configured():
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _use_replica.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def replica_caught_up():
    """Whether the replica is up and has replayed every save the primary has committed."""
    if time.monotonic() < _down_until[0]:
        return False
    try:
        # Briefly: behind PgBouncer a stopped replica does not refuse, the query just waits for a server.
        with database_timeouts.waits_limited_to(settings.REPLICA_CHECK_SECONDS, contained=True):
            with connections[REPLICA].cursor() as cursor:
                cursor.execute(f"SELECT version FROM {VERSION_TABLE} WHERE id = 1")
                row = cursor.fetchone()
    except DatabaseError as error:
        _mark_down(error)
        return False
    return row is not None and row[0] >= data_version()


def _mark_down(error):
    _down_until[0] = time.monotonic() + settings.REPLICA_RETRY_SECONDS
    logger.warning("Replica skipped for %ss: %s", settings.REPLICA_RETRY_SECONDS, describe(error))
    try:
        connections[REPLICA].close()
    except DatabaseError:
        pass


def eligible(request):
    if request.method not in SAFE_METHODS or "HTTP_AUTHORIZATION" in request.META:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    pinned = request.COOKIES.get(PIN_COOKIE, "")
    return not (pinned.isdigit() and int(pinned) > time.time())


class ReplicaReadsMiddleware:
    """Routes a request's reads (see the module's docstring) and pins a writer to the primary for a while."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        token = _use_replica.set(eligible(request) and replica_caught_up())
        try:
            response = self.get_response(request)
        finally:
            _use_replica.reset(token)
        if request.method not in SAFE_METHODS:
            until = int(time.time()) + settings.REPLICA_PIN_SECONDS
            response.set_cookie(PIN_COOKIE, str(until), max_age=settings.REPLICA_PIN_SECONDS, httponly=True,
                                samesite="Lax", secure=request.is_secure())
        return response

    def process_exception(self, request, exception):
        """The replica failed under this read (stopped mid-request): mark it down, serve the read from the primary."""
        if not (_use_replica.get() and isinstance(exception, DatabaseError)):
            return None
        _mark_down(exception)
        _use_replica.set(False)
        return self.get_response(request)


def replica_state():
    """For /healthz: "error" while a failed replica is being skipped, else "ok"."""
    return "error" if time.monotonic() < _down_until[0] else "ok"
