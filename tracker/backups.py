"""The whole database in one file, and back: `manage.py backup_data` and `restore_data` (docs/operations.md).

PostgreSQL: `pg_dump --format=custom`, a consistent snapshot taken while the site runs, restored by
`pg_restore --clean --if-exists` in one transaction, so a restore that fails changes nothing. SQLite: a copy
made by SQLite's online backup API (consistent even while the site writes), copied back the same way. Either
keeps every table as stored, ids, sequences and the edit-history tables included (which dumpdata and
loaddata could not restore), so the site answers exactly as before.

A restore refuses a missing file, a file of another kind, and a database that already holds tables unless
forced; afterwards it moves the site's data version on, so that no page cached from before is served.
"""

import datetime
import os
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

from django.core.management.base import CommandError

from tracker.caching import bump_data_version

POSTGRESQL, SQLITE = "postgresql", "sqlite"
KINDS = {
    POSTGRESQL: {"label": "PostgreSQL", "name": "a PostgreSQL custom-format archive (pg_dump -Fc)", "suffix": ".dump"},
    SQLITE: {"label": "SQLite", "name": "a SQLite database", "suffix": ".sqlite3"},
}
# Every database of the site has this table; a file without it is a backup of something else.
MARKER_TABLE = "django_migrations"
SQLITE_BUSY, SQLITE_LOCKED = 5, 6  # SQLite's result codes for a lock held by another connection
SQLITE_LOCKED_SECONDS = 30


def vendor_of(connection):
    if connection.vendor not in KINDS:
        raise CommandError(f"Backups are made for PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def default_path(connection):
    """tracker-<database>-<UTC time>.dump (or .sqlite3), in the current directory."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    name = Path(str(connection.settings_dict["NAME"])).stem or "database"
    return Path.cwd() / f"tracker-{name}-{stamp}{KINDS[vendor_of(connection)]['suffix']}"


def kind_of(path):
    """POSTGRESQL, SQLITE or None, from the first bytes of the file."""
    with open(path, "rb") as file:
        start = file.read(16)
    if start.startswith(b"PGDMP"):
        return POSTGRESQL
    if start == b"SQLite format 3\x00":
        return SQLITE
    return None


def backup(connection, path, *, replace=False):
    """Write the whole database to `path` (readable by its owner only); returns the path."""
    vendor = vendor_of(connection)
    path = Path(path)
    if path.exists() and not replace:
        raise CommandError(f"{path} exists already. Choose another file, or add --force to overwrite it.")
    if not path.parent.is_dir():
        raise CommandError(f"There is no directory {path.parent} to write the backup in.")
    partial = path.with_name(path.name + ".partial")  # never a half-written file under the backup's name
    partial.unlink(missing_ok=True)
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        if vendor == POSTGRESQL:
            _pg_dump(connection, partial)
        else:
            _sqlite_backup(connection, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def restore(connection, path, *, force=False):
    """Replace the database's contents with the backup at `path`."""
    vendor = vendor_of(connection)
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"No backup at {path}.")
    kind = kind_of(path)
    if kind is None:
        raise CommandError(f"{path} is not a backup: {_what_else(path)}")
    if kind != vendor:
        raise CommandError(f"{path} is {KINDS[kind]['name']}, but this site's database is {KINDS[vendor]['label']}: "
                           f"it restores only from {KINDS[vendor]['name']}.")
    if vendor == POSTGRESQL:
        _pg_check(path)
    else:
        _sqlite_check(path)
    tables = connection.introspection.table_names()
    if tables and not force:
        raise CommandError(
            f"The database {connection.settings_dict['NAME']} is not empty ({len(tables)} tables). Restoring "
            "replaces everything in it: add --force if that is what you want, or restore into a new, empty database."
        )
    if vendor == POSTGRESQL:
        _pg_restore(connection, path)
    else:
        _sqlite_restore(connection, path)
    bump_data_version()


def _what_else(path):
    with open(path, "rb") as file:
        start = file.read(400)
    if start.startswith(b"--") and b"PostgreSQL database dump" in start:
        return "it is a plain SQL dump; feed it to psql instead."
    return "neither a PostgreSQL custom-format archive (pg_dump -Fc) nor a SQLite database."


# PostgreSQL


def _tool(name):
    found = shutil.which(name)
    if found is None:
        raise CommandError(f"{name} is not on PATH; install PostgreSQL's client programs (Debian: postgresql-client).")
    return found


def _libpq(connection):
    """The connection as a libpq connection string for pg_dump and pg_restore, and the environment with its password.

    The password goes in the environment, where other users' `ps` cannot read it.
    """
    from psycopg2.extensions import make_dsn

    params = connection.get_connection_params()
    for python_only in ("cursor_factory", "connection_factory", "client_encoding"):
        params.pop(python_only, None)
    env = dict(os.environ)
    password = params.pop("password", None)
    if password:
        env["PGPASSWORD"] = str(password)
    return make_dsn(**{key: str(value) for key, value in params.items()}), env


def _run(command, env=None):
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{Path(command[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def _pg_dump(connection, path):
    dsn, env = _libpq(connection)
    _run([_tool("pg_dump"), "--format=custom", "--no-password", f"--file={path}", f"--dbname={dsn}"], env)
    _pg_check(path)


def _pg_check(path):
    """The archive's table of contents reads, and holds this site's tables."""
    contents = _run([_tool("pg_restore"), "--list", str(path)])
    if f"TABLE public {MARKER_TABLE} " not in contents:
        raise CommandError(f"{path} is a PostgreSQL archive, but not of this site's database (no {MARKER_TABLE}).")


def _pg_restore(connection, path):
    dsn, env = _libpq(connection)
    connection.close()  # nothing of this process holds a lock the restore waits for
    # --no-owner: everything belongs to the role that restores (the site's own), whoever made the backup.
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-owner",
          "--no-password", f"--dbname={dsn}", str(path)], env)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # pg_restore leaves the planner without statistics


# SQLite


def _sqlite_copy(source, target):
    """`source.backup(target)`, which waits while another connection's transaction holds a lock: at most a while."""
    deadline = time.monotonic() + SQLITE_LOCKED_SECONDS

    def progress(status, remaining, total):
        if status in (SQLITE_BUSY, SQLITE_LOCKED) and time.monotonic() > deadline:
            raise CommandError(f"The database stayed locked by another connection for {SQLITE_LOCKED_SECONDS} s; "
                               "nothing was copied. Try again when its writes are done.")

    source.backup(target, progress=progress)


def _sqlite_backup(connection, path):
    connection.ensure_connection()
    with closing(sqlite3.connect(path)) as target:
        _sqlite_copy(connection.connection, target)
    _sqlite_check(path)


def _sqlite_check(path):
    """The file is a sound SQLite database holding this site's tables."""
    try:
        with closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as source:
            verdict = source.execute("PRAGMA quick_check").fetchone()[0]
            tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise CommandError(f"{path} cannot be read as a SQLite database: {error}") from error
    if verdict != "ok":
        raise CommandError(f"{path} is damaged: {verdict}")
    if MARKER_TABLE not in tables:
        raise CommandError(f"{path} is a SQLite database, but not of this site (no {MARKER_TABLE}).")


def _sqlite_restore(connection, path):
    connection.ensure_connection()
    with closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as source:
        _sqlite_copy(source, connection.connection)
