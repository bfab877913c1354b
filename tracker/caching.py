"""One data version for the whole site: any saved or deleted record moves it on.

Cached pieces and HTTP validators (ETag, Last-Modified) are keyed on it, so a reader never gets a
stale status after an editor's save: the next request computes under a new version.

The version lives in the database (a one-row table, read by primary key), not in the cache. With
several gunicorn workers and the default local-memory cache, each worker has its own cache, and a
version kept there could not carry a bump from one worker to the others. The database is the one
thing every worker (and every app server) shares. The bump is an UPDATE inside the writer's own
transaction, so the new version becomes visible at the very moment its data does: a reader can never
see the new version with the old rows, nor go on seeing the old version after the commit.

A request reads the version once (about 0.1 ms on PostgreSQL) and remembers it until the request ends
or the request itself writes.
"""

import contextvars
import hashlib
import time

from django.core.cache import cache
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save
from simple_history.models import HistoricalChanges

VERSION_TABLE = "tracker_data_version"
TRACKED_APPS = {"proposals", "people"}

# The version read by the current request, so its views, serializers and middleware agree on one value.
_request_version = contextvars.ContextVar("tracker_request_data_version", default=None)
_table_known = False


def data_version():
    """The current version: an increasing integer (about the nanoseconds of the last change)."""
    remembered = _request_version.get()
    if remembered is not None:
        return remembered
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {VERSION_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        bump_data_version()
        return data_version()
    return row[0]


def remember_version_for_request():
    """Read the version once for a read-only request; returns a token for `forget_request_version`."""
    return _request_version.set(data_version())


def forget_request_version(token):
    _request_version.reset(token)


def bump_data_version():
    """Move the version on, within the current transaction; never backwards, even across a restored database."""
    _request_version.set(None)
    if not _version_table_exists():
        return  # Before the migration that creates it (data migrations): there is nothing cached to invalidate.
    now = time.time_ns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {VERSION_TABLE} SET version = CASE WHEN version >= %s THEN version + 1 ELSE %s END WHERE id = 1",
            [now, now],
        )
        if cursor.rowcount == 0:
            cursor.execute(f"INSERT INTO {VERSION_TABLE} (id, version) VALUES (1, %s)", [now])


def _version_table_exists():
    global _table_known
    if not _table_known:
        _table_known = VERSION_TABLE in connection.introspection.table_names()
    return _table_known


def versioned_key(*parts):
    """A cache key that changes with the data version: stale entries are never read again and simply expire."""
    digest = hashlib.blake2b("\x1f".join(str(part) for part in parts).encode(), digest_size=16).hexdigest()
    return f"tracker:v{data_version()}:{digest}"


def cached_piece(name, *parts, compute, timeout=3600):
    """An expensive shared piece (theme counts, a chart, a feed body) computed once per data version."""
    key = versioned_key(name, *parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


# An m2m change sends pre_ and post_ signals; the data changes once, after it.
M2M_CHANGES = {"post_add", "post_remove", "post_clear"}


def _is_tracked(model):
    # Edit-history rows (django-simple-history) share their app's label but record a write that was already
    # counted: the save that made them. So do rows a model marks as records of other writes (`records_a_write`).
    return model._meta.app_label in TRACKED_APPS and not issubclass(model, HistoricalChanges) and \
        not getattr(model, "records_a_write", False)


def _on_save_or_delete(sender, **kwargs):
    if _is_tracked(sender) and not kwargs.get("raw"):
        bump_data_version()


def _on_m2m_change(sender, action, **kwargs):
    if action in M2M_CHANGES and _is_tracked(sender):
        bump_data_version()


def connect_signals():
    post_save.connect(_on_save_or_delete, dispatch_uid="tracker-data-version-save")
    post_delete.connect(_on_save_or_delete, dispatch_uid="tracker-data-version-delete")
    m2m_changed.connect(_on_m2m_change, dispatch_uid="tracker-data-version-m2m")
