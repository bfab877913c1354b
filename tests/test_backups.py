"""Backups that restore: every API answer is the same after a backup, a wipe and a restore, on SQLite and PostgreSQL.

The round trips run as an operator would: `manage.py` commands and a gunicorn app server on a database of their
own (a file for SQLite, a throwaway PostgreSQL cluster), holding the 2020 data set plus timelines with
referrals and replies, an editor and edit history. The refusals run in the suite's own process.
"""

import datetime
import hashlib
import json
import sqlite3
import stat
from contextlib import closing
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from . import factories
from .live_servers import AppServer, Cluster, app_environment, manage, require_postgresql_tools

# Small pages, so that the walk follows cursors too.
RESOURCES = ["proposals/?include=timeline&page_size=5", "status-events/?page_size=10", "sessions/", "bodies/",
             "themes/?page_size=5", "authorities/", "sources/", "delegates/?page_size=5", "companies/"]
FRESH = {"Cache-Control": "no-cache"}  # the view's answer, not a cached one


def fill_more():
    """Run inside `manage.py shell` after load_seed: timelines to the end, an editor, edits and a deletion."""
    from django.contrib.auth.models import User

    from people.models import Company, Delegate
    from proposals.lifecycle import HandlingRole, Status
    from proposals.models import Authority, Proposal, Source, Theme
    from proposals.services import record_status, set_sponsors
    from tests import factories

    day = datetime.date
    cited = Source.objects.first()
    ministry = Authority.objects.first()
    first, second, third = Proposal.objects.order_by("pk")[:3]
    record_status(first, date=day(2020, 6, 1), status=Status.REFERRED, source=cited, authority=ministry,
                  handling_role=HandlingRole.LEAD)
    record_status(first, date=day(2020, 8, 1), status=Status.REPLIED, source=cited, authority=ministry,
                  reply_grade="B", note="Replied in writing.")
    record_status(first, date=day(2020, 8, 20), status=Status.FEEDBACK, source=cited, verdict="satisfied")
    record_status(second, date=day(2020, 6, 2), status=Status.REFERRED, source=cited, authority=ministry,
                  handling_role=HandlingRole.LEAD)  # overdue: no reply
    record_status(third, date=day(2020, 6, 3), status=Status.WITHDRAWN, source=cited)
    set_sponsors(second, list(Delegate.objects.order_by("pk")[:2]))
    second.themes.add(*Theme.objects.order_by("pk")[:2])

    editor = factories.editor("chief-editor")
    User.objects.filter(pk=editor.pk).update(first_name="Chief")
    for company in Company.objects.order_by("pk")[:2]:
        company.description = f"{company.description} Edited."
        company.save()  # a change in its history
    factories.theme(slug="short-lived", name_en="Short-lived").delete()  # a deletion in the history
    new = factories.proposal(session=first.session, themes=[Theme.objects.order_by("pk").last()],
                             sponsors=list(Delegate.objects.order_by("pk")[:1]))
    record_status(new, date=day(2020, 5, 25), status=Status.SUBMITTED, source=cited)


TABLE_DIGEST = """
import hashlib, json
from django.db import connection
digests = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        cursor.execute(f'SELECT * FROM "{table}"')
        # psycopg2 hands binary columns over as memoryview, whose repr is its address: compare the bytes.
        rows = sorted(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row))
                      for row in cursor.fetchall())
        if table in ("tracker_data_version", "tracker_cache_tag"):
            rows = [str(len(rows))]  # their versions move on at the restore, on purpose
        digests[table] = [len(rows), hashlib.sha256("\\n".join(rows).encode()).hexdigest()]
print(json.dumps(digests))
"""


def table_digests(env, before=""):
    """Digests of every table's rows, after running the Python code `before` in the same shell."""
    return json.loads(manage(env, "shell", "-c", before + TABLE_DIGEST).stdout.strip().splitlines()[-1])


def walk(server):
    """Every list of the API, every page of it, and every row's detail, plus the root and the CSV export."""
    bodies = {}

    def fetch(path):
        answer = server.get(path, headers=FRESH)
        assert answer.status == 200, (path, answer)
        bodies[path] = answer.text().replace(server.base, "")
        return answer

    fetch("/api/v1/")
    fetch("/api/v1/proposals/export/")
    for resource in RESOURCES:
        path = f"/api/v1/{resource}"
        while path:
            page = json.loads(fetch(path).body)
            assert page["results"], path
            for row in page["results"]:
                fetch(urlsplit(row["url"]).path)
            path = page["next"] and "{0.path}?{0.query}".format(urlsplit(page["next"]))
    return bodies


def round_trip(env, wipe, restore_arguments):
    """Bodies of the whole API and digests of every table before, after a backup, `wipe` and a restore."""
    manage(env, "migrate", "--noinput", "-v0")
    tables = table_digests(env, "from django.core.management import call_command\n"
                                "from tests.test_backups import fill_more\n"
                                "call_command('load_seed')\n"
                                "fill_more()\n")
    server = AppServer(env)
    try:
        before = walk(server)  # reads only: the tables stay as they were
        backed_up = manage(env, "backup_data", "--output", str(restore_arguments[0]))  # while the site runs
    finally:
        server.remove()
    assert "Backed up to" in backed_up.stdout
    wipe()
    restored = manage(env, "restore_data", *map(str, restore_arguments))
    assert "Restored" in restored.stdout
    server = AppServer(env)
    try:
        after = walk(server)
    finally:
        server.remove()
    return before, after, tables, table_digests(env)


