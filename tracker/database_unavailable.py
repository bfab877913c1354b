"""A database that refuses connections, fails or stops answering: a 503, one log line, and recovery by itself.

Readers get the site's own page (templates/503.html), API clients (paths under /api/) a JSON
`{"detail": ...}`; both say when to try again (Retry-After) and are never cached. Each such request logs
one warning naming the database alias and the error, instead of a server error with its traceback. The
connection that failed is closed, so the next request opens a new one and the site is back as soon as the
database is; a connection kept between requests is checked before use (CONN_HEALTH_CHECKS).

A failure inside a view, DRF's included (its exception handler re-raises what is not an API error), reaches
`process_exception`. One outside any view, such as the response cache's data-version read, is made into a
500 by Django before this middleware sees it: `got_request_exception` notes the error on the request, the
filter below keeps that 500 out of the log, and `__call__` answers the 503 in its place, with the policy
headers the middleware it skipped would have added.

The middleware also limits how long a request waits for PostgreSQL (tracker/database_timeouts.py).
"""

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import database_timeouts
from .null_characters import API_PREFIX

logger = logging.getLogger("tracker.database")

# Errors that mean the database cannot serve the request now: refused or lost connections, timeouts, a
# cancelled statement, a locked SQLite file.
UNAVAILABLE = (OperationalError, InterfaceError)
# SQLite raises OperationalError for a schema that does not match the code too (a migration not applied):
# that is a fault to fix, not a wait to sit out, so it stays a 500 with its traceback.
SCHEMA_FAULTS = ("no such table", "no such column", "has no column named")
RETRY_AFTER_SECONDS = 30
FAILURE_ATTRIBUTE = "_database_unavailable"
REPORTED_ATTRIBUTE = "_database_unavailable_reported"
# Middleware that only add headers; an answer made in place of a 500 from outside the view gets theirs here.
POLICY_MIDDLEWARE = (
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tracker.content_security.SiteCSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        database_timeouts.install()
        got_request_exception.connect(_note_failure, dispatch_uid="tracker-database-unavailable")

    def __call__(self, request):
        with database_timeouts.serving_request():
            response = self.get_response(request)
        failure = getattr(request, FAILURE_ATTRIBUTE, None)
        if failure is not None and response.status_code == 500:
            response = _with_policies(request, unavailable(request, failure))
        return response

    def process_exception(self, request, exception):
        if is_unavailable(exception):
            return unavailable(request, exception)
        return None


def is_unavailable(error):
    return isinstance(error, UNAVAILABLE) and not str(error).startswith(SCHEMA_FAULTS)


def unavailable(request, error):
    """The 503 for a request the database could not serve; logs it and drops the connection that failed."""
    if not getattr(request, REPORTED_ATTRIBUTE, False):
        # Once per request: a session that cannot be saved afterwards fails the same way again.
        setattr(request, REPORTED_ATTRIBUTE, True)
        logger.warning("Database %s unavailable (%s); answered %s %s with 503", failed_databases(), describe(error),
                       request.method, request.get_full_path())
    setattr(request, FAILURE_ATTRIBUTE, error)
    discard_failed_connections()
    if request.path_info.startswith(API_PREFIX):
        response = JsonResponse({"detail": _("The database is unavailable. Try again in a moment.")}, status=503)
    else:
        # Rendered without the request: its context processors would ask the database for the user.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    response._has_been_logged = True  # logged above, once
    return response


def describe(error):
    """`OperationalError (QueryCanceled): canceling statement due to statement timeout`: class and first line."""
    name = type(error).__name__
    cause = error.__cause__
    if cause is not None and type(cause).__name__ != name:
        name = f"{name} ({type(cause).__name__})"
    lines = str(error).strip().splitlines()
    return f"{name}: {lines[0].strip()}" if lines else name


def discard_failed_connections():
    """Close every connection an error went through, so that none is used again half-broken."""
    for connection in connections.all(initialized_only=True):
        # Inside a transaction the block that opened it owns the connection (and closes it on leaving).
        if connection.errors_occurred and not connection.in_atomic_block:
            try:
                connection.close()
            except DatabaseError:
                pass


def failed_databases():
    """`'default' (db.internal:5432)`: the aliases whose connection an error went through, and where they point."""
    failed = []
    for connection in connections.all(initialized_only=True):
        if connection.errors_occurred:
            host, port = connection.settings_dict.get("HOST"), connection.settings_dict.get("PORT")
            failed.append(f"{connection.alias!r} ({host}:{port})" if host else repr(connection.alias))
    return ", ".join(failed) or "(unknown alias)"


def _note_failure(sender, request=None, **kwargs):
    """Sent while Django turns an exception from outside the view into a 500: remember a database one."""
    error = sys.exc_info()[1]
    if request is not None and is_unavailable(error):
        setattr(request, FAILURE_ATTRIBUTE, error)


def _with_policies(request, response):
    def respond(_request):
        return response

    handler = respond
    for path in reversed([path for path in settings.MIDDLEWARE if path in POLICY_MIDDLEWARE]):
        handler = import_string(path)(handler)
    return handler(request)


class AlreadyReported(logging.Filter):
    """For the `django.request` logger: a request answered 503 above is logged there, not as a server error."""

    def filter(self, record):
        return getattr(getattr(record, "request", None), FAILURE_ATTRIBUTE, None) is None
