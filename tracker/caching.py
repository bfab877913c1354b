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

Finer than the one version, for the response cache: every write also sets the version of the tags it touched
(TAG_TABLE) to the data version it moved to. A status saved on proposal 7 touches "proposals" (every list) and
"proposal:7"; a write to anything else (a delegate, a theme, a source) touches "site". A cached response names
its tags, by default "site" and "proposals"; a proposal's page names "site" and the proposals it shows. It is
served while none of its tags moved past the data version read before it was computed, so a save to proposal
7 leaves every other proposal's page cached, and no reader ever gets a status older than the last save.
"""

import contextvars
import hashlib
import threading
import time

from django.core.cache import cache
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save
from simple_history.models import HistoricalChanges

VERSION_TABLE = "tracker_data_version"
TAG_TABLE = "tracker_cache_tag"
# How a request reads the data version on its own (when no tag read brought it along).
VERSION_READ = f"SELECT version FROM {VERSION_TABLE} WHERE id = 1"
TRACKED_APPS = {"proposals", "people"}
SITE, PROPOSALS = "site", "proposals"
# Which proposals are published, in which session: what counts per theme and session read. A status saved on a
# proposal does not move it; a new, deleted, published or moved proposal does.
MEMBERSHIP = "proposal-membership"
MEMBERSHIP_FIELDS = {"published", "session", "session_id"}
DEFAULT_TAGS = frozenset({SITE, PROPOSALS})

# The version read by the current request, so its views, serializers and middleware agree on one value.
_request_version = contextvars.ContextVar("tracker_request_data_version", default=None)
# Whether the current request keeps the version once it is first read (see remember_version_once_read).
_remember_when_read = contextvars.ContextVar("tracker_remember_data_version", default=False)
# The tags the response being computed depends on, when a view narrowed them (see depends_only_on).
_response_tags = contextvars.ContextVar("tracker_response_tags", default=None)
_tables_known = set()


def data_version():
    """The current version: an increasing integer (about the nanoseconds of the last change)."""
    remembered = _request_version.get()
    if remembered is not None:
        return remembered
    with connection.cursor() as cursor:
        cursor.execute(VERSION_READ)
        row = cursor.fetchone()
    if row is None:
        bump_data_version()
        return data_version()
    if _remember_when_read.get():
        _request_version.set(row[0])
    return row[0]


def remember_version_once_read():
    """For a read-only request: the version is read when first needed (never, for a page that needs none, or a
    response served from the cache) and then kept until `forget_version_once_read(token)`."""
    return _remember_when_read.set(True), _request_version.set(None)


def forget_version_once_read(token):
    remember, version = token
    _request_version.reset(version)
    _remember_when_read.reset(remember)


def bump_data_version(tags=(SITE,)):
    """Move the version on, within the current transaction; never backwards, even across a restored database.

    `tags` get the new version too: the parts of the site this write touched (SITE: all of it).
    """
    _request_version.set(None)
    if not _table_exists(VERSION_TABLE):
        return  # Before the migration that creates it (data migrations): there is nothing cached to invalidate.
    now = time.time_ns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {VERSION_TABLE} SET version = CASE WHEN version >= %s THEN version + 1 ELSE %s END WHERE id = 1",
            [now, now],
        )
        if cursor.rowcount == 0:
            cursor.execute(f"INSERT INTO {VERSION_TABLE} (id, version) VALUES (1, %s)", [now])
        if tags and _table_exists(TAG_TABLE):
            cursor.execute(f"SELECT version FROM {VERSION_TABLE} WHERE id = 1")
            version = cursor.fetchone()[0]
            for tag in sorted(set(tags)):  # one order for every writer: no deadlock between two saves
                cursor.execute(
                    f"INSERT INTO {TAG_TABLE} (tag, version) VALUES (%s, %s) "
                    "ON CONFLICT (tag) DO UPDATE SET version = excluded.version",
                    [tag, version],
                )


def _table_exists(table):
    if table not in _tables_known and table in connection.introspection.table_names():
        _tables_known.add(table)
    return table in _tables_known


def tags_moved_since(tags, version):
    """Whether any of `tags` was written after data version `version` (one query)."""
    return any(written > version for written in tag_versions(tags).values())


def depends_only_on(*tags):
    """Called by a view: its response shows the site's common data and these tags' (e.g. "proposal:7"), not lists."""
    _response_tags.set(frozenset({SITE, *tags}))


def collect_response_tags():
    """Start collecting for one response; returns a token for `response_tags`."""
    return _response_tags.set(None)


def response_tags(token):
    """The tags the response depends on (DEFAULT_TAGS unless the view narrowed them); ends the collection."""
    tags = _response_tags.get()
    _response_tags.reset(token)
    return tags or DEFAULT_TAGS


def proposal_tag(proposal_id):
    return f"proposal:{proposal_id}"


def _digest(parts):
    return hashlib.blake2b("\x1f".join(str(part) for part in parts).encode(), digest_size=16).hexdigest()


def versioned_key(*parts):
    """A cache key that changes with the data version: stale entries are never read again and simply expire."""
    return f"tracker:v{data_version()}:{_digest(parts)}"


def cached_piece(name, *parts, compute, timeout=3600):
    """An expensive shared piece (theme counts, a chart, a feed body) computed once per data version."""
    key = versioned_key(name, *parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def tagged_piece(name, *parts, tags, compute, timeout=3600):
    """A shared piece kept across writes that touch none of `tags` (SITE always counts): one query to check.

    The version stored with it is the one read when the request began, before `compute` ran, so a write made
    while it was computed moves a tag past it and the next reader computes it again.
    """
    return self_tagged_piece(name, *parts, compute=lambda: (compute(), tags), timeout=timeout)


def self_tagged_piece(name, *parts, compute, timeout=3600):
    """As `tagged_piece`, for a piece that finds out what it shows while it is computed: `compute()` returns
    (piece, the tags it depends on), and those are kept with it."""
    key = f"tracker:piece:{_digest((name, *parts))}"
    stored = cache.get(key)
    if stored is not None and not tags_moved_since(stored[1], stored[0]):
        return stored[2]
    version = data_version()
    value, tags = compute()
    cache.set(key, (version, frozenset({SITE, *tags}), value), timeout)
    return value


def tag_versions(tags):
    """{tag: data version of its last write} for those of `tags` ever written (one query).

    A read that keeps the data version once read (remember_version_once_read) and has not read it yet reads it in
    the same query: a kept piece found outdated is then recomputed without a query more than a missing one.
    """
    tags = sorted(set(tags))
    if not tags:
        return {}
    if not _table_exists(TAG_TABLE):
        version = data_version()  # before the tags' table: every tag moves with the one version
        return dict.fromkeys(tags, version)
    if connection.vendor == "postgresql":  # one array parameter: a list page asks for 51 tags
        sql, params = f"SELECT tag, version FROM {TAG_TABLE} WHERE tag = ANY(%s)", [tags]
    else:
        sql, params = f"SELECT tag, version FROM {TAG_TABLE} WHERE tag IN ({', '.join(['%s'] * len(tags))})", tags
    with_version = _remember_when_read.get() and _request_version.get() is None
    if with_version:
        sql += f" UNION ALL SELECT '', version FROM {VERSION_TABLE} WHERE id = 1"  # no tag is ''
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = dict(cursor.fetchall())
    if with_version and "" in found:
        _request_version.set(found.pop(""))
    return found


def proposal_pieces(name, stamped, *, parts=(), compute, timeout=3600):
    """[piece] for each (proposal id, its updated_at) of `stamped`, in order: what one proposal shows in a list
    (a card, an API item).

    A piece is kept until its proposal's `updated_at` moves or a write touches its proposal or the site's shared
    data (a delegate's or a theme's name: SITE), so a list read after a save recomputes only the pieces of the
    proposal saved (and a bulk update that sets `updated_at`, which sends no signal, is seen too). `parts` say
    what else the piece depends on (the language, today's date, the address it links to). `compute(missing ids)`
    returns {id: piece} for those not kept, in one call. One query reads the tags; the pieces come from this
    process's memory, or in one cache round trip. As in `tagged_piece`, the versions are read before `compute`
    runs, so a write that commits while it runs leaves the piece under a version no later reader asks for.
    Pieces are shared between requests: a caller copies one before changing it.
    """
    stamped = list(stamped)
    if not stamped:
        return []
    tagged = [(pk, updated_at, proposal_tag(pk)) for pk, updated_at in stamped]
    versions = tag_versions([SITE, *(tag for _pk, _updated_at, tag in tagged)])
    site = versions.get(SITE, 0)
    prefix = f"tracker:{name}:{_digest(parts)}"
    keys = {pk: f"{prefix}:{pk}:{updated_at.isoformat()}:{max(site, versions.get(tag, 0))}"
            for pk, updated_at, tag in tagged}
    found = _local_pieces.among(keys.values())
    if len(found) < len(keys):
        fetched = cache.get_many([key for key in keys.values() if key not in found])
        missing = [pk for pk in keys if keys[pk] not in found and keys[pk] not in fetched]
        if missing:
            computed = {keys[pk]: piece for pk, piece in compute(missing).items()}
            cache.set_many(computed, timeout)
            fetched.update(computed)
        _local_pieces.keep(fetched)
        found.update(fetched)
    return [found[keys[pk]] for pk, _updated_at in stamped if keys[pk] in found]


class _LocalPieces:
    """The pieces this process read last, by key, in memory: a list page then unpickles none of them.

    A piece's key names exactly what it shows (its proposal's `updated_at`, the tag versions, the parts), so a
    key kept here can never hold an outdated piece; only the oldest are let go, past `size`.
    """

    def __init__(self, size):
        self.size = size
        self._pieces = {}
        self._lock = threading.Lock()  # the threaded development server shares it between requests

    def among(self, keys):
        with self._lock:
            return {key: self._pieces[key] for key in keys if key in self._pieces}

    def keep(self, pieces):
        with self._lock:
            self._pieces.update(pieces)
            for key in list(self._pieces)[: max(0, len(self._pieces) - self.size)]:
                del self._pieces[key]

    def clear(self):
        with self._lock:
            self._pieces.clear()


# About ten list pages' worth per kind of piece for each of the languages, dates and hosts a worker serves.
_local_pieces = _LocalPieces(size=4000)


# An m2m change sends pre_ and post_ signals; the data changes once, after it.
M2M_CHANGES = {"post_add", "post_remove", "post_clear"}


def _is_tracked(model):
    # Edit-history rows (django-simple-history) share their app's label but record a write that was already
    # counted: the save that made them. So do rows a model marks as records of other writes (`records_a_write`).
    return model._meta.app_label in TRACKED_APPS and not issubclass(model, HistoricalChanges) and \
        not getattr(model, "records_a_write", False)


def _tags_of(sender, instance):
    """What a write to `instance` touches: one proposal and the lists, or (anything else) the whole site."""
    label = sender._meta.label
    if label == "proposals.Proposal":
        return PROPOSALS, proposal_tag(instance.pk)
    if label == "proposals.StatusEvent":
        return PROPOSALS, proposal_tag(instance.proposal_id)
    return (SITE,)


def _on_save_or_delete(sender, instance=None, **kwargs):
    if _is_tracked(sender) and not kwargs.get("raw"):
        tags = _tags_of(sender, instance)
        fields = kwargs.get("update_fields")
        if sender._meta.label == "proposals.Proposal" and (fields is None or MEMBERSHIP_FIELDS & set(fields)):
            tags = (*tags, MEMBERSHIP)
        bump_data_version(tags)


def _on_m2m_change(sender, action, **kwargs):
    if action in M2M_CHANGES and _is_tracked(sender):
        bump_data_version()


def connect_signals():
    post_save.connect(_on_save_or_delete, dispatch_uid="tracker-data-version-save")
    post_delete.connect(_on_save_or_delete, dispatch_uid="tracker-data-version-delete")
    m2m_changed.connect(_on_m2m_change, dispatch_uid="tracker-data-version-m2m")


def clear_cache():
    """Forget every kept response and piece: the shared cache's and those this process holds in memory."""
    cache.clear()
    _local_pieces.clear()