def assert_same(before, after, tables_before, tables_after):
    assert len(before) > 60
    for history in ("proposals_historicalproposal", "proposals_historicalstatusevent", "people_historicalcompany"):
        assert tables_before[history][0] > 0, history
    assert sorted(after) == sorted(before)
    for path, body in before.items():
        assert after[path] == body, path
    assert tables_after == tables_before


def test_sqlite_round_trip_gives_the_same_api_answers(tmp_path):
    database = tmp_path / "tracker.sqlite3"
    env = app_environment(f"sqlite:///{database}")
    backup = tmp_path / "backup.sqlite3"
    before, after, tables_before, tables_after = round_trip(env, database.unlink, [backup])
    assert_same(before, after, tables_before, tables_after)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    # Over a flushed database (its tables still there, so --force), the same again.
    manage(env, "flush", "--noinput")
    manage(env, "restore_data", str(backup), "--force")
    assert table_digests(env) == tables_before


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(require_postgresql_tools())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def test_postgresql_round_trip_gives_the_same_api_answers(cluster, tmp_path):
    cluster.execute("CREATE DATABASE tracker_roundtrip")
    env = app_environment(cluster.url("tracker_roundtrip"))
    backup = tmp_path / "backup.dump"

    def drop_and_create():
        cluster.execute("DROP DATABASE tracker_roundtrip WITH (FORCE)")
        cluster.execute("CREATE DATABASE tracker_roundtrip")

    before, after, tables_before, tables_after = round_trip(env, drop_and_create, [backup])
    assert_same(before, after, tables_before, tables_after)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    # Over the database as it is, changed since (pg_restore --clean, so --force): the same again.
    cluster.execute("UPDATE proposals_theme SET name_en = 'Changed after the backup'", database="tracker_roundtrip")
    manage(env, "restore_data", str(backup), "--force")
    assert table_digests(env) == tables_before
    # The sequences came back too: the next row gets an id of its own.
    [(ahead,)] = cluster.execute("SELECT (SELECT last_value FROM proposals_theme_id_seq) >= "
                                 "(SELECT max(id) FROM proposals_theme)", database="tracker_roundtrip")
    assert ahead


# Refusals, in the suite's own database (SQLite or PostgreSQL)



@pytest.fixture
def backup_file(tmp_path, transactional_db):
    """A backup of the suite's database; with its rows committed, as a backup reads only those."""
    factories.theme(slug="in-the-backup")
    path = tmp_path / ("backup.dump" if connection.vendor == "postgresql" else "backup.sqlite3")
    call_command("backup_data", output=str(path))
    return path


@pytest.mark.django_db
def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore_data", str(tmp_path / "nothing.dump"))


@pytest.mark.django_db
def test_a_file_of_another_kind_is_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    with pytest.raises(CommandError, match="is not a backup: neither"):
        call_command("restore_data", str(text))
    plain = tmp_path / "plain.sql"
    plain.write_text("--\n-- PostgreSQL database dump\n--\n")
    with pytest.raises(CommandError, match="plain SQL dump; feed it to psql"):
        call_command("restore_data", str(plain))

    other = tmp_path / "other"
    if connection.vendor == "postgresql":
        with closing(sqlite3.connect(other)) as sqlite:
            sqlite.execute("CREATE TABLE django_migrations (id integer)")
        expected = "is a SQLite database, but this site's database is PostgreSQL"
    else:
        other.write_bytes(b"PGDMP" + b"\0" * 100)
        expected = "is a PostgreSQL custom-format archive .*, but this site's database is SQLite"
    with pytest.raises(CommandError, match=expected):
        call_command("restore_data", str(other))


@pytest.mark.django_db
def test_a_file_of_the_right_kind_but_not_of_this_site_is_refused(tmp_path):
    stranger = tmp_path / "stranger"
    if connection.vendor == "postgresql":
        stranger.write_bytes(b"PGDMP" + b"\0" * 100)  # a damaged archive: pg_restore cannot read it
        expected = "pg_restore failed"
    else:
        with closing(sqlite3.connect(stranger)) as sqlite:
            sqlite.execute("CREATE TABLE notes (body text)")
        expected = "not of this site"
    with pytest.raises(CommandError, match=expected):
        call_command("restore_data", str(stranger))


def test_a_database_with_tables_is_not_replaced_without_force(backup_file):
    with pytest.raises(CommandError, match="is not empty .* add --force"):
        call_command("restore_data", str(backup_file))
    assert connection.introspection.table_names()


def test_a_backup_does_not_overwrite_a_file_without_force(backup_file):
    before = hashlib.sha256(backup_file.read_bytes()).hexdigest()
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup_data", output=str(backup_file))
    assert hashlib.sha256(backup_file.read_bytes()).hexdigest() == before
    call_command("backup_data", output=str(backup_file), force=True)
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    assert not list(backup_file.parent.glob("*.partial"))


@pytest.mark.django_db
def test_a_backup_into_a_missing_directory_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no directory"):
        call_command("backup_data", output=str(tmp_path / "absent" / "backup"))
