"""How long a web request waits for PostgreSQL: a database that hangs costs a request seconds, never a worker.

Three limits, from the cheapest to the last resort (docs/operations.md gives the variables and defaults):

- libpq's own, on every connection (settings.DATABASES OPTIONS): `connect_timeout` for a server that does
  not accept or answer a new connection, TCP keepalives and `tcp_user_timeout` for a network that is gone.
- A statement timeout on the server, for each statement of a web request (DATABASE_STATEMENT_TIMEOUT): a
  slow or locked query is cancelled by PostgreSQL itself, which keeps the connection and frees the server.
  It is sent as the startup parameter `options=-c statement_timeout=…` of the connections opened to serve
  requests (tracker/postgresql/base.py), never of those a management command opens, so migrate,
  seed_synthetic and the backups run as long as they need. Not `SET`: a session setting would outlive the
  request on a pooled server connection. Not `SET LOCAL` in a transaction around every request: that is a
  transaction and an extra statement for every read, and reads run in autocommit. PgBouncer in transaction
  mode does not pass startup parameters on, so behind it the same limit is a setting of the web app's role
  (`ALTER ROLE … SET statement_timeout`), with DATABASE_STATEMENT_TIMEOUT=0 here.
- A limit on the client's own waiting (DATABASE_WAIT_TIMEOUT, a little longer than the statement timeout):
  a stopped server process, or a paused virtual machine, has a kernel that still accepts connections and
  acknowledges what is sent, so neither keepalives nor the server's own timeout ever fire, and libpq waits
  for ever. psycopg2 lets a program wait in its place (`set_wait_callback`, the hook gevent uses); the
  callback here waits as libpq would, but gives up after the limit. psycopg2 then closes that connection,
  so no broken connection is used again, and once a request has given up no later query of it waits again.
  The callback is installed by the middleware (tracker/database_unavailable.py), so only in processes that
  serve requests; outside a request it waits without limit, except for connecting (`connect_timeout`).
"""

import contextlib
import contextvars
import dataclasses
import functools
import select
import time

from django.conf import settings
from django.db import connections

try:
    import psycopg2
    from psycopg2 import extensions
except ImportError:  # SQLite only: nothing here applies
    psycopg2 = None


@dataclasses.dataclass
class _Limit:
    seconds: float | None  # None: no limit
    gave_up: str = ""  # why, once the request has stopped waiting


_limit = contextvars.ContextVar("tracker_database_wait_limit", default=None)


if psycopg2 is not None:
    # The states of a psycopg2 connection that has finished connecting.
    _CONNECTED = frozenset({extensions.STATUS_READY, extensions.STATUS_BEGIN, extensions.STATUS_PREPARED})

    class DatabaseDidNotAnswer(psycopg2.OperationalError):
        """The database server sent no answer within the request's limit: stopped, paused or out of reach."""


@contextlib.contextmanager
def serving_request():
    """Within it, waits on PostgreSQL are limited and new connections carry the statement timeout."""
    token = _limit.set(_Limit(wait_timeout() or None))
    try:
        yield
    finally:
        _limit.reset(token)


@contextlib.contextmanager
def waits_limited_to(seconds, contained=False):
    """A tighter limit for part of a request (the health check).

    `contained`: giving up inside does not count as the request's having given up, so its other databases are
    still waited for (the replica check: a replica that does not answer is skipped, the primary serves on).
    """
    outer = _limit.get()
    if outer is not None and outer.seconds is not None:
        seconds = min(seconds, outer.seconds)
    inner = _Limit(seconds, gave_up=outer.gave_up if outer and not contained else "")
    token = _limit.set(inner)
    try:
        yield
    finally:
        _limit.reset(token)
        if outer is not None and not contained:
            outer.gave_up = outer.gave_up or inner.gave_up


def wait_timeout():
    """Seconds a request waits for any answer from the database; 0 for no limit."""
    return max(0.0, float(getattr(settings, "DATABASE_WAIT_TIMEOUT", 4)))


def request_startup_options():
    """The `options` startup parameter for a connection opened now: the statement timeout within a request."""
    seconds = float(getattr(settings, "DATABASE_STATEMENT_TIMEOUT", 0))
    if _limit.get() is None or seconds <= 0:
        return ""
    return f"-c statement_timeout={round(seconds * 1000)}"


def install():
    """Let psycopg2 wait through `wait_within_limit`, where a database is PostgreSQL; once per process."""
    if psycopg2 is None or not any(connection.vendor == "postgresql" for connection in connections.all()):
        return
    current = extensions.get_wait_callback()
    if current is None:
        extensions.set_wait_callback(wait_within_limit)
    elif current is not wait_within_limit:
        raise RuntimeError(f"another psycopg2 wait callback is installed ({current!r}); the request limits need theirs")


def wait_within_limit(conn):
    """psycopg2's wait callback: libpq's own waiting (as psycopg2.extras.wait_select), within the limit."""
    limit = _limit.get()
    if limit is not None and limit.gave_up:
        raise DatabaseDidNotAnswer(limit.gave_up)  # earlier in this request: no second wait
    seconds = None if limit is None else limit.seconds
    if conn.status not in _CONNECTED:
        # Connecting: libpq leaves connect_timeout to whoever waits.
        connect_seconds = _connect_timeout(conn.dsn)
        if connect_seconds:
            seconds = connect_seconds if seconds is None else min(seconds, connect_seconds)
    deadline = None if seconds is None else time.monotonic() + seconds
    while True:
        state = conn.poll()
        if state == extensions.POLL_OK:
            return
        if state not in (extensions.POLL_READ, extensions.POLL_WRITE):
            raise psycopg2.OperationalError(f"unexpected state from poll(): {state}")
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        # The socket may change while connecting (another address of the host), so it is asked for each time.
        if not _ready(conn.fileno(), state == extensions.POLL_WRITE, remaining):
            reason = f"no answer from the database server within {seconds:g} s"
            if limit is not None:
                limit.gave_up = reason
            raise DatabaseDidNotAnswer(reason)


@functools.lru_cache(maxsize=16)
def _connect_timeout(dsn):
    value = extensions.parse_dsn(dsn).get("connect_timeout", "")
    return float(value) if value.strip() else 0.0


def _ready(fd, writing, timeout):
    """Whether the socket became readable (or writable) within `timeout` seconds (None: no limit)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLOUT if writing else select.POLLIN)
        return bool(poller.poll(None if timeout is None else timeout * 1000))
    readable, writable, failed = select.select([] if writing else [fd], [fd] if writing else [], [fd], timeout)
    return bool(readable or writable or failed)
